public import CanonicalJSON
public import LedgerModel

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

    /// What the body records.
    public var record: SettlementRecord { SettlementRecord(outcome: outcome, payouts: payouts, burned: burned, result: result) }

    /// The settle transaction for `task` carrying `record`.
    public static func transaction(task: String, _ record: SettlementRecord, ledger: String) -> Transaction {
        Transaction(unsignedKind: .settle, body: SettleBody(task: task, record).json, ledger: ledger)
    }
}

extension TaskState {
    /// Anyone settles the task at `time` (line `seq`): the record must be exactly the one the
    /// history gives (``settlement(at:)``); the task closes (settled or aborted) and its escrow is
    /// paid out clause by clause, forfeits burned when the task says so.
    public mutating func settle(_ recorded: SettlementRecord, at time: Int64, seq: Int64) throws(Refusal) -> (record: SettlementRecord, movements: [Movement]) {
        let expected = try settlement(at: time)
        try checkConserved(expected)
        guard recorded.outcome == expected.outcome else {
            throw Refusal("recorded outcome \(recorded.outcome), but the history gives \(expected.outcome)", code: .settlementMismatch)
        }
        try Contract.checkPayouts(recorded: recorded.payouts, expected: expected.payouts)
        guard recorded.burned == expected.burned else {
            throw Refusal("recorded burned \(recorded.burned), recomputed \(expected.burned)", code: .settlementMismatch)
        }
        guard recorded.result == expected.result else {
            throw Refusal("recorded agreed result \(recorded.result ?? "none"), recomputed \(expected.result ?? "none")", code: .settlementMismatch)
        }
        return (expected, close(expected.outcome == "settled" ? .settled : .aborted, expected, seq: seq, at: time))
    }

    /// A closing pays out exactly what the task holds: nothing is created or lost.
    func checkConserved(_ s: SettlementRecord) throws(Refusal) {
        var total = s.burned
        for p in s.payouts { total = try checkedAdd(total, p.amount, "the payouts") }
        guard total == escrowed else {
            throw Refusal("payouts and burned total \(total), but task \(id) holds \(escrowed)", code: .conservation)
        }
    }

    /// Closes the task (line `seq`) and returns what it pays out: every payout, then the burn.
    mutating func close(_ how: Closing, _ s: SettlementRecord, seq: Int64, at time: Int64) -> [Movement] {
        // Inline result bytes are needed only to settle (the evaluation payment); once closed,
        // the digests and outcomes are what anyone reads, so the state stays small per task.
        stage = .closed(Closed(how: how, seq: seq, at: time, agreedResult: s.result, last: lastOpenStage.withoutRevealData))
        var movements = s.payouts.map(Movement.payout)
        if s.burned > 0 { movements.append(.burn(s.burned)) }
        return movements
    }
}

extension Contract {
    static func checkPayouts(recorded list: [Payout], expected: [Payout]) throws(Refusal) {
        for (i, e) in expected.enumerated() {
            guard i < list.count else {
                throw Refusal("payout \(i + 1) is missing: recomputed \(e.amount) to \(e.account) (\(e.clause))", code: .settlementMismatch)
            }
            guard list[i] == e else {
                let r = list[i]
                throw Refusal("payout \(i + 1) recorded \(r.amount) to \(r.account) (\(r.clause)), recomputed \(e.amount) to \(e.account) (\(e.clause))",
                              code: .settlementMismatch)
            }
        }
        guard list.count == expected.count else {
            throw Refusal("\(list.count) payouts recorded, \(expected.count) recomputed", code: .settlementMismatch)
        }
    }
}
