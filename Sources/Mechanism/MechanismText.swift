import Incentives
// Plain-text rendering of a MechanismReport: aligned tables, the IEWDS rounds, the verdicts.

extension MechanismReport {
    /// A readable plain-text report (deterministic; lines end with "\n").
    public func renderText() -> String {
        let p = parameters
        var out: [String] = []
        out.append("Mechanism analysis: n = \(p.workers) workers, reward r = \(p.reward), deposit d = \(p.deposit), cost c = \(p.cost)")
        out.append("  agreement share floor(r/n) = \(p.rewardShare) (remainder \(p.rewardRemainder) back to the requester); half refund floor(d/2) = \(p.halfRefund), so a half refund loses ceil(d/2) = \(p.halfLoss)")
        out.append("")

        if !tableI.isEmpty {
            out.append("Table I (n = 2): utility of (W_i, W_j); W_i plays the row, W_j the column")
            var rows: [[String]] = [["W_i \\ W_j"] + TwoWorkerStrategy.allCases.map { $0.symbol }]
            for a in TwoWorkerStrategy.allCases {
                var row = [a.symbol]
                for b in TwoWorkerStrategy.allCases {
                    if let cell = tableI.first(where: { $0.row == a && $0.column == b }) {
                        row.append("\(cell.rowUtility), \(cell.columnUtility)")
                    }
                }
                rows.append(row)
            }
            out += formatTable(rows, rightAlignFrom: 1)
            out.append("")
        }

        for table in tableII {
            out.append("Table II, coalition size k = \(table.coalitionSize) (\(table.outsideWorkers) outside worker(s)): utility of the coalition")
            var rows: [[String]] = [["strategy", "p", "q", "l", "Situation I", "Situation II", "Situation III"]]
            for row in table.rows {
                let s = row.strategy
                rows.append([s.family.symbol, "\(s.p)", "\(s.q)", "\(s.l)",
                             "\(row.situationI)", "\(row.situationII)", "\(row.situationIII)"])
            }
            out += formatTable(rows, rightAlignFrom: 1)
            let missing = StrategyFamily.allCases.filter { f in !table.rows.contains { $0.strategy.family == f } }
            if !missing.isEmpty {
                out.append("  (no member of " + missing.map { $0.symbol }.joined(separator: ", ") + " for k = \(table.coalitionSize))")
            }
            out.append("")
        }

        out.append("IEWDS (each round: delete, for every k at once, every strategy strictly dominated over the remaining situations; if none, every weakly dominated one; then drop unreachable situations)")
        if rounds.isEmpty {
            out.append("  no strategy is dominated: nothing is deleted")
        }
        for round in rounds {
            out.append("  Round \(round.number) (\(round.kind.rawValue) dominance):")
            for del in round.deletions {
                out.append("    k=\(del.strategy.size): delete \(del.strategy.label), \(del.kind.rawValue)ly dominated by \(del.dominatedBy.label)")
            }
            for rem in round.situationsRemoved {
                out.append("    k=\(rem.coalitionSize): Situation \(rem.situation.rawValue) removed: \(rem.reason)")
            }
        }
        out.append("")

        out.append("Survivors")
        for s in survivors {
            out.append("  k=\(s.coalitionSize): " + s.strategies.map { $0.label }.joined(separator: ", ")
                       + " (situations " + s.situations.map { $0.rawValue }.joined(separator: ", ") + ")")
        }
        out.append("")

        out.append("Resilience (Situation III: everyone outside sends the true result)")
        var rrows: [[String]] = [["k", "all-true", "best deviation", "its utility", "gain", "resilient"]]
        for ch in verdicts.resilience {
            rrows.append(["\(ch.coalitionSize)", "\(ch.allTrueUtility)", ch.bestDeviation.label,
                          "\(ch.bestDeviationUtility)", "\(ch.gain)", ch.resilient ? "yes" : "no"])
        }
        out += formatTable(rrows, rightAlignFrom: 1, leftAligned: [2])
        out.append("")

        out.append("Verdicts")
        let verdictLines: [(String, String)] = [
            ("all-true is the only IEWDS survivor for every k", yesNo(verdicts.allTrueOnlySurvivor)),
            ("all-true survives IEWDS for every k", yesNo(verdicts.allTrueSurvives)),
            ("all-true is coalition-resilient (every k ≤ n−1)", yesNo(verdicts.allTrueResilient)),
            ("every deviation strictly loses", yesNo(verdicts.allTrueStrictlyResilient)),
            ("largest cost keeping all-true an equilibrium", "\(verdicts.equilibriumCostLimit)"),
        ]
        let labelWidth = verdictLines.map { $0.0.count }.max() ?? 0
        for (label, value) in verdictLines {
            out.append("  " + label + ":" + String(repeating: " ", count: labelWidth - label.count + 1) + value)
        }
        out.append("")

        out.append("Notes")
        for note in notes { out.append("  - " + note) }
        return out.joined(separator: "\n") + "\n"
    }

    private func yesNo(_ b: Bool) -> String { b ? "yes" : "no" }

    /// Columns separated by two spaces; columns ≥ `rightAlignFrom` right-aligned unless listed in
    /// `leftAligned`, the others left-aligned; a dashed rule under the header. Width counts Characters.
    private func formatTable(_ rows: [[String]], rightAlignFrom: Int, leftAligned: Set<Int> = []) -> [String] {
        guard let header = rows.first else { return [] }
        var widths = Array(repeating: 0, count: header.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ row: [String]) -> String {
            var parts: [String] = []
            for (i, cell) in row.enumerated() where i < widths.count {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                parts.append(i >= rightAlignFrom && !leftAligned.contains(i) ? pad + cell : cell + pad)
            }
            var s = "  " + parts.joined(separator: "  ")
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        var out = [line(header)]
        out.append("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows.dropFirst() { out.append(line(row)) }
        return out
    }
}
