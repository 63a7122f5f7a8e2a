import Contract
import ExternalPrograms
import Files
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LedgerCrypto
import Programs

/// An exec task's program, as the worker runs it: the file (its SHA-256 must be the published
/// one), a time limit, and where it writes its result (instead of standard output).
public struct ExecRequest: Sendable, Equatable {
    /// nil when only the other options were given (then refused: they go with the program).
    public var program: String?
    public var timeout: Int?
    public var outputFile: String?

    public init(program: String?, timeout: Int? = nil, outputFile: String? = nil) {
        self.program = program
        self.timeout = timeout
        self.outputFile = outputFile
    }
}

extension LedgerClient {
    /// Computes a task's result locally: its built-in program, or (for an exec task) `exec`, on
    /// the task's inputs checked against their published digests (from the blob store, or
    /// `inputFiles`). The coin must have been released.
    public func compute(task: String, inputFiles: [String] = [], exec: ExecRequest?) throws -> [UInt8] {
        let state = try state()
        let t = try Tasks.find(state, task, ledger: path)
        guard let coinHex = t.coinHex, let coin = Hex.decode(coinHex) else {
            // The protocol's "not yet" (as commit before the coin is refused by the contract): exit 1.
            throw ClientError(.invalid, code: "rejected", file: path,
                              "run: task \(t.id) has no coin yet (phase \(t.phase(at: state.time).rawValue)): the requester releases it once the task fills")
        }
        guard t.program.name == "exec" else {
            guard exec == nil else {
                throw ClientError.usage("task \(t.id) runs the built-in program \(t.program.name); --exec, --exec-output and --timeout are for exec tasks")
            }
            return try run(t, inputFiles: inputFiles)
        }
        guard let exec, let program = exec.program else { throw ClientError.usage("task \(t.id) runs an external program: give it with --exec CMD") }
        let digest = SHA256.hex(try FileIO.readAll(program))
        guard digest == t.program.digest else {
            throw ClientError.usage("\(program): refused: its SHA-256 is \(digest), the task publishes \(t.program.digest ?? "?")")
        }
        let inputs = try Tasks.inputs(t, files: inputFiles, blobs: blobs)
        // The program reads its inputs from files: hand it checked copies in a private directory.
        let dir = try PrivateDirectory()
        var paths: [String] = []
        for (i, b) in inputs.enumerated() {
            let p = "\(dir.path)/input-\(i)"
            try FileIO.createExclusive(p, contents: b, mode: 0o600)
            paths.append(p)
        }
        let execPath = program.contains("/") ? program : "./" + program
        do {
            return try ExternalProgram.run(executable: execPath, arguments: [], coin: coin, taskID: t.id, inputPaths: paths,
                                           outputFile: exec.outputFile, timeout: exec.timeout)
        } catch let e as ProgramError { throw ClientError.usage(e.reason) }
    }
}

/// Results on the worker's side.
public enum Results {
    /// Writes a result to `path`, a new or existing regular file (never a link, device, FIFO or
    /// directory), mode 0600 whatever the umask: a result is the worker's until it is revealed.
    public static func save(_ bytes: [UInt8], to path: String) throws {
        guard FileIO.isRegularOrAbsent(path) else {
            throw ClientError.usage("\(path): exists and is not a regular file (a link, device, FIFO or directory); --out writes a new regular file")
        }
        try FileIO.replaceAtomically(path, contents: bytes, mode: 0o600)
    }
}

/// A private temporary directory (0700), removed with everything in it when released.
final class PrivateDirectory {
    let path: String

    init() throws {
        do { path = try FileIO.makePrivateTemporaryDirectory(prefix: "crowdledger") } catch {
            throw ClientError.usage("cannot create a temporary directory: \(error)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
