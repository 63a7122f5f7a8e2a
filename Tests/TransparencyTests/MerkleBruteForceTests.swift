import LedgerCrypto
import Testing
import Transparency

/// A 70-leaf log, with every subtree hash computed by the RFC 6962 recursion directly from the
/// leaves (no stored hashes): the reference the store-based proofs are checked against.
enum Naive {
    static let count = 70
    static let leaves: [[UInt8]] = (0..<count).map { Array("ledger line \($0) {\"n\":\($0)}".utf8) }
    static let store: MemoryHashStore = {
        var s = MemoryHashStore()
        for leaf in leaves { try! s.append(leaf: leaf) }
        return s
    }()

    /// MTH(D[lo:hi]) for every 0 <= lo < hi <= count, by recursion.
    static let mth: [[[UInt8]]] = {
        var table = [[[UInt8]]](repeating: [[UInt8]](repeating: [], count: count + 1), count: count + 1)
        for width in 1...count {
            for lo in 0...(count - width) {
                let hi = lo + width
                if width == 1 {
                    table[lo][hi] = Merkle.leafHash(leaves[lo])
                } else {
                    let k = largestPowerOfTwo(below: width)
                    table[lo][hi] = Merkle.nodeHash(table[lo][lo + k], table[lo + k][hi])
                }
            }
        }
        return table
    }()

    static func root(_ size: Int) -> [UInt8] { size == 0 ? SHA256.hash([UInt8]()) : mth[0][size] }

    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    /// RFC 6962 §2.1.1 PATH(m, D[lo:hi]).
    static func path(_ m: Int, _ lo: Int, _ hi: Int) -> [[UInt8]] {
        if hi - lo == 1 { return [] }
        let k = largestPowerOfTwo(below: hi - lo)
        if m - lo < k { return path(m, lo, lo + k) + [mth[lo + k][hi]] }
        return path(m, lo + k, hi) + [mth[lo][lo + k]]
    }

    /// RFC 6962 §2.1.2 SUBPROOF(m, D[lo:hi], b), m counted from lo.
    static func subproof(_ m: Int, _ lo: Int, _ hi: Int, _ b: Bool) -> [[UInt8]] {
        if m == hi - lo { return b ? [] : [mth[lo][hi]] }
        let k = largestPowerOfTwo(below: hi - lo)
        if m <= k { return subproof(m, lo, lo + k, b) + [mth[lo + k][hi]] }
        return subproof(m - k, lo + k, hi, false) + [mth[lo][lo + k]]
    }

    static func consistency(_ m: Int, _ n: Int) -> [[UInt8]] {
        m == 0 || m == n ? [] : subproof(m, 0, n, true)
    }
}

@Suite("Merkle proofs against the RFC 6962 recursion, sizes 1 to 70") struct MerkleBruteForceTests {
    @Test("tree hashes of every size", arguments: 0...Naive.count)
    func treeHash(size: Int) throws {
        #expect(try Merkle.treeHash(size: UInt64(size), reader: Naive.store) == Naive.root(size))
    }

    @Test("inclusion: every index verifies, equals PATH, and every one-byte change, wrong index, wrong size or misshapen proof fails", arguments: 1...Naive.count)
    func inclusion(size n: Int) throws {
        var failures: [String] = []
        let root = Naive.root(n)
        for i in 0..<n {
            let leaf = Merkle.leafHash(Naive.leaves[i])
            let proof = try Merkle.inclusionProof(index: UInt64(i), size: UInt64(n), reader: Naive.store)
            if proof != Naive.path(i, 0, n) { failures.append("PATH(\(i), \(n)) differs") }
            if !Merkle.checkInclusion(leafHash: leaf, index: UInt64(i), size: UInt64(n), root: root, proof: proof) {
                failures.append("(\(i), \(n)) does not verify")
            }
            for p in proof.indices {
                for b in 0..<32 {
                    var bad = proof
                    bad[p][b] ^= 0x01
                    if Merkle.checkInclusion(leafHash: leaf, index: UInt64(i), size: UInt64(n), root: root, proof: bad) {
                        failures.append("(\(i), \(n)) verifies with proof[\(p)][\(b)] changed")
                    }
                }
            }
            for b in 0..<32 {
                var badLeaf = leaf, badRoot = root
                badLeaf[b] ^= 0x80
                badRoot[b] ^= 0x80
                if Merkle.checkInclusion(leafHash: badLeaf, index: UInt64(i), size: UInt64(n), root: root, proof: proof)
                    || Merkle.checkInclusion(leafHash: leaf, index: UInt64(i), size: UInt64(n), root: badRoot, proof: proof) {
                    failures.append("(\(i), \(n)) verifies with leaf or root byte \(b) changed")
                }
            }
            for j in 0..<(n + 2) where j != i {
                if Merkle.checkInclusion(leafHash: leaf, index: UInt64(j), size: UInt64(n), root: root, proof: proof) {
                    failures.append("(\(i), \(n)) verifies as index \(j)")
                }
            }
            // Another size, with that size's own root: fails unless the proof is also that size's.
            for m in (i + 1)...Naive.count where m != n && Naive.path(i, 0, m) != proof {
                if Merkle.checkInclusion(leafHash: leaf, index: UInt64(i), size: UInt64(m), root: Naive.root(m), proof: proof) {
                    failures.append("(\(i), \(n)) verifies in size \(m)")
                }
            }
            let misshapen: [[[UInt8]]] = [proof + [root], [root] + proof, proof + [[]], Array(proof.dropLast()), proof.isEmpty ? [leaf] : Array(proof.dropFirst())]
            for bad in misshapen where bad != proof {
                if Merkle.checkInclusion(leafHash: leaf, index: UInt64(i), size: UInt64(n), root: root, proof: bad) {
                    failures.append("(\(i), \(n)) verifies with a misshapen proof of \(bad.count) hashes")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, e.g. \(failures.prefix(3))")
    }

    @Test("consistency: every old size verifies, equals PROOF, and every one-byte change, wrong size or misshapen proof fails", arguments: 1...Naive.count)
    func consistency(size n: Int) throws {
        var failures: [String] = []
        let root = Naive.root(n)
        for m in 0...n {
            let old = Naive.root(m)
            let proof = try Merkle.consistencyProof(from: UInt64(m), size: UInt64(n), reader: Naive.store)
            if proof != Naive.consistency(m, n) { failures.append("PROOF(\(m), \(n)) differs") }
            if !Merkle.checkConsistency(oldSize: UInt64(m), oldRoot: old, newSize: UInt64(n), newRoot: root, proof: proof) {
                failures.append("\(m) -> \(n) does not verify")
            }
            for p in proof.indices {
                for b in 0..<32 {
                    var bad = proof
                    bad[p][b] ^= 0x01
                    if Merkle.checkConsistency(oldSize: UInt64(m), oldRoot: old, newSize: UInt64(n), newRoot: root, proof: bad) {
                        failures.append("\(m) -> \(n) verifies with proof[\(p)][\(b)] changed")
                    }
                }
            }
            for b in 0..<32 {
                var badOld = old, badNew = root
                badOld[b] ^= 0x80
                badNew[b] ^= 0x80
                if Merkle.checkConsistency(oldSize: UInt64(m), oldRoot: badOld, newSize: UInt64(n), newRoot: root, proof: proof) {
                    failures.append("\(m) -> \(n) verifies with old root byte \(b) changed")
                }
                // The empty tree is a prefix of every tree: from size 0 the new root is not constrained.
                if Merkle.checkConsistency(oldSize: UInt64(m), oldRoot: old, newSize: UInt64(n), newRoot: badNew, proof: proof) != (m == 0) {
                    failures.append("\(m) -> \(n): new root byte \(b) changed")
                }
            }
            // Other sizes, with their own roots: fail unless the proof is also theirs.
            for m2 in 0...(n + 1) where m2 != m && (m2 > n || Naive.consistency(m2, n) != proof) {
                if Merkle.checkConsistency(oldSize: UInt64(m2), oldRoot: Naive.root(min(m2, Naive.count)), newSize: UInt64(n), newRoot: root, proof: proof) {
                    failures.append("\(m) -> \(n) verifies from \(m2)")
                }
            }
            for n2 in m...Naive.count where n2 != n && Naive.consistency(m, n2) != proof {
                if Merkle.checkConsistency(oldSize: UInt64(m), oldRoot: old, newSize: UInt64(n2), newRoot: Naive.root(n2), proof: proof) {
                    failures.append("\(m) -> \(n) verifies to \(n2)")
                }
            }
            let misshapen: [[[UInt8]]] = [proof + [root], [old] + proof, proof + [[]], Array(proof.dropLast()), Array(proof.dropFirst()), [root]]
            for bad in misshapen where bad != proof {
                if Merkle.checkConsistency(oldSize: UInt64(m), oldRoot: old, newSize: UInt64(n), newRoot: root, proof: bad) {
                    failures.append("\(m) -> \(n) verifies with a misshapen proof of \(bad.count) hashes")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures, e.g. \(failures.prefix(3))")
    }
}

/// A tree of any size whose leaves are all equal: the stored hash at level l is the same for
/// every index, so trees up to 2^64 - 1 leaves can be served by 64 hashes.
struct UniformTree: HashReader {
    let levels: [[UInt8]]
    init() {
        var l = [Merkle.leafHash([0x2a] as [UInt8])]
        for _ in 1..<64 { l.append(Merkle.nodeHash(l.last!, l.last!)) }
        levels = l
    }
    func hashes(at indexes: [StoredIndex]) throws -> [[UInt8]] { indexes.map { levels[$0.level] } }

    /// MTH of n equal leaves, by the RFC recursion on the size alone.
    func root(_ n: UInt64) -> [UInt8] {
        if n == 1 { return levels[0] }
        var k: UInt64 = 1, level = 0
        while k < n - k { k <<= 1; level += 1 }  // the largest power of two below n
        return Merkle.nodeHash(levels[level], root(n - k))
    }
}

@Suite("Merkle arithmetic at the ends of UInt64") struct MerkleExtremeTests {
    let tree = UniformTree()
    let sizes: [UInt64] = [1, 2, 3, 1 << 32, (1 << 63) - 1, 1 << 63, (1 << 63) + 1, UInt64.max - 1, UInt64.max]

    @Test("roots, inclusion and consistency proofs for trees up to 2^64 - 1 leaves")
    func hugeTrees() throws {
        for size in sizes {
            let root = try Merkle.treeHash(size: size, reader: tree)
            #expect(root == tree.root(size), "size \(size)")
            for index in [0, 1, size / 2, size - 1] where index < size {
                let proof = try Merkle.inclusionProof(index: index, size: size, reader: tree)
                #expect(proof.count <= 64)
                #expect(Merkle.checkInclusion(leafHash: tree.levels[0], index: index, size: size, root: root, proof: proof), "\(index) in \(size)")
                if !proof.isEmpty {
                    var bad = proof
                    bad[bad.count - 1][0] ^= 1
                    #expect(!Merkle.checkInclusion(leafHash: tree.levels[0], index: index, size: size, root: root, proof: bad))
                }
            }
            for old in sizes where old <= size {
                let proof = try Merkle.consistencyProof(from: old, size: size, reader: tree)
                #expect(Merkle.checkConsistency(oldSize: old, oldRoot: tree.root(old), newSize: size, newRoot: root, proof: proof), "\(old) -> \(size)")
                if !proof.isEmpty {
                    var bad = proof
                    bad[0][31] ^= 1
                    #expect(!Merkle.checkConsistency(oldSize: old, oldRoot: tree.root(old), newSize: size, newRoot: root, proof: bad))
                }
            }
        }
    }

    @Test("stored hashes for the last leaves, and the refusal of a 2^64th leaf")
    func storedHashesAtTheEnd() throws {
        #expect(try Merkle.storedHashes(forLeaf: (1 << 63) - 1, leafHash: tree.levels[0], reader: tree) == tree.levels)
        #expect(try Merkle.storedHashes(forLeaf: UInt64.max - 1, leafHash: tree.levels[0], reader: tree) == [tree.levels[0]])
        #expect(throws: TransparencyError.self) { try Merkle.storedHashes(forLeaf: UInt64.max, leafHash: tree.levels[0], reader: tree) }
        #expect(!Merkle.checkInclusion(leafHash: tree.levels[0], index: UInt64.max, size: UInt64.max, root: tree.root(UInt64.max), proof: []))
    }
}

@Suite("Merkle refusals") struct MerkleRefusalTests {
    struct BadReader: HashReader {
        let answer: ([StoredIndex]) -> [[UInt8]]
        func hashes(at indexes: [StoredIndex]) throws -> [[UInt8]] { answer(indexes) }
    }

    @Test("bad arguments and bad readers are errors, bad hashes are a plain no")
    func refusals() throws {
        let s = Naive.store
        #expect(throws: TransparencyError.self) { try Merkle.inclusionProof(index: 5, size: 5, reader: s) }
        #expect(throws: TransparencyError.self) { try Merkle.inclusionProof(index: 0, size: 0, reader: s) }
        #expect(throws: TransparencyError.self) { try Merkle.consistencyProof(from: 6, size: 5, reader: s) }
        #expect(throws: TransparencyError.self) { try Merkle.treeHash(size: 71, reader: s) }
        #expect(throws: TransparencyError.self) { try Merkle.storedHashes(forLeaf: 0, leafHash: [1, 2, 3], reader: s) }
        let short = BadReader { Array(repeating: [UInt8](repeating: 0, count: 32), count: max(0, $0.count - 1)) }
        #expect(throws: TransparencyError.self) { try Merkle.treeHash(size: 3, reader: short) }
        let wrongLength = BadReader { $0.map { _ in [UInt8](repeating: 0, count: 31) } }
        #expect(throws: TransparencyError.self) { try Merkle.inclusionProof(index: 0, size: 3, reader: wrongLength) }

        let root = Naive.root(5), leaf = Merkle.leafHash(Naive.leaves[0])
        let proof = try Merkle.inclusionProof(index: 0, size: 5, reader: s)
        #expect(!Merkle.checkInclusion(leafHash: leaf, index: 0, size: 0, root: root, proof: proof))
        #expect(!Merkle.checkInclusion(leafHash: Array(leaf.dropLast()), index: 0, size: 5, root: root, proof: proof))
        #expect(!Merkle.checkInclusion(leafHash: leaf, index: 0, size: 5, root: root + [0], proof: proof))
        #expect(!Merkle.checkConsistency(oldSize: 0, oldRoot: Naive.root(3), newSize: 5, newRoot: root, proof: []))
        #expect(Merkle.checkConsistency(oldSize: 0, oldRoot: Merkle.emptyRoot, newSize: 5, newRoot: root, proof: []))
        #expect(!Merkle.checkConsistency(oldSize: 0, oldRoot: Merkle.emptyRoot, newSize: 5, newRoot: root, proof: [root]))
        #expect(Merkle.checkConsistency(oldSize: 0, oldRoot: Merkle.emptyRoot, newSize: 0, newRoot: Merkle.emptyRoot, proof: []))
        #expect(!Merkle.checkConsistency(oldSize: 0, oldRoot: root, newSize: 0, newRoot: root, proof: []))
        #expect(!Merkle.checkConsistency(oldSize: 5, oldRoot: root, newSize: 3, newRoot: Naive.root(3), proof: []))
    }
}
