public import CanonicalJSON
public import LedgerModel

/// cancel (signed by the requester, before the task fills): `{"payouts":[...],"task":ID}` — full
/// refunds, each payout with clause `cancel-refund`.
public struct CancelBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.cancel
    public let task: String
    public let payouts: [Payout]

    public init(task: String, payouts: [Payout]) {
        self.task = task
        self.payouts = payouts
    }

    public init(reading b: BodyReader) throws(LedgerFinding) {
        try b.allowOnly(["payouts", "task"])
        task = try b.hex("task", bytes: 32)
        payouts = try Payout.list(b)
    }

    public var json: JSONObject { ["payouts": .array(payouts.map(\.json)), "task": .string(task)] }
}

extension TaskState {
    /// The requester cancels the task while it is joining (line `seq`): every deposit, the
    /// reward and any payment go back. The recorded payouts must be exactly those refunds.
    public mutating func cancel(by party: String, recorded: [Payout], seq: Int64, at time: Int64) throws(Refusal) -> [Movement] {
        if let refusal = cancelRefusal(by: party) { throw Refusal(refusal) }
        let expected = cancelRecord
        try checkConserved(expected)
        try Contract.checkPayouts(recorded: recorded, expected: expected.payouts)
        return close(.cancelled, expected, seq: seq, at: time)
    }

    /// The refunds a cancel of this task records.
    public var cancelRecord: SettlementRecord { refunds(clause: "cancel-refund") }

    /// Why `party` may not cancel this task, or nil when it may.
    public func cancelRefusal(by party: String) -> String? {
        if let closed { return "task \(id) is already \(closed.rawValue)" }
        if party != requester { return "only the requester \(requester) may cancel task \(id)" }
        if isFilled { return "task \(id) has filled (\(workers) workers); it can no longer be cancelled" }
        return nil
    }
}

extension Contract {
    /// The refunds a cancel of this task records.
    public static func cancelRecord(_ t: TaskState) -> SettlementRecord { t.cancelRecord }
}
