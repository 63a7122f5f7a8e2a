import CanonicalJSON
import Foundation
import LedgerCrypto
import LedgerModel
import Testing
import Transparency

/// The ledger as a transparency log, through the CLI on real files (docs/TRANSPARENCY.md).
@Suite("Transparency CLI: head, prove, checkpoints, receipts, witnesses") struct TransparencyCLITests {
    static func json(_ r: CLIResult) throws -> JSONObject {
        guard case .object(let o) = try JSON.parse(r.stdoutBytes) else { throw HarnessError("not a JSON object: \(r)") }
        return o
    }
    static func hex(_ v: JSON?) -> [UInt8] { if case .string(let s)? = v { return Hex.decode(s) ?? [] } else { return [] } }
    static func int(_ v: JSON?) -> UInt64 { if case .int(let n)? = v { return UInt64(n) } else { return UInt64.max } }
    static func path(_ v: JSON?) -> [[UInt8]] { if case .array(let a)? = v { return a.map { hex($0) } } else { return [] } }

    /// The tree of a ledger's lines computed independently, in memory.
    static func memoryTree(_ ledger: String) throws -> MemoryHashStore {
        var m = MemoryHashStore()
        for l in CLI.ledgerLines(ledger) { try m.append(leaf: l) }
        return m
    }

    @Test("head and prove agree with an in-memory RFC 6962 tree; the cache extends, and is rebuilt when the ledger is replaced")
    func headAndProofs() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 6)
        let h = CLI.run(["head", "--json", "--ledger", ledger.path])
        #expect(h.status == 0, "\(h)")
        let o = try Self.json(h)
        #expect(o.keys.sorted() == ["head", "ledger", "root", "size"])
        let mem = try Self.memoryTree(ledger.path)
        let memRoot = try mem.root()
        #expect(Self.int(o["size"]) == 7 && Self.hex(o["root"]) == memRoot)
        if case .string(let id)? = o["ledger"] { #expect(id == ledger.id) } else { Issue.record("no ledger id") }
        let last = try Entry.parse(line: CLI.ledgerLines(ledger.path).last!, lineNumber: 7)
        if case .string(let hd)? = o["head"] { #expect(hd == last.hash) } else { Issue.record("no head") }
        // Every inclusion and consistency proof, for every size, verifies against the memory roots.
        for n in UInt64(1)...7 {
            let root = try Merkle.treeHash(size: n, reader: mem)
            for i in 0..<n {
                let p = try Self.json(CLI.run(["prove", "--index", String(i), "--size", String(n), "--json", "--ledger", ledger.path]))
                #expect(Merkle.checkInclusion(leafHash: Self.hex(p["leaf"]), index: i, size: n, root: root, proof: Self.path(p["path"])), "\(i)/\(n)")
                #expect(Self.hex(p["leaf"]) == Merkle.leafHash(CLI.ledgerLines(ledger.path)[Int(i)]))
            }
            for m in 0...n {
                let p = try Self.json(CLI.run(["prove", "--from", String(m), "--size", String(n), "--json", "--ledger", ledger.path]))
                #expect(p.keys.sorted() == ["from", "path", "size"])
                #expect(Merkle.checkConsistency(oldSize: m, oldRoot: try Merkle.treeHash(size: m, reader: mem), newSize: n, newRoot: root, proof: Self.path(p["path"])), "\(m)->\(n)")
            }
        }
        // Appends extend the cache; a different ledger under the same name rebuilds it.
        let cache = dir.path(".ledger.jsonl.tree")
        #expect(FileManager.default.fileExists(atPath: cache))
        _ = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "1"], env: ["CROWDLEDGER_TIME": String(CLI.t0)])
        let h2 = try Self.json(CLI.run(["head", "--json", "--ledger", ledger.path]))
        let r2 = try Self.memoryTree(ledger.path).root()
        #expect(Self.int(h2["size"]) == 8 && Self.hex(h2["root"]) == r2)
        let other = try CLI.makeLedger(in: dir, keys: [bob, alice], transfers: 2, file: "other.jsonl")
        try FileManager.default.removeItem(atPath: ledger.path)
        try FileManager.default.copyItem(atPath: other.path, toPath: ledger.path)
        let h3 = try Self.json(CLI.run(["head", "--json", "--ledger", ledger.path]))
        let r3 = try Self.memoryTree(ledger.path).root()
        #expect(Self.int(h3["size"]) == 3 && Self.hex(h3["root"]) == r3)
        // Bad input: one stderr line, exit 2; nothing on stdout.
        for args in [["prove", "--index", "3", "--size", "3"], ["prove", "--from", "4"], ["prove", "--size", "9", "--index", "0"], ["prove"], ["prove", "--index", "-1"]] {
            let r = CLI.run(args + ["--ledger", ledger.path])
            #expect(r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1, "\(args): \(r)")
        }
    }

    @Test("checkpoint is a C2SP signed note that a standard vkey verifies; check-proof checks proofs against checkpoints offline")
    func checkpointAndCheckProof() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2)
        let old = CLI.run(["checkpoint", "--key", alice.path, "--ledger", ledger.path])
        #expect(old.status == 0, "\(old)")
        let oldFile = try dir.write("old.cp", old.stdoutBytes)
        let note = try SignedNote(parsing: old.stdoutBytes)
        let cp = try Checkpoint(parsing: note.text)
        #expect(cp.origin == "crowdledger/\(ledger.id)" && cp.size == 3)
        let pub = Ed25519.PublicKey(bytes: Hex.decode(alice.account)!)!
        let vkey = try VerifierKey(name: alice.account, type: 1, publicKey: pub.bytes).encoded
        let nv = try note.verify([Ed25519NoteVerifier(vkey: vkey)])
        #expect(nv.count == 1)
        let named = CLI.run(["checkpoint", "--key", alice.path, "--name", "example.org/alice", "--ledger", ledger.path])
        let nn = try SignedNote(parsing: named.stdoutBytes)
        #expect(nn.signatures.first?.name == "example.org/alice")

        for i in 0..<3 { _ = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", String(i + 1)], env: ["CROWDLEDGER_TIME": String(CLI.t0)]) }
        let newFile = try dir.write("new.cp", CLI.run(["checkpoint", "--key", alice.path, "--ledger", ledger.path]).stdoutBytes)
        let inc = CLI.run(["prove", "--index", "4", "--json", "--ledger", ledger.path])
        let ok = CLI.run(["check-proof", "--checkpoint", newFile], stdin: inc.stdoutBytes)
        #expect(ok.status == 0 && ok.stdout.contains("line 5"), "\(ok)")
        let cons = try dir.write("cons.json", CLI.run(["prove", "--from", "3", "--json", "--ledger", ledger.path]).stdoutBytes)
        #expect(CLI.run(["check-proof", cons, "--checkpoint", newFile, "--old", oldFile, "--trust", alice.account]).status == 0)
        // Wrong signer trusted, wrong old checkpoint, tampered proof: exit 1.
        #expect(CLI.run(["check-proof", cons, "--checkpoint", newFile, "--old", oldFile, "--trust", bob.account]).status == 1)
        #expect(CLI.run(["check-proof", cons, "--checkpoint", newFile, "--old", newFile]).status == 1)
        var bad = inc.stdout
        bad = bad.replacingOccurrences(of: "\"index\":4", with: "\"index\":3")
        #expect(CLI.run(["check-proof", "--checkpoint", newFile], stdin: Array(bad.utf8)).status == 1)
        // Not a proof or not a checkpoint: exit 2.
        #expect(CLI.run(["check-proof", "--checkpoint", newFile], stdin: Array("{}".utf8)).status == 2)
        #expect(CLI.run(["check-proof", cons, "--checkpoint", cons, "--old", oldFile]).status == 2)
    }

    /// Deletes line `drop` (1-based), re-chains the rest, keeps lines up to `keep` only.
    static func rewrite(_ ledger: String, dropping drop: Int, keeping keep: Int) throws {
        var lines = CLI.ledgerLines(ledger)
        lines.remove(at: drop - 1)
        lines = Array(lines.prefix(keep))
        var out: [[UInt8]] = [lines[0]]
        var prev = try Entry.parse(line: lines[0], lineNumber: 1)
        for (i, l) in lines.dropFirst().enumerated() {
            let e = try Entry.parse(line: l, lineNumber: i + 2)
            let moved = Entry(seq: Int64(i + 2), link: prev.hash, time: e.time, tx: e.tx)
            out.append(moved.line)
            prev = moved
        }
        try Data(out.flatMap { $0 + [0x0a] }).write(to: URL(fileURLWithPath: ledger))
    }

    @Test("MUST-SHOW: a re-chained, re-settled ledger without a worker's reveal passes verify, but not verify --checkpoint with the worker's receipt")
    func rewrittenRevealCaughtByReceipt() throws {
        let dir = try TempDir()
        let ledger = try GuideLedger.build(in: dir)   // bob reveals at line 8, carol at 9, settle at 10
        let bob = dir.path("bob.pem")
        let receipts = try FileManager.default.contentsOfDirectory(atPath: bob + ".openings/receipts").sorted()
        let after = receipts.first { $0.contains("-00000000000000000008-") }
        #expect(receipts.count == 3, "\(receipts)")   // bob's join, commit and reveal; none for others' appends
        let receipt = bob + ".openings/receipts/" + (after ?? "missing")
        #expect(CLI.run(["verify", "--ledger", ledger, "--checkpoint", receipt]).status == 0)
        // The file writer deletes bob's reveal, re-chains, and settles again (bob is now penalised).
        try Self.rewrite(ledger, dropping: 8, keeping: 8)
        let s = CLI.run(["settle", try Self.taskID(ledger), "--ledger", ledger], env: ["CROWDLEDGER_TIME": String(CLI.t0 + 10 * 86400)])
        #expect(s.status == 0, "\(s)")
        #expect(CLI.run(["verify", "--ledger", ledger]).status == 0)
        let v = CLI.run(["verify", "--ledger", ledger, "--checkpoint", receipt])
        #expect(v.status == 1)
        #expect(v.firstFinding?.code == "checkpoint-inconsistent", "\(v)")
        #expect(v.stderr.contains(receipt) && v.stderr.contains(CLI.account(of: bob)))
        // With --json the report on stdout lists it, and the error on stderr is one JSON object.
        let j = CLI.run(["verify", "--ledger", ledger, "--checkpoint", receipt, "--json"])
        #expect(j.status == 1 && j.stdout.contains("checkpoint-inconsistent"))
        #expect(j.stderr.contains("\"code\":\"checkpoint-inconsistent\""), "\(j)")
    }

    static func taskID(_ ledger: String) throws -> String {
        try Entry.parse(line: CLI.ledgerLines(ledger)[1], lineNumber: 2).tx.id
    }

    @Test("MUST-SHOW: an entry timed after a witness's real-clock cosignature is reported; a bad signature is a finding")
    func futureTimeAfterCosignature() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let witness = try CLI.newKey(in: dir, name: "witness")
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2)
        let future: Int64 = 4_000_000_000  // year 2096
        let t = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "7"],
                        env: ["CROWDLEDGER_TIME": String(future), "CROWDLEDGER_ALLOW_FUTURE": "1"])
        #expect(t.status == 0, "\(t)")
        let cp = try dir.write("cp", CLI.run(["checkpoint", "--key", alice.path, "--ledger", ledger.path]).stdoutBytes)
        let state = dir.path("witness-state")
        let c = CLI.run(["cosign", cp, "--key", witness.path, "--state", state, "--ledger", ledger.path])  // the real clock
        #expect(c.status == 0, "\(c)")
        let cosigned = try dir.write("cosigned.cp", c.stdoutBytes)
        // The auditor's own clock already reports the entry (future-time); `--now` at the entry's
        // time isolates what the witness's cosignature proves on its own.
        #expect(CLI.run(["verify", "--ledger", ledger.path]).firstFinding?.code == "future-time")
        let v = CLI.run(["verify", "--ledger", ledger.path, "--now", String(future), "--checkpoint", cosigned])
        #expect(v.status == 1 && v.firstFinding?.line == 4 && v.firstFinding?.code == "time-after-cosignature", "\(v)")
        #expect(v.stderr.contains(witness.account))
        // Without the future entry's checkpoint cosigned, the same ledger verifies against alice's checkpoint.
        #expect(CLI.run(["verify", "--ledger", ledger.path, "--now", String(future), "--checkpoint", cp]).status == 0)
        // A checkpoint whose signature does not verify is itself a finding, naming the file.
        var bytes = CLI.read(cp)
        let sigStart = bytes.count - 10
        bytes[sigStart] = bytes[sigStart] == 0x41 ? 0x42 : 0x41
        let forged = try dir.write("forged.cp", bytes)
        let f = CLI.run(["verify", "--ledger", ledger.path, "--now", String(future), "--checkpoint", forged])
        #expect(f.status == 1 && f.stderr.contains(": checkpoint-signature: checkpoint ") && f.stderr.contains("forged.cp"), "\(f)")
        // Trusting another account: alice's checkpoint is not accepted.
        let u = CLI.run(["verify", "--ledger", ledger.path, "--now", String(future), "--checkpoint", cp, "--trust", bob.account])
        #expect(u.status == 1 && u.stderr.contains(": checkpoint-signature: "), "\(u)")
        #expect(CLI.run(["verify", "--ledger", ledger.path, "--now", String(future), "--checkpoint", cp, "--trust", alice.account]).status == 0)
        // Not a checkpoint at all: exit 2.
        #expect(CLI.run(["verify", "--ledger", ledger.path, "--now", String(future), "--checkpoint", ledger.path]).status == 2)
    }

    @Test("MUST-SHOW: a witness refuses a forked checkpoint (two ledgers sharing a prefix), naming both heads, and keeps its state")
    func witnessRefusesFork() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let witness = try CLI.newKey(in: dir, name: "witness")
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2)
        let fork = dir.path("fork.jsonl")
        try FileManager.default.copyItem(atPath: ledger.path, toPath: fork)
        let env = ["CROWDLEDGER_TIME": String(CLI.t0 + 60)]
        _ = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "5"], env: env)
        _ = CLI.run(["transfer", "--ledger", fork, "--key", alice.path, "--to", bob.account, "--amount", "6"], env: env)
        _ = CLI.run(["transfer", "--ledger", fork, "--key", alice.path, "--to", bob.account, "--amount", "7"], env: env)
        let state = dir.path("w")
        let a = try dir.write("a.cp", CLI.run(["checkpoint", "--key", alice.path, "--ledger", ledger.path]).stdoutBytes)
        let b = try dir.write("b.cp", CLI.run(["checkpoint", "--key", alice.path, "--ledger", fork]).stdoutBytes)
        let first = CLI.run(["cosign", a, "--key", witness.path, "--state", state, "--ledger", ledger.path], env: env)
        #expect(first.status == 0, "\(first)")
        let savedState = try FileManager.default.contentsOfDirectory(atPath: state)
        #expect(savedState.count == 1)
        let stateBytes = CLI.read(state + "/" + savedState[0])
        // The fork's checkpoint, with a proof from the fork itself (or piped in): refused.
        for args in [["--ledger", fork], []] {
            let stdin = args.isEmpty ? CLI.run(["prove", "--from", "4", "--json", "--ledger", fork]).stdoutBytes : nil
            let r = CLI.run(["cosign", b, "--key", witness.path, "--state", state] + args, env: env, stdin: stdin)
            #expect(r.status == 1 && r.stdout.isEmpty, "\(r)")
            let heads = try [a, b].map { try Checkpoint(parsing: SignedNote(parsing: CLI.read($0)).text) }
            #expect(r.stderr.contains("size 4 root \(Base64.encode(heads[0].rootHash))") && r.stderr.contains("size 5 root \(Base64.encode(heads[1].rootHash))"), "\(r)")
            expectSameBytes(CLI.read(state + "/" + savedState[0]), stateBytes)
        }
        // An honest extension is cosigned.
        _ = CLI.run(["transfer", "--ledger", ledger.path, "--key", alice.path, "--to", bob.account, "--amount", "8"], env: env)
        let a2 = try dir.write("a2.cp", CLI.run(["checkpoint", "--key", alice.path, "--ledger", ledger.path]).stdoutBytes)
        let ok = CLI.run(["cosign", a2, "--key", witness.path, "--state", state, "--ledger", ledger.path], env: env)
        #expect(ok.status == 0, "\(ok)")
        let note = try SignedNote(parsing: ok.stdoutBytes)
        #expect(note.signatures.count == 2)
        let wpub = Ed25519.PublicKey(bytes: Hex.decode(witness.account)!)!
        let verified = try note.verify([CosignatureV1Verifier(name: witness.account, publicKey: wpub)])
        #expect(verified.first.flatMap(CosignatureV1.timestamp) == UInt64(CLI.t0 + 60))
    }
}

extension CLI {
    static func account(of keyFile: String) -> String { CLI.run(["account", keyFile]).lines.first ?? "?" }
}
