import Audit
import Files
import CanonicalJSON
public import Contract
public import LedgerModel
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
    /// The entry's time is later than the appender's system clock plus the tolerance (exit 1).
    case futureTime(path: String, line: Int, time: Int64, limit: Int64)

    /// The error as a diagnostic: the CLI's printer renders it and maps its kind to the exit status.
    public var diagnostic: Diagnostic {
        switch self {
        case .invalidLedger(let p, let f): return Diagnostic(f, file: p, note: "nothing was written")
        case .unreadable(let p, let f): return Diagnostic(f, file: p, note: "the ledger is invalid; `verify --json` lists every finding")
        case .rejected(let p, let f): return Diagnostic(f, file: p, note: "nothing was written")
        case .clockBehind(let p, let now, let last):
            return Diagnostic(.usage, file: p, "the clock (\(now)) is before the last entry's time (\(last)); entry times never decrease (nothing was written)")
        case .futureTime(let p, let line, let time, let limit):
            return Diagnostic(.invalid, code: "future-time", file: p, line: line,
                              "time \(time) is later than the system clock plus \(Session.futureTolerance) s (\(limit)); set CROWDLEDGER_ALLOW_FUTURE=1 to append it anyway (nothing was written)")
        }
    }

    public var description: String { diagnostic.description }
}

/// Appending: lock, replay (the same checks as `verify`), build the transaction against the state,
/// validate it through the contract, write it. The writer has no logic the auditor lacks.
public enum Session {
    /// How far (seconds) an entry's time may be ahead of the appender's system clock, and an
    /// auditor's clock ahead of which `verify` reports `future-time` (FORMAT.md section 7).
    public static let futureTolerance: Int64 = Auditor.futureTolerance

    /// Appends the transaction `build` makes from the current state, at the fixed time `time`.
    public static func append(path: String, time: Int64,
                              build: (LedgerState) throws -> Transaction) throws -> (Entry, LedgerState) {
        try append(path: path, clock: { time }, notAfter: nil) { state, _ in try build(state) }
    }

    /// Appends the transaction `build` makes from the current state and the entry's time. The
    /// time is read from `clock` only once the lock is held and the ledger replayed, so
    /// concurrent appenders each see the time after the entry before them. `notAfter`, when
    /// given, is also read under the lock: an entry time above it is refused (`future-time`).
    /// Returns the new entry and the state after it.
    public static func append(path: String, clock: () throws -> Int64, notAfter: (() throws -> Int64)?,
                              build: (LedgerState, Int64) throws -> Transaction) throws -> (Entry, LedgerState) {
        // When a program renames a new file over the ledger between our lock and our write
        // (`git pull`), the line lands in the old file: start again on the new one.
        for attempt in 1... {
            do {
                return try appendOnce(path: path, clock: clock, notAfter: notAfter, build: build)
            } catch let e as LedgerFile.Replaced where attempt < 10 {
                _ = e
            }
        }
        fatalError("unreachable")
    }

    static func appendOnce(path: String, clock: () throws -> Int64, notAfter: (() throws -> Int64)?,
                           build: (LedgerState, Int64) throws -> Transaction) throws -> (Entry, LedgerState) {
        let writer = try LedgerFile.Writer(path: path)
        defer { writer.close() }
        // Temporary files a killed append left beside the ledger (the state cache's atomic
        // replacement): ours, and stale, so removed under the lock.
        FileIO.removeStaleTemporaries(of: StateCache.path(forLedger: path))
        let replay = try current(path: path)
        guard var state = replay.state else {
            throw AppendError.invalidLedger(path: path, LedgerFinding(.emptyLedger, line: 0, "no genesis"))
        }
        let time = try clock()
        guard time >= state.time else { throw AppendError.clockBehind(path: path, now: time, last: state.time) }
        if let limit = try notAfter?(), time > limit {
            throw AppendError.futureTime(path: path, line: Int(state.seq + 1), time: time, limit: limit)
        }
        let tx = try build(state, time)
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
