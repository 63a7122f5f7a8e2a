import Foundation
import LedgerCrypto

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
extension Programs {
    /// At most this many bytes of standard output are accepted.
    public static let externalOutputLimit = 1 << 30
    /// How many trailing lines of standard error an error message quotes.
    static let stderrLines = 8

    public static func runExternal(executable path: String, arguments: [String], coin: [UInt8], taskID: String,
                                   inputPaths: [String], outputFile: String?) throws -> [UInt8] {
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
            let (process, out, tooLarge, stderrData) = try start(absolute: absolute, path: path, env: env, arguments: arguments)
            if process.terminationReason == .exit, process.terminationStatus == 126, attempt < 6,
               String(decoding: stderrData, as: UTF8.self).contains("Text file busy") {
                usleep(UInt32(20_000 * attempt))
                continue
            }
            return try finish(process: process, out: out, tooLarge: tooLarge, stderrData: stderrData, path: path, outputFile: outputFile)
        }
    }

    /// Runs the program to completion; returns what it wrote.
    static func start(absolute: String, path: String, env: [String: String], arguments: [String]) throws -> (Process, Data, Bool, Data) {
        let process = Process()
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
        // Read stderr on another thread while this one reads stdout.
        let errBox = DataBox()
        let errHandle = errPipe.fileHandleForReading
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
        let outHandle = outPipe.fileHandleForReading
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
        group.wait()
        process.waitUntilExit()
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
    public static func programDigest(path: String) throws -> String {
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
private final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
