public import LedgerCrypto

/// A verifier key ("vkey", c2sp.org/signed-note): `<name>+<hex8 key ID>+<base64(type ‖ key)>`.
public struct VerifierKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let keyID: UInt32
    /// The signature type byte: 0x01 Ed25519 notes, 0x04 Ed25519 cosignatures, ….
    public let type: UInt8
    public let publicKey: [UInt8]

    /// A key with the spec's key ID, SHA-256(name ‖ 0x0A ‖ type ‖ publicKey)[0..<4].
    public init(name: String, type: UInt8, publicKey: [UInt8]) throws {
        try NoteFormat.checkName(name)
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.keyID = NoteFormat.keyID(name: name, type: type, publicKey: publicKey)
    }

    /// Parses a vkey strictly: a valid name, exactly 8 lower-case hex digits, canonical base64
    /// of at least the type byte, and a key ID equal to the one computed from the rest.
    public init(parsing vkey: String) throws {
        let parsed = try VerifierKey.unchecked(vkey)
        try self.init(name: parsed.name, type: parsed.type, publicKey: parsed.key)
        guard parsed.keyID == keyID else {
            throw TransparencyError("the verifier key \(name) has key ID \(NoteFormat.hex8(parsed.keyID)) but its key gives \(NoteFormat.hex8(keyID))")
        }
    }

    public var encoded: String { "\(name)+\(NoteFormat.hex8(keyID))+\(Base64.encode([type] + publicKey))" }
    public var description: String { encoded }

    public static func == (a: VerifierKey, b: VerifierKey) -> Bool {
        a.keyID == b.keyID && a.type == b.type && a.name.utf8.elementsEqual(b.name.utf8) && a.publicKey == b.publicKey
    }

    public func hash(into hasher: inout Hasher) {
        for b in name.utf8 { hasher.combine(b) }
        hasher.combine(type)
        hasher.combine(publicKey)
    }
}

/// Verifies Ed25519 note signatures (signature type 0x01).
public struct Ed25519NoteVerifier: NoteVerifier, Sendable {
    public static let signatureType: UInt8 = 0x01

    public let name: String
    public let keyID: UInt32
    public let publicKey: Ed25519.PublicKey

    public init(name: String, publicKey: Ed25519.PublicKey) throws {
        try self.init(key: VerifierKey(name: name, type: Self.signatureType, publicKey: publicKey.bytes))
    }

    /// From a vkey `<name>+<hex8>+base64(0x01 ‖ 32-byte public key)`.
    public init(vkey: String) throws { try self.init(key: VerifierKey(parsing: vkey)) }

    public init(key: VerifierKey) throws {
        self.publicKey = try key.ed25519PublicKey(type: Self.signatureType, what: "Ed25519")
        self.name = key.name
        self.keyID = key.keyID
    }

    public var key: VerifierKey { try! VerifierKey(name: name, type: Self.signatureType, publicKey: publicKey.bytes) }
    public var vkey: String { key.encoded }

    public func verify(text: [UInt8], signature: [UInt8]) -> Bool {
        publicKey.isValidSignature(signature, for: text)
    }
}

/// Signs notes with Ed25519 (signature type 0x01).
public struct Ed25519NoteSigner: NoteSigner, Sendable {
    public let name: String
    public let privateKey: Ed25519.PrivateKey
    public let verifier: Ed25519NoteVerifier

    public init(name: String, privateKey: Ed25519.PrivateKey) throws {
        self.name = name
        self.privateKey = privateKey
        self.verifier = try Ed25519NoteVerifier(name: name, publicKey: privateKey.publicKey)
    }

    /// From a signer key `PRIVATE+KEY+<name>+<hex8>+base64(0x01 ‖ 32-byte seed)`, as written by
    /// golang.org/x/mod/sumdb/note; the key ID must match the derived public key.
    public init(skey: String) throws {
        let prefix = "PRIVATE+KEY+"
        guard skey.hasPrefix(prefix) else { throw TransparencyError("a signer key starts with PRIVATE+KEY+") }
        // The rest has a vkey's shape, with the seed in place of the public key.
        let parsed = try VerifierKey.unchecked(String(skey.dropFirst(prefix.count)))
        guard parsed.type == Ed25519NoteVerifier.signatureType else {
            throw TransparencyError("the signer key \(parsed.name) has signature type \(parsed.type), not Ed25519 (1)")
        }
        guard parsed.key.count == 32 else { throw TransparencyError("an Ed25519 seed is 32 bytes, got \(parsed.key.count)") }
        try self.init(name: parsed.name, privateKey: Ed25519.PrivateKey(seed: parsed.key))
        guard keyID == parsed.keyID else {
            throw TransparencyError("the signer key \(name) has key ID \(NoteFormat.hex8(parsed.keyID)) but its key gives \(NoteFormat.hex8(keyID))")
        }
    }

    /// The signer key string for an Ed25519 seed.
    public static func skey(name: String, seed: [UInt8]) throws -> String {
        let signer = try Ed25519NoteSigner(name: name, privateKey: Ed25519.PrivateKey(seed: seed))
        return "PRIVATE+KEY+\(name)+\(NoteFormat.hex8(signer.keyID))+\(Base64.encode([Ed25519NoteVerifier.signatureType] + seed))"
    }

    public var keyID: UInt32 { verifier.keyID }

    public func sign(text: [UInt8]) throws -> [UInt8] { try privateKey.sign(text) }
}

extension VerifierKey {
    /// `<name>+<hex8>+<base64(type ‖ key)>` split and decoded, with no key ID check.
    static func unchecked(_ s: String) throws -> (name: String, keyID: UInt32, type: UInt8, key: [UInt8]) {
        let parts = s.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw TransparencyError("a key is <name>+<key ID>+<key>") }
        let name = String(parts[0])
        try NoteFormat.checkName(name)
        let hex = String(parts[1])
        guard Hex.isCanonical(hex, byteCount: 4), let id = Hex.decode(hex) else {
            throw TransparencyError("a key ID is 8 lower-case hex digits, got \(hex.debugDescription)")
        }
        guard let raw = Base64.decode(String(parts[2])), let type = raw.first else {
            throw TransparencyError("a key is non-empty canonical base64")
        }
        let keyID = UInt32(id[0]) << 24 | UInt32(id[1]) << 16 | UInt32(id[2]) << 8 | UInt32(id[3])
        return (name, keyID, type, Array(raw.dropFirst()))
    }
}

extension VerifierKey {
    /// The Ed25519 public key of a verifier key of signature type `type` (`what` names the type
    /// in the error).
    func ed25519PublicKey(type expected: UInt8, what: String) throws -> Ed25519.PublicKey {
        guard type == expected else {
            throw TransparencyError("the key \(name) has signature type \(type), not \(what) (\(expected))")
        }
        guard let pub = Ed25519.PublicKey(bytes: publicKey) else {
            throw TransparencyError("an Ed25519 public key is 32 bytes, got \(publicKey.count)")
        }
        return pub
    }
}
