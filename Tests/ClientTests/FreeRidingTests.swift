import Files
import Foundation
import Testing
import CanonicalJSON
import Client
import Contract
import LedgerCrypto
import Audit
import Programs

/// The free-riding attacks of Section IV (copy the other worker's submission) and lost openings.
@Suite("Free riding and lost openings")
struct FreeRidingTests {
    static let r: Int64 = 10
    static let d: Int64 = 4

    /// A fills task, coin released, truth computed: returns (task, truth).
    static func filled(_ h: ProtocolHarness, n: Int = 2) throws -> (String, [UInt8]) {
        let task = try h.publish(h.spec(reward: r, deposit: d, workers: n))
        for i in 0..<n { try h.client.join(key: h.workers[i], task: task, time: h.tick()) }
        try h.client.releaseCoin(key: h.requester, task: task, time: h.tick())
        return (task, try h.client.run(task: task))
    }

    @Test("a copied commitment is refused; the copier, having committed nothing, loses its deposit")
    func copiedCommitment() throws {
        let h = try ProtocolHarness(workers: 2)
        let (task, truth) = try Self.filled(h)
        try h.commit(0, .truth, task: task, truth: truth, time: h.tick())
        let honest = try #require(try h.taskState(task).commits[h.id(0)])
        try h.expectRejected("copied commitment") {
            try h.rawAppend(h.workers[1], kind: "commit", body: ["commitment": .string(honest), "task": .string(task)], time: h.tick())
        }
        // Even if the copy were accepted it could not be opened: the commitment binds the worker.
        let secret1 = try Secrets.secret(key: h.workers[1], ledger: Hex.decode(try h.state().ledgerID)!, task: Hex.decode(task)!)
        let theirs = Commitments.commitment(task: Hex.decode(task)!, worker: h.workers[1].publicKey.bytes, secret: secret1,
                                            size: Int64(truth.count), digest: SHA256.hash(truth))
        #expect(Hex.encode(theirs) != honest)
        // The copier cannot reveal (it has no commitment), so the commit window runs out.
        try h.expectRejected("no commitment") {
            try h.rawAppend(h.workers[1], kind: "reveal", body: ["digest": .string(SHA256.hex(truth)), "secret": .string(Hex.encode(secret1)),
                                                                 "size": .int(Int64(truth.count)), "task": .string(task),
                                                                 "data": .string(Hex.encode(truth))], time: h.tick())
        }
        let revealAt = try h.revealTime(task: task)
        try h.reveal(0, .truth, task: task, truth: truth, time: revealAt)
        try h.client.settle(task: task, time: try h.settleTime(task: task))
        let s = try h.state()
        #expect(s.balance(of: h.id(0)) - h.funds == -Self.d / 2)
        #expect(s.balance(of: h.id(1)) - h.funds == -Self.d)
        try h.expectValid()
    }

    @Test("a reveal is refused while the commit phase is open, so results cannot be copied before committing")
    func noEarlyReveal() throws {
        let h = try ProtocolHarness(workers: 3)
        let (task, truth) = try Self.filled(h, n: 3)
        try h.commit(0, .truth, task: task, truth: truth, time: h.tick())
        try h.expectRejected("still in its commit phase") {
            try h.client.reveal(key: h.workers[0], task: task, result: nil, openings: h.openings(0), time: h.tick())
        }
        try h.commit(1, .truth, task: task, truth: truth, time: h.tick())
        try h.expectRejected("still in its commit phase") {
            try h.client.reveal(key: h.workers[1], task: task, result: nil, openings: h.openings(1), time: h.tick())
        }
        // Once the last worker commits, the reveal phase opens at once.
        try h.commit(2, .truth, task: task, truth: truth, time: h.tick())
        #expect(try h.taskState(task).phase(at: h.now) == .reveal)
        for i in 0..<3 { try h.reveal(i, .truth, task: task, truth: truth, time: h.tick()) }
        // And after the reveal phase no late commit can use what was revealed.
        try h.client.settle(task: task, time: h.tick())
        #expect(try h.balance(h.id(0)) - h.funds == Self.r / 3 )
        try h.expectValid()
    }

    @Test("the commit deadline, not only the last commit, opens the reveal phase")
    func revealAfterCommitDeadline() throws {
        let h = try ProtocolHarness(workers: 2)
        let (task, truth) = try Self.filled(h)
        try h.commit(0, .truth, task: task, truth: truth, time: h.tick())
        let cd = try #require(try h.taskState(task).commitDeadline)
        try h.expectRejected("still in its commit phase") {
            try h.client.reveal(key: h.workers[0], task: task, result: nil, openings: h.openings(0), time: cd)
        }
        h.now = cd + 1
        try h.client.reveal(key: h.workers[0], task: task, result: nil, openings: h.openings(0), time: h.now)
        try h.client.settle(task: task, time: h.tick())
        #expect(try h.balance(h.id(0)) - h.funds == -Self.d / 2)
        #expect(try h.balance(h.id(1)) - h.funds == -Self.d)
        try h.expectValid()
    }

    @Test("replaying another worker's reveal under one's own key is a wrong opening, penalised")
    func replayedReveal() throws {
        let h = try ProtocolHarness(workers: 2)
        let (task, truth) = try Self.filled(h)
        // Worker 1 commits to a guess (junk), hoping to open it as whatever worker 0 reveals.
        try h.commit(0, .truth, task: task, truth: truth, time: h.tick())
        try h.commit(1, .junk("guess"), task: task, truth: truth, time: h.tick())
        let revealed = try h.client.reveal(key: h.workers[0], task: task, result: nil, openings: h.openings(0), time: h.tick())
        // Its own client refuses to open the commitment with someone else's result ...
        do {
            try h.client.reveal(key: h.workers[1], task: task, result: truth, openings: h.openings(1), time: h.tick())
            Issue.record("the client opened a commitment with a result it does not commit to")
        } catch let e as ClientError {
            #expect(e.message.contains("does not open your commitment"))
        }
        // ... so it signs worker 0's reveal body itself.
        let copy = try h.rawAppend(h.workers[1], kind: "reveal", body: revealed.tx.body, time: h.tick())
        #expect(copy.tx.body == revealed.tx.body)
        #expect(try h.taskState(task).reveals[h.id(1)]?.outcome == .wrongOpening)
        let settle = try h.client.settle(task: task, time: h.tick())
        let payouts = RecordedPayout.list(settle.tx.body)
        #expect(payouts.first { $0.account == h.id(1) } == RecordedPayout(account: h.id(1), amount: 0, clause: "failed-wrong-opening"))
        #expect(try h.balance(h.id(1)) - h.funds == -Self.d)
        #expect(try h.balance(h.id(0)) - h.funds == -Self.d / 2)
        try h.expectValid()
    }

    @Test("a refused second commit leaves the saved opening of the first one intact")
    func secondCommitKeepsOpening() throws {
        let h = try ProtocolHarness(workers: 2)
        let (task, truth) = try Self.filled(h)
        try h.commit(0, .truth, task: task, truth: truth, time: h.tick())
        let saved = try FileIO.readAll(h.openings(0).jsonPath(task))
        // The worker tries to change its mind: refused (by the client or by the contract) ...
        let bytes = try h.fileBytes()
        do {
            try h.client.commit(key: h.workers[0], task: task, result: ProtocolHarness.junk("second thoughts"),
                                openings: h.openings(0), time: h.tick())
            Issue.record("a second commit was appended")
        } catch {
            #expect("\(error)".contains("already committed"), "\(error)")
        }
        #expect(try h.fileBytes() == bytes)
        // ... and the opening of the commitment on the ledger is still the saved one, so a plain
        // reveal (no --result) still works.
        #expect(try FileIO.readAll(h.openings(0).jsonPath(task)) == saved)
        try h.commit(1, .truth, task: task, truth: truth, time: h.tick())
        try h.client.reveal(key: h.workers[0], task: task, result: nil, openings: h.openings(0), time: h.tick())
        try h.reveal(1, .truth, task: task, truth: truth, time: h.tick())
        try h.client.settle(task: task, time: h.tick())
        #expect(try h.balance(h.id(0)) - h.funds == Self.r / 2)
        try h.expectValid()
    }

    @Test("a worker whose saved opening was deleted reveals from the result and is paid as truth")
    func lostOpening() throws {
        let h = try ProtocolHarness(workers: 2)
        let (task, truth) = try Self.filled(h)
        try h.commit(0, .truth, task: task, truth: truth, time: h.tick())
        try h.commit(1, .truth, task: task, truth: truth, time: h.tick())
        #expect(FileManager.default.fileExists(atPath: h.openings(0).jsonPath(task)))
        try FileManager.default.removeItem(atPath: h.openings(0).directory)
        // Without the opening and without the result, the client says what to do (nothing written).
        let bytes = try h.fileBytes()
        do {
            try h.client.reveal(key: h.workers[0], task: task, result: nil, openings: h.openings(0), time: h.tick())
            Issue.record("revealed without an opening or a result")
        } catch let e as ClientError {
            #expect(e.kind == .usage && e.message.contains("--result"))
        }
        // A wrong result does not open the commitment (refused before anything is written).
        do {
            try h.client.reveal(key: h.workers[0], task: task, result: ProtocolHarness.junk("x"), openings: h.openings(0), time: h.tick())
            Issue.record("revealed a result it did not commit to")
        } catch let e as ClientError {
            #expect(e.message.contains("does not open your commitment"))
        }
        #expect(try h.fileBytes() == bytes)
        // The key and the result rebuild the opening.
        try h.client.reveal(key: h.workers[0], task: task, result: truth, openings: h.openings(0), time: h.tick())
        #expect(try h.taskState(task).reveals[h.id(0)]?.outcome == .revealed(resultID: SHA256.hex(truth)))
        try h.reveal(1, .truth, task: task, truth: truth, time: h.tick())
        let settle = try h.client.settle(task: task, time: h.tick())
        #expect(settle.tx.body["result"]?.stringValue == SHA256.hex(truth))
        #expect(try h.balance(h.id(0)) - h.funds == Self.r / 2)
        #expect(try h.balance(h.id(1)) - h.funds == Self.r / 2)
        try h.expectValid(recompute: true)
    }
}

/// A reveal the contract refuses (made while other workers may still commit) must not publish the
/// result anywhere: not in the ledger, and not in the blob store beside it.
@Suite struct EarlyRevealLeaksNothing {
    @Test func refusedRevealWritesNoBlob() throws {
        let dir = FileManager.default.temporaryDirectory.path + "/crowdledger-early-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let client = LedgerClient(path: dir + "/ledger.jsonl")
        let requester = try Ed25519.PrivateKey()
        let workers = try (0..<2).map { _ in try Ed25519.PrivateKey() }
        try client.create(allocations: [requester.publicKey.hex: 100, workers[0].publicKey.hex: 10, workers[1].publicKey.hex: 10], time: 1)
        var spec = PublishSpec(program: HashIterate.name, reward: 2, deposit: 2, workers: 2)
        spec.params = ["iterations": 3]
        let task = try client.publish(key: requester, spec, time: 2).tx.id
        for w in workers { try client.join(key: w, task: task, time: 3) }
        try client.releaseCoin(key: requester, task: task, time: 4)
        let result = Array(String(repeating: "a large result that is revealed by digest ", count: 200).utf8)
        let openings = Openings(directory: dir + "/w0.openings")
        try client.commit(key: workers[0], task: task, result: result, openings: openings, time: 5)
        // Worker 1 has not committed and the commit window is open: the reveal is refused...
        #expect(throws: AppendError.self) {
            try client.reveal(key: workers[0], task: task, result: nil, openings: openings, time: 6)
        }
        // ...and the result is nowhere public.
        #expect(!client.blobs.contains(SHA256.hex(result)))
        #expect(!String(decoding: try FileIO.readAll(client.path), as: UTF8.self).contains(SHA256.hex(result)))
        // Once the commit phase is over, the reveal goes through and the blob is stored.
        try client.commit(key: workers[1], task: task, result: result, openings: Openings(directory: dir + "/w1.openings"), time: 7)
        try client.reveal(key: workers[0], task: task, result: nil, openings: openings, time: 8)
        #expect(try client.blobs.get(SHA256.hex(result)) == result)
    }
}
