// Red-team regression suite: hostile ledgers, keys, environment, arguments, transaction values
// and program inputs, through the real `crowdledger` executable (CLIHarness.swift). Every case
// asserts the promised contract: exit 1 or 2, exactly one line on stderr beginning
// `crowdledger: `, no crash, and the ledger's bytes unchanged.
//
// Only behaviour that is already right is kept here; the findings of the red-team pass (cases
// that crash, hang or write after refusing) are reproduced in its report instead.

import Foundation
import Testing

private let hostileEnv = ["CROWDLEDGER_TIME": String(CLI.t0)]

/// Checks the refusal contract: `status`, one stderr line `crowdledger: …`, no trap, no output
/// file changes (`path` holds `before`).
private func expectRefused(_ r: CLIResult, _ status: Int32, unchanged path: String? = nil, before: [UInt8] = [],
                           _ what: String, json: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == status, "\(what): \(r)", sourceLocation: sourceLocation)
    let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
    #expect(lines.count == 1, "\(what): stderr is not one line: \(r)", sourceLocation: sourceLocation)
    // With --json the one line is a JSON object {"code","file","line","message"} (WORKFLOW.md).
    #expect(r.stderr.hasPrefix(json ? "{\"code\":" : "crowdledger: "), "\(what): \(r)", sourceLocation: sourceLocation)
    #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("runtime failure"), "\(what): \(r)",
            sourceLocation: sourceLocation)
    if let path { expectSameBytes(CLI.read(path), before, what, sourceLocation: sourceLocation) }
}

/// A ledger funded for alice, bob and carol, plus their keys.
private func fundedLedger(_ dir: TempDir, fund: Int64 = 1000) throws -> (ledger: String, alice: TestKey, bob: TestKey, carol: TestKey) {
    let alice = try CLI.fixtureKey("alice", in: dir)
    let bob = try CLI.fixtureKey("bob", in: dir)
    let carol = try CLI.fixtureKey("carol", in: dir)
    let l = try CLI.makeLedger(in: dir, keys: [alice, bob, carol], fund: fund, transfers: 1)
    return (l.path, alice, bob, carol)
}

@Suite("Hostile input") struct HostileInputTests {}

// MARK: - Hostile ledger files

extension HostileInputTests {
    @Test("hostile ledger files: verify, reads and appends refuse with one line and change nothing")
    func hostileLedgerFiles() throws {
        let dir = try TempDir("hostile-ledger")
        let bob = try CLI.fixtureKey("bob", in: dir)
        var random = [UInt8](repeating: 0, count: 10_000)
        var g = SystemRandomNumberGenerator()
        for i in random.indices { random[i] = g.next() }
        random[0] = 0x95  // never valid UTF-8 at the start
        let deep = Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n").utf8)
        let deepObject = Array((String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000) + "\n").utf8)
        let files: [(String, [UInt8], Int32)] = [
            ("random.jsonl", random, 1),
            ("deep.jsonl", deep, 1),
            ("deep-object.jsonl", deepObject, 1),
            ("nul.jsonl", Array("abc\u{0}def\n".utf8), 1),
            ("utf8.jsonl", [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a], 1),
            ("empty.jsonl", [], 1),
            ("newline.jsonl", [0x0a], 1),
            ("crlf.jsonl", Array("{}\r\n".utf8), 1),
            ("bom.jsonl", [0xef, 0xbb, 0xbf] + Array("{}\n".utf8), 1),
        ]
        for (name, bytes, status) in files {
            let path = try dir.write(name, bytes)
            for cmd in [["verify"], ["verify", "--json"], ["status"], ["balances", "--json"], ["log"]] {
                expectRefused(CLI.run(cmd + ["--ledger", path], env: hostileEnv), status, unchanged: path, before: bytes,
                              "\(cmd.joined(separator: " ")) on \(name)", json: cmd.contains("--json"))
            }
            expectRefused(CLI.run(["transfer", "--ledger", path, "--key", bob.path, "--to", bob.account, "--amount", "1"],
                                  env: hostileEnv), status, unchanged: path, before: bytes, "transfer onto \(name)")
        }
    }

    @Test("a directory, a symlink loop, a missing file and an over-long line are I/O errors (exit 2)")
    func unreadableLedgers() throws {
        let dir = try TempDir("hostile-ledger-io")
        let bob = try CLI.fixtureKey("bob", in: dir)
        try FileManager.default.createDirectory(atPath: dir.path("dir.jsonl"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: dir.path("loop1"), withDestinationPath: dir.path("loop2"))
        try FileManager.default.createSymbolicLink(atPath: dir.path("loop2"), withDestinationPath: dir.path("loop1"))
        // A sparse file whose first "line" is longer than the 64 MiB line limit (cheap: no data blocks).
        let sparse = try dir.write("sparse.jsonl", [])
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: sparse))
        try h.truncate(atOffset: 70 << 20)
        try h.close()
        for path in [dir.path("dir.jsonl"), dir.path("loop1"), dir.path("missing.jsonl"), sparse] {
            expectRefused(CLI.run(["verify", "--ledger", path]), 2, "verify \(path)")
            expectRefused(CLI.run(["transfer", "--ledger", path, "--key", bob.path, "--to", bob.account, "--amount", "1"],
                                  env: hostileEnv), 2, "transfer onto \(path)")
        }
        #expect(CLI.read(sparse).count == 70 << 20)
        expectRefused(CLI.run(["verify"], env: ["CROWDLEDGER_LEDGER": dir.path("dir.jsonl")]), 2, "CROWDLEDGER_LEDGER=dir")
        expectRefused(CLI.run(["init", "--ledger", dir.path("dir.jsonl"), "--fund", "\(bob.account)=1"]), 2, "init onto a directory")
    }
}

// MARK: - Hostile key files

extension HostileInputTests {
    @Test("hostile key files: empty, binary, RSA, public-only, a directory, too large, readable by others")
    func hostileKeys() throws {
        let dir = try TempDir("hostile-keys")
        let (ledger, alice, bob, _) = try fundedLedger(dir)
        let before = CLI.read(ledger)
        var keys: [String] = []
        keys.append(try dir.write("empty.pem", [], mode: 0o600))
        keys.append(try dir.write("binary.pem", (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }, mode: 0o600))
        keys.append(try dir.write("big.pem", [UInt8](repeating: 0x41, count: 200_000), mode: 0o600))
        let gen = CLI.bash("""
            openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem 2>/dev/null
            openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
            openssl genpkey -algorithm x25519 -out x25519.pem 2>/dev/null
            openssl pkey -in alice.pem -pubout -out pub.pem
            openssl pkey -in alice.pem -outform DER -out der.pem
            chmod 600 rsa.pem ec.pem x25519.pem pub.pem der.pem
            """, cwd: dir.root)
        #expect(gen.status == 0, "\(gen)")
        keys += ["rsa.pem", "ec.pem", "x25519.pem", "pub.pem", "der.pem"].map(dir.path)
        try FileManager.default.createDirectory(atPath: dir.path("dir.pem"), withIntermediateDirectories: false)
        keys.append(dir.path("dir.pem"))
        keys.append(try dir.write("open.pem", CLI.read(alice.path), mode: 0o644))
        keys.append(try dir.write("group.pem", CLI.read(alice.path), mode: 0o640))
        keys.append(dir.path("missing.pem"))
        for k in keys {
            expectRefused(CLI.run(["account", k]), 2, "account \(k)")
            expectRefused(CLI.run(["transfer", "--ledger", ledger, "--key", k, "--to", bob.account, "--amount", "1"], env: hostileEnv),
                          2, unchanged: ledger, before: before, "transfer --key \(k)")
        }
    }
}

// MARK: - Hostile environment and arguments

extension HostileInputTests {
    @Test("CROWDLEDGER_TIME that is not a non-negative Int64, or behind the last entry, is exit 2")
    func hostileTime() throws {
        let dir = try TempDir("hostile-time")
        let (ledger, _, bob, _) = try fundedLedger(dir)
        let alice = try CLI.fixtureKey("alice", in: dir)
        let before = CLI.read(ledger)
        for v in ["-1", "1e9", "99999999999999999999", "", " 1700000001", "1700000001 ", "+1700000001", "0x10", "abc",
                  "1700000000.5", "01700000001", "-9223372036854775808", "9223372036854775808", "1699999999"] {
            expectRefused(CLI.run(["transfer", "--ledger", ledger, "--key", alice.path, "--to", bob.account, "--amount", "1"],
                                  env: ["CROWDLEDGER_TIME": v]), 2, unchanged: ledger, before: before, "CROWDLEDGER_TIME=\"\(v)\" transfer")
            if v != "1699999999" {  // status judges phases at max(clock, last entry): an early clock is fine there
                expectRefused(CLI.run(["status", "--ledger", ledger], env: ["CROWDLEDGER_TIME": v]), 2, "CROWDLEDGER_TIME=\"\(v)\" status")
            }
        }
    }

    @Test("bad arguments: unknown subcommand, missing values, out-of-range numbers, `--` tricks")
    func hostileArguments() throws {
        let dir = try TempDir("hostile-args")
        let (ledger, alice, bob, _) = try fundedLedger(dir)
        let before = CLI.read(ledger)
        let cases: [[String]] = [
            ["frobnicate"],
            ["transfer", "--ledger", ledger, "--key"],
            ["transfer", "--ledger", ledger, "--key", alice.path, "--to", bob.account, "--", "--amount", "1"],
            ["--", "verify", "--ledger", ledger],
            ["transfer", "--ledger", ledger, "--key", alice.path, "--to", bob.account, "--amount", "0"],
            ["transfer", "--ledger", ledger, "--key", alice.path, "--to", bob.account, "--amount", "-1"],
            ["transfer", "--ledger", ledger, "--key", alice.path, "--to", bob.account, "--amount", "9223372036854775808"],
            ["transfer", "--ledger", ledger, "--key", alice.path, "--to", "zz", "--amount", "1"],
            ["transfer", "--ledger", ledger, "--key", alice.path, "--to", bob.account.uppercased(), "--amount", "1"],
            ["status", "--ledger", ledger, "dead"],
            ["status", "--ledger", ledger, "deadbeef"],
            ["status", "--ledger", ledger, "zzzzzzzz"],
            ["settle", "--ledger", ledger, ""],
            ["derive", "--coin", "zz", "--counter", "1"],
            ["derive", "--coin", String(repeating: "0", count: 64), "--counter", "18446744073709551616"],
            ["mechanism", "--workers", "64", "--reward", "9223372036854775807", "--deposit", "9223372036854775807"],
            ["mechanism", "--workers", "1000", "--reward", "10", "--deposit", "10"],
            ["keygen", "--out", ledger],
        ]
        for args in cases {
            expectRefused(CLI.run(args, env: hostileEnv), 2, unchanged: ledger, before: before, args.joined(separator: " "))
        }
        // The contract refuses an overdraft of Int64.max; the ledger stays as it was.
        expectRefused(CLI.run(["transfer", "--ledger", ledger, "--key", alice.path, "--to", bob.account, "--amount", "9223372036854775807"],
                              env: hostileEnv), 1, unchanged: ledger, before: before, "transfer Int64.max")
    }

    @Test("init: allocations past Int64.max, negative, duplicate or malformed are refused and create nothing")
    func hostileInit() throws {
        let dir = try TempDir("hostile-init")
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let path = dir.path("l.jsonl")
        for funds in [["\(alice.account)=9223372036854775807", "\(bob.account)=1"], ["\(alice.account)=-1"], ["\(alice.account)=0"],
                      ["\(alice.account)=1", "\(alice.account)=2"], ["abc=1"], [alice.account], ["\(alice.account)="],
                      ["\(alice.account)=99999999999999999999"]] {
            expectRefused(CLI.run(["init", "--ledger", path] + funds.flatMap { ["--fund", $0] }, env: hostileEnv), 2, "init \(funds)")
            #expect(!FileManager.default.fileExists(atPath: path), "init \(funds) created the ledger")
        }
        // A single allocation of exactly Int64.max is fine, and moving all of it around stays exact.
        let ok = CLI.run(["init", "--ledger", path, "--fund", "\(alice.account)=9223372036854775807"], env: hostileEnv)
        #expect(ok.status == 0, "\(ok)")
        let t = CLI.run(["transfer", "--ledger", path, "--key", alice.path, "--to", bob.account, "--amount", "9223372036854775807"], env: hostileEnv)
        #expect(t.status == 0, "\(t)")
        let b = CLI.run(["balances", "--ledger", path, "--json"])
        #expect(b.stdout.contains("\"\(bob.account)\":9223372036854775807") && b.stdout.contains("\"total\":9223372036854775807"), "\(b)")
        #expect(CLI.run(["verify", "--ledger", path]).status == 0)
    }
}

// MARK: - Hostile publish values

extension HostileInputTests {
    @Test("publish with extreme values: overflow, out-of-range workers, windows, sizes and parameters change nothing")
    func hostilePublish() throws {
        let dir = try TempDir("hostile-publish")
        let (ledger, alice, bob, _) = try fundedLedger(dir)
        let input = try dir.write("in.bin", "data\n")
        let before = CLI.read(ledger)
        let base = ["publish", "--ledger", ledger, "--key", alice.path, "--input", input]
        let hi = ["--program", "hash-iterate", "--params", "{\"iterations\":1}"]
        let small = ["--reward", "1", "--deposit", "1", "--workers", "2"]
        let refused: [(Int32, [String])] = [
            (1, hi + ["--reward", "9223372036854775807", "--deposit", "1", "--workers", "2"]),
            (1, hi + ["--reward", "1", "--deposit", "9223372036854775807", "--workers", "2"]),
            (1, hi + ["--reward", "1", "--deposit", "4611686018427387904", "--workers", "2"]),
            (1, hi + ["--reward", "1", "--deposit", "1", "--workers", "65"]),
            (1, hi + ["--reward", "1", "--deposit", "1", "--workers", "1000"]),
            (1, hi + ["--reward", "1", "--deposit", "1", "--workers", "0"]),
            (1, hi + ["--reward", "1", "--deposit", "1", "--workers", "1"]),
            (1, hi + small + ["--join-window", "0"]),
            (1, hi + small + ["--commit-window", "9223372036854775807"]),
            (1, hi + small + ["--reveal-window", "315360001"]),
            (1, hi + small + ["--max-result-size", "0"]),
            (1, hi + small + ["--max-result-size", "9223372036854775807"]),
            (1, hi + small + ["--allow", bob.account]),
            (1, hi + small + ["--allow", bob.account, "--allow", bob.account]),
            (1, hi + small + ["--forfeit", "nope"]),
            (1, hi + small + ["--payment", "5", "--seller", bob.account, "--threshold", "1/2"]),
            (1, ["--program", "hash-iterate", "--params", "{\"iterations\":9223372036854775807}"] + small),
            (1, ["--program", "hash-iterate", "--params", "{\"iterations\":0}"] + small),
            (1, ["--program", "hash-iterate", "--params", "{\"iterations\":-1}"] + small),
            (1, ["--program", "hash-iterate", "--params", "{\"iterations\":1,\"x\":2}"] + small),
            (1, ["--program", "train-softmax", "--params",
                 "{\"batch\":16,\"epochs\":99999999,\"l2\":{\"den\":1,\"num\":0},\"rate\":{\"den\":2,\"num\":1},\"rows\":{\"count\":1,\"from\":0}}"] + small),
            (1, ["--program", "train-softmax", "--params",
                 "{\"batch\":16,\"epochs\":1,\"l2\":{\"den\":0,\"num\":0},\"rate\":{\"den\":2,\"num\":1},\"rows\":{\"count\":1,\"from\":9223372036854775807}}"] + small),
            (1, ["--program", "train-forest", "--params",
                 "{\"featuresPerSplit\":1,\"maxDepth\":1,\"minSplit\":2,\"rows\":{\"count\":9223372036854775807,\"from\":9223372036854775807},\"trees\":1}"] + small),
            (1, ["--program", "nosuch"] + small),
            (2, ["--program", "hash-iterate", "--params", "{\"iterations\":1.5}"] + small),
            (2, ["--program", "hash-iterate", "--params", "[1]"] + small),
            (2, ["--program", "hash-iterate", "--params", ""] + small),
            (2, ["--program", "hash-iterate", "--params",
                 String(repeating: "{\"a\":", count: 40) + "1" + String(repeating: "}", count: 40)] + small),
            (2, hi + ["--reward", "9223372036854775808", "--deposit", "1", "--workers", "2"]),
            (2, hi + small + ["--public-coin", "zz"]),
            (2, hi + small + ["--eck-digest", "XYZ"]),
            (2, ["--program", "exec"] + small),
            (2, ["--program", "exec", "--exec", dir.path("missing.sh")] + small),
            (2, ["--program", "exec", "--exec", dir.root] + small),
        ]
        for (status, args) in refused {
            expectRefused(CLI.run(base + args, env: hostileEnv), status, unchanged: ledger, before: before, args.joined(separator: " "))
        }
        // A directory as an input is an I/O error too.
        expectRefused(CLI.run(["publish", "--ledger", ledger, "--key", alice.path, "--input", dir.root] + hi + small, env: hostileEnv),
                      2, unchanged: ledger, before: before, "publish --input DIR")
    }

    @Test("entry times at Int64.max: deadlines saturate instead of overflowing, and the ledger verifies")
    func timeAtInt64Max() throws {
        let dir = try TempDir("hostile-maxtime")
        let (ledger, alice, bob, carol) = try fundedLedger(dir)
        let input = try dir.write("in.bin", "data\n")
        // A time this far ahead must be asked for (CROWDLEDGER_ALLOW_FUTURE) and checked with an
        // auditor's clock as far ahead (verify --now).
        let env = ["CROWDLEDGER_TIME": String(Int64.max), "CROWDLEDGER_ALLOW_FUTURE": "1"]
        let p = CLI.run(["publish", "--ledger", ledger, "--key", alice.path, "--program", "hash-iterate", "--params", "{\"iterations\":1}",
                         "--input", input, "--reward", "10", "--deposit", "1", "--workers", "2"], env: env)
        #expect(p.status == 0, "\(p)")
        let task = p.lines.first ?? ""
        #expect(CLI.run(["join", "--ledger", ledger, task, "--key", bob.path], env: env).status == 0)
        #expect(CLI.run(["join", "--ledger", ledger, task, "--key", carol.path], env: env).status == 0)
        #expect(CLI.run(["coin", "--ledger", ledger, task, "--key", alice.path], env: env).status == 0)
        let before = CLI.read(ledger)
        expectRefused(CLI.run(["settle", "--ledger", ledger, task], env: env), 1, unchanged: ledger, before: before, "settle too early at Int64.max")
        let s = CLI.run(["status", "--ledger", ledger, task, "--json"], env: env)
        #expect(s.status == 0 && s.stdout.contains("\"commit\":9223372036854775807"), "\(s)")
        #expect(CLI.run(["verify", "--ledger", ledger, "--now", String(Int64.max)]).status == 0)
        #expect(CLI.run(["verify", "--ledger", ledger]).firstFinding?.code == "future-time")
    }
}

// MARK: - Hostile program inputs for `run`

extension HostileInputTests {
    /// Publishes a task with a public coin and fills it, so `run` may go at once.
    private func filledTask(_ dir: TempDir, _ ledger: String, _ alice: TestKey, _ bob: TestKey, _ carol: TestKey,
                            _ program: [String], inputs: [String]) throws -> String {
        let p = CLI.run(["publish", "--ledger", ledger, "--key", alice.path] + program + inputs.flatMap { ["--input", $0] }
                        + ["--reward", "1", "--deposit", "1", "--workers", "2", "--public-coin", String(repeating: "7", count: 64)],
                        env: hostileEnv)
        guard p.status == 0, let t = p.lines.first else { throw HarnessError("publish failed: \(p)") }
        for k in [bob, carol] {
            let j = CLI.run(["join", "--ledger", ledger, t, "--key", k.path], env: hostileEnv)
            guard j.status == 0 else { throw HarnessError("join failed: \(j)") }
        }
        return t
    }

    @Test("run: random bytes as a data set or a model, rows beyond the data, a feature mismatch are exit 2")
    func hostileProgramInputs() throws {
        let dir = try TempDir("hostile-run")
        let (ledger, alice, bob, carol) = try fundedLedger(dir)
        var g = SystemRandomNumberGenerator()
        var random = [UInt8](repeating: 0, count: 50_000)
        for i in random.indices { random[i] = g.next() }
        random[0] = 0x45  // not a gzip/zlib magic byte, and not a digit
        let rand = try dir.write("rand.bin", random)
        let csv = try dir.write("small.csv", "1,2,3,0\n4,5,6,1\n7,8,9,2\n")
        let wide = try dir.write("wide.csv", "1,2,3,4,5,0\n")
        let badModel = try dir.write("model.json", "{\"format\":\"crowdledger-model/v1\",\"kind\":\"forest\",\"classes\":3,\"features\":3,"
                                     + "\"trees\":[{\"leaves\":[[1,0,0],[0,1,0]],\"splits\":[[0,-9223372036854775808,-9223372036854775808,-2]]}]}")
        let noRows = try dir.write("norows.json", "{\"classes\":3,\"features\":3,\"format\":\"crowdledger-model/v1\",\"kind\":\"forest\","
                                   + "\"trees\":[{\"leaves\":[[0,0,0]],\"splits\":[]}]}")
        let softmax = ["--program", "train-softmax", "--params",
                       "{\"batch\":1,\"epochs\":1,\"l2\":{\"den\":1,\"num\":0},\"rate\":{\"den\":2,\"num\":1},\"rows\":{\"count\":3,\"from\":0}}"]
        let forest = ["--program", "train-forest", "--params",
                      "{\"featuresPerSplit\":2,\"maxDepth\":3,\"minSplit\":2,\"rows\":{\"count\":3,\"from\":0},\"trees\":1}"]
        let tooMany = ["--program", "train-softmax", "--params",
                       "{\"batch\":1,\"epochs\":1,\"l2\":{\"den\":1,\"num\":0},\"rate\":{\"den\":2,\"num\":1},\"rows\":{\"count\":10,\"from\":0}}"]
        let eval = ["--program", "eval-classifier", "--params", "{\"k\":1,\"rows\":{\"count\":1,\"from\":0}}"]
        let cases: [([String], [String])] = [
            (softmax, [rand]), (forest, [rand]), (tooMany, [csv]),
            (eval, [rand, csv]), (eval, [csv, csv]), (eval, [badModel, csv]), (eval, [noRows, csv]),
        ]
        for (program, inputs) in cases {
            let t = try filledTask(dir, ledger, alice, bob, carol, program, inputs: inputs)
            let before = CLI.read(ledger)
            let out = dir.path("out-\(t.prefix(8))")
            expectRefused(CLI.run(["run", "--ledger", ledger, t, "--out", out]), 2, unchanged: ledger, before: before,
                          "run \(program[1]) on \(inputs)")
            #expect(!FileManager.default.fileExists(atPath: out), "a refused run left \(out)")
        }
        // A model trained on 3 features cannot evaluate a data set of 5.
        let train = try filledTask(dir, ledger, alice, bob, carol, softmax, inputs: [csv])
        let model = dir.path("model.out")
        #expect(CLI.run(["run", "--ledger", ledger, train, "--out", model]).status == 0)
        let mismatch = try filledTask(dir, ledger, alice, bob, carol, eval, inputs: [model, wide])
        let before = CLI.read(ledger)
        expectRefused(CLI.run(["run", "--ledger", ledger, mismatch]), 2, unchanged: ledger, before: before, "eval feature mismatch")
        // An input that is not the published one is refused by digest.
        expectRefused(CLI.run(["run", "--ledger", ledger, train, "--input", wide]), 2, unchanged: ledger, before: before, "run --input wrong file")
    }

    @Test("run --exec: not executable, exit 1 with multi-line stderr, killed by a signal, too much output are exit 2")
    func hostileExec() throws {
        let dir = try TempDir("hostile-exec")
        let (ledger, alice, bob, carol) = try fundedLedger(dir)
        let csv = try dir.write("small.csv", "1,2,3,0\n")
        let scripts: [(String, String, Int)] = [
            ("noexec.sh", "#!/bin/bash\necho hi\n", 0o644),
            ("fail.sh", "#!/bin/bash\necho bad >&2\necho line2 >&2\nexit 1\n", 0o755),
            ("kill.sh", "#!/bin/bash\nkill -9 $$\n", 0o755),
            ("segv.sh", "#!/bin/bash\nkill -SEGV $$\n", 0o755),
            ("escape.sh", "#!/bin/bash\nprintf '\\033[2J\\rboom\\nsecond\\n' >&2; exit 1\n", 0o755),
            ("bigerr.sh", "#!/bin/bash\nhead -c 3000000 /dev/zero >&2; exit 3\n", 0o755),
            ("toolarge.sh", "#!/bin/bash\nhead -c 1073741900 /dev/zero\n", 0o755),
        ]
        for (name, text, mode) in scripts {
            let script = try dir.write(name, text, mode: mode)
            let t = try filledTask(dir, ledger, alice, bob, carol, ["--program", "exec", "--exec", script], inputs: [csv])
            let before = CLI.read(ledger)
            let out = dir.path("\(name).out")
            expectRefused(CLI.run(["run", "--ledger", ledger, t, "--exec", script, "--out", out]), 2, unchanged: ledger, before: before,
                          "run --exec \(name)")
            #expect(!FileManager.default.fileExists(atPath: out), "a refused run left \(out)")
        }
    }
}
