// Issue 3: a ledger made by the CLI verifies and is canonical (checked by our parser and,
// independently, by python3); any one changed byte is caught and reported on the line that
// holds it.

import Audit   // Replay/Auditor, for the exhaustive in-process sweep (a CrowdledgerCommands dependency)
import TestSupport
import Files
import CanonicalJSON
import Dispatch
import Foundation
import LedgerModel
import LedgerCrypto
import Synchronization
import Testing


enum Tamper {
    static func isHex(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x61...0x66).contains(b) }

    /// Structural replacement bytes: space, newline, quote, brace, NUL, a lone UTF-8 lead byte,
    /// a byte never valid in UTF-8, and a digit.
    static let structural: [UInt8] = [0x20, 0x0a, 0x22, 0x7d, 0x00, 0xc3, 0xff, UInt8(ascii: "7")]

    /// All replacement bytes tried for the byte `b`: one that keeps the JSON valid where possible
    /// (another hex digit for a hex digit, another digit for a digit, another letter for a
    /// letter), then every structural one.
    static func replacements(for b: UInt8) -> [UInt8] {
        var r: [UInt8] = []
        if isHex(b) { r.append(b == UInt8(ascii: "0") ? UInt8(ascii: "f") : UInt8(ascii: "0")) }
        if (0x30...0x39).contains(b) { r.append(b == UInt8(ascii: "9") ? UInt8(ascii: "1") : b + 1) }
        if (0x61...0x7a).contains(b) { r.append(b == UInt8(ascii: "z") ? UInt8(ascii: "y") : b + 1) }
        r += structural
        var seen = Set<UInt8>()
        return r.filter { $0 != b && seen.insert($0).inserted }
    }

    /// A cheaper set for exhaustive sweeps: the validity-keeping ones, plus two structural bytes
    /// that rotate with the offset (so every structural byte is tried at every kind of position).
    static func sweepReplacements(for b: UInt8, at offset: Int) -> [UInt8] {
        var r: [UInt8] = []
        if isHex(b) { r.append(b == UInt8(ascii: "0") ? UInt8(ascii: "f") : UInt8(ascii: "0")) }
        if (0x30...0x39).contains(b) { r.append(b == UInt8(ascii: "9") ? UInt8(ascii: "1") : b + 1) }
        if (0x61...0x7a).contains(b) { r.append(b == UInt8(ascii: "z") ? UInt8(ascii: "y") : b + 1) }
        r.append(structural[offset % structural.count])
        r.append(structural[(offset / structural.count + offset + 3) % structural.count])
        var seen = Set<UInt8>()
        return r.filter { $0 != b && seen.insert($0).inserted }
    }

    /// The 1-based line that holds byte `offset` (a newline belongs to the line it ends).
    static func line(of offset: Int, in bytes: [UInt8]) -> Int {
        bytes[..<offset].reduce(1) { $1 == 0x0a ? $0 + 1 : $0 }
    }
}

@Suite("Format: canonical form and tampering") struct FormatTamperTests {
    @Test("every position of a small ledger, changed to several bytes, is reported on its own line (in-process)")
    func exhaustiveSweep() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 1, name: "sweep é✓")
        #expect(CLI.run(["transfer", "--ledger", ledger.path, "--key", bob.path, "--to", alice.account, "--amount", "3"],
                        env: ["CROWDLEDGER_TIME": String(CLI.t0 + 5)]).status == 0)
        let good = CLI.read(ledger.path)
        #expect(try Auditor.verify(path: ledger.path).findings.isEmpty)
        #expect(CLI.ledgerLines(ledger.path).count == 3)

        struct Outcome { var trials = 0; var failures: [String] = []; var codes: [String: Int] = [:] }
        let workers = 2
        let results = Mutex([Outcome](repeating: Outcome(), count: workers))
        let workPaths = (0..<workers).map { dir.path("work\($0).jsonl") }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var o = Outcome()
            for offset in stride(from: w, to: good.count, by: workers) {
                let expected = Tamper.line(of: offset, in: good)
                for r in Tamper.sweepReplacements(for: good[offset], at: offset) {
                    var bytes = good
                    bytes[offset] = r
                    o.trials += 1
                    do {
                        try Data(bytes).write(to: URL(fileURLWithPath: workPaths[w]))
                        let report = try Auditor.verify(path: workPaths[w])
                        guard let first = report.findings.first else {
                            o.failures.append("offset \(offset) → 0x\(String(r, radix: 16)): accepted"); continue
                        }
                        o.codes[first.code.rawValue, default: 0] += 1
                        if first.line != expected {
                            o.failures.append("offset \(offset) (line \(expected)) → 0x\(String(r, radix: 16)): first finding \(first)")
                        }
                    } catch {
                        o.failures.append("offset \(offset): \(error)")
                    }
                }
            }
            results.withLock { $0[w] = o }
        }
        let all = results.withLock { $0 }
        let trials = all.reduce(0) { $0 + $1.trials }
        let failures = all.flatMap(\.failures)
        let codes = all.reduce(into: [String: Int]()) { acc, o in acc.merge(o.codes, uniquingKeysWith: +) }
        #expect(failures.isEmpty, "\(failures.count) of \(trials) changes misreported:\n\(failures.prefix(20).joined(separator: "\n"))")
        #expect(trials > 3 * good.count)
        // The sweep exercised the line-level codes, including the torn tail (the last newline).
        for code in ["not-json", "not-canonical", "bad-shape", "bad-hash", "torn-tail"] {
            #expect(codes[code, default: 0] > 0, "no \(code) in \(codes)")
        }
    }

    @Test("whole lines deleted, duplicated or swapped are reported at the first affected line; truncation and re-chaining need a trusted head")
    func wholeLines() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 4)   // 5 lines
        let lines = CLI.ledgerLines(ledger.path)
        let cases: [(String, [[UInt8]], Int, String)] = [
            ("delete line 3", [lines[0], lines[1], lines[3], lines[4]], 3, "bad-position"),
            ("duplicate line 3", [lines[0], lines[1], lines[2], lines[2], lines[3], lines[4]], 4, "bad-position"),
            ("swap lines 2 and 3", [lines[0], lines[2], lines[1], lines[3], lines[4]], 2, "bad-position"),
            ("delete genesis", Array(lines.dropFirst()), 1, "bad-position"),
            ("blank line", [lines[0], lines[1], [], lines[2]], 3, "not-json"),
        ]
        for (name, content, line, code) in cases {
            let p = try dir.write("\(name).jsonl", content.flatMap { $0 + [0x0a] })
            let v = CLI.run(["verify", "--ledger", p])
            #expect(v.status == 1, "\(name)")
            #expect(v.firstFinding?.line == line && v.firstFinding?.code == code, "\(name): \(v)")
        }
        // Dropping whole lines from the end leaves a valid, shorter ledger: only a trusted head shows it.
        let p = try dir.write("short.jsonl", lines.dropLast(2).flatMap { $0 + [0x0a] })
        let v = CLI.run(["verify", "--ledger", p])
        #expect(v.status == 0)
        #expect(!v.stdout.contains(try Entry.parse(line: lines[4], lineNumber: 5).hash))

        // Signatures cover transactions, not their seq, link or time: without any key, a
        // transaction can be deleted from the middle and the rest re-chained, and it verifies.
        var rechained: [[UInt8]] = [lines[0]]
        var prev = try Entry.parse(line: lines[0], lineNumber: 1)
        for (i, l) in [lines[1], lines[3], lines[4]].enumerated() {
            let e = try Entry.parse(line: l, lineNumber: i + 2)
            let moved = Entry(seq: Int64(i + 2), link: prev.hash, time: e.time, tx: e.tx)
            rechained.append(moved.line)
            prev = moved
        }
        let q = try dir.write("rechained.jsonl", rechained.flatMap { $0 + [0x0a] })
        #expect(CLI.run(["verify", "--ledger", q]).status == 0)
    }

    @Test("a rewritten last entry: re-hashed only → bad-signature; re-signed by its own party → valid, only the head differs")
    func rewrittenLastEntry() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob], transfers: 2)
        var lines = CLI.ledgerLines(ledger.path)
        let last = try Entry.parse(line: lines[2], lineNumber: 3)
        let trustedHead = last.hash
        // Change the amount, keep the old signature, recompute the hash: the line and chain are fine.
        guard case .object(var tx) = last.tx.json else { Issue.record("tx is not an object"); return }
        var body = last.tx.body
        body["amount"] = 900
        tx["body"] = .object(body)
        let unhashed: JSON = .object(["link": .string(last.link), "seq": 3, "time": .int(last.time), "tx": .object(tx)])
        var full = unhashed.objectValue!
        full["hash"] = .string(SHA256.hex(unhashed.canonicalBytes))
        lines[2] = JSON.object(full).canonicalBytes
        let p1 = try dir.write("rehashed.jsonl", lines.flatMap { $0 + [0x0a] })
        let v1 = CLI.run(["verify", "--ledger", p1])
        #expect(v1.status == 1)
        #expect(v1.firstFinding?.line == 3 && v1.firstFinding?.code == "bad-signature", "\(v1)")
        // Re-signed by alice herself: nothing in the file can tell — the head is all that differs.
        let resigned = try Transaction(kind: "transfer", body: body, ledger: ledger.id, nonce: last.tx.nonce!, key: KeyFile.load(alice.path))
        lines[2] = Entry(seq: 3, link: last.link, time: last.time, tx: resigned).line
        let p2 = try dir.write("resigned.jsonl", lines.flatMap { $0 + [0x0a] })
        let v2 = CLI.run(["verify", "--ledger", p2])
        #expect(v2.status == 0, "\(v2)")
        #expect(!v2.stdout.contains(trustedHead))
    }

    /// 4 processes × 50 transfers at once through the CLI, then: the lock kept the chain intact;
    /// every line is canonical by our parser and by python3; a few hundred seeded random one-byte
    /// changes each make `crowdledger verify` exit 1 naming the changed line.
    @Test("a few hundred concurrent CLI transfers give a valid, canonical ledger; random one-byte changes are caught by the CLI")
    func concurrentLedger() throws {
        let dir = try TempDir()
        let names = ["alice", "bob", "carol", "dave"]
        let keys = try names.map { try CLI.fixtureKey($0, in: dir) }
        // A name with non-ASCII, a quote, a backslash and a tab exercises string escaping.
        let name = "crowd ledger — tëst ✓ \"q\" \\ \t end"
        let ledger = try CLI.makeLedger(in: dir, keys: keys, fund: 10_000, name: name)
        let perProcess = 50
        // Process i sends 1, 2, …, 7, 1, … to process i+1's account.
        let procs = (0..<4).map { i in
            CLI.start(["-c", """
                set -e
                for j in $(seq 1 \(perProcess)); do
                  "$BIN" transfer --ledger "$L" --key "$K" --to "$TO" --amount $(( (j - 1) % 7 + 1 )) >/dev/null
                done
                """], env: ["BIN": CLI.binary, "L": ledger.path, "K": keys[i].path, "TO": keys[(i + 1) % 4].account,
                            "CROWDLEDGER_TIME": String(CLI.t0)], executable: "/bin/bash")
        }
        for (i, p) in procs.enumerated() {
            let r = p.wait()
            #expect(r.status == 0, "process \(i): \(r)")
        }
        let lines = CLI.ledgerLines(ledger.path)
        #expect(lines.count == 1 + 4 * perProcess)
        let v = CLI.run(["verify", "--ledger", ledger.path])
        #expect(v.status == 0, "\(v)")
        #expect(v.stdout.hasPrefix("ok: \(1 + 4 * perProcess) entries, 0 tasks; ledger \(ledger.id); head "))

        // Each party's nonces are 1…50 in file order; all sent the same total, so balances are back to 10 000.
        var nonces: [String: [Int64]] = [:]
        for (i, l) in lines.enumerated() {
            let e = try Entry.parse(line: l, lineNumber: i + 1)
            #expect(e.seq == Int64(i + 1))
            #expect(e.line == l)
            #expect(try JSON.parseCanonical(l).canonicalBytes == l)
            if let p = e.tx.party, let n = e.tx.nonce { nonces[p, default: []].append(n) }
        }
        for k in keys { #expect(nonces[k.account] == (1...Int64(perProcess)).map { $0 }) }
        let balances = try JSON.parse(Array(CLI.run(["balances", "--ledger", ledger.path, "--json"]).stdout.utf8))
        for k in keys { #expect(balances["accounts"]?[k.account] == .int(10_000)) }
        #expect(balances["total"] == .int(40_000))

        // Independent check with python3: each line must equal
        // json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False) — RFC 8785 for
        // these contents (integers, ASCII keys) — with no floats, NaN or duplicate keys, and
        // hash/link/seq must be right when recomputed with hashlib.
        let py = """
            import hashlib, json, sys
            def refuse(x): raise ValueError("not an integer: " + x)
            def pairs(ps):
                keys = [k for k, _ in ps]
                if len(keys) != len(set(keys)): raise ValueError("duplicate key")
                return dict(ps)
            def canon(o): return json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            data = open(sys.argv[1], "rb").read()
            assert data.endswith(b"\\n")
            prev = "0" * 64
            n = 0
            for n, raw in enumerate(data[:-1].split(b"\\n"), 1):
                obj = json.loads(raw.decode("utf-8"), parse_float=refuse, parse_constant=refuse, object_pairs_hook=pairs)
                assert canon(obj) == raw, "line %d is not canonical" % n
                h = obj.pop("hash")
                assert hashlib.sha256(canon(obj)).hexdigest() == h, "line %d: hash" % n
                assert obj["seq"] == n and obj["link"] == prev, "line %d: chain" % n
                prev = h
            print("ok", n, prev)
            """
        let p = CLI.start(["-c", py, ledger.path], executable: "/usr/bin/python3").wait()
        #expect(p.status == 0, "\(p)")
        let head = try Entry.parse(line: lines.last!, lineNumber: lines.count).hash
        #expect(p.stdout == "ok \(lines.count) \(head)\n")
        // python reads the genesis name back exactly.
        let g = try Entry.parse(line: lines[0], lineNumber: 1)
        #expect(g.tx.body["name"] == .string(name))

        // Seeded random single-byte changes, verified by the CLI (two processes at a time).
        let good = CLI.read(ledger.path)
        var rng = SplitMix64(state: 0x00C0_FFEE)
        var trials: [(offset: Int, byte: UInt8, path: String)] = []
        for t in 0..<200 {
            let offset = Int.random(in: 0..<good.count, using: &rng)
            let options = Tamper.replacements(for: good[offset])
            let r = options[Int.random(in: 0..<options.count, using: &rng)]
            var bytes = good
            bytes[offset] = r
            let path = try dir.write("t\(t).jsonl", bytes)
            trials.append((offset, r, path))
        }
        var failures: [String] = []
        var i = 0
        while i < trials.count {
            let batch = trials[i..<min(i + 2, trials.count)]
            let running = batch.map { CLI.start(["verify", "--ledger", $0.path]) }
            for (t, proc) in zip(batch, running) {
                let r = proc.wait()
                let expected = Tamper.line(of: t.offset, in: good)
                if r.status != 1 || r.firstFinding?.line != expected {
                    failures.append("offset \(t.offset) (line \(expected)) → 0x\(String(t.byte, radix: 16)): \(r)")
                }
            }
            i += batch.count
        }
        #expect(failures.isEmpty, "\(failures.count) misreported:\n\(failures.prefix(5).joined(separator: "\n"))")
    }
}
