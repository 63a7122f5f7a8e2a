// Issue 3: keys, transfers, bad input, torn tails and line-level rejections, through the real
// `crowdledger` executable (see CLIHarness.swift).

import Contract
import Files
import CanonicalJSON
import Foundation
import LedgerModel
import LedgerStore
import LedgerCrypto
import Testing

private let env0 = ["CROWDLEDGER_TIME": String(CLI.t0)]

/// Appends `tx` to the ledger at `path` as a correctly chained entry (seq, link, hash all right),
/// bypassing the tool's checks — how an attacker or a buggy tool would write it.
func rechain(_ tx: Transaction, onto path: String, time: Int64 = CLI.t0) throws {
    let lines = CLI.ledgerLines(path)
    let last = try Entry.parse(line: lines.last!, lineNumber: lines.count)
    let entry = Entry(seq: last.seq + 1, link: last.hash, time: time, tx: tx)
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try h.seekToEnd()
    try h.write(contentsOf: Data(entry.line + [0x0a]))
    try h.close()
}

/// Replaces line `n` (1-based) of the file with `newLine` (no newline in it).
func replaceLine(_ n: Int, of path: String, with newLine: [UInt8]) throws {
    var lines = CLI.ledgerLines(path)
    lines[n - 1] = newLine
    try Data(lines.flatMap { $0 + [0x0a] }).write(to: URL(fileURLWithPath: path))
}

func mode(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? NSNumber)?.intValue ?? -1
}

func chmod(_ path: String, _ m: Int) throws {
    try FileManager.default.setAttributes([.posixPermissions: m], ofItemAtPath: path)
}

/// The issue-3 CLI tests (`--filter LedgerBasicsTests`).
@Suite("Ledger basics") struct LedgerBasicsTests {}

extension LedgerBasicsTests {
    @Test("the harness runs the executable built beside the test bundle")
    func harnessFindsBinary() throws {
        #expect(FileManager.default.isExecutableFile(atPath: CLI.binary), "\(CLI.binary)")
        if ProcessInfo.processInfo.environment["CROWDLEDGER_BIN"] == nil {
            let dir = URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().path
            let siblings = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(siblings.contains { $0.hasSuffix(".xctest") }, "\(dir) holds no test bundle")
        }
        let r = CLI.run(["--help"])
        #expect(r.status == 0 && r.stdout.contains("verify"), "\(r)")
        let u = CLI.run(["no-such-command"])
        #expect(u.status == 2 && u.stderr.split(separator: "\n").count == 1, "\(u)")
    }
}

// MARK: - Keys

extension LedgerBasicsTests { @Suite("Keys") struct KeyTests {
    @Test("a key made by `openssl genpkey -algorithm ed25519` works with account and signs a transfer")
    func opensslKey() throws {
        let dir = try TempDir()
        let path = dir.path("ossl.pem")
        let g = CLI.bash("umask 077; openssl genpkey -algorithm ed25519 -out \"$K\"", env: ["K": path])
        #expect(g.status == 0, "\(g)")
        let a = CLI.run(["account", path])
        #expect(a.status == 0, "\(a)")
        let account = try #require(a.lines.first)
        // openssl's own view of the public key: the last 32 bytes of the DER SubjectPublicKeyInfo.
        let o = CLI.bash("openssl pkey -in \"$K\" -pubout -outform DER | tail -c 32 | od -An -v -tx1 | tr -d ' \\n'", env: ["K": path])
        #expect(o.status == 0)
        #expect(account == o.stdout, "our account id must be the raw Ed25519 public key")
        let bob = try CLI.newKey(in: dir, name: "bob")
        let ledger = try CLI.makeLedger(in: dir, keys: [TestKey(path: path, account: account), bob])
        let t = CLI.run(["transfer", "--ledger", ledger.path, "--key", path, "--to", bob.account, "--amount", "7"], env: env0)
        #expect(t.status == 0, "\(t)")
        #expect(CLI.run(["verify", "--ledger", ledger.path]).status == 0)
        let entry = try Entry.parse(line: CLI.ledgerLines(ledger.path)[1], lineNumber: 2)
        #expect(entry.tx.party == account)
        #expect(entry.tx.hasValidSignature())
        #expect(t.lines == [entry.tx.id])
    }

    @Test("keygen writes mode 0600, prints the account, and never overwrites")
    func keygen() throws {
        let dir = try TempDir()
        let path = dir.path("k.pem")
        let r = CLI.run(["keygen", "--out", path])
        #expect(r.status == 0, "\(r)")
        #expect(mode(path) == 0o600)
        let account = try #require(r.lines.first)
        #expect(Hex.isCanonical(account, byteCount: 32))
        #expect(CLI.run(["account", path]).lines == [account])
        let before = CLI.read(path)
        #expect(String(decoding: before, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        // Also under a permissive umask the file is 0600.
        let p2 = dir.path("k2.pem")
        let u = CLI.bash("umask 000; \"$BIN\" keygen --out \"$K\"", env: ["BIN": CLI.binary, "K": p2])
        #expect(u.status == 0 && mode(p2) == 0o600, "\(u)")

        let again = CLI.run(["keygen", "--out", path])
        #expect(again.status == 2)
        #expect(again.stdout.isEmpty)
        #expect(again.stderr.contains(path) && again.stderr.contains("refusing to overwrite"), "\(again)")
        expectSameBytes(CLI.read(path), before)
    }

    @Test("a key readable by group or others is refused with exit 2 and one clear line", arguments: [0o644, 0o640, 0o604, 0o660, 0o602])
    func permissiveKeyRefused(m: Int) throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir)
        let bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob])
        try chmod(alice.path, m)
        let a = CLI.run(["account", alice.path])
        #expect(a.status == 2)
        #expect(a.stdout.isEmpty)
        #expect(a.stderr.split(separator: "\n").count == 1)
        #expect(a.stderr.contains(alice.path) && a.stderr.contains("chmod 600"), "\(a)")
        let before = CLI.read(ledger.path)
        let t = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "1"], env: env0)
        #expect(t.status == 2, "\(t)")
        expectSameBytes(CLI.read(ledger.path), before)
    }

    @Test("files that are not Ed25519 PEM keys are refused with exit 2")
    func notAKey() throws {
        let dir = try TempDir()
        let garbage = try dir.write("garbage.pem", "hello\n", mode: 0o600)
        let ec = dir.path("ec.pem")
        #expect(CLI.bash("umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$K\"", env: ["K": ec]).status == 0)
        for p in [garbage, ec, dir.path("missing.pem"), dir.root] {
            let r = CLI.run(["account", p])
            #expect(r.status == 2, "\(p): \(r)")
            #expect(r.stderr.contains(p) && r.stderr.split(separator: "\n").count == 1, "\(r)")
        }
    }
}}

// MARK: - Transfers

extension LedgerBasicsTests { @Suite("Transfers") struct TransferTests {
    @Test("no overdraft: exit 1 and the file is byte-for-byte unchanged; the exact balance can be spent")
    func overdraft() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice], fund: 100)
        let before = CLI.read(ledger.path)
        let r = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "101"], env: env0)
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("insufficient funds") && r.stderr.contains("nothing was written"), "\(r)")
        expectSameBytes(CLI.read(ledger.path), before)
        // A sender with no account at all.
        let r2 = CLI.run(["transfer", "--ledger", ledger.path, "--key", bob.path, "--to", alice.account, "--amount", "1"], env: env0)
        #expect(r2.status == 1)
        expectSameBytes(CLI.read(ledger.path), before)
        // Exactly the balance is fine; then nothing is left.
        #expect(CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "100"], env: env0).status == 0)
        let b = CLI.run(["balances", "--ledger", ledger.path, "--json"])
        #expect(b.lines == [#"{"accounts":{"\#(bob.account)":100},"burned":0,"escrow":0,"total":100}"#])
        let after = CLI.read(ledger.path)
        #expect(CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "1"], env: env0).status == 1)
        expectSameBytes(CLI.read(ledger.path), after)
    }

    @Test("overflow is refused: genesis totals, amounts beyond Int64, and a crafted overflowing genesis")
    func overflow() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let max = String(Int64.max)
        let p = dir.path("l.jsonl")
        let i = CLI.run(["init", "--ledger", p, "--fund", "\(alice.account)=\(max)", "--fund", "\(bob.account)=1"], env: env0)
        #expect(i.status == 2 && i.stderr.contains("overflow"), "\(i)")
        #expect(!FileManager.default.fileExists(atPath: p))
        // Int64.max in one account is fine and can all be moved.
        #expect(CLI.run(["init", "--ledger", p, "--fund", "\(alice.account)=\(max)"], env: env0).status == 0)
        let before = CLI.read(p)
        for bad in ["9223372036854775808", "0", "-1", "1.5", "1e3", "12abc"] {
            let r = CLI.run(["transfer", "--ledger", p, "--key", alice.path, "--to", bob.account, "--amount", bad], env: env0)
            #expect(r.status == 2, "--amount \(bad): \(r)")
            expectSameBytes(CLI.read(p), before)
        }
        #expect(CLI.run(["transfer", "--ledger", p, "--key", alice.path, "--to", bob.account, "--amount", max], env: env0).status == 0)
        #expect(CLI.run(["transfer", "--ledger", p, "--key", bob.path, "--to", alice.account, "--amount", "1"], env: env0).status == 0)
        #expect(CLI.run(["verify", "--ledger", p]).status == 0)
        #expect(CLI.run(["balances", "--ledger", p, "--json"]).lines ==
                [#"{"accounts":{"\#(bob.account)":9223372036854775806,"\#(alice.account)":1},"burned":0,"escrow":0,"total":9223372036854775807}"#])

        // A genesis whose allocations overflow, written by hand, is a bad genesis.
        let g = GenesisBody(name: "x", allocations: [alice.account: Int64.max, bob.account: 1], salt: [UInt8](repeating: 7, count: 32)).entry(time: CLI.t0)
        let q = try dir.write("overflow.jsonl", g.line + [0x0a])
        let v = CLI.run(["verify", "--ledger", q])
        #expect(v.status == 1)
        #expect(v.firstFinding?.line == 1 && v.firstFinding?.code == "bad-genesis", "\(v)")
    }

    @Test("a copied transaction re-appended with a correct seq, link and hash is a duplicate-transaction")
    func replayedLine() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 3)   // nonces 1, 2, 3 on lines 2–4
        for copied in [2, 4] {   // an older nonce, and the last nonce itself
            let work = try dir.write("replay\(copied).jsonl", CLI.read(ledger.path))
            let e = try Entry.parse(line: CLI.ledgerLines(work)[copied - 1], lineNumber: copied)
            try rechain(e.tx, onto: work)
            let lines = CLI.ledgerLines(work)
            #expect(lines.count == 5)
            // The appended line itself is well formed: its hash and link are right.
            let appended = try Entry.parse(line: lines[4], lineNumber: 5)
            #expect(appended.seq == 5 && appended.tx == e.tx)
            let v = CLI.run(["verify", "--ledger", work])
            #expect(v.status == 1)
            #expect(v.firstFinding?.line == 5 && v.firstFinding?.code == "duplicate-transaction", "\(v)")
            // Appending to it is refused and writes nothing.
            let before = CLI.read(work)
            let t = CLI.run(["transfer", "--ledger", work, "--key", bob.path, "--to", alice.account, "--amount", "1"], env: env0)
            #expect(t.status == 1 && t.stderr.contains("duplicate-transaction"), "\(t)")
            expectSameBytes(CLI.read(work), before)
        }
        // A fresh transaction from the same party with a skipped-ahead nonce is fine (nonces need
        // only increase), and then the skipped ones are duplicates.
        let key = try KeyFile.load(alice.path)
        let work = try dir.write("gap.jsonl", CLI.read(ledger.path))
        try rechain(Transaction(kind: "transfer", body: ["amount": 1, "to": .string(bob.account)], ledger: ledger.id, nonce: 10, key: key), onto: work)
        #expect(CLI.run(["verify", "--ledger", work]).status == 0)
        try rechain(Transaction(kind: "transfer", body: ["amount": 1, "to": .string(bob.account)], ledger: ledger.id, nonce: 9, key: key), onto: work)
        let v = CLI.run(["verify", "--ledger", work])
        #expect(v.firstFinding?.line == 6 && v.firstFinding?.code == "duplicate-transaction", "\(v)")
    }

    @Test("a transaction signed for another ledger id is rejected as wrong-ledger")
    func wrongLedger() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let a = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 1, name: "A", file: "a.jsonl")
        let b = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 1, name: "B", file: "b.jsonl")
        #expect(a.id != b.id)
        // 1. B's signed line, moved unchanged into A (correctly chained).
        let txB = try Entry.parse(line: CLI.ledgerLines(b.path)[1], lineNumber: 2).tx
        #expect(txB.hasValidSignature() && txB.ledger == b.id)
        let w1 = try dir.write("w1.jsonl", CLI.read(a.path))
        try rechain(txB, onto: w1)
        let v1 = CLI.run(["verify", "--ledger", w1])
        #expect(v1.status == 1)
        #expect(v1.firstFinding?.line == 3 && v1.firstFinding?.code == "wrong-ledger", "\(v1)")
        // 2. A's transaction re-signed by its own party for B's id, put back into A.
        let txA = try Entry.parse(line: CLI.ledgerLines(a.path)[1], lineNumber: 2).tx
        let resigned = try Transaction(kind: txA.kind, body: txA.body, ledger: b.id, nonce: 5, key: KeyFile.load(alice.path))
        #expect(resigned.hasValidSignature())
        let w2 = try dir.write("w2.jsonl", CLI.read(a.path))
        try rechain(resigned, onto: w2)
        let v2 = CLI.run(["verify", "--ledger", w2, "--json"])
        #expect(v2.status == 1)
        let report = try JSON.parse(v2.stdoutBytes.dropLast())
        #expect(report["valid"] == .bool(false))
        #expect(report["findings"]?.arrayValue?.first?["code"] == .string("wrong-ledger"))
        #expect(report["findings"]?.arrayValue?.first?["line"] == .int(3))
    }

    @Test("a transfer to an unknown or malformed account id is a usage error")
    func badRecipient() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice])
        let before = CLI.read(ledger.path)
        for to in [String(alice.account.dropLast()), alice.account.uppercased(), alice.account + "00", "alice"] {
            let r = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", to, "--amount", "1"], env: env0)
            #expect(r.status == 2, "\(to): \(r)")
        }
        expectSameBytes(CLI.read(ledger.path), before)
    }
}}

// MARK: - Bad input

extension LedgerBasicsTests { @Suite("Bad input") struct BadInputTests {
    @Test("a missing ledger file: exit 2 and one line naming the file")
    func missingLedger() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir)
        let p = dir.path("nope/ledger.jsonl")
        for args in [["verify"], ["balances"], ["log"], ["repair"],
                     ["transfer", "--key", alice.path, "--to", alice.account, "--amount", "1"]] {
            let r = CLI.run(args + ["--ledger", p], env: env0)
            #expect(r.status == 2, "\(args): \(r)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(p), "\(args): \(r)")
        }
        #expect(!FileManager.default.fileExists(atPath: p))
        // The same through $CROWDLEDGER_LEDGER, and the default ledger/ledger.jsonl in the cwd.
        let e = CLI.run(["verify"], env: ["CROWDLEDGER_LEDGER": p])
        #expect(e.status == 2 && e.stderr.contains(p), "\(e)")
        let d = CLI.run(["verify"], cwd: dir.root)
        #expect(d.status == 2 && d.stderr.contains("ledger/ledger.jsonl"), "\(d)")
    }

    @Test("$CROWDLEDGER_LEDGER and the default path are used when --ledger is absent")
    func ledgerPathDefaults() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir)
        let i = CLI.run(["init", "--fund", "\(alice.account)=5"], env: env0, cwd: dir.root)
        #expect(i.status == 0, "\(i)")
        #expect(FileManager.default.fileExists(atPath: dir.path("ledger/ledger.jsonl")))
        let p = dir.path("elsewhere.jsonl")
        #expect(CLI.run(["init", "--fund", "\(alice.account)=6"], env: env0.merging(["CROWDLEDGER_LEDGER": p]) { $1 }).status == 0)
        #expect(CLI.run(["balances", "--json"], env: ["CROWDLEDGER_LEDGER": p]).stdout.contains(":6}"))
        // --ledger wins over the variable.
        #expect(CLI.run(["balances", "--json", "--ledger", dir.path("ledger/ledger.jsonl")], env: ["CROWDLEDGER_LEDGER": p]).stdout.contains(":5}"))
    }

    @Test("--ledger is a global option: it may come before the subcommand (DESIGN: \"Global: --ledger PATH\")")
    func globalLedgerOption() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice])
        let r = CLI.run(["--ledger", ledger.path, "verify"])
        #expect(r.status == 0, "\(r)")
    }

    @Test("CROWDLEDGER_TIME that is not a non-negative integer is a usage error (exit 2), nothing written",
          arguments: ["abc", "1.5", "-1", "", " 1", "1 ", "+1", "0x10", "01", "99999999999999999999"])
    func badTime(value: String) throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice])
        let before = CLI.read(ledger.path)
        let t = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "1"],
                        env: ["CROWDLEDGER_TIME": value])
        #expect(t.status == 2, "\(t)")
        #expect(t.stderr.contains("CROWDLEDGER_TIME"), "\(t)")
        expectSameBytes(CLI.read(ledger.path), before)
        let p = dir.path("new.jsonl")
        let i = CLI.run(["init", "--ledger", p, "--fund", "\(alice.account)=1"], env: ["CROWDLEDGER_TIME": value])
        #expect(i.status == 2)
        #expect(!FileManager.default.fileExists(atPath: p))
    }

    @Test("a clock behind the last entry: exit 2, nothing written; equal time is fine")
    func clockBehind() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice])
        let before = CLI.read(ledger.path)
        let t = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "1"],
                        env: ["CROWDLEDGER_TIME": String(CLI.t0 - 1)])
        #expect(t.status == 2)
        #expect(t.stderr.contains("nothing was written") && t.stderr.contains(String(CLI.t0)), "\(t)")
        expectSameBytes(CLI.read(ledger.path), before)
        #expect(CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "1"], env: env0).status == 0)
        #expect(CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "1"],
                        env: ["CROWDLEDGER_TIME": String(CLI.t0 + 10)]).status == 0)
        let times = try CLI.ledgerLines(ledger.path).enumerated().map { try Entry.parse(line: $1, lineNumber: $0 + 1).time }
        #expect(times == [CLI.t0, CLI.t0, CLI.t0 + 10])
        // A hand-written entry whose time goes backwards is a time-decreases finding.
        let tx = try Transaction(kind: "transfer", body: ["amount": 1, "to": .string(bob.account)], ledger: ledger.id, nonce: 3,
                                 key: KeyFile.load(alice.path))
        try rechain(tx, onto: ledger.path, time: CLI.t0 + 9)
        let v = CLI.run(["verify", "--ledger", ledger.path])
        #expect(v.firstFinding?.line == 4 && v.firstFinding?.code == "time-decreases", "\(v)")
    }

    @Test("init refuses to overwrite (exit 2, file unchanged) and rejects bad --fund values")
    func initRefuses() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice])
        let before = CLI.read(ledger.path)
        let r = CLI.run(["init", "--ledger", ledger.path, "--fund", "\(alice.account)=5"], env: env0)
        #expect(r.status == 2)
        #expect(r.stderr.contains(ledger.path) && r.stderr.contains("refusing to overwrite"), "\(r)")
        expectSameBytes(CLI.read(ledger.path), before)
        let p = dir.path("n.jsonl")
        for fund in ["\(alice.account)", "\(alice.account)=0", "\(alice.account)=-5", "\(alice.account)=05", "zz=5",
                     "\(alice.account.uppercased())=5"] {
            let i = CLI.run(["init", "--ledger", p, "--fund", fund], env: env0)
            #expect(i.status == 2, "\(fund): \(i)")
        }
        let twice = CLI.run(["init", "--ledger", p, "--fund", "\(alice.account)=1", "--fund", "\(alice.account)=2"], env: env0)
        #expect(twice.status == 2)
        #expect(!FileManager.default.fileExists(atPath: p))
    }

    @Test("an empty file is not a ledger: verify exit 1 (empty-ledger); appends refused")
    func emptyFile() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir)
        let p = try dir.write("empty.jsonl", [UInt8]())
        let v = CLI.run(["verify", "--ledger", p])
        #expect(v.status == 1 && v.stderr.contains("empty-ledger"), "\(v)")
        let t = CLI.run(["transfer", "--ledger", p, "--key", alice.path, "--to", alice.account, "--amount", "1"], env: env0)
        #expect(t.status == 1)
        #expect(CLI.read(p).isEmpty)
    }
}}

// MARK: - Torn tail

extension LedgerBasicsTests { @Suite("Torn tail") struct TornTailTests {
    @Test("a truncated last line: verify names torn-tail on that line; appends refused; repair removes it and keeps a backup",
          arguments: [1, 100, -1])   // bytes of the last line kept (-1: all but its newline)
    func tornTail(keep: Int) throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2)
        let good = CLI.read(ledger.path)
        let lines = CLI.ledgerLines(ledger.path)
        let prefix = lines.dropLast().reduce(0) { $0 + $1.count + 1 }
        let torn = Array(good[0..<(prefix + (keep < 0 ? lines.last!.count : keep))])
        try Data(torn).write(to: URL(fileURLWithPath: ledger.path))

        let v = CLI.run(["verify", "--ledger", ledger.path])
        #expect(v.status == 1)
        #expect(v.firstFinding?.line == 3 && v.firstFinding?.code == "torn-tail", "\(v)")
        let j = CLI.run(["verify", "--ledger", ledger.path, "--json"])
        let report = try JSON.parse(j.stdoutBytes.dropLast())
        #expect(report["findings"]?.arrayValue?.map { $0["code"]?.stringValue } == ["torn-tail"])

        for args in [["transfer", "--key", alice.path, "--to", bob.account, "--amount", "1"], ["init", "--fund", "\(alice.account)=1"]] {
            let t = CLI.run(args + ["--ledger", ledger.path], env: env0)
            #expect(t.status != 0, "\(t)")
            expectSameBytes(CLI.read(ledger.path), torn)
        }
        let t = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "1"], env: env0)
        #expect(t.status == 1 && t.stderr.contains("torn-tail"), "\(t)")

        let r = CLI.run(["repair", "--ledger", ledger.path], env: env0)
        #expect(r.status == 0, "\(r)")
        expectSameBytes(CLI.read(ledger.path), Array(good[0..<prefix]))
        let backups = try FileManager.default.contentsOfDirectory(atPath: dir.root).filter { $0.hasPrefix("ledger.jsonl.bak") }
        #expect(backups.count == 1)
        expectSameBytes(CLI.read(dir.path(backups[0])), torn)
        #expect(r.stdout.contains(backups[0]))
        #expect(CLI.run(["verify", "--ledger", ledger.path]).status == 0)
        // Nothing more to repair; appends work again.
        let again = CLI.run(["repair", "--ledger", ledger.path], env: env0)
        #expect(again.status == 0 && again.stdout.contains("nothing to repair"))
        #expect(CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "2"], env: env0).status == 0)
        #expect(CLI.run(["verify", "--ledger", ledger.path]).status == 0)
    }

    @Test("a second torn tail repaired at the same CROWDLEDGER_TIME is repaired too, keeping both backups")
    func repairTwiceSameTime() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 1)
        let good = CLI.read(ledger.path)
        for round in 1...2 {
            #expect(CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "1"], env: env0).status == 0)
            let full = CLI.read(ledger.path)
            try Data(full.dropLast(7)).write(to: URL(fileURLWithPath: ledger.path))
            let r = CLI.run(["repair", "--ledger", ledger.path], env: env0)
            #expect(r.status == 0, "round \(round): \(r)")
            expectSameBytes(CLI.read(ledger.path), good, "round \(round)")
        }
        let backups = try FileManager.default.contentsOfDirectory(atPath: dir.root).filter { $0.hasPrefix("ledger.jsonl.bak") }
        #expect(backups.count == 2, "\(backups)")
    }

    @Test("repair does not hide tampering: with an earlier bad line it exits 1 and writes nothing")
    func repairWithOtherFindings() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2)
        var bytes = CLI.read(ledger.path)
        let firstNL = bytes.firstIndex(of: 0x0a)!
        bytes[firstNL + 20] = bytes[firstNL + 20] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")  // inside line 2's hash
        bytes.removeLast(5)
        try Data(bytes).write(to: URL(fileURLWithPath: ledger.path))
        let r = CLI.run(["repair", "--ledger", ledger.path], env: env0)
        #expect(r.status == 1)
        #expect(r.firstFinding?.line == 2 && r.firstFinding?.code == "bad-hash", "\(r)")
        // Exit 1 means nothing was written: the torn tail is still there, and no backup.
        #expect(CLI.read(ledger.path) == bytes)
        #expect(r.stderr.contains("nothing was written"))
    }
}}

// MARK: - Line-level rejections

extension LedgerBasicsTests { @Suite("Line-level rejections") struct LineRejectionTests {
    /// Edits of a ledger's text and the finding each must produce.
    static let cases: [(name: String, line: Int, code: String, edit: @Sendable (String) -> String)] = [
        ("duplicate key", 2, "not-json", { $0.replacingOccurrences(of: #"{"amount":1,"#, with: #"{"amount":1,"amount":1,"#) }),
        ("duplicate top-level key", 2, "not-json", { $0.replacingOccurrences(of: #","seq":2,"#, with: #","seq":2,"seq":2,"#) }),
        ("space after colon", 2, "not-canonical", { $0.replacingOccurrences(of: #""seq":2"#, with: #""seq": 2"#) }),
        ("space before the line", 3, "not-canonical", { " " + $0 }),
        ("carriage return (CRLF)", 1, "not-canonical", { $0 + "\r" }),
        ("key order", 2, "not-canonical", { s in
            // swap "seq":2 and "time":T
            let r = try! NSRegularExpression(pattern: #""seq":(\d+),"time":(\d+),"#)
            return r.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s), withTemplate: #""time":$2,"seq":$1,"#)
        }),
        ("float amount", 2, "not-json", { $0.replacingOccurrences(of: #""amount":1,"#, with: #""amount":1.0,"#) }),
        ("exponent", 2, "not-json", { $0.replacingOccurrences(of: #""amount":1,"#, with: #""amount":1e0,"#) }),
        ("negative zero seq", 2, "not-canonical", { $0.replacingOccurrences(of: #""seq":2,"#, with: #""seq":-0,"#) }),
        ("escaped ASCII", 1, "not-canonical", { $0.replacingOccurrences(of: #""name":"test""#, with: #""name":"t\u0065st""#) }),
        ("escaped solidus", 1, "not-canonical", { $0.replacingOccurrences(of: #""name":"test""#, with: #""name":"te\/st""#) }),
        ("upper-case hex escape", 1, "not-canonical", { $0.replacingOccurrences(of: #""name":"test""#, with: #""name":"te\u001Fst""#) }),
        ("trailing comma", 2, "not-json", { $0.replacingOccurrences(of: #"}}"#, with: #"},}"#) }),
        ("not an object", 2, "bad-shape", { _ in "[]" }),
        ("extra member", 2, "bad-shape", { $0.replacingOccurrences(of: #","seq":2,"#, with: #","seq":2,"sig":"","#) }),
        ("upper-case hash", 2, "bad-shape", { s in
            let start = s.index(s.startIndex, offsetBy: 9), end = s.index(start, offsetBy: 64)
            return s.replacingCharacters(in: start..<end, with: s[start..<end].uppercased())
        }),
    ]

    @Test("each malformed line is reported with its code and line number", arguments: 0..<cases.count)
    func rejection(index: Int) throws {
        let c = Self.cases[index]
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2)   // amounts 1, 2
        let lines = CLI.ledgerLines(ledger.path)
        let original = String(decoding: lines[c.line - 1], as: UTF8.self)
        let edited = c.edit(original)
        #expect(edited != original, "\(c.name): the edit must change the line")
        try replaceLine(c.line, of: ledger.path, with: Array(edited.utf8))
        let v = CLI.run(["verify", "--ledger", ledger.path])
        #expect(v.status == 1, "\(c.name): \(v)")
        #expect(v.firstFinding?.line == c.line && v.firstFinding?.code == c.code, "\(c.name): \(v)")
    }
}}
