// A task's stages and the money each transition moves: the task's own mutating functions, called
// directly and through `Contract.apply` on a ledger in memory (no files).
import CanonicalJSON
import Contract
import Foundation
import Incentives
import LedgerCrypto
import LedgerModel
import Testing

@Suite("Task stages and movements")
struct StageTests {
    let requester = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 1, count: 32))
    let w1 = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 2, count: 32))
    let w2 = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 3, count: 32))
    let w3 = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 4, count: 32))
    let coin = [UInt8](repeating: 0x5a, count: 32)
    let result: [UInt8] = [7, 7, 8]
    let secrets = [[UInt8](repeating: 9, count: 32), [UInt8](repeating: 10, count: 32)]

    func ledger() throws -> MemoryLedger {
        try MemoryLedger(allocations: [requester.publicKey.hex: 100, w1.publicKey.hex: 50, w2.publicKey.hex: 50, w3.publicKey.hex: 5])
    }

    func task(coin mode: CoinMode, forfeit: ForfeitDestination = .burn) -> PublishBody {
        PublishBody(program: ProgramSpec(name: "hash-iterate", params: ["iterations": .int(3)], digest: nil),
                    inputs: [], reward: 20, deposit: 10, workers: 2,
                    windows: Windows(join: 100, coin: 100, commit: 100, reveal: 100), coin: mode, forfeit: forfeit)
    }

    var committedCoin: CoinMode { .committed(commitment: Hex.encode(Commitments.coinCommitment(coin))) }
    var publicCoin: CoinMode { .publicValue(String(repeating: "ab", count: 32)) }

    func commitment(_ task: String, _ worker: Ed25519.PrivateKey, _ secret: [UInt8]) -> String {
        Hex.encode(Commitments.commitment(task: Hex.decode(task) ?? [], worker: worker.publicKey.bytes, secret: secret,
                                          size: Int64(result.count), digest: SHA256.hash(result)))
    }

    func reveal(_ task: String, _ secret: [UInt8]) -> RevealBody {
        RevealBody(task: task, secret: Hex.encode(secret), digest: SHA256.hex(result), size: Int64(result.count), data: result)
    }

    func state(_ l: MemoryLedger, _ id: String) throws -> TaskState { try #require(l.task(id)) }

    /// A published committed-coin task with both workers joined (stage awaitingCoin).
    func filledCommittedTask(_ l: inout MemoryLedger) throws -> String {
        let id = try l.apply(requester, task(coin: committedCoin)).tx.id
        try l.apply(w1, JoinBody(task: id))
        try l.apply(w2, JoinBody(task: id))
        return id
    }

    @Test("publish escrows the reward; each join escrows the deposit and the n-th fills the task")
    func joinEscrowsTheDeposit() throws {
        var l = try ledger()
        let (published, escrowed) = try TaskState.publish(task(coin: committedCoin), id: String(repeating: "cd", count: 32),
                                                          by: requester.publicKey.hex, at: 5, seq: 2, nonce: 1)
        #expect(escrowed == [.escrowIn(account: requester.publicKey.hex, amount: 20, stake: .reward)])
        #expect(published.stage == .joining(.init(workers: [])) && published.escrowed == 20)

        let id = try l.apply(requester, task(coin: committedCoin)).tx.id
        var t = try state(l, id)
        #expect(try t.join(w1.publicKey.hex, at: l.time) == [.escrowIn(account: w1.publicKey.hex, amount: 10, stake: .deposit)])
        #expect(t.stage == .joining(.init(workers: [w1.publicKey.hex])))
        #expect(try t.join(w2.publicKey.hex, at: l.time + 1) == [.escrowIn(account: w2.publicKey.hex, amount: 10, stake: .deposit)])
        #expect(t.stage == .awaitingCoin(.init(workers: [w1.publicKey.hex, w2.publicKey.hex], filledAt: l.time + 1)))
        #expect(t.phase(at: l.time + 1) == .coin && t.filledAt == l.time + 1 && t.escrowed == 40)

        // Through apply, the same movements reach the balances and the escrow.
        try l.apply(w1, JoinBody(task: id))
        #expect(l.state.balance(of: w1.publicKey.hex) == 40 && l.state.escrow == 30 && l.total == 205)
    }

    @Test("a public coin goes from joining straight to working; the committed one through awaitingCoin")
    func publicCoinSkipsTheCoinStage() throws {
        var l = try ledger()
        let id = try l.apply(requester, task(coin: publicCoin)).tx.id
        try l.apply(w1, JoinBody(task: id))
        try l.apply(w2, JoinBody(task: id), at: l.time + 3)
        let t = try state(l, id)
        guard case .working(let w) = t.stage else { Issue.record("stage \(t.stage)"); return }
        #expect(w.commitStart == l.time + 3 && w.filledAt == l.time + 3 && w.coin == String(repeating: "ab", count: 32))
        #expect(t.coin == nil && t.coinAt == nil && t.coinHex == w.coin && t.phase(at: l.time + 3) == .commit)
    }

    @Test("releasing the coin moves nothing and starts the commit phase; commits, then reveals, stay in working")
    func coinCommitReveal() throws {
        var l = try ledger()
        let id = try filledCommittedTask(&l)
        var t = try state(l, id)
        #expect(try t.releaseCoin(Hex.encode(coin), by: requester.publicKey.hex, at: l.time + 2) == [])
        guard case .working(let w) = t.stage else { Issue.record("stage \(t.stage)"); return }
        #expect(w.coin == Hex.encode(coin) && w.commitStart == l.time + 2 && w.commits.isEmpty && w.lastCommitAt == nil)
        #expect(t.coin == Hex.encode(coin) && t.coinAt == l.time + 2 && t.commitDeadline == l.time + 102)

        try l.apply(requester, CoinBody(task: id, coin: Hex.encode(coin)), at: l.time + 2)
        l.time += 2
        for (w, k) in [(w1, secrets[0]), (w2, secrets[1])] {
            var before = try state(l, id)
            #expect(try before.commit(commitment(id, w, k), by: w.publicKey.hex, at: l.time) == [])
            try l.apply(w, CommitBody(task: id, commitment: commitment(id, w, k)))
        }
        #expect(try state(l, id).lastCommitAt == l.time && state(l, id).phase(at: l.time) == .reveal)
        for (w, k) in [(w1, secrets[0]), (w2, secrets[1])] {
            var before = try state(l, id)
            #expect(try before.reveal(reveal(id, k), by: w.publicKey.hex, at: l.time, seq: 99) == [])
            try l.apply(w, reveal(id, k))
        }
        let done = try state(l, id)
        #expect(done.reveals.count == 2 && done.reveals.values.allSatisfy { $0.outcome == .revealed(resultID: SHA256.hex(result)) })
        #expect(done.workerState(w1.publicKey.hex) == .revealed)
    }

    @Test("settle pays each clause as a payout and burns the forfeits; the closed stage keeps the last one without inline data")
    func settlePaysEachClause() throws {
        var l = try ledger()
        let id = try l.apply(requester, task(coin: publicCoin)).tx.id
        try l.apply(w1, JoinBody(task: id))
        try l.apply(w2, JoinBody(task: id))
        for (w, k) in [(w1, secrets[0]), (w2, secrets[1])] { try l.apply(w, CommitBody(task: id, commitment: commitment(id, w, k))) }
        let revealSeq = try l.apply(w1, reveal(id, secrets[0])).seq   // w2 never reveals: its deposit is forfeited
        let at = l.time + 201

        var t = try state(l, id)
        let record = try t.settlement(at: at)
        let (settled, movements) = try t.settle(record, at: at, seq: 42)
        #expect(settled == record && record.outcome == "settled" && record.burned > 0)
        #expect(movements == record.payouts.map(Movement.payout) + [.burn(record.burned)])
        #expect(record.payouts.contains(Payout(account: w2.publicKey.hex, amount: 0, clause: "failed-no-reveal")))
        #expect(record.payouts.reduce(record.burned) { $0 + $1.amount } == 40)
        guard case .closed(let c) = t.stage, case .working(let last) = c.last else { Issue.record("stage \(t.stage)"); return }
        #expect(c.how == .settled && c.seq == 42 && c.at == at && t.closedAt == at && c.agreedResult == nil)
        #expect(last.reveals[w1.publicKey.hex]?.data == nil && last.reveals[w1.publicKey.hex]?.seq == revealSeq)
        #expect(t.closed == .settled && t.closedSeq == 42 && t.escrowed == 0 && t.joined.count == 2 && t.commits.count == 2)

        let applied = try l.settle(id, at: at)
        #expect(applied == record)
        #expect(l.state.burned == record.burned && l.state.escrow == 0 && l.total == 205)
        #expect(try state(l, id).phase(at: at) == .settled)
    }

    @Test("cancel refunds every deposit and the reward; settle aborts a task that never filled or never got its coin")
    func cancelAndAborts() throws {
        var l = try ledger()
        let id = try l.apply(requester, task(coin: committedCoin)).tx.id
        try l.apply(w1, JoinBody(task: id))
        var t = try state(l, id)
        let refunds = [Payout(account: w1.publicKey.hex, amount: 10, clause: "cancel-refund"),
                       Payout(account: requester.publicKey.hex, amount: 20, clause: "cancel-refund")]
        #expect(t.cancelRecord.payouts == refunds)
        #expect(try t.cancel(by: requester.publicKey.hex, recorded: refunds, seq: 7, at: 1) == refunds.map(Movement.payout))
        guard case .closed(let c) = t.stage else { Issue.record("stage \(t.stage)"); return }
        #expect(c.how == .cancelled && c.last == .joining(.init(workers: [w1.publicKey.hex])) && t.phase(at: 0) == .cancelled)
        try l.apply(requester, CancelBody(task: id, payouts: refunds))
        #expect(l.state.balance(of: w1.publicKey.hex) == 50 && l.state.balance(of: requester.publicKey.hex) == 100 && l.state.escrow == 0)

        var join = try ledger()
        let j = try join.apply(requester, task(coin: committedCoin)).tx.id
        try join.apply(w1, JoinBody(task: j))
        #expect(try join.settle(j, at: join.time + 101).outcome == "aborted-join")
        #expect(try state(join, j).closed == .aborted)

        var coinless = try ledger()
        let k = try filledCommittedTask(&coinless)
        #expect(try coinless.settle(k, at: coinless.time + 101).outcome == "aborted-coin")
        let closed = try state(coinless, k)
        guard case .closed(let a) = closed.stage, case .awaitingCoin = a.last else { Issue.record("stage \(closed.stage)"); return }
        #expect(closed.filledAt == coinless.time && closed.coinDeadline == coinless.time + 100)
    }

    @Test("a refused transition leaves the task and the ledger unchanged, with the same finding as before")
    func refusalsChangeNothing() throws {
        var l = try ledger()
        let id = try l.apply(requester, task(coin: committedCoin)).tx.id
        var t = try state(l, id)
        let before = t
        #expect(throws: Refusal("the requester cannot work on its own task")) { try t.join(requester.publicKey.hex, at: l.time) }
        #expect(throws: Refusal("task \(id) has not filled yet (0 of 2 workers)")) {
            try t.releaseCoin(Hex.encode(coin), by: requester.publicKey.hex, at: l.time)
        }
        #expect(throws: Refusal("\(w1.publicKey.hex) is not a worker of task \(id)")) {
            try t.commit(commitment(id, w1, secrets[0]), by: w1.publicKey.hex, at: l.time)
        }
        #expect(throws: Refusal("only the requester \(requester.publicKey.hex) may cancel task \(id)")) {
            try t.cancel(by: w1.publicKey.hex, recorded: [], seq: 9, at: 1)
        }
        #expect(throws: Refusal("too early: task \(id) is open for joining until \(l.time + 100) (0 of 2 workers)")) {
            try t.settle(t.cancelRecord, at: l.time, seq: 9)
        }
        #expect(t == before)

        // The task accepts w3's join, but w3 cannot pay the deposit: the booking refuses it and
        // nothing of the ledger changes, neither the task nor any balance nor the nonce.
        let ledgerBefore = l.state
        do throws(LedgerFinding) { try l.apply(w3, JoinBody(task: id)); Issue.record("an unfunded join was accepted") } catch {
            #expect(error.code == .rejected)
            #expect(error.message == "join: cannot escrow the deposit: account \(w3.publicKey.hex) has 5, needs 10")
        }
        #expect(l.state == ledgerBefore)

        // A forged cancel is a settlement-mismatch and leaves everything as it was.
        try l.apply(w1, JoinBody(task: id))
        let joined = l.state
        let forged = [Payout(account: w1.publicKey.hex, amount: 10, clause: "cancel-refund")]
        do throws(LedgerFinding) { try l.apply(requester, CancelBody(task: id, payouts: forged)); Issue.record("a forged cancel was accepted") } catch {
            #expect(error.code == .settlementMismatch)
            #expect(error.message == "cancel: payout 2 is missing: recomputed 20 to \(requester.publicKey.hex) (cancel-refund)")
        }
        #expect(l.state == joined)
    }

    @Test("the ledger state, stages included, survives the state cache's JSON round trip")
    func codableRoundTrip() throws {
        var l = try ledger()
        let id = try filledCommittedTask(&l)
        try l.apply(requester, CoinBody(task: id, coin: Hex.encode(coin)))
        try l.apply(w1, CommitBody(task: id, commitment: commitment(id, w1, secrets[0])))
        let other = try l.apply(requester, task(coin: publicCoin)).tx.id
        try l.apply(requester, CancelBody(task: other, payouts: try state(l, other).cancelRecord.payouts))
        let decoded = try JSONDecoder().decode(LedgerState.self, from: JSONEncoder().encode(l.state))
        #expect(decoded == l.state)
        // The cancelled task has left the state (open tasks only); only its count stays.
        #expect(decoded.tasks[id]?.phase(at: l.time) == .commit && decoded.tasks[other] == nil && decoded.closedCount == 1)
        #expect(l.closed[other]?.closed == .cancelled)
    }
}
