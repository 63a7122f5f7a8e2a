import Files
import LedgerCrypto
import LedgerModel
import LedgerStore
import SystemPackage
public import Transparency
#if canImport(Glibc)
import Glibc
#endif

/// The RFC 6962 tree over a ledger's lines (leaf i = the bytes of line i + 1 without its newline),
/// served from a file-backed cache of its stored hashes and extended incrementally: opening it
/// reads only the lines added since it was last extended.
///
/// The cache lives beside the ledger as `.<ledger file name>.tree` (hidden; not part of the
/// format; safe to delete at any time; keep it out of git). Layout: a 128-byte header, then the
/// stored hashes, 32 bytes each, in golang.org/x/mod/sumdb/tlog's StoredHashIndex order — the
/// order `Merkle.storedHashes(forLeaf:)` produces them, so extending is a pure append and the hash
/// at (level, n) is at byte 128 + 32 × storedHashIndex(level, n). A later move to sealed
/// c2sp.org/tlog-tiles segments is a tile writer over this `HashReader` (a full tile is 256
/// consecutive hashes of one level, which never change once complete).
///
/// Header: "crowdledger-tr1\n" (16 bytes), the size (leaves, u64 big-endian), the ledger bytes
/// covered (u64), the last covered line's length (u64), that line's leaf hash (32), then SHA-256
/// of those 72 bytes, zero padding to 128. It is used only if the checksum holds and the line
/// ending at the covered offset is still a whole line with that leaf hash (the hash chain then
/// binds every earlier line); otherwise the cache is rebuilt from the start. `verify` never uses
/// it: checking a checkpoint recomputes the tree from the ledger's bytes.
public final class LedgerTree: HashReader {
    static let magic = Array("crowdledger-tr1\n".utf8)
    static let headerSize = 128

    public let ledgerPath: String
    public private(set) var size: UInt64 = 0
    /// Ledger bytes covered (the end of the last covered line, newline included).
    public private(set) var offset: Int64 = 0
    private var lastLineLength = 0
    private var lastLeafHash: [UInt8] = []
    /// The open cache file, or nil when it cannot be written (then every hash is in `pending`).
    private var fd: FileDescriptor?
    /// Stored hashes on disk (count), and those computed since, not yet written.
    private var flushed: UInt64 = 0
    private var pending: [UInt8] = []

    public static func path(forLedger ledger: String) -> String {
        let dir = FileIO.directoryName(ledger)
        let name = ledger.split(separator: "/").last.map(String.init) ?? ledger
        return (dir == "." && !ledger.hasPrefix("./") ? "" : dir + "/") + "." + name + ".tree"
    }

    /// Opens (or builds) the tree of every whole line of `ledger` and brings its cache up to date.
    /// A torn last line (no newline) is not a leaf. With `cache: false` no cache is read or
    /// written (a ledger read from standard input): every hash is computed in memory.
    public init(ledger: String, cache: Bool = true) throws {
        self.ledgerPath = ledger
        try FileIO.requireRegularFile(ledger)
        let cachePath = LedgerTree.path(forLedger: ledger)
        if cache, FileIO.isRegularOrAbsent(cachePath),
           let fd = try? FileDescriptor.open(cachePath, .readWrite, options: [.create], permissions: [.ownerReadWrite, .groupRead, .otherRead]) {
            self.fd = fd
            _ = flock(fd.rawValue, LOCK_EX)
            loadHeader()
        }
        defer { if let fd { _ = flock(fd.rawValue, LOCK_UN) } }
        try extend()
    }

    deinit { try? fd?.close() }

    // MARK: Reading

    public func hashes(at indexes: [StoredIndex]) throws -> [[UInt8]] {
        try indexes.map { ix in
            let i = LedgerTree.storedHashIndex(level: ix.level, n: ix.index)
            guard ix.level < 64, (ix.index + 1) <= (size >> UInt64(ix.level)) else {
                throw TransparencyError("no stored hash at \(ix) in a tree of \(size) leaves")
            }
            if i >= flushed {
                let p = Int(i - flushed) * 32
                guard p + 32 <= pending.count else { throw TransparencyError("no stored hash at \(ix) in a tree of \(size) leaves") }
                return Array(pending[p..<p + 32])
            }
            return try readStored(i)
        }
    }

    private func readStored(_ i: UInt64) throws -> [UInt8] {
        guard let fd else { throw TransparencyError("the tree cache is not open") }
        var out = [UInt8](repeating: 0, count: 32)
        let n = try out.withUnsafeMutableBytes { try fd.read(fromAbsoluteOffset: Int64(LedgerTree.headerSize) + Int64(i) * 32, into: $0) }
        guard n == 32 else { throw FileIO.Error(path: LedgerTree.path(forLedger: ledgerPath), reason: "the tree cache is shorter than its header says (delete it to rebuild)") }
        return out
    }

    /// The root of the tree of the first `size` leaves (default: all).
    public func root(size: UInt64? = nil) throws -> [UInt8] {
        let n = size ?? self.size
        guard n <= self.size else { throw TransparencyError("the ledger has \(self.size) entries, not \(n)") }
        return try Merkle.treeHash(size: n, reader: self)
    }

    public func leafHash(_ index: UInt64) throws -> [UInt8] {
        guard index < size else { throw TransparencyError("leaf \(index) is not in a tree of \(size) leaves") }
        return try hashes(at: [StoredIndex(level: 0, index: index)])[0]
    }

    public func inclusionProof(index: UInt64, size: UInt64) throws -> [[UInt8]] {
        guard size <= self.size else { throw TransparencyError("the ledger has \(self.size) entries, not \(size)") }
        return try Merkle.inclusionProof(index: index, size: size, reader: self)
    }

    public func consistencyProof(from old: UInt64, size: UInt64) throws -> [[UInt8]] {
        guard size <= self.size else { throw TransparencyError("the ledger has \(self.size) entries, not \(size)") }
        return try Merkle.consistencyProof(from: old, size: size, reader: self)
    }

    /// The bytes of the last covered line (without its newline).
    public func lastLine() throws -> [UInt8] {
        guard size > 0, let bytes = try FileIO.readRange(ledgerPath, offset: offset - Int64(lastLineLength) - 1, count: lastLineLength),
              Merkle.leafHash(bytes) == lastLeafHash else {
            throw FileIO.Error(path: ledgerPath, reason: "the ledger changed while it was read")
        }
        return bytes
    }

    // MARK: Stored hash order (golang.org/x/mod/sumdb/tlog)

    /// The position of the stored hash (level, n) in append order.
    public static func storedHashIndex(level: Int, n: UInt64) -> UInt64 {
        var n = n
        for _ in 0..<level { n = 2 * n + 1 }
        var i: UInt64 = 0
        while n > 0 { i += n; n >>= 1 }
        return i + UInt64(level)
    }

    /// How many hashes a tree of `n` leaves stores.
    public static func storedHashCount(_ n: UInt64) -> UInt64 {
        if n == 0 { return 0 }
        var count = storedHashIndex(level: 0, n: n - 1) + 1
        var i = n - 1
        while i & 1 != 0 { count += 1; i >>= 1 }
        return count
    }

    // MARK: Maintenance

    private func loadHeader() {
        guard let fd else { return }
        var h = [UInt8](repeating: 0, count: LedgerTree.headerSize)
        guard let n = try? h.withUnsafeMutableBytes({ try fd.read(fromAbsoluteOffset: 0, into: $0) }), n == LedgerTree.headerSize,
              Array(h[0..<16]) == LedgerTree.magic, SHA256.hash(Array(h[0..<72])) == Array(h[72..<104]) else { return }
        func u64(_ at: Int) -> UInt64 { h[at..<at + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        let size = u64(16), offset = u64(24), length = u64(32)
        let leaf = Array(h[40..<72])
        guard size > 0, offset <= UInt64(Int64.max), length < offset, length <= UInt64(LineReader.maxLineLength),
              let fileSize = FileIO.size(ledgerPath), Int64(offset) <= fileSize,
              let cacheSize = try? fd.seek(offset: 0, from: .end),
              UInt64(cacheSize) >= UInt64(LedgerTree.headerSize) + LedgerTree.storedHashCount(size) * 32 else { return }
        // The line ending at `offset` must still be there, whole, with that leaf hash.
        let start = Int64(offset) - Int64(length) - 1
        let before: [UInt8]? = start == 0 ? [0x0a] : (try? FileIO.readRange(ledgerPath, offset: start - 1, count: 1)) ?? nil
        guard before == [0x0a], let line = (try? FileIO.readRange(ledgerPath, offset: start, count: Int(length) + 1)) ?? nil,
              line.last == 0x0a, Merkle.leafHash(line.dropLast()) == leaf else { return }
        self.size = size
        self.offset = Int64(offset)
        self.lastLineLength = Int(length)
        self.lastLeafHash = leaf
        self.flushed = LedgerTree.storedHashCount(size)
        guard (try? readStored(LedgerTree.storedHashIndex(level: 0, n: size - 1))) == leaf else {
            self.size = 0; self.offset = 0; self.flushed = 0; self.lastLeafHash = []; self.lastLineLength = 0
            return
        }
    }

    /// Reads the lines after `offset` and appends their leaves; writes the cache when it grew.
    private func extend() throws {
        var reader = try LineReader(path: ledgerPath, offset: offset, lineNumber: Int(size))
        let before = size
        while let line = try reader.next(), line.terminated {
            let leaf = Merkle.leafHash(line.bytes)
            for h in try Merkle.storedHashes(forLeaf: size, leafHash: leaf, reader: self) { pending += h }
            size += 1
            offset = line.offset + Int64(line.bytes.count) + 1
            lastLineLength = line.bytes.count
            lastLeafHash = leaf
        }
        if size != before || flushed == 0 { flush() }
    }

    /// Writes the pending hashes, then the header. Best effort: a cache that cannot be written
    /// keeps everything in memory for this process.
    private func flush() {
        guard let fd, !pending.isEmpty || flushed == 0 else { return }
        do {
            try fd.writeAll(toAbsoluteOffset: Int64(LedgerTree.headerSize) + Int64(flushed) * 32, pending)
            var h = LedgerTree.magic + BigEndian.bytes(size) + BigEndian.bytes(UInt64(offset)) + BigEndian.bytes(UInt64(lastLineLength))
            h += size == 0 ? [UInt8](repeating: 0, count: 32) : lastLeafHash
            h += SHA256.hash(h)
            h += [UInt8](repeating: 0, count: LedgerTree.headerSize - h.count)
            try fd.writeAll(toAbsoluteOffset: 0, h)
            flushed += UInt64(pending.count / 32)
            pending = []
        } catch {
            // Keep serving from memory: the hashes on disk so far are still valid.
        }
    }
}
