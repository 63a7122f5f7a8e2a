public import Audit
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
        let (cur, start, mark) = try begin(path: path)
        var state = start
        let replay = cur.replay
        let pending = cur.isBehind && mark == cur.archive ? cur.closed : ClosedArchive.Pending(ledger: path, after: mark)
        let time = try entryTime(path: path, after: state, clock: clock, notAfter: notAfter)
        let tx = try build(state, time)
        let entry = Entry(seq: state.seq + 1, link: state.head, time: time, tx: tx)
        let closed: TaskState?
        do throws(LedgerFinding) { closed = try Contract.apply(&state, entry) } catch { throw AppendError.rejected(path: path, error) }
        let line = entry.line
        try writer.append(line: line)
        if let closed { pending.add(closed) }
        StateCache.save(ledger: path, state: state, lines: replay.lines + 1,
                        offset: replay.validLength + Int64(line.count) + 1, lastLineLength: line.count, closed: pending)
        return (entry, state)
    }

    /// What every append does first, holding the writer's lock: removes the temporary files a
    /// killed append left beside the ledger (the state cache's atomic replacement: ours, and
    /// stale), replays from the cache with signatures, and saves the cache and archive when the
    /// replay covered lines they did not, so that the archive of closed tasks follows the state
    /// the transactions are built on (a lookup of a closed task, `Tasks.find`, reads it).
    /// Returns the replay, the state, and the archive mark the next save starts from.
    static func begin(path: String) throws -> (Current, LedgerState, ArchiveMark) {
        FileIO.removeStaleTemporaries(of: StateCache.path(forLedger: path))
        let cur = try current(path: path, signatures: true)
        guard let state = cur.replay.state else {
            throw AppendError.invalidLedger(path: path, LedgerFinding(.emptyLedger, line: 0, "no genesis"))
        }
        return (cur, state, cur.saveIfBehind(path: path) ?? cur.archive)
    }

    /// The time of the next entry, read from `clock` under the lock: never before the last
    /// entry's, never past `notAfter`.
    static func entryTime(path: String, after state: LedgerState, clock: () throws -> Int64,
                          notAfter: (() throws -> Int64)?) throws -> Int64 {
        let time = try clock()
        guard time >= state.time else { throw AppendError.clockBehind(path: path, now: time, last: state.time) }
        if let limit = try notAfter?(), time > limit {
            throw AppendError.futureTime(path: path, line: Int(state.seq + 1), time: time, limit: limit)
        }
        return time
    }

    /// The outcome of one transaction of a group: its entry, or why it was refused.
    public typealias Outcome = Result<Entry, any Error>

    /// Appends many transactions under ONE lock and one replay: each `build` is called on the
    /// state after the transactions accepted before it (and the time read then, under the lock,
    /// with the same `notAfter` limit as one append), validated through the contract, and
    /// either accepted or refused alone (a refused one changes nothing; the others still apply).
    /// The accepted lines are written and fsynced once per group of `groupSize`; a group whose
    /// write fails is truncated away whole, and all of its transactions, and every one after it,
    /// report that error (nothing half-written). When the ledger file is replaced under a group
    /// (`LedgerFile.Replaced`), the lock is taken again on the new file and that group and the
    /// rest are built again there. Returns one outcome per build, in order. Throws (nothing
    /// applied) when the ledger cannot be locked or does not verify.
    public static func appendGroup(path: String, clock: () throws -> Int64, notAfter: (() throws -> Int64)?,
                                   groupSize: Int = 4096,
                                   builds: [(LedgerState, Int64) throws -> Transaction]) throws -> [Outcome] {
        try appendGroup(path: path, clock: clock, notAfter: notAfter, groupSize: groupSize,
                        closedBuilds: builds.map { build in { state, time, _ in try build(state, time) } })
    }

    /// As `appendGroup`; each build also gets the tasks closed by the transactions accepted
    /// before it in its group, which are not written yet (so neither in the state, which holds
    /// open tasks only, nor in the archive): the client looks a closed task up there too.
    static func appendGroup(path: String, clock: () throws -> Int64, notAfter: (() throws -> Int64)?, groupSize: Int,
                            closedBuilds builds: [(LedgerState, Int64, [TaskState]) throws -> Transaction]) throws -> [Outcome] {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(builds.count)
        var attempt = 0
        while outcomes.count < builds.count {
            attempt += 1
            do {
                try appendGroupsOnce(path: path, clock: clock, notAfter: notAfter, groupSize: groupSize,
                                     builds: builds, outcomes: &outcomes)
            } catch {
                // Nothing written yet: the batch fails as a whole. Otherwise the entries already
                // written stay, and the rest report why they were not.
                if outcomes.isEmpty && !(error is LedgerFile.Replaced && attempt < 10) { throw error }
                if error is LedgerFile.Replaced && attempt < 10 { continue }
                while outcomes.count < builds.count { outcomes.append(.failure(error)) }
            }
        }
        return outcomes
    }

    /// One lock: appends `builds[outcomes.count...]`, group by group, adding their outcomes.
    /// On `Replaced` the outcomes of the group that went to the replaced file are taken back.
    static func appendGroupsOnce(path: String, clock: () throws -> Int64, notAfter: (() throws -> Int64)?,
                                 groupSize: Int, builds: [(LedgerState, Int64, [TaskState]) throws -> Transaction],
                                 outcomes: inout [Outcome]) throws {
        let writer = try LedgerFile.Writer(path: path)
        defer { writer.close() }
        let (cur, start, firstMark) = try begin(path: path)
        var state = start, mark = firstMark
        let replay = cur.replay
        // The lines the replay closed, when its save failed (they still follow `mark`), and the
        // lines of the groups written since the last save.
        var carried: ClosedArchive.Pending? = cur.isBehind && mark == cur.archive && cur.closed.count > 0 ? cur.closed : nil
        var closed: [[UInt8]] = []
        var lines = replay.lines
        var offset = replay.validLength
        while outcomes.count < builds.count {
            let start = outcomes.count
            let end = min(builds.count, start + max(1, groupSize))
            let saved = state, savedClosed = closed.count
            var group: [[UInt8]] = []
            var groupClosed: [TaskState] = []
            var accepted: [Int] = []
            for i in start..<end {
                do {
                    let time = try entryTime(path: path, after: state, clock: clock, notAfter: notAfter)
                    let tx = try builds[i](state, time, groupClosed)
                    let entry = Entry(seq: state.seq + 1, link: state.head, time: time, tx: tx)
                    do throws(LedgerFinding) {
                        if let c = try Contract.apply(&state, entry) { closed.append(ClosedArchive.line(c)); groupClosed.append(c) }
                    } catch { throw AppendError.rejected(path: path, error) }
                    group.append(entry.line)
                    accepted.append(outcomes.count)
                    outcomes.append(.success(entry))
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            guard !group.isEmpty else { continue }
            do {
                try writer.append(lines: group)
            } catch let e as LedgerFile.Replaced {
                // The group went to a file nobody reads: build it again on the new one.
                outcomes.removeLast(outcomes.count - start)
                throw e
            } catch {
                // The group is gone: report it on every line of it and of the rest.
                state = saved
                closed.removeLast(closed.count - savedClosed)
                for i in accepted { outcomes[i] = .failure(error) }
                while outcomes.count < builds.count { outcomes.append(.failure(error)) }
                return
            }
            lines += group.count
            offset += Int64(group.reduce(0) { $0 + $1.count + 1 })
            let pending = carried ?? ClosedArchive.Pending(ledger: path, after: mark)
            pending.add(lines: closed)
            closed = []
            if let m = StateCache.save(ledger: path, state: state, lines: lines, offset: offset, lastLineLength: group.last!.count,
                                       closed: pending) {
                mark = m
                carried = nil
            } else {
                carried = pending
            }
        }
    }

    /// What `current` found: the replay, the checkpoint it resumed from, and how many leading
    /// lines (ending at which byte) now have checked signatures.
    struct Current {
        let replay: Replay.Result
        let resume: Replay.Resume?
        let signedLines: Int
        let signedOffset: Int64
        /// The archive mark of the cache resumed from (`.empty` after a whole replay), and the
        /// archive lines of the tasks the replayed lines closed after it (spilled to a file past a
        /// batch, so a cold replay's memory does not grow with the closed tasks).
        let archive: ArchiveMark
        let closed: ClosedArchive.Pending

        /// The replay covered lines the cache did not.
        var isBehind: Bool { replay.lines > (resume?.lines ?? 0) }

        /// Writes the cache and archive of this replay when it covered lines the cache did not;
        /// returns the archive mark written (nil: nothing written).
        func saveIfBehind(path: String) -> ArchiveMark? {
            guard isBehind, let state = replay.state else { return nil }
            return StateCache.save(ledger: path, state: state, lines: replay.lines, offset: replay.validLength,
                                   lastLineLength: replay.lastLineLength, signedLines: signedLines, signedOffset: signedOffset,
                                   closed: closed)
        }
    }

    /// Replays the ledger from its checkpoint (or from the start), stopping at the first finding,
    /// which it throws. With `signatures` (appends), every signature the state rests on is
    /// checked: those of the lines replayed now, and those of the lines the checkpoint covers
    /// without having checked them (a read built it) — first, before anything is built on them.
    /// Without (reads), no signature is checked: the state is the one the lines describe,
    /// whoever signed them (only `verify` proves that; docs/PERFORMANCE.md, "What a read trusts").
    static func current(path: String, signatures: Bool, waitForWriters: Bool = false) throws -> Current {
        var options = Replay.Options()
        options.stopAtFirstFinding = true
        options.waitForWriters = waitForWriters
        options.verifySignatures = signatures
        let loaded = StateCache.loaded(ledger: path)
        var resume = loaded?.resume
        if signatures, let r = resume, !r.signaturesChecked {
            if let f = try Replay.checkSignatures(path: path, fromLine: r.signedLines, offset: r.signedOffset, throughLine: r.lines) {
                throw AppendError.invalidLedger(path: path, f)
            }
            resume?.signedLines = r.lines
            resume?.signedOffset = r.offset
        }
        let archive = loaded?.archive ?? .empty
        let closed = ClosedArchive.Pending(ledger: path, after: archive)
        let replay = try Replay.run(path: path, options: options, resume: resume, onClose: { closed.add($0) })
        if let f = replay.findings.first { throw AppendError.invalidLedger(path: path, f) }
        if signatures {
            return Current(replay: replay, resume: resume, signedLines: replay.lines, signedOffset: replay.validLength,
                           archive: archive, closed: closed)
        }
        return Current(replay: replay, resume: resume, signedLines: resume?.signedLines ?? 0, signedOffset: resume?.signedOffset ?? 0,
                       archive: archive, closed: closed)
    }

    /// Reads the ledger's current state (read-only; no lock needed: appends are whole lines, and a
    /// last line without its newline is read again under a shared lock, after any append in
    /// progress, before it counts as torn). Resumes from the checkpoint and checks no signature;
    /// when it replayed lines the checkpoint did not cover, it writes the checkpoint it built
    /// (recording which lines' signatures were checked), so the next read or append starts from
    /// there — unless not `cache` (a ledger read from standard input).
    public static func state(path: String, cache: Bool = true) throws -> LedgerState {
        try stateAndArchive(path: path, cache: cache).state
    }

    /// The state (as `state`) and the archive mark that goes with it (nil without a cache, or
    /// when the cache could not be written).
    static func stateAndArchive(path: String, cache: Bool) throws -> (state: LedgerState, archive: ArchiveMark?) {
        let current: Current
        do { current = try Self.current(path: path, signatures: false, waitForWriters: true) } catch AppendError.invalidLedger(let p, let f) {
            throw AppendError.unreadable(path: p, f)
        }
        let replay = current.replay
        guard let state = replay.state else {
            throw AppendError.unreadable(path: path, LedgerFinding(.emptyLedger, line: 0, "no genesis"))
        }
        guard cache else { return (state, nil) }
        if current.isBehind { return (state, current.saveIfBehind(path: path)) }
        return (state, current.archive)
    }

    /// The ledger's state and its closed tasks, in closing order: read from the archive beside
    /// the state cache (checked line by line against the mark the cache records; an archive that
    /// does not match is rebuilt by a whole replay), or, without `cache` (a ledger read from
    /// standard input), collected by a replay.
    public static func closedTasks(path: String, cache: Bool = true) throws -> (state: LedgerState, closed: [TaskState]) {
        var state: LedgerState?
        var out: [TaskState] = []
        try eachClosedTask(path: path, cache: cache, places: false, start: { state = $0; out = [] }, each: { t, _ in out.append(t) })
        return (state!, out)
    }

    /// The ledger's closed tasks one at a time, without keeping them: `start` gets the state (and
    /// again, after a reset, when the archive did not match and is rebuilt), then `each` every
    /// closed task in closing order with where its archive line is (``ClosedArchive/read(ledger:at:)``
    /// reads it again), or nil when it came from a replay (without `cache`: keep the task).
    public static func eachClosedTask(path: String, cache: Bool = true, start: (LedgerState) throws -> Void,
                                      each: (TaskState, ClosedArchive.Place?) throws -> Void) throws {
        try eachClosedTask(path: path, cache: cache, places: true, start: start, each: each)
    }

    /// As above; `places`: whether `each` gets the archive lines' places (each line's SHA-256).
    static func eachClosedTask(path: String, cache: Bool, places: Bool, start: (LedgerState) throws -> Void,
                               each: (TaskState, ClosedArchive.Place?) throws -> Void) throws {
        if cache {
            for attempt in 1...2 {
                let (state, mark) = try stateAndArchive(path: path, cache: true)
                guard let mark else { break }
                try start(state)
                do {
                    try ClosedArchive.scan(ledger: path, mark: mark, places: places, each)
                    return
                } catch is ClosedArchive.Mismatch where attempt == 1 {
                    // Never trusted: drop the cache, so the next read replays and rewrites both.
                    try? FileIO.removeFile(StateCache.path(forLedger: path))
                }
            }
        }
        var options = Replay.Options()
        options.stopAtFirstFinding = true
        options.waitForWriters = true
        options.verifySignatures = false
        var closed: [TaskState] = []
        let replay = try Replay.run(path: path, options: options, onClose: { closed.append($0) })
        if let f = replay.findings.first { throw AppendError.unreadable(path: path, f) }
        guard let state = replay.state else {
            throw AppendError.unreadable(path: path, LedgerFinding(.emptyLedger, line: 0, "no genesis"))
        }
        try start(state)
        for t in closed { try each(t, nil) }
    }

    /// The closed tasks `keep` accepts, as of `state` (the state an append builds on, or a read
    /// showed): from the archive the cache on disk points to, plus the tasks closed by the lines
    /// written after the cache, up to `state` (a batch's state may be ahead of the file: tasks
    /// closed by its lines not yet written are not found); by a whole replay when there is no
    /// usable cache or its archive does not match.
    public static func closedTasks(path: String, at state: LedgerState, keep: @escaping (TaskState) -> Bool) throws -> [TaskState] {
        if let loaded = StateCache.loaded(ledger: path), loaded.resume.state.seq <= state.seq {
            var out: [TaskState] = []
            do {
                try ClosedArchive.scan(ledger: path, mark: loaded.archive) { if keep($0) { out.append($0) } }
                if loaded.resume.state.seq < state.seq {
                    var options = Replay.Options()
                    options.verifySignatures = false
                    _ = try Replay.run(path: path, options: options, resume: loaded.resume, onClose: { t in
                        if (t.closedSeq ?? 0) <= state.seq && keep(t) { out.append(t) }
                    })
                }
                return out
            } catch is ClosedArchive.Mismatch {}
        }
        var options = Replay.Options()
        options.verifySignatures = false
        var out: [TaskState] = []
        let replay = try Replay.run(path: path, options: options, onClose: { t in
            if keep(t) { out.append(t) }
        })
        guard replay.state?.seq ?? 0 >= state.seq else { return [] }
        return out.filter { ($0.closedSeq ?? 0) <= state.seq }
    }

    /// Replays the whole ledger without checking signatures (waiting for an append in progress),
    /// calling `onEntry` for each entry that applies (`log`), and — with `cache` — writes the
    /// checkpoint it built, keeping the signed prefix of the one it replaces. Returns the replay
    /// (its findings included).
    public static func read(path: String, cache: Bool = true, onEntry: @escaping (Entry, LedgerState) -> Void) throws -> Replay.Result {
        let prior = cache ? StateCache.load(ledger: path) : nil
        var options = Replay.Options()
        options.verifySignatures = false
        options.waitForWriters = true
        let closed = ClosedArchive.Pending(ledger: path, after: .empty)
        let replay = try Replay.run(path: path, options: options, onEntry: onEntry,
                                    onClose: cache ? { closed.add($0) } : nil)
        if cache, replay.isValid, let state = replay.state, replay.lines > (prior?.lines ?? 0) {
            StateCache.save(ledger: path, state: state, lines: replay.lines, offset: replay.validLength, lastLineLength: replay.lastLineLength,
                            signedLines: prior?.signedLines ?? 0, signedOffset: prior?.signedOffset ?? 0, closed: closed)
        }
        return replay
    }
}
