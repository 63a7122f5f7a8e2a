// Issue 12: the contract state (and the state cache every append loads) holds open tasks only;
// closed tasks are in the archive `.NAME.closed.state` beside it. These tests go through the CLI and the
// real files: the cache stays the same size while the archive grows, a cache and an archive that
// disagree are repaired or rebuilt (never trusted), a closed task is still shown and still refused.

import Files
import Foundation
import LedgerModel
import Testing

@Suite("The closed-task archive beside the state cache")
struct ClosedArchiveTests {
    /// A ledger with `open` tasks and `closed` tasks (published, then cancelled), through `batch`.
    final class Ledger: @unchecked Sendable {
        let dir: TempDir
        let path: String
        let alice: TestKey
        var t = CLI.t0
        var cache: String { dir.path(".ledger.jsonl.state") }
        var archive: String { dir.path(".ledger.jsonl.closed.state") }

        init() throws {
            dir = try TempDir()
            alice = try CLI.fixtureKey("alice", in: dir)
            let bob = try CLI.fixtureKey("bob", in: dir)
            path = try CLI.makeLedger(in: dir, keys: [alice, bob], fund: 1_000_000).path
        }

        @discardableResult
        func run(_ args: [String], stdin: [UInt8]? = nil) -> CLIResult {
            t += 1
            // In the temporary directory: a batch's publish stores its blobs beside the default
            // ledger (ledger/ledger.jsonl there), not beside the batch's.
            return CLI.run(args + ["--ledger", path], env: ["CROWDLEDGER_TIME": String(t), "NO_COLOR": "1"], stdin: stdin, cwd: dir.url.path)
        }

        /// Publishes `n` tasks; returns their ids.
        func publish(_ n: Int) throws -> [String] {
            let input = try dir.write("in.txt", "x\n")
            let line = "publish --key \(alice.path) --program hash-iterate --params '{\"iterations\":1}' --input \(input) --reward 2 --deposit 1 --workers 2\n"
            let r = run(["batch", "-"], stdin: Array(String(repeating: line, count: n).utf8))
            try #require(r.status == 0 && r.lines.count == n, "\(r)")
            return r.lines
        }

        func cancel(_ tasks: [String]) throws {
            let r = run(["batch", "-"], stdin: Array(tasks.map { "cancel \($0) --key \(alice.path)\n" }.joined().utf8))
            try #require(r.status == 0, "\(r)")
        }

        func size(_ p: String) -> Int64 { FileIO.size(p) ?? -1 }

        /// `status --json` without its `time` member (the clock moves with every run).
        func tasks() -> String {
            let s = run(["status", "--json"]).stdout
            return s.components(separatedBy: ",\"time\":").first ?? s
        }
    }

    @Test("the state cache does not grow with closed tasks; the archive does, one line each")
    func cacheStaysSmall() throws {
        let l = try Ledger()
        try l.cancel(try l.publish(4))
        let cacheAfter4 = l.size(l.cache), archiveAfter4 = l.size(l.archive)
        #expect(CLI.read(l.archive).filter { $0 == 0x0a }.count == 4)
        try l.cancel(try l.publish(60))
        let cacheAfter64 = l.size(l.cache), archiveAfter64 = l.size(l.archive)
        // Two more digits of counts at most; no task in it.
        #expect(cacheAfter64 - cacheAfter4 < 64, "cache \(cacheAfter4) -> \(cacheAfter64) bytes")
        #expect(!String(decoding: CLI.read(l.cache), as: UTF8.self).contains("hash-iterate"))
        #expect(CLI.read(l.archive).filter { $0 == 0x0a }.count == 64)
        #expect(archiveAfter64 > 15 * archiveAfter4, "archive \(archiveAfter4) -> \(archiveAfter64) bytes")
        // Everything is still shown, and verify counts every task.
        let s = l.run(["status", "--json"])
        #expect(s.status == 0 && s.stdout.components(separatedBy: "\"cancelled\"").count - 1 == 64, "\(s)")
        let v = l.run(["verify"])
        #expect(v.status == 0 && v.stdout.contains("64 tasks"), "\(v)")
    }

    @Test("status lists open and closed tasks in publish order, the same from the archive (warm), after a rebuild (cold) and from standard input")
    func statusStreamsInPublishOrder() throws {
        let l = try Ledger()
        let tasks = try l.publish(6)
        try l.cancel([tasks[1], tasks[3], tasks[4]])
        let time = String(l.t + 1)
        func status(_ extra: [String], ledger: String? = nil, stdin: [UInt8]? = nil) -> String {
            let r = CLI.run(["status"] + extra + ["--ledger", ledger ?? l.path], env: ["CROWDLEDGER_TIME": time, "NO_COLOR": "1"],
                            stdin: stdin, cwd: l.dir.url.path)
            #expect(r.status == 0, "\(r)")
            return r.stdout
        }
        for extra in [[], ["--json"]] {
            let warm = status(extra)
            try FileIO.removeFile(l.cache)
            try FileIO.removeFile(l.archive)
            let cold = status(extra)
            let piped = status(extra, ledger: "-", stdin: CLI.read(l.path))
            #expect(warm == cold && warm == piped, "\(warm)\n\(cold)\n\(piped)")
        }
        let lines = status([]).split(separator: "\n").map(String.init)
        #expect(lines.count == 7 && lines[0].hasPrefix("task  ") && lines[0].hasSuffix("deposit"))
        #expect(lines.dropFirst().map { String($0.prefix(64)) } == tasks)
        #expect(lines.dropFirst().map { $0.contains("  cancelled  ") } == [false, true, false, true, true, false])
        // Aligned: every row as long as the header.
        #expect(Set(lines.map(\.count)).count == 1, "\(lines)")
        let json = status(["--json"])
        #expect(json.hasPrefix("{\"tasks\":[{") && json.hasSuffix("],\"time\":\(time)}\n"))
        #expect(json.components(separatedBy: "\"cancelled\"").count - 1 == 3)
    }

    @Test("a closed task: status after deleting the cache and archive; join, cancel and settle refused, saying so")
    func closedTaskShownAndRefused() throws {
        let l = try Ledger()
        let tasks = try l.publish(2)
        try l.cancel([tasks[0]])
        let cancelLine = CLI.ledgerLines(l.path).count
        try FileIO.removeFile(l.cache)
        try FileIO.removeFile(l.archive)
        let s = l.run(["status", String(tasks[0].prefix(10))])
        #expect(s.status == 0 && s.stdout.contains("cancelled") && s.stdout.contains("(line \(cancelLine))"), "\(s)")
        #expect(FileIO.exists(l.cache) && FileIO.exists(l.archive))
        let bob = try CLI.fixtureKey("bob", in: l.dir)
        let before = CLI.read(l.path)
        let join = l.run(["join", tasks[0], "--key", bob.path])
        #expect(join.status == 1 && join.stderr.contains("already cancelled"), "\(join)")
        let settle = l.run(["settle", tasks[0]])
        #expect(settle.status == 1 && settle.stderr.contains("already cancelled"), "\(settle)")
        let ifNeeded = l.run(["settle", tasks[0], "--if-needed"])
        #expect(ifNeeded.status == 0 && ifNeeded.stderr.contains("already cancelled"), "\(ifNeeded)")
        // In a batch (whose lines build on the batch's ledger, not the default one), the same.
        let batch = l.run(["batch", "-"], stdin: Array("join \(tasks[0]) --key \(bob.path)\n".utf8))
        #expect(batch.status != 0 && batch.lines.count == 1 && batch.lines[0].contains("already cancelled"), "\(batch)")
        let wait = l.run(["wait", tasks[0], "--for", "commit"])
        #expect(wait.status == 1 && wait.stderr.contains("cancelled"), "\(wait)")
        expectSameBytes(CLI.read(l.path), before)
        // ... also after an accepted line of the same group (the batch's state is then ahead of
        // the cache on disk), for a task the same batch cancelled in an earlier group, and for one
        // it cancelled earlier in the same group (not yet written).
        let more = try l.publish(2)
        let mixed = l.run(["batch", "--group-size", "3", "-"], stdin: Array("""
            transfer --key \(l.alice.path) --to \(bob.account) --amount 1
            join \(tasks[0]) --key \(bob.path)
            cancel \(more[0]) --key \(l.alice.path)
            join \(more[0]) --key \(bob.path)
            cancel \(more[1]) --key \(l.alice.path)
            settle \(String(more[1].prefix(12)))

            """.utf8))
        #expect(mixed.status != 0 && mixed.lines.count == 6, "\(mixed)")
        #expect(mixed.lines[1].contains("already cancelled") && mixed.lines[3].contains("already cancelled"), "\(mixed)")
        #expect(mixed.lines[4].count == 64 && mixed.lines[5].contains("task \(more[1]) is already cancelled"), "\(mixed)")
        // From standard input (no cache, no archive): found by the replay.
        let piped = CLI.run(["status", tasks[0], "--ledger", "-"], env: ["NO_COLOR": "1"], stdin: before)
        #expect(piped.status == 0 && piped.stdout.contains("cancelled"), "\(piped)")
        // The other task is open; a task never published is still "no task".
        #expect(l.run(["status", tasks[1]]).stdout.contains("joining"))
        let none = l.run(["status", String(repeating: "ab", count: 32)])
        #expect(none.status == 2 && none.stderr.contains("no task"), "\(none)")
    }

    @Test("an archive cut short, longer than the cache says, or edited is never trusted")
    func disagreeingArchive() throws {
        let l = try Ledger()
        let tasks = try l.publish(3)
        try l.cancel(tasks)
        let good = CLI.read(l.archive)
        let status = l.tasks()
        #expect(status.components(separatedBy: "\"cancelled\"").count - 1 == 3)

        // Cut short (the last line gone): the cache is not used; a read rebuilds both.
        let cut = Array(good.dropLast(1).split(separator: 0x0a, omittingEmptySubsequences: false).dropLast().joined(separator: [0x0a])) + [0x0a]
        try FileIO.replaceAtomically(l.archive, contents: cut)
        #expect(l.tasks() == status)
        expectSameBytes(CLI.read(l.archive), good)

        // Longer than the cache says (a crash between the archive's write and the cache's): the
        // next append cuts the extra bytes before it adds its own.
        try FileIO.replaceAtomically(l.archive, contents: good + Array("{\"junk\":1}\n".utf8))
        let bob = try CLI.fixtureKey("bob", in: l.dir)
        #expect(l.run(["transfer", "--key", l.alice.path, "--to", bob.account, "--amount", "1"]).status == 0)
        #expect(l.tasks() == status)
        expectSameBytes(CLI.read(l.archive), good)

        // Edited in place (same length): the digest chain the cache records finds it; the read
        // rebuilds the archive from the ledger and shows the ledger's truth.
        var edited = good
        let reward = Array("\"reward\":2".utf8)
        let at = try #require((0...(edited.count - reward.count)).first { Array(edited[$0..<($0 + reward.count)]) == reward })
        edited[at + reward.count - 1] = UInt8(ascii: "9")
        try FileIO.replaceAtomically(l.archive, contents: edited)
        let shown = l.tasks()
        #expect(shown == status && !shown.contains("\"reward\":9"), "\(shown)")
        expectSameBytes(CLI.read(l.archive), good)
        // status TASK reads the archive too.
        try FileIO.replaceAtomically(l.archive, contents: edited)
        let one = l.run(["status", tasks[0], "--json"])
        #expect(one.status == 0 && !one.stdout.contains("\"reward\":9") && one.stdout.contains("cancelled"), "\(one)")

        // Deleted: rebuilt by the next read, byte for byte.
        try FileIO.removeFile(l.archive)
        #expect(l.tasks() == status)
        expectSameBytes(CLI.read(l.archive), good)
        #expect(l.run(["verify"]).status == 0)
    }

    @Test("a forged ledger line naming a closed task: verify's finding is `rejected` on that line, and says the task is not open")
    func forgedLineNamingAClosedTask() throws {
        let l = try Ledger()
        let tasks = try l.publish(1)
        try l.cancel(tasks)
        let bob = try CLI.fixtureKey("bob", in: l.dir)
        // A join appended to a copy of the ledger before the cancel, then moved after it.
        let lines = CLI.ledgerLines(l.path)
        let copy = l.dir.path("copy.jsonl")
        try FileIO.createExclusive(copy, contents: Array(lines.dropLast().joined(separator: [0x0a])) + [0x0a], mode: 0o644)
        let j = CLI.run(["join", tasks[0], "--key", bob.path, "--ledger", copy, "--json"], env: ["CROWDLEDGER_TIME": String(l.t + 1)])
        try #require(j.status == 0, "\(j)")
        // The join's signed transaction, re-chained after the cancel: a forged but well-formed line.
        let join = try Entry.parse(line: CLI.ledgerLines(copy).last!, lineNumber: lines.count)
        let last = try Entry.parse(line: lines.last!, lineNumber: lines.count)
        let forged = Entry(seq: last.seq + 1, link: last.hash, time: last.time, tx: join.tx)
        let path = l.dir.path("forged.jsonl")
        try FileIO.createExclusive(path, contents: CLI.read(l.path) + forged.line + [0x0a], mode: 0o644)
        let v = CLI.run(["verify", "--ledger", path])
        // The same code as before closed tasks left the state (and as a task never published).
        #expect(v.status == 1 && v.firstFinding?.line == lines.count + 1 && v.firstFinding?.code == "rejected", "\(v)")
        #expect(v.stderr.contains("join: task \(tasks[0]) is not open on this ledger: never published, or already closed"), "\(v)")
        // A read of it stops at the same line, with the same finding.
        let s = CLI.run(["status", "--ledger", path])
        #expect(s.status == 1 && s.firstFinding?.line == lines.count + 1 && s.firstFinding?.code == "rejected", "\(s)")
    }
}
