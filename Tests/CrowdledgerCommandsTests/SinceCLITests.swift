import CanonicalJSON
import Foundation
import LedgerCrypto
import LedgerModel
import LedgerTree
import Testing
import Transparency

/// `verify --state` / `verify --since` and the tree cache's guard, through the CLI on real files
/// (docs/TRANSPARENCY.md §2 and §5).
@Suite("Incremental audits (verify --since) and the tree cache's guard") struct SinceCLITests {
    /// Edits line `k` (1-based) as JSON, recomputes its hash and re-chains every later line.
    static func edit(_ ledger: String, line k: Int, _ change: (inout JSONObject) -> Void) throws {
        var lines = CLI.ledgerLines(ledger)
        var prev: String?
        for i in (k - 1)..<lines.count {
            guard case .object(var o) = try JSON.parse(lines[i]) else { throw HarnessError("line \(i + 1) is not an object") }
            if i == k - 1 { change(&o) }
            if let prev { o["link"] = .string(prev) }
            o["hash"] = nil
            let h = SHA256.hex(JSON.object(o).canonicalBytes)
            o["hash"] = .string(h)
            lines[i] = JSON.object(o).canonicalBytes
            prev = h
        }
        try Data(lines.flatMap { $0 + [0x0a] }).write(to: URL(fileURLWithPath: ledger))
    }

    /// Sets tx.body.amount.
    static func amount(_ n: Int64) -> (inout JSONObject) -> Void {
        { o in
            guard case .object(var tx)? = o["tx"], case .object(var body)? = tx["body"] else { return }
            body["amount"] = .int(n)
            tx["body"] = .object(body)
            o["tx"] = .object(tx)
        }
    }

    struct Setup {
        let dir: TempDir
        let ledger: String
        let alice: TestKey, bob: TestKey
        let state: String
        let cp: String
        let before: [UInt8]   // the state file after the first verify
    }

    /// A ledger of 6 lines verified with --state, a checkpoint of that size by alice, then 5 appends.
    static func setup() throws -> Setup {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 5).path
        let state = dir.path("audit.state")
        let v = CLI.run(["verify", "--ledger", ledger, "--state", state])
        #expect(v.status == 0 && v.lines.count == 2 && v.lines[1].hasPrefix("state \(state): size 6 root "), "\(v)")
        let head = try TransparencyCLITests.json(CLI.run(["head", "--json", "--ledger", ledger]))
        #expect(v.lines[1].hasSuffix(Hex.encode(TransparencyCLITests.hex(head["root"]))))
        let cp = try dir.write("six.cp", CLI.run(["checkpoint", "--key", alice.path, "--ledger", ledger]).stdoutBytes)
        for i in 0..<5 {
            let t = CLI.run(["transfer", "--ledger", ledger, "--key", alice.path, "--to", bob.account, "--amount", String(10 + i)], env: ["CROWDLEDGER_TIME": String(CLI.t0 + 60)])
            #expect(t.status == 0, "\(t)")
        }
        return Setup(dir: dir, ledger: ledger, alice: alice, bob: bob, state: state, cp: cp, before: CLI.read(state))
    }

    @Test("verify --state, 5 appends, verify --since checks only the 5 new lines and advances the state; the next round needs a checkpoint of the new size")
    func sinceChecksOnlyNewLines() throws {
        let s = try Self.setup()
        let r = CLI.run(["verify", "--ledger", s.ledger, "--since", s.cp, "--state", s.state, "--trust", s.alice.account, "--json"])
        #expect(r.status == 0, "\(r)")
        let o = try TransparencyCLITests.json(r)
        #expect(TransparencyCLITests.int(o["checked"]) == 5 && TransparencyCLITests.int(o["lines"]) == 11, "\(r)")
        // The saved state is now the ledger's whole tree, which checkpoint --size signs.
        let saved = try AuditorState.load(path: s.state)
        let mem = try TransparencyCLITests.memoryTree(s.ledger)
        let memRoot = try mem.root()
        #expect(saved.size == 11 && saved.rootHash == memRoot)
        // The old checkpoint no longer matches the state: exit 2, one line, state kept.
        let stale = CLI.run(["verify", "--ledger", s.ledger, "--since", s.cp, "--state", s.state])
        #expect(stale.status == 2 && stale.stdout.isEmpty && stale.stderr.split(separator: "\n").count == 1 && stale.stderr.contains("checkpoint --size 11"), "\(stale)")
        let eleven = try s.dir.write("eleven.cp", CLI.run(["checkpoint", "--key", s.alice.path, "--size", "11", "--ledger", s.ledger]).stdoutBytes)
        let again = CLI.run(["verify", "--ledger", s.ledger, "--since", eleven, "--state", s.state])
        #expect(again.status == 0 && again.stdout.hasPrefix("ok: no new entries after the 11 verified"), "\(again)")
        // checkpoint --size signs an older prefix's root, too.
        let six = try SignedNote(parsing: CLI.run(["checkpoint", "--key", s.alice.path, "--size", "6", "--ledger", s.ledger]).stdoutBytes)
        #expect(try Checkpoint(parsing: six.text).rootHash == (try Merkle.treeHash(size: 6, reader: mem)))
        for bad in ["0", "12"] {
            let c = CLI.run(["checkpoint", "--key", s.alice.path, "--size", bad, "--ledger", s.ledger])
            #expect(c.status == 2 && c.stdout.isEmpty, "\(c)")
        }
    }

    @Test("MUST-SHOW: an edit in the verified prefix, re-chained and re-signed nowhere, is since-mismatch (exit 1); the state file is kept")
    func prefixEditCaught() throws {
        let s = try Self.setup()
        try Self.edit(s.ledger, line: 3, Self.amount(999))   // alice's second transfer, 2 → 999
        let r = CLI.run(["verify", "--ledger", s.ledger, "--since", s.cp, "--state", s.state])
        #expect(r.status == 1 && r.firstFinding?.code == "since-mismatch" && r.firstFinding?.line == 6, "\(r)")
        #expect(r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1)
        expectSameBytes(CLI.read(s.state), s.before, "a failed --since must not touch the state")
        // Truncated below the verified size: the same finding.
        try Data(CLI.ledgerLines(s.ledger).prefix(4).flatMap { $0 + [0x0a] }).write(to: URL(fileURLWithPath: s.ledger))
        let t = CLI.run(["verify", "--ledger", s.ledger, "--since", s.cp, "--state", s.state])
        #expect(t.status == 1 && t.firstFinding?.code == "since-mismatch", "\(t)")
    }

    @Test("an edit in the new lines is found by --since (exit 1, the state kept); --json reports it")
    func newLineEditCaught() throws {
        let s = try Self.setup()
        try Self.edit(s.ledger, line: 9, Self.amount(1))
        let plain = CLI.run(["verify", "--ledger", s.ledger, "--since", s.cp, "--state", s.state])
        #expect(plain.status == 1 && plain.firstFinding?.line == 9 && plain.firstFinding?.code == "bad-signature", "\(plain)")
        let r = CLI.run(["verify", "--ledger", s.ledger, "--since", s.cp, "--state", s.state, "--json"])
        #expect(r.status == 1 && r.stderr.contains("\"code\":\"bad-signature\"") && r.stderr.contains("\"line\":9"), "\(r)")
        #expect(r.stdout.contains("\"checked\":5") && r.stdout.contains("bad-signature"))
        expectSameBytes(CLI.read(s.state), s.before, "a failed --since must not touch the state")
        // A plain verify --state of the bad ledger writes nothing either.
        let fresh = s.dir.path("fresh.state")
        #expect(CLI.run(["verify", "--ledger", s.ledger, "--state", fresh]).status == 1)
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }

    @Test("bad inputs: a state or checkpoint that does not fit is exit 2 (one line); an untrusted or forged checkpoint is checkpoint-signature (exit 1)")
    func badInputs() throws {
        let s = try Self.setup()
        func once(_ args: [String], _ status: Int32, _ code: String? = nil) {
            let r = CLI.run(["verify", "--ledger", s.ledger] + args)
            #expect(r.status == status && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1, "\(args): \(r)")
            if let code { #expect(r.stderr.contains(": \(code): "), "\(args): \(r)") }
            expectSameBytes(CLI.read(s.state), s.before, "\(args) touched the state")
        }
        once(["--since", s.cp], 2)                                            // --since without --state
        once(["--since", s.cp, "--state", s.dir.path("missing")], 2)          // no state file
        once(["--since", s.ledger, "--state", s.state], 2)                    // not a checkpoint
        once(["--since", s.cp, "--state", s.cp], 2)                           // not a state file
        // A full verify --state never replaces a file that is not a state file (here the ledger).
        let ledgerBytes = CLI.read(s.ledger)
        once(["--state", s.ledger], 2)
        expectSameBytes(CLI.read(s.ledger), ledgerBytes, "--state LEDGER replaced the ledger")
        // A state whose balances were edited: its checksum no longer holds.
        let edited = try s.dir.write("edited.state", String(decoding: s.before, as: UTF8.self).replacingOccurrences(of: "\"escrow\":0", with: "\"escrow\":1"))
        once(["--since", s.cp, "--state", edited], 2)
        // A checkpoint of another size (the ledger's current one) is not the state's.
        let now = try s.dir.write("now.cp", CLI.run(["checkpoint", "--key", s.alice.path, "--ledger", s.ledger]).stdoutBytes)
        once(["--since", now, "--state", s.state], 2)
        // Signed by a key not trusted, or forged: a finding.
        once(["--since", s.cp, "--state", s.state, "--trust", s.bob.account], 1, "checkpoint-signature")
        var bytes = CLI.read(s.cp)
        bytes[bytes.count - 10] = bytes[bytes.count - 10] == 0x41 ? 0x42 : 0x41
        let forged = try s.dir.write("forged.cp", bytes)
        once(["--since", forged, "--state", s.state], 1, "checkpoint-signature")
    }

    // MARK: The tree cache

    static func corrupt(_ path: String, at offset: Int) throws {
        var b = CLI.read(path)
        b[offset] ^= 0xff
        try Data(b).write(to: URL(fileURLWithPath: path))
    }

    @Test("MUST-SHOW: a corrupted hash in the tree cache is never signed or served: checkpoint, prove and head agree with a fresh tree")
    func corruptedCacheNotSigned() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 19).path   // 20 lines
        let mem = try TransparencyCLITests.memoryTree(ledger)
        let cache = dir.path(".ledger.jsonl.tree")
        #expect(CLI.run(["head", "--ledger", ledger]).status == 0)
        // Right edge of 20 leaves: (4,0) and (2,4). Damage stored hashes inside the 16-leaf subtree
        // (a leaf, a level-1 and a level-3 node) that proofs and older roots read.
        for (level, n) in [(0, 5), (1, 2), (3, 1)] {
            try Self.corrupt(cache, at: 4096 + 32 * Int(LedgerTree.storedHashIndex(level: level, n: UInt64(n))) + 7)
        }
        let twelve = CLI.run(["checkpoint", "--key", alice.path, "--size", "12", "--ledger", ledger])
        #expect(twelve.status == 0, "\(twelve)")
        #expect(try Checkpoint(parsing: SignedNote(parsing: twelve.stdoutBytes).text).rootHash == (try Merkle.treeHash(size: 12, reader: mem)))
        let root13 = try Merkle.treeHash(size: 13, reader: mem)
        for i in UInt64(0)..<13 {
            let p = try TransparencyCLITests.json(CLI.run(["prove", "--index", String(i), "--size", "13", "--json", "--ledger", ledger]))
            #expect(TransparencyCLITests.hex(p["leaf"]) == Merkle.leafHash(CLI.ledgerLines(ledger)[Int(i)]))
            #expect(Merkle.checkInclusion(leafHash: TransparencyCLITests.hex(p["leaf"]), index: i, size: 13, root: root13, proof: TransparencyCLITests.path(p["path"])), "\(i)")
        }
        // Damage the header (its checksum fails) or the stored right edge (it disagrees with the
        // header): the cache is rebuilt, and head and checkpoint sign the right root.
        for offset in [80, 4096 + 32 * Int(LedgerTree.storedHashIndex(level: 4, n: 0))] {
            try Self.corrupt(cache, at: offset)
            let h = try TransparencyCLITests.json(CLI.run(["head", "--json", "--ledger", ledger]))
            #expect(TransparencyCLITests.hex(h["root"]) == (try mem.root()), "offset \(offset)")
            let c = CLI.run(["checkpoint", "--key", alice.path, "--ledger", ledger])
            #expect(try Checkpoint(parsing: SignedNote(parsing: c.stdoutBytes).text).rootHash == (try mem.root()))
            let p = try TransparencyCLITests.json(CLI.run(["prove", "--from", "5", "--json", "--ledger", ledger]))
            #expect(Merkle.checkConsistency(oldSize: 5, oldRoot: try Merkle.treeHash(size: 5, reader: mem), newSize: 20, newRoot: try mem.root(), proof: TransparencyCLITests.path(p["path"])))
        }
    }

    @Test("the first build writes the cache in chunks; the result is the same tree, and a damaged body is rebuilt by the library")
    func chunkedBuild() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 40).path   // 41 lines
        let mem = try TransparencyCLITests.memoryTree(ledger)
        let tree = try LedgerTree(ledger: ledger, flushEvery: 64)
        let memRoot = try mem.root()
        #expect(try tree.size == 41 && tree.root() == memRoot)
        let cache = dir.path(".ledger.jsonl.tree")
        #expect(CLI.read(cache).count == 4096 + 32 * Int(LedgerTree.storedHashCount(41)))
        // Reopened from the file alone, every older root is the fresh tree's.
        try Self.corrupt(cache, at: 4096 + 32 * Int(LedgerTree.storedHashIndex(level: 2, n: 3)))
        let again = try LedgerTree(ledger: ledger)
        #expect(!again.rebuiltDamagedCache)
        for n in UInt64(0)...41 {
            let want = try Merkle.treeHash(size: n, reader: mem)
            #expect(try again.root(size: n) == want, "\(n)")
        }
        #expect(again.rebuiltDamagedCache)
    }
}
