import LedgerCrypto

/// A c2sp.org/tlog-checkpoint note text: the origin line, the tree size in decimal, the root
/// hash in base64, and optional extension lines, each ending in a newline.
public struct Checkpoint: Hashable, Sendable {
    /// Non-empty; any text without control characters (the spec only recommends a schema-less
    /// URL, and forbids assuming one).
    public let origin: String
    public let size: UInt64
    /// 32 bytes.
    public let rootHash: [UInt8]
    /// Opaque non-empty lines after the root hash.
    public let extensions: [String]

    public init(origin: String, size: UInt64, rootHash: [UInt8], extensions: [String] = []) throws {
        try Checkpoint.checkLine(origin, what: "origin")
        guard rootHash.count == Merkle.hashSize else { throw TransparencyError("a checkpoint's root hash is 32 bytes, got \(rootHash.count)") }
        for e in extensions { try Checkpoint.checkLine(e, what: "extension line") }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// Parses a checkpoint note text strictly: at least three non-empty newline-terminated lines;
    /// the size is decimal digits without leading zeros (just `0` for the empty tree) within
    /// `UInt64`; the root hash is canonical base64 of 32 bytes.
    public init(parsing text: String) throws {
        guard text.utf8.last == 0x0A else { throw TransparencyError("a checkpoint ends with a newline") }
        let lines = text.utf8.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 3 else { throw TransparencyError("a checkpoint has at least 3 lines, got \(lines.count)") }
        guard let size = Checkpoint.parseSize(lines[1]) else {
            throw TransparencyError("a checkpoint's tree size is a decimal number without leading zeros, got \(lines[1].debugDescription)")
        }
        guard let root = Base64.decode(lines[2]), root.count == Merkle.hashSize else {
            throw TransparencyError("a checkpoint's root hash is the canonical base64 of 32 bytes, got \(lines[2].debugDescription)")
        }
        try self.init(origin: lines[0], size: size, rootHash: root, extensions: Array(lines[3...]))
    }

    /// The note text.
    public var text: String {
        "\(origin)\n\(size)\n\(Base64.encode(rootHash))\n" + extensions.map { $0 + "\n" }.joined()
    }

    static func parseSize(_ s: String) -> UInt64? {
        let digits = Array(s.utf8)
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard digits[0] != 0x30 || digits.count == 1 else { return nil }
        var v: UInt64 = 0
        for d in digits {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d - 0x30))
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    static func checkLine(_ line: String, what: String) throws {
        guard !line.isEmpty else { throw TransparencyError("a checkpoint's \(what) is empty") }
        guard !line.utf8.contains(where: { $0 < 0x20 }) else {
            throw TransparencyError("a checkpoint's \(what) contains a control character or newline")
        }
    }

    public static func == (a: Checkpoint, b: Checkpoint) -> Bool {
        a.text.utf8.elementsEqual(b.text.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        for b in text.utf8 { hasher.combine(b) }
    }
}
