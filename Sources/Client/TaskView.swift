public import CanonicalJSON
public import Contract

/// What `status` shows of a task, as text and as JSON (the JSON members are documented in
/// docs/WORKFLOW.md).
public enum TaskView {
    static func outcome(_ t: TaskState, _ w: String) -> String {
        let digest = t.reveals[w]?.digest ?? ""
        switch t.workerState(w) {
        case .joined: return "joined"
        case .committed: return "committed"
        case .revealed: return "revealed \(digest)"
        case .wrongOpening: return "revealed a wrong opening"
        case .trivialResult: return "revealed a trivial result (E_ck) \(digest)"
        }
    }

    /// `{"account","state"[,"digest"]}` with state one of joined, committed, revealed,
    /// wrong-opening, trivial-result.
    static func worker(_ t: TaskState, _ w: String) -> JSON {
        var o: JSONObject = ["account": .string(w), "state": .string(t.workerState(w).rawValue)]
        if let r = t.reveals[w] { o["digest"] = .string(r.digest) }
        return .object(o)
    }

    static func deadlines(_ t: TaskState) -> JSONObject {
        var d: JSONObject = ["join": .int(t.joinDeadline)]
        if let c = t.coinDeadline, case .committed = t.coinMode { d["coin"] = .int(c) }
        if let c = t.commitDeadline { d["commit"] = .int(c) }
        if let r = t.revealDeadline { d["reveal"] = .int(r) }
        return d
    }

    public static func json(_ t: TaskState, now: Int64) -> JSON {
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

    /// The task in detail. `closing`: the payouts its settle or cancel line records
    /// (``Describe/closingPayouts(ledger:line:)``), shown for a closed task.
    public static func text(_ t: TaskState, now: Int64, closing: [Payout]? = nil) -> String {
        var lines: [String] = []
        lines.append("task \(t.id)")
        if let at = t.closedAt, let seq = t.closedSeq {
            lines.append("  phase      \(t.phase(at: now).rawValue) at \(iso(at)) (line \(seq))")
        } else {
            lines.append("  phase      \(t.phase(at: now).rawValue) (at \(iso(now)))")
        }
        lines.append("  program    \(t.program.name) \(JSON.object(t.program.params).canonicalString)")
        lines.append("  requester  \(t.requester)")
        lines.append("  reward \(t.reward), deposit \(t.deposit), workers \(t.joined.count)/\(t.workers), escrowed \(t.escrowed), forfeit \(t.forfeit.rawValue)")
        // In protocol order; while the task is open, a deadline already behind `now` is marked.
        let d = deadlines(t)
        let open = t.closed == nil
        lines.append("  deadlines  " + ["join", "coin", "commit", "reveal"].compactMap { name -> String? in
            guard let v = d[name]?.intValue else { return nil }
            return "\(name) \(iso(v))" + (open && v < now ? " (passed)" : "")
        }.joined(separator: ", "))
        if let c = t.coinHex { lines.append("  coin       \(c)") }
        for w in t.joined { lines.append("  worker     \(w)  \(outcome(t, w))") }
        if let r = t.agreedResult { lines.append("  agreed     \(r)") }
        for p in closing ?? [] { lines.append("  payout     \(p.account)  +\(p.amount)  \(p.clause)") }
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

    /// The columns of `status` without a task (`summaryHeader` names them).
    public static let summaryHeader = ["task", "phase", "program", "workers", "reward", "deposit"]
    public static func summaryRow(_ t: TaskState, now: Int64) -> [String] {
        [t.id, t.phase(at: now).rawValue, t.program.name, "\(t.joined.count)/\(t.workers)", String(t.reward), String(t.deposit)]
    }

    /// Unix seconds as ISO 8601 UTC, with integers only (days-to-civil).
    public static func iso(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secs = seconds - days * 86400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func p(_ v: Int64, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(secs / 3600, 2)):\(p(secs % 3600 / 60, 2)):\(p(secs % 60, 2))Z"
    }
}
