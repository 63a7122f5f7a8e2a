import Audit
import CanonicalJSON
import Client
import Contract
import Files
import Foundation
import LedgerModel
import LedgerStore
import LedgerCrypto
import Programs
import Testing

/// Issue 9, "what verify says ok to": each attack mounted through the CLI and real files,
/// refused at append (exit 1, nothing written) and reported by `verify` (exit 1, a stable code,
/// the right line). docs/SECURITY.md names these tests.
@Suite struct TrustTests {
    static let env = ["CROWDLEDGER_TIME": String(CLI.t0)]

    /// An entry line written by hand: the entry's hash computed over the canonical JSON, so it
    /// links like a real one (the attacker re-chains; no key is needed for that).
    static func forge(seq: Int64, link: String, time: Int64, tx: JSONObject) -> (line: [UInt8], hash: String) {
        let unhashed: JSONObject = ["link": .string(link), "seq": .int(seq), "time": .int(time), "tx": .object(tx)]
        let hash = SHA256.hex(JSON.object(unhashed).canonicalBytes)
        var full = unhashed
        full["hash"] = .string(hash)
        return (JSON.object(full).canonicalBytes, hash)
    }

    static func append(_ path: String, _ line: [UInt8]) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Data(line + [0x0a]))
        try h.close()
    }

    /// The hash of the last line of a ledger file.
    static func head(_ path: String) -> String {
        String(decoding: CLI.ledgerLines(path).last![9..<73], as: UTF8.self)
    }

    static func verify(_ path: String, _ extra: [String] = []) -> CLIResult {
        CLI.run(["verify", "--ledger", path] + extra)
    }

    // MARK: - 1. Weak keys

    static let zeroID = String(repeating: "0", count: 64)                    // y = 0: order 4, the "burn address"
    static let identityID = "01" + String(repeating: "0", count: 62)         // the identity point
    static let nonCanonicalID = "ed" + String(repeating: "ff", count: 30) + "7f"  // y = p

    @Test func weakKeysAreRefusedAtInitAndTransfer() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let path = dir.path("burn.jsonl")
        let r = CLI.run(["init", "--ledger", path, "--fund", "\(alice.account)=100", "--fund", "\(Self.zeroID)=5"], env: Self.env)
        #expect(r.status == 1 && r.firstFinding?.code == "weak-key" && r.stderr.contains(Self.zeroID), "\(r)")
        #expect(!FileManager.default.fileExists(atPath: path))

        let (ledger, _) = try CLI.makeLedger(in: dir, keys: [alice, bob])
        let before = CLI.read(ledger)
        for id in [Self.zeroID, Self.identityID, Self.nonCanonicalID] {
            let t = CLI.run(["transfer", "--ledger", ledger, "--key", alice.path, "--to", id, "--amount", "5"], env: Self.env)
            #expect(t.status == 1 && t.firstFinding?.code == "weak-key" && t.stderr.contains(id), "\(t)")
            expectSameBytes(CLI.read(ledger), before)
        }
        // A publish naming a weak seller or allow-list entry is refused the same way.
        let p = CLI.run(["publish", "--ledger", ledger, "--key", alice.path, "--program", "hash-iterate", "--params", #"{"iterations":1}"#,
                         "--reward", "1", "--deposit", "1", "--workers", "2", "--allow", bob.account, "--allow", Self.identityID],
                        env: Self.env)
        #expect(p.status == 1 && p.firstFinding?.code == "weak-key", "\(p)")
        expectSameBytes(CLI.read(ledger), before)
        #expect(Self.verify(ledger).status == 0)
    }

    @Test func forgedLedgersWithWeakKeysAreReported() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)

        // (a) A genesis that funds the identity key, written by hand.
        let g = Self.forge(seq: 1, link: Entry.zeroLink, time: CLI.t0, tx: [
            "body": ["allocations": [Self.identityID: 5, alice.account: 100], "format": .int(LedgerFormat.version), "name": "forged",
                     "salt": .string(String(repeating: "11", count: 32))],
            "kind": "genesis"])
        let a = try dir.write("a.jsonl", g.line + [0x0a])
        let va = Self.verify(a)
        #expect(va.status == 1 && va.firstFinding?.line == 1 && va.firstFinding?.code == "weak-key", "\(va)")

        // (b) The identity-key forgery: party A = identity, sig R = identity, S = 0. Plain RFC 8032
        // verification accepts it for every message; the ledger must not.
        let (b, id) = try CLI.makeLedger(in: dir, keys: [alice, bob], file: "b.jsonl")
        let forgedTx: JSONObject = ["body": ["amount": 1, "to": .string(alice.account)], "kind": "transfer", "ledger": .string(id),
                                    "nonce": 1, "party": .string(Self.identityID),
                                    "sig": .string("01" + String(repeating: "0", count: 126))]
        try Self.append(b, Self.forge(seq: 2, link: id, time: CLI.t0, tx: forgedTx).line)
        let vb = Self.verify(b, ["--json"])
        #expect(vb.status == 1 && vb.stdout.contains(#""code":"weak-key","line":2"#) && vb.stdout.contains(Self.identityID), "\(vb)")

        // (c) A transfer to the zero "burn address", properly signed by alice and re-chained.
        let (c, cid) = try CLI.makeLedger(in: dir, keys: [alice, bob], file: "c.jsonl")
        let tx = try Transaction(kind: .transfer, body: ["amount": 5, "to": .string(Self.zeroID)], ledger: cid, nonce: 1,
                                 key: try KeyFile.load(alice.path))
        try Self.append(c, Entry(seq: 2, link: cid, time: CLI.t0, tx: tx).line)
        let vc = Self.verify(c)
        #expect(vc.status == 1 && vc.firstFinding?.line == 2 && vc.firstFinding?.code == "weak-key" && vc.stderr.contains(Self.zeroID), "\(vc)")
    }

    // MARK: - 2. Unique ledger ids

    @Test func equalGenesesGetDifferentIdsAndTransactionsDoNotCross() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (a, aid) = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 1, file: "a.jsonl")
        let (b, bid) = try CLI.makeLedger(in: dir, keys: [alice, bob], file: "b.jsonl")
        #expect(aid != bid)

        // An explicit salt makes the record reproducible.
        let salt = String(repeating: "5a", count: 32)
        var ids: [String] = []
        for name in ["s1.jsonl", "s2.jsonl"] {
            let r = CLI.run(["init", "--ledger", dir.path(name), "--fund", "\(alice.account)=1", "--salt", salt], env: Self.env)
            #expect(r.status == 0, "\(r)")
            ids.append(r.lines.first ?? "")
        }
        #expect(ids[0] == ids[1] && CLI.read(dir.path("s1.jsonl")) == CLI.read(dir.path("s2.jsonl")))
        #expect(CLI.read(dir.path("s1.jsonl")).count > 0 && String(decoding: CLI.read(dir.path("s1.jsonl")), as: UTF8.self).contains(salt))
        #expect(CLI.run(["init", "--ledger", dir.path("bad.jsonl"), "--salt", "00"], env: Self.env).status == 2)

        // Alice's transfer on ledger a, replayed onto b: refused at append, reported by verify.
        let foreign = try Entry.parse(line: CLI.ledgerLines(a)[1], lineNumber: 2).tx
        let before = CLI.read(b)
        #expect {
            _ = try Session.append(path: b, time: CLI.t0) { _ in foreign }
        } throws: { error in
            guard case AppendError.rejected(_, let f) = error else { return false }
            return f.code == .wrongLedger
        }
        expectSameBytes(CLI.read(b), before)
        try Self.append(b, Entry(seq: 2, link: bid, time: CLI.t0, tx: foreign).line)
        let v = Self.verify(b)
        #expect(v.status == 1 && v.firstFinding?.line == 2 && v.firstFinding?.code == "wrong-ledger", "\(v)")
    }

    @Test func theMergeDriverRefusesDifferentGeneses() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (a, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 1, file: "a.jsonl")
        let (b, _) = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2, file: "b.jsonl")
        let base = try dir.write("base.jsonl", [UInt8]())
        let before = CLI.read(a)
        let r = CLI.run(["merge-driver", base, a, b, "--path", "ledger.jsonl"])
        #expect(r.status == 1 && r.stderr.contains("different ledgers"), "\(r)")
        expectSameBytes(CLI.read(a), before)
    }

    // MARK: - 3. Declared sizes

    /// A ledger with an exec task (results over 4096 bytes go by digest), bob and carol joined.
    func execTask(_ dir: TempDir, maxResultSize: Int64? = nil) throws -> (path: String, task: String, workers: [TestKey], requester: TestKey) {
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir), carol = try CLI.fixtureKey("carol", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob, carol])
        let prog = try dir.write("prog.sh", "#!/bin/sh\nexit 0\n", mode: 0o755)
        var args = ["publish", "--ledger", path, "--key", alice.path, "--program", "exec", "--exec", prog, "--reward", "20",
                    "--deposit", "10", "--workers", "2", "--public-coin", String(repeating: "ab", count: 32)]
        if let maxResultSize { args += ["--max-result-size", String(maxResultSize)] }
        let p = CLI.run(args, env: Self.env)
        guard p.status == 0, let task = p.lines.first else { throw HarnessError("publish: \(p)") }
        for w in [bob, carol] {
            let j = CLI.run(["join", task, "--ledger", path, "--key", w.path], env: Self.env)
            guard j.status == 0 else { throw HarnessError("join: \(j)") }
        }
        return (path, task, [bob, carol], alice)
    }

    /// Commits and reveals by hand (the workers hold their keys): result digest `digest`,
    /// declared size `size`, revealed by digest only. Returns the reveal lines.
    @discardableResult
    func commitAndReveal(_ path: String, task: String, workers: [TestKey], digest: [UInt8], size: Int64) throws -> [Int64] {
        let keys = try workers.map { try KeyFile.load($0.path) }
        for (i, key) in keys.enumerated() {
            let secret = SHA256.hash(Array("secret \(i)".utf8))
            let c = Commitments.commitment(task: Hex.decode(task)!, worker: key.publicKey.bytes, secret: secret, size: size, digest: digest)
            _ = try Session.append(path: path, time: CLI.t0) { state in
                try Transaction(kind: .commit, body: CommitBody(task: task, commitment: Hex.encode(c)).json, ledger: state.ledgerID,
                                nonce: state.nextNonce(for: key.publicKey.hex), key: key)
            }
        }
        var lines: [Int64] = []
        for (i, key) in keys.enumerated() {
            let secret = SHA256.hash(Array("secret \(i)".utf8))
            let body = RevealBody(task: task, secret: Hex.encode(secret), digest: Hex.encode(digest), size: size, data: nil)
            lines.append(try Session.append(path: path, time: CLI.t0) { state in
                try Transaction(kind: .reveal, body: body.json, ledger: state.ledgerID, nonce: state.nextNonce(for: key.publicKey.hex), key: key)
            }.0.seq)
        }
        return lines
    }

    @Test func aBlobOneByteShorterThanDeclaredIsABlobMismatch() throws {
        let dir = try TempDir()
        let (path, task, workers, _) = try execTask(dir)
        let y = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        // Both workers commit to H(y) with size |y| + 1: the contract cannot see the bytes.
        let reveals = try commitAndReveal(path, task: task, workers: workers, digest: SHA256.hash(y), size: Int64(y.count) + 1)
        let s = CLI.run(["settle", task, "--ledger", path], env: Self.env)
        #expect(s.status == 0, "\(s)")
        #expect(Self.verify(path).status == 0)  // no blob: nothing to compare
        try BlobStore(ledgerPath: path).put(y)
        let v = Self.verify(path)
        #expect(v.status == 1 && v.firstFinding?.line == Int(reveals[0]) && v.firstFinding?.code == "blob-mismatch"
                && v.stderr.contains("5001"), "\(v)")
    }

    @Test func aConstantResultRevealedByDigestIsATrivialResult() throws {
        let dir = try TempDir()
        let (path, task, workers, _) = try execTask(dir)
        let zeros = [UInt8](repeating: 0, count: 5000)
        // The worker's side refuses to commit it (exit 1, nothing written).
        let file = try dir.write("zeros.bin", zeros)
        let before = CLI.read(path)
        let c = CLI.run(["commit", task, "--ledger", path, "--key", workers[0].path, "--result", file], env: Self.env)
        #expect(c.status == 1 && c.stderr.contains("trivial"), "\(c)")
        expectSameBytes(CLI.read(path), before)
        // Workers who write it anyway agree, and the contract (which never sees the bytes) pays them.
        let reveals = try commitAndReveal(path, task: task, workers: workers, digest: SHA256.hash(zeros), size: 5000)
        #expect(CLI.run(["settle", task, "--ledger", path], env: Self.env).status == 0)
        try BlobStore(ledgerPath: path).put(zeros)
        let v = Self.verify(path)
        #expect(v.status == 1 && v.firstFinding?.line == Int(reveals[0]) && v.firstFinding?.code == "trivial-result", "\(v)")
    }

    @Test func aGibibyteDeclaredSizeCostsNothingToVerify() throws {
        let dir = try TempDir()
        let (path, task, workers, _) = try execTask(dir, maxResultSize: 1 << 30)
        try commitAndReveal(path, task: task, workers: workers, digest: SHA256.hash(Array("not there".utf8)), size: 1 << 30)
        #expect(CLI.run(["settle", task, "--ledger", path], env: Self.env).status == 0)
        let start = Date()
        let v = Self.verify(path)
        let elapsed = Date().timeIntervalSince(start)
        #expect(v.status == 0, "\(v)")
        #expect(elapsed < 5, "verify took \(elapsed) s")
    }

    // MARK: - 4. Pay-per-precision rows

    @Test func workersAgreeingOnEasyRowsDoNotGetTheSellerPaid() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir),
            carol = try CLI.fixtureKey("carol", in: dir), dave = try CLI.fixtureKey("dave", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob, carol])
        let model = try dir.write("model.bin", [1]), data = try dir.write("data.bin", [2])
        let coin = String(repeating: "cd", count: 32)
        let p = CLI.run(["publish", "--ledger", path, "--key", alice.path, "--program", "eval-classifier",
                         "--params", #"{"k":3,"rows":{"count":10,"from":0}}"#, "--input", model, "--input", data, "--reward", "10",
                         "--deposit", "10", "--workers", "2", "--public-coin", coin, "--payment", "50", "--seller", dave.account,
                         "--threshold", "1/1"], env: Self.env)
        let task = try #require(p.lines.first, "\(p)")
        let selected = try #require(EvalClassifier.selectedRows(params: .object(["k": 3, "rows": ["count": 10, "from": 0]]),
                                                                coin: Hex.decode(coin)!))
        // "Easy" rows the coin did not pick, every one classified correctly.
        let easy = (0..<10).filter { !selected.contains($0) }.prefix(3)
        let result = try dir.write("eval.json", #"{"bits":"111","k":3,"rows":[\#(easy.map(String.init).joined(separator: ","))]}"#)
        for w in [bob, carol] { #expect(CLI.run(["join", task, "--ledger", path, "--key", w.path], env: Self.env).status == 0) }
        for w in [bob, carol] {
            #expect(CLI.run(["commit", task, "--ledger", path, "--key", w.path, "--result", result], env: Self.env).status == 0)
        }
        for w in [bob, carol] { #expect(CLI.run(["reveal", task, "--ledger", path, "--key", w.path], env: Self.env).status == 0) }

        // A settle paying the seller (what the old rule recorded) is refused at append ...
        let state = try LedgerClient(path: path).state()
        let t = try #require(state.tasks[task])
        let honest = try Contract.settlement(t, at: CLI.t0)
        #expect(honest.payouts.last == Payout(account: alice.account, amount: 50, clause: "payment-refund-wrong-rows"))
        let paid = SettlementRecord(outcome: honest.outcome,
                                    payouts: Array(honest.payouts.dropLast()) + [Payout(account: dave.account, amount: 50, clause: "payment-precision-met")],
                                    burned: honest.burned, result: honest.result)
        let forged = SettleBody.transaction(task: task, paid, ledger: state.ledgerID)
        let before = CLI.read(path)
        #expect {
            _ = try Session.append(path: path, time: CLI.t0) { _ in forged }
        } throws: { error in
            guard case AppendError.rejected(_, let f) = error else { return false }
            return f.code == .settlementMismatch
        }
        expectSameBytes(CLI.read(path), before)
        // ... and reported by verify when written by hand.
        let copy = try dir.write("forged.jsonl", before)
        try Self.append(copy, Entry(seq: state.seq + 1, link: state.head, time: CLI.t0, tx: forged).line)
        let v = Self.verify(copy)
        #expect(v.status == 1 && v.firstFinding?.line == Int(state.seq + 1) && v.firstFinding?.code == "settlement-mismatch", "\(v)")

        // The CLI's settle refunds the requester.
        let s = CLI.run(["settle", task, "--ledger", path], env: Self.env)
        #expect(s.status == 0, "\(s)")
        let last = String(decoding: CLI.ledgerLines(path).last!, as: UTF8.self)
        #expect(last.contains("payment-refund-wrong-rows") && !last.contains(dave.account))
        #expect(Self.verify(path).status == 0)
    }

    // MARK: - 5. Times in the future

    @Test func aFutureTimeIsRefusedAtAppendAndReportedByVerify() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob])
        let future = Int64(Date().timeIntervalSince1970) + 10 * 86400
        let before = CLI.read(path)
        let args = ["transfer", "--ledger", path, "--key", alice.path, "--to", bob.account, "--amount", "1"]
        let r = CLI.run(args, env: ["CROWDLEDGER_TIME": String(future)])
        #expect(r.status == 1 && r.firstFinding?.line == 2 && r.firstFinding?.code == "future-time", "\(r)")
        expectSameBytes(CLI.read(path), before)
        // init too.
        let i = CLI.run(["init", "--ledger", dir.path("f.jsonl"), "--fund", "\(alice.account)=1"], env: ["CROWDLEDGER_TIME": String(future)])
        #expect(i.status == 1 && i.firstFinding?.code == "future-time", "\(i)")
        #expect(!FileManager.default.fileExists(atPath: dir.path("f.jsonl")))
        // Within the tolerance: fine.
        let soon = Int64(Date().timeIntervalSince1970) + 60
        #expect(CLI.run(args, env: ["CROWDLEDGER_TIME": String(soon)]).status == 0)
        // Asked for explicitly: written, and then reported by verify on its line.
        let w = CLI.run(args, env: ["CROWDLEDGER_TIME": String(future), "CROWDLEDGER_ALLOW_FUTURE": "1"])
        #expect(w.status == 0, "\(w)")
        let v = Self.verify(path)
        #expect(v.status == 1 && v.firstFinding?.line == 3 && v.firstFinding?.code == "future-time", "\(v)")
        // An auditor's clock fixed at (or after) that time accepts it; one fixed before refuses it.
        #expect(Self.verify(path, ["--now", String(future)]).status == 0)
        #expect(Self.verify(path, ["--now", String(future - 301)]).firstFinding?.code == "future-time")
        #expect(Self.verify(path, ["--now", String(future - 300)]).status == 0)
    }

    @Test func theAppendTimeIsReadUnderTheLock() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob])
        let key = try KeyFile.load(alice.path)
        var lockedWhenRead: Bool?
        _ = try Session.append(path: path, clock: {
            let fd = open(path, O_RDONLY)
            defer { close(fd) }
            lockedWhenRead = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK
            return CLI.t0
        }, notAfter: nil) { state, time in
            #expect(time == CLI.t0)
            return try Transaction(kind: .transfer, body: ["amount": 1, "to": .string(bob.account)], ledger: state.ledgerID,
                                   nonce: state.nextNonce(for: key.publicKey.hex), key: key)
        }
        #expect(lockedWhenRead == true)
    }

    @Test func concurrentAppendersOnTheSystemClockAllSucceed() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        // Genesis in the past, so every appender's clock is ahead of it.
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob])
        let procs = (0..<8).map { i in
            CLI.start(["transfer", "--ledger", path, "--key", (i % 2 == 0 ? alice : bob).path,
                       "--to", (i % 2 == 0 ? bob : alice).account, "--amount", "1"])
        }
        for p in procs { let r = p.wait(); #expect(r.status == 0, "\(r)") }
        #expect(CLI.ledgerLines(path).count == 9)
        #expect(Self.verify(path).status == 0)
    }
}

/// The smaller items of issue 9.
@Suite struct TrustExtrasTests {
    @Test func runOutIsWrittenOwnerOnlyWhateverTheUmask() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir), carol = try CLI.fixtureKey("carol", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob, carol])
        let input = try dir.write("in.bin", "data\n")
        let env = TrustTests.env
        let p = CLI.run(["publish", "--ledger", path, "--key", alice.path, "--program", "hash-iterate", "--params", #"{"iterations":1}"#,
                         "--input", input, "--reward", "1", "--deposit", "1", "--workers", "2",
                         "--public-coin", String(repeating: "ab", count: 32)], env: env)
        let task = try #require(p.lines.first, "\(p)")
        for w in [bob, carol] { #expect(CLI.run(["join", task, "--ledger", path, "--key", w.path], env: env).status == 0) }
        let out = dir.path("y.bin")
        let r = CLI.bash("umask 000; \"$B\" run \"$T\" --ledger \"$L\" --out \"$O\" >/dev/null; stat -c %a \"$O\"",
                         env: ["B": CLI.binary, "T": task, "L": path, "O": out])
        #expect(r.status == 0 && r.stdout == "600\n", "\(r)")
        // Commit's saved result too.
        let c = CLI.bash("umask 000; \"$B\" commit \"$T\" --ledger \"$L\" --key \"$K\" --result \"$O\" >/dev/null; stat -c %a \"$K.openings/$T.result\"",
                         env: ["B": CLI.binary, "T": task, "L": path, "O": out, "K": bob.path, "CROWDLEDGER_TIME": String(CLI.t0)])
        #expect(c.status == 0 && c.stdout == "600\n", "\(c)")
    }

    @Test func aRowRangeNoDataSetCanHoldIsRefusedAtPublish() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let (path, _) = try CLI.makeLedger(in: dir, keys: [alice, bob])
        let model = try dir.write("model.bin", [1]), data = try dir.write("data.bin", [2])
        let before = CLI.read(path)
        let p = CLI.run(["publish", "--ledger", path, "--key", alice.path, "--program", "eval-classifier",
                         "--params", #"{"k":1,"rows":{"count":2,"from":16777215}}"#, "--input", model, "--input", data,
                         "--reward", "1", "--deposit", "1", "--workers", "2"], env: TrustTests.env)
        #expect(p.status == 1 && p.stderr.contains("16777216"), "\(p)")
        expectSameBytes(CLI.read(path), before)
    }
}
