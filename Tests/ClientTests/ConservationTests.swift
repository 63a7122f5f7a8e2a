import TestSupport
import Testing
import Audit
import Client
import Contract
import LedgerCrypto

/// A long seeded simulation on one ledger: many tasks (n = 2…5, random r and d including odd d
/// and r not divisible by n, every strategy, aborts, cancels, both forfeit destinations) with
/// transfers interleaved. A model of every balance, written from docs/PROTOCOL.md (`Oracle`), is
/// compared with the ledger after every task; after every close the money is conserved.
@Suite("Conservation under a randomized simulation")
struct ConservationTests {
    enum Kind: String { case normal, abortJoin, abortCoin, cancel }
    static let rounds = 30

    static let strategies: [Strategy] = [
        .truth, .truth, .truth, .silent, .junk("a"), .junk("b"), .noReveal, .wrongOpening,
        .trivial(.zeros), .trivial(.ones), .trivial(.empty), .trivial(.input), .trivial(.listed),
    ]

    @Test("funds are conserved and every payout matches the clauses", arguments: [UInt64(0x5EED_0001)])
    func simulation(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let parties = 8
        let h = try ProtocolHarness(workers: parties - 1, funds: 100_000)
        let keys = [h.requester] + h.workers
        let ids = keys.map { $0.publicKey.hex }
        var model: [String: Int64] = Dictionary(uniqueKeysWithValues: ids.map { ($0, h.funds) })
        var burned: Int64 = 0
        let genesisTotal = Int64(parties) * h.funds
        var kinds: [Kind: Int] = [:]
        var outcomes: [String: Int] = [:]

        func maybeTransfer() throws {
            guard rng.chance(35) else { return }
            let from = rng.int(0...(parties - 1)), to = rng.int(0...(parties - 1))
            let amount = rng.int64(1...min(400, model[ids[from]]!))
            try h.client.transfer(key: keys[from], to: ids[to], amount: amount, time: h.now)
            model[ids[from]]! -= amount
            model[ids[to]]! += amount
        }

        func checkClosed(_ task: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let s = try h.state()
            #expect(try Tasks.find(s, task, ledger: h.path).closed != nil && s.tasks[task] == nil, sourceLocation: sourceLocation)
            #expect(s.escrow == 0, sourceLocation: sourceLocation)
            #expect(s.burned == burned, sourceLocation: sourceLocation)
            #expect(s.genesisTotal == genesisTotal, sourceLocation: sourceLocation)
            h.expectSound(s, sourceLocation: sourceLocation)
            for id in ids {
                #expect(s.balance(of: id) == model[id]!, "balance of \(id.prefix(8))", sourceLocation: sourceLocation)
            }
        }

        for round in 0..<Self.rounds {
            let n = rng.int(2...5)
            let req = rng.int(0...(parties - 1))
            let workers = Array(rng.shuffled((0..<parties).filter { $0 != req }).prefix(n))
            let r = rng.int64(0...97), d = rng.int64(0...21)
            let forfeit = rng.chance(50) ? "burn" : "requester"
            let roll = rng.int(0...99)
            let kind: Kind = roll < 64 ? .normal : roll < 76 ? .abortJoin : roll < 88 ? .abortCoin : .cancel
            kinds[kind, default: 0] += 1
            let windows = (join: rng.int64(12...40), coin: rng.int64(3...40), commit: rng.int64(8...40), reveal: rng.int64(8...40))
            let task = try h.publish(h.spec(reward: r, deposit: d, workers: n, forfeit: forfeit, windows: windows),
                                     key: keys[req], time: h.tick())
            model[ids[req]]! -= r
            #expect(try h.state().escrow == r, "round \(round)")
            try maybeTransfer()

            let joining = kind == .abortJoin || kind == .cancel ? rng.int(0...(n - 1)) : n
            for w in workers.prefix(joining) {
                try h.client.join(key: keys[w], task: task, time: h.tick())
                model[ids[w]]! -= d
                try maybeTransfer()
            }
            #expect(try h.state().escrow == r + Int64(joining) * d, "round \(round)")

            func refund(_ joined: ArraySlice<Int>) {
                for w in joined { model[ids[w]]! += d }
                model[ids[req]]! += r
            }
            switch kind {
            case .cancel:
                try h.client.cancel(key: keys[req], task: task, time: h.tick())
                refund(workers.prefix(joining))
            case .abortJoin:
                let deadline = try h.taskState(task).joinDeadline
                try h.expectRejected("too early") { try h.client.settle(task: task, time: deadline) }
                h.now = deadline + 1
                let settle = try h.client.settle(task: task, time: h.now)
                #expect(settle.tx.body["outcome"]?.stringValue == "aborted-join")
                refund(workers.prefix(joining))
            case .abortCoin:
                let deadline = try #require(try h.taskState(task).coinDeadline)
                h.now = deadline + 1
                let settle = try h.client.settle(task: task, time: h.now)
                #expect(settle.tx.body["outcome"]?.stringValue == "aborted-coin")
                refund(workers[...])
            case .normal:
                try h.client.releaseCoin(key: keys[req], task: task, time: h.tick())
                let truth = try h.client.run(task: task)
                let plays = (0..<n).map { _ in rng.pick(Self.strategies) }
                let harnessIndex = { (w: Int) in w - 1 }   // keys[w] == h.workers[w - 1] for w ≥ 1
                for (j, w) in workers.enumerated() {
                    if w == 0 {
                        // Party 0 is the harness's requester key; act through the client directly.
                        if let bytes = ProtocolHarness.committed(plays[j], truth: truth) {
                            try h.client.commit(key: keys[0], task: task, result: bytes, openings: h.openings(-1), time: h.tick())
                        }
                    } else {
                        try h.commit(harnessIndex(w), plays[j], task: task, truth: truth, time: h.tick())
                    }
                    try maybeTransfer()
                }
                _ = try h.revealTime(task: task)
                for (j, w) in workers.enumerated() {
                    if w == 0 {
                        switch plays[j] {
                        case .silent, .noReveal: break
                        case .wrongOpening:
                            try h.rawAppend(keys[0], kind: "reveal",
                                            body: ["digest": .string(SHA256.hex(truth)), "secret": .string(String(repeating: "0", count: 64)),
                                                   "size": .int(Int64(truth.count)), "task": .string(task), "data": .string(Hex.encode(truth))],
                                            time: h.tick())
                        default:
                            try h.client.reveal(key: keys[0], task: task, result: nil, openings: h.openings(-1), time: h.tick())
                        }
                    } else {
                        try h.reveal(harnessIndex(w), plays[j], task: task, truth: truth, time: h.tick())
                    }
                }
                try maybeTransfer()
                let settle = try h.client.settle(task: task, time: try h.settleTime(task: task))
                let expected = Oracle.settle(reward: r, deposit: d, plays)
                for (j, w) in workers.enumerated() { model[ids[w]]! += expected.workers[j] }
                model[ids[req]]! += expected.requester
                if forfeit == "burn" { burned += expected.forfeited } else { model[ids[req]]! += expected.forfeited }
                #expect(settle.tx.body["burned"]?.intValue == (forfeit == "burn" ? expected.forfeited : 0),
                        "round \(round): r=\(r) d=\(d) \(plays)")
                let got = RecordedPayout.list(settle.tx.body)
                for (j, w) in workers.enumerated() {
                    #expect(got[j].account == ids[w] && got[j].amount == expected.workers[j], "round \(round): r=\(r) d=\(d) \(plays): \(got)")
                }
                outcomes[plays.contains(where: \.fails) ? "failed" : Set(plays).count == 1 ? "agreement" : "disagreement", default: 0] += 1
            }
            try checkClosed(task)
            try maybeTransfer()
        }
        // Enough variety actually happened.
        #expect(kinds[.normal, default: 0] >= 8)
        #expect(kinds.count >= 3, "\(kinds)")
        #expect(outcomes["failed", default: 0] >= 3, "\(outcomes)")
        let report = try Auditor.verify(path: h.path, recompute: false)
        #expect(report.findings.isEmpty, "\(report.findings)")
        #expect(report.tasks == Self.rounds)
        let final = try h.state()
        #expect(Replay.conservation(final, line: Int(final.seq)).isEmpty)
        #expect(final.balances.values.reduce(0, +) + final.escrow + final.burned == genesisTotal)
    }
}
