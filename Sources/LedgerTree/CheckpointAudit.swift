import Files
import LedgerCrypto
public import LedgerModel
import LedgerStore
public import Transparency

/// Computes RFC 6962 roots of a stream of leaves in O(log n) memory: the right edge of the tree.
public struct RootStream: Sendable {
    /// The roots of the complete subtrees covering the leaves so far, largest (leftmost) first.
    public private(set) var edge: [[UInt8]] = []
    public private(set) var size: UInt64 = 0
    public init() {}

    /// Resumes from a saved edge: nil unless it has one 32-byte hash per 1 bit of `size`.
    public init?(edge: [[UInt8]], size: UInt64) {
        guard edge.count == size.nonzeroBitCount, edge.allSatisfy({ $0.count == Merkle.hashSize }) else { return nil }
        self.edge = edge
        self.size = size
    }

    public mutating func append(leafHash: [UInt8]) {
        var h = leafHash
        var n = size
        while n & 1 == 1 { h = Merkle.nodeHash(edge.removeLast(), h); n >>= 1 }
        edge.append(h)
        size += 1
    }

    public var root: [UInt8] {
        guard var h = edge.last else { return Merkle.emptyRoot }
        for s in edge.dropLast().reversed() { h = Merkle.nodeHash(s, h) }
        return h
    }
}

/// A checkpoint file given to `verify --checkpoint`, parsed and its signatures checked.
public struct CheckedCheckpoint: Sendable {
    public let path: String
    public let checkpoint: Checkpoint
    /// The keys whose signatures verified (`name+hex8`).
    public let signers: [String]
    /// Verified cosignatures: (witness, timestamp).
    public let cosignatures: [(witness: String, time: UInt64)]
}

/// `verify --checkpoint`: the ledger must extend every checkpoint whose signatures verify, and
/// no entry a witness cosigned may claim a time after that cosignature's timestamp + tolerance.
/// Everything is recomputed from the ledger's bytes (the tree cache is not used).
public enum CheckpointAudit {
    /// Seconds an entry's time may exceed the timestamp of a cosignature covering it (clock skew).
    public static let timeTolerance: Int64 = 300

    /// Parses a checkpoint file (exit-2 error when it is not a signed note of a checkpoint) and
    /// checks its signatures (a finding when none verifies).
    public static func load(path: String, bytes: [UInt8], trust: TrustedKeys) throws -> Result<CheckedCheckpoint, LedgerFinding> {
        let note: SignedNote, cp: Checkpoint
        do {
            note = try SignedNote(parsing: bytes)
            cp = try Checkpoint(parsing: note.text)
        } catch {
            throw Diagnostic.usage("\(path): not a signed checkpoint: \(error)")
        }
        let verifiers = trust.verifiers(for: note)
        let verified: [NoteSignature]
        do { verified = try note.verify(verifiers) } catch {
            let names = note.signatures.map(\.description).joined(separator: ", ")
            return .failure(LedgerFinding(.checkpointSignature, line: 0, "checkpoint \(path) (signed by \(names)): \(error)"))
        }
        var signers: [String] = [], cosigs: [(String, UInt64)] = []
        for sig in verified {
            let v = verifiers.first { sig.isBy(name: $0.name, keyID: $0.keyID) }
            if v is CosignatureV1Verifier, let t = CosignatureV1.timestamp(of: sig) { cosigs.append((sig.description, t)) } else { signers.append(sig.description) }
        }
        return .success(CheckedCheckpoint(path: path, checkpoint: cp, signers: signers + cosigs.map(\.0), cosignatures: cosigs))
    }

    /// The findings for a ledger against checked checkpoints, in one streaming pass.
    public static func check(ledger: String, ledgerID: String?, checkpoints: [CheckedCheckpoint]) throws -> [LedgerFinding] {
        var findings: [LedgerFinding] = []
        var wanted: [CheckedCheckpoint] = []
        for c in checkpoints {
            let named = LedgerCheckpoints.ledgerID(origin: c.checkpoint.origin)
            if named == nil || named != ledgerID {
                findings.append(LedgerFinding(.checkpointInconsistent, line: 0,
                    "checkpoint \(c.path) (signed by \(c.signers.joined(separator: ", "))) is of \(c.checkpoint.origin.debugDescription), not of this ledger (crowdledger/\(ledgerID ?? "?"))"))
            } else {
                wanted.append(c)
            }
        }
        guard !wanted.isEmpty else { return findings }
        // Time bounds: the entry at line i must not be later than min(T + tolerance) over the
        // cosigned checkpoints of size ≥ i.
        let bounds: [(size: UInt64, limit: Int64, from: CheckedCheckpoint, witness: String, time: UInt64)] = wanted.flatMap { c in
            c.cosignatures.map { (c.checkpoint.size, Int64(min($0.time, UInt64(Int64.max - timeTolerance))) + timeTolerance, c, $0.witness, $0.time) }
        }
        let maxSize = wanted.map(\.checkpoint.size).max() ?? 0
        var roots: [UInt64: [UInt8]] = [:]
        let sizes = Set(wanted.map(\.checkpoint.size))
        if sizes.contains(0) { roots[0] = Merkle.emptyRoot }
        var reported = Set<Int>()  // bounds already reported
        var stream = RootStream()
        var reader = try LineReader(path: ledger)
        while stream.size < maxSize, let line = try reader.next(), line.terminated {
            stream.append(leafHash: Merkle.leafHash(line.bytes))
            let n = stream.size
            if sizes.contains(n) { roots[n] = stream.root }
            if !bounds.isEmpty, let entry = try? Entry.parse(line: line.bytes, lineNumber: line.number) {
                for (k, b) in bounds.enumerated() where !reported.contains(k) && n <= b.size && entry.time > b.limit {
                    reported.insert(k)
                    findings.append(LedgerFinding(.timeAfterCosignature, line: line.number,
                        "entry \(line.number) claims time \(entry.time), but witness \(b.witness) cosigned checkpoint \(b.from.path) (size \(b.size)) at \(b.time); the tolerance is \(timeTolerance) s"))
                }
            }
        }
        let total = stream.size
        let consistent = wanted.filter { roots[$0.checkpoint.size] == $0.checkpoint.rootHash }.map(\.checkpoint.size)
        for c in wanted where roots[c.checkpoint.size] != c.checkpoint.rootHash {
            let n = c.checkpoint.size
            let who = "checkpoint \(c.path) (signed by \(c.signers.joined(separator: ", ")))"
            if n > total {
                findings.append(LedgerFinding(.checkpointInconsistent, line: Int(total),
                    "\(who) covers \(n) entries, but the ledger has only \(total) whole lines: entries were removed"))
            } else {
                let after = consistent.filter { $0 < n }.max() ?? 0
                findings.append(LedgerFinding(.checkpointInconsistent, line: Int(after) + 1,
                    "\(who): the ledger's first \(n) entries hash to \(Hex.encode(roots[n] ?? [])), not the checkpoint's root \(Hex.encode(c.checkpoint.rootHash)): history was rewritten; the first differing entry is at a line in \(after + 1)...\(n)"))
            }
        }
        return findings.sorted { $0.line < $1.line }
    }
}
