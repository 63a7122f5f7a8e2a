import Testing
@testable import Mechanism
import Incentives

private func strategy(_ p: Int64, _ q: Int64, _ l: Int64) -> CoalitionStrategy {
    try! CoalitionStrategy(p: p, q: q, l: l)
}

/// Replays the recorded IEWDS rounds against Table II and checks that every deletion is justified
/// (its dominator remains, dominates over the situations alive in that round with the round's
/// kind, and is not itself deleted in the round), that strict rounds come first whenever a strict
/// dominance exists, and that at the end nothing remaining is dominated.
private func checkIEWDS(_ report: MechanismReport) {
    var remaining: [Int64: Set<CoalitionStrategy>] = [:]
    var utilities: [Int64: [CoalitionStrategy: [Int64]]] = [:]
    var alive: [Int64: Set<Situation>] = [:]
    for t in report.tableII {
        remaining[t.coalitionSize] = Set(t.rows.map(\.strategy))
        utilities[t.coalitionSize] = Dictionary(uniqueKeysWithValues: t.rows.map {
            ($0.strategy, [$0.situationI, $0.situationII, $0.situationIII])
        })
        alive[t.coalitionSize] = Set(Situation.allCases)
    }
    func dominates(_ a: [Int64], _ b: [Int64], _ sits: Set<Situation>, _ kind: DominanceKind) -> Bool {
        let idx = sits.map(\.index)
        switch kind {
        case .strict: return idx.allSatisfy { a[$0] > b[$0] }
        case .weak: return idx.allSatisfy { a[$0] >= b[$0] } && idx.contains { a[$0] > b[$0] }
        }
    }
    func anyDominated(_ kind: DominanceKind) -> Bool {
        for (k, set) in remaining {
            for s in set where set.contains(where: { dominates(utilities[k]![$0]!, utilities[k]![s]!, alive[k]!, kind) }) {
                return true
            }
        }
        return false
    }
    for (i, round) in report.rounds.enumerated() {
        #expect(round.number == Int64(i + 1))
        #expect(!round.deletions.isEmpty)
        if round.kind == .weak { #expect(!anyDominated(.strict), "weak round \(round.number) while a strict dominance exists") }
        let deleted = Set(round.deletions.map(\.strategy))
        for del in round.deletions {
            let k = del.strategy.size
            #expect(del.kind == round.kind)
            #expect(remaining[k]!.contains(del.strategy) && remaining[k]!.contains(del.dominatedBy))
            #expect(!deleted.contains(del.dominatedBy))
            #expect(dominates(utilities[k]![del.dominatedBy]!, utilities[k]![del.strategy]!, alive[k]!, round.kind),
                    "\(del.dominatedBy.label) does not \(round.kind) dominate \(del.strategy.label)")
        }
        // Everything dominated of that kind was deleted.
        for (k, set) in remaining {
            for s in set where !deleted.contains(s) {
                #expect(!set.contains(where: { dominates(utilities[k]![$0]!, utilities[k]![s]!, alive[k]!, round.kind) }))
            }
        }
        for del in round.deletions { remaining[del.strategy.size]!.remove(del.strategy) }
        for rem in round.situationsRemoved {
            #expect(alive[rem.coalitionSize]!.contains(rem.situation))
            alive[rem.coalitionSize]!.remove(rem.situation)
        }
    }
    #expect(!anyDominated(.strict) && !anyDominated(.weak))
    for s in report.survivors {
        #expect(Set(s.strategies) == remaining[s.coalitionSize]!)
        #expect(Set(s.situations) == alive[s.coalitionSize]!)
        #expect(s.onlyAllTrue == (s.strategies.count == 1 && s.strategies[0].isAllTrue))
    }
}

@Suite("Mechanism analysis: IEWDS and resilience")
struct MechanismTests {
    @Test("c = 0, d > 0: all-true is the only survivor for every k, and coalition-resilient",
          arguments: [2, 3, 4, 5], [(Int64(10), Int64(4)), (30, 10), (31, 9), (0, 2), (100, 1), (7, 3)])
    func paperVerdict(n: Int, rd: (Int64, Int64)) throws {
        let (r, d) = rd
        let report = try Mechanism.analyze(workers: n, reward: r, deposit: d, cost: 0)
        checkIEWDS(report)
        #expect(report.survivors.count == n - 1)
        for s in report.survivors {
            #expect(s.onlyAllTrue)
            #expect(s.strategies == [strategy(s.coalitionSize, 0, 0)])
            #expect(s.situations == [.III])
        }
        #expect(report.verdicts.allTrueOnlySurvivor && report.verdicts.allTrueSurvives)
        #expect(report.verdicts.allTrueResilient && report.verdicts.allTrueStrictlyResilient)
        #expect(report.verdicts.resilience.count == n - 1)
        for ch in report.verdicts.resilience { #expect(ch.gain < 0 && ch.resilient) }
        if d >= 2 {
            // Hand: silence loses d > ceil(d/2), so round 1 (strict) deletes exactly the strategies
            // with l > 0 and Situation I disappears; round 2 (weak) deletes those with q > 0 and
            // Situation II disappears.
            #expect(report.rounds.count == 2)
            #expect(report.rounds[0].kind == .strict && report.rounds[1].kind == .weak)
            #expect(report.rounds[0].deletions.allSatisfy { $0.strategy.l > 0 })
            #expect(report.rounds[1].deletions.allSatisfy { $0.strategy.l == 0 && $0.strategy.q > 0 })
            #expect(report.rounds[0].situationsRemoved.allSatisfy { $0.situation == .I })
            #expect(report.rounds[0].situationsRemoved.count == n - 1)
            #expect(report.rounds[1].situationsRemoved.allSatisfy { $0.situation == .II })
        } else {
            // d = 1: a half refund returns 0, so silence and junk tie outside III: one weak round.
            #expect(report.rounds.count == 1 && report.rounds[0].kind == .weak)
        }
    }

    @Test("c > 0 but below the limit: truth stays an equilibrium, shared junk survives next to it")
    func smallCost() throws {
        // Hand derivation, n = 3, r = 30, d = 10, c = 4: floor(r/n) = 10, ceil(d/2) = 5.
        //   σ2 (k,0,0):   I: −5k − 4k = −9k   II: −9k   III: k·(10 − 4) = 6k
        //   σ3 (0,k,0):   −5k in every situation
        //   σ1 (0,0,k):   −10k everywhere; any l > 0 loses 10 per silent member instead of 5:
        //                 strictly dominated by moving the silent members to the junk.
        //   σ6 (p,q,0):   −5k − 4p everywhere: strictly dominated by σ3 (c > 0).
        // Round 1 (strict): delete σ1, σ4, σ5, σ6 (σ7 has no member for k ≤ 2). Situation I goes
        //   (nothing silent remains); II stays (a lone outsider can still play σ3); III stays.
        // Round 2: σ2 vs σ3 over {II, III}: −9k < −5k but 6k > −5k, no dominance: stop.
        // Resilience: in III the best deviation is σ3: −5k against 6k, gain −11k < 0: resilient.
        // Closed form: c = 4 ≤ 10 + 5 = 15.
        let report = try Mechanism.analyze(workers: 3, reward: 30, deposit: 10, cost: 4)
        checkIEWDS(report)
        let k2 = report.tableII[1].rows
        #expect(k2.first { $0.strategy == strategy(2, 0, 0) }.map { [$0.situationI, $0.situationII, $0.situationIII] } == [-18, -18, 12])
        #expect(report.rounds.count == 1 && report.rounds[0].kind == .strict)
        #expect(Set(report.rounds[0].deletions.map(\.strategy.family)) == [.sigma1, .sigma4, .sigma5, .sigma6])
        for s in report.survivors {
            let k = s.coalitionSize
            #expect(s.strategies == [strategy(k, 0, 0), strategy(0, k, 0)])
            #expect(s.situations == [.II, .III])
            #expect(!s.onlyAllTrue)
        }
        #expect(!report.verdicts.allTrueOnlySurvivor && report.verdicts.allTrueSurvives)
        #expect(report.verdicts.allTrueResilient && report.verdicts.allTrueStrictlyResilient)
        #expect(report.verdicts.equilibriumCostLimit == 15)
        #expect(report.verdicts.resilience.map(\.gain) == [-11, -22])
        #expect(report.verdicts.resilience.map(\.bestDeviation) == [strategy(0, 1, 0), strategy(0, 2, 0)])
        #expect(report.notes.contains { $0.contains("shared junk (σ3) is no longer weakly dominated by the truth") })
    }

    @Test("c > floor(r/n) + ceil(d/2): truth is no longer an equilibrium and the report names σ3")
    func largeCost() throws {
        // Hand derivation, n = 3, r = 30, d = 10, c = 20 > 10 + 5:
        //   σ2: I −5k − 20k = −25k, II −25k, III k·(10 − 20) = −10k
        //   σ3: −5k everywhere → σ3 strictly dominates σ2 (and σ1, σ4, σ5, σ6, as above).
        // Round 1 (strict) leaves only σ3 for every k; then no outsider can be silent (I goes) nor
        // send the truth (III goes): only Situation II remains.
        // In III the coalition gains by switching to σ3: −5k − (−10k) = 5k.
        let report = try Mechanism.analyze(workers: 3, reward: 30, deposit: 10, cost: 20)
        checkIEWDS(report)
        #expect(report.rounds.count == 1)
        for s in report.survivors {
            #expect(s.strategies == [strategy(0, s.coalitionSize, 0)])
            #expect(s.situations == [.II])
        }
        #expect(!report.verdicts.allTrueSurvives && !report.verdicts.allTrueResilient)
        let checks = report.verdicts.resilience
        #expect(checks.map(\.coalitionSize) == [1, 2])
        #expect(checks.map(\.gain) == [5, 10])
        #expect(checks.map(\.allTrueUtility) == [-10, -20])
        #expect(checks.map(\.bestDeviation) == [strategy(0, 1, 0), strategy(0, 2, 0)])
        #expect(checks.allSatisfy { !$0.resilient })
        let text = report.renderText()
        #expect(text.contains("σ3(p=0,q=1,l=0) earns -5 against -10 for all-true (gain 5)"))
        #expect(text.contains("  all-true is coalition-resilient (every k ≤ n−1): no\n"))
    }

    @Test("c exactly at the limit: a weak equilibrium that IEWDS still removes")
    func costAtLimit() throws {
        // n = 3, r = 30, d = 10, c = 15: σ2 earns k·(10 − 15) = −5k in III, exactly σ3's −5k,
        // and −20k < −5k in I and II. Round 1 (strict) deletes l > 0 and σ6; round 2 (weak)
        // deletes σ2, weakly dominated by σ3. No deviation strictly gains: resilient, not strictly.
        let report = try Mechanism.analyze(workers: 3, reward: 30, deposit: 10, cost: 15)
        checkIEWDS(report)
        #expect(report.rounds.map(\.kind) == [.strict, .weak])
        #expect(report.rounds[1].deletions.map(\.strategy) == [strategy(1, 0, 0), strategy(2, 0, 0)])
        #expect(report.verdicts.allTrueResilient && !report.verdicts.allTrueStrictlyResilient)
        #expect(!report.verdicts.allTrueSurvives)
        #expect(report.verdicts.resilience.allSatisfy { $0.gain == 0 })
    }

    @Test("the closed-form cost limit agrees with the computed resilience verdict",
          arguments: [(3, Int64(30), Int64(10)), (4, 31, 9), (2, 10, 4), (5, 3, 1), (3, 0, 0)])
    func costSweep(n: Int, r: Int64, d: Int64) throws {
        let limit = r / Int64(n) + (d - d / 2)
        for c in Int64(0)...(limit + 3) {
            let report = try Mechanism.analyze(workers: n, reward: r, deposit: d, cost: c)
            #expect(report.verdicts.equilibriumCostLimit == limit)
            #expect(report.verdicts.allTrueResilient == (c <= limit), "c = \(c)")
            #expect(report.verdicts.allTrueStrictlyResilient == (c < limit), "c = \(c)")
            checkIEWDS(report)
        }
    }

    @Test("d = 0, c = 0: silence is only weakly dominated; all-true survives alone when r ≥ n")
    func zeroDeposit() throws {
        // Hand, n = 3, r = 30, d = 0, c = 0: every strategy earns 0 in I and II; in III σ2 earns
        // 10k and every other strategy 0. No strict dominance (all tie in I). One weak round deletes
        // every strategy but σ2; then I and II disappear.
        let report = try Mechanism.analyze(workers: 3, reward: 30, deposit: 0, cost: 0)
        checkIEWDS(report)
        #expect(report.rounds.map(\.kind) == [.weak])
        #expect(report.verdicts.allTrueOnlySurvivor && report.verdicts.allTrueResilient)
        #expect(Set(report.rounds[0].situationsRemoved.map(\.situation)) == [.I, .II])
        #expect(report.notes.contains { $0.contains("Deposit d = 0") })

        // r < n: floor(r/n) = 0, every strategy earns 0 everywhere: nothing is deleted.
        let flat = try Mechanism.analyze(workers: 3, reward: 2, deposit: 0, cost: 0)
        #expect(flat.rounds.isEmpty)
        #expect(flat.survivors.map(\.strategies.count) == [3, 6])
        #expect(!flat.verdicts.allTrueOnlySurvivor && flat.verdicts.allTrueResilient && !flat.verdicts.allTrueStrictlyResilient)
        #expect(flat.renderText().contains("no strategy is dominated: nothing is deleted"))
    }

    @Test("d = 0, c > 0: every p = 0 strategy survives next to all-true")
    func zeroDepositWithCost() throws {
        // Hand, n = 3, r = 30, d = 0, c = 4: p = 0 strategies earn 0 everywhere; σ2 earns −4k, −4k,
        // 6k; a mixed strategy with 0 < p < k earns −4p everywhere: strictly dominated by σ1.
        // After round 1 (strict) nothing else is comparable: σ1, σ3, σ5 tie, σ2 is incomparable.
        let report = try Mechanism.analyze(workers: 3, reward: 30, deposit: 0, cost: 4)
        checkIEWDS(report)
        #expect(report.rounds.count == 1 && report.rounds[0].kind == .strict)
        #expect(report.rounds[0].deletions.allSatisfy { $0.strategy.p > 0 && !$0.strategy.isAllTrue })
        #expect(report.survivors[0].strategies == [strategy(0, 0, 1), strategy(1, 0, 0), strategy(0, 1, 0)])
        #expect(report.survivors[1].strategies == [strategy(0, 0, 2), strategy(2, 0, 0), strategy(0, 2, 0), strategy(0, 1, 1)])
        #expect(report.survivors.allSatisfy { $0.situations == Situation.allCases })
        #expect(report.verdicts.allTrueResilient && report.verdicts.allTrueSurvives && !report.verdicts.allTrueOnlySurvivor)
    }

    @Test("the all-n coalition is reported as not covered")
    func fullCoalition() throws {
        let report = try Mechanism.analyze(workers: 4, reward: 30, deposit: 10, cost: 2)
        #expect(report.verdicts.fullCoalitionJunkUtility == 4 * 7)
        #expect(report.verdicts.fullCoalitionTruthUtility == 4 * 7 - 4 * 2)
        #expect(report.notes.contains { $0.contains("Not covered") && $0.contains("verify --recompute") })
    }

    @Test("analyze rejects bad parameters")
    func rejects() {
        #expect(throws: IncentiveError.tooFewWorkers(1)) { try Mechanism.analyze(workers: 1, reward: 1, deposit: 1, cost: 0) }
        #expect(throws: IncentiveError.tooManyWorkers(65, limit: 64)) {
            try Mechanism.analyze(workers: 65, reward: 1, deposit: 1, cost: 0)
        }
        #expect(throws: IncentiveError.negativeReward(-1)) { try Mechanism.analyze(workers: 2, reward: -1, deposit: 1, cost: 0) }
        #expect(throws: IncentiveError.negativeDeposit(-1)) { try Mechanism.analyze(workers: 2, reward: 1, deposit: -1, cost: 0) }
        #expect(throws: IncentiveError.negativeCost(-1)) { try Mechanism.analyze(workers: 2, reward: 1, deposit: 1, cost: -1) }
        #expect(throws: IncentiveError.self) { try Mechanism.analyze(workers: 3, reward: .max, deposit: 1, cost: 0) }
        #expect(throws: IncentiveError.self) { try Mechanism.analyze(workers: 3, reward: 30, deposit: 10, cost: .max) }
        #expect(throws: IncentiveError.self) { try MechanismReport.analyze(workers: 3, reward: .max / 2, deposit: .max / 4, cost: 0) }
    }

    @Test("renderText: the aligned tables, rounds and verdicts for n = 3, r = 30, d = 10, c = 0")
    func renderText() throws {
        let report = try MechanismReport.analyze(workers: 3, reward: 30, deposit: 10, cost: 0)
        let text = report.renderText()
        #expect(text == (try Mechanism.analyze(workers: 3, reward: 30, deposit: 10, cost: 0)).renderText())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "Mechanism analysis: n = 3 workers, reward r = 30, deposit d = 10, cost c = 0")
        #expect(lines.contains("  strategy  p  q  l  Situation I  Situation II  Situation III"))
        #expect(lines.contains("  σ2        1  0  0           -5            -5             10"))
        #expect(lines.contains("  σ7        1  1  1") == false)
        #expect(lines.contains("  Round 1 (strict dominance):"))
        #expect(lines.contains("    k=2: delete σ6(p=1,q=1,l=0), weakly dominated by σ2(p=2,q=0,l=0)"))
        #expect(lines.contains("  k=2: σ2(p=2,q=0,l=0) (situations III)"))
        #expect(lines.contains("  all-true is the only IEWDS survivor for every k: yes"))
        #expect(!text.contains("Table I (n = 2)"))
        let two = try Mechanism.analyze(workers: 2, reward: 10, deposit: 4, cost: 0).renderText()
        #expect(two.contains("  σt         -2, -4    5, 5  -2, -2"))
    }

    @Test("largest supported n is analysed and stays bounded")
    func largestN() throws {
        let report = try Mechanism.analyze(workers: Mechanism.maxWorkers, reward: 1_000, deposit: 10, cost: 0)
        #expect(report.verdicts.allTrueOnlySurvivor)
        #expect(report.tableII.count == Mechanism.maxWorkers - 1)
        #expect(report.tableII.last!.rows.count == 64 * 65 / 2)
    }
}
