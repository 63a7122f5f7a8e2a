import Testing
import TestSupport
@testable import Incentives


private let failures: [WorkerOutcome] = [.didNotCommit, .didNotReveal, .wrongOpening, .trivialResult]

private func total(_ s: Settlement) -> Int64 {
    s.workers.reduce(s.requesterRefund + s.forfeited) { $0 + $1.amount }
}

@Suite("Settlement clauses")
struct ClausesTests {
    @Test("clause strings are the stable ledger vocabulary")
    func clauseStrings() {
        #expect(Clause.allCases.map(\.rawValue) == [
            "failed-no-commit", "failed-no-reveal", "failed-wrong-opening", "failed-trivial-result",
            "half-refund-other-failed", "agreement", "disagreement", "reward-refund", "reward-remainder",
        ])
    }

    @Test("each failure outcome loses the whole deposit under its own clause; revealers get d/2")
    func failureBranch() throws {
        let expected: [Clause] = [.failedNoCommit, .failedNoReveal, .failedWrongOpening, .failedTrivialResult]
        for (outcome, clause) in zip(failures, expected) {
            // d = 7 (odd): a revealer gets 3 back and forfeits 4.
            let s = try Clauses.settle(reward: 100, deposit: 7,
                                       outcomes: [outcome, .revealed(resultID: "a"), .revealed(resultID: "a")])
            #expect(s.workers == [WorkerPayout(amount: 0, clause: clause),
                                  WorkerPayout(amount: 3, clause: .halfRefundOtherFailed),
                                  WorkerPayout(amount: 3, clause: .halfRefundOtherFailed)])
            #expect(s.requesterRefund == 100)
            #expect(s.requesterClause == .rewardRefund)
            #expect(s.forfeited == 7 + 4 + 4)
            #expect(total(s) == 100 + 3 * 7)
        }
    }

    @Test("everyone failed: all deposits forfeited, reward back")
    func allFailed() throws {
        let s = try Clauses.settle(reward: 9, deposit: 5, outcomes: failures)
        #expect(s.workers.map(\.amount) == [0, 0, 0, 0])
        #expect(s.forfeited == 20)
        #expect(s.requesterRefund == 9)
        #expect(s.requesterClause == .rewardRefund)
    }

    @Test("a failure beats agreement: revealers of the same result still only get d/2")
    func failureOverridesAgreement() throws {
        let s = try Clauses.settle(reward: 30, deposit: 10,
                                   outcomes: [.revealed(resultID: "x"), .revealed(resultID: "x"), .trivialResult])
        #expect(s.workers.map(\.clause) == [.halfRefundOtherFailed, .halfRefundOtherFailed, .failedTrivialResult])
        #expect(s.workers.map(\.amount) == [5, 5, 0])
        #expect(s.forfeited == 20)
    }

    @Test("agreement: d + floor(r/n) each, remainder to the requester")
    func agreementRounding() throws {
        let s = try Clauses.settle(reward: 10, deposit: 5,
                                   outcomes: Array(repeating: .revealed(resultID: "y"), count: 3))
        #expect(s.workers == Array(repeating: WorkerPayout(amount: 5 + 3, clause: .agreement), count: 3))
        #expect(s.requesterRefund == 1)
        #expect(s.requesterClause == .rewardRemainder)
        #expect(s.forfeited == 0)
        #expect(total(s) == 10 + 15)

        let exact = try Clauses.settle(reward: 12, deposit: 0,
                                       outcomes: Array(repeating: .revealed(resultID: "y"), count: 4))
        #expect(exact.workers.map(\.amount) == [3, 3, 3, 3])
        #expect(exact.requesterRefund == 0)
        #expect(exact.requesterClause == .rewardRemainder)
    }

    @Test("disagreement: floor(d/2) each, n·ceil(d/2) forfeited, reward back")
    func disagreementRounding() throws {
        let s = try Clauses.settle(reward: 11, deposit: 7,
                                   outcomes: [.revealed(resultID: "a"), .revealed(resultID: "a"), .revealed(resultID: "b")])
        #expect(s.workers == Array(repeating: WorkerPayout(amount: 3, clause: .disagreement), count: 3))
        #expect(s.forfeited == 12)
        #expect(s.requesterRefund == 11)
        #expect(s.requesterClause == .rewardRefund)
        #expect(total(s) == 11 + 21)
    }

    @Test("d = 1: a half refund returns nothing")
    func depositOne() throws {
        let s = try Clauses.settle(reward: 0, deposit: 1, outcomes: [.revealed(resultID: "a"), .revealed(resultID: "b")])
        #expect(s.workers.map(\.amount) == [0, 0])
        #expect(s.forfeited == 2)
    }

    @Test("bad parameters throw")
    func badParameters() {
        #expect(throws: IncentiveError.tooFewWorkers(1)) {
            try Clauses.settle(reward: 1, deposit: 1, outcomes: [.revealed(resultID: "a")])
        }
        #expect(throws: IncentiveError.tooFewWorkers(0)) { try Clauses.settle(reward: 1, deposit: 1, outcomes: []) }
        #expect(throws: IncentiveError.negativeReward(-1)) {
            try Clauses.settle(reward: -1, deposit: 1, outcomes: [.didNotCommit, .didNotCommit])
        }
        #expect(throws: IncentiveError.negativeDeposit(-3)) {
            try Clauses.settle(reward: 1, deposit: -3, outcomes: [.didNotCommit, .didNotCommit])
        }
    }

    @Test("overflow throws instead of trapping")
    func overflow() throws {
        let agree = Array(repeating: WorkerOutcome.revealed(resultID: "a"), count: 3)
        // r + n·d overflows.
        #expect(throws: IncentiveError.self) { try Clauses.settle(reward: .max, deposit: 1, outcomes: agree) }
        // n·d alone overflows.
        #expect(throws: IncentiveError.self) { try Clauses.settle(reward: 0, deposit: .max / 2, outcomes: agree) }
        // Both large.
        #expect(throws: IncentiveError.self) { try Clauses.settle(reward: .max, deposit: .max / 3, outcomes: agree) }
        do {
            _ = try Clauses.settle(reward: .max, deposit: .max, outcomes: [.didNotCommit, .didNotCommit])
            Issue.record("expected an overflow error")
        } catch {
            guard case .overflow = error else { Issue.record("wrong error \(error)"); return }
        }
        // The exact boundary r + n·d == Int64.max is fine, in every branch.
        let d: Int64 = 1_000_000_007
        let r = Int64.max - 3 * d
        let s = try Clauses.settle(reward: r, deposit: d, outcomes: agree)
        #expect(total(s) == Int64.max)
        #expect(s.workers[0].amount == d + r / 3)
        let s2 = try Clauses.settle(reward: r, deposit: d,
                                    outcomes: [.revealed(resultID: "a"), .revealed(resultID: "b"), .didNotReveal])
        #expect(total(s2) == Int64.max)
    }

    @Test("randomized sweep: conservation and every rule, against an independent model")
    func randomizedSweep() throws {
        var rng = SplitMix64(seed: 0x00C0_FFEE_2019)
        var branches = [0, 0, 0]
        for _ in 0..<20_000 {
            let n = 2 + Int(rng.below(11))
            let scale: UInt64 = [10, 1_000, 1_000_000_007, UInt64(Int64.max) / 64][Int(rng.below(4))]
            let reward = Int64(rng.below(scale))
            let deposit = Int64(rng.below(scale))
            // Outcome alphabet: 4 failures, and up to 3 distinct results (biased toward agreement).
            let mode = rng.below(3)
            var outcomes: [WorkerOutcome] = []
            for _ in 0..<n {
                switch mode {
                case 0: outcomes.append(.revealed(resultID: "same"))
                case 1: outcomes.append(.revealed(resultID: "r\(rng.below(2))"))
                default:
                    let x = rng.below(7)
                    outcomes.append(x < 4 ? failures[Int(x)] : .revealed(resultID: "r\(x - 4)"))
                }
            }
            let s = try Clauses.settle(reward: reward, deposit: deposit, outcomes: outcomes)
            // Conservation, computed here without the library.
            #expect(total(s) == reward + Int64(n) * deposit)
            #expect(s.workers.count == n)
            #expect(s.workers.allSatisfy { $0.amount >= 0 } && s.forfeited >= 0 && s.requesterRefund >= 0)

            let failed = outcomes.filter { if case .revealed = $0 { return false } else { return true } }.count
            let ids = Set(outcomes.compactMap { o -> String? in if case .revealed(let id) = o { return id } else { return nil } })
            if failed > 0 {
                branches[0] += 1
                for (o, p) in zip(outcomes, s.workers) {
                    if case .revealed = o {
                        #expect(p == WorkerPayout(amount: deposit / 2, clause: .halfRefundOtherFailed))
                    } else {
                        #expect(p.amount == 0)
                    }
                }
                #expect(s.requesterRefund == reward && s.requesterClause == .rewardRefund)
                #expect(s.forfeited == Int64(failed) * deposit + Int64(n - failed) * (deposit - deposit / 2))
            } else if ids.count == 1 {
                branches[1] += 1
                #expect(s.workers.allSatisfy { $0 == WorkerPayout(amount: deposit + reward / Int64(n), clause: .agreement) })
                #expect(s.requesterRefund == reward % Int64(n) && s.requesterClause == .rewardRemainder)
                #expect(s.forfeited == 0)
            } else {
                branches[2] += 1
                #expect(s.workers.allSatisfy { $0 == WorkerPayout(amount: deposit / 2, clause: .disagreement) })
                #expect(s.requesterRefund == reward && s.requesterClause == .rewardRefund)
                #expect(s.forfeited == Int64(n) * (deposit - deposit / 2))
            }
        }
        // The sweep exercised every branch substantially.
        #expect(branches.allSatisfy { $0 > 2_000 }, "branch counts \(branches)")
    }

    @Test("randomized overflow sweep: settle either conserves exactly or throws overflow")
    func overflowSweep() {
        var rng = SplitMix64(seed: 42)
        var threw = 0, ok = 0
        for _ in 0..<5_000 {
            let n = 2 + Int(rng.below(6))
            let reward = Int64(rng.below(UInt64(Int64.max)))
            let deposit = Int64(rng.below(UInt64(Int64.max) / UInt64(n - 1)))
            let outcomes = (0..<n).map { _ in rng.below(2) == 0 ? WorkerOutcome.revealed(resultID: "a") : .didNotCommit }
            // Exact escrow in 128-bit-like arithmetic: fits iff no overflow.
            let (nd, o1) = Int64(n).multipliedReportingOverflow(by: deposit)
            let (_, o2) = reward.addingReportingOverflow(nd)
            let fits = !o1 && !o2
            do {
                let s = try Clauses.settle(reward: reward, deposit: deposit, outcomes: outcomes)
                #expect(fits)
                #expect(total(s) == reward + nd)
                ok += 1
            } catch {
                #expect(!fits)
                if case .overflow = error {} else { Issue.record("unexpected \(error)") }
                threw += 1
            }
        }
        #expect(threw > 100 && ok > 100, "threw \(threw), ok \(ok)")
    }
}
