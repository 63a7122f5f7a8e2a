import LedgerCrypto
import Testing
import Transparency

/// fixtures/vectors/rfc6962.json: transparency-dev/merkle's testonly constants and its
/// testdata proof probes (each with the expected verdict).
struct RFC6962Vectors: Decodable {
    struct InclusionProbe: Decodable {
        let file: String
        let leafIdx: UInt64
        let treeSize: UInt64
        let root: String
        let leafHash: String
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    struct ConsistencyProbe: Decodable {
        let file: String
        let size1: UInt64
        let size2: UInt64
        let root1: String
        let root2: String
        let proof: [String]?
        let desc: String
        let wantErr: Bool
    }

    let source: String
    let leafInputsHex: [String]
    let rootHashesHex: [String]
    let nodeHashesHex: [[String]]
    let inclusionProbes: [InclusionProbe]
    let consistencyProbes: [ConsistencyProbe]
}

/// Where this implementation deliberately answers differently from transparency-dev/merkle.
let probeDeviations: [String: String] = [
    // Its roots are the 12-byte strings "don't care 2"; here every root must be 32 bytes.
    "testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json": "roots that are not 32 bytes are refused",
]

@Suite("RFC 6962 vectors (transparency-dev/merkle)") struct MerkleVectorTests {
    let v: RFC6962Vectors
    init() throws { v = try Fixtures.load("rfc6962.json") }

    func store() throws -> MemoryHashStore {
        var s = MemoryHashStore()
        for leaf in v.leafInputsHex { try s.append(leaf: hex(leaf)) }
        return s
    }

    @Test("leaf hashes, every stored subtree hash, and the roots of sizes 0 through 8")
    func treeHashes() throws {
        #expect(Merkle.emptyRoot == hex(v.rootHashesHex[0]))
        var s = MemoryHashStore()
        #expect(try s.root() == hex(v.rootHashesHex[0]))
        for (i, leaf) in v.leafInputsHex.enumerated() {
            #expect(Merkle.leafHash(hex(leaf)) == hex(v.nodeHashesHex[0][i]))
            try s.append(leaf: hex(leaf))
            #expect(try s.root() == hex(v.rootHashesHex[i + 1]), "size \(i + 1)")
        }
        for (level, hashes) in v.nodeHashesHex.enumerated() {
            for (index, h) in hashes.enumerated() {
                #expect(try s.hashes(at: [StoredIndex(level: level, index: UInt64(index))]) == [hex(h)])
            }
        }
        // Older sizes from the grown store.
        for size in 0...8 {
            #expect(try Merkle.treeHash(size: UInt64(size), reader: s) == hex(v.rootHashesHex[size]))
        }
    }

    @Test("inclusion probes get transparency-dev/merkle's verdicts; the valid proofs are the ones generated here")
    func inclusionProbes() throws {
        let s = try store()
        var generated = 0
        #expect(v.inclusionProbes.count == 98)
        for p in v.inclusionProbes {
            let proof = (p.proof ?? []).map(b64)
            let ok = Merkle.checkInclusion(leafHash: b64(p.leafHash), index: p.leafIdx, size: p.treeSize, root: b64(p.root), proof: proof)
            #expect(ok == !p.wantErr, "\(p.file): \(p.desc)")
            if !p.wantErr, p.treeSize <= 8, b64(p.leafHash) == Merkle.leafHash(hex(v.leafInputsHex[Int(p.leafIdx)])) {
                #expect(try Merkle.inclusionProof(index: p.leafIdx, size: p.treeSize, reader: s) == proof, "\(p.file)")
                generated += 1
            }
        }
        #expect(generated >= 5)
    }

    @Test("consistency probes get transparency-dev/merkle's verdicts (but one documented deviation); the valid proofs are the ones generated here")
    func consistencyProbes() throws {
        let s = try store()
        var generated = 0, deviations = 0
        #expect(v.consistencyProbes.count == 98)
        for p in v.consistencyProbes {
            let proof = (p.proof ?? []).map(b64)
            let ok = Merkle.checkConsistency(oldSize: p.size1, oldRoot: b64(p.root1), newSize: p.size2, newRoot: b64(p.root2), proof: proof)
            if probeDeviations[p.file] != nil {
                #expect(ok == p.wantErr, "\(p.file): \(p.desc)")
                deviations += 1
                continue
            }
            #expect(ok == !p.wantErr, "\(p.file): \(p.desc)")
            if !p.wantErr, p.size2 <= 8, p.size1 >= 1, b64(p.root1) == hex(v.rootHashesHex[Int(p.size1)]),
               b64(p.root2) == hex(v.rootHashesHex[Int(p.size2)]) {
                #expect(try Merkle.consistencyProof(from: p.size1, size: p.size2, reader: s) == proof, "\(p.file)")
                generated += 1
            }
        }
        #expect(deviations == probeDeviations.count)
        #expect(generated >= 5)
    }
}
