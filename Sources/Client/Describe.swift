public import Contract
import LedgerStore
public import LedgerModel

/// One line describing a transaction, for `log`; it reads the body through its typed form.
public enum Describe {
    static func short(_ id: String) -> String { String(id.prefix(12)) }

    public static func body(_ tx: Transaction) -> String {
        guard let body = try? TypedBody.parse(tx, line: 0) else { return "(unreadable \(tx.kind) body)" }
        switch body {
        case .genesis(let b):
            return "name=\(b.name) accounts=\(b.allocations.count)"
        case .transfer(let b):
            return "\(b.amount) to \(short(b.to))"
        case .publish(let b):
            return "task \(short(tx.id)) program=\(b.program.name) reward=\(b.reward) deposit=\(b.deposit) workers=\(b.workers)"
        case .settle(let b):
            return "task \(short(b.task)) \(b.outcome) " + payouts(b.payouts)
        case .cancel(let b):
            return "task \(short(b.task)) " + payouts(b.payouts)
        case .join, .coin, .commit, .reveal:
            return "task \(short(body.task ?? "?"))"
        }
    }

    static func payouts(_ list: [Payout]) -> String {
        list.map { "\(short($0.account))+\($0.amount)(\($0.clause))" }.joined(separator: " ")
    }

    /// `settle`'s stdout: `task ID OUTCOME` and every payout as `ACCOUNT+AMOUNT(CLAUSE)`, with
    /// full ids (WORKFLOW.md).
    public static func closing(_ tx: Transaction) -> String {
        guard case .settle(let b)? = try? TypedBody.parse(tx, line: 0) else { return body(tx) }
        return (["task \(b.task) \(b.outcome)"] + b.payouts.map { "\($0.account)+\($0.amount)(\($0.clause))" }).joined(separator: " ")
    }

    /// The task a transaction concerns: a publish's own id, or the task its body names.
    public static func task(of tx: Transaction) -> String? {
        guard let body = try? TypedBody.parse(tx, line: 0) else { return nil }
        if case .publish = body { return tx.id }
        return body.task
    }

    /// Whether a transaction concerns `account`: signed by it, or moving money to it (genesis
    /// allocations, transfers, payouts).
    public static func concerns(_ tx: Transaction, _ account: String) -> Bool {
        if tx.party == account { return true }
        switch try? TypedBody.parse(tx, line: 0) {
        case .genesis(let b)?: return b.allocations[account] != nil
        case .transfer(let b)?: return b.to == account
        case .settle(let b)?: return b.payouts.contains { $0.account == account }
        case .cancel(let b)?: return b.payouts.contains { $0.account == account }
        default: return false
        }
    }

    /// The payouts recorded by the settle or cancel at `line` of the ledger (read from the start
    /// of the file up to that line: a detail view's cost, not a read command's).
    public static func closingPayouts(ledger: String, line: Int64) throws -> [Payout]? {
        var reader = try LineReader(path: ledger, waitsForWriter: true)
        while let raw = try reader.next() {
            guard raw.number == Int(line) else { continue }
            guard let entry = try? Entry.parse(line: raw.bytes, lineNumber: raw.number) else { return nil }
            switch try? TypedBody.parse(entry.tx, line: raw.number) {
            case .settle(let b)?: return b.payouts
            case .cancel(let b)?: return b.payouts
            default: return nil
            }
        }
        return nil
    }
}
