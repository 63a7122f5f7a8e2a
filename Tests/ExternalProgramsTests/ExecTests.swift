import Files
import Foundation
import LedgerCrypto
import TestSupport
import Testing
@testable import ExternalPrograms
import Programs
import TestSupport

@Suite struct ExecTests {
    /// Writes an executable shell script into a fresh temporary directory.
    static func script(_ body: String) throws -> (dir: String, path: String) {
        let dir = NSTemporaryDirectory() + "programs-exec-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/prog.sh"
        // Written through a close-on-exec descriptor: a process that another test spawns at the
        // same moment must not inherit it (exec of a file open for writing fails: ETXTBSY).
        try FileIO.createExclusive(path, contents: Array(("#!/bin/sh\n" + body + "\n").utf8), mode: 0o755)
        return (dir, path)
    }

    static func cleanup(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }

    @Test func passesTheCoinTaskAndInputs() throws {
        let (dir, path) = try Self.script(#"""
        printf '%s' "$CROWDLEDGER_COIN"
        printf '|%s|%s|%s|' "$CROWDLEDGER_TASK" "$CROWDLEDGER_INPUT_0" "$CROWDLEDGER_INPUT_1"
        printf '%s' "$CROWDLEDGER_INPUTS" | wc -l | tr -d ' \n'
        printf '|%s|%s' "$1" "${HOME:-nohome}"
        """#)
        defer { Self.cleanup(dir) }
        let out = try ExternalProgram.run(executable: path, arguments: ["arg one"], coin: testCoin, taskID: "task-42",
                                           inputPaths: ["/a/x", "/b/y"], outputFile: nil)
        #expect(String(decoding: out, as: UTF8.self) == Hex.encode(testCoin) + "|task-42|/a/x|/b/y|1|arg one|nohome")
    }

    /// The environment is exactly the documented variables, in sorted order, the same every run,
    /// and the working directory is "/".
    @Test func environmentIsSortedAndTheSameEveryRun() throws {
        let (dir, path) = try Self.script(#"""
        tr '\n' ' ' < /proc/$$/environ | tr '\0' '\n' | cut -d= -f1 | tr '\n' ' '
        printf '|%s' "$(pwd)"
        """#)
        defer { Self.cleanup(dir) }
        var outputs = Set<String>()
        for _ in 0..<5 {
            let out = try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t",
                                               inputPaths: ["/a", "/b", "/c"], outputFile: nil)
            outputs.insert(String(decoding: out, as: UTF8.self))
        }
        #expect(outputs.count == 1)
        let expected = ["CROWDLEDGER_COIN", "CROWDLEDGER_INPUTS", "CROWDLEDGER_INPUT_0", "CROWDLEDGER_INPUT_1",
                        "CROWDLEDGER_INPUT_2", "CROWDLEDGER_TASK", "PATH"].joined(separator: " ") + " |/"
        #expect(outputs.first == expected, "\(outputs)")
    }

    @Test func aTimeoutStopsAProgramThatDoesNotEnd() throws {
        let (dir, path) = try Self.script("sleep 300")
        defer { Self.cleanup(dir) }
        let start = Date()
        do {
            _ = try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t", inputPaths: [], outputFile: nil, timeout: 1)
            Issue.record("a program that never ends was accepted")
        } catch let e as ProgramError {
            #expect(e.reason.contains("did not finish within 1 s"), "\(e.reason)")
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func aChildHoldingTheOutputOpenDoesNotHangTheRun() throws {
        // The program exits at once, but leaves a process holding its standard output.
        let (dir, path) = try Self.script("(sleep 30) & echo hi")
        defer { Self.cleanup(dir) }
        let start = Date()
        do {
            _ = try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t", inputPaths: [], outputFile: nil)
            Issue.record("a result was taken while a child still held the output")
        } catch let e as ProgramError {
            #expect(e.reason.contains("kept its standard output or error open"), "\(e.reason)")
        }
        #expect(Date().timeIntervalSince(start) < Double(ExternalProgram.drainSeconds) + 5)
    }

    @Test func endlessStderrIsBounded() throws {
        // 8 MiB of stderr, then a failure: the error quotes only the end, and memory stays bounded.
        let (dir, path) = try Self.script("head -c 8388608 /dev/zero | tr '\\0' x >&2; echo THE-END >&2; exit 3")
        defer { Self.cleanup(dir) }
        do {
            _ = try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t", inputPaths: [], outputFile: nil)
            Issue.record("a failing program was accepted")
        } catch let e as ProgramError {
            #expect(e.reason.contains("THE-END") && e.reason.count < 70_000, "\(e.reason.count) characters")
        }
    }

    @Test func coinComesBackExactly() throws {
        let (dir, path) = try Self.script(#"printf '%s\n' "$CROWDLEDGER_COIN""#)
        defer { Self.cleanup(dir) }
        let out = try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t", inputPaths: [], outputFile: nil)
        #expect(out == Array((Hex.encode(testCoin) + "\n").utf8))
    }

    @Test func failureQuotesTheEndOfStderr() throws {
        let (dir, path) = try Self.script("echo starting >&2\necho 'cannot open model' >&2\nexit 3")
        defer { Self.cleanup(dir) }
        let r = reason { try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t", inputPaths: [], outputFile: nil) }
        #expect(r == "external program \(path) exited with status 3; its standard error ends: starting | cannot open model")
    }

    @Test func signalIsAnError() throws {
        let (dir, path) = try Self.script("kill -9 $$")
        defer { Self.cleanup(dir) }
        let r = reason { try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t", inputPaths: [], outputFile: nil) }
        #expect(r == "external program \(path) was killed by signal 9 (its standard error was empty)")
    }

    @Test func largeOutputOnBothStreamsDoesNotDeadlock() throws {
        // 4 MiB on stderr first, then 4 MiB on stdout: a sequential reader would block forever.
        let (dir, path) = try Self.script("head -c 4194304 /dev/zero >&2\nhead -c 4194304 /dev/zero")
        defer { Self.cleanup(dir) }
        let out = try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t", inputPaths: [], outputFile: nil)
        #expect(out.count == 4_194_304)
    }

    @Test func outputFileIsTheResult() throws {
        let (dir, path) = try Self.script(#"printf 'noise'; printf 'result %s' "$CROWDLEDGER_TASK" > "$CROWDLEDGER_OUTPUT""#)
        defer { Self.cleanup(dir) }
        let outPath = dir + "/out.bin"
        let out = try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t7", inputPaths: [], outputFile: outPath)
        #expect(out == Array("result t7".utf8))
        // A stale output file is refused.
        let r = reason { try ExternalProgram.run(executable: path, arguments: [], coin: testCoin, taskID: "t7", inputPaths: [], outputFile: outPath) }
        #expect(r == "external program \(path): output file \(outPath) already exists; remove it first")
        let missing = dir + "/never.bin"
        let r2 = reason { try ExternalProgram.run(executable: path + ".none", arguments: [], coin: testCoin, taskID: "t", inputPaths: [], outputFile: missing) }
        #expect(r2 == "external program \(path).none: no such file")
    }

    @Test func programDigestIsSHA256OfTheFile() throws {
        let (dir, path) = try Self.script("echo hi")
        defer { Self.cleanup(dir) }
        let digest = try ExternalProgram.digest(path: path)
        #expect(digest == Hex.encode(SHA256.hash(Array("#!/bin/sh\necho hi\n".utf8))))
        #expect(digest == (try coreutilsSHA256(Array("#!/bin/sh\necho hi\n".utf8))))
    }
}
