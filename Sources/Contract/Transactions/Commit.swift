public import CanonicalJSON
public import LedgerModel

/// commit (signed by the worker): `{"commitment":C,"task":ID}`, C as ``Commitments/commitment(task:worker:secret:size:digest:)``.
public struct CommitBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.commit
    public let task: String
    public let commitment: String

    public init(task: String, commitment: String) {
        self.task = task
        self.commitment = commitment
    }

    public init(reading b: BodyReader) throws(LedgerFinding) {
        try b.allowOnly(["commitment", "task"])
        task = try b.hex("task", bytes: 32)
        commitment = try b.hex("commitment", bytes: 32)
    }

    public var json: JSONObject { ["commitment": .string(commitment), "task": .string(task)] }
}

extension TaskState {
    /// `worker` commits at `time`; the n-th commit opens the reveal phase at once. Moves no money.
    public mutating func commit(_ commitment: String, by worker: String, at time: Int64) throws(Refusal) -> [Movement] {
        if let refusal = commitRefusal(worker, at: time) { throw Refusal(refusal) }
        guard case .working(var s) = stage else { throw Refusal("task \(id) is not in its commit phase yet (phase \(phase(at: time).rawValue))") }
        if let other = s.commits.first(where: { $0.value == commitment }) {
            throw Refusal("commitment \(commitment) is already the commitment of worker \(other.key): a copied commitment is refused")
        }
        s.commits[worker] = commitment
        if s.commits.count == workers { s.lastCommitAt = time }
        stage = .working(s)
        return []
    }

    /// Why `worker` may not commit at `time`, or nil when it may.
    public func commitRefusal(_ worker: String, at time: Int64) -> String? {
        if let closed { return "task \(id) is already \(closed.rawValue)" }
        guard joined.contains(worker) else { return "\(worker) is not a worker of task \(id)" }
        guard case .working(let s) = stage else {
            return "task \(id) is not in its commit phase yet (phase \(phase(at: time).rawValue))"
        }
        if s.commits[worker] != nil { return "\(worker) has already committed to task \(id)" }
        let deadline = s.commitDeadline(windows)
        if time > deadline { return "the commit window of task \(id) closed at \(deadline) (entry time \(time))" }
        return nil
    }
}
