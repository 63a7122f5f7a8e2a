import Files
import Audit
public import Contract
public import LedgerStore
import LedgerCrypto

public enum Tasks {
    /// Finds a task by its full id or a unique prefix (at least 6 hex digits): an open task in
    /// `state`, or — with `ledger`, the file `state` was read from — a closed one, from the
    /// closed-task archive (`Session.closedTasks(path:at:keep:)`), so that the caller can say the
    /// task is already settled, aborted or cancelled (without a cache at that state, e.g. a ledger
    /// read from standard input, closed tasks are found by a replay).
    /// `unwritten`: tasks closed by transactions applied to `state` but not yet written (earlier
    /// lines of a batch's group).
    public static func find(_ state: LedgerState, _ idOrPrefix: String, ledger: String? = nil, unwritten: [TaskState] = []) throws -> TaskState {
        if let t = state.tasks[idOrPrefix] ?? unwritten.first(where: { $0.id == idOrPrefix }) { return t }
        try check(idOrPrefix)
        var matches = state.taskOrder.filter { $0.hasPrefix(idOrPrefix) }.map { state.tasks[$0]! }
        matches += unwritten.filter { $0.id.hasPrefix(idOrPrefix) }
        if let ledger {
            matches += try Session.closedTasks(path: ledger, at: state) { $0.id.hasPrefix(idOrPrefix) }
        }
        return try one(matches, idOrPrefix)
    }

    /// Finds a task by its full id or a unique prefix among `tasks` (open and closed ones).
    public static func find(among tasks: [TaskState], _ idOrPrefix: String) throws -> TaskState {
        if let t = tasks.first(where: { $0.id == idOrPrefix }) { return t }
        try check(idOrPrefix)
        return try one(tasks.filter { $0.id.hasPrefix(idOrPrefix) }, idOrPrefix)
    }

    static func check(_ idOrPrefix: String) throws {
        guard idOrPrefix.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw ClientError.usage("no task \(idOrPrefix) on this ledger: a task id is lower-case hex (give the id printed by publish)")
        }
        guard idOrPrefix.count >= 6 else {
            throw ClientError.usage("task prefix \(idOrPrefix) is too short: give at least 6 hex digits of the task id")
        }
    }

    static func one(_ matches: [TaskState], _ idOrPrefix: String) throws -> TaskState {
        guard matches.count == 1 else {
            throw ClientError.usage(matches.isEmpty ? "no task \(idOrPrefix) on this ledger" : "task prefix \(idOrPrefix) is ambiguous (\(matches.count) tasks)")
        }
        return matches[0]
    }

    /// The task's inputs: from files named by the worker, or from the blob store beside the
    /// ledger; every one checked against its published digest and size.
    public static func inputs(_ t: TaskState, files: [String], blobs: BlobStore) throws -> [[UInt8]] {
        if !files.isEmpty {
            guard files.count == t.inputs.count else {
                throw ClientError.usage("task \(t.id) has \(t.inputs.count) input(s); --input was given \(files.count) time(s)")
            }
            return try zip(files, t.inputs).map { file, ref in
                let bytes = try FileIO.readAll(file)
                let d = SHA256.hex(bytes)
                guard d == ref.digest, Int64(bytes.count) == ref.size else {
                    throw ClientError.usage("\(file): refused: its SHA-256 is \(d) (\(bytes.count) bytes) but the task publishes \(ref.name) as \(ref.digest) (\(ref.size) bytes)")
                }
                return bytes
            }
        }
        do { return try TaskRunner.inputs(t, blobs: blobs) } catch {
            throw ClientError.usage("\(error.reason); pass the file with --input")
        }
    }
}
