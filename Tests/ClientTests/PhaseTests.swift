import Testing
import CanonicalJSON
import Audit
import Client
import Contract
import Incentives
import LedgerModel
import LedgerCrypto
import Programs

/// E_ck and wrong openings, deadlines, settle timing, and the abort paths, on real ledgers.
@Suite("Trivial results, deadlines, settle timing, aborts")
struct PhaseTests {
    static let r: Int64 = 10
    static let d: Int64 = 4

    @Test("a result in E_ck is penalised as not submitted", arguments: Trivial.allCases)
    func trivialResult(kind: Trivial) throws {
        let h = try ProtocolHarness(workers: 2)
        let played = try h.play(reward: Self.r, deposit: Self.d, strategies: [.trivial(kind), .truth])
        #expect(played.workerNets == [-Self.d, -Self.d / 2])
        #expect(played.requesterNet == 0)
        #expect(played.payouts.first == RecordedPayout(account: h.id(0), amount: 0, clause: "failed-trivial-result"))
        #expect(try h.taskState(played.task).reveals[h.id(0)]?.outcome == .trivialResult)
        // Inline (every trivial kind here is small): read the reveal entry itself
        // (the contract keeps inline bytes only until the task closes).
        var revealData: JSON?? = .none
        _ = try Replay.run(path: h.path) { entry, _ in
            if entry.tx.kind == "reveal", entry.tx.party == h.id(0) { revealData = .some(entry.tx.body["data"]) }
        }
        let expected: JSON? = .string(Hex.encode(ProtocolHarness.trivialBytes(kind)))
        #expect(revealData == .some(expected))
        #expect(try h.taskState(played.task).reveals[h.id(0)]?.data == nil)
    }

    @Test("two workers agreeing on a result in E_ck are both penalised, not paid")
    func agreedTrivial() throws {
        let h = try ProtocolHarness(workers: 2)
        let played = try h.play(reward: Self.r, deposit: Self.d, strategies: [.trivial(.zeros), .trivial(.zeros)])
        #expect(played.workerNets == [-Self.d, -Self.d])
        #expect(played.requesterNet == 0 && played.burned == 2 * Self.d)
        #expect(played.agreedResult == nil)
    }

    @Test("a wrong opening is penalised as not revealed")
    func wrongOpening() throws {
        let h = try ProtocolHarness(workers: 3)
        let played = try h.play(reward: 30, deposit: Self.d, strategies: [.truth, .wrongOpening, .truth])
        #expect(played.workerNets == [-Self.d / 2, -Self.d, -Self.d / 2])
        #expect(played.payouts[1] == RecordedPayout(account: h.id(1), amount: 0, clause: "failed-wrong-opening"))
    }

    /// Publishes, fills and releases the coin of a 2-worker task.
    static func started(_ h: ProtocolHarness) throws -> (String, [UInt8]) {
        let task = try h.publish(h.spec(reward: r, deposit: d, workers: 2, windows: (join: 50, coin: 50, commit: 50, reveal: 50)))
        try h.client.join(key: h.workers[0], task: task, time: h.tick())
        try h.client.join(key: h.workers[1], task: task, time: h.tick())
        try h.client.releaseCoin(key: h.requester, task: task, time: h.tick())
        return (task, try h.client.run(task: task))
    }

    @Test("a late commit and a late reveal are rejected")
    func lateCommitAndReveal() throws {
        let h = try ProtocolHarness(workers: 2)
        let (task, truth) = try Self.started(h)
        try h.commit(0, .truth, task: task, truth: truth, time: h.tick())
        let cd = try #require(try h.taskState(task).commitDeadline)
        try h.expectRejected("commit window") {
            try h.commit(1, .truth, task: task, truth: truth, time: cd + 1)
        }
        // Exactly at the deadline is still in time.
        try h.commit(1, .truth, task: task, truth: truth, time: cd)
        h.now = cd
        let rd = try #require(try h.taskState(task).revealDeadline)
        #expect(rd == cd + 50)
        try h.reveal(0, .truth, task: task, truth: truth, time: rd)
        try h.expectRejected("reveal window") {
            try h.reveal(1, .truth, task: task, truth: truth, time: rd + 1)
        }
        try h.expectRejected("already revealed") {
            try h.reveal(0, .truth, task: task, truth: truth, time: rd)
        }
        h.now = rd + 1
        let settle = try h.client.settle(task: task, time: h.now)
        #expect(RecordedPayout.list(settle.tx.body).map(\.clause) == ["half-refund-other-failed", "failed-no-reveal", "reward-refund"])
        try h.expectValid()
    }

    @Test("settle before its time is rejected in every phase; a second settle is rejected")
    func settleTiming() throws {
        let h = try ProtocolHarness(workers: 2)
        let task = try h.publish(h.spec(reward: Self.r, deposit: Self.d, workers: 2, windows: (join: 50, coin: 50, commit: 50, reveal: 50)))
        // Join phase.
        try h.expectRejected("too early") { try h.client.settle(task: task, time: h.tick()) }
        try h.client.join(key: h.workers[0], task: task, time: h.tick())
        try h.expectRejected("open for joining") { try h.client.settle(task: task, time: h.tick()) }
        try h.client.join(key: h.workers[1], task: task, time: h.tick())
        // Coin phase.
        try h.expectRejected("release the coin") { try h.client.settle(task: task, time: h.tick()) }
        try h.client.releaseCoin(key: h.requester, task: task, time: h.tick())
        let truth = try h.client.run(task: task)
        // Commit phase.
        try h.expectRejected("commit window is open") { try h.client.settle(task: task, time: h.tick()) }
        try h.commit(0, .truth, task: task, truth: truth, time: h.tick())
        try h.expectRejected("commit window is open") { try h.client.settle(task: task, time: h.tick()) }
        try h.commit(1, .truth, task: task, truth: truth, time: h.tick())
        // Reveal phase, someone not yet revealed.
        try h.expectRejected("reveal window is open") { try h.client.settle(task: task, time: h.tick()) }
        try h.reveal(0, .truth, task: task, truth: truth, time: h.tick())
        try h.expectRejected("reveal window is open") { try h.client.settle(task: task, time: h.tick()) }
        try h.reveal(1, .truth, task: task, truth: truth, time: h.tick())
        // Everyone revealed: settle at once, then never again.
        try h.client.settle(task: task, time: h.tick())
        try h.expectRejected("already settled") { try h.client.settle(task: task, time: h.tick()) }
        // A hand-built second settle carrying the same record is refused by the contract too: the
        // contract keeps open tasks only, so it says the task is not open (the client, above,
        // looks the closed task up and says it is already settled).
        let t = try h.taskState(task)
        #expect(t.closed == .settled)
        try h.expectRejected("task \(task) is not open on this ledger: never published, or already closed") {
            _ = try Session.append(path: h.path, time: h.tick()) { state in
                Transaction(unsignedKind: "settle", body: ["burned": .int(0), "outcome": .string("settled"), "payouts": .array([]),
                                                           "task": .string(task)], ledger: state.ledgerID)
            }
        }
        #expect(try h.balance(h.id(0)) - h.funds == Self.r / 2)
        try h.expectValid()
    }

    /// Net balance change of the requester and each worker since `before`.
    static func nets(_ h: ProtocolHarness, _ before: LedgerState, workers n: Int) throws -> [Int64] {
        let after = try h.state()
        return [after.balance(of: h.requesterID) - before.balance(of: h.requesterID)]
            + (0..<n).map { after.balance(of: h.id($0)) - before.balance(of: h.id($0)) }
    }

    @Test("too few workers by the join deadline: settle refunds everyone")
    func abortJoin() throws {
        let h = try ProtocolHarness(workers: 3)
        let before = try h.state()
        let task = try h.publish(h.spec(reward: Self.r, deposit: Self.d, workers: 3, windows: (join: 50, coin: 50, commit: 50, reveal: 50)))
        let published = try h.taskState(task).publishedAt
        try h.client.join(key: h.workers[0], task: task, time: h.tick())
        try h.client.join(key: h.workers[1], task: task, time: h.tick())
        #expect(try h.state().escrow == Self.r + 2 * Self.d)
        try h.expectRejected("too early") { try h.client.settle(task: task, time: published + 50) }
        try h.expectRejected("join window") { try h.client.join(key: h.workers[2], task: task, time: published + 51) }
        let settle = try h.client.settle(task: task, time: published + 51)
        h.now = published + 51
        #expect(settle.tx.body["outcome"]?.stringValue == "aborted-join")
        #expect(RecordedPayout.list(settle.tx.body) == [
            RecordedPayout(account: h.id(0), amount: Self.d, clause: "abort-join-refund"),
            RecordedPayout(account: h.id(1), amount: Self.d, clause: "abort-join-refund"),
            RecordedPayout(account: h.requesterID, amount: Self.r, clause: "abort-join-refund"),
        ])
        #expect(try Self.nets(h, before, workers: 3) == [0, 0, 0, 0])
        #expect(try h.state().escrow == 0 && h.state().burned == 0)
        #expect(try h.taskState(task).closed == .aborted)
        try h.expectRejected("already aborted") { try h.client.join(key: h.workers[2], task: task, time: h.tick()) }
        try h.expectRejected("already aborted") { try h.client.settle(task: task, time: h.tick()) }
        h.expectSound(try h.state())
        try h.expectValid()
    }

    @Test("no coin by the coin deadline: full refunds")
    func abortCoin() throws {
        let h = try ProtocolHarness(workers: 2)
        let before = try h.state()
        let task = try h.publish(h.spec(reward: Self.r, deposit: Self.d, workers: 2, windows: (join: 50, coin: 50, commit: 50, reveal: 50)))
        try h.client.join(key: h.workers[0], task: task, time: h.tick())
        try h.client.join(key: h.workers[1], task: task, time: h.tick())
        let deadline = try #require(try h.taskState(task).coinDeadline)
        try h.expectRejected("too early") { try h.client.settle(task: task, time: deadline) }
        try h.expectRejected("coin window") { try h.client.releaseCoin(key: h.requester, task: task, time: deadline + 1) }
        // Workers cannot commit without a coin.
        try h.expectRejected("commit phase") {
            try h.client.commit(key: h.workers[0], task: task, result: ProtocolHarness.junk("early"), openings: h.openings(0), time: deadline)
        }
        let settle = try h.client.settle(task: task, time: deadline + 1)
        h.now = deadline + 1
        #expect(settle.tx.body["outcome"]?.stringValue == "aborted-coin")
        #expect(RecordedPayout.list(settle.tx.body).map(\.clause) == ["abort-coin-refund", "abort-coin-refund", "abort-coin-refund"])
        #expect(try Self.nets(h, before, workers: 2) == [0, 0, 0])
        try h.expectValid()
    }

    @Test("cancel before filling refunds everyone; cancel after filling is rejected")
    func cancel() throws {
        let h = try ProtocolHarness(workers: 3)
        let before = try h.state()
        let task = try h.publish(h.spec(reward: Self.r, deposit: Self.d, workers: 3))
        try h.client.join(key: h.workers[0], task: task, time: h.tick())
        // Only the requester may cancel.
        try h.expectRejected("only the requester") { try h.client.cancel(key: h.workers[0], task: task, time: h.tick()) }
        try h.expectRejected("only the requester") { try h.client.cancel(key: h.workers[1], task: task, time: h.tick()) }
        let cancel = try h.client.cancel(key: h.requester, task: task, time: h.tick())
        #expect(RecordedPayout.list(cancel.tx.body) == [
            RecordedPayout(account: h.id(0), amount: Self.d, clause: "cancel-refund"),
            RecordedPayout(account: h.requesterID, amount: Self.r, clause: "cancel-refund"),
        ])
        #expect(try Self.nets(h, before, workers: 3) == [0, 0, 0, 0])
        #expect(try h.taskState(task).closed == .cancelled)
        try h.expectRejected("already cancelled") { try h.client.join(key: h.workers[1], task: task, time: h.tick()) }
        try h.expectRejected("already cancelled") { try h.client.settle(task: task, time: h.tick() + 100_000) }

        // A task that has filled can no longer be cancelled, neither before nor after its coin.
        let t2 = try h.publish(h.spec(reward: Self.r, deposit: Self.d, workers: 2))
        try h.client.join(key: h.workers[0], task: t2, time: h.tick())
        try h.client.join(key: h.workers[1], task: t2, time: h.tick())
        try h.expectRejected("can no longer be cancelled") { try h.client.cancel(key: h.requester, task: t2, time: h.tick()) }
        try h.client.releaseCoin(key: h.requester, task: t2, time: h.tick())
        try h.expectRejected("can no longer be cancelled") { try h.client.cancel(key: h.requester, task: t2, time: h.tick()) }
        try h.expectValid()
    }

    @Test("joining: not the requester, not twice, not when full, not off the allow-list, not without the deposit")
    func joinRules() throws {
        let h = try ProtocolHarness(workers: 4, funds: 100)
        var spec = h.spec(reward: Self.r, deposit: 60, workers: 2)
        spec.allow = [h.id(0), h.id(1), h.id(2)]
        let task = try h.publish(spec)
        try h.expectRejected("its own task") { try h.client.join(key: h.requester, task: task, time: h.tick()) }
        try h.expectRejected("allow-list") { try h.client.join(key: h.workers[3], task: task, time: h.tick()) }
        try h.client.join(key: h.workers[0], task: task, time: h.tick())
        try h.expectRejected("already joined") { try h.client.join(key: h.workers[0], task: task, time: h.tick()) }
        try h.client.transfer(key: h.workers[1], to: h.id(2), amount: 50, time: h.tick())
        try h.expectRejected("cannot escrow the deposit") { try h.client.join(key: h.workers[1], task: task, time: h.tick()) }
        try h.client.join(key: h.workers[2], task: task, time: h.tick())
        try h.client.transfer(key: h.workers[2], to: h.id(1), amount: 40, time: h.tick())
        try h.expectRejected("is full") { try h.client.join(key: h.workers[1], task: task, time: h.tick()) }
        // A requester without the reward cannot publish.
        try h.expectRejected("cannot escrow the reward") { _ = try h.publish(h.spec(reward: 1000, deposit: 1, workers: 2)) }
        try h.expectValid()
    }

    @Test("a public coin: no coin to release, the commit phase starts when the task fills")
    func publicCoin() throws {
        let h = try ProtocolHarness(workers: 2)
        var spec = h.spec(reward: Self.r, deposit: Self.d, workers: 2, windows: (join: 50, coin: 50, commit: 50, reveal: 50))
        spec.publicCoin = SHA256.hex(Array("a public beacon value".utf8))
        let task = try h.publish(spec)
        try h.client.join(key: h.workers[0], task: task, time: h.tick())
        try h.client.join(key: h.workers[1], task: task, time: h.tick())
        try h.expectRejected("public coin") { try h.client.releaseCoin(key: h.requester, task: task, time: h.tick()) }
        let t = try h.taskState(task)
        #expect(t.commitDeadline == t.filledAt! + 50)
        let truth = try h.client.run(task: task)
        #expect(truth == (try HashIterate.run(inputs: [ProtocolHarness.input], coin: Hex.decode(spec.publicCoin!)!,
                                              params: ["iterations": .int(ProtocolHarness.iterations)])))
        for i in 0..<2 { try h.commit(i, .truth, task: task, truth: truth, time: h.tick()) }
        for i in 0..<2 { try h.reveal(i, .truth, task: task, truth: truth, time: h.tick()) }
        let settle = try h.client.settle(task: task, time: h.tick())
        #expect(settle.tx.body["result"]?.stringValue == SHA256.hex(truth))
        #expect(try h.balance(h.id(1)) - h.funds == Self.r / 2)
        try h.expectValid(recompute: true)
    }

    @Test("all n agreeing on junk is paid by the clauses, and only `verify --recompute` flags it")
    func fullCoalitionJunk() throws {
        let h = try ProtocolHarness(workers: 3)
        let played = try h.play(reward: 30, deposit: Self.d, strategies: [.junk("all"), .junk("all"), .junk("all")])
        #expect(played.workerNets == [10, 10, 10])
        #expect(played.agreedResult == SHA256.hex(ProtocolHarness.junk("all")))
        let report = try Auditor.verify(path: h.path, recompute: true)
        #expect(report.findings.map(\.code) == [.recomputeMismatch])
        #expect(report.findings.first?.line == Int(played.settle.seq))
    }

    @Test("a non-requester cannot release the coin; a wrong coin does not open the commitment")
    func coinOnlyByRequester() throws {
        let h = try ProtocolHarness(workers: 2)
        let task = try h.publish(h.spec(reward: Self.r, deposit: Self.d, workers: 2))
        try h.expectRejected("has not filled") { try h.client.releaseCoin(key: h.requester, task: task, time: h.tick()) }
        try h.client.join(key: h.workers[0], task: task, time: h.tick())
        try h.client.join(key: h.workers[1], task: task, time: h.tick())
        try h.expectRejected("only the requester") { try h.client.releaseCoin(key: h.workers[0], task: task, time: h.tick()) }
        try h.expectRejected("does not open the commitment") {
            try h.rawAppend(h.requester, kind: "coin", body: ["coin": .string(String(repeating: "ab", count: 32)), "task": .string(task)], time: h.tick())
        }
        try h.client.releaseCoin(key: h.requester, task: task, time: h.tick())
        try h.expectRejected("already released") { try h.client.releaseCoin(key: h.requester, task: task, time: h.tick()) }
        try h.expectValid()
    }
}

/// Limits that keep one hostile line from stalling every later verify, and deadlines that do not
/// wrap around near the end of time.
@Suite struct PublishLimitTests {
    @Test func oversizedAllowListIsRefused() throws {
        let h = try ProtocolHarness(workers: 2)
        var spec = PublishSpec(program: HashIterate.name, reward: 1, deposit: 1, workers: 2)
        spec.params = ["iterations": 1]
        spec.allow = (0..<4097).map { i in Hex.encode(SHA256.hash(Array("acct \(i)".utf8))) }
        let t: Int64 = 1_800_000_000
        do {
            try h.client.publish(key: h.requester, spec, time: t)
            Issue.record("a 4097-account allow-list was accepted")
        } catch let e as AppendError {
            #expect("\(e)".contains("at most 4096"), "\(e)")
        }
        spec.allow = Array(spec.allow.prefix(4096))
        _ = try h.client.publish(key: h.requester, spec, time: t)
    }

    @Test func deadlinesSaturateNearTheEndOfTime() throws {
        let h = try ProtocolHarness(workers: 2)
        var spec = PublishSpec(program: HashIterate.name, reward: 1, deposit: 1, workers: 2)
        spec.params = ["iterations": 1]
        let late = Int64.max - 10
        let task = try h.client.publish(key: h.requester, spec, time: late).tx.id
        let t = try #require(try h.client.state().tasks[task])
        #expect(t.joinDeadline == Int64.max)
        // The join window is open (it would have wrapped to a negative deadline).
        try h.client.join(key: h.workers[0], task: task, time: late + 1)
        #expect(try h.client.state().tasks[task]?.joined.count == 1)
    }
}
