import CanonicalJSON
import LedgerModel

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

extension Contract {
    static func applyCancel(_ state: inout LedgerState, _ entry: Entry, party: String, _ body: CancelBody) throws(LedgerFinding) {
        let t = try openTask(state, body.task, entry)
        if let refusal = t.cancelRefusal(by: party) { throw fail(entry, refusal) }
        let expected = cancelRecord(t)
        try checkConserved(t, expected, entry)
        try checkPayouts(entry, recorded: body.payouts, expected: expected.payouts)
        close(&state, t, expected, phase: .cancelled, seq: entry.seq)
    }

    /// The refunds a cancel of this task records.
    public static func cancelRecord(_ t: TaskState) -> SettlementRecord { refunds(t, clause: "cancel-refund") }
}

extension TaskState {
    /// Why `party` may not cancel this task, or nil when it may.
    public func cancelRefusal(by party: String) -> String? {
        if let closed { return "task \(id) is already \(closed.rawValue)" }
        if party != requester { return "only the requester \(requester) may cancel task \(id)" }
        if isFilled { return "task \(id) has filled (\(workers) workers); it can no longer be cancelled" }
        return nil
    }
}
