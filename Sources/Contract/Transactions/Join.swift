import CanonicalJSON
import LedgerModel

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

extension Contract {
    static func applyJoin(_ state: inout LedgerState, _ entry: Entry, party worker: String, _ body: JoinBody) throws(LedgerFinding) {
        let t = try openTask(state, body.task, entry)
        if let refusal = t.joinRefusal(worker, at: entry.time) { throw fail(entry, refusal) }
        try debit(state, worker, t.deposit, entry, "cannot escrow the deposit")
        let escrowed = try add(t.escrowed, t.deposit, entry, "task escrow")
        withdraw(&state, worker, t.deposit)
        state.escrow += t.deposit
        state.updateTask(t.id) { task in
            task.escrowed = escrowed
            task.joined.append(worker)
            if task.isFilled { task.filledAt = entry.time }
        }
    }
}

extension TaskState {
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
