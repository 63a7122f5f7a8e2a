import Testing
@testable import Mechanism
import Incentives

@Suite("Tables I and II, computed through the clauses")
struct TablesTests {
    @Test("Table I, r = 10, d = 4: the paper's nine cells")
    func tableI() throws {
        let r: Int64 = 10, d: Int64 = 4
        let cells = try Mechanism.tableI(reward: r, deposit: d, cost: 0)
        func cell(_ a: TwoWorkerStrategy, _ b: TwoWorkerStrategy) -> (Int64, Int64)? {
            cells.first { $0.row == a && $0.column == b }.map { ($0.rowUtility, $0.columnUtility) }
        }
        #expect(cells.count == 9)
        // Paper, Table I (rows W_i, columns W_j).
        let expected: [(TwoWorkerStrategy, TwoWorkerStrategy, Int64, Int64)] = [
            (.e, .e, -d, -d), (.e, .t, -d, -d / 2), (.e, .f, -d, -d / 2),
            (.t, .e, -d / 2, -d), (.t, .t, r / 2, r / 2), (.t, .f, -d / 2, -d / 2),
            (.f, .e, -d / 2, -d), (.f, .t, -d / 2, -d / 2), (.f, .f, -d / 2, -d / 2),
        ]
        for (a, b, ui, uj) in expected {
            let got = cell(a, b)
            #expect(got?.0 == ui && got?.1 == uj, "cell (\(a.symbol), \(b.symbol)) = \(String(describing: got))")
        }
        // Concretely: (σt,σt) = (5, 5), (σe,σt) = (−4, −2).
        #expect(cell(.t, .t)! == (5, 5))
        #expect(cell(.e, .t)! == (-4, -2))
        // The report carries Table I only for n = 2.
        #expect(try Mechanism.analyze(workers: 2, reward: r, deposit: d, cost: 0).tableI == cells)
        #expect(try Mechanism.analyze(workers: 3, reward: r, deposit: d, cost: 0).tableI.isEmpty)
    }

    @Test("Table I with a cost: only σt cells pay c")
    func tableIWithCost() throws {
        let cells = try Mechanism.tableI(reward: 10, deposit: 4, cost: 3)
        let tt = cells.first { $0.row == .t && $0.column == .t }!
        #expect(tt.rowUtility == 2 && tt.columnUtility == 2)
        let tf = cells.first { $0.row == .t && $0.column == .f }!
        #expect(tf.rowUtility == -5 && tf.columnUtility == -2)
        let ee = cells.first { $0.row == .e && $0.column == .e }!
        #expect(ee.rowUtility == -4 && ee.columnUtility == -4)
    }

    /// The paper's symbolic Table II (r divisible by n, d even), minus p·c for the computing cost.
    /// Erratum: the printed table puts kr/n for σ2 under Situation II and −kd/2 under III; the
    /// clauses give −kd/2 under II (an outsider's junk makes the results differ) and kr/n under III.
    private func paperFormula(_ s: CoalitionStrategy, _ situation: Situation, n: Int64, r: Int64, d: Int64, c: Int64) -> Int64 {
        let k = s.size, p = s.p, q = s.q, l = s.l
        let base: Int64
        switch s.family {
        case .sigma1: base = -k * d
        case .sigma2: base = situation == .III ? k * r / n : -k * d / 2
        case .sigma3: base = -k * d / 2
        case .sigma4: base = -p * d / 2 - l * d
        case .sigma5: base = -q * d / 2 - l * d
        case .sigma6: base = -(p + q) * d / 2
        case .sigma7: base = -(p + q) * d / 2 - l * d
        }
        return base - p * c
    }

    @Test("Table II, n = 3 and 4, every k, row and situation equals the paper's formulas",
          arguments: [(Int64(3), Int64(0)), (3, 2), (4, 0), (4, 5)])
    func tableII(n: Int64, c: Int64) throws {
        let r: Int64 = 60, d: Int64 = 10   // r divisible by 3 and 4, d even
        let report = try Mechanism.analyze(workers: Int(n), reward: r, deposit: d, cost: c)
        #expect(report.tableII.map(\.coalitionSize) == Array(1..<n))
        for table in report.tableII {
            let k = table.coalitionSize
            #expect(table.outsideWorkers == n - k)
            #expect(table.rows.count == Int((k + 1) * (k + 2) / 2))
            for row in table.rows {
                for situation in Situation.allCases {
                    #expect(row.utility(in: situation) == paperFormula(row.strategy, situation, n: n, r: r, d: d, c: c),
                            "k=\(k) \(row.strategy.label) situation \(situation.rawValue)")
                }
            }
            // The erratum, explicitly: σ2 earns kr/n in III and −kd/2 in II.
            let allTrue = table.rows.first { $0.strategy.family == .sigma2 }!
            #expect(allTrue.situationIII == k * r / n - k * c)
            #expect(allTrue.situationII == -k * d / 2 - k * c)
        }
    }

    @Test("the strategy space is every (p,q,l) with p+q+l = k, each in its family")
    func strategySpace() throws {
        for k in Int64(1)...8 {
            let s = Mechanism.strategies(coalitionSize: k)
            #expect(s.count == Int((k + 1) * (k + 2) / 2))
            #expect(Set(s).count == s.count)
            for x in s {
                #expect(x.p + x.q + x.l == k && x.size == k)
                #expect(x == (try CoalitionStrategy(p: x.p, q: x.q, l: x.l)))
                switch x.family {
                case .sigma1: #expect(x.l == k)
                case .sigma2: #expect(x.p == k)
                case .sigma3: #expect(x.q == k)
                case .sigma4: #expect(x.p > 0 && x.l > 0 && x.q == 0)
                case .sigma5: #expect(x.q > 0 && x.l > 0 && x.p == 0)
                case .sigma6: #expect(x.p > 0 && x.q > 0 && x.l == 0)
                case .sigma7: #expect(x.p > 0 && x.q > 0 && x.l > 0)
                }
            }
        }
        #expect(throws: IncentiveError.self) { try CoalitionStrategy(p: 0, q: 0, l: 0) }
        #expect(throws: IncentiveError.self) { try CoalitionStrategy(p: -1, q: 2, l: 0) }
    }

    @Test("every outside profile of a situation gives the coalition the same utility as the representative",
          arguments: [(Int64(30), Int64(10), Int64(0)), (31, 9, 2), (7, 1, 5)])
    func situationsAreWellDefined(r: Int64, d: Int64, c: Int64) throws {
        // Outside alphabet: the four failures, the truth, two junks (one of them shared by several outsiders).
        let alphabet: [WorkerOutcome] = [.didNotCommit, .didNotReveal, .wrongOpening, .trivialResult,
                                         .revealed(resultID: Mechanism.trueResultID),
                                         .revealed(resultID: "junk-A"), .revealed(resultID: "junk-B")]
        var profilesChecked = 0
        for n in 2...5 {
            for k in 1..<n {
                let m = n - k
                let strategies = Mechanism.strategies(coalitionSize: Int64(k))
                var reference: [Situation: [Int64]] = [:]
                for situation in Situation.allCases {
                    let rep = Mechanism.representativeOutside(situation, outsideWorkers: m)
                    #expect(try Mechanism.situation(ofOutside: rep) == situation)
                    reference[situation] = try strategies.map {
                        try Mechanism.coalitionUtility(strategy: $0, outside: rep, reward: r, deposit: d, cost: c)
                    }
                }
                var seen = Set<Situation>()
                var code = Array(repeating: 0, count: m)
                repeat {
                    let outside = code.map { alphabet[$0] }
                    let situation = try Mechanism.situation(ofOutside: outside)
                    seen.insert(situation)
                    let utilities = try strategies.map {
                        try Mechanism.coalitionUtility(strategy: $0, outside: outside, reward: r, deposit: d, cost: c)
                    }
                    #expect(utilities == reference[situation], "n=\(n) k=\(k) outside \(outside)")
                    profilesChecked += 1
                } while increment(&code, base: alphabet.count)
                #expect(seen == Set(Situation.allCases))
            }
        }
        #expect(profilesChecked == (2...5).reduce(0) { acc, n in acc + (1..<n).reduce(0) { $0 + pow7(n - $1) } })
    }

    @Test("the coalition's junk is unknown outside; a coalition needs an outsider")
    func profileValidation() {
        #expect(throws: IncentiveError.self) {
            try Mechanism.situation(ofOutside: [.revealed(resultID: Mechanism.coalitionJunkID)])
        }
        #expect(throws: IncentiveError.self) { try Mechanism.situation(ofOutside: []) }
    }
}

private func increment(_ code: inout [Int], base: Int) -> Bool {
    for i in code.indices {
        code[i] += 1
        if code[i] < base { return true }
        code[i] = 0
    }
    return false
}

private func pow7(_ e: Int) -> Int { (0..<e).reduce(1) { acc, _ in acc * 7 } }
