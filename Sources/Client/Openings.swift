import Files
import Audit
import CanonicalJSON
import Contract
import LedgerCrypto

/// The worker's private side: openings (the commitment secret and result) kept beside the key,
/// never beside the ledger, so committing the ledger to git does not leak them before reveal.
/// `<keyfile>.openings/<task>.json` (0600) holds
/// `{"digest","ledger","secret","size","task","worker"}`; `<task>.result` (0600) the result bytes.
public struct Openings: Sendable {
    public let directory: String

    public init(keyFile: String, override: String? = nil) {
        directory = override ?? keyFile + ".openings"
    }

    public init(directory: String) { self.directory = directory }

    public func jsonPath(_ task: String) -> String { "\(directory)/\(task).json" }
    public func resultPath(_ task: String) -> String { "\(directory)/\(task).result" }

    public struct Opening: Sendable {
        let task: String
        let ledger: String
        let worker: String
        let secret: String
        let digest: String
        let size: Int64
    }

    /// Writes the opening and the result durably (fsync) before the commit is appended.
    public func save(_ o: Opening, result: [UInt8]) throws {
        try FileIO.makeDirectories(directory, mode: 0o700)
        let json: JSON = .object(["digest": .string(o.digest), "ledger": .string(o.ledger), "secret": .string(o.secret),
                                  "size": .int(o.size), "task": .string(o.task), "worker": .string(o.worker)])
        try FileIO.replaceAtomically(resultPath(o.task), contents: result, mode: 0o600)
        try FileIO.replaceAtomically(jsonPath(o.task), contents: json.canonicalBytes + [0x0a], mode: 0o600)
    }

    public func load(_ task: String) throws -> (Opening, [UInt8])? {
        let p = jsonPath(task)
        guard FileIO.exists(p) else { return nil }
        let bytes = try FileIO.readAll(p, limit: 1 << 20)
        let j: JSON
        do { j = try JSON.parse(bytes) } catch { throw ClientError.usage("\(p): not a valid opening file: \(error)") }
        guard let t = j["task"]?.stringValue, let l = j["ledger"]?.stringValue, let w = j["worker"]?.stringValue,
              let s = j["secret"]?.stringValue, let d = j["digest"]?.stringValue, let n = j["size"]?.intValue else {
            throw ClientError.usage("\(p): not a valid opening file (missing members)")
        }
        let result = try FileIO.readAll(resultPath(task))
        guard SHA256.hex(result) == d else {
            throw ClientError.usage("\(resultPath(task)): the saved result does not match its opening's digest \(d)")
        }
        return (Opening(task: t, ledger: l, worker: w, secret: s, digest: d, size: n), result)
    }
}
