public import CanonicalJSON
public import LedgerModel

/// join (signed by the worker): `{"task":ID}`. Escrows the deposit; the first n workers are in.
public struct JoinBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.join
    public let task: String

    public init(task: String) { self.task = task }

    public init(reading b: BodyReader) throws(LedgerFinding) {
        try b.allowOnly(["task"])
        task = try b.hex("task", bytes: 32)
    }

    public var json: JSONObject { ["task": .string(task)] }
}

extension TaskState {
    /// `worker` joins at `time`: its deposit goes into escrow; the n-th join fills the task (to
    /// `awaitingCoin`, or straight to `working` with a public coin).
    public mutating func join(_ worker: String, at time: Int64) throws(Refusal) -> [Movement] {
        if let refusal = joinRefusal(worker, at: time) { throw Refusal(refusal) }
        guard case .joining(var s) = stage else { throw Refusal("task \(id) is full (\(workers) of \(workers) workers joined)") }
        s.workers.append(worker)
        if s.workers.count < workers {
            stage = .joining(s)
        } else {
            switch coinMode {
            case .committed:
                stage = .awaitingCoin(AwaitingCoin(workers: s.workers, filledAt: time))
            case .publicValue(let coin):
                stage = .working(Working(workers: s.workers, filledAt: time, coin: coin, commitStart: time,
                                         commits: [:], lastCommitAt: nil, reveals: [:]))
            }
        }
        return [.escrowIn(account: worker, amount: deposit, stake: .deposit)]
    }

    /// Why `worker` may not join at `time`, or nil when it may.
    public func joinRefusal(_ worker: String, at time: Int64) -> String? {
        if let closed { return "task \(id) is already \(closed.rawValue)" }
        if worker == requester { return "the requester cannot work on its own task" }
        if isFilled { return "task \(id) is full (\(workers) of \(workers) workers joined)" }
        if time > joinDeadline { return "the join window of task \(id) closed at \(joinDeadline) (entry time \(time))" }
        if joined.contains(worker) { return "\(worker) has already joined task \(id)" }
        if let allow, !allow.contains(worker) { return "\(worker) is not on task \(id)'s allow-list" }
        return nil
    }
}
