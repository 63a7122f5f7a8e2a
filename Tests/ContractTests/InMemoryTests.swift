// The contract alone: `apply` on entries built in memory, no files, no client.
import CanonicalJSON
import Contract
import Incentives
import LedgerCrypto
import LedgerModel
import Testing

/// A ledger held in memory: entries are built, signed and applied directly.
struct MemoryLedger {
    var state: LedgerState
    var time: Int64
    /// The tasks that closed, by id (they leave the state, which holds open tasks only).
    var closed: [String: TaskState] = [:]

    /// An open or closed task.
    func task(_ id: String) -> TaskState? { state.tasks[id] ?? closed[id] }

    init(allocations: [String: Int64], time: Int64 = 1_700_000_000) throws {
        let genesis = GenesisBody(name: "memory", allocations: allocations, salt: [UInt8](repeating: 7, count: 32)).entry(time: time)
        state = try Contract.genesis(genesis)
        self.time = time
    }

    func entry(_ tx: Transaction, at time: Int64? = nil) -> Entry {
        Entry(seq: state.seq + 1, link: state.head, time: time ?? self.time, tx: tx)
    }

    func signed(_ key: Ed25519.PrivateKey, _ body: some TransactionBody) throws -> Transaction {
        try Transaction(kind: type(of: body).kind, body: body.json, ledger: state.ledgerID,
                        nonce: state.nextNonce(for: key.publicKey.hex), key: key)
    }

    /// Applies a signed body; returns the entry.
    @discardableResult
    mutating func apply(_ key: Ed25519.PrivateKey, _ body: some TransactionBody, at time: Int64? = nil) throws(LedgerFinding) -> Entry {
        let e = entry(try! signed(key, body), at: time)
        if let c = try Contract.apply(&state, e) { closed[c.id] = c }
        return e
    }

    /// The settlement the contract computes, appended.
    @discardableResult
    mutating func settle(_ task: String, at time: Int64) throws(LedgerFinding) -> SettlementRecord {
        let t = state.tasks[task]!
        let record = try Contract.settlement(t, at: time)
        if let c = try Contract.apply(&state, entry(SettleBody.transaction(task: task, record, ledger: state.ledgerID), at: time)) { closed[c.id] = c }
        return record
    }

    var total: Int64 { state.balances.values.reduce(0, +) + state.escrow + state.burned }
}

@Suite("Contract in memory")
struct InMemoryContractTests {
    let requester = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 1, count: 32))
    let w1 = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 2, count: 32))
    let w2 = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 3, count: 32))

    func publicCoinTask(workers: Int64 = 2) -> PublishBody {
        PublishBody(program: ProgramSpec(name: "hash-iterate", params: ["iterations": .int(3)], digest: nil),
                    inputs: [], reward: 20, deposit: 10, workers: workers,
                    windows: Windows(join: 100, coin: 100, commit: 100, reveal: 100),
                    coin: .publicValue(String(repeating: "ab", count: 32)))
    }

    func open(_ l: inout MemoryLedger, task: String, result: [UInt8], worker: Ed25519.PrivateKey, secret: [UInt8]) throws(LedgerFinding) {
        let c = Commitments.commitment(task: Hex.decode(task)!, worker: worker.publicKey.bytes, secret: secret,
                                       size: Int64(result.count), digest: SHA256.hash(result))
        try l.apply(worker, CommitBody(task: task, commitment: Hex.encode(c)))
    }

    @Test("a transfer moves money and nothing else; an overdraft changes nothing")
    func transfer() throws {
        var l = try MemoryLedger(allocations: [requester.publicKey.hex: 100])
        try l.apply(requester, TransferBody(to: w1.publicKey.hex, amount: 40))
        #expect(l.state.balance(of: requester.publicKey.hex) == 60)
        #expect(l.state.balance(of: w1.publicKey.hex) == 40)
        let before = l.state
        #expect(throws: LedgerFinding.self) { try l.apply(requester, TransferBody(to: w1.publicKey.hex, amount: 61)) }
        #expect(l.state.balances == before.balances)
        #expect(l.state.seq == before.seq)
        #expect(l.state.nonces == before.nonces)
    }

    @Test("bodies round-trip: every kind's json reads back to the same body")
    func roundTrip() throws {
        let t = String(repeating: "cd", count: 32)
        let p = publicCoinTask()
        #expect(try PublishBody.parse(p.json) == p)
        #expect(try TransferBody.parse(TransferBody(to: t, amount: 5).json) == TransferBody(to: t, amount: 5))
        #expect(try JoinBody.parse(JoinBody(task: t).json) == JoinBody(task: t))
        let r = RevealBody(task: t, secret: t, digest: t, size: 2, data: [1, 2])
        #expect(try RevealBody.parse(r.json) == r)
        let s = SettleBody(task: t, SettlementRecord(outcome: "settled", payouts: [Payout(account: t, amount: 0, clause: "x")], burned: 3, result: nil))
        #expect(try SettleBody.parse(s.json) == s)
    }

    @Test("an unknown member in any body is refused, naming it")
    func unknownMember() throws {
        var o = TransferBody(to: w1.publicKey.hex, amount: 1).json
        o["memo"] = .string("hi")
        #expect(throws: LedgerFinding.self) { _ = try TransferBody.parse(o) }
        do throws(LedgerFinding) { _ = try TransferBody.parse(o) } catch { #expect(error.message.contains("unknown member memo")) }
    }

    @Test("a whole task in memory: join, commit, reveal, settle pays r/n and conserves money")
    func wholeTask() throws {
        var l = try MemoryLedger(allocations: [requester.publicKey.hex: 100, w1.publicKey.hex: 50, w2.publicKey.hex: 50])
        let publish = try l.apply(requester, publicCoinTask())
        let task = publish.tx.id
        try l.apply(w1, JoinBody(task: task))
        try l.apply(w2, JoinBody(task: task))
        #expect(l.state.tasks[task]!.commitRefusal(w1.publicKey.hex, at: l.time) == nil)
        let y: [UInt8] = [7, 7, 8]
        let k1 = [UInt8](repeating: 9, count: 32), k2 = [UInt8](repeating: 10, count: 32)
        try open(&l, task: task, result: y, worker: w1, secret: k1)
        try open(&l, task: task, result: y, worker: w2, secret: k2)
        for (w, k) in [(w1, k1), (w2, k2)] {
            try l.apply(w, RevealBody(task: task, secret: Hex.encode(k), digest: SHA256.hex(y), size: 3, data: y))
        }
        let record = try l.settle(task, at: l.time)
        #expect(record.outcome == "settled" && record.result == SHA256.hex(y))
        #expect(l.state.balance(of: w1.publicKey.hex) == 60 && l.state.balance(of: w2.publicKey.hex) == 60)
        #expect(l.total == 200 && l.state.escrow == 0)
    }

    @Test("a recorded settlement that differs from the recomputed one is a settlement-mismatch")
    func settlementMismatch() throws {
        var l = try MemoryLedger(allocations: [requester.publicKey.hex: 100, w1.publicKey.hex: 50])
        let task = try l.apply(requester, publicCoinTask()).tx.id
        try l.apply(w1, JoinBody(task: task))
        let t = l.state.tasks[task]!
        let honest = try Contract.settlement(t, at: l.time + 101)
        #expect(honest.outcome == "aborted-join")
        var payouts = honest.payouts
        payouts[0] = Payout(account: payouts[0].account, amount: payouts[0].amount + 1, clause: payouts[0].clause)
        let forged = SettlementRecord(outcome: honest.outcome, payouts: payouts, burned: honest.burned, result: honest.result)
        let e = l.entry(SettleBody.transaction(task: task, forged, ledger: l.state.ledgerID), at: l.time + 101)
        var s = l.state
        do throws(LedgerFinding) { try Contract.apply(&s, e); Issue.record("forged settlement accepted") } catch {
            #expect(error.code == .conservation || error.code == .settlementMismatch)
        }
    }

    @Test("a transaction naming another ledger is wrong-ledger; a replayed nonce is a duplicate")
    func envelope() throws {
        var a = try MemoryLedger(allocations: [requester.publicKey.hex: 100])
        let b = try MemoryLedger(allocations: [requester.publicKey.hex: 100], time: 1_700_000_001)
        let foreign = try b.signed(requester, TransferBody(to: w1.publicKey.hex, amount: 1))
        var s = a.state
        do throws(LedgerFinding) { try Contract.apply(&s, a.entry(foreign)); Issue.record("foreign transaction accepted") } catch { #expect(error.code == .wrongLedger) }
        let tx = try a.signed(requester, TransferBody(to: w1.publicKey.hex, amount: 1))
        try Contract.apply(&a.state, a.entry(tx))
        do throws(LedgerFinding) { try Contract.apply(&a.state, a.entry(tx)); Issue.record("replay accepted") } catch { #expect(error.code == .duplicateTransaction) }
    }

    @Test("nonce lanes: nonces increase within each lane, lanes are independent, a replay in any lane is a duplicate")
    func nonceLanes() throws {
        var a = try MemoryLedger(allocations: [requester.publicKey.hex: 100])
        let party = requester.publicKey.hex
        func tx(_ nonce: Int64, _ amount: Int64 = 1) throws -> Transaction {
            try Transaction(kind: TransferBody.kind, body: TransferBody(to: w1.publicKey.hex, amount: amount).json,
                            ledger: a.state.ledgerID, nonce: nonce, key: requester)
        }
        func applies(_ t: Transaction) -> LedgerFinding? {
            do throws(LedgerFinding) { try Contract.apply(&a.state, a.entry(t)); return nil } catch { return error }
        }
        let laneA: Int64 = 5, laneB: Int64 = Nonce.maxLane
        #expect(Nonce.lane(of: 3) == 0 && Nonce.lane(of: laneA << 40 | 1) == laneA && Nonce.counter(of: laneA << 40 | 9) == 9)
        #expect(a.state.nextNonce(for: party, lane: 0) == 1 && a.state.nextNonce(for: party, lane: laneA) == laneA << 40 | 1)
        // Lane 0 is the old rule's 1, 2, 3, …; another lane may start after it, and lane 0 goes on.
        #expect(applies(try tx(1)) == nil)
        #expect(applies(try tx(laneA << 40 | 1)) == nil)
        #expect(applies(try tx(2)) == nil)
        #expect(applies(try tx(laneB << 40 | 7)) == nil)
        #expect(applies(try tx(laneA << 40 | 3)) == nil)  // gaps are fine
        #expect(a.state.nextNonce(for: party, lane: laneA) == laneA << 40 | 4)
        #expect(a.state.nonces[party] == 2 && a.state.nonces["\(party)/\(laneA)"] == laneA << 40 | 3)
        // Not above the lane's last: a duplicate, whatever the other lanes hold.
        for n in [2, 1, laneA << 40 | 3, laneA << 40 | 2, laneB << 40 | 7] {
            #expect(applies(try tx(n, 2))?.code == .duplicateTransaction, "nonce \(n)")
        }
        // A lane used to its last counter is closed; the party's other lanes are not.
        #expect(applies(try tx(laneA << 40 | Nonce.maxCounter)) == nil)
        #expect(a.state.nextNonce(for: party, lane: laneA) == laneA << 40 | Nonce.maxCounter)
        #expect(applies(try tx(a.state.nextNonce(for: party, lane: laneA)))?.message.contains("largest nonce") == true)
        #expect(applies(try tx(Int64.max)) == nil)  // the last lane's last nonce
        #expect(applies(try tx(3)) == nil)
    }
}

/// Issue 12: the state holds open tasks only. A task leaves it when it closes (apply returns it);
/// a transaction naming it is refused with the same code as one naming a task never published.
@Suite("Closed tasks leave the state")
struct ClosedTaskTests {
    let requester = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 1, count: 32))
    let w1 = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 2, count: 32))

    func task() -> PublishBody {
        PublishBody(program: ProgramSpec(name: "hash-iterate", params: ["iterations": .int(3)], digest: nil),
                    inputs: [], reward: 20, deposit: 10, workers: 2,
                    windows: Windows(join: 100, coin: 100, commit: 100, reveal: 100),
                    coin: .publicValue(String(repeating: "ab", count: 32)))
    }

    @Test("cancel and settle hand the closed task back and remove it; the count stays")
    func closingRemoves() throws {
        var l = try MemoryLedger(allocations: [requester.publicKey.hex: 1000, w1.publicKey.hex: 50])
        let a = try l.apply(requester, task()).tx.id
        let b = try l.apply(requester, task()).tx.id
        try l.apply(w1, JoinBody(task: b))
        #expect(l.state.taskOrder == [a, b] && l.state.taskCount == 2)
        let cancel = l.entry(try l.signed(requester, CancelBody(task: a, payouts: l.state.tasks[a]!.cancelRecord.payouts)))
        let closed = try Contract.apply(&l.state, cancel)
        #expect(closed?.id == a && closed?.closed == .cancelled && closed?.closedSeq == cancel.seq)
        #expect(l.state.tasks[a] == nil && l.state.taskOrder == [b] && l.state.closedCount == 1 && l.state.taskCount == 2)
        try l.settle(b, at: l.time + 101)  // too few workers by the join deadline: aborted
        #expect(l.state.tasks.isEmpty && l.state.taskOrder.isEmpty && l.state.closedCount == 2)
        #expect(l.closed[b]?.closed == .aborted && l.state.escrow == 0)
    }

    @Test("a transaction naming a closed task: the same code as a task never published, an honest message")
    func namingAClosedTask() throws {
        var l = try MemoryLedger(allocations: [requester.publicKey.hex: 1000, w1.publicKey.hex: 50])
        let publish = try l.apply(requester, task())
        let a = publish.tx.id
        try l.apply(requester, CancelBody(task: a, payouts: l.state.tasks[a]!.cancelRecord.payouts))
        func refusal(_ key: Ed25519.PrivateKey, _ body: some TransactionBody) -> LedgerFinding? {
            var s = l
            do throws(LedgerFinding) { try s.apply(key, body); return nil } catch { return error }
        }
        let closedJoin = try #require(refusal(w1, JoinBody(task: a)))
        let neverJoin = try #require(refusal(w1, JoinBody(task: String(repeating: "ef", count: 32))))
        #expect(closedJoin.code == .rejected && neverJoin.code == .rejected)
        #expect(closedJoin.message == "join: task \(a) is not open on this ledger: never published, or already closed")
        let closedCancel = try #require(refusal(requester, CancelBody(task: a, payouts: [])))
        #expect(closedCancel.code == .rejected && closedCancel.message.contains("is not open on this ledger"))
        // Its id cannot come back: the publish line again is a replayed nonce.
        var s = l.state
        let again = Entry(seq: s.seq + 1, link: s.head, time: l.time, tx: publish.tx)
        do throws(LedgerFinding) { try Contract.apply(&s, again); Issue.record("a closed task's publish was accepted again") } catch {
            #expect(error.code == .duplicateTransaction)
        }
    }
}
