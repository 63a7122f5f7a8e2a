import CanonicalJSON
import LedgerModel

/// settle (unsigned; anyone may append it): `{"burned":N,"outcome":O,"payouts":[...],"task":ID[,"result":H]}`.
/// Every member is recomputed from the history and must match: outcome `settled`, `aborted-join`
/// or `aborted-coin`; `result` is the agreed result's digest, present exactly when all workers
/// revealed the same valid result.
public struct SettleBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.settle
    public let task: String
    public let outcome: String
    public let payouts: [Payout]
    public let burned: Int64
    public let result: String?

    public init(task: String, _ record: SettlementRecord) {
        self.task = task
        self.outcome = record.outcome
        self.payouts = record.payouts
        self.burned = record.burned
        self.result = record.result
    }

    public init(reading b: BodyReader) throws(LedgerFinding) {
        try b.allowOnly(["burned", "outcome", "payouts", "task"], optional: ["result"])
        task = try b.hex("task", bytes: 32)
        outcome = try b.string("outcome")
        payouts = try Payout.list(b)
        burned = try b.int("burned")
        result = b.has("result") ? try b.hex("result", bytes: 32) : nil
    }

    public var json: JSONObject {
        var o: JSONObject = ["burned": .int(burned), "outcome": .string(outcome),
                             "payouts": .array(payouts.map(\.json)), "task": .string(task)]
        if let result { o["result"] = .string(result) }
        return o
    }

    /// The settle transaction for `task` carrying `record`.
    public static func transaction(task: String, _ record: SettlementRecord, ledger: String) -> Transaction {
        Transaction(unsignedKind: .settle, body: SettleBody(task: task, record).json, ledger: ledger)
    }
}

extension Contract {
    static func applySettle(_ state: inout LedgerState, _ entry: Entry, _ body: SettleBody) throws(LedgerFinding) {
        let t = try openTask(state, body.task, entry)
        let expected = try settlement(t, at: entry.time, line: Int(entry.seq))
        try checkConserved(t, expected, entry)
        let line = Int(entry.seq)
        guard body.outcome == expected.outcome else {
            throw LedgerFinding(.settlementMismatch, line: line,
                                "settle: recorded outcome \(body.outcome), but the history gives \(expected.outcome)")
        }
        try checkPayouts(entry, recorded: body.payouts, expected: expected.payouts)
        guard body.burned == expected.burned else {
            throw LedgerFinding(.settlementMismatch, line: line, "settle: recorded burned \(body.burned), recomputed \(expected.burned)")
        }
        guard body.result == expected.result else {
            throw LedgerFinding(.settlementMismatch, line: line,
                                "settle: recorded agreed result \(body.result ?? "none"), recomputed \(expected.result ?? "none")")
        }
        close(&state, t, expected, phase: expected.outcome == "settled" ? .settled : .aborted, seq: entry.seq)
    }

    /// A closing pays out exactly what the task holds: nothing is created or lost.
    static func checkConserved(_ t: TaskState, _ s: SettlementRecord, _ entry: Entry) throws(LedgerFinding) {
        var total = s.burned
        for p in s.payouts { total = try add(total, p.amount, entry, "the payouts") }
        guard total == t.escrowed else {
            throw LedgerFinding(.conservation, line: Int(entry.seq), "\(entry.tx.kind): payouts and burned total \(total), but task \(t.id) holds \(t.escrowed)")
        }
    }

    static func checkPayouts(_ entry: Entry, recorded list: [Payout], expected: [Payout]) throws(LedgerFinding) {
        let kind = entry.tx.kind, line = Int(entry.seq)
        for (i, e) in expected.enumerated() {
            guard i < list.count else {
                throw LedgerFinding(.settlementMismatch, line: line,
                                    "\(kind): payout \(i + 1) is missing: recomputed \(e.amount) to \(e.account) (\(e.clause))")
            }
            guard list[i] == e else {
                let r = list[i]
                throw LedgerFinding(.settlementMismatch, line: line,
                                    "\(kind): payout \(i + 1) recorded \(r.amount) to \(r.account) (\(r.clause)), recomputed \(e.amount) to \(e.account) (\(e.clause))")
            }
        }
        guard list.count == expected.count else {
            throw LedgerFinding(.settlementMismatch, line: line, "\(kind): \(list.count) payouts recorded, \(expected.count) recomputed")
        }
    }

    /// Pays out a closing task. The escrow shrinks by exactly what the task held.
    static func close(_ state: inout LedgerState, _ t: TaskState, _ s: SettlementRecord, phase: TaskPhase, seq: Int64) {
        for p in s.payouts { credit(&state, p.account, p.amount) }
        state.burned += s.burned
        state.escrow -= t.escrowed
        state.updateTask(t.id) { task in
            task.escrowed = 0
            task.closed = phase
            task.closedSeq = seq
            task.agreedResult = s.result
            // Inline result bytes are needed only to settle (the evaluation payment); once closed,
            // the digests and outcomes are what anyone reads, so the state stays small per task.
            for (worker, r) in task.reveals where r.data != nil {
                task.reveals[worker] = Reveal(secret: r.secret, digest: r.digest, size: r.size, data: nil, time: r.time, outcome: r.outcome)
            }
        }
    }
}
