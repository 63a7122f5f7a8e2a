public import Audit
import Files
import LedgerCrypto
public import LedgerModel
import Transparency

/// `verify` as one call: a full replay, or (with `since`) only the lines after an auditor's
/// saved state; then the checkpoints. Returns the report and, when `state` is given and the
/// replay was clean, the auditor state to save (the caller writes it only when the report has
/// no findings).
public enum Verification {
    public static func run(ledger: String, recompute: Bool, now: Int64, checkpoints: [String], trust: [String],
                           state: String?, since: String?) throws -> (AuditReport, AuditorState?) {
        var report: AuditReport
        var saved: AuditorState?
        if let since, let state {
            let previous = try AuditorState.load(path: state)
            switch try SinceAudit.start(ledger: ledger, checkpoint: since, state: previous, statePath: state, trust: trust) {
            case .failure(let f):
                report = AuditReport(findings: [f], lines: Int(previous.size), ledgerID: previous.ledger, head: previous.head,
                                     tasks: Int(previous.state.taskCount), recomputed: 0)
                report.since = Int(previous.size)
            case .success(let resume):
                (report, saved) = try IncrementalAudit.verify(ledger: ledger, from: previous, resume: resume, recompute: recompute, now: now)
            }
        } else if let state {
            // Never replace a file that is not an auditor state (the ledger itself, a key, …).
            if FileIO.exists(state) {
                do { _ = try AuditorState.load(path: state) } catch {
                    throw Diagnostic.usage("--state \(state): the file exists and is not an auditor state file; not replacing it (remove it first): \(error)")
                }
            }
            (report, saved) = try IncrementalAudit.verify(ledger: ledger, from: nil, resume: nil, recompute: recompute, now: now)
        } else {
            report = try Auditor.verify(path: ledger, recompute: recompute, now: now)
        }
        if !checkpoints.isEmpty || (!trust.isEmpty && since == nil) {
            report.findings += try TransparencyAudit.findings(ledger: ledger, ledgerID: report.ledgerID, checkpoints: checkpoints, trust: trust)
        }
        return (report, saved)
    }
}

/// `verify --since CHECKPOINT --state FILE`: the checkpoint's signatures, that it is the state's
/// (origin, size, root), and that the ledger still extends the state (docs/TRANSPARENCY.md §5).
public enum SinceAudit {
    /// A finding (`checkpoint-signature`, `since-mismatch`: exit 1) or where to resume. A
    /// checkpoint that is not the state's is an input error (exit 2): the two files given
    /// disagree, which says nothing about the ledger.
    public static func start(ledger: String, checkpoint: String, state: AuditorState, statePath: String, trust: [String]) throws -> Result<Replay.Resume, LedgerFinding> {
        let checked: CheckedCheckpoint
        switch try CheckpointAudit.load(path: checkpoint, bytes: try FileIO.readAll(checkpoint, limit: 1 << 20), trust: try TrustedKeys(trust)) {
        case .failure(let f): return .failure(f)
        case .success(let c): checked = c
        }
        let cp = checked.checkpoint
        guard cp.origin == LedgerCheckpoints.origin(ledgerID: state.ledger), cp.size == state.size, cp.rootHash == state.rootHash else {
            throw Diagnostic.usage("--since \(checkpoint) (\(cp.origin), size \(cp.size), root \(Hex.encode(cp.rootHash))) is not the checkpoint of the state \(statePath) (crowdledger/\(state.ledger), size \(state.size), root \(state.root)): give a checkpoint of exactly the verified size (checkpoint --size \(state.size))")
        }
        return try state.resume(ledger: ledger)
    }
}

/// `verify --checkpoint FILE ... [--trust ID ...]`.
public enum TransparencyAudit {
    public static func findings(ledger: String, ledgerID: String?, checkpoints: [String], trust: [String]) throws -> [LedgerFinding] {
        let trusted = try TrustedKeys(trust)
        var findings: [LedgerFinding] = []
        var checked: [CheckedCheckpoint] = []
        for path in checkpoints {
            switch try CheckpointAudit.load(path: path, bytes: try FileIO.readAll(path, limit: 1 << 20), trust: trusted) {
            case .success(let c): checked.append(c)
            case .failure(let f): findings.append(f)
            }
        }
        return findings + (try CheckpointAudit.check(ledger: ledger, ledgerID: ledgerID, checkpoints: checked))
    }
}
