import Files
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 13: appends and reads racing other processes (a file renamed over the ledger, a writer
/// in the middle of its write, SIGKILL at random points), input bytes that are not UTF-8, repair
/// of odd names, and a closed standard output. Everything through the real executable and real
/// files. Heavier soak figures are in docs/RELIABILITY.md (run by hand on a release build).
@Suite("Reliability (issue 13)", .serialized) struct ReliabilityTests {
    static let env = ["CROWDLEDGER_TIME": String(CLI.t0)]

    func setUp(_ dir: TempDir, transfers: Int = 1) throws -> (path: String, alice: TestKey, bob: TestKey) {
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], fund: 1_000_000, transfers: transfers)
        return (path, alice, bob)
    }

    func transferArgs(_ path: String, _ from: TestKey, _ to: TestKey, amount: Int = 1) -> [String] {
        ["transfer", "--ledger", path, "--key", from.path, "--to", to.account, "--amount", String(amount)]
    }

    /// The transaction ids in the file the path names (from `log --json`; ids are not stored in
    /// the lines, they are derived from the transaction).
    func ids(_ path: String) -> Set<String> {
        let r = CLI.run(["log", "--json", "--ledger", path])
        #expect(r.status == 0, "\(r)")
        return Set(r.lines.compactMap { line -> String? in
            guard let range = line.range(of: "\"id\":\"") else { return nil }
            return String(line[range.upperBound...].prefix(64))
        })
    }

    func oneLine(_ r: CLIResult) -> Bool {
        r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("crowdledger: ") && !r.stderr.contains("Fatal error")
    }

    /// Holds an exclusive flock on the file the path names now (as an appender would).
    final class Lock {
        let fd: Int32
        init(_ path: String) {
            fd = open(path, O_RDWR | O_CLOEXEC)
            precondition(fd >= 0 && flock(fd, LOCK_EX) == 0, "cannot lock \(path)")
        }
        func release() { _ = flock(fd, LOCK_UN); _ = close(fd) }
    }

    func inode(_ path: String) -> (UInt64, UInt64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }

    /// Waits until process `p` has the file with this (device, inode) open; false after 20 s or
    /// when the process has ended.
    func waitUntilOpen(_ p: CLIProcess, _ id: (UInt64, UInt64)) -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && p.isRunning {
            let dir = "/proc/\(p.pid)/fd"
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                if let other = inode("\(dir)/\(fd)"), other == id { return true }
            }
            usleep(2000)
        }
        return false
    }

    // MARK: 1. A file renamed over the ledger

    @Test("an append waiting for the lock while a copy is renamed over the ledger lands in the new file (50 races)")
    func renameOverWhileWaiting() throws {
        let dir = try TempDir()
        let (path, alice, bob) = try setUp(dir)
        var acknowledged: [String] = []
        for round in 0..<50 {
            let lock = Lock(path)
            let old = inode(path)!
            let p = CLI.start(transferArgs(path, alice, bob, amount: round + 1), env: Self.env)
            // The append has opened the old file and waits for its lock (every other round, the
            // rename happens before the append even starts, and it must simply use the new file).
            let waited = round % 2 == 0 ? waitUntilOpen(p, old) : true
            #expect(waited, "round \(round): the append never opened the ledger")
            let copy = try dir.write("replacement.jsonl", CLI.read(path))
            #expect(rename(copy, path) == 0)
            lock.release()
            let r = p.wait()
            #expect(r.status == 0, "round \(round): \(r)")
            guard r.status == 0, let id = r.lines.first else { continue }
            acknowledged.append(id)
            #expect(CLI.ledgerLines(path).count == round + 3, "round \(round): the acknowledged append is not in the file the path names")
        }
        #expect(acknowledged.count == 50)
        #expect(Set(acknowledged).isSubset(of: ids(path)))
        let v = CLI.run(["verify", "--ledger", path])
        #expect(v.status == 0, "\(v)")
    }

    @Test("an append waiting while git (`pull`, `checkout`) replaces the ledger is appended after upstream's lines, and the ledger verifies",
          arguments: ["pull -q --ff-only", "checkout -q origin/main -- ledger.jsonl"])
    func gitReplacesWhileWaiting(_ gitCommand: String) throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let git = "git -c user.name=t -c user.email=t@example.org -c init.defaultBranch=main"
        let setup = CLI.bash("""
            \(git) init -q --bare origin.git
            \(git) init -q a && cd a
            printf '.*.state\\n.*.tmp-*\\n' > .gitignore
            "$BIN" init --ledger ledger.jsonl --fund "$A=1000" --fund "$B=1000" >/dev/null
            \(git) add -A && \(git) commit -qm genesis && \(git) push -q ../origin.git HEAD:main
            \(git) branch -q --set-upstream-to=origin/main 2>/dev/null || true
            cd .. && \(git) clone -q origin.git b && cd b
            "$BIN" transfer --ledger ledger.jsonl --key ../bob.pem --to "$A" --amount 7 >/dev/null
            \(git) commit -qam upstream && \(git) push -q origin HEAD:main
            cd ../a && \(git) remote add origin ../origin.git && \(git) fetch -q origin && \(git) branch -q --set-upstream-to=origin/main
            """, env: ["BIN": CLI.binary, "A": alice.account, "B": bob.account, "CROWDLEDGER_TIME": String(CLI.t0)], cwd: dir.root)
        try #require(setup.status == 0, "\(setup)")
        let path = dir.path("a/ledger.jsonl")
        let old = inode(path)!
        // flock(1) holds the ledger's lock (as an append in progress would) until `go` appears,
        // then pulls or checks out upstream's version: git writes a new file in place of the ledger.
        let puller = CLI.start(["-c", "flock ledger.jsonl -c 'while [ ! -e go ]; do sleep 0.02; done; \(git) \(gitCommand)'"],
                               cwd: dir.path("a"), executable: "/bin/bash")
        usleep(200_000)
        let p = CLI.start(transferArgs(path, alice, bob, amount: 3), env: Self.env)
        #expect(waitUntilOpen(p, old))
        _ = try dir.write("a/go", "")
        let pulled = puller.wait()
        #expect(pulled.status == 0, "\(pulled)")
        let r = p.wait()
        #expect(r.status == 0, "\(r)")
        #expect(inode(path)! != old, "git did not replace the file: the race was not exercised")
        let lines = CLI.ledgerLines(path).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.count == 3, "genesis, upstream's transfer, ours: \(lines.count) lines")
        if let id = r.lines.first { #expect(ids(path).contains(id)) }
        #expect(CLI.run(["verify", "--ledger", path]).status == 0)
    }

    // MARK: 2. Readers and an append in progress

    @Test("a reader that finds a half-written last line waits for the writer's lock and sees the whole line; a real torn tail is still reported")
    func readerWaitsForWriter() throws {
        let dir = try TempDir()
        let (path, _, _) = try setUp(dir, transfers: 2)
        let full = CLI.read(path)
        let lines = CLI.ledgerLines(path)
        let last = lines.last! + [0x0a]
        let prefix = Array(full.dropLast(last.count))
        try FileIO.replaceAtomically(path, contents: prefix, mode: 0o644)
        for command in [["verify"], ["balances", "--json"], ["log"], ["status"]] {
            // A writer holds the lock and has written half of its line.
            let lock = Lock(path)
            let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
            _ = last.withUnsafeBytes { write(fd, $0.baseAddress, last.count / 2) }
            let reader = CLI.start(command + ["--ledger", path])
            usleep(300_000)
            #expect(reader.isRunning, "\(command[0]) did not wait for the append in progress")
            _ = last.withUnsafeBytes { write(fd, $0.baseAddress! + last.count / 2, last.count - last.count / 2) }
            close(fd)
            lock.release()
            let r = reader.wait()
            #expect(r.status == 0 && !r.stderr.contains("torn-tail"), "\(command[0]): \(r)")
            expectSameBytes(CLI.read(path), full)
            try FileIO.replaceAtomically(path, contents: prefix, mode: 0o644)
        }
        // A crash: half a line and nobody holding the lock. Still torn after the wait.
        try FileIO.replaceAtomically(path, contents: prefix + last.prefix(last.count / 2), mode: 0o644)
        let v = CLI.run(["verify", "--ledger", path])
        #expect(v.status == 1 && v.firstFinding?.code == "torn-tail", "\(v)")
        let b = CLI.run(["balances", "--ledger", path])
        #expect(b.status == 1 && b.firstFinding?.code == "torn-tail", "\(b)")
    }

    @Test("readers in a loop beside three concurrent writers never report a finding")
    func readersBesideWriters() throws {
        let dir = try TempDir()
        let (path, alice, bob) = try setUp(dir)
        let carol = try CLI.newKey(in: dir, name: "carol")
        #expect(CLI.run(transferArgs(path, alice, carol, amount: 1000), env: Self.env).status == 0)
        let script = """
            writer() { for i in $(seq 12); do "$BIN" transfer --ledger "$L" --key "$1" --to "$2" --amount 1 >>"$3" || echo FAIL >>"$3"; done; }
            reader() { while [ ! -e done ]; do "$BIN" $1 --ledger "$L" >/dev/null 2>>reader-errors || echo "$1 exit $?" >>reader-errors; done; }
            touch reader-errors
            reader verify & r1=$!; reader balances & r2=$!
            writer "$KA" "$B" ids1 & w1=$!; writer "$KB" "$A" ids2 & w2=$!; writer "$KC" "$A" ids3 & w3=$!
            wait $w1 $w2 $w3; touch done; wait $r1 $r2
            cat ids1 ids2 ids3
            echo "reader errors: $(wc -l < reader-errors)"; cat reader-errors
            """
        let r = CLI.bash(script, env: ["BIN": CLI.binary, "L": path, "KA": alice.path, "KB": bob.path, "KC": carol.path,
                                       "A": alice.account, "B": bob.account, "CROWDLEDGER_TIME": String(CLI.t0)], cwd: dir.root)
        #expect(r.status == 0 && r.stdout.contains("reader errors: 0"), "\(r)")
        let ids = r.lines.filter { $0.count == 64 }
        #expect(ids.count == 36 && !r.stdout.contains("FAIL"), "\(r)")
        #expect(Set(ids).isSubset(of: self.ids(path)))
        #expect(CLI.run(["verify", "--ledger", path]).status == 0)
    }

    @Test("8 processes appending at once with the system clock: every acknowledged append is in a valid ledger")
    func eightProcessesSystemClock() throws {
        let dir = try TempDir()
        let (path, alice, bob) = try setUp(dir)
        // System clock: no CROWDLEDGER_TIME. Each process appends 3 transfers.
        let procs = (0..<8).map { i in
            CLI.start(["-c", "for j in 1 2 3; do \"$BIN\" transfer --ledger \"$L\" --key \"$K\" --to \"$T\" --amount 1 || exit $?; done",
                       ], env: ["BIN": CLI.binary, "L": path, "K": i % 2 == 0 ? alice.path : bob.path,
                                "T": i % 2 == 0 ? bob.account : alice.account], executable: "/bin/bash")
        }
        let results = procs.map { $0.wait() }
        for r in results { #expect(r.status == 0, "\(r)") }
        let ids = results.flatMap { $0.lines.filter { $0.count == 64 } }
        #expect(ids.count == 24)
        #expect(Set(ids).isSubset(of: self.ids(path)))
        #expect(CLI.run(["verify", "--ledger", path]).status == 0)
    }

    // MARK: 3. SIGKILL at random points, and leftovers

    @Test("stale temporary files of killed appends are removed by the next append; others are kept")
    func staleTemporariesRemoved() throws {
        let dir = try TempDir()
        let (path, alice, bob) = try setUp(dir)
        let dead = CLI.start(["-c", "true"], executable: "/bin/bash")
        _ = dead.wait()
        let stale = try dir.write(".ledger.jsonl.state.tmp-\(dead.pid)", "{}")
        let live = try dir.write(".ledger.jsonl.state.tmp-\(getpid())", "{}")    // a running process's
        let other = try dir.write(".ledger.jsonl.state.tmp-x1", "{}")              // not our pattern
        let otherLedger = try dir.write(".other.jsonl.state.tmp-\(dead.pid)", "{}") // another ledger's
        #expect(CLI.run(transferArgs(path, alice, bob), env: Self.env).status == 0)
        #expect(!FileIO.exists(stale))
        #expect(FileIO.exists(live) && FileIO.exists(other) && FileIO.exists(otherLedger))
    }

    @Test("30 appends killed with SIGKILL at random points: nothing acknowledged is lost, no leftover outside the ignore patterns")
    func killedAppends() throws {
        let dir = try TempDir()
        let (path, alice, bob) = try setUp(dir)
        // The documented .gitignore (docs/WORKFLOW.md) decides what a leftover is.
        let ignore = CLI.bash("git init -q . && printf '*.pem\\n*.openings/\\n.*.state\\n.*.tree\\n.*.tmp-*\\n*.bak-*\\n' > .gitignore", cwd: dir.root)
        try #require(ignore.status == 0, "\(ignore)")
        let start = Date()
        #expect(CLI.run(transferArgs(path, alice, bob), env: Self.env).status == 0)
        let typical = max(0.02, Date().timeIntervalSince(start))
        var acknowledged: [String] = []
        var killed = 0
        var rng = SystemRandomNumberGenerator()
        for round in 0..<30 {
            let p = CLI.start(transferArgs(path, alice, bob, amount: round + 1), env: Self.env)
            usleep(useconds_t(Double.random(in: 0...(typical * 1.2), using: &rng) * 1_000_000))
            if kill(p.pid, SIGKILL) == 0 { killed += 1 }
            let r = p.wait()
            if r.status == 0, let id = r.lines.first { acknowledged.append(id) }
            if CLI.run(["verify", "--ledger", path]).firstFinding?.code == "torn-tail" {
                #expect(CLI.run(["repair", "--ledger", path], env: Self.env).status == 0)
            }
            // The next append succeeds and leaves nothing outside the ignore patterns.
            let next = CLI.run(transferArgs(path, bob, alice), env: Self.env)
            #expect(next.status == 0, "round \(round): \(next)")
            if let id = next.lines.first { acknowledged.append(id) }
            let status = CLI.bash("git status --porcelain --untracked-files=all", cwd: dir.root)
            let unexpected = status.lines.filter { !$0.hasSuffix(".gitignore") && !$0.hasSuffix("ledger.jsonl") && !$0.contains(".bak-") }
            #expect(unexpected.isEmpty, "round \(round): leftovers \(unexpected)")
            let temps = (try? FileManager.default.contentsOfDirectory(atPath: dir.root))?.filter { $0.contains(".tmp-") } ?? []
            #expect(temps.isEmpty, "round \(round): temporary files left after the next append: \(temps)")
        }
        #expect(killed > 0)
        #expect(Set(acknowledged).isSubset(of: ids(path)), "an acknowledged append is missing")
        #expect(CLI.run(["verify", "--ledger", path]).status == 0)
    }

    // MARK: 4. Bytes that are not UTF-8

    @Test("a --ledger or CROWDLEDGER_LEDGER that is not UTF-8 is refused with exit 2 and creates nothing")
    func nonUTF8Ledger() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir)
        let r = CLI.bash("""
            s=0; "$BIN" init --ledger $'l\\xff.jsonl' --fund "$A=5" 2>err1 || s=$?; echo "init $s $(wc -l < err1)"
            s=0; CROWDLEDGER_LEDGER=$'m\\xfe.jsonl' "$BIN" init --fund "$A=5" 2>err2 || s=$?; echo "env $s $(wc -l < err2)"
            s=0; CROWDLEDGER_TIME=$'1\\xff' "$BIN" balances --ledger x.jsonl 2>err3 || s=$?; echo "time $s $(wc -l < err3)"
            cat err1 err2 err3
            ls -A | grep -v '^err' | grep -v '\\.pem$' | sed 's/^/file: /' || true
            """, env: ["BIN": CLI.binary, "A": alice.account], cwd: dir.root)
        #expect(r.lines.contains("init 2 1") && r.lines.contains("env 2 1") && r.lines.contains("time 2 1"), "\(r)")
        #expect(r.stdout.contains("argument 3 is not valid UTF-8") && r.stdout.contains("CROWDLEDGER_LEDGER is not valid UTF-8"), "\(r)")
        #expect(!r.stdout.contains("file: "), "something was created: \(r)")
    }

    // MARK: 6. Repair, closed pipes

    @Test("repair of a 255-byte ledger name keeps a backup whose name fits, and streams it byte for byte")
    func repairLongName() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let name = String(repeating: "é", count: 60) + String(repeating: "n", count: 255 - 120 - 6) + ".jsonl"
        #expect(name.utf8.count == 255)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2, file: name)
        let fd = open(path, O_WRONLY | O_APPEND)
        _ = write(fd, "{\"hash\":\"ab", 11); close(fd)
        let torn = CLI.read(path)
        for round in 0..<2 {  // the second time the name is taken: the .1 suffix
            if round == 1 { try Data(torn).write(to: URL(fileURLWithPath: path)) }   // a 255-byte name has no room for a temporary
            let r = CLI.run(["repair", "--ledger", path], env: Self.env)
            #expect(r.status == 0, "\(r)")
            #expect(CLI.run(["verify", "--ledger", path]).status == 0)
        }
        let backups = try FileManager.default.contentsOfDirectory(atPath: dir.root).filter { $0.contains(".bak-") }.sorted()
        #expect(backups.count == 2, "\(backups)")
        for b in backups {
            #expect(b.utf8.count <= 255 && b.hasPrefix(String(repeating: "é", count: 60)) && b.contains(".bak-\(CLI.t0)"))
            expectSameBytes(CLI.read(dir.path(b)), torn)
        }
        #expect(backups.contains { $0.hasSuffix(".bak-\(CLI.t0).1") })
    }

    @Test("a reader that closes the pipe: `log | head`-style commands exit 0, not 141; an append's work stands")
    func closedPipe() throws {
        let dir = try TempDir()
        let (path, alice, bob) = try setUp(dir, transfers: 3)
        let r = CLI.bash("""
            { sleep 0.3; s=0; "$BIN" log --ledger "$L" || s=$?; echo "log $s" >&2; } | true
            { sleep 0.3; s=0; "$BIN" log --json --ledger "$L" || s=$?; echo "json $s" >&2; } | true
            { sleep 0.3; s=0; "$BIN" transfer --ledger "$L" --key "$K" --to "$T" --amount 1 || s=$?; echo "transfer $s" >&2; } | true
            "$BIN" log --ledger "$L" | head -1 >/dev/null
            echo pipeline ok
            """, env: ["BIN": CLI.binary, "L": path, "K": alice.path, "T": bob.account, "CROWDLEDGER_TIME": String(CLI.t0)])
        #expect(r.status == 0 && r.stdout.contains("pipeline ok"), "\(r)")
        #expect(r.stderr.split(separator: "\n").sorted() == ["json 0", "log 0", "transfer 0"], "\(r)")
        #expect(CLI.ledgerLines(path).count == 5)
    }
}
