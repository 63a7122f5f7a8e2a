import LedgerCrypto

/// Verifies one key's signatures on note texts (c2sp.org/signed-note). The note layer matches
/// signature lines to verifiers by key name and key ID; the verifier only checks the bytes.
public protocol NoteVerifier {
    var name: String { get }
    var keyID: UInt32 { get }
    /// Whether `signature` (the bytes after the 4-byte key ID) is this key's signature of `text`.
    func verify(text: [UInt8], signature: [UInt8]) -> Bool
}

/// Signs note texts with one key.
public protocol NoteSigner {
    var name: String { get }
    var keyID: UInt32 { get }
    /// The signature bytes (without the key ID) of `text`.
    func sign(text: [UInt8]) throws -> [UInt8]
}

/// One signature line of a note: `— <name> base64(keyID ‖ signature)`.
public struct NoteSignature: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let keyID: UInt32
    /// The signature bytes after the key ID; never empty.
    public let signature: [UInt8]

    public init(name: String, keyID: UInt32, signature: [UInt8]) throws {
        try NoteFormat.checkName(name)
        guard !signature.isEmpty else { throw TransparencyError("a note signature has at least one byte after the key ID") }
        self.name = name
        self.keyID = keyID
        self.signature = signature
    }

    /// Parses one signature line, without its newline.
    public init<C: Collection>(line: C) throws where C.Element == UInt8 {
        let bytes = Array(line)
        guard bytes.starts(with: NoteFormat.dashSpace) else {
            throw TransparencyError("a note signature line starts with an em dash (U+2014) and a space")
        }
        let rest = bytes.dropFirst(NoteFormat.dashSpace.count)
        guard let space = rest.firstIndex(of: 0x20) else {
            throw TransparencyError("a note signature line is “— <name> <base64>”")
        }
        guard let name = String(validating: rest[..<space], as: UTF8.self) else {
            throw TransparencyError("a note signature's key name is not UTF-8")
        }
        try NoteFormat.checkName(name)
        let encoded = String(decoding: rest[(space + 1)...], as: UTF8.self)
        guard let raw = Base64.decode(encoded) else {
            throw TransparencyError("the signature of key \(name) is not canonical base64")
        }
        guard raw.count > 4 else { throw TransparencyError("the signature of key \(name) is shorter than 5 bytes") }
        self.name = name
        self.keyID = UInt32(raw[0]) << 24 | UInt32(raw[1]) << 16 | UInt32(raw[2]) << 8 | UInt32(raw[3])
        self.signature = Array(raw[4...])
    }

    /// `keyID ‖ signature`, the bytes the line carries in base64.
    public var payload: [UInt8] { NoteFormat.bigEndian(keyID) + signature }

    /// The line, newline included.
    public var line: String { "— \(name) \(Base64.encode(payload))\n" }

    public var description: String { "\(name)+\(NoteFormat.hex8(keyID))" }

    /// Names compare by their bytes (Swift's `==` on strings would equate canonically
    /// equivalent spellings, which are different key names).
    public static func == (a: NoteSignature, b: NoteSignature) -> Bool {
        a.keyID == b.keyID && a.name.utf8.elementsEqual(b.name.utf8) && a.signature == b.signature
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(keyID)
        for b in name.utf8 { hasher.combine(b) }
        hasher.combine(signature)
    }

    /// Whether the signature is by the key with this name and ID.
    public func isBy(name: String, keyID: UInt32) -> Bool {
        self.keyID == keyID && self.name.utf8.elementsEqual(name.utf8)
    }
}

/// A c2sp.org/signed-note: a text and one or more signatures. The encoding is the text, a blank
/// line, and one signature line per signature.
public struct SignedNote: Hashable, Sendable {
    /// Parsing refuses notes with more signature lines (the spec asks verifiers for a limit of
    /// at least 16).
    public static let maxSignatures = 100

    /// Non-empty, ends with a newline, valid UTF-8 without control characters other than newline.
    public let text: String
    /// In the order of the lines; at least one.
    public let signatures: [NoteSignature]

    public init(text: String, signatures: [NoteSignature]) throws {
        try SignedNote.checkText(text)
        guard !signatures.isEmpty else { throw TransparencyError("a signed note has at least one signature") }
        guard signatures.count <= SignedNote.maxSignatures else {
            throw TransparencyError("a note has at most \(SignedNote.maxSignatures) signatures")
        }
        self.text = text
        self.signatures = signatures
    }

    /// Signs `text` with each signer, in order.
    public static func sign(text: String, with signers: [any NoteSigner]) throws -> SignedNote {
        try checkText(text)
        var sigs: [NoteSignature] = []
        for s in signers {
            let sig = try NoteSignature(name: s.name, keyID: s.keyID, signature: s.sign(text: Array(text.utf8)))
            sigs.removeAll { $0.isBy(name: sig.name, keyID: sig.keyID) }
            sigs.append(sig)
        }
        return try SignedNote(text: text, signatures: sigs)
    }

    /// Parses an encoded note strictly: valid UTF-8 with no control character but newline; the
    /// text runs to the last blank line; then one or more well-formed signature lines, each
    /// ending in a newline. Signatures are not checked here (see `verify`).
    public init<C: Collection>(parsing encoded: C) throws where C.Element == UInt8 {
        let bytes = Array(encoded)
        guard String(validating: bytes, as: UTF8.self) != nil else { throw TransparencyError("a note is not valid UTF-8") }
        guard !bytes.contains(where: { $0 < 0x20 && $0 != 0x0A }) else {
            throw TransparencyError("a note contains a control character other than newline")
        }
        // The text ends at the last blank line; signature lines contain no blank line.
        guard let split = bytes.indices.dropLast().last(where: { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }) else {
            throw TransparencyError("a note has no blank line before its signatures")
        }
        let text = String(decoding: bytes[...split], as: UTF8.self)
        let block = bytes[(split + 2)...]
        guard let last = block.last, last == 0x0A else {
            throw TransparencyError("a note's signature block is empty or does not end with a newline")
        }
        let lines = block.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        guard lines.count <= SignedNote.maxSignatures else {
            throw TransparencyError("a note has at most \(SignedNote.maxSignatures) signatures")
        }
        try self.init(text: text, signatures: lines.map { try NoteSignature(line: $0) })
    }

    public init(parsing encoded: String) throws { try self.init(parsing: Array(encoded.utf8)) }

    /// The encoded note.
    public var encoded: String { text + "\n" + signatures.map(\.line).joined() }

    /// This note with `signature` added at the end, replacing any signature by the same key
    /// (name and key ID).
    public func adding(_ signature: NoteSignature) throws -> SignedNote {
        try SignedNote(text: text, signatures: signatures.filter { !$0.isBy(name: signature.name, keyID: signature.keyID) } + [signature])
    }

    /// This note signed also by `signer` (replacing an earlier signature by the same key).
    public func signed(by signer: some NoteSigner) throws -> SignedNote {
        try adding(NoteSignature(name: signer.name, keyID: signer.keyID, signature: signer.sign(text: Array(text.utf8))))
    }

    /// Checks the signatures against known keys, per the spec: signatures whose key name and ID
    /// match no verifier are ignored; every signature that matches one is verified, and any
    /// failure rejects the whole note; a note with no verified signature is rejected. Returns
    /// the verified signatures, one per key (a key's repeated valid lines are listed once).
    /// Two verifiers with the same name and key ID are an error.
    public func verify(_ verifiers: [any NoteVerifier]) throws -> [NoteSignature] {
        for (i, v) in verifiers.enumerated() {
            for w in verifiers[..<i] where v.keyID == w.keyID && v.name.utf8.elementsEqual(w.name.utf8) {
                throw TransparencyError("two verifier keys have the name and key ID \(v.name)+\(NoteFormat.hex8(v.keyID))")
            }
        }
        let message = Array(text.utf8)
        var verified: [NoteSignature] = []
        for sig in signatures {
            guard let v = verifiers.first(where: { sig.isBy(name: $0.name, keyID: $0.keyID) }) else { continue }
            guard v.verify(text: message, signature: sig.signature) else {
                throw TransparencyError("invalid signature by the known key \(sig)")
            }
            if !verified.contains(where: { $0.isBy(name: sig.name, keyID: sig.keyID) }) { verified.append(sig) }
        }
        guard !verified.isEmpty else { throw TransparencyError("the note has no signature by a known key") }
        return verified
    }

    /// A note text is non-empty, ends with a newline, and holds no control character but newline.
    public static func checkText(_ text: String) throws {
        guard let last = text.utf8.last, last == 0x0A else { throw TransparencyError("a note text is non-empty and ends with a newline") }
        guard !text.utf8.contains(where: { $0 < 0x20 && $0 != 0x0A }) else {
            throw TransparencyError("a note text contains a control character other than newline")
        }
    }

    public static func == (a: SignedNote, b: SignedNote) -> Bool {
        a.text.utf8.elementsEqual(b.text.utf8) && a.signatures == b.signatures
    }

    public func hash(into hasher: inout Hasher) {
        for b in text.utf8 { hasher.combine(b) }
        hasher.combine(signatures)
    }
}

/// Shared pieces of the signed-note format.
enum NoteFormat {
    /// U+2014 EM DASH, U+0020 SPACE.
    static let dashSpace: [UInt8] = [0xE2, 0x80, 0x94, 0x20]

    /// Key names are non-empty, without Unicode white space or `+` (and, living in a note,
    /// without control characters).
    static func checkName(_ name: String) throws {
        guard !name.isEmpty else { throw TransparencyError("a key name is empty") }
        for s in name.unicodeScalars where s.properties.isWhitespace || s == "+" || s.value < 0x20 {
            throw TransparencyError("a key name has no white space, control character or “+”: \(name.debugDescription)")
        }
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    static func hex8(_ v: UInt32) -> String { Hex.encode(bigEndian(v)) }

    /// SHA-256(name ‖ 0x0A ‖ type ‖ key)[0..<4] as a big-endian integer: the key ID the spec
    /// recommends, and requires for Ed25519 (0x01) and Ed25519 cosignature (0x04) keys.
    static func keyID(name: String, type: UInt8, publicKey: [UInt8]) -> UInt32 {
        var h = SHA256()
        h.update(name)
        h.update([0x0A, type] as [UInt8])
        h.update(publicKey)
        let d = h.finalize()
        return UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
    }
}
