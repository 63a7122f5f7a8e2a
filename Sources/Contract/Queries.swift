/// Queries the parties' side and the readers ask of a task, answered here so nobody re-codes
/// them: may this worker join / commit now (`joinRefusal`, `commitRefusal`), may the requester
/// cancel (`cancelRefusal`), what is an opening worth (`outcome(ofOpening:by:commitment:)`),
/// has the coin been given (`coinHex`), where is each worker (`workerState`).
public enum WorkerState: String, Sendable {
    case joined, committed, revealed
    case wrongOpening = "wrong-opening"
    case trivialResult = "trivial-result"
}

extension TaskState {
    /// Where `worker` stands in this task.
    public func workerState(_ worker: String) -> WorkerState {
        guard commits[worker] != nil else { return .joined }
        guard let r = reveals[worker] else { return .committed }
        switch r.outcome {
        case .wrongOpening: return .wrongOpening
        case .trivialResult: return .trivialResult
        default: return .revealed
        }
    }
}
