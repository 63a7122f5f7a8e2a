import LedgerCrypto

/// The position of a stored hash: the root of the complete subtree at height `level` (0 for a
/// leaf hash) that covers leaves `index << level ..< (index + 1) << level`. Only complete
/// subtrees are ever stored, so a stored hash never changes once the log has grown past it.
public struct StoredIndex: Hashable, Sendable, CustomStringConvertible {
    public let level: Int
    public let index: UInt64

    public init(level: Int, index: UInt64) {
        precondition(level >= 0 && level < 64, "a stored hash level is in 0..<64")
        self.level = level
        self.index = index
    }

    public var description: String { "(\(level), \(index))" }
}

/// Serves stored hashes, e.g. from memory or from a tile cache. A reader must return exactly
/// one 32-byte hash per requested index, in the order requested, or throw.
public protocol HashReader {
    func hashes(at indexes: [StoredIndex]) throws -> [[UInt8]]
}

/// RFC 6962 / RFC 9162 Merkle tree hashing over stored hashes, in the shape of Go's
/// golang.org/x/mod/sumdb/tlog: each operation asks its reader once for at most O(log n)
/// stored hashes. Proof paths are in RFC 6962 order (from the leaf or the old tree upwards), so
/// they interoperate with other transparency-log tools. Sizes and indexes are `UInt64`; no
/// arithmetic here can overflow for any tree size up to `UInt64.max`.
public enum Merkle {
    public static let hashSize = 32

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot: [UInt8] = SHA256.hash([UInt8]())

    /// SHA-256(0x00 ‖ leaf).
    public static func leafHash<C: Collection>(_ leaf: C) -> [UInt8] where C.Element == UInt8 {
        var h = SHA256()
        h.update([0x00] as [UInt8])
        h.update(leaf)
        return h.finalize()
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var h = SHA256()
        h.update([0x01] as [UInt8])
        h.update(left)
        h.update(right)
        return h.finalize()
    }

    // MARK: Writing

    /// The hashes to store when appending leaf number `n` (0-based) whose leaf hash is
    /// `leafHash`: element `i` is the hash at `StoredIndex(level: i, index: n >> i)`. Element 0
    /// is the leaf hash itself; one more follows for each complete subtree the leaf closes (one
    /// per trailing 1 bit of `n`), each read back from `reader` is its left sibling.
    public static func storedHashes(forLeaf n: UInt64, leafHash: [UInt8], reader: some HashReader) throws -> [[UInt8]] {
        guard n < UInt64.max else { throw TransparencyError("a log holds at most \(UInt64.max) leaves") }
        guard leafHash.count == hashSize else { throw TransparencyError("a leaf hash is 32 bytes, got \(leafHash.count)") }
        let closed = (~n).trailingZeroBitCount  // the trailing 1 bits of n
        // Left siblings, from the highest level down (left to right in leaf order).
        let siblings = (0..<closed).reversed().map { StoredIndex(level: $0, index: (n >> UInt64($0)) - 1) }
        let old = try read(siblings, from: reader)
        var hashes = [leafHash]
        var h = leafHash
        for level in 0..<closed {
            h = nodeHash(old[closed - 1 - level], h)
            hashes.append(h)
        }
        return hashes
    }

    /// `storedHashes(forLeaf:leafHash:reader:)` for the leaf's bytes.
    public static func storedHashes<C: Collection>(forLeaf n: UInt64, leaf: C, reader: some HashReader) throws -> [[UInt8]] where C.Element == UInt8 {
        try storedHashes(forLeaf: n, leafHash: leafHash(leaf), reader: reader)
    }

    // MARK: Reading

    /// The root hash of the tree of the first `size` leaves (`emptyRoot` for 0).
    public static func treeHash(size: UInt64, reader: some HashReader) throws -> [UInt8] {
        if size == 0 { return emptyRoot }
        return try subtreeHashes([(UInt64(0), size)], reader: reader)[0]
    }

    /// The RFC 6962 audit path PATH(index, D[size]) for leaf `index` in the tree of `size` leaves,
    /// ordered from the leaf's sibling up to the root's child.
    public static func inclusionProof(index: UInt64, size: UInt64, reader: some HashReader) throws -> [[UInt8]] {
        guard index < size else { throw TransparencyError("leaf \(index) is not in a tree of \(size) leaves") }
        // Walk down from the root, keeping the subtree not taken; RFC order is bottom-up.
        var siblings: [(UInt64, UInt64)] = []
        var lo: UInt64 = 0, hi = size
        while hi - lo > 1 {
            let k = largestPowerOfTwo(below: hi - lo)
            if index - lo < k {
                siblings.append((lo + k, hi))
                hi = lo + k
            } else {
                siblings.append((lo, lo + k))
                lo += k
            }
        }
        return try subtreeHashes(siblings.reversed(), reader: reader)
    }

    /// The RFC 6962 consistency proof PROOF(oldSize, D[size]) that the tree of `oldSize` leaves is
    /// a prefix of the tree of `size` leaves. Empty when `oldSize` is 0 or equals `size`.
    public static func consistencyProof(from oldSize: UInt64, size: UInt64, reader: some HashReader) throws -> [[UInt8]] {
        guard oldSize <= size else { throw TransparencyError("no consistency proof from \(oldSize) leaves to fewer (\(size))") }
        if oldSize == 0 || oldSize == size { return [] }
        // SUBPROOF(m, D[lo:hi], b), unrolled: m is the old size, always in lo+1 ... hi.
        var parts: [(UInt64, UInt64)] = []
        var lo: UInt64 = 0, hi = size
        var whole = true  // b: whether [lo, hi) starts at 0, i.e. its old root is the old tree's root
        while oldSize != hi {
            let k = largestPowerOfTwo(below: hi - lo)
            if oldSize - lo <= k {
                parts.append((lo + k, hi))
                hi = lo + k
            } else {
                parts.append((lo, lo + k))
                lo += k
                whole = false
            }
        }
        if !whole { parts.append((lo, hi)) }
        return try subtreeHashes(parts.reversed(), reader: reader)
    }

    // MARK: Verifying

    /// RFC 9162 §2.1.3.2: whether `proof` shows the leaf with hash `leafHash` at `index` in the
    /// tree of `size` leaves with root `root`. Any hash not 32 bytes long fails.
    ///
    /// The proof does not authenticate `size` on its own: `size` and `root` must come from the
    /// same checkpoint.
    public static func checkInclusion(leafHash: [UInt8], index: UInt64, size: UInt64, root: [UInt8], proof: [[UInt8]]) -> Bool {
        guard index < size, leafHash.count == hashSize, root.count == hashSize,
              proof.allSatisfy({ $0.count == hashSize }) else { return false }
        var fn = index, sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// RFC 9162 §2.1.4.2: whether `proof` shows that the tree of `oldSize` leaves with root
    /// `oldRoot` is a prefix of the tree of `newSize` leaves with root `newRoot`.
    ///
    /// Outside the RFC's 0 < oldSize < newSize: equal sizes need an empty proof and equal roots;
    /// the empty tree (whose root must be `emptyRoot`) is a prefix of every tree, with an
    /// empty proof. Any hash not 32 bytes long fails.
    public static func checkConsistency(oldSize: UInt64, oldRoot: [UInt8], newSize: UInt64, newRoot: [UInt8], proof: [[UInt8]]) -> Bool {
        guard oldSize <= newSize, oldRoot.count == hashSize, newRoot.count == hashSize,
              proof.allSatisfy({ $0.count == hashSize }) else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot && (oldSize > 0 || oldRoot == emptyRoot) }
        if oldSize == 0 { return proof.isEmpty && oldRoot == emptyRoot }
        // 1. An empty proof fails.
        if proof.isEmpty { return false }
        // 2. If the old size is an exact power of 2, the old root is the first node.
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }
        // 3., 4.
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        // 5.
        var fr = path[0], sr = path[0]
        // 6.
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        // 7.
        return fr == oldRoot && sr == newRoot && sn == 0
    }

    // MARK: Internals

    /// The largest power of two strictly below `n` (n ≥ 2): RFC 6962's k.
    static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        precondition(n >= 2)
        return 1 << UInt64(63 - (n - 1).leadingZeroBitCount)
    }

    /// The stored hashes whose combination is the hash of leaves [lo, hi): the complete subtrees
    /// of decreasing size from lo. Every range the proofs ask for starts at a multiple of a power
    /// of two at least as large as the range, so each piece is a stored (aligned) subtree.
    static func subtreeIndexes(_ lo: UInt64, _ hi: UInt64, into need: inout [StoredIndex]) {
        var lo = lo
        while lo < hi {
            let level = 63 - (hi - lo).leadingZeroBitCount
            let width: UInt64 = 1 << UInt64(level)
            precondition(lo & (width - 1) == 0, "unaligned subtree [\(lo), \(hi))")
            need.append(StoredIndex(level: level, index: lo >> UInt64(level)))
            lo += width
        }
    }

    /// The hashes of the given leaf ranges, with one call to the reader.
    static func subtreeHashes(_ ranges: some Sequence<(UInt64, UInt64)>, reader: some HashReader) throws -> [[UInt8]] {
        var need: [StoredIndex] = []
        var counts: [Int] = []
        for (lo, hi) in ranges {
            let before = need.count
            subtreeIndexes(lo, hi, into: &need)
            counts.append(need.count - before)
        }
        let stored = try read(need, from: reader)
        var out: [[UInt8]] = []
        out.reserveCapacity(counts.count)
        var end = 0
        for count in counts {
            let start = end
            end += count
            // Pieces are left to right; the hash folds them from the right.
            var h = stored[end - 1]
            for i in stride(from: end - 2, through: start, by: -1) { h = nodeHash(stored[i], h) }
            out.append(h)
        }
        return out
    }

    static func read(_ indexes: [StoredIndex], from reader: some HashReader) throws -> [[UInt8]] {
        if indexes.isEmpty { return [] }
        let hashes = try reader.hashes(at: indexes)
        guard hashes.count == indexes.count else {
            throw TransparencyError("the hash reader returned \(hashes.count) hashes for \(indexes.count) indexes")
        }
        for (i, h) in hashes.enumerated() where h.count != hashSize {
            throw TransparencyError("the hash reader returned a \(h.count)-byte hash at \(indexes[i])")
        }
        return hashes
    }
}

/// An in-memory log: appends leaves and keeps every stored hash. For tests and small tools.
public struct MemoryHashStore: HashReader, Sendable {
    /// `levels[l][i]` is the hash at `StoredIndex(level: l, index: i)`.
    private var levels: [[[UInt8]]] = []

    public init() {}

    /// The number of leaves appended.
    public var size: UInt64 { levels.isEmpty ? 0 : UInt64(levels[0].count) }

    /// Appends a leaf (its bytes) and returns its index.
    @discardableResult
    public mutating func append<C: Collection>(leaf: C) throws -> UInt64 where C.Element == UInt8 {
        try append(leafHash: Merkle.leafHash(leaf))
    }

    /// Appends a leaf by its leaf hash and returns its index.
    @discardableResult
    public mutating func append(leafHash: [UInt8]) throws -> UInt64 {
        let n = size
        let new = try Merkle.storedHashes(forLeaf: n, leafHash: leafHash, reader: self)
        for (level, h) in new.enumerated() {
            if level == levels.count { levels.append([]) }
            precondition(UInt64(levels[level].count) == n >> UInt64(level), "stored hashes out of order")
            levels[level].append(h)
        }
        return n
    }

    /// The root of the whole tree.
    public func root() throws -> [UInt8] { try Merkle.treeHash(size: size, reader: self) }

    public func hashes(at indexes: [StoredIndex]) throws -> [[UInt8]] {
        try indexes.map { ix in
            guard ix.level < levels.count, ix.index < UInt64(levels[ix.level].count) else {
                throw TransparencyError("no stored hash at \(ix) in a tree of \(size) leaves")
            }
            return levels[ix.level][Int(ix.index)]
        }
    }
}
