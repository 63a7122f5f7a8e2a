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
/// format; safe to delete at any time; keep it out of git). Layout: a 4096-byte header, then the
/// stored hashes, 32 bytes each, in golang.org/x/mod/sumdb/tlog's StoredHashIndex order — the
/// order `Merkle.storedHashes(forLeaf:)` produces them, so extending is a pure append and the hash
/// at (level, n) is at byte 4096 + 32 × storedHashIndex(level, n). A later move to sealed
/// c2sp.org/tlog-tiles segments is a tile writer over this `HashReader` (a full tile is 256
/// consecutive hashes of one level, which never change once complete).
///
/// Header: "crowdledger-tr2\n" (16 bytes), the size (leaves, u64 big-endian), the ledger bytes
/// covered (u64), the last covered line's length (u64), that line's leaf hash (32), the right
/// edge (the popcount(size) roots of the complete subtrees that make up the tree, largest first,
/// 32 bytes each), then SHA-256 of everything before it, zero padding to 4096. It is used only if
/// the checksum holds, the stored hashes of the right edge agree with it, and the line ending at
/// the covered offset is still a whole line with that leaf hash (the hash chain then binds every
/// earlier line); otherwise the cache is rebuilt from the start.
///
/// What the cache is trusted for (docs/TRANSPARENCY.md §2): nothing that is signed or returned
/// unchecked. The root of the whole tree comes from the right edge in the checksummed header,
/// extended from the ledger's own new lines (never from hashes read back from the body). Every
/// other answer read from the body is checked against that root before it is returned: an
/// older root by a consistency proof to it, a proof or leaf hash by verifying it. A damaged body
/// fails the check, and the cache is rebuilt from the ledger once. `verify` never uses the cache.
public final class LedgerTree: HashReader {
    static let magic = Array("crowdledger-tr2\n".utf8)
    static let headerSize = 4096

    public let ledgerPath: String
    public private(set) var size: UInt64 = 0
    /// Ledger bytes covered (the end of the last covered line, newline included).
    public private(set) var offset: Int64 = 0
    private var lastLineLength = 0
    private var lastLeafHash: [UInt8] = []
    /// The right edge: roots of the complete subtrees covering leaves 0..<size, largest first.
    private var edge: [[UInt8]] = []
    /// The open cache file, or nil when it cannot be written (then every hash is in `pending`).
    private var fd: FileDescriptor?
    /// Stored hashes on disk (count), and those computed since, not yet written.
    private var flushed: UInt64 = 0
    private var pending: [UInt8] = []
    /// False after a write failed: the rest stays in memory for this process.
    private var writable = true
    /// Pending bytes at which a build or extension writes what it has (so a first build of a
    /// large ledger holds at most this much, not 64 bytes per leaf).
    private let flushEvery: Int
    /// Whether a damaged cache was found (and rebuilt) by this instance.
    public private(set) var rebuiltDamagedCache = false

    public static func path(forLedger ledger: String) -> String {
        FileIO.companion(of: ledger, suffix: ".tree")
    }

    /// Opens (or builds) the tree of every whole line of `ledger` and brings its cache up to date.
    /// A torn last line (no newline) is not a leaf. With `cache: false` no cache is read or
    /// written (a ledger read from standard input): every hash is computed in memory.
    public init(ledger: String, cache: Bool = true, flushEvery: Int = 1 << 22) throws {
        self.ledgerPath = ledger
        self.flushEvery = max(32, flushEvery)
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

    // MARK: Reading (checked)

    /// The stored hashes, as the cache holds them: unchecked. Callers outside this type should
    /// use `root`, `leafHash`, `inclusionProof` and `consistencyProof`, which check them.
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
        guard n == 32 else { throw Damaged() }
        return out
    }

    /// A stored hash did not check against the root of the right edge.
    struct Damaged: Error {}

    /// The root of the whole tree: the right edge folded (no stored hash is read).
    private var edgeRoot: [UInt8] {
        guard var h = edge.last else { return Merkle.emptyRoot }
        for s in edge.dropLast().reversed() { h = Merkle.nodeHash(s, h) }
        return h
    }

    /// Runs `body`; when it finds the cache damaged, rebuilds the cache from the ledger and runs
    /// it once more.
    private func checked<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch is Damaged {}
        try rebuild()
        do { return try body() } catch is Damaged {
            throw FileIO.Error(path: LedgerTree.path(forLedger: ledgerPath), reason: "the tree cache disagrees with the ledger even after a rebuild (was the ledger changed while it was read?)")
        }
    }

    /// The root of the first `m` leaves, from the stored hashes, checked by a consistency proof
    /// to the right edge's root.
    private func checkedRoot(_ m: UInt64) throws -> [UInt8] {
        if m == size { return edgeRoot }
        let r = try Merkle.treeHash(size: m, reader: self)
        let p = try Merkle.consistencyProof(from: m, size: size, reader: self)
        guard Merkle.checkConsistency(oldSize: m, oldRoot: r, newSize: size, newRoot: edgeRoot, proof: p) else { throw Damaged() }
        return r
    }

    /// The root of the tree of the first `size` leaves (default: all).
    public func root(size: UInt64? = nil) throws -> [UInt8] {
        let n = size ?? self.size
        guard n <= self.size else { throw TransparencyError("the ledger has \(self.size) entries, not \(n)") }
        return try checked { try checkedRoot(n) }
    }

    public func leafHash(_ index: UInt64) throws -> [UInt8] {
        guard index < size else { throw TransparencyError("leaf \(index) is not in a tree of \(size) leaves") }
        return try checked {
            let leaf = try hashes(at: [StoredIndex(level: 0, index: index)])[0]
            let p = try Merkle.inclusionProof(index: index, size: size, reader: self)
            guard Merkle.checkInclusion(leafHash: leaf, index: index, size: size, root: edgeRoot, proof: p) else { throw Damaged() }
            return leaf
        }
    }

    public func inclusionProof(index: UInt64, size: UInt64) throws -> [[UInt8]] {
        guard size <= self.size else { throw TransparencyError("the ledger has \(self.size) entries, not \(size)") }
        return try checked {
            let p = try Merkle.inclusionProof(index: index, size: size, reader: self)
            let leaf = try hashes(at: [StoredIndex(level: 0, index: index)])[0]
            guard Merkle.checkInclusion(leafHash: leaf, index: index, size: size, root: try checkedRoot(size), proof: p) else { throw Damaged() }
            return p
        }
    }

    public func consistencyProof(from old: UInt64, size: UInt64) throws -> [[UInt8]] {
        guard size <= self.size else { throw TransparencyError("the ledger has \(self.size) entries, not \(size)") }
        return try checked {
            let p = try Merkle.consistencyProof(from: old, size: size, reader: self)
            guard Merkle.checkConsistency(oldSize: old, oldRoot: try checkedRoot(old), newSize: size, newRoot: try checkedRoot(size), proof: p) else { throw Damaged() }
            return p
        }
    }

    /// The bytes of the last covered line (without its newline).
    public func lastLine() throws -> [UInt8] {
        guard size > 0, let bytes = try FileIO.readRange(ledgerPath, offset: offset - Int64(lastLineLength) - 1, count: lastLineLength),
              Merkle.leafHash(bytes) == lastLeafHash else {
            throw FileIO.Error(path: ledgerPath, reason: "the ledger changed while it was read")
        }
        return bytes
    }

    /// The ledger id: the hash of line 1 (an `empty-ledger` finding when there is none).
    public func ledgerID() throws -> String {
        var reader = try LineReader(path: ledgerPath)
        guard size > 0, let first = try reader.next(), first.terminated else {
            throw Diagnostic(.invalid, code: LedgerFinding.Code.emptyLedger.rawValue, file: ledgerPath, "no genesis")
        }
        do { return try Entry.parse(line: first.bytes, lineNumber: 1).hash } catch { throw Diagnostic(error, file: ledgerPath) }
    }

    /// The stored positions of the right edge of a tree of `n` leaves, largest subtree first.
    public static func edgeIndexes(_ n: UInt64) -> [StoredIndex] {
        var out: [StoredIndex] = []
        var lo: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where n & (UInt64(1) << UInt64(level)) != 0 {
            out.append(StoredIndex(level: level, index: lo >> UInt64(level)))
            lo += UInt64(1) << UInt64(level)
        }
        return out
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
              Array(h[0..<16]) == LedgerTree.magic else { return }
        func u64(_ at: Int) -> UInt64 { h[at..<at + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        let size = u64(16), offset = u64(24), length = u64(32)
        let leaf = Array(h[40..<72])
        let end = 72 + 32 * size.nonzeroBitCount
        guard SHA256.hash(Array(h[0..<end])) == Array(h[end..<end + 32]) else { return }
        let edge = (0..<size.nonzeroBitCount).map { Array(h[72 + 32 * $0..<104 + 32 * $0]) }
        guard size > 0, offset <= UInt64(Int64.max), length < offset, length <= UInt64(LineReader.maxLineLength),
              let fileSize = FileIO.size(ledgerPath), Int64(offset) <= fileSize,
              let cacheSize = try? fd.seek(offset: 0, from: .end),
              UInt64(cacheSize) >= UInt64(LedgerTree.headerSize) + LedgerTree.storedHashCount(size) * 32 else { return }
        // The line ending at `offset` must still be there, whole, with that leaf hash.
        let start = Int64(offset) - Int64(length) - 1
        let before: [UInt8]? = start == 0 ? [0x0a] : (try? FileIO.readRange(ledgerPath, offset: start - 1, count: 1)) ?? nil
        guard before == [0x0a], let line = (try? FileIO.readRange(ledgerPath, offset: start, count: Int(length) + 1)) ?? nil,
              line.last == 0x0a, Merkle.leafHash(line.dropLast()) == leaf else { return }
        // The stored hashes of the right edge, and the last leaf, must be the header's.
        let stored = LedgerTree.edgeIndexes(size).map { LedgerTree.storedHashIndex(level: $0.level, n: $0.index) }
        guard zip(stored, edge).allSatisfy({ (try? readStored($0.0)) == $0.1 }),
              (try? readStored(LedgerTree.storedHashIndex(level: 0, n: size - 1))) == leaf else { return }
        self.size = size
        self.offset = Int64(offset)
        self.lastLineLength = Int(length)
        self.lastLeafHash = leaf
        self.edge = edge
        self.flushed = LedgerTree.storedHashCount(size)
    }

    /// Forgets the cache and builds it again from the ledger's first line.
    private func rebuild() throws {
        rebuiltDamagedCache = true
        if let fd { _ = flock(fd.rawValue, LOCK_EX) }
        defer { if let fd { _ = flock(fd.rawValue, LOCK_UN) } }
        size = 0; offset = 0; lastLineLength = 0; lastLeafHash = []; edge = []; flushed = 0; pending = []
        if let fd { _ = ftruncate(fd.rawValue, 0) }
        try extend()
    }

    /// Reads the lines after `offset` and appends their leaves; writes the cache as it grows.
    /// New stored hashes are computed from the right edge held in memory, never from hashes read
    /// back from the file.
    private func extend() throws {
        var reader = try LineReader(path: ledgerPath, offset: offset, lineNumber: Int(size))
        let before = size
        while let line = try reader.next(), line.terminated {
            let leaf = Merkle.leafHash(line.bytes)
            pending += leaf
            var h = leaf, n = size
            while n & 1 == 1 {
                h = Merkle.nodeHash(edge.removeLast(), h)
                pending += h
                n >>= 1
            }
            edge.append(h)
            size += 1
            offset = line.offset + Int64(line.bytes.count) + 1
            lastLineLength = line.bytes.count
            lastLeafHash = leaf
            if pending.count >= flushEvery, fd != nil, writable { flush() }
        }
        if size != before || flushed == 0 { flush() }
    }

    /// Writes the pending hashes, then the header. Best effort: a cache that cannot be written
    /// keeps everything in memory for this process.
    private func flush() {
        guard let fd, writable, !pending.isEmpty || flushed == 0 else { return }
        do {
            try fd.writeAll(toAbsoluteOffset: Int64(LedgerTree.headerSize) + Int64(flushed) * 32, pending)
            var h = LedgerTree.magic + BigEndian.bytes(size) + BigEndian.bytes(UInt64(offset)) + BigEndian.bytes(UInt64(lastLineLength))
            h += size == 0 ? [UInt8](repeating: 0, count: 32) : lastLeafHash
            for e in edge { h += e }
            h += SHA256.hash(h)
            h += [UInt8](repeating: 0, count: LedgerTree.headerSize - h.count)
            try fd.writeAll(toAbsoluteOffset: 0, h)
            flushed += UInt64(pending.count / 32)
            pending = []
        } catch {
            // Keep serving from memory: the hashes on disk so far (and the header) are still valid.
            writable = false
        }
    }
}
