import LedgerModel

/// The report as one self-contained HTML page: inline CSS and SVG only (no script, no font, no
/// network), readable on screen and printed. Integer coordinates throughout.
public enum HTMLReport {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    public static func escape(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&#39;"
            default: o.append(c)
            }
        }
        return o
    }

    static func short(_ id: String) -> String { String(id.prefix(12)) + "…" }
    static func code(_ s: String) -> String { "<code>\(escape(s))</code>" }
    static func idCell(_ id: String) -> String { "<code title=\"\(escape(id))\">\(escape(short(id)))</code>" }

    static let style = """
    :root { color-scheme: light; }
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1b1b1b; background: #fff;
           max-width: 1100px; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; }
    h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.25rem; border-bottom: 2px solid #ddd; padding-bottom: .2rem; margin-top: 2rem; }
    h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .88em; }
    table { border-collapse: collapse; margin: .4rem 0 .8rem; font-size: .92rem; }
    th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
    th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
    dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .4rem 0; }
    dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; word-break: break-all; }
    .verdict { display: inline-block; padding: .3rem .7rem; border-radius: .3rem; font-weight: 700; }
    .ok { background: #e3f4e6; color: #14532d; border: 1px solid #7cc48b; } .bad { background: #fde7e7; color: #7f1d1d; border: 1px solid #e58b8b; }
    section.task { border: 1px solid #ddd; border-radius: .4rem; padding: .2rem 1rem 1rem; margin: 1.2rem 0; }
    svg { display: block; max-width: 100%; height: auto; } svg text { font-family: inherit; }
    .muted { color: #666; }
    @media print {
      body { margin: 0; max-width: none; font-size: 10pt; }
      section.task, table, svg { break-inside: avoid; }
      h2 { break-after: avoid; }
      .verdict { border-width: 2px; }
    }
    """

    public static func render(_ r: LedgerReport) -> String {
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>crowdledger report — \(escape(r.name))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        <header>
        <h1>crowdledger report — \(escape(r.name))</h1>
        <p><span class="verdict \(r.valid ? "ok" : "bad")">\(r.valid ? "Valid: verify found nothing wrong" : "INVALID: \(r.findings.count) finding(s)")</span></p>
        <dl class="meta">
        <dt>Ledger id</dt><dd>\(code(r.ledgerID))</dd>
        <dt>Head</dt><dd>\(code(r.head)) (line \(r.lines))</dd>
        <dt>Entries</dt><dd>\(r.lines), from \(ISOTime.format(r.firstTime)) to \(ISOTime.format(r.lastTime))</dd>
        <dt>Tasks</dt><dd>\(r.tasks.count)</dd>
        <dt>As of</dt><dd>\(ISOTime.format(r.now))</dd>
        <dt>Tool</dt><dd>crowdledger \(escape(r.tool))</dd>
        </dl>

        """
        h += findingsTable(r.findings, empty: "No findings: every line, link, signature, phase, deadline, opening and payout checks out.")
        h += "</header>\n<h2>Balances</h2>\n"
        h += "<table><thead><tr><th>account</th><th>balance</th></tr></thead><tbody>\n"
        for (a, b) in r.balances { h += "<tr><td>\(code(a))</td><td class=\"n\">\(b)</td></tr>\n" }
        h += "<tr><td>escrow</td><td class=\"n\">\(r.escrow)</td></tr><tr><td>burned</td><td class=\"n\">\(r.burned)</td></tr>"
        h += "<tr><th>total (genesis)</th><th class=\"n\">\(r.total)</th></tr></tbody></table>\n"
        h += "<h3>Each account's balance over the ledger</h3>\n" + balanceChart(r)
        for t in r.tasks { h += task(t) }
        h += "<footer><p class=\"muted\">Made by crowdledger \(escape(r.tool)) from ledger \(code(r.ledgerID)) at head \(code(r.head)). Times are UTC (ISO 8601). Check it yourself: <code>crowdledger verify</code>.</p></footer>\n"
        h += "</body>\n</html>\n"
        return h
    }

    static func findingsTable(_ fs: [LedgerFinding], empty: String) -> String {
        guard !fs.isEmpty else { return "<p>\(escape(empty))</p>\n" }
        var h = "<table><thead><tr><th>line</th><th>code</th><th>finding</th></tr></thead><tbody>\n"
        for f in fs { h += "<tr><td class=\"n\">\(f.line)</td><td>\(code(f.code.rawValue))</td><td>\(escape(f.message))</td></tr>\n" }
        return h + "</tbody></table>\n"
    }

    static func task(_ t: LedgerReport.TaskReport) -> String {
        var h = "<section class=\"task\">\n<h2>Task \(code(t.id))</h2>\n"
        let ok = t.findings.isEmpty
        h += "<p><span class=\"verdict \(ok ? "ok" : "bad")\">\(escape(t.verdict))</span></p>\n"
        h += "<dl class=\"meta\">\n"
        h += "<dt>Program</dt><dd>\(code(t.program)) \(code(t.params))\(t.programDigest.map { " sha256 " + code($0) } ?? "")</dd>\n"
        h += "<dt>Requester</dt><dd>\(code(t.requester))</dd>\n"
        h += "<dt>Reward / deposit / workers</dt><dd>\(t.reward) / \(t.deposit) / \(t.workers)</dd>\n"
        h += "<dt>Forfeit, coin</dt><dd>\(escape(t.forfeit)), \(escape(t.coinMode))</dd>\n"
        h += "<dt>Windows</dt><dd>join \(t.windows.join) s, coin \(t.windows.coin) s, commit \(t.windows.commit) s, reveal \(t.windows.reveal) s</dd>\n"
        for i in t.inputs { h += "<dt>Input</dt><dd>\(escape(i.name)), \(i.size) bytes, sha256 \(code(i.digest))</dd>\n" }
        if !t.eck.isEmpty { h += "<dt>E_ck</dt><dd>\(t.eck.map(code).joined(separator: ", "))</dd>\n" }
        if let a = t.allow { h += "<dt>Allowed workers</dt><dd>\(a.map(code).joined(separator: ", "))</dd>\n" }
        if let p = t.payment {
            h += "<dt>Payment</dt><dd>\(p.amount) to seller \(code(p.seller)) if precision ≥ \(p.num)/\(p.den) (\(Ratio.percent(p.num, p.den)))</dd>\n"
        }
        if let e = t.evaluation {
            h += e.k > 0 ? "<dt>Precision</dt><dd>\(e.correct)/\(e.k) = \(Ratio.percent(e.correct, e.k)); threshold \(e.num)/\(e.den) = \(Ratio.percent(e.num, e.den)): <strong>\(e.met ? "met" : "not met")</strong></dd>\n"
                         : "<dt>Precision</dt><dd>no agreed, readable evaluation</dd>\n"
        }
        h += "<dt>Phase now</dt><dd>\(escape(t.phase))</dd>\n</dl>\n"
        h += "<h3>Phases</h3>\n<table><thead><tr><th>phase</th><th>time (UTC)</th><th>line</th><th></th></tr></thead><tbody>\n"
        for p in t.phases {
            h += "<tr><td>\(escape(p.name))</td><td>\(ISOTime.format(p.time))</td><td class=\"n\">\(p.line.map(String.init) ?? "")</td><td>\(escape(p.note))</td></tr>\n"
        }
        h += "</tbody></table>\n"
        h += "<p class=\"muted\">Deadlines: " + t.deadlines.map { "\($0.0) \(ISOTime.format($0.1))" }.joined(separator: "; ") + "</p>\n"
        h += timeline(t)
        h += "<h3>Workers by result</h3>\n<table><thead><tr><th>result</th><th>workers</th></tr></thead><tbody>\n"
        for g in t.groups {
            h += "<tr><td>\(g.isResult ? "sha256 " + code(g.label) : escape(g.label))</td><td>\(g.accounts.count): \(g.accounts.map(idCell).joined(separator: ", "))</td></tr>\n"
        }
        h += "</tbody></table>\n"
        h += "<table><thead><tr><th>worker</th><th>state</th><th>deposit returned</th><th>reward paid</th><th>clause</th></tr></thead><tbody>\n"
        for w in t.rows {
            h += "<tr><td>\(idCell(w.account))</td><td>\(escape(w.state))</td><td class=\"n\">\(w.depositReturned)</td><td class=\"n\">\(w.rewardPaid)</td><td>\(w.clause.map(code) ?? "")</td></tr>\n"
        }
        h += "</tbody></table>\n"
        if !t.payouts.isEmpty {
            h += "<h3>Payouts</h3>\n<table><thead><tr><th>to</th><th>role</th><th>amount</th><th>clause</th><th>why</th></tr></thead><tbody>\n"
            for p in t.payouts {
                h += "<tr><td>\(idCell(p.account))</td><td>\(escape(p.role))</td><td class=\"n\">\(p.amount)</td><td>\(code(p.clause))</td><td>\(escape(p.words))</td></tr>\n"
            }
            if t.burned > 0 { h += "<tr><td>burned</td><td></td><td class=\"n\">\(t.burned)</td><td></td><td>forfeited deposits, destroyed (forfeit = burn)</td></tr>\n" }
            h += "</tbody></table>\n"
        }
        h += "<h3>Findings on this task</h3>\n" + findingsTable(t.findings, empty: "None.")
        return h + "</section>\n"
    }

    /// A Gantt-like timeline: one row per phase event, a bar from it to the next event.
    static func timeline(_ t: LedgerReport.TaskReport) -> String {
        let ps = t.phases
        guard !ps.isEmpty else { return "" }
        let left = 110, width = 560, rowH = 26, top = 24
        let t0 = ps.first!.time, t1 = max(ps.last!.time, t0 + 1)
        let span = t1 - t0
        func x(_ time: Int64) -> Int { left + Int((time - t0) * Int64(width) / span) }
        let height = top + rowH * ps.count + 16
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"\(height)\" viewBox=\"0 0 900 \(height)\" role=\"img\" aria-label=\"Timeline of task \(escape(short(t.id)))\">\n"
        s += "<title>Timeline of task \(escape(t.id))</title>\n"
        s += "<text x=\"\(left)\" y=\"14\" font-size=\"11\" fill=\"#555\">\(ISOTime.format(t0))</text>"
        s += "<text x=\"\(left + width)\" y=\"14\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">\(ISOTime.format(t1))</text>\n"
        s += "<line x1=\"\(left)\" y1=\"18\" x2=\"\(left + width)\" y2=\"18\" stroke=\"#999\"/>\n"
        for (i, p) in ps.enumerated() {
            let y = top + i * rowH
            let next = i + 1 < ps.count ? ps[i + 1].time : p.time
            let x0 = x(p.time), x1 = max(x(next), x0 + 3)
            let color = palette[i % palette.count]
            s += "<text x=\"\(left - 8)\" y=\"\(y + 16)\" font-size=\"12\" text-anchor=\"end\">\(escape(p.name))</text>"
            s += "<rect x=\"\(x0)\" y=\"\(y + 5)\" width=\"\(x1 - x0)\" height=\"14\" rx=\"2\" fill=\"\(color)\" opacity=\"0.85\"/>"
            s += "<circle cx=\"\(x0)\" cy=\"\(y + 12)\" r=\"4\" fill=\"#222\"/>"
            s += "<text x=\"\(left + width + 10)\" y=\"\(y + 16)\" font-size=\"11\" fill=\"#333\">\(ISOTime.format(p.time))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// Each account's balance after every entry that changed it, as step lines over the ledger's lines.
    static func balanceChart(_ r: LedgerReport) -> String {
        guard !r.series.isEmpty else { return "<p class=\"muted\">No accounts.</p>\n" }
        let left = 70, top = 16, width = 640, height = 260
        let lastLine = max(r.lastLine, 2)
        var lo: Int64 = 0, hi: Int64 = 1
        for s in r.series { for p in s.points { lo = min(lo, p.balance); hi = max(hi, p.balance) } }
        let range = hi - lo
        func x(_ line: Int64) -> Int { left + Int((line - 1) * Int64(width) / (lastLine - 1)) }
        func y(_ b: Int64) -> Int { top + height - Int((b - lo) * Int64(height) / range) }
        let legendRows = r.series.count
        let total = top + height + 40 + legendRows * 18
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"\(total)\" viewBox=\"0 0 900 \(total)\" role=\"img\" aria-label=\"Balances over the ledger\">\n"
        s += "<title>Each account's balance after each ledger line</title>\n"
        s += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(width)\" height=\"\(height)\" fill=\"#fafafa\" stroke=\"#bbb\"/>\n"
        for k in 0...4 {
            let v = lo + range * Int64(k) / 4
            s += "<line x1=\"\(left)\" y1=\"\(y(v))\" x2=\"\(left + width)\" y2=\"\(y(v))\" stroke=\"#e3e3e3\"/>"
            s += "<text x=\"\(left - 6)\" y=\"\(y(v) + 4)\" font-size=\"11\" text-anchor=\"end\">\(v)</text>\n"
        }
        for line in [Int64(1), (lastLine + 1) / 2, lastLine] {
            s += "<text x=\"\(x(line))\" y=\"\(top + height + 16)\" font-size=\"11\" text-anchor=\"middle\">line \(line)</text>\n"
        }
        for (i, series) in r.series.enumerated() {
            let color = palette[i % palette.count]
            var pts: [String] = []
            var prev: Int64?
            for p in series.points {
                if let prev { pts.append("\(x(p.line)),\(y(prev))") }
                pts.append("\(x(p.line)),\(y(p.balance))")
                prev = p.balance
            }
            if let prev { pts.append("\(x(lastLine)),\(y(prev))") }
            s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(pts.joined(separator: " "))\"/>\n"
            let ly = top + height + 34 + i * 18
            let final = series.points.last?.balance ?? 0
            s += "<rect x=\"\(left)\" y=\"\(ly - 9)\" width=\"14\" height=\"10\" fill=\"\(color)\"/>"
            s += "<text x=\"\(left + 20)\" y=\"\(ly)\" font-size=\"12\"><tspan font-family=\"monospace\">\(escape(short(series.account)))</tspan> ends at \(final)</text>\n"
        }
        return s + "</svg>\n"
    }
}
