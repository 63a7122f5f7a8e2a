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
        guard let task else { try all(); return }
        // Open tasks are in the state; a closed one in the archive beside the state cache (or,
        // from standard input, collected by the replay).
        let (state, t, closing) = try options.reading { path -> (LedgerState, TaskState, [Payout]?) in
            let cache = !options.isStandardInput
            let state = try Session.state(path: path, cache: cache)
            let t = try Tasks.find(state, task, ledger: path)
            // A closed task's detail shows the payouts its closing line records.
            guard let seq = t.closedSeq else { return (state, t, nil) }
            return (state, t, try Describe.closingPayouts(ledger: path, line: seq))
        }
        // Phases move with time: judge them at the clock's time (or CROWDLEDGER_TIME), never
        // earlier than the last entry.
        let now = max(try Clock.now(), state.time)
        if json { Output.json(TaskView.json(t, now: now)); return }
        let phase = t.phase(at: now).rawValue
        for l in TaskView.text(t, now: now, closing: closing).split(separator: "\n", omittingEmptySubsequences: false) {
            let prefix = "  phase      \(phase)"
            Output.line(l.hasPrefix(prefix) ? "  phase      " + Self.paint(phase) + l.dropFirst(prefix.count) : String(l))
        }
    }

    /// Every task in publish order, as before closed tasks left the state, printed as it is read:
    /// a first pass over the archive keeps where each closed task's line is (and the column
    /// widths), a second reads them again one at a time in publish order, so memory holds the
    /// open state and one place per closed task, not the tasks.
    func all() throws {
        /// A task to print: kept (`kept[index]`: open, or from a replay) or closed (read again from its archive line).
        struct Item { let seq: Int64; let place: ClosedArchive.Place?; let index: Int }
        let right: Set<Int> = [4, 5]
        let (now, items, kept, widths, ledger) = try options.reading { path -> (Int64, [Item], [TaskState], [Int], String) in
            var now: Int64 = 0
            var items: [Item] = []
            var kept: [TaskState] = []
            var widths: [Int] = []
            try Session.eachClosedTask(path: path, cache: !options.isStandardInput, start: { state in
                // Phases move with time: judge them at the clock's time (or CROWDLEDGER_TIME),
                // never earlier than the last entry.
                now = max(try Clock.now(), state.time)
                kept = state.taskOrder.map { state.tasks[$0]! }
                items = kept.indices.map { Item(seq: kept[$0].publishSeq, place: nil, index: $0) }
                widths = []
                widen(&widths, TaskView.summaryHeader)
                for t in kept { widen(&widths, TaskView.summaryRow(t, now: now)) }
            }, each: { t, place in
                if !json { widen(&widths, TaskView.summaryRow(t, now: now)) }
                if place == nil { kept.append(t) }
                items.append(Item(seq: t.publishSeq, place: place, index: place == nil ? kept.count - 1 : -1))
            })
            items.sort { $0.seq < $1.seq }
            return (now, items, kept, widths, path)
        }
        func task(_ i: Item) throws -> TaskState { try i.place.map { try ClosedArchive.read(ledger: ledger, at: $0) } ?? kept[i.index] }
        if json {
            // The canonical JSON of {"tasks": [...], "time": now}, one task at a time.
            Output.write(Array("{\"tasks\":[".utf8))
            for (n, i) in items.enumerated() {
                Output.write((n == 0 ? [] : [UInt8(ascii: ",")]) + TaskView.json(try task(i), now: now).canonicalBytes)
            }
            Output.write(Array("],\"time\":\(now)}\n".utf8))
            return
        }
        if items.isEmpty { Output.line("no tasks"); return }
        Output.line(column(TaskView.summaryHeader, widths: widths, right: right))
        for i in items {
            let row = TaskView.summaryRow(try task(i), now: now)
            let l = column(row, widths: widths, right: right)
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

