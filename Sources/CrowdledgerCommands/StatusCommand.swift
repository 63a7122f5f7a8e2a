import ArgumentParser
import Audit
import Client
import CanonicalJSON
import Contract
import Incentives
import Report

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every task's phase, or one task in detail.")
    @OptionGroup var options: LedgerOptions
    @Argument(help: "A task id (or a unique prefix of at least 6 hex digits); all tasks when omitted.") var task: String?
    @Flag(name: .long, help: "Print JSON.") var json = false

    func run() throws {
        let state = try Session.state(path: options.path)
        // Phases move with time: judge them at the clock's time (or CROWDLEDGER_TIME), never
        // earlier than the last entry.
        let now = max(try Clock.now(), state.time)
        if let task {
            let t = try Tasks.find(state, task)
            if json { Output.json(TaskView.json(t, now: now)) } else { Output.line(TaskView.text(t, now: now)) }
            return
        }
        let tasks = state.taskOrder.map { state.tasks[$0]! }
        if json {
            Output.json(.object(["tasks": .array(tasks.map { TaskView.json($0, now: now) }), "time": .int(now)]))
            return
        }
        if tasks.isEmpty { Output.line("no tasks"); return }
        for l in columns([TaskView.summaryHeader] + tasks.map { TaskView.summaryRow($0, now: now) }, right: [4, 5]) { Output.line(l) }
    }
}

