// A small harness for tests that run the real `crowdledger` executable.
//
//     let dir = try TempDir()                                  // removed (recursively) when `dir` goes away
//     let alice = try CLI.fixtureKey("alice", in: dir)         // copy of fixtures/keys/alice.pem, mode 0600
//     let bob = try CLI.newKey(in: dir, name: "bob")           // made by `crowdledger keygen`
//     let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2)  // init + transfers at CLI.t0
//     let r = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "5"],
//                     env: ["CROWDLEDGER_TIME": String(CLI.t0)])
//     #expect(r.status == 0 && r.lines.count == 1)               // stdout: the transaction id
//     let v = CLI.run(["verify", "--ledger", ledger.path])
//     v.firstFinding                                           // (line, code) from `crowdledger: PATH:LINE: CODE: …`
//     expectSameBytes(CLI.read(ledger.path), before)           // file unchanged (short failure message)
//
// - `CLI.run(args, env:, stdin:, cwd:)` blocks until the process exits and returns a `CLIResult`
//   (status, stdout/stderr as bytes and text, `lines`, `firstFinding`).
// - `CLI.start(...)` returns a `CLIProcess` to `wait()` on, for processes that must run at once;
//   `executable:` runs another program (e.g. "/bin/bash"); `CLI.bash(script, env:)` runs a script
//   under `set -euo pipefail`.
// - The child gets this process's environment minus every `CROWDLEDGER_*` variable, plus `env`.
// - `CLI.binary` is the executable under test (see there); `CLI.packageRoot` the source tree.

import Files
import Foundation
import LedgerCrypto
import Testing

/// What a finished process did.
struct CLIResult: CustomStringConvertible, Sendable {
    /// The exit status (128 + signal number when a signal killed it).
    var status: Int32
    var stdoutBytes: [UInt8]
    var stderrBytes: [UInt8]
    var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    var stderr: String { String(decoding: stderrBytes, as: UTF8.self) }
    /// stdout split into lines (without the final empty piece).
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast(stdout.hasSuffix("\n") ? 1 : 0).map(String.init) }

    /// The first `…:LINE: CODE: …` in stderr — how `verify` and refused appends name a finding:
    /// `crowdledger: PATH:LINE: CODE: MESSAGE`.
    var firstFinding: (line: Int, code: String)? {
        for raw in stderr.split(separator: "\n") {
            let parts = raw.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            // Find "<digits>" followed by a "<lower-case-code>" part.
            for i in 0..<max(0, parts.count - 1) {
                if let n = Int(parts[i]), !parts[i].isEmpty,
                   parts[i + 1].allSatisfy({ $0.isLowercase || $0 == "-" }), !parts[i + 1].isEmpty {
                    return (n, parts[i + 1])
                }
            }
        }
        return nil
    }

    var description: String { "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// A process started by `CLI.start`; `wait()` collects its result.
final class CLIProcess: @unchecked Sendable {
    fileprivate let process: Process
    fileprivate let out: URL, err: URL
    fileprivate init(process: Process, out: URL, err: URL) { self.process = process; self.out = out; self.err = err }

    /// The process id (to signal it, or to look at /proc/PID).
    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    func wait() -> CLIResult {
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        let o = (try? Data(contentsOf: out)).map { [UInt8]($0) } ?? []
        let e = (try? Data(contentsOf: err)).map { [UInt8]($0) } ?? []
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
        return CLIResult(status: status, stdoutBytes: o, stderrBytes: e)
    }
}

/// A fresh directory under the system temporary directory, removed (recursively) on deinit.
final class TempDir: @unchecked Sendable {
    let url: URL
    var root: String { url.path }

    init(_ label: String = "crowdledger-test") throws {
        let base = FileManager.default.temporaryDirectory
        url = base.appendingPathComponent("\(label)-\(getpid())-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes a file (replacing it) through a close-on-exec descriptor, so a process another
    /// test spawns at that moment cannot inherit it (an executable open for writing cannot be
    /// run: ETXTBSY).
    func write(_ name: String, _ bytes: [UInt8], mode: Int = 0o644) throws -> String {
        let p = path(name)
        try FileIO.replaceAtomically(p, contents: bytes, mode: UInt16(mode))
        return p
    }

    func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        try write(name, Array(text.utf8), mode: mode)
    }
}

/// A private key file and its account id.
struct TestKey: Sendable {
    let path: String
    let account: String
}

enum CLI {
    /// The package root (the directory holding Package.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `crowdledger` executable: `$CROWDLEDGER_BIN` when set; else the one beside the running
    /// test bundle (`swift test` builds it into the same `<scratch>/<triple>/debug/` directory as
    /// `crowdledgerPackageTests.xctest`, whatever `--scratch-path` is); else `.build/debug/`.
    static let binary: String = {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["CROWDLEDGER_BIN"], !env.isEmpty { return env }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("crowdledger").path)
        }
        let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(arg0.deletingLastPathComponent().appendingPathComponent("crowdledger").path)
        // A macOS .xctest bundle: <dir>/X.xctest/Contents/MacOS/X.
        candidates.append(arg0.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("crowdledger").path)
        candidates.append(packageRoot.appendingPathComponent(".build/debug/crowdledger").path)
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        return candidates.first ?? "crowdledger"
    }()

    /// Starts `crowdledger ARGS` (or, with `executable`, another program) without waiting.
    static func start(_ args: [String], env: [String: String] = [:], stdin: [UInt8]? = nil,
                      cwd: String? = nil, executable: String? = nil) -> CLIProcess {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? binary)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CROWDLEDGER_") }
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let tmp = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        let out = tmp.appendingPathComponent("cl-out-\(id)"), err = tmp.appendingPathComponent("cl-err-\(id)")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try? FileHandle(forWritingTo: out)
        p.standardError = try? FileHandle(forWritingTo: err)
        if let stdin {
            let inFile = tmp.appendingPathComponent("cl-in-\(id)")
            FileManager.default.createFile(atPath: inFile.path, contents: Data(stdin))
            p.standardInput = try? FileHandle(forReadingFrom: inFile)
            try? FileManager.default.removeItem(at: inFile)  // the open handle keeps the data
        } else {
            p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        }
        do { try p.run() } catch {
            Issue.record("cannot start \(p.executableURL!.path): \(error) — build it first (swift build) or set CROWDLEDGER_BIN")
        }
        return CLIProcess(process: p, out: out, err: err)
    }

    /// Runs `crowdledger ARGS` to completion.
    @discardableResult
    static func run(_ args: [String], env: [String: String] = [:], stdin: [UInt8]? = nil, cwd: String? = nil) -> CLIResult {
        start(args, env: env, stdin: stdin, cwd: cwd).wait()
    }

    /// Runs `bash -c SCRIPT` (with `set -euo pipefail`) — for shell recipes and tool checks.
    @discardableResult
    static func bash(_ script: String, env: [String: String] = [:], cwd: String? = nil) -> CLIResult {
        start(["-c", "set -euo pipefail\n" + script], env: env, cwd: cwd, executable: "/bin/bash").wait()
    }

    /// A new key made by `crowdledger keygen` in `dir`.
    static func newKey(in dir: TempDir, name: String) throws -> TestKey {
        let path = dir.path("\(name).pem")
        let r = run(["keygen", "--out", path])
        guard r.status == 0, let account = r.lines.first, account.count == 64 else {
            throw HarnessError("keygen failed: \(r)")
        }
        return TestKey(path: path, account: account)
    }

    /// A copy of `fixtures/keys/NAME.pem` in `dir`, mode 0600 (git checks them out 0644, which the
    /// tool refuses), with its account id from `crowdledger account`.
    static func fixtureKey(_ name: String, in dir: TempDir) throws -> TestKey {
        let src = packageRoot.appendingPathComponent("fixtures/keys/\(name).pem")
        let bytes = try [UInt8](Data(contentsOf: src))
        let path = try dir.write("\(name).pem", bytes, mode: 0o600)
        let r = run(["account", path])
        guard r.status == 0, let account = r.lines.first, account.count == 64 else {
            throw HarnessError("account failed: \(r)")
        }
        return TestKey(path: path, account: account)
    }

    /// The default entry time the helpers use (`CROWDLEDGER_TIME`).
    static let t0: Int64 = 1_700_000_000

    /// A ledger in `dir` made by `init` (funding each key `fund`) and `transfers` transfers from
    /// the first key to the second (amount 1, 2, 3, …), all at time `t0`. Returns its path and id.
    static func makeLedger(in dir: TempDir, keys: [TestKey], fund: Int64 = 1000, transfers: Int = 0,
                           name: String = "test", file: String = "ledger.jsonl") throws -> (path: String, id: String) {
        let path = dir.path(file)
        let env = ["CROWDLEDGER_TIME": String(t0)]
        let r = run(["init", "--ledger", path, "--name", name] + keys.flatMap { ["--fund", "\($0.account)=\(fund)"] }, env: env)
        guard r.status == 0, let id = r.lines.first, id.count == 64 else { throw HarnessError("init failed: \(r)") }
        for i in 0..<transfers {
            let t = run(["transfer", "--ledger", path, "--key", keys[0].path, "--to", keys[1].account, "--amount", String(i + 1)], env: env)
            guard t.status == 0 else { throw HarnessError("transfer failed: \(t)") }
        }
        return (path, id)
    }

    /// The bytes of a file (empty when it cannot be read).
    static func read(_ path: String) -> [UInt8] {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { [UInt8]($0) } ?? []
    }

    /// The lines of a ledger file (without newlines).
    static func ledgerLines(_ path: String) -> [[UInt8]] {
        var lines = read(path).split(separator: 0x0a, omittingEmptySubsequences: false).map(Array.init)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Records an issue when two byte strings differ, with a short message (an `#expect(a == b)`
/// on two byte arrays prints both in full).
func expectSameBytes(_ actual: [UInt8], _ expected: [UInt8], _ comment: String = "",
                     sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual != expected else { return }
    let firstDifference = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(actual.count, expected.count)
    Issue.record("bytes differ: \(actual.count) bytes, expected \(expected.count); first difference at offset \(firstDifference) \(comment)",
                 sourceLocation: sourceLocation)
}
