import TestSupport
import Files
import Audit
import CanonicalJSON
import Client
import Contract
import Foundation
import LedgerCrypto
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
