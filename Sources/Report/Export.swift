import LedgerModel

/// `export`: every movement of money as an hledger journal or as CSV.
public enum Export {
    public enum Format: String, CaseIterable, Sendable {
        case hledger, csv
    }

    public static func render(_ h: LedgerHistory, format: Format) -> String {
        switch format {
        case .hledger: return journal(h)
        case .csv: return csv(h)
        }
    }

    /// An hledger journal: one transaction per entry that moves money, dated by the entry's UTC
    /// date, its line as the code, the exact time and transaction id as tags; accounts
    /// `account:ID`, `escrow:TASK`, `burned` and `genesis` (the source of the allocations, so
    /// the journal balances); amounts are integers in the commodity `CL` (the ledger's unit).
    public static func journal(_ h: LedgerHistory) -> String {
        var out = """
        ; crowdledger export of ledger \(h.ledgerID) (\(h.name)), \(h.lines) lines, head \(h.head)
        ; made by crowdledger \(ToolVersion.current); amounts are integers in the ledger's unit, commodity CL.
        ; genesis: where the allocations come from (its balance is minus the genesis total);
        ; escrow:TASK: what a task holds; burned: forfeited deposits destroyed.

        """
        var pots = Set<Pot>([.genesis, .burned])
        for m in h.movements { pots.insert(m.from); pots.insert(m.to) }
        out += "commodity 1000. CL\n"
        for p in pots.sorted() { out += "account \(p.name)\n" }
        out += "\n"
        var i = 0
        let ms = h.movements
        while i < ms.count {
            var j = i
            while j < ms.count, ms[j].line == ms[i].line { j += 1 }
            let group = ms[i..<j]
            let first = group.first!
            var description = first.kind
            if let task = first.task { description += " task \(task)" }
            out += "\(ISOTime.date(first.time)) (\(first.line)) \(description)  ; time:\(ISOTime.format(first.time)), transaction:\(first.transaction)\n"
            for m in group {
                out += "    \(m.to.name)  \(m.amount) CL  ; \(m.memo)\n"
                out += "    \(m.from.name)  -\(m.amount) CL\n"
            }
            out += "\n"
            i = j
        }
        return out
    }

    /// CSV (RFC 4180, a header line): one row per movement.
    public static let csvHeader = ["line", "time", "unix_time", "kind", "transaction", "task", "from", "to", "amount", "memo"]

    public static func csv(_ h: LedgerHistory) -> String {
        var out = csvHeader.joined(separator: ",") + "\r\n"
        for m in h.movements {
            out += [String(m.line), ISOTime.format(m.time), String(m.time), m.kind, m.transaction, m.task ?? "",
                    m.from.name, m.to.name, String(m.amount), m.memo].map(csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        var q = "\""
        for c in s { q += c == "\"" ? "\"\"" : String(c) }
        return q + "\""
    }
}
