import Audit
import CanonicalJSON
public import Contract
public import LedgerModel

/// Where money sits: an account, a task's escrow, the burned total, or genesis (where the
/// allocations come from). Export names them `account:ID`, `escrow:TASK`, `burned`, `genesis`.
public enum Pot: Hashable, Sendable, Comparable {
    case genesis
    case account(String)
    case escrow(String)
    case burned

    public var name: String {
        switch self {
        case .genesis: return "genesis"
        case .account(let id): return "account:\(id)"
        case .escrow(let task): return "escrow:\(task)"
        case .burned: return "burned"
        }
    }
}

/// One movement of money recorded by one entry: `amount` from `from` to `to`.
public struct Movement: Sendable, Equatable {
    public let line: Int64
    public let time: Int64
    public let kind: String
    /// The transaction id (for genesis: the ledger id).
    public let transaction: String
    public let task: String?
    public let from: Pot
    public let to: Pot
    public let amount: Int64
    /// The payout clause (settle, cancel), or what the movement is (`reward`, `payment`, `deposit`, …).
    public let memo: String
}

/// One entry as the report and the export see it.
public struct HistoryEntry: Sendable {
    public let line: Int64
    public let time: Int64
    public let hash: String
    public let transaction: String
    public let kind: String
    public let party: String?
    public let body: TypedBody?
}

/// The whole history of a ledger read once, in order: its entries, every movement of money,
/// and the state after the last entry. Only entries that apply are seen (an invalid ledger's
/// history stops being complete at its first finding; `findings` says where).
public struct LedgerHistory: Sendable {
    public var ledgerID = ""
    public var name = ""
    public var entries: [HistoryEntry] = []
    public var movements: [Movement] = []
    public var state: LedgerState?
    public var findings: [LedgerFinding] = []
    /// The stated hash of the last line read.
    public var head = ""
    public var lines = 0
    /// Each task's publish body, by task id.
    public var published: [String: PublishBody] = [:]

    /// The tasks that closed, in closing order (they leave the contract state when they close).
    public var closed: [TaskState] = []

    /// Every task, open and closed, in publish order.
    public var tasks: [TaskState] {
        let open = state.map { s in s.taskOrder.map { s.tasks[$0]! } } ?? []
        return (closed + open).sorted { $0.publishSeq < $1.publishSeq }
    }

    public static func read(path: String) throws -> LedgerHistory {
        var h = LedgerHistory()
        let result = try Replay.run(path: path, onEntry: { entry, state in
            h.add(entry, state)
        }, onClose: { h.closed.append($0) })
        h.state = result.state
        h.findings = result.findings
        h.lines = result.lines
        if let s = result.state { h.ledgerID = s.ledgerID; h.name = s.name; h.head = s.head }
        return h
    }

    mutating func add(_ entry: Entry, _ state: LedgerState) {
        _ = state
        let tx = entry.tx
        let body = try? TypedBody.parse(tx, line: Int(entry.seq))
        entries.append(HistoryEntry(line: entry.seq, time: entry.time, hash: entry.hash, transaction: tx.id,
                                    kind: tx.kind, party: tx.party, body: body))
        func move(_ from: Pot, _ to: Pot, _ amount: Int64, _ memo: String, task: String? = nil, id: String = tx.id) {
            guard amount > 0 else { return }
            movements.append(Movement(line: entry.seq, time: entry.time, kind: tx.kind, transaction: id, task: task,
                                      from: from, to: to, amount: amount, memo: memo))
        }
        guard let body else { return }
        switch body {
        case .genesis(let b):
            for (id, amount) in b.allocations.sorted(by: { $0.key < $1.key }) {
                move(.genesis, .account(id), amount, "allocation", id: entry.hash)
            }
        case .transfer(let b):
            if let p = tx.party { move(.account(p), .account(b.to), b.amount, "transfer") }
        case .publish(let b):
            published[tx.id] = b
            if let p = tx.party {
                move(.account(p), .escrow(tx.id), b.reward, "reward", task: tx.id)
                if let pay = b.payment { move(.account(p), .escrow(tx.id), pay.amount, "payment", task: tx.id) }
            }
        case .join(let b):
            if let p = tx.party, let pub = published[b.task] { move(.account(p), .escrow(b.task), pub.deposit, "deposit", task: b.task) }
        case .settle(let b):
            for p in b.payouts { move(.escrow(b.task), .account(p.account), p.amount, p.clause, task: b.task) }
            move(.escrow(b.task), .burned, b.burned, "burned", task: b.task)
        case .cancel(let b):
            for p in b.payouts { move(.escrow(b.task), .account(p.account), p.amount, p.clause, task: b.task) }
        case .coin, .commit, .reveal:
            break
        }
    }

    /// Every pot's balance after the last movement (genesis negative: what it handed out).
    public var balances: [Pot: Int64] {
        var b: [Pot: Int64] = [:]
        for m in movements {
            b[m.from, default: 0] -= m.amount
            b[m.to, default: 0] += m.amount
        }
        return b
    }

    /// The entries of one task (its publish and every entry naming it), in order.
    public func entries(of task: String) -> [HistoryEntry] {
        entries.filter { $0.transaction == task && $0.kind == "publish" || $0.body?.task == task }
    }
}
