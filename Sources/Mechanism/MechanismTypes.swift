public import Incentives
// The data model of the mechanism analysis (paper Section VI, Tables I and II, IEWDS).
//
// Every field is an Int64, a String, a Bool, a String-backed enum, an array, or a struct of these,
// so `crowdledger mechanism --json` maps them 1:1 onto canonical JSON: field names become keys,
// enums are written as their `rawValue`, arrays keep their order. No optionals, no floats.

/// The situation the workers outside a coalition C are in (paper Section VI).
public enum Situation: String, Hashable, Sendable, CaseIterable {
    /// At least one outside worker submits nothing (no commit, no reveal, wrong opening, or a
    /// result in E_ck).
    case I = "I"
    /// No outside worker is silent, and at least one submits junk outside E_ck (unknown to C,
    /// hence different from C's junk).
    case II = "II"
    /// Every outside worker sends the true result.
    case III = "III"

    var index: Int {
        switch self {
        case .I: return 0
        case .II: return 1
        case .III: return 2
        }
    }
}

/// The paper's families of coalition strategies σ1…σ7.
public enum StrategyFamily: String, Hashable, Sendable, CaseIterable {
    /// σ1 (0,0,k): every member submits nothing.
    case sigma1
    /// σ2 (k,0,0): every member sends the true result ("all-true").
    case sigma2
    /// σ3 (0,k,0): every member sends the same pre-agreed junk.
    case sigma3
    /// σ4 (p,0,l), p,l ≥ 1: truth and silence.
    case sigma4
    /// σ5 (0,q,l), q,l ≥ 1: junk and silence.
    case sigma5
    /// σ6 (p,q,0), p,q ≥ 1: truth and junk.
    case sigma6
    /// σ7 (p,q,l), p,q,l ≥ 1: all three.
    case sigma7

    /// "σ1" … "σ7", for text output.
    public var symbol: String {
        switch self {
        case .sigma1: return "σ1"
        case .sigma2: return "σ2"
        case .sigma3: return "σ3"
        case .sigma4: return "σ4"
        case .sigma5: return "σ5"
        case .sigma6: return "σ6"
        case .sigma7: return "σ7"
        }
    }
}

/// A pure strategy of a coalition of `size` = k = p + q + l workers.
public struct CoalitionStrategy: Hashable, Sendable {
    /// k, the coalition size.
    public let size: Int64
    /// Members that compute and send the true result.
    public let p: Int64
    /// Members that send the coalition's shared junk (a result outside E_ck, not the truth).
    public let q: Int64
    /// Members that submit nothing (or a result in E_ck).
    public let l: Int64
    /// Which of σ1…σ7 this strategy belongs to (determined by which of p, q, l are positive).
    public let family: StrategyFamily

    /// Throws unless p, q, l ≥ 0 and k = p + q + l ≥ 1 fits in Int64.
    public init(p: Int64, q: Int64, l: Int64) throws(IncentiveError) {
        guard p >= 0, q >= 0, l >= 0 else { throw .invalidArgument("p, q, l must not be negative") }
        let k = try checkedAdd(try checkedAdd(p, q, "p + q"), l, "p + q + l")
        guard k >= 1 else { throw .invalidArgument("a coalition has at least one member") }
        self.init(unchecked: p, q, l, size: k)
    }

    init(unchecked p: Int64, _ q: Int64, _ l: Int64, size: Int64) {
        self.size = size
        self.p = p
        self.q = q
        self.l = l
        if p == 0 && q == 0 { family = .sigma1 }
        else if q == 0 && l == 0 { family = .sigma2 }
        else if p == 0 && l == 0 { family = .sigma3 }
        else if q == 0 { family = .sigma4 }
        else if p == 0 { family = .sigma5 }
        else if l == 0 { family = .sigma6 }
        else { family = .sigma7 }
    }

    /// True for σ2, "every member sends the true result".
    public var isAllTrue: Bool { q == 0 && l == 0 }

    /// "σ4(p=1,q=0,l=2)".
    public var label: String { "\(family.symbol)(p=\(p),q=\(q),l=\(l))" }
}

/// The three pure strategies of a single worker in the two-worker game (paper Section IV).
public enum TwoWorkerStrategy: String, Hashable, Sendable, CaseIterable {
    /// σe: submit nothing (no commit, no reveal, or a result in E_ck).
    case e
    /// σt: reveal the true result.
    case t
    /// σf: reveal false junk outside E_ck (the two workers' junks differ).
    case f

    /// "σe", "σt", "σf".
    public var symbol: String { "σ" + rawValue }
}

/// One cell of Table I: W_i plays `row`, W_j plays `column`.
public struct TableICell: Hashable, Sendable {
    public let row: TwoWorkerStrategy
    public let column: TwoWorkerStrategy
    /// Utility of W_i (the row player).
    public let rowUtility: Int64
    /// Utility of W_j (the column player).
    public let columnUtility: Int64
}

/// One row of Table II: a coalition strategy and the coalition's utility in each situation.
public struct TableIIRow: Hashable, Sendable {
    public let strategy: CoalitionStrategy
    public let situationI: Int64
    public let situationII: Int64
    public let situationIII: Int64

    public func utility(in situation: Situation) -> Int64 {
        switch situation {
        case .I: return situationI
        case .II: return situationII
        case .III: return situationIII
        }
    }
}

/// Table II for one coalition size k: every (p,q,l) with p+q+l = k, in the order
/// σ1, σ2, σ3, then σ4 (p ascending), σ5 (q ascending), σ6 (p ascending), σ7 (p, then q ascending).
public struct TableII: Hashable, Sendable {
    /// k.
    public let coalitionSize: Int64
    /// n − k.
    public let outsideWorkers: Int64
    public let rows: [TableIIRow]
}

/// Strict: better in every remaining situation. Weak: no worse in every remaining situation and
/// better in at least one.
public enum DominanceKind: String, Hashable, Sendable, CaseIterable {
    case strict
    case weak
}

/// One strategy deleted in an IEWDS round.
public struct Deletion: Hashable, Sendable {
    /// The deleted strategy (its `size` is the coalition size k).
    public let strategy: CoalitionStrategy
    /// A remaining strategy of the same size that dominates it (one not itself deleted in the round).
    public let dominatedBy: CoalitionStrategy
    public let kind: DominanceKind
}

/// A situation that became impossible for coalitions of one size after a round.
public struct SituationRemoval: Hashable, Sendable {
    public let coalitionSize: Int64
    public let situation: Situation
    public let reason: String
}

/// One IEWDS round (only rounds that deleted something are recorded).
public struct IEWDSRound: Hashable, Sendable {
    /// 1, 2, …
    public let number: Int64
    /// Strict if any coalition size had a strictly dominated strategy, else weak.
    public let kind: DominanceKind
    /// Every deletion of the round, by coalition size then strategy order.
    public let deletions: [Deletion]
    /// Situations that became unreachable after the round's deletions.
    public let situationsRemoved: [SituationRemoval]
}

/// What is left for one coalition size when IEWDS stops.
public struct SurvivorSet: Hashable, Sendable {
    public let coalitionSize: Int64
    public let strategies: [CoalitionStrategy]
    /// Situations still reachable.
    public let situations: [Situation]
    /// True when the only survivor is σ2 (p = k).
    public let onlyAllTrue: Bool
}

/// Is all-true a best response for a coalition of this size when everyone else sends the truth
/// (Situation III)? Compares p = k against every other strategy of that size.
public struct ResilienceCheck: Hashable, Sendable {
    public let coalitionSize: Int64
    /// Coalition utility of σ2 in Situation III: k·(floor(r/n) − c).
    public let allTrueUtility: Int64
    /// The best other strategy in Situation III (first in table order on ties).
    public let bestDeviation: CoalitionStrategy
    public let bestDeviationUtility: Int64
    /// bestDeviationUtility − allTrueUtility; positive means the coalition gains by deviating.
    public let gain: Int64
    /// gain ≤ 0.
    public let resilient: Bool
}

/// The verdicts, all computed from the tables.
public struct MechanismVerdicts: Hashable, Sendable {
    /// IEWDS leaves exactly σ2 for every coalition size k = 1…n−1.
    public let allTrueOnlySurvivor: Bool
    /// σ2 is among the survivors for every k.
    public let allTrueSurvives: Bool
    /// No coalition of size 1…n−1 gains by leaving all-true (every `resilience` check passes).
    public let allTrueResilient: Bool
    /// Every deviation of every coalition of size 1…n−1 strictly loses.
    public let allTrueStrictlyResilient: Bool
    /// floor(r/n) + ceil(d/2): all-true is resilient iff c ≤ this (closed form; agrees with
    /// `allTrueResilient`).
    public let equilibriumCostLimit: Int64
    /// Total net gain of a coalition of all n workers revealing the same junk (not covered by
    /// the mechanism): n·floor(r/n).
    public let fullCoalitionJunkUtility: Int64
    /// The same coalition computing honestly: n·floor(r/n) − n·c.
    public let fullCoalitionTruthUtility: Int64
    /// One check per k = 1…n−1.
    public let resilience: [ResilienceCheck]
}

/// The parameters and the derived integer quantities.
public struct MechanismParameters: Hashable, Sendable {
    /// n.
    public let workers: Int64
    /// r.
    public let reward: Int64
    /// d.
    public let deposit: Int64
    /// c, each truthful worker's cost of computing the true result.
    public let cost: Int64
    /// floor(r/n), each worker's share on agreement.
    public let rewardShare: Int64
    /// r mod n, returned to the requester on agreement.
    public let rewardRemainder: Int64
    /// floor(d/2), returned on a half refund.
    public let halfRefund: Int64
    /// d − floor(d/2) = ceil(d/2), lost on a half refund.
    public let halfLoss: Int64
}

/// The whole analysis for one parameter set.
public struct MechanismReport: Hashable, Sendable {
    public let parameters: MechanismParameters
    /// Table I (9 cells, row-major in the order σe, σt, σf) when n = 2; empty otherwise.
    public let tableI: [TableICell]
    /// Table II for k = 1…n−1.
    public let tableII: [TableII]
    /// The IEWDS rounds that deleted something, in order.
    public let rounds: [IEWDSRound]
    /// Survivors for k = 1…n−1.
    public let survivors: [SurvivorSet]
    public let verdicts: MechanismVerdicts
    /// Prose: the verdicts, what c > 0 and d = 0 change, what the mechanism does not cover.
    public let notes: [String]

    /// Same as `Mechanism.analyze`.
    public static func analyze(workers: Int, reward: Int64, deposit: Int64, cost: Int64) throws(IncentiveError) -> MechanismReport {
        try Mechanism.analyze(workers: workers, reward: reward, deposit: deposit, cost: cost)
    }
}
