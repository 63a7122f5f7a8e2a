public import CanonicalJSON
public import LedgerCrypto

/// One line of the ledger: `{"hash":H,"link":L,"seq":N,"time":T,"tx":{...}}` in canonical JSON.
///
/// - `seq` is the line number (genesis is 1).
/// - `link` is the previous entry's `hash` (64 zeros for genesis).
/// - `time` is integer Unix seconds, asserted by whoever appended the line, never decreasing.
/// - `hash` is SHA-256 of the canonical JSON of the entry without its `hash` member, in hex.
/// - `tx` is the transaction (see ``Transaction``): signed by its party for all kinds but
///   `genesis` and `settle`.
public struct Entry: Sendable, Equatable {
    public let seq: Int64
    public let link: String
    public let time: Int64
    public let tx: Transaction
    public let hash: String

    public static let zeroLink = String(repeating: "0", count: 64)

    /// An entry's members, in canonical order.
    static let memberKeys: [StaticString] = ["hash", "link", "seq", "time", "tx"]
    static let memberKeySet: Set<String> = ["hash", "link", "seq", "time", "tx"]

    /// Builds an entry, computing its hash.
    public init(seq: Int64, link: String, time: Int64, tx: Transaction) {
        self.seq = seq
        self.link = link
        self.time = time
        self.tx = tx
        self.hash = SHA256.hex(Entry.unhashedObject(seq: seq, link: link, time: time, tx: tx.json).canonicalBytes)
    }

    private init(seq: Int64, link: String, time: Int64, tx: Transaction, hash: String) {
        self.seq = seq
        self.link = link
        self.time = time
        self.tx = tx
        self.hash = hash
    }

    /// An entry read by `parseDirect` (its hash already checked against the line).
    init(direct seq: Int64, link: String, time: Int64, tx: Transaction, hash: String) {
        self.init(seq: seq, link: link, time: time, tx: tx, hash: hash)
    }

    static func unhashedObject(seq: Int64, link: String, time: Int64, tx: JSON) -> JSON {
        .object(["link": .string(link), "seq": .int(seq), "time": .int(time), "tx": tx])
    }

    public var json: JSON {
        .object(["hash": .string(hash), "link": .string(link), "seq": .int(seq), "time": .int(time), "tx": tx.json])
    }

    /// The line as written to the file, without its newline.
    public var line: [UInt8] { json.canonicalBytes }

    /// Parses one line (without its newline) and checks everything that can be checked from the
    /// line alone: canonical form, shape, and that `hash` is the hash of the rest. Does not check
    /// the link, position, time order or signature; ``ChainChecker`` and the contract do.
    ///
    /// A line in exactly the usual canonical layout is read directly (`parseDirect`: no generic
    /// JSON tree for the envelope); anything else, and every line with a finding, goes through
    /// the strict path (`parseStrict`), which builds the same entry or reports the finding.
    public static func parse(line bytes: [UInt8], lineNumber: Int) throws(LedgerFinding) -> Entry {
        var hasher = SHA256()
        return try parse(line: bytes, lineNumber: lineNumber, hasher: &hasher)
    }

    /// The same, hashing the line with `hasher` (empty; it is left empty), which a caller parsing
    /// many lines on one thread reuses.
    public static func parse(line bytes: [UInt8], lineNumber: Int, hasher: inout SHA256) throws(LedgerFinding) -> Entry {
        if let entry = parseDirect(line: bytes, hasher: &hasher) { return entry }
        return try parseStrict(line: bytes, lineNumber: lineNumber)
    }

    /// The general reader: the strict JSON parser, the canonical check, then the shape.
    static func parseStrict(line bytes: [UInt8], lineNumber: Int) throws(LedgerFinding) -> Entry {
        let value: JSON
        do {
            value = try JSON.parseCanonical(bytes)
        } catch {
            if error.code == .notCanonical {
                throw LedgerFinding(.notCanonical, line: lineNumber, "not in canonical form (\(error.description))")
            }
            throw LedgerFinding(.notJSON, line: lineNumber, "not valid JSON (\(error.description))")
        }
        guard case .object(let members) = value else {
            throw LedgerFinding(.badShape, line: lineNumber, "an entry must be a JSON object")
        }
        // The usual shape (exactly these keys, byte for byte) reads members by position;
        // anything else takes the general path, with the same findings as ever.
        let shaped = members.hasExactlyKeys(Entry.memberKeys)
        func member(_ index: Int, _ key: String) -> JSON? { shaped ? members.entries[index].value : members[key] }
        if !shaped, Set(members.keys) != Entry.memberKeySet {
            let expected = Entry.memberKeySet
            let extra = Set(members.keys).subtracting(expected).sorted()
            let missing = expected.subtracting(members.keys).sorted()
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
            if !extra.isEmpty { parts.append("unexpected \(extra.joined(separator: ", "))") }
            throw LedgerFinding(.badShape, line: lineNumber, "entry members: \(parts.joined(separator: "; "))")
        }
        guard let hash = member(0, "hash")?.stringValue, Hex.isCanonical(hash, byteCount: 32) else {
            throw LedgerFinding(.badShape, line: lineNumber, "hash must be 64 lower-case hex digits")
        }
        guard let link = member(1, "link")?.stringValue, Hex.isCanonical(link, byteCount: 32) else {
            throw LedgerFinding(.badShape, line: lineNumber, "link must be 64 lower-case hex digits")
        }
        guard let seq = member(2, "seq")?.intValue else {
            throw LedgerFinding(.badShape, line: lineNumber, "seq must be an integer")
        }
        guard let time = member(3, "time")?.intValue, time >= 0 else {
            throw LedgerFinding(.badShape, line: lineNumber, "time must be a non-negative integer (Unix seconds)")
        }
        var tx = try Transaction.parse(member(4, "tx")!, lineNumber: lineNumber)
        if tx.isSigned, let message = signingMessage(ofCanonicalLine: bytes) { tx = tx.withSigningMessage(message) }
        // The canonical line starts with {"hash":"<64 hex>", — the hashed bytes are "{" and the rest.
        let computed = Entry.hashOfCanonicalLine(bytes)
        guard computed == hash else {
            throw LedgerFinding(.badHash, line: lineNumber, "stated hash \(hash) but the entry hashes to \(computed)")
        }
        return Entry(seq: seq, link: link, time: time, tx: tx, hash: hash)
    }

    /// The signing message of a signed transaction, sliced from its canonical line: the `tx`
    /// member is the entry's last (keys sorted: hash, link, seq, time, tx), and `sig` the
    /// transaction's last (body, kind, ledger, nonce, party, sig), so the canonical transaction
    /// without `sig` is the line from after `,"tx":` to before `,"sig":"<128 hex>"}}`, closed by `}`.
    /// Returns nil when the line does not have exactly that layout (then the message is encoded).
    static func signingMessage(ofCanonicalLine line: [UInt8]) -> [UInt8]? {
        let marker = Array(#","tx":"#.utf8)
        // Only hex digits, digits and fixed keys precede the entry's own "tx" key, so its first
        // occurrence is the one.
        // A canonical line has `{"hash":"<64>","link":"<64>",` (149 bytes) before it.
        guard let start = firstIndex(of: marker, in: line, from: 149) else { return nil }
        let sigTail = 8 + 128 + 2   // ,"sig":" + 128 hex + "}  then the entry's closing }
        let end = line.count - 1   // the entry's closing brace
        let txStart = start + marker.count
        guard end - txStart > sigTail, line[end] == UInt8(ascii: "}"),
              Array(line[(end - sigTail)..<(end - sigTail + 8)]) == Array(#","sig":""#.utf8),
              line[end - 2] == UInt8(ascii: "\""), line[end - 1] == UInt8(ascii: "}") else { return nil }
        return Transaction.signingDomain + line[txStart..<(end - sigTail)] + [UInt8(ascii: "}")]
    }

    private static func firstIndex(of needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = from
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == needle[0] {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    private static let openBrace: [UInt8] = [UInt8(ascii: "{")]

    /// SHA-256 of a canonical entry line with its leading `"hash":"…",` member removed.
    static func hashOfCanonicalLine(_ bytes: [UInt8]) -> String {
        withDigestOfCanonicalLine(bytes) { Hex.encode($0) }
    }

    /// The same hash, lent to `body`.
    static func withDigestOfCanonicalLine<R>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var h = SHA256()
        return withDigestOfCanonicalLine(bytes, hasher: &h, body)
    }

    /// The same, with `hasher` (empty, and left empty).
    static func withDigestOfCanonicalLine<R>(_ bytes: [UInt8], hasher h: inout SHA256,
                                             _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        // `{"hash":"` is 9 bytes, the digest 64, then `",` — 75 bytes in all.
        h.update(openBrace)
        h.update(bytes[75...])
        return h.finalizeAndReset(body)
    }
}

extension JSONObject {
    /// True when the keys are exactly `keys` (in canonical order, compared byte for byte): the
    /// cheap test of an object's shape. False says nothing more (the caller's full check runs).
    func hasExactlyKeys(_ keys: [StaticString]) -> Bool {
        guard entries.count == keys.count else { return false }
        for (e, k) in zip(entries, keys) {
            var key = e.key
            let same = key.withUTF8 { a in
                a.elementsEqual(UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            }
            if !same { return false }
        }
        return true
    }
}
