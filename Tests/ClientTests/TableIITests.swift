import Testing
import Incentives
import Mechanism

/// Paper, Section VI, Table II (n workers, a coalition C of size k ≤ n − 1), played on real
/// ledgers for n = 3 and n = 4: every k, every (p, q, l) of σ1…σ7, several outside profiles of
/// each situation. The coalition's utility is the sum of its members' net balance changes.
@Suite("Table II on real ledgers")
struct TableIITests {
    static let r: Int64 = 60      // divisible by 3 and 4
    static let d: Int64 = 10      // even

    /// The paper's formulas (σ2 with the erratum: kr/n in Situation III, not II).
    static func paper(_ s: CoalitionStrategy, _ situation: Situation, n: Int64) -> Int64 {
        let r = Self.r, d = Self.d, k = s.size, p = s.p, q = s.q, l = s.l
        switch s.family {
        case .sigma1: return -k * d
        case .sigma2: return situation == .III ? k * r / n : -k * d / 2
        case .sigma3: return -k * d / 2
        case .sigma4: return -p * d / 2 - l * d
        case .sigma5: return -q * d / 2 - l * d
        case .sigma6: return -(p + q) * d / 2
        case .sigma7: return -(p + q) * d / 2 - l * d
        }
    }

    /// Outside profiles (m outsiders) that put the coalition in `situation`. I: at least one
    /// outsider silent (in any of the four ways); II: none silent, some junk (never the
    /// coalition's); III: all true.
    static func outsideProfiles(_ situation: Situation, m: Int, variant: Int) -> [[Strategy]] {
        let truth = [Strategy](repeating: .truth, count: m)
        var profiles: [[Strategy]] = []
        switch situation {
        case .I:
            var p = truth; p[0] = .silence(variant); profiles.append(p)
            if m >= 2 {
                var q = truth; q[0] = .silence(variant + 1); q[1] = .junk("outside-1"); profiles.append(q)
                profiles.append((0..<m).map { .silence(variant + 2 + $0) })
            }
        case .II:
            var p = truth; p[0] = .junk("outside-1"); profiles.append(p)
            if m >= 2 {
                profiles.append((0..<m).map { .junk("outside-\($0)") })       // all different junk
                profiles.append([Strategy](repeating: .junk("outside-shared"), count: m))  // outsiders agree on junk
            }
        case .III:
            profiles.append(truth)
        }
        return profiles
    }

    @Test("every coalition size, every (p,q,l), every situation", arguments: [3, 4])
    func tableII(n: Int) throws {
        let report = try Mechanism.analyze(workers: n, reward: Self.r, deposit: Self.d, cost: 0)
        var played = 0
        for k in 1..<n {
            let strategies = Mechanism.strategies(coalitionSize: Int64(k))
            // All (p, q, l) with p + q + l = k, each once.
            #expect(strategies.count == (k + 1) * (k + 2) / 2)
            #expect(Set(strategies.map { [$0.p, $0.q, $0.l] }).count == strategies.count)
            let table = try #require(report.tableII.first { $0.coalitionSize == Int64(k) })
            for (index, s) in strategies.enumerated() {
                let row = try #require(table.rows.first { $0.strategy == s })
                // The coalition's members: p truth, q the shared junk, l silent (four ways, cycled).
                var members = [Strategy](repeating: .truth, count: Int(s.p))
                members += [Strategy](repeating: .junk("coalition"), count: Int(s.q))
                members += (0..<Int(s.l)).map { Strategy.silence(index + $0) }
                for situation in Situation.allCases {
                    let expected = Self.paper(s, situation, n: Int64(n))
                    #expect(row.utility(in: situation) == expected, "Mechanism: n=\(n) \(s.label) \(situation)")
                    for outside in Self.outsideProfiles(situation, m: n - k, variant: index) {
                        // Place the coalition at a rotating position among the n workers.
                        let offset = (index + k) % n
                        var all = [Strategy](repeating: .truth, count: n)
                        var memberSlots: [Int] = []
                        for j in 0..<n {
                            let slot = (offset + j) % n
                            if j < k { all[slot] = members[j]; memberSlots.append(slot) } else { all[slot] = outside[j - k] }
                        }
                        let h = try ProtocolHarness(workers: n)
                        let result = try h.play(reward: Self.r, deposit: Self.d, strategies: all)
                        let utility = memberSlots.reduce(Int64(0)) { $0 + result.workerNets[$1] }
                        #expect(utility == expected,
                                "n=\(n) k=\(k) \(s.label) situation \(situation): workers \(all) nets \(result.workerNets)")
                        #expect(utility == row.utility(in: situation))
                        // Nothing is created or lost: what the workers and requester lost, burned.
                        #expect(result.workerNets.reduce(0, +) + result.requesterNet + result.burned == 0)
                        played += 1
                    }
                }
            }
        }
        #expect(played > 0)
    }
}
