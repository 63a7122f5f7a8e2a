import ArgumentParser
import Audit
import Client
import CanonicalJSON
import Contract
import Incentives

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
        for t in tasks {
            Output.line("\(t.id)  \(t.phase(at: now).rawValue)  \(t.program.name)  workers \(t.joined.count)/\(t.workers)  reward \(t.reward)  deposit \(t.deposit)")
        }
    }
}

enum TaskView {
    static func outcome(_ t: TaskState, _ w: String) -> String {
        guard t.commits[w] != nil else { return "joined" }
        guard let r = t.reveals[w] else { return "committed" }
        switch r.outcome {
        case .revealed: return "revealed \(r.digest)"
        case .wrongOpening: return "revealed a wrong opening"
        case .trivialResult: return "revealed a trivial result (E_ck) \(r.digest)"
        default: return "revealed"
        }
    }

    /// `{"account","state"[,"digest"]}` with state one of joined, committed, revealed,
    /// wrong-opening, trivial-result.
    static func worker(_ t: TaskState, _ w: String) -> JSON {
        var o: JSONObject = ["account": .string(w)]
        if t.commits[w] == nil {
            o["state"] = "joined"
        } else if let r = t.reveals[w] {
            switch r.outcome {
            case .wrongOpening: o["state"] = "wrong-opening"
            case .trivialResult: o["state"] = "trivial-result"
            default: o["state"] = "revealed"
            }
            o["digest"] = .string(r.digest)
        } else {
            o["state"] = "committed"
        }
        return .object(o)
    }

    static func deadlines(_ t: TaskState) -> JSONObject {
        var d: JSONObject = ["join": .int(t.joinDeadline)]
        if let c = t.coinDeadline, case .committed = t.coinMode { d["coin"] = .int(c) }
        if let c = t.commitDeadline { d["commit"] = .int(c) }
        if let r = t.revealDeadline { d["reveal"] = .int(r) }
        return d
    }

    static func json(_ t: TaskState, now: Int64) -> JSON {
        var o: JSONObject = [
            "id": .string(t.id), "phase": .string(t.phase(at: now).rawValue), "program": .string(t.program.name),
            "requester": .string(t.requester), "reward": .int(t.reward), "deposit": .int(t.deposit),
            "workers": .int(Int64(t.workers)), "escrowed": .int(t.escrowed),
            "deadlines": .object(deadlines(t)),
            "joined": .array(t.joined.map { w in worker(t, w) }),
            "forfeit": .string(t.forfeit.rawValue),
            "params": .object(t.program.params),
            "eck": .array(t.eck.map(JSON.string)),
            "windows": .object(["coin": .int(t.windows.coin), "commit": .int(t.windows.commit),
                                "join": .int(t.windows.join), "reveal": .int(t.windows.reveal)]),
            "inputs": .array(t.inputs.map { .object(["digest": .string($0.digest), "name": .string($0.name), "size": .int($0.size)]) }),
        ]
        if let c = t.coinHex { o["coin"] = .string(c) }
        if let r = t.agreedResult { o["result"] = .string(r) }
        if let p = t.payment {
            o["payment"] = .object(["amount": .int(p.amount), "seller": .string(p.seller),
                                    "threshold": .object(["den": .int(p.den), "num": .int(p.num)])])
        }
        if let settle = try? Contract.settlement(t, at: now), t.closed == nil {
            o["settleable"] = .string(settle.outcome)
        }
        return .object(o)
    }

    static func text(_ t: TaskState, now: Int64) -> String {
        var lines: [String] = []
        lines.append("task \(t.id)")
        lines.append("  phase      \(t.phase(at: now).rawValue) (at time \(now))")
        lines.append("  program    \(t.program.name) \(JSON.object(t.program.params).canonicalString)")
        lines.append("  requester  \(t.requester)")
        lines.append("  reward \(t.reward), deposit \(t.deposit), workers \(t.joined.count)/\(t.workers), escrowed \(t.escrowed), forfeit \(t.forfeit.rawValue)")
        let d = deadlines(t)
        lines.append("  deadlines  " + d.map { "\($0.key) \($0.value.intValue ?? 0)" }.joined(separator: ", "))
        if let c = t.coinHex { lines.append("  coin       \(c)") }
        for w in t.joined { lines.append("  worker     \(w)  \(outcome(t, w))") }
        if let r = t.agreedResult { lines.append("  agreed     \(r)") }
        if t.closed == nil {
            do {
                let s = try Contract.settlement(t, at: now)
                lines.append("  settle     possible now (\(s.outcome))")
            } catch {
                lines.append("  settle     not yet: \(error.message)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
