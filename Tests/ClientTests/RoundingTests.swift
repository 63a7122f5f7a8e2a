import Testing

/// docs/PROTOCOL.md's rounding rules, on real ledgers: a half refund is floor(d/2) (the lost half
/// ceil(d/2)); an agreement pays floor(r/n) each and r mod n goes back to the requester.
@Suite("Rounding of odd deposits and indivisible rewards")
struct RoundingTests {
    @Test("n = 3, r = 10, d = 7: agreement pays 7 + 3 each, 1 back to the requester")
    func agreementRemainder() throws {
        let h = try ProtocolHarness(workers: 3)
        let p = try h.play(reward: 10, deposit: 7, strategies: [.truth, .truth, .truth])
        #expect(p.payouts == [
            RecordedPayout(account: h.id(0), amount: 10, clause: "agreement"),
            RecordedPayout(account: h.id(1), amount: 10, clause: "agreement"),
            RecordedPayout(account: h.id(2), amount: 10, clause: "agreement"),
            RecordedPayout(account: h.requesterID, amount: 1, clause: "reward-remainder"),
        ])
        #expect(p.workerNets == [3, 3, 3] && p.requesterNet == -9 && p.burned == 0)
    }

    @Test("n = 3, r = 10, d = 7, one silent: half refunds of 3, 7 + 4 + 4 burned")
    func halfRefundOdd() throws {
        let h = try ProtocolHarness(workers: 3)
        let p = try h.play(reward: 10, deposit: 7, strategies: [.truth, .silent, .junk("a")])
        #expect(p.payouts == [
            RecordedPayout(account: h.id(0), amount: 3, clause: "half-refund-other-failed"),
            RecordedPayout(account: h.id(1), amount: 0, clause: "failed-no-commit"),
            RecordedPayout(account: h.id(2), amount: 3, clause: "half-refund-other-failed"),
            RecordedPayout(account: h.requesterID, amount: 10, clause: "reward-refund"),
        ])
        #expect(p.settle.tx.body["burned"]?.intValue == 15)
        #expect(p.workerNets == [-4, -7, -4] && p.requesterNet == 0 && p.burned == 15)
    }

    @Test("n = 3, r = 10, d = 7, one silent, forfeit = requester: the requester gets 10 + 15")
    func halfRefundOddToRequester() throws {
        let h = try ProtocolHarness(workers: 3)
        let p = try h.play(reward: 10, deposit: 7, strategies: [.truth, .noReveal, .truth], forfeit: "requester")
        #expect(p.payouts == [
            RecordedPayout(account: h.id(0), amount: 3, clause: "half-refund-other-failed"),
            RecordedPayout(account: h.id(1), amount: 0, clause: "failed-no-reveal"),
            RecordedPayout(account: h.id(2), amount: 3, clause: "half-refund-other-failed"),
            RecordedPayout(account: h.requesterID, amount: 10, clause: "reward-refund"),
            RecordedPayout(account: h.requesterID, amount: 15, clause: "forfeit-to-requester"),
        ])
        #expect(p.settle.tx.body["burned"]?.intValue == 0)
        #expect(p.workerNets == [-4, -7, -4] && p.requesterNet == 15 && p.burned == 0)
    }

    @Test("n = 3, r = 11, d = 5, disagreement: 2 back each, 3·3 burned")
    func disagreementOdd() throws {
        let h = try ProtocolHarness(workers: 3)
        let p = try h.play(reward: 11, deposit: 5, strategies: [.truth, .junk("a"), .junk("a")])
        #expect(p.payouts.map(\.amount) == [2, 2, 2, 11])
        #expect(p.payouts.map(\.clause) == ["disagreement", "disagreement", "disagreement", "reward-refund"])
        #expect(p.workerNets == [-3, -3, -3] && p.requesterNet == 0 && p.burned == 9)
    }

    @Test("n = 4, r = 7, d = 3: agreement 3 + 1 each, 3 back to the requester")
    func agreementFour() throws {
        let h = try ProtocolHarness(workers: 4)
        let p = try h.play(reward: 7, deposit: 3, strategies: [.truth, .truth, .truth, .truth])
        #expect(p.payouts.map(\.amount) == [4, 4, 4, 4, 3])
        #expect(p.payouts.last == RecordedPayout(account: h.requesterID, amount: 3, clause: "reward-remainder"))
        #expect(p.workerNets == [1, 1, 1, 1] && p.requesterNet == -4)
    }

    @Test("n = 5, r = 3 < n: the share is 0, the whole reward comes back as the remainder")
    func rewardBelowN() throws {
        let h = try ProtocolHarness(workers: 5)
        let p = try h.play(reward: 3, deposit: 2, strategies: Array(repeating: .truth, count: 5))
        #expect(p.payouts.map(\.amount) == [2, 2, 2, 2, 2, 3])
        #expect(p.workerNets == [0, 0, 0, 0, 0] && p.requesterNet == 0)
    }

    @Test("d = 1: a half refund returns nothing; r divisible by n: no remainder line")
    func depositOne() throws {
        let h = try ProtocolHarness(workers: 2)
        let p = try h.play(reward: 5, deposit: 1, strategies: [.wrongOpening, .truth])
        #expect(p.payouts == [
            RecordedPayout(account: h.id(0), amount: 0, clause: "failed-wrong-opening"),
            RecordedPayout(account: h.id(1), amount: 0, clause: "half-refund-other-failed"),
            RecordedPayout(account: h.requesterID, amount: 5, clause: "reward-refund"),
        ])
        #expect(p.workerNets == [-1, -1] && p.burned == 2)
        let h2 = try ProtocolHarness(workers: 2)
        let q = try h2.play(reward: 6, deposit: 1, strategies: [.truth, .truth])
        #expect(q.payouts.map(\.clause) == ["agreement", "agreement"])
        #expect(q.workerNets == [3, 3] && q.requesterNet == -6)
    }
}
