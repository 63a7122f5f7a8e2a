import CanonicalJSON
import LedgerModel

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

extension Contract {
    static func applyCommit(_ state: inout LedgerState, _ entry: Entry, party worker: String, _ body: CommitBody) throws(LedgerFinding) {
        let t = try openTask(state, body.task, entry)
        if let refusal = t.commitRefusal(worker, at: entry.time) { throw fail(entry, refusal) }
        if let other = t.commits.first(where: { $0.value == body.commitment }) {
            throw fail(entry, "commitment \(body.commitment) is already the commitment of worker \(other.key): a copied commitment is refused")
        }
        state.updateTask(t.id) { task in
            task.commits[worker] = body.commitment
            if task.allCommitted { task.lastCommitAt = entry.time }
        }
    }
}

extension TaskState {
    /// Why `worker` may not commit at `time`, or nil when it may.
    public func commitRefusal(_ worker: String, at time: Int64) -> String? {
        if let closed { return "task \(id) is already \(closed.rawValue)" }
        guard joined.contains(worker) else { return "\(worker) is not a worker of task \(id)" }
        guard coinHex != nil, let deadline = commitDeadline else {
            return "task \(id) is not in its commit phase yet (phase \(phase(at: time).rawValue))"
        }
        if commits[worker] != nil { return "\(worker) has already committed to task \(id)" }
        if time > deadline { return "the commit window of task \(id) closed at \(deadline) (entry time \(time))" }
        return nil
    }
}
