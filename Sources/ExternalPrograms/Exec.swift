import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Files
import LedgerCrypto
import Programs

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
        guard FileManager.default.isExecutableFile(atPath: path), !FileIO.isDirectory(path) else {
            throw ProgramError("external program \(path): not an executable file")
        }
        if let outputFile, FileIO.exists(outputFile) {
            throw ProgramError("external program \(path): output file \(outputFile) already exists; remove it first")
        }
        var env: [String: String] = [
            "CROWDLEDGER_COIN": Hex.encode(coin),
            "CROWDLEDGER_TASK": taskID,
            "CROWDLEDGER_INPUTS": inputPaths.joined(separator: "\n"),
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
        ]
        for (i, p) in inputPaths.enumerated() { env["CROWDLEDGER_INPUT_\(i)"] = p }
        // The program runs in "/", so the output file is handed over as an absolute path.
        let outputFile = outputFile.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 }
        if let outputFile { env["CROWDLEDGER_OUTPUT"] = outputFile }

        // The program gets exactly this environment, in sorted order (Foundation's Process takes a
        // dictionary, whose order changes from run to run: a program that walks its environment
        // would see a different order each time), through `env -i`, with "/" as its working
        // directory, so nothing of the caller's shell leaks in.
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        guard !absolute.contains("=") else {
            throw ProgramError("external program \(path): a program path may not contain '='")
        }
        // A program file that another process still holds open for writing (e.g. a build step
        // that just wrote it, or a descriptor inherited by a process spawned at that moment)
        // cannot be executed yet (ETXTBSY): try a few times before giving up.
        var attempt = 0
        while true {
            attempt += 1
            let (process, out, tooLarge, stderrData) = try start(absolute: absolute, path: path, env: env, arguments: arguments, timeout: timeout)
            if process.terminationReason == .exit, process.terminationStatus == 126, attempt < 6,
               String(decoding: stderrData, as: UTF8.self).contains("Text file busy") {
                usleep(UInt32(20_000 * attempt))
                continue
            }
            return try finish(process: process, out: out, tooLarge: tooLarge, stderrData: stderrData, path: path, outputFile: outputFile)
        }
    }

    /// Runs the program to completion; returns what it wrote.
    static func start(absolute: String, path: String, env: [String: String], arguments: [String], timeout: Int?) throws -> (Process, Data, Bool, Data) {
        let process = Process()
        // Foundation starts the child as the leader of a new process group (its pid is the group
        // id), and `env` execs the program in place, so a timeout or a lingering child can be
        // stopped as a whole group.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["-i"] + env.keys.sorted().map { "\($0)=\(env[$0]!)" } + [absolute] + arguments
        process.environment = [:]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ProgramError("external program \(path): cannot start it: \(error.localizedDescription)")
        }
        // Both streams are read on other threads, so this one can wait for the program itself.
        let errBox = DataBox(), outBox = DataBox(), flags = FlagBox()
        let errHandle = errPipe.fileHandleForReading, outHandle = outPipe.fileHandleForReading
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            // Keep only the end of standard error (it is quoted in errors): a program that writes
            // without end must not fill memory.
            var kept = Data()
            while true {
                let chunk = errHandle.availableData
                if chunk.isEmpty { break }
                kept.append(chunk)
                if kept.count > 1 << 16 { kept = kept.suffix(1 << 15) }
            }
            errBox.set(kept)
        }
        DispatchQueue.global().async(group: group) {
            var out = Data()
            var tooLarge = false
            while true {
                let chunk = outHandle.availableData
                if chunk.isEmpty { break }
                if !tooLarge {
                    out.append(chunk)
                    if out.count > externalOutputLimit { tooLarge = true; out = Data() }
                }
            }
            outBox.set(out)
            if tooLarge { flags.set(.tooLarge) }
        }
        // A watchdog: on timeout, or when the program has exited but its output stays open (held
        // by a process it started) for `drainSeconds`, the whole process group is killed, which
        // closes the pipes. (Foundation's waitUntilExit returns only once they close.)
        let pgid = process.processIdentifier
        let started = DispatchTime.now()
        let done = FlagBox()
        DispatchQueue.global().async {
            var exitedAt: DispatchTime?
            while !done.has(.finished) {
                usleep(50_000)
                let now = DispatchTime.now()
                if exitedAt == nil && !isAlive(pgid) { exitedAt = now }
                if let timeout, exitedAt == nil, now > started + .seconds(timeout) {
                    flags.set(.timedOut)
                    killpg(pgid, SIGKILL)
                    return
                }
                if let e = exitedAt, now > e + .seconds(drainSeconds) {
                    flags.set(.lingering)
                    killpg(pgid, SIGKILL)
                    return
                }
            }
        }
        process.waitUntilExit()
        group.wait()
        done.set(.finished)
        if flags.has(.timedOut) {
            throw ProgramError("external program \(path) did not finish within \(timeout ?? 0) s and was stopped")
        }
        if flags.has(.lingering) {
            throw ProgramError("external program \(path) exited, but a process it started kept its standard output or error open for \(drainSeconds) s; that process was stopped and the result is not taken")
        }
        let out = outBox.get(), tooLarge = flags.has(.tooLarge)
        return (process, out, tooLarge, errBox.get())
    }

    static func finish(process: Process, out: Data, tooLarge: Bool, stderrData: Data, path: String, outputFile: String?) throws -> [UInt8] {
        let stderrText = tail(of: stderrData)

        switch process.terminationReason {
        case .uncaughtSignal:
            throw ProgramError("external program \(path) was killed by signal \(process.terminationStatus)\(stderrText)")
        case .exit:
            if process.terminationStatus != 0 {
                throw ProgramError("external program \(path) exited with status \(process.terminationStatus)\(stderrText)")
            }
        @unknown default:
            throw ProgramError("external program \(path) ended abnormally\(stderrText)")
        }
        if tooLarge {
            throw ProgramError("external program \(path) wrote more than \(externalOutputLimit) bytes to standard output")
        }
        if let outputFile {
            do {
                return try FileIO.readAll(outputFile, limit: externalOutputLimit)
            } catch {
                throw ProgramError("external program \(path) exited successfully but its output file cannot be read: \(error)")
            }
        }
        return [UInt8](out)
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
    static func tail(of data: Data) -> String {
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        lines = Array(lines.suffix(stderrLines))
        var joined = lines.joined(separator: " | ")
        if joined.count > 2000 { joined = "…" + String(joined.suffix(2000)) }
        return joined.isEmpty ? " (its standard error was empty)" : "; its standard error ends: \(joined)"
    }
}

/// A thread-safe holder for the bytes read on the other thread.
/// Whether process `pid` is still running (not gone, not a zombie), from /proc.
private func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state != "Z" && state != "X"
}

private final class FlagBox: @unchecked Sendable {
    enum Flag: Hashable { case timedOut, tooLarge, lingering, finished }
    private let lock = NSLock()
    private var flags = Set<Flag>()
    func set(_ f: Flag) { lock.lock(); flags.insert(f); lock.unlock() }
    func has(_ f: Flag) -> Bool { lock.lock(); defer { lock.unlock() }; return flags.contains(f) }
}

private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
