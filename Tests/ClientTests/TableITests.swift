import Testing
import Incentives
import Mechanism
import LedgerCrypto

/// Paper, Section IV, Table I (n = 2), played on real ledgers: each cell's utilities are the two
/// workers' net balance changes.
@Suite("Table I on real ledgers")
struct TableITests {
    static let r: Int64 = 10
    static let d: Int64 = 4

    /// The paper's Table I, r = 10, d = 4 (rows W_i, columns W_j).
    static let paper: [TwoWorkerStrategy: [TwoWorkerStrategy: (Int64, Int64)]] = [
        .e: [.e: (-d, -d), .t: (-d, -d / 2), .f: (-d, -d / 2)],
        .t: [.e: (-d / 2, -d), .t: (r / 2, r / 2), .f: (-d / 2, -d / 2)],
        .f: [.e: (-d / 2, -d), .t: (-d / 2, -d / 2), .f: (-d / 2, -d / 2)],
    ]

    /// σe realised as no commit, a result in E_ck, a wrong opening, a commit without reveal.
    static let silences: [Strategy] = [.silent, .trivial(.zeros), .wrongOpening, .noReveal]

    static func strategy(_ s: TwoWorkerStrategy, worker: Int, silence: Strategy) -> Strategy {
        switch s {
        case .e: return silence
        case .t: return .truth
        case .f: return .junk("W\(worker)")     // two workers' junks differ
        }
    }

    @Test("every cell of Table I, σe realised four ways", arguments: silences)
    func everyCell(silence: Strategy) throws {
        let r = Self.r, d = Self.d
        let computed = try Mechanism.tableI(reward: r, deposit: d, cost: 0)
        for a in TwoWorkerStrategy.allCases {
            for b in TwoWorkerStrategy.allCases {
                let h = try ProtocolHarness(workers: 2)
                let sa = Self.strategy(a, worker: 0, silence: silence), sb = Self.strategy(b, worker: 1, silence: silence)
                let played = try h.play(reward: r, deposit: d, strategies: [sa, sb])
                let cell = "(\(a.symbol), \(b.symbol)) as (\(sa), \(sb))"
                let expected = Self.paper[a]![b]!
                #expect(played.workerNets == [expected.0, expected.1], "\(cell): \(played.workerNets)")
                // The tool's own Table I agrees with the ledger.
                let c = try #require(computed.first { $0.row == a && $0.column == b })
                #expect(played.workerNets == [c.rowUtility, c.columnUtility], "\(cell)")
                // Where the rest of the escrow went: agreement pays out the whole reward; otherwise
                // the reward comes back and the lost deposits burn.
                if a == .t && b == .t {
                    #expect(played.requesterNet == -r)
                    #expect(played.burned == 0)
                    #expect(played.outcome == "settled" && played.agreedResult == SHA256.hex(played.truth))
                    #expect(played.payouts == [RecordedPayout(account: h.id(0), amount: d + r / 2, clause: "agreement"),
                                               RecordedPayout(account: h.id(1), amount: d + r / 2, clause: "agreement")])
                } else {
                    #expect(played.requesterNet == 0, "\(cell)")
                    #expect(played.burned == -(expected.0 + expected.1), "\(cell)")
                    #expect(played.agreedResult == nil)
                }
            }
        }
    }

    @Test("each realisation of σe is settled under its own clause")
    func silenceClauses() throws {
        let cases: [(Strategy, String)] = [(.silent, "failed-no-commit"), (.noReveal, "failed-no-reveal"),
                                          (.wrongOpening, "failed-wrong-opening"), (.trivial(.zeros), "failed-trivial-result")]
        for (s, clause) in cases {
            let h = try ProtocolHarness(workers: 2)
            let played = try h.play(reward: Self.r, deposit: Self.d, strategies: [s, .truth])
            #expect(played.payouts == [
                RecordedPayout(account: h.id(0), amount: 0, clause: clause),
                RecordedPayout(account: h.id(1), amount: Self.d / 2, clause: "half-refund-other-failed"),
                RecordedPayout(account: h.requesterID, amount: Self.r, clause: "reward-refund"),
            ], "\(s)")
            #expect(played.settle.tx.body["burned"]?.intValue == Self.d + Self.d / 2)
        }
    }

    @Test("with forfeit = requester the lost deposits go to the requester instead of burning")
    func forfeitToRequester() throws {
        let h = try ProtocolHarness(workers: 2)
        let played = try h.play(reward: Self.r, deposit: Self.d, strategies: [.truth, .junk("W1")], forfeit: "requester")
        #expect(played.workerNets == [-2, -2])
        #expect(played.requesterNet == 4)
        #expect(played.burned == 0)
        #expect(played.payouts.last == RecordedPayout(account: h.requesterID, amount: 4, clause: "forfeit-to-requester"))
    }
}
