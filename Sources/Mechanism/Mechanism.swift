public import Incentives
// The mechanism analysis of paper Section VI, computed THROUGH `Clauses.settle`: every utility in
// Tables I and II comes from settling a concrete outcome vector, never from a formula.
//
// IEWDS procedure (fixed, because elimination of weakly dominated strategies is order-dependent):
//   For every coalition size k = 1…n−1 the coalition's strategies are all (p,q,l) with p+q+l = k,
//   and the columns are the situations still reachable for that k (initially I, II, III).
//   Each round:
//     1. For every k at once, find the remaining strategies strictly dominated (better in every
//        remaining situation) by a remaining strategy of the same k. If there is any, for any k,
//        delete all of them: a strict round.
//     2. Otherwise find, for every k at once, the remaining strategies weakly dominated (no worse in
//        every remaining situation, better in at least one) and delete all of them: a weak round.
//     3. If nothing was found, stop.
//     4. After the deletions, recompute the reachable situations of every k: the n−k outside
//        workers are split into groups (any sizes summing to n−k), each group playing a remaining
//        strategy of its size. Situation I is reachable iff some split has a silent member
//        (l > 0); II iff some split has junk (q > 0) and no silent member; III iff some split has
//        neither. Unreachable situations are removed (they never come back: sets only shrink).
//   Deleting every dominated strategy at once is sound: dominance is transitive, so every deleted
//   strategy is dominated by one that survives the round.

public enum Mechanism {
    /// The largest n `analyze` accepts (Table II has Σ (k+1)(k+2)/2 ≈ n³/6 rows).
    public static let maxWorkers = 64
    /// The resultID the coalition and outside workers use for the true result.
    public static let trueResultID = "true-result"
    /// The resultID of the coalition's shared junk; outside workers never reveal it.
    public static let coalitionJunkID = "coalition-junk"

    // MARK: - Building blocks (public so tests and the auditor can check them)

    /// The situation an outside profile puts a coalition in: I if any outside worker failed,
    /// else II if any revealed something other than `trueResultID`, else III.
    public static func situation(ofOutside outside: [WorkerOutcome]) throws(IncentiveError) -> Situation {
        guard !outside.isEmpty else { throw .invalidArgument("a coalition needs at least one outside worker") }
        var junk = false
        for o in outside {
            switch o {
            case .revealed(let id):
                if sameResultID(id, coalitionJunkID) { throw .invalidArgument("outside workers cannot know the coalition's junk") }
                if !sameResultID(id, trueResultID) { junk = true }
            default:
                return .I
            }
        }
        return junk ? .II : .III
    }

    /// The representative outside profile used for the tables: for Situation I the first outside
    /// worker does not commit, for II it reveals junk of its own; every other outside worker (and,
    /// in III, every one) reveals the true result.
    public static func representativeOutside(_ situation: Situation, outsideWorkers m: Int) -> [WorkerOutcome] {
        guard m > 0 else { return [] }
        var profile = Array(repeating: WorkerOutcome.revealed(resultID: trueResultID), count: m)
        switch situation {
        case .I: profile[0] = .didNotCommit
        case .II: profile[0] = .revealed(resultID: "outside-junk-1")
        case .III: break
        }
        return profile
    }

    /// The coalition's utility when it plays `strategy` (p members reveal the truth, q the shared
    /// junk, l do not commit) and the outside workers do `outside`: Σ over members of
    /// (amount received − d), minus p·c. Computed by settling the concrete outcome vector.
    public static func coalitionUtility(strategy: CoalitionStrategy, outside: [WorkerOutcome],
                                        reward: Int64, deposit: Int64, cost: Int64) throws(IncentiveError) -> Int64 {
        _ = try situation(ofOutside: outside)
        guard cost >= 0 else { throw .negativeCost(cost) }
        guard strategy.size <= Int64(Int32.max) else { throw .invalidArgument("coalition too large") }
        let p = Int(strategy.p), q = Int(strategy.q), l = Int(strategy.l)
        var outcomes: [WorkerOutcome] = []
        outcomes.reserveCapacity(p + q + l + outside.count)
        outcomes += Array(repeating: .revealed(resultID: trueResultID), count: p)
        outcomes += Array(repeating: .revealed(resultID: coalitionJunkID), count: q)
        outcomes += Array(repeating: .didNotCommit, count: l)
        outcomes += outside
        let settlement = try Clauses.settle(reward: reward, deposit: deposit, outcomes: outcomes)
        var utility: Int64 = 0
        for payout in settlement.workers.prefix(p + q + l) {
            let net = try checkedSub(payout.amount, deposit, "a member's net gain")
            utility = try checkedAdd(utility, net, "the coalition's utility")
        }
        let computing = try checkedMul(strategy.p, cost, "p·c")
        return try checkedSub(utility, computing, "the coalition's utility")
    }

    /// Every pure strategy of a coalition of size k, in table order: σ1, σ2, σ3, then σ4
    /// (p ascending), σ5 (q ascending), σ6 (p ascending), σ7 (p, then q ascending).
    public static func strategies(coalitionSize k: Int64) -> [CoalitionStrategy] {
        guard k >= 1 else { return [] }
        var s: [CoalitionStrategy] = [
            CoalitionStrategy(unchecked: 0, 0, k, size: k),
            CoalitionStrategy(unchecked: k, 0, 0, size: k),
            CoalitionStrategy(unchecked: 0, k, 0, size: k),
        ]
        guard k >= 2 else { return s }
        for p in 1..<k { s.append(CoalitionStrategy(unchecked: p, 0, k - p, size: k)) }
        for q in 1..<k { s.append(CoalitionStrategy(unchecked: 0, q, k - q, size: k)) }
        for p in 1..<k { s.append(CoalitionStrategy(unchecked: p, k - p, 0, size: k)) }
        if k >= 3 {
            for p in 1...(k - 2) {
                for q in 1...(k - 1 - p) { s.append(CoalitionStrategy(unchecked: p, q, k - p - q, size: k)) }
            }
        }
        return s
    }

    /// Table I (n = 2): each worker's utility for σe/σt/σf against σe/σt/σf, from the clauses.
    public static func tableI(reward: Int64, deposit: Int64, cost: Int64) throws(IncentiveError) -> [TableICell] {
        guard cost >= 0 else { throw .negativeCost(cost) }
        func outcome(_ s: TwoWorkerStrategy, worker: Int) -> WorkerOutcome {
            switch s {
            case .e: return .didNotCommit
            case .t: return .revealed(resultID: trueResultID)
            case .f: return .revealed(resultID: "junk-of-W\(worker)")
            }
        }
        var cells: [TableICell] = []
        for a in TwoWorkerStrategy.allCases {
            for b in TwoWorkerStrategy.allCases {
                let s = try Clauses.settle(reward: reward, deposit: deposit,
                                           outcomes: [outcome(a, worker: 1), outcome(b, worker: 2)])
                var ui = try checkedSub(s.workers[0].amount, deposit, "W_i's utility")
                var uj = try checkedSub(s.workers[1].amount, deposit, "W_j's utility")
                if a == .t { ui = try checkedSub(ui, cost, "W_i's utility") }
                if b == .t { uj = try checkedSub(uj, cost, "W_j's utility") }
                cells.append(TableICell(row: a, column: b, rowUtility: ui, columnUtility: uj))
            }
        }
        return cells
    }

    // MARK: - The analysis

    /// Tables I and II, IEWDS, survivors, resilience and notes for n workers, reward r, deposit d,
    /// and computing cost c. Throws for n < 2, n > `maxWorkers`, negative amounts, or overflow.
    public static func analyze(workers: Int, reward: Int64, deposit: Int64, cost: Int64) throws(IncentiveError) -> MechanismReport {
        guard workers >= 2 else { throw .tooFewWorkers(workers) }
        guard workers <= maxWorkers else { throw .tooManyWorkers(workers, limit: maxWorkers) }
        guard reward >= 0 else { throw .negativeReward(reward) }
        guard deposit >= 0 else { throw .negativeDeposit(deposit) }
        guard cost >= 0 else { throw .negativeCost(cost) }
        let n = Int64(workers)
        _ = try checkedAdd(reward, try checkedMul(n, deposit, "n·d"), "r + n·d")

        let params = MechanismParameters(workers: n, reward: reward, deposit: deposit, cost: cost,
                                         rewardShare: reward / n, rewardRemainder: reward % n,
                                         halfRefund: deposit / 2, halfLoss: deposit - deposit / 2)

        let tableOne = workers == 2 ? try tableI(reward: reward, deposit: deposit, cost: cost) : []

        // Table II, through the clauses.
        var tables: [TableII] = []
        for k in 1..<n {
            let m = Int(n - k)
            let outside = Situation.allCases.map { representativeOutside($0, outsideWorkers: m) }
            var rows: [TableIIRow] = []
            for s in strategies(coalitionSize: k) {
                var u: [Int64] = []
                for o in outside {
                    u.append(try coalitionUtility(strategy: s, outside: o, reward: reward, deposit: deposit, cost: cost))
                }
                rows.append(TableIIRow(strategy: s, situationI: u[0], situationII: u[1], situationIII: u[2]))
            }
            tables.append(TableII(coalitionSize: k, outsideWorkers: n - k, rows: rows))
        }

        let (rounds, remaining, alive) = iewds(tables: tables, workers: workers)

        var survivors: [SurvivorSet] = []
        for (ki, table) in tables.enumerated() {
            let kept = table.rows.indices.filter { remaining[ki][$0] }.map { table.rows[$0].strategy }
            let sits = Situation.allCases.filter { alive[ki][$0.index] }
            survivors.append(SurvivorSet(coalitionSize: table.coalitionSize, strategies: kept, situations: sits,
                                         onlyAllTrue: kept.count == 1 && kept[0].isAllTrue))
        }

        // Resilience: σ2 against every other strategy in Situation III.
        var checks: [ResilienceCheck] = []
        for table in tables {
            guard let allTrue = table.rows.first(where: { $0.strategy.isAllTrue }) else { continue }
            var best: TableIIRow? = nil
            for row in table.rows where !row.strategy.isAllTrue {
                if best == nil || row.situationIII > best!.situationIII { best = row }
            }
            guard let b = best else { continue }
            let gain = try checkedSub(b.situationIII, allTrue.situationIII, "a deviation's gain")
            checks.append(ResilienceCheck(coalitionSize: table.coalitionSize, allTrueUtility: allTrue.situationIII,
                                          bestDeviation: b.strategy, bestDeviationUtility: b.situationIII,
                                          gain: gain, resilient: gain <= 0))
        }

        // The coalition of all n workers, which the mechanism does not cover.
        let allJunk = try Clauses.settle(reward: reward, deposit: deposit,
                                         outcomes: Array(repeating: .revealed(resultID: coalitionJunkID), count: workers))
        var fullJunk: Int64 = 0
        for w in allJunk.workers {
            fullJunk = try checkedAdd(fullJunk, try checkedSub(w.amount, deposit, "net gain"), "the full coalition's utility")
        }
        let fullTruth = try checkedSub(fullJunk, try checkedMul(n, cost, "n·c"), "the full coalition's utility")

        let verdicts = MechanismVerdicts(
            allTrueOnlySurvivor: survivors.allSatisfy { $0.onlyAllTrue },
            allTrueSurvives: survivors.allSatisfy { $0.strategies.contains(where: { $0.isAllTrue }) },
            allTrueResilient: checks.allSatisfy { $0.resilient },
            allTrueStrictlyResilient: checks.allSatisfy { $0.gain < 0 },
            equilibriumCostLimit: try checkedAdd(params.rewardShare, params.halfLoss, "floor(r/n) + ceil(d/2)"),
            fullCoalitionJunkUtility: fullJunk,
            fullCoalitionTruthUtility: fullTruth,
            resilience: checks)

        let notes = makeNotes(params: params, tables: tables, rounds: rounds, survivors: survivors, verdicts: verdicts)
        return MechanismReport(parameters: params, tableI: tableOne, tableII: tables, rounds: rounds,
                               survivors: survivors, verdicts: verdicts, notes: notes)
    }

    // MARK: - IEWDS

    /// Runs the procedure described at the top of this file. Returns the rounds, and per k the
    /// remaining-strategy mask (by row index) and the alive-situation mask (by Situation.index).
    static func iewds(tables: [TableII], workers: Int) -> ([IEWDSRound], [[Bool]], [[Bool]]) {
        let utilities: [[[Int64]]] = tables.map { t in t.rows.map { [$0.situationI, $0.situationII, $0.situationIII] } }
        var remaining: [[Bool]] = tables.map { Array(repeating: true, count: $0.rows.count) }
        var alive: [[Bool]] = reachableSituations(tables: tables, remaining: remaining, workers: workers)
        var rounds: [IEWDSRound] = []

        while true {
            var kind = DominanceKind.strict
            var found = tables.indices.map { dominated(utilities[$0], remaining[$0], alive[$0], kind) }
            if found.allSatisfy({ $0.isEmpty }) {
                kind = .weak
                found = tables.indices.map { dominated(utilities[$0], remaining[$0], alive[$0], kind) }
            }
            if found.allSatisfy({ $0.isEmpty }) { break }

            var deletions: [Deletion] = []
            for (ki, list) in found.enumerated() {
                for (i, j) in list {
                    deletions.append(Deletion(strategy: tables[ki].rows[i].strategy,
                                              dominatedBy: tables[ki].rows[j].strategy, kind: kind))
                    remaining[ki][i] = false
                }
            }
            let newAlive = reachableSituations(tables: tables, remaining: remaining, workers: workers)
            var removals: [SituationRemoval] = []
            for ki in tables.indices {
                let m = tables[ki].outsideWorkers
                for s in Situation.allCases where alive[ki][s.index] && !newAlive[ki][s.index] {
                    removals.append(SituationRemoval(coalitionSize: tables[ki].coalitionSize, situation: s,
                                                     reason: removalReason(s, outside: m)))
                }
            }
            alive = newAlive
            rounds.append(IEWDSRound(number: Int64(rounds.count + 1), kind: kind,
                                     deletions: deletions, situationsRemoved: removals))
        }
        return (rounds, remaining, alive)
    }

    private static func removalReason(_ s: Situation, outside m: Int64) -> String {
        switch s {
        case .I:
            return "no remaining strategy of any group of at most \(m) outside worker(s) has a silent member (l > 0)"
        case .II:
            return "no split of the \(m) outside worker(s) into groups playing remaining strategies has junk (q > 0) without a silent member"
        case .III:
            return "no split of the \(m) outside worker(s) into groups playing remaining strategies has every outside worker send the true result"
        }
    }

    /// Pairs (deleted row, dominating row) for one coalition size. The dominating row is the first
    /// (in table order) remaining row that dominates and is not itself dominated in this round.
    static func dominated(_ u: [[Int64]], _ remaining: [Bool], _ alive: [Bool], _ kind: DominanceKind) -> [(Int, Int)] {
        let sits = (0..<3).filter { alive[$0] }
        // Dominance depends only on the utility vector over the alive situations: deduplicate.
        var vectors: [[Int64]] = []
        var firstRow: [Int] = []
        var classOf = Array(repeating: -1, count: u.count)
        var index: [[Int64]: Int] = [:]
        for i in u.indices where remaining[i] {
            let v = sits.map { u[i][$0] }
            if let c = index[v] { classOf[i] = c } else {
                index[v] = vectors.count
                classOf[i] = vectors.count
                vectors.append(v)
                firstRow.append(i)
            }
        }
        func dominates(_ a: [Int64], _ b: [Int64]) -> Bool {
            var better = false
            for x in a.indices {
                if kind == .strict {
                    if a[x] <= b[x] { return false }
                } else {
                    if a[x] < b[x] { return false }
                    if a[x] > b[x] { better = true }
                }
            }
            return kind == .strict ? true : better
        }
        // Candidates in decreasing order of total utility find a dominator quickly.
        let order = vectors.indices.sorted { a, b in
            let sa = vectors[a].reduce(0.0) { $0 + Double($1) }, sb = vectors[b].reduce(0.0) { $0 + Double($1) }
            return sa != sb ? sa > sb : firstRow[a] < firstRow[b]
        }
        var isDominated = Array(repeating: false, count: vectors.count)
        for c in vectors.indices {
            for d in order where d != c {
                if dominates(vectors[d], vectors[c]) { isDominated[c] = true; break }
            }
        }
        // Undominated classes in table order, for choosing a stable dominator.
        let undominated = vectors.indices.filter { !isDominated[$0] }.sorted { firstRow[$0] < firstRow[$1] }
        var dominatorOf = Array(repeating: -1, count: vectors.count)
        for c in vectors.indices where isDominated[c] {
            if let d = undominated.first(where: { dominates(vectors[$0], vectors[c]) }) {
                dominatorOf[c] = firstRow[d]
            } else if let d = order.first(where: { $0 != c && dominates(vectors[$0], vectors[c]) }) {
                dominatorOf[c] = firstRow[d]   // unreachable: dominance is a strict partial order
            }
        }
        var result: [(Int, Int)] = []
        for i in u.indices where remaining[i] && isDominated[classOf[i]] {
            result.append((i, dominatorOf[classOf[i]]))
        }
        return result
    }

    /// Per k, which situations the n−k outside workers can still produce, splitting them into
    /// groups (of any sizes summing to n−k) that each play a remaining strategy of their size.
    static func reachableSituations(tables: [TableII], remaining: [[Bool]], workers: Int) -> [[Bool]] {
        // flags: bit 0 = some member silent (l > 0), bit 1 = some member sends junk (q > 0).
        // masks: a 4-bit set of reachable flag values.
        let n = workers
        var groupFlags = Array(repeating: 0, count: n)   // index j = group size (1…n−1)
        for table in tables {
            let j = Int(table.coalitionSize)
            for (i, row) in table.rows.enumerated() where remaining[j - 1][i] {
                let f = (row.strategy.l > 0 ? 1 : 0) | (row.strategy.q > 0 ? 2 : 0)
                groupFlags[j] |= 1 << f
            }
        }
        var reach = Array(repeating: 0, count: n)
        reach[0] = 1 << 0
        if n > 1 {
            for m in 1..<n {
                var mask = 0
                for j in 1...m {
                    for f in 0..<4 where groupFlags[j] & (1 << f) != 0 {
                        for g in 0..<4 where reach[m - j] & (1 << g) != 0 { mask |= 1 << (f | g) }
                    }
                }
                reach[m] = mask
            }
        }
        return tables.map { table in
            let r = reach[Int(table.outsideWorkers)]
            return [
                r & ((1 << 1) | (1 << 3)) != 0,   // I: some silent member
                r & (1 << 2) != 0,                // II: junk, no silence
                r & (1 << 0) != 0,                // III: neither
            ]
        }
    }

    // MARK: - Notes (prose generated from the computed results)

    static func makeNotes(params: MechanismParameters, tables: [TableII], rounds: [IEWDSRound],
                          survivors: [SurvivorSet], verdicts: MechanismVerdicts) -> [String] {
        let n = params.workers, r = params.reward, d = params.deposit, c = params.cost
        let share = params.rewardShare, loss = params.halfLoss
        var notes: [String] = []

        notes.append("Utility = net balance change (amount received back from escrow minus the deposit d), minus c for every member that computed the true result; a coalition's utility is the sum over its members (p·c for p truthful members, each computing on its own).")
        notes.append("Rounding: a half refund returns floor(d/2) = \(params.halfRefund), so the worker loses ceil(d/2) = \(loss); agreement pays floor(r/n) = \(share) to each worker and returns r mod n = \(params.rewardRemainder) to the requester.")
        notes.append("Erratum: the paper's printed Table II gives σ2 the value kr/n under Situation II and −kd/2 under Situation III; its clauses give the reverse (a junk-sending outsider makes the results differ, so truthful members get a half refund), and this tool reports the clause-derived values.")

        // Per-family fate.
        for family in StrategyFamily.allCases {
            var deleted: [String] = []
            var seenRounds: [String] = []
            for round in rounds {
                let hits = round.deletions.filter { $0.strategy.family == family }
                if !hits.isEmpty {
                    deleted.append(contentsOf: hits.map { $0.strategy.label })
                    seenRounds.append("round \(round.number) (\(round.kind.rawValue))")
                }
            }
            let survivingSizes = survivors.filter { s in s.strategies.contains { $0.family == family } }.map { String($0.coalitionSize) }
            let exists = tables.contains { t in t.rows.contains { $0.strategy.family == family } }
            if !exists { continue }
            var line = "\(family.symbol): "
            if survivingSizes.isEmpty {
                line += "every member deleted, in " + seenRounds.joined(separator: ", ")
            } else if seenRounds.isEmpty {
                line += "never deleted; survives for k = " + survivingSizes.joined(separator: ", ")
            } else {
                line += "members deleted in " + seenRounds.joined(separator: ", ") + "; survives for k = " + survivingSizes.joined(separator: ", ")
            }
            notes.append(line + ".")
        }

        if verdicts.allTrueOnlySurvivor {
            notes.append("IEWDS verdict: for every coalition size k = 1…\(n - 1) the only surviving strategy is all-true (p = k): for these parameters the mechanism is a \(n - 1)-resilient practical mechanism (it tolerates every coalition of up to n − 1 workers).")
        } else {
            let parts = survivors.map { s in "k=\(s.coalitionSize): " + familySummary(s.strategies) }
            notes.append("IEWDS verdict: all-true is NOT the only survivor (" + (verdicts.allTrueSurvives ? "it survives, alongside others" : "it is itself eliminated") + "). Survivors: " + parts.joined(separator: "; ") + ".")
        }

        let limit = verdicts.equilibriumCostLimit
        if verdicts.allTrueResilient {
            let strictness = verdicts.allTrueStrictlyResilient ? "every deviation strictly loses" : "some deviation does exactly as well (weak equilibrium)"
            notes.append("Resilience: all-true is an equilibrium that no coalition of size 1…\(n - 1) gains by leaving (Situation III); \(strictness). Closed form: all-true is resilient iff floor(r/n) − c ≥ −ceil(d/2), i.e. c ≤ floor(r/n) + ceil(d/2) = \(limit); here c = \(c).")
        } else {
            let gainers = verdicts.resilience.filter { !$0.resilient }.map { ch in
                "k=\(ch.coalitionSize): \(ch.bestDeviation.label) earns \(ch.bestDeviationUtility) against \(ch.allTrueUtility) for all-true (gain \(ch.gain))"
            }
            notes.append("Resilience: all-true is NOT an equilibrium: c = \(c) > floor(r/n) + ceil(d/2) = \(limit), so computing costs more than the reward share plus the half deposit it saves. Gaining deviations in Situation III: " + gainers.joined(separator: "; ") + ".")
        }

        if c > 0 {
            let junkSurvives = survivors.allSatisfy { s in s.strategies.contains { $0.family == .sigma3 } }
            notes.append("Cost c = \(c) > 0: a truthful member pays c even when its result is wasted, so in Situations I and II truth earns −ceil(d/2) − c = \(-loss - c) per member against −ceil(d/2) = \(-loss) for shared junk: shared junk (σ3) is no longer weakly dominated by the truth" + (junkSurvives ? ", and it survives IEWDS for every k." : ".") + " Truth stays an equilibrium iff floor(r/n) − c ≥ −ceil(d/2) (c ≤ \(limit)); above that, shared junk strictly dominates it.")
        } else {
            notes.append("Cost c = 0 (the paper assumes r ≫ c and drops it). With c > 0 a truthful member pays c even when its result is wasted (Situations I and II), so shared junk is no longer weakly dominated by the truth; all-true stays an equilibrium iff c ≤ floor(r/n) + ceil(d/2) = \(limit).")
        }

        if d == 0 {
            notes.append("Deposit d = 0: nothing is at stake, silence and junk cost nothing, so silence (σ1) is no longer strictly dominated; it can only be removed by weak dominance when floor(r/n) − c > 0 makes truth better in Situation III. Survivors: " + survivors.map { "k=\($0.coalitionSize): " + familySummary($0.strategies) }.joined(separator: "; ") + ".")
        } else if loss == d {
            notes.append("Deposit d = \(d): a half refund returns floor(d/2) = 0, so revealing and being silent lose the same d outside Situation III: silence is not strictly dominated (it ties with shared junk there).")
        } else {
            notes.append("Deposit d = \(d) ≥ 2: a silent member loses d = \(d), more than the ceil(d/2) = \(loss) a revealing member loses, so every strategy with l > 0 is strictly dominated by sending the shared junk instead.")
        }

        notes.append("Not covered: a coalition of all n = \(n) workers. If all reveal the same junk the clauses see agreement and pay each floor(r/n) = \(share) net without computing (\(verdicts.fullCoalitionJunkUtility) in total, against \(verdicts.fullCoalitionTruthUtility) for computing honestly): no one is outside to disagree. Only recomputation by an auditor (crowdledger verify --recompute, for built-in programs) catches it.")
        notes.append("Assumed, as in the paper: the output space is large and the true result unpredictable, so outsiders cannot hit a coalition's junk and independent junks never coincide; results in E_ck count as submitting nothing. Reward r = \(r) is escrowed by the requester and returned in full unless all n agree.")
        return notes
    }

    /// "σ2(p=2,q=0,l=0), σ3(p=0,q=2,l=0)" for short lists, a per-family count otherwise.
    static func familySummary(_ strategies: [CoalitionStrategy]) -> String {
        if strategies.count <= 4 { return strategies.map { $0.label }.joined(separator: ", ") }
        var parts: [String] = []
        for family in StrategyFamily.allCases {
            let count = strategies.filter { $0.family == family }.count
            if count > 0 { parts.append(count == 1 ? family.symbol : "\(family.symbol) (\(count) members)") }
        }
        return parts.joined(separator: ", ")
    }
}
