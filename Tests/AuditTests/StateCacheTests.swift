import TestSupport
import Files
import Audit
import CanonicalJSON
import Client
import Contract
import Foundation
import LedgerCrypto
import LedgerModel
import Programs
import Testing

/// The state checkpoint beside the ledger: appends resume from it, and it is ignored whenever the
/// file no longer holds the line it was made from.
@Suite struct CheckpointTests {
    func ledger(transfers: Int) throws -> (TempDirectory, LedgerClient, [Ed25519.PrivateKey]) {
        let tmp = try TempDirectory()
        let client = LedgerClient(path: tmp.path + "/ledger.jsonl")
        let keys = try (0..<3).map { _ in try Ed25519.PrivateKey() }
        // Amounts near the Int64 limit: the cache must carry them exactly.
        try client.create(allocations: [keys[0].publicKey.hex: Int64.max - 10, keys[1].publicKey.hex: 10], time: 100)
        for i in 0..<transfers {
            try client.transfer(key: keys[i % 2], to: keys[(i + 1) % 3].publicKey.hex, amount: 1, time: 100 + Int64(i))
        }
        return (tmp, client, keys)
    }

    func fullReplay(_ path: String) throws -> LedgerState {
        let r = try Replay.run(path: path)
        #expect(r.isValid)
        return try #require(r.state)
    }

    func same(_ a: LedgerState, _ b: LedgerState) -> Bool {
        a.balances == b.balances && a.nonces == b.nonces && a.head == b.head && a.seq == b.seq && a.time == b.time
            && a.escrow == b.escrow && a.burned == b.burned && a.taskOrder == b.taskOrder && a.genesisTotal == b.genesisTotal
    }

    @Test func appendWritesACheckpointThatResumesToTheSameState() throws {
        let (tmp, client, _) = try ledger(transfers: 20)
        let resume = try #require(StateCache.load(ledger: client.path))
        #expect(resume.lines == 21)
        #expect(resume.offset == Int64(try FileIO.readAll(client.path).count))
        #expect(same(resume.state, try fullReplay(client.path)))
        #expect(resume.state.balance(of: resume.state.balances.keys.sorted().first!) > 0)
        _ = tmp
    }

    @Test func checkpointCarriesTasksExactly() throws {
        let (tmp, client, keys) = try ledger(transfers: 2)
        var spec = PublishSpec(program: HashIterate.name, reward: 4, deposit: 2, workers: 2)
        spec.params = ["iterations": 3]
        spec.inputs = [(name: "in", bytes: [1, 2, 3])]
        spec.eck = [SHA256.hex([9])]
        let task = try client.publish(key: keys[0], spec, time: 200).tx.id
        try client.join(key: keys[1], task: task, time: 201)
        // A checkpoint written mid-task resumes with the task's whole state.
        let resumed = try #require(StateCache.load(ledger: client.path)).state
        let full = try fullReplay(client.path)
        let a = try #require(resumed.tasks[task]), b = try #require(full.tasks[task])
        #expect(a.joined == b.joined && a.program == b.program && a.inputs == b.inputs && a.eck == b.eck
                && a.coinMode == b.coinMode && a.windows == b.windows && a.escrowed == b.escrowed && a.publishNonce == b.publishNonce)
        _ = tmp
    }

    @Test func aStaleOrForeignCheckpointIsIgnored() throws {
        let (tmp, client, keys) = try ledger(transfers: 5)
        let cache = StateCache.path(forLedger: client.path)
        let saved = try FileIO.readAll(cache)
        // More lines appended by another writer: the old checkpoint still applies (a prefix).
        try client.transfer(key: keys[0], to: keys[2].publicKey.hex, amount: 1, time: 500)
        try FileIO.replaceAtomically(cache, contents: saved)
        let stale = try #require(StateCache.load(ledger: client.path))
        #expect(stale.lines == 6)
        #expect(same(try Session.state(path: client.path), try fullReplay(client.path)))
        // A ledger whose line at that offset differs (another ledger, or a rewritten tail): ignored.
        let (tmp2, other, _) = try ledger(transfers: 5)
        try FileIO.replaceAtomically(StateCache.path(forLedger: other.path), contents: saved)
        #expect(StateCache.load(ledger: other.path) == nil)
        // A truncated ledger (repair after a crash): ignored.
        let bytes = try FileIO.readAll(client.path)
        try FileIO.replaceAtomically(client.path, contents: Array(bytes.prefix(200)))
        #expect(StateCache.load(ledger: client.path) == nil)
        // Garbage: ignored.
        try FileIO.replaceAtomically(cache, contents: Array("not json".utf8))
        #expect(StateCache.load(ledger: client.path) == nil)
        _ = (tmp, tmp2)
    }

    @Test func appendAfterTamperingBehindTheCheckpointIsStillCaughtByVerify() throws {
        let (tmp, client, keys) = try ledger(transfers: 5)
        // Change an amount in line 3 (behind the checkpoint): the appender trusts its cache, but
        // verify never does.
        var text = String(decoding: try FileIO.readAll(client.path), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var edited = lines.map(String.init)
        edited[2] = edited[2].replacingOccurrences(of: #""amount":1,"#, with: #""amount":2,"#)
        #expect(edited[2] != String(lines[2]))
        text = edited.joined(separator: "\n")
        try FileIO.replaceAtomically(client.path, contents: Array(text.utf8))
        try client.transfer(key: keys[0], to: keys[2].publicKey.hex, amount: 1, time: 600)
        let report = try Auditor.verify(path: client.path)
        #expect(report.findings.first?.line == 3)
        #expect(report.findings.first?.code == .badHash)
        _ = tmp
    }
}

extension LedgerState {
    var balancesDescription: String { balances.sorted { $0.key < $1.key }.map { "\($0.key.prefix(6))=\($0.value)" }.joined(separator: " ") }
}

/// Reads (`balances`, `status`, `log`) replay without checking signatures and write the cache
/// they build, marked as such; an append checks the signatures of that unchecked part first.
@Suite struct ReadCacheTests {
    /// A ledger of `transfers` transfers whose cache is removed (a fresh clone), the last line
    /// re-signed with a signature that does not verify (its hash recomputed, so only the
    /// signature is wrong) when `forgeLast`.
    func clone(transfers: Int, forgeLast: Bool) throws -> (TempDirectory, LedgerClient, [Ed25519.PrivateKey]) {
        let tmp = try TempDirectory()
        let client = LedgerClient(path: tmp.path + "/ledger.jsonl")
        let keys = try (0..<3).map { _ in try Ed25519.PrivateKey() }
        try client.create(allocations: [keys[0].publicKey.hex: 1000, keys[1].publicKey.hex: 1000], time: 100)
        var last: Entry?
        for i in 0..<transfers {
            last = try client.transfer(key: keys[i % 2], to: keys[2].publicKey.hex, amount: 1, time: 100 + Int64(i))
        }
        if forgeLast, let e = last {
            var lines = try FileIO.readAll(client.path).split(separator: 0x0a).map { Array($0) }
            let tx = e.tx
            let wrong = try keys[Int(e.seq) % 2].sign(Array("something else".utf8))
            let forged = Entry(seq: e.seq, link: e.link, time: e.time,
                               tx: Transaction(kind: tx.knownKind!, body: tx.body, ledger: tx.ledger!, nonce: tx.nonce!, party: tx.party!, signature: wrong))
            lines[lines.count - 1] = forged.line
            try FileIO.replaceAtomically(client.path, contents: lines.flatMap { $0 + [0x0a] })
        }
        try FileIO.removeFile(StateCache.path(forLedger: client.path))
        return (tmp, client, keys)
    }

    @Test func aReadCreatesTheCacheMarkedUnsigned() throws {
        let (tmp, client, _) = try clone(transfers: 10, forgeLast: false)
        #expect(StateCache.load(ledger: client.path) == nil)
        let state = try Session.state(path: client.path)
        let cache = try #require(StateCache.load(ledger: client.path))
        #expect(cache.lines == 11 && cache.state.head == state.head)
        #expect(cache.offset == Int64(try FileIO.readAll(client.path).count))
        #expect(cache.signedLines == 0 && cache.signedOffset == 0 && !cache.signaturesChecked)
        _ = tmp
    }

    @Test func anAppendOverAReadOnlyCacheStillCatchesABadSignatureInThePrefix() throws {
        let (tmp, client, keys) = try clone(transfers: 6, forgeLast: true)
        // The read does not check signatures: it reports the state the lines describe.
        let state = try Session.state(path: client.path)
        #expect(state.seq == 7)
        #expect(try #require(StateCache.load(ledger: client.path)).signedLines == 0)
        // The append checks them before building on that state: nothing is written.
        let before = try FileIO.readAll(client.path)
        #expect {
            try client.transfer(key: keys[0], to: keys[2].publicKey.hex, amount: 1, time: 600)
        } throws: { error in
            guard case AppendError.invalidLedger(_, let f) = error else { return false }
            return f.code == .badSignature && f.line == 7
        }
        #expect(try FileIO.readAll(client.path) == before)
        // verify reports it as always.
        #expect(try Auditor.verify(path: client.path).findings.first?.code == .badSignature)
        _ = tmp
    }

    @Test func anAppendAfterAReadChecksOnlyWhatTheReadDidNotAndMarksAllChecked() throws {
        let (tmp, client, keys) = try clone(transfers: 6, forgeLast: false)
        _ = try Session.state(path: client.path)
        try client.transfer(key: keys[0], to: keys[2].publicKey.hex, amount: 1, time: 600)
        let cache = try #require(StateCache.load(ledger: client.path))
        #expect(cache.lines == 8 && cache.signaturesChecked && cache.signedOffset == cache.offset)
        // A later read keeps the checked prefix when it extends the cache.
        try client.transfer(key: keys[1], to: keys[2].publicKey.hex, amount: 1, time: 601)
        let saved = try FileIO.readAll(StateCache.path(forLedger: client.path))
        try client.transfer(key: keys[0], to: keys[2].publicKey.hex, amount: 1, time: 602)
        try FileIO.replaceAtomically(StateCache.path(forLedger: client.path), contents: saved)   // one line behind
        _ = try Session.state(path: client.path)
        let after = try #require(StateCache.load(ledger: client.path))
        #expect(after.lines == 10 && after.signedLines == 9)
        _ = tmp
    }

    @Test func aCacheWithImpossibleSignatureMarksIsIgnored() throws {
        let (tmp, client, _) = try clone(transfers: 4, forgeLast: false)
        _ = try Session.state(path: client.path)
        let path = StateCache.path(forLedger: client.path)
        let text = String(decoding: try FileIO.readAll(path), as: UTF8.self)
        for (from, to) in [(#""signedLines":0"#, #""signedLines":99"#), (#""signedLines":0"#, #""signedLines":-1"#),
                           (#""signedOffset":0"#, #""signedOffset":5"#)] {
            #expect(text.contains(from))
            try FileIO.replaceAtomically(path, contents: Array(text.replacingOccurrences(of: from, with: to).utf8))
            #expect(StateCache.load(ledger: client.path) == nil, "\(to)")
        }
        // And the reads and appends still work, from a full replay.
        #expect(try Session.state(path: client.path).seq == 5)
        _ = tmp
    }
}


/// The state cache's JSON (`Contract/StateJSON.swift`): every stage a task can be in, and the
/// project's own record, come back equal.
@Suite struct StateJSONTests {
    func roundTrip(_ state: LedgerState) throws -> LedgerState {
        try LedgerState(json: try JSON.parse(state.json.canonicalBytes))
    }

    func stageName(_ t: TaskState) -> String {
        switch t.stage {
        case .joining: return "joining"
        case .awaitingCoin: return "awaitingCoin"
        case .working(let w): return w.reveals.isEmpty ? "working" : "working+reveals"
        case .closed(let c): return c.how.rawValue
        }
    }

    @Test func aStateWithATaskInEveryStageRoundTrips() throws {
        let tmp = try TempDirectory()
        let client = LedgerClient(path: tmp.path + "/ledger.jsonl")
        let r = try Ed25519.PrivateKey(), w1 = try Ed25519.PrivateKey(), w2 = try Ed25519.PrivateKey()
        try client.create(allocations: [r.publicKey.hex: 1000, w1.publicKey.hex: 100, w2.publicKey.hex: 100], time: 1000)
        var now: Int64 = 1000
        func t() -> Int64 { now += 1; return now }
        func spec(publicCoin: Bool) -> PublishSpec {
            var s = PublishSpec(program: HashIterate.name, reward: 4, deposit: 2, workers: 2)
            s.params = ["iterations": 3]
            s.inputs = [(name: "in", bytes: [1, 2, 3])]
            s.eck = [SHA256.hex([9])]
            s.allow = [w1.publicKey.hex, w2.publicKey.hex]
            if publicCoin { s.publicCoin = String(repeating: "ab", count: 32) }
            return s
        }
        let o1 = Openings(directory: tmp.path + "/w1.openings"), o2 = Openings(directory: tmp.path + "/w2.openings")
        // joining
        _ = try client.publish(key: r, spec(publicCoin: false), time: t())
        // awaitingCoin
        let b = try client.publish(key: r, spec(publicCoin: false), time: t()).tx.id
        try client.join(key: w1, task: b, time: t()); try client.join(key: w2, task: b, time: t())
        // working, with commits and an inline reveal
        let c = try client.publish(key: r, spec(publicCoin: true), time: t()).tx.id
        try client.join(key: w1, task: c, time: t()); try client.join(key: w2, task: c, time: t())
        try client.commit(key: w1, task: c, result: [1, 2, 3, 4], openings: o1, time: t())
        try client.commit(key: w2, task: c, result: [5, 6], openings: o2, time: t())
        try client.reveal(key: w1, task: c, result: nil, openings: o1, time: t())
        // cancelled
        let d = try client.publish(key: r, spec(publicCoin: false), time: t()).tx.id
        try client.join(key: w1, task: d, time: t())
        try client.cancel(key: r, task: d, time: t())
        // aborted: filled, the coin never released
        let e = try client.publish(key: r, spec(publicCoin: false), time: t()).tx.id
        try client.join(key: w1, task: e, time: t()); try client.join(key: w2, task: e, time: t())
        now += 3600 * 2
        try client.settle(task: e, time: t())

        var closed: [TaskState] = []
        let state = try #require(try Replay.run(path: client.path, onClose: { closed.append($0) }).state)
        // Closed tasks leave the state (it holds open tasks only): the replay hands them over.
        #expect(Set(state.tasks.values.map(stageName)) == ["joining", "awaitingCoin", "working+reveals"])
        #expect(closed.map(stageName) == ["cancelled", "aborted"] && state.closedCount == 2)
        #expect(try roundTrip(state) == state)
        // The cache the last append wrote resumes to that state exactly.
        #expect(try #require(StateCache.load(ledger: client.path)).state == state)
        // Anything else is refused, naming the member.
        #expect(throws: LedgerState.JSONShapeError.self) { _ = try LedgerState(json: ["name": 1]) }
        _ = tmp
    }

    /// The project's own record (committed coins, a cheater, evaluation payments, settled tasks).
    @Test func theDemoLedgersStateRoundTrips() throws {
        var closed: [TaskState] = []
        let state = try #require(try Replay.run(path: repositoryRoot + "/ledger/ledger.jsonl", onClose: { closed.append($0) }).state)
        #expect(closed.contains { stageName($0) == "settled" } && state.closedCount == Int64(closed.count))
        // A closed task's archive line (the same JSON) round-trips too.
        for t in closed { #expect(try TaskState(json: try JSON.parse(ClosedArchive.line(t))) == t) }
        #expect(try roundTrip(state) == state)
    }
}
