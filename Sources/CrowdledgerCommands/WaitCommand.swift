import ArgumentParser
import CanonicalJSON
import Client
import Contract
import LedgerModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct WaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until a task reaches a phase (for worker and requester scripts).",
        discussion: """
        PHASE: coin (the task filled), commit (the coin is out), reveal, settleable (a settle \
        would be accepted now), or closed (settled, aborted or cancelled). Exits 0 once the task \
        is there (at once if it is already past it); 1 (code aborted) if the task was aborted or \
        cancelled first; 1 (code timeout) after --timeout seconds. Phases are judged at the clock \
        (or $CROWDLEDGER_TIME, which does not move: then it only checks once). Examples:
          crowdledger wait "$TASK" --for settleable --timeout 3600
          crowdledger wait "$TASK" --for coin --interval 5 --json
        """)

    enum Target: String, CaseIterable { case coin, commit, reveal, settleable, closed }

    @OptionGroup var options: LedgerOptions
    @Argument(help: "The task id (or a unique prefix of at least 6 hex digits).") var task: String
    @Option(name: .customLong("for"), help: ArgumentHelp("coin, commit, reveal, settleable or closed.", valueName: "PHASE")) var target: String
    @Option(name: .long, help: ArgumentHelp("Give up after this many seconds (default: wait forever).", valueName: "S")) var timeout: Int64?
    @Option(name: .long, help: ArgumentHelp("Seconds between checks (default 1).", valueName: "S")) var interval: Int64 = 1
    @Flag(name: .long, help: "Print {\"phase\",\"time\"} (errors: one JSON object on stderr).") var json = false

    func run() throws {
        guard let goal = Target(rawValue: target) else {
            throw ToolError.usage("--for must be one of \(Target.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(target)\"")
        }
        if let timeout, timeout < 0 { throw ToolError.usage("--timeout must be a non-negative number of seconds, got \(timeout)") }
        guard interval > 0 else { throw ToolError.usage("--interval must be a positive number of seconds, got \(interval)") }
        let fixedClock = getenv("CROWDLEDGER_TIME") != nil
        let start = Clock.system()
        while true {
            let state = try Session.state(path: options.path)
            let t = try Tasks.find(state, task, ledger: options.path)
            let now = max(try Clock.now(), state.time)
            let phase = t.phase(at: now)
            if reached(goal, t, phase, now) {
                if json { Output.json(.object(["phase": .string(phase.rawValue), "time": .int(now)])) } else { Output.line(phase.rawValue) }
                return
            }
            if phase == .aborted || phase == .cancelled || (phase == .settled && goal != .closed) {
                throw Diagnostic(.invalid, code: "aborted", file: options.path, "task \(t.id) is \(phase.rawValue): it will never reach \(goal.rawValue)")
            }
            let waited = Clock.system() - start
            if fixedClock || (timeout.map { waited >= $0 } ?? false) {
                throw Diagnostic(.invalid, code: "timeout", file: options.path,
                                 "task \(t.id) is still in phase \(phase.rawValue) \(fixedClock ? "at CROWDLEDGER_TIME \(now) (a fixed clock does not move)" : "after \(waited) s"); it has not reached \(goal.rawValue)")
            }
            sleep(UInt32(min(interval, timeout.map { max(1, $0 - waited) } ?? interval)))
        }
    }

    func reached(_ goal: Target, _ t: TaskState, _ phase: TaskPhase, _ now: Int64) -> Bool {
        let order: [TaskPhase] = [.joining, .coin, .commit, .reveal, .settled]
        let rank = order.firstIndex(of: phase)
        switch goal {
        case .coin: return rank.map { $0 >= 1 } ?? false
        case .commit: return rank.map { $0 >= 2 } ?? false
        case .reveal: return rank.map { $0 >= 3 } ?? false
        case .settleable: return t.closed == nil && (try? Contract.settlement(t, at: now)) != nil || phase == .settled
        case .closed: return t.closed != nil
        }
    }
}
