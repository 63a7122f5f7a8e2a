#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Files
import LedgerCrypto
import Programs
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// External programs: any executable file a task names by its digest.
///
/// `runExternal` starts `path` with `arguments` and this environment, and nothing else inherited:
///
/// | variable | value |
/// | --- | --- |
/// | `CROWDLEDGER_COIN` | the coin, lower-case hex (64 characters for a 32-byte coin) |
/// | `CROWDLEDGER_TASK` | the task id, as given |
/// | `CROWDLEDGER_INPUTS` | the input paths joined by `\n` (empty when there are none) |
/// | `CROWDLEDGER_INPUT_0`, `CROWDLEDGER_INPUT_1`, … | each input path, in order |
/// | `CROWDLEDGER_OUTPUT` | the output file, only when one is given |
/// | `PATH` | the caller's `PATH`, or `/usr/local/bin:/usr/bin:/bin` when it has none |
///
/// Standard input is `/dev/null`. Standard output and standard error are read concurrently (a
/// chatty program cannot deadlock on a full pipe). The result is the program's standard output,
/// or, when `outputFile` is given, the bytes of that file after the program exits (the file must
/// not exist beforehand, so a stale file is never taken for a result). A non-zero exit status or
/// death by a signal is an error quoting the last lines of standard error. The program must be
/// deterministic in its inputs and `CROWDLEDGER_COIN` (use `crowdledger derive` or
/// `h(r || ctr)` for randomness) or honest workers will disagree.
///
/// The process is spawned and waited for by swift-subprocess (`Spawn`); its two output pipes are
/// this module's, read to their end on two threads, so output that a process the program started
/// writes after the program exits is still read (for at most `drainSeconds`).
public enum ExternalProgram {
    /// At most this many bytes of standard output are accepted.
    public static let externalOutputLimit = 1 << 30
    /// How many trailing lines of standard error an error message quotes.
    static let stderrLines = 8

    /// After the program exits, how long its output streams may stay open (held by a process it
    /// started) before the result is refused.
    static let drainSeconds = 5

    public static func run(executable path: String, arguments: [String], coin: [UInt8], taskID: String,
                                   inputPaths: [String], outputFile: String?, timeout: Int? = nil) throws -> [UInt8] {
        guard FileIO.exists(path) else {
            throw ProgramError("external program \(path): no such file")
        }
        guard access(path, X_OK) == 0, !FileIO.isDirectory(path) else {
            throw ProgramError("external program \(path): not an executable file")
        }
        if let outputFile, FileIO.exists(outputFile) {
            throw ProgramError("external program \(path): output file \(outputFile) already exists; remove it first")
        }
        var env: [String: String] = [
            "CROWDLEDGER_COIN": Hex.encode(coin),
            "CROWDLEDGER_TASK": taskID,
            "CROWDLEDGER_INPUTS": inputPaths.joined(separator: "\n"),
            "PATH": getenv("PATH").flatMap { String(validatingCString: $0) } ?? "/usr/local/bin:/usr/bin:/bin",
        ]
        for (i, p) in inputPaths.enumerated() { env["CROWDLEDGER_INPUT_\(i)"] = p }
        // The program runs in "/", so the output file is handed over as an absolute path.
        let outputFile = outputFile.map { $0.hasPrefix("/") ? $0 : Spawn.currentDirectory() + "/" + $0 }
        if let outputFile { env["CROWDLEDGER_OUTPUT"] = outputFile }

        // The program gets exactly this environment, in sorted order (a program that walks its
        // environment sees the same order every run), through `env -i`, with "/" as its working
        // directory, so nothing of the caller's shell leaks in.
        let absolute = path.hasPrefix("/") ? path : Spawn.currentDirectory() + "/" + path
        guard !absolute.contains("=") else {
            throw ProgramError("external program \(path): a program path may not contain '='")
        }
        // A program file that another process still holds open for writing (e.g. a build step
        // that just wrote it, or a descriptor inherited by a process spawned at that moment)
        // cannot be executed yet (ETXTBSY): try a few times before giving up.
        var attempt = 0
        while true {
            attempt += 1
            let ran = try start(absolute: absolute, path: path, env: env, arguments: arguments, timeout: timeout)
            if ran.status == .exited(126), attempt < 6,
               String(decoding: ran.stderr, as: UTF8.self).contains("Text file busy") {
                usleep(UInt32(20_000 * attempt))
                continue
            }
            return try finish(ran, path: path, outputFile: outputFile)
        }
    }

    /// What a finished run left: how it ended, its standard output (empty when it was too
    /// large) and the end of its standard error.
    struct Ran {
        let status: TerminationStatus
        let out: [UInt8]
        let tooLarge: Bool
        let stderr: [UInt8]
    }

    /// Runs the program to completion; returns what it wrote.
    static func start(absolute: String, path: String, env: [String: String], arguments: [String], timeout: Int?) throws -> Ran {
        let outPipe: (read: FileDescriptor, write: FileDescriptor)
        let errPipe: (read: FileDescriptor, write: FileDescriptor)
        do {
            outPipe = try Spawn.pipe()
            do { errPipe = try Spawn.pipe() } catch {
                try? outPipe.read.close(); try? outPipe.write.close()
                throw error
            }
        } catch {
            throw ProgramError("external program \(path): cannot start it: \(error)")
        }
        // Both streams are read on other threads, so this one can wait for the program itself.
        // These threads (and the watchdog's) belong to private serial queues, never to the shared
        // pool that Swift concurrency runs on: they block for as long as the program runs.
        let errBox = Box<[UInt8]>([]), outBox = Box<[UInt8]>([]), flags = Box<Set<Flag>>([])
        let group = DispatchGroup()
        DispatchQueue(label: "crowdledger.exec.stderr").async(group: group) {
            // Keep only the end of standard error (it is quoted in errors): a program that writes
            // without end must not fill memory.
            var kept: [UInt8] = []
            Spawn.readToEnd(errPipe.read) { chunk in
                kept += chunk
                if kept.count > 1 << 16 { kept = Array(kept.suffix(1 << 15)) }
            }
            try? errPipe.read.close()
            errBox.set(kept)
        }
        DispatchQueue(label: "crowdledger.exec.stdout").async(group: group) {
            var out: [UInt8] = []
            var tooLarge = false
            Spawn.readToEnd(outPipe.read) { chunk in
                if !tooLarge {
                    out += chunk
                    if out.count > externalOutputLimit { tooLarge = true; out = [] }
                }
            }
            try? outPipe.read.close()
            outBox.set(out)
            if tooLarge { flags.update { $0.insert(.tooLarge) } }
        }
        // A watchdog: on timeout, or when the program has exited but its output stays open (held
        // by a process it started) for `drainSeconds`, the whole process group is killed, which
        // closes the pipes.
        let started = DispatchTime.now()
        let pgid = Box<pid_t?>(nil), exitedAt = Box<DispatchTime?>(nil)
        DispatchQueue(label: "crowdledger.exec.watchdog").async {
            while !flags.get().contains(.finished) {
                usleep(50_000)
                guard let group = pgid.get() else { continue }
                let now = DispatchTime.now()
                let exited = exitedAt.get()
                if let timeout, exited == nil, now > started + .seconds(timeout) {
                    flags.update { $0.insert(.timedOut) }
                    killpg(group, SIGKILL)
                    return
                }
                if let e = exited, now > e + .seconds(drainSeconds) {
                    flags.update { $0.insert(.lingering) }
                    killpg(group, SIGKILL)
                    return
                }
            }
        }
        // The child leads a new process group (its pid is the group id), and `env` execs the
        // program in place, so a timeout or a lingering child can be stopped as a whole group.
        let options = { var o = PlatformOptions(); o.processGroupID = 0; return o }()
        let status: TerminationStatus
        do {
            status = try Spawn.blocking {
                try await Subprocess.run(
                    .path("/usr/bin/env"),
                    arguments: Arguments(["-i"] + env.keys.sorted().map { "\($0)=\(env[$0]!)" } + [absolute] + arguments),
                    environment: .custom([:]),
                    workingDirectory: FilePath("/"),
                    platformOptions: options,
                    input: .none,
                    output: .fileDescriptor(outPipe.write, closeAfterSpawningProcess: true),
                    error: .fileDescriptor(errPipe.write, closeAfterSpawningProcess: true)
                ) { execution in
                    pgid.set(execution.processIdentifier.value)
                }.terminationStatus
            }
        } catch {
            // Not started (or not waited for): nothing holds the write ends but this process.
            try? outPipe.write.close(); try? errPipe.write.close()
            group.wait()
            flags.update { $0.insert(.finished) }
            throw ProgramError("external program \(path): cannot start it: \(error)")
        }
        exitedAt.set(DispatchTime.now())
        group.wait()
        flags.update { $0.insert(.finished) }
        let ended = flags.get()
        if ended.contains(.timedOut) {
            throw ProgramError("external program \(path) did not finish within \(timeout ?? 0) s and was stopped")
        }
        if ended.contains(.lingering) {
            throw ProgramError("external program \(path) exited, but a process it started kept its standard output or error open for \(drainSeconds) s; that process was stopped and the result is not taken")
        }
        return Ran(status: status, out: outBox.get(), tooLarge: ended.contains(.tooLarge), stderr: errBox.get())
    }

    static func finish(_ ran: Ran, path: String, outputFile: String?) throws -> [UInt8] {
        let stderrText = tail(of: ran.stderr)

        switch ran.status {
        case .signaled(let signal):
            throw ProgramError("external program \(path) was killed by signal \(signal)\(stderrText)")
        case .exited(let code):
            if code != 0 {
                throw ProgramError("external program \(path) exited with status \(code)\(stderrText)")
            }
        }
        if ran.tooLarge {
            throw ProgramError("external program \(path) wrote more than \(externalOutputLimit) bytes to standard output")
        }
        if let outputFile {
            do {
                return try FileIO.readAll(outputFile, limit: externalOutputLimit)
            } catch {
                throw ProgramError("external program \(path) exited successfully but its output file cannot be read: \(error)")
            }
        }
        return ran.out
    }

    /// The published identity of an external program: lower-case hex SHA-256 of the file's bytes.
    public static func digest(path: String) throws -> String {
        do {
            return Hex.encode(SHA256.hash(try FileIO.readAll(path)))
        } catch {
            throw ProgramError("cannot read program \(error)")
        }
    }

    /// `"; its standard error ends: …"` with the last lines, or "" when it wrote nothing.
    static func tail(of data: [UInt8]) -> String {
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        lines = Array(lines.suffix(stderrLines))
        var joined = lines.joined(separator: " | ")
        if joined.count > 2000 { joined = "…" + String(joined.suffix(2000)) }
        return joined.isEmpty ? " (its standard error was empty)" : "; its standard error ends: \(joined)"
    }

    enum Flag: Hashable { case timedOut, tooLarge, lingering, finished }
}

/// Spawning through swift-subprocess from synchronous code, for this module and `MergeDriver`'s
/// git calls.
package enum Spawn {
    /// Runs `git` (through `/usr/bin/env`, with this process's environment) with `args` in `cwd`
    /// (or the current directory), standard input /dev/null and standard error discarded; its
    /// exit status (128 + N for death by signal N, 127 when it cannot be started) and standard
    /// output.
    package static func git(_ args: [String], cwd: String? = nil) -> (status: Int32, stdout: [UInt8]) {
        do {
            return try blocking {
                let r = try await Subprocess.run(
                    .path("/usr/bin/env"), arguments: Arguments(["git"] + args), environment: .inherit,
                    workingDirectory: cwd.map { FilePath($0) }, input: .none, output: .bytes(limit: 1 << 26), error: .discarded)
                switch r.terminationStatus {
                case .exited(let code): return (code, r.standardOutput)
                case .signaled(let signal): return (128 + signal, r.standardOutput)
                }
            }
        } catch {
            return (127, [])
        }
    }

    /// The current directory (`getcwd`), or "." when it cannot be read.
    static func currentDirectory() -> String {
        guard let p = getcwd(nil, 0) else { return "." }
        defer { free(p) }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: strlen(p)), as: UTF8.self)
    }

    /// A pipe whose two ends are closed on exec (the child gets its own copy through
    /// swift-subprocess's file actions).
    static func pipe() throws -> (read: FileDescriptor, write: FileDescriptor) {
        let p = try FileDescriptor.pipe()
        _ = fcntl(p.readEnd.rawValue, F_SETFD, FD_CLOEXEC)
        _ = fcntl(p.writeEnd.rawValue, F_SETFD, FD_CLOEXEC)
        return (p.readEnd, p.writeEnd)
    }

    /// Reads `fd` until end of file (or a read error), handing each chunk to `body`.
    static func readToEnd(_ fd: FileDescriptor, _ body: ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n: Int
            do {
                n = try buffer.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }
            } catch {
                return
            }
            if n <= 0 { return }
            body(Array(buffer[..<n]))
        }
    }

    /// Runs `operation` (swift-subprocess's `run` is async) to completion and returns its
    /// result, blocking the calling thread, which may be one of the shared pool's (a test, or
    /// any caller in async code). So the operation must not need a thread of that pool while the
    /// callers wait: its task and child tasks prefer a private serial dispatch queue (a task
    /// executor preference), and the one unstructured task swift-subprocess starts inside `run`
    /// (which does not inherit that preference) inherits the `.high` priority instead, so it runs
    /// on the pool of that priority's threads, not on the default one that callers block.
    static func blocking<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let result = Box<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: QueueExecutor.shared, priority: .high) {
            do { result.set(.success(try await operation())) } catch { result.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return try result.get()!.get()
    }
}

/// A task executor that runs its jobs on one private serial dispatch queue.
private final class QueueExecutor: TaskExecutor {
    static let shared = QueueExecutor()
    private let queue = DispatchQueue(label: "crowdledger.spawn")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// A value shared between threads, behind a lock.
private final class Box<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func get() -> Value { value.withLock { $0 } }
    func set(_ v: Value) { value.withLock { $0 = v } }
    func update(_ f: (inout Value) -> Void) { value.withLock { f(&$0) } }
}
