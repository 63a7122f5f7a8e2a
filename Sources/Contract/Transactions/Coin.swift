public import CanonicalJSON
import LedgerCrypto
public import LedgerModel

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

extension TaskState {
    /// The requester opens the committed coin at `time`: the task moves to `working`, its commit
    /// phase starting now. Moves no money.
    public mutating func releaseCoin(_ coin: String, by party: String, at time: Int64) throws(Refusal) -> [Movement] {
        let open = try openStage()
        guard party == requester else { throw Refusal("only the requester \(requester) may release the coin") }
        guard case .committed(let commitment) = coinMode else { throw Refusal("task \(id) has a public coin; there is nothing to release") }
        switch open {
        case .joining(let s):
            throw Refusal("task \(id) has not filled yet (\(s.workers.count) of \(workers) workers)")
        case .working:
            throw Refusal("the coin of task \(id) was already released")
        case .awaitingCoin(let s):
            let deadline = saturatingAdd(s.filledAt, windows.coin)
            guard time <= deadline else { throw Refusal("the coin window of task \(id) closed at \(deadline) (entry time \(time))") }
            guard let r = Hex.decode(coin), Hex.encode(Commitments.coinCommitment(r)) == commitment else {
                throw Refusal("the coin does not open the commitment \(commitment) published with task \(id)")
            }
            stage = .working(Working(workers: s.workers, filledAt: s.filledAt, coin: coin, commitStart: time,
                                     commits: [:], lastCommitAt: nil, reveals: [:]))
            return []
        }
    }
}
