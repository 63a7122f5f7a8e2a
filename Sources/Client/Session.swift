import Audit
import Files
import CanonicalJSON
import Contract
import LedgerModel
import LedgerStore
import LedgerCrypto

/// Why an append did not happen. Nothing was written in any of these cases.
public enum AppendError: Error, CustomStringConvertible {
    /// The existing ledger does not verify (exit 1).
    case invalidLedger(path: String, LedgerFinding)
    /// A read-only command found the ledger invalid (exit 1).
    case unreadable(path: String, LedgerFinding)
    /// The contract refuses the new transaction (exit 1).
    case rejected(path: String, LedgerFinding)
    /// The clock is behind the last entry (exit 2: set the clock or CROWDLEDGER_TIME).
    case clockBehind(path: String, now: Int64, last: Int64)

    public var description: String {
        switch self {
        case .invalidLedger(let p, let f): return "\(p):\(f.line): \(f.code.rawValue): \(f.message) (nothing was written)"
        case .unreadable(let p, let f): return "\(p):\(f.line): \(f.code.rawValue): \(f.message) (the ledger is invalid; `verify --json` lists every finding)"
        case .rejected(let p, let f): return "\(p): rejected: \(f.message) (nothing was written)"
        case .clockBehind(let p, let now, let last):
            return "\(p): the clock (\(now)) is before the last entry's time (\(last)); entry times never decrease (nothing was written)"
        }
    }
}

/// Appending: lock, replay (the same checks as `verify`), build the transaction against the state,
/// validate it through the contract, write it. The writer has no logic the auditor lacks.
public enum Session {
    /// Appends the transaction `build` makes from the current state. Returns the new entry and
    /// the state after it.
    public static func append(path: String, time: Int64,
                              build: (LedgerState) throws -> Transaction) throws -> (Entry, LedgerState) {
        // When a program renames a new file over the ledger between our lock and our write
        // (`git pull`), the line lands in the old file: start again on the new one.
        for attempt in 1... {
            do { return try appendOnce(path: path, time: time, build: build) } catch let e as LedgerFile.Replaced where attempt < 10 {
                _ = e
            }
        }
        fatalError("unreachable")
    }

    static func appendOnce(path: String, time: Int64,
                           build: (LedgerState) throws -> Transaction) throws -> (Entry, LedgerState) {
        let writer = try LedgerFile.Writer(path: path)
        defer { writer.close() }
        // Temporary files a killed append left beside the ledger (the state cache's atomic
        // replacement): ours, and stale, so removed under the lock.
        FileIO.removeStaleTemporaries(of: StateCache.path(forLedger: path))
        let replay = try current(path: path)
        guard var state = replay.state else {
            throw AppendError.invalidLedger(path: path, LedgerFinding(.emptyLedger, line: 0, "no genesis"))
        }
        guard time >= state.time else { throw AppendError.clockBehind(path: path, now: time, last: state.time) }
        let tx = try build(state)
        let entry = Entry(seq: state.seq + 1, link: state.head, time: time, tx: tx)
        do throws(LedgerFinding) { try Contract.apply(&state, entry) } catch { throw AppendError.rejected(path: path, error) }
        let line = entry.line
        try writer.append(line: line)
        StateCache.save(ledger: path, state: state, lines: replay.lines + 1,
                        offset: replay.validLength + Int64(line.count) + 1, lastLineLength: line.count)
        return (entry, state)
    }

    /// Replays the ledger from its checkpoint (or from the start), stopping at the first finding,
    /// which it throws.
    static func current(path: String, waitForWriters: Bool = false) throws -> Replay.Result {
        var options = Replay.Options()
        options.stopAtFirstFinding = true
        options.waitForWriters = waitForWriters
        let resume = StateCache.load(ledger: path)
        let replay = try Replay.run(path: path, options: options, resume: resume)
        if let f = replay.findings.first { throw AppendError.invalidLedger(path: path, f) }
        return replay
    }

    /// Reads the ledger's current state (read-only; no lock needed: appends are whole lines, and a
    /// last line without its newline is read again under a shared lock, after any append in
    /// progress, before it counts as torn). Uses the checkpoint, never writes one.
    public static func state(path: String) throws -> LedgerState {
        let replay: Replay.Result
        do { replay = try current(path: path, waitForWriters: true) } catch AppendError.invalidLedger(let p, let f) {
            throw AppendError.unreadable(path: p, f)
        }
        guard let state = replay.state else {
            throw AppendError.unreadable(path: path, LedgerFinding(.emptyLedger, line: 0, "no genesis"))
        }
        return state
    }
}
