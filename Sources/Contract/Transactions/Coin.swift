import CanonicalJSON
import LedgerCrypto
import LedgerModel

/// coin (signed by the requester): `{"coin":r,"task":ID}` — opens the coin committed at publish.
public struct CoinBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.coin
    public let task: String
    public let coin: String

    public init(task: String, coin: String) {
        self.task = task
        self.coin = coin
    }

    public init(reading b: BodyReader) throws(LedgerFinding) {
        try b.allowOnly(["coin", "task"])
        task = try b.hex("task", bytes: 32)
        coin = try b.hex("coin", bytes: 32)
    }

    public var json: JSONObject { ["coin": .string(coin), "task": .string(task)] }
}

extension Contract {
    static func applyCoin(_ state: inout LedgerState, _ entry: Entry, party: String, _ body: CoinBody) throws(LedgerFinding) {
        let t = try openTask(state, body.task, entry)
        guard party == t.requester else { throw fail(entry, "only the requester \(t.requester) may release the coin") }
        guard case .committed(let commitment) = t.coinMode else { throw fail(entry, "task \(t.id) has a public coin; there is nothing to release") }
        guard t.isFilled, let deadline = t.coinDeadline else {
            throw fail(entry, "task \(t.id) has not filled yet (\(t.joined.count) of \(t.workers) workers)")
        }
        guard t.coin == nil else { throw fail(entry, "the coin of task \(t.id) was already released") }
        guard entry.time <= deadline else { throw fail(entry, "the coin window of task \(t.id) closed at \(deadline) (entry time \(entry.time))") }
        guard Hex.encode(Commitments.coinCommitment(Hex.decode(body.coin)!)) == commitment else {
            throw fail(entry, "the coin does not open the commitment \(commitment) published with task \(t.id)")
        }
        state.updateTask(t.id) { task in
            task.coin = body.coin
            task.coinAt = entry.time
        }
    }
}
