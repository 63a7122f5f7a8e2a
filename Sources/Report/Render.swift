public import CanonicalJSON
import LedgerModel

extension LedgerReport {
    public enum Format: String, CaseIterable, Sendable {
        case text, json, csv, html
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .text: return text
        case .json: return String(decoding: json.canonicalBytes, as: UTF8.self) + "\n"
        case .csv: return csv
        case .html: return HTMLReport.render(self)
        }
    }

    // MARK: text

    public var text: String {
        var o: [String] = []
        o.append("crowdledger report — ledger \(name)")
        o.append("  ledger id  \(ledgerID)")
        o.append("  head       \(head) (line \(lines))")
        o.append("  verdict    \(valid ? "valid: verify found nothing wrong" : "INVALID: \(findings.count) finding(s)")")
        o.append("  as of      \(ISOTime.format(now))")
        o.append("  tool       crowdledger \(tool)")
        for f in findings { o.append("  finding    line \(f.line): \(f.code.rawValue): \(f.message)") }
        for t in tasks {
            o.append("")
            o.append("task \(t.id)")
            o.append("  verdict    \(t.verdict)")
            o.append("  program    \(t.program) \(t.params)\(t.programDigest.map { " (sha256 \($0))" } ?? "")")
            o.append("  requester  \(t.requester)")
            o.append("  reward \(t.reward), deposit \(t.deposit), workers \(t.workers), forfeit \(t.forfeit), coin \(t.coinMode)")
            o.append("  windows    join \(t.windows.join) s, coin \(t.windows.coin) s, commit \(t.windows.commit) s, reveal \(t.windows.reveal) s")
            for i in t.inputs { o.append("  input      \(i.name) \(i.size) bytes sha256 \(i.digest)") }
            if !t.eck.isEmpty { o.append("  E_ck       \(t.eck.joined(separator: ", "))") }
            if let p = t.payment { o.append("  payment    \(p.amount) to seller \(p.seller) if precision >= \(p.num)/\(p.den) (\(Ratio.percent(p.num, p.den)))") }
            if let e = t.evaluation {
                o.append(e.k > 0 ? "  precision  \(e.correct)/\(e.k) = \(Ratio.percent(e.correct, e.k)); threshold \(e.num)/\(e.den) = \(Ratio.percent(e.num, e.den)): \(e.met ? "met" : "not met")"
                                 : "  precision  no agreed, readable evaluation")
            }
            o.append("  phase      \(t.phase)")
            o.append("  phases:")
            for p in t.phases { o.append("    \(pad(p.name, 10)) \(ISOTime.format(p.time))  line \(p.line.map(String.init) ?? "-")  \(p.note)") }
            o.append("  deadlines: " + t.deadlines.map { "\($0.0) \(ISOTime.format($0.1))" }.joined(separator: ", "))
            o.append("  workers by result:")
            for g in t.groups { o.append("    \(g.isResult ? "result " + g.label : g.label): \(g.accounts.count) — \(g.accounts.joined(separator: ", "))") }
            o.append("  " + columns([["worker", "state", "deposit returned", "reward paid", "clause"]] +
                t.rows.map { [$0.account, $0.state, String($0.depositReturned), String($0.rewardPaid), $0.clause ?? "-"] }, right: [2, 3])
                .joined(separator: "\n  "))
            if !t.payouts.isEmpty {
                o.append("  payouts:")
                for p in t.payouts { o.append("    \(p.account) (\(p.role)) +\(p.amount) \(p.clause): \(p.words)") }
                if t.burned > 0 { o.append("    burned \(t.burned)") }
            }
            for f in t.findings { o.append("  finding    line \(f.line): \(f.code.rawValue): \(f.message)") }
        }
        o.append("")
        o.append(columns([["account", "balance"]] + balances.map { [$0.0, String($0.1)] } +
                         [["escrow", String(escrow)], ["burned", String(burned)], ["total", String(total)]], right: [1]).joined(separator: "\n"))
        return o.joined(separator: "\n") + "\n"
    }

    // MARK: json

    public var json: JSON {
        func finding(_ f: LedgerFinding) -> JSON { .object(["code": .string(f.code.rawValue), "line": .int(Int64(f.line)), "message": .string(f.message)]) }
        let taskList: [JSON] = tasks.map { t in
            var o: JSONObject = [
                "id": .string(t.id), "requester": .string(t.requester), "program": .string(t.program),
                "params": (try? JSON.parse(t.params)) ?? .null,
                "inputs": .array(t.inputs.map { .object(["digest": .string($0.digest), "name": .string($0.name), "size": .int($0.size)]) }),
                "reward": .int(t.reward), "deposit": .int(t.deposit), "workers": .int(t.workers), "forfeit": .string(t.forfeit),
                "coin": .string(t.coinMode), "eck": .array(t.eck.map(JSON.string)),
                "windows": .object(["join": .int(t.windows.join), "coin": .int(t.windows.coin), "commit": .int(t.windows.commit), "reveal": .int(t.windows.reveal)]),
                "phase": .string(t.phase),
                "phases": .array(t.phases.map { .object(["name": .string($0.name), "time": .int($0.time), "line": $0.line.map(JSON.int) ?? .null, "note": .string($0.note)]) }),
                "deadlines": .object(Dictionary(uniqueKeysWithValues: t.deadlines.map { ($0.0, JSON.int($0.1)) })),
                "rows": .array(t.rows.map { r in
                    var w: JSONObject = ["account": .string(r.account), "state": .string(r.state), "deposit_returned": .int(r.depositReturned), "reward_paid": .int(r.rewardPaid)]
                    if let d = r.digest { w["digest"] = .string(d) }
                    if let c = r.clause { w["clause"] = .string(c) }
                    return .object(w)
                }),
                "groups": .array(t.groups.map { .object(["label": .string($0.label), "result": .bool($0.isResult), "accounts": .array($0.accounts.map(JSON.string))]) }),
                "payouts": .array(t.payouts.map { .object(["account": .string($0.account), "role": .string($0.role), "amount": .int($0.amount), "clause": .string($0.clause), "words": .string($0.words)]) }),
                "burned": .int(t.burned), "verdict": .string(t.verdict), "findings": .array(t.findings.map(finding)),
            ]
            if let d = t.programDigest { o["program_digest"] = .string(d) }
            if let a = t.allow { o["allow"] = .array(a.map(JSON.string)) }
            if let out = t.outcome { o["outcome"] = .string(out) }
            if let r = t.result { o["result"] = .string(r) }
            if let p = t.payment { o["payment"] = .object(["amount": .int(p.amount), "seller": .string(p.seller), "threshold": .object(["num": .int(p.num), "den": .int(p.den)])]) }
            if let e = t.evaluation, e.k > 0 {
                o["evaluation"] = .object(["correct": .int(e.correct), "k": .int(e.k), "met": .bool(e.met),
                                           "precision": .string(Ratio.percent(e.correct, e.k)), "threshold": .string(Ratio.percent(e.num, e.den))])
            }
            return .object(o)
        }
        return .object([
            "ledger": .string(ledgerID), "name": .string(name), "head": .string(head), "lines": .int(Int64(lines)),
            "tool": .string("crowdledger \(tool)"), "time": .int(now), "valid": .bool(valid),
            "findings": .array(findings.map(finding)), "tasks": .array(taskList),
            "balances": .object(["accounts": .object(Dictionary(uniqueKeysWithValues: balances.map { ($0.0, JSON.int($0.1)) })),
                                 "escrow": .int(escrow), "burned": .int(burned), "total": .int(total)]),
        ])
    }

    // MARK: csv

    /// One row per payout line of every task's workers and payees.
    public static let csvHeader = ["task", "account", "role", "state", "result", "deposit_returned", "reward_paid", "amount", "clause", "clause_in_words"]

    public var csv: String {
        var out = Self.csvHeader.joined(separator: ",") + "\r\n"
        for t in tasks {
            for r in t.rows {
                let total = r.depositReturned + r.rewardPaid
                out += [t.id, r.account, "worker", r.state, r.digest ?? "", String(r.depositReturned), String(r.rewardPaid), String(total),
                        r.clause ?? "", r.clause.map(ClauseWords.words) ?? ""].map(Export.csvField).joined(separator: ",") + "\r\n"
            }
            for p in t.payouts where p.role != "worker" {
                out += [t.id, p.account, p.role, "", "", "", "", String(p.amount), p.clause, p.words].map(Export.csvField).joined(separator: ",") + "\r\n"
            }
        }
        return out
    }
}

func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }

/// Rows as aligned columns (two spaces apart); the columns in `right` are right-aligned.
public func columns(_ rows: [[String]], right: Set<Int> = []) -> [String] {
    var widths: [Int] = []
    for r in rows { widen(&widths, r) }
    return rows.map { column($0, widths: widths, right: right) }
}

/// Widens `widths` to fit `row` (the first pass of ``columns(_:right:)``, one row at a time).
public func widen(_ widths: inout [Int], _ row: [String]) {
    for (i, c) in row.enumerated() { if i >= widths.count { widths.append(0) }; widths[i] = max(widths[i], c.count) }
}

/// One row as ``columns(_:right:)`` prints it, given every row's `widths`.
public func column(_ r: [String], widths: [Int], right: Set<Int> = []) -> String {
    r.enumerated().map { i, c in
        let fill = String(repeating: " ", count: widths[i] - c.count)
        if i == r.count - 1 && !right.contains(i) { return c }
        return right.contains(i) ? fill + c : c + fill
    }.joined(separator: "  ")
}
