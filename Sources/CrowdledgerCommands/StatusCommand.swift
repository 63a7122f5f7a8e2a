import ArgumentParser
import Audit
import Client
import CanonicalJSON
import Contract
import Incentives
import Report

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every task's phase, or one task in detail.",
        discussion: helpText("On a terminal, phases are in colour (never with NO_COLOR set, nor when piped).",
                             examples: "crowdledger status", "crowdledger status \"$TASK\" --json"))
    @OptionGroup var options: ReadLedgerOptions
    @Argument(help: "A task id (or a unique prefix of at least 6 hex digits); all tasks when omitted.") var task: String?
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        // Open tasks are in the state; closed ones in the archive beside the state cache (or,
        // from standard input, collected by the replay).
        let (state, found, closed, closing) = try options.reading { path -> (LedgerState, TaskState?, [TaskState], [Payout]?) in
            let cache = !options.isStandardInput
            guard let task else {
                let (state, closed) = try Session.closedTasks(path: path, cache: cache)
                return (state, nil, closed, nil)
            }
            let state = try Session.state(path: path, cache: cache)
            let t = try Tasks.find(state, task, ledger: path)
            // A closed task's detail shows the payouts its closing line records.
            guard let seq = t.closedSeq else { return (state, t, [], nil) }
            return (state, t, [], try Describe.closingPayouts(ledger: path, line: seq))
        }
        // Phases move with time: judge them at the clock's time (or CROWDLEDGER_TIME), never
        // earlier than the last entry.
        let now = max(try Clock.now(), state.time)
        if let t = found {
            if json { Output.json(TaskView.json(t, now: now)); return }
            let phase = t.phase(at: now).rawValue
            for l in TaskView.text(t, now: now, closing: closing).split(separator: "\n", omittingEmptySubsequences: false) {
                let prefix = "  phase      \(phase)"
                Output.line(l.hasPrefix(prefix) ? "  phase      " + Self.paint(phase) + l.dropFirst(prefix.count) : String(l))
            }
            return
        }
        // Every task in publish order, as before closed tasks left the state.
        let tasks = (closed + state.taskOrder.map { state.tasks[$0]! }).sorted { $0.publishSeq < $1.publishSeq }
        if json {
            Output.json(.object(["tasks": .array(tasks.map { TaskView.json($0, now: now) }), "time": .int(now)]))
            return
        }
        if tasks.isEmpty { Output.line("no tasks"); return }
        let rows = tasks.map { TaskView.summaryRow($0, now: now) }
        let lines = columns([TaskView.summaryHeader] + rows, right: [4, 5])
        Output.line(lines[0])
        for (l, row) in zip(lines.dropFirst(), rows) {
            // The phase is the second column, after the task id and two spaces.
            let id = row[0], phase = row[1]
            if l.hasPrefix(id + "  " + phase) {
                Output.line(id + "  " + Self.paint(phase) + l.dropFirst(id.count + 2 + phase.count))
            } else {
                Output.line(l)
            }
        }
    }

    /// A phase in colour on a terminal: settled green, aborted and cancelled red, open phases yellow.
    static func paint(_ phase: String) -> String {
        switch phase {
        case "settled": return Terminal.paint(phase, .green)
        case "aborted", "cancelled": return Terminal.paint(phase, .red)
        default: return Terminal.paint(phase, .yellow)
        }
    }
}

