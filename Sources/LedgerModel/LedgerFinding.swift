/// One thing wrong with a ledger, found by reading or replaying it: a stable code, the 1-based
/// line it concerns (0 for the file as a whole), and one human sentence.
public struct LedgerFinding: Error, Hashable, Sendable, CustomStringConvertible {
    public let code: Code
    public let line: Int
    public let message: String

    public init(_ code: Code, line: Int, _ message: String) {
        self.code = code
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(code.rawValue): \(message)" }

    /// Stable codes: scripts may match on them. docs/FORMAT.md lists each.
    public enum Code: String, Sendable, CaseIterable {
        // Structure of one line.
        case tornTail = "torn-tail"                   // the last line has no newline: an interrupted append
        case notJSON = "not-json"                     // the line does not parse as JSON
        case notCanonical = "not-canonical"           // valid JSON but not byte-equal to its canonical form
        case badShape = "bad-shape"                   // a field is missing, extra, or of the wrong type
        case emptyLedger = "empty-ledger"             // no genesis line
        // The chain.
        case badPosition = "bad-position"             // seq differs from the line number
        case badLink = "bad-link"                     // link differs from the previous entry's hash
        case badHash = "bad-hash"                     // the stated hash is not the hash of the entry
        case timeDecreases = "time-decreases"         // time earlier than the previous entry's
        case badGenesis = "bad-genesis"
        // The transaction envelope.
        case wrongLedger = "wrong-ledger"             // the transaction names another ledger id
        case badSignature = "bad-signature"
        case weakKey = "weak-key"                     // an account id that is a small-order or non-canonical point
        case futureTime = "future-time"               // time later than the auditor's clock + tolerance
        case duplicateTransaction = "duplicate-transaction"  // a nonce not above the party's last one
        // The contract.
        case rejected = "rejected"                    // the contract refuses the transaction (reason given)
        case settlementMismatch = "settlement-mismatch"  // recorded payouts differ from the recomputed ones
        case conservation = "conservation"            // balances + escrow + burned != genesis total
        case negativeBalance = "negative-balance"
        // Blobs and recomputation.
        case blobMismatch = "blob-mismatch"           // a blob does not hash to its digest, or differs from its declared size
        case trivialResult = "trivial-result"         // a result revealed by digest is constant (0x00…/0xff…) yet counted valid
        case recomputeMismatch = "recompute-mismatch"
        case recomputeFailed = "recompute-failed"
        // Checkpoints (verify --checkpoint, docs/TRANSPARENCY.md).
        case checkpointSignature = "checkpoint-signature"        // a checkpoint without a valid signature by a known (trusted) key
        case checkpointInconsistent = "checkpoint-inconsistent"  // the ledger does not extend a signed checkpoint
        case timeAfterCosignature = "time-after-cosignature"     // an entry's time is after a witness cosigned it (+ tolerance)
        // Incremental audits (verify --since).
        case sinceMismatch = "since-mismatch"                    // the ledger no longer extends the verified state (its last verified line changed)
    }
}
