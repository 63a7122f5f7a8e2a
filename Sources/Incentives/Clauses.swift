// The paper's incentive clauses (Section IV for n = 2, Section VI for n workers) as one pure,
// total, overflow-checked function over integer money. The contract (when it settles a task) and
// the auditor (when it replays one) both call `Clauses.settle`, so they cannot disagree.
//
// Every rounding rule is here and in docs/PROTOCOL.md ("Settlement clauses"):
//   - a half refund is `d / 2` rounded down; the worker so loses `d - d/2` (= ceil(d/2));
//   - a reward share is `r / n` rounded down; the remainder `r mod n` goes back to the requester;
//   - nothing is created or lost: Σ workers + requesterRefund + forfeited == r + n·d, exactly.

/// What one worker did in a task, as the contract sees it after the reveal phase.
public enum WorkerOutcome: Hashable, Sendable, Codable {
    /// Joined (deposited) but posted no commitment in the commit window.
    case didNotCommit
    /// Committed but did not open the commitment in the reveal window.
    case didNotReveal
    /// Posted an opening that does not match its commitment (counts as not revealing).
    case wrongOpening
    /// Revealed a result in the common-knowledge set E_ck of trivial outputs.
    case trivialResult
    /// A valid opening of a result that is not in E_ck; results are compared by `resultID` only
    /// (e.g. the hex digest of the result), by its exact Unicode scalars (UTF-8 bytes), never by
    /// Swift's `String ==`, which would merge canonically equivalent ids such as "\u{E9}" and
    /// "e\u{301}". `==` and `hash(into:)` of `WorkerOutcome` compare the same way.
    case revealed(resultID: String)

    public static func == (lhs: WorkerOutcome, rhs: WorkerOutcome) -> Bool {
        switch (lhs, rhs) {
        case (.didNotCommit, .didNotCommit), (.didNotReveal, .didNotReveal),
             (.wrongOpening, .wrongOpening), (.trivialResult, .trivialResult):
            return true
        case let (.revealed(a), .revealed(b)):
            return sameResultID(a, b)
        default:
            return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .didNotCommit: hasher.combine(0 as UInt8)
        case .didNotReveal: hasher.combine(1 as UInt8)
        case .wrongOpening: hasher.combine(2 as UInt8)
        case .trivialResult: hasher.combine(3 as UInt8)
        case .revealed(let id):
            hasher.combine(4 as UInt8)
            hasher.combine(id.utf8.count)
            for b in id.utf8 { hasher.combine(b) }
        }
    }

    /// True for the four outcomes the paper calls "failed to submit".
    public var isFailure: Bool {
        if case .revealed = self { return false }
        return true
    }

    /// The clause a failed worker is settled under; nil for `.revealed`.
    public var failureClause: Clause? {
        switch self {
        case .didNotCommit: return .failedNoCommit
        case .didNotReveal: return .failedNoReveal
        case .wrongOpening: return .failedWrongOpening
        case .trivialResult: return .failedTrivialResult
        case .revealed: return nil
        }
    }
}

/// The clause a payout was made under. The raw values are stable and written into the ledger.
public enum Clause: String, Sendable, CaseIterable {
    /// The worker posted no commitment: it receives 0 (loses its whole deposit).
    case failedNoCommit = "failed-no-commit"
    /// The worker did not open its commitment: it receives 0.
    case failedNoReveal = "failed-no-reveal"
    /// The worker's opening did not match its commitment: it receives 0.
    case failedWrongOpening = "failed-wrong-opening"
    /// The worker revealed a result in E_ck: it receives 0.
    case failedTrivialResult = "failed-trivial-result"
    /// The worker revealed a valid result but another worker failed: it receives `d / 2`.
    case halfRefundOtherFailed = "half-refund-other-failed"
    /// All n workers revealed the same result: each receives `d + r / n`.
    case agreement = "agreement"
    /// All n workers revealed, not all the same: each receives `d / 2`.
    case disagreement = "disagreement"
    /// Requester: the whole reward comes back (some worker failed, or the workers disagreed).
    case rewardRefund = "reward-refund"
    /// Requester: the remainder `r mod n` of the reward comes back (the workers agreed; may be 0).
    case rewardRemainder = "reward-remainder"
}

/// What one worker receives back from escrow, and why.
public struct WorkerPayout: Hashable, Sendable {
    /// Money moved from escrow to the worker (0 ≤ amount ≤ d + r).
    public let amount: Int64
    public let clause: Clause

    public init(amount: Int64, clause: Clause) {
        self.amount = amount
        self.clause = clause
    }
}

/// The result of applying the clauses to one task.
public struct Settlement: Hashable, Sendable {
    /// One payout per worker, in the order of the outcomes given to `Clauses.settle`.
    public let workers: [WorkerPayout]
    /// Reward (or its remainder) returned to the requester.
    public let requesterRefund: Int64
    /// `.rewardRefund` or `.rewardRemainder`.
    public let requesterClause: Clause
    /// Deposits lost by the workers. Where it goes (burned, or paid to the requester) is the
    /// task's forfeit destination, decided by the caller.
    public let forfeited: Int64

    public init(workers: [WorkerPayout], requesterRefund: Int64, requesterClause: Clause, forfeited: Int64) {
        self.workers = workers
        self.requesterRefund = requesterRefund
        self.requesterClause = requesterClause
        self.forfeited = forfeited
    }
}

/// Errors of this module. Every one is a clear, recoverable error: nothing here traps.
public enum IncentiveError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A task needs at least two workers (the paper's n ≥ 2).
    case tooFewWorkers(Int)
    /// The mechanism analysis is bounded (see `Mechanism.maxWorkers`).
    case tooManyWorkers(Int, limit: Int)
    case negativeReward(Int64)
    case negativeDeposit(Int64)
    case negativeCost(Int64)
    /// An Int64 operation overflowed; the string names the quantity being computed.
    case overflow(String)
    /// An argument that is not a valid profile or strategy (the string says why).
    case invalidArgument(String)
    /// Internal consistency check failed (money not conserved). Never expected; reported, not trapped.
    case conservationViolated(expected: Int64, actual: Int64)

    public var description: String {
        switch self {
        case .tooFewWorkers(let n): return "a task needs at least 2 workers, got \(n)"
        case .tooManyWorkers(let n, let limit): return "the mechanism analysis supports at most \(limit) workers, got \(n)"
        case .negativeReward(let r): return "reward must not be negative, got \(r)"
        case .negativeDeposit(let d): return "deposit must not be negative, got \(d)"
        case .negativeCost(let c): return "cost must not be negative, got \(c)"
        case .overflow(let what): return "integer overflow computing \(what)"
        case .invalidArgument(let why): return "invalid argument: \(why)"
        case .conservationViolated(let expected, let actual):
            return "settlement does not conserve money: expected \(expected), paid out \(actual)"
        }
    }
}

// MARK: - Checked arithmetic (never traps)

@inline(__always)
package func checkedAdd(_ a: Int64, _ b: Int64, _ what: @autoclosure () -> String) throws(IncentiveError) -> Int64 {
    let (v, o) = a.addingReportingOverflow(b)
    if o { throw .overflow(what()) }
    return v
}

@inline(__always)
package func checkedSub(_ a: Int64, _ b: Int64, _ what: @autoclosure () -> String) throws(IncentiveError) -> Int64 {
    let (v, o) = a.subtractingReportingOverflow(b)
    if o { throw .overflow(what()) }
    return v
}

@inline(__always)
package func checkedMul(_ a: Int64, _ b: Int64, _ what: @autoclosure () -> String) throws(IncentiveError) -> Int64 {
    let (v, o) = a.multipliedReportingOverflow(by: b)
    if o { throw .overflow(what()) }
    return v
}

@inline(__always)
package func int64(_ n: Int, _ what: @autoclosure () -> String) throws(IncentiveError) -> Int64 {
    guard let v = Int64(exactly: n) else { throw .overflow(what()) }
    return v
}

/// True iff two result ids have exactly the same Unicode scalars (the same UTF-8 bytes).
@inline(__always)
package func sameResultID(_ a: String, _ b: String) -> Bool {
    a.utf8.elementsEqual(b.utf8)
}

// MARK: - The clauses

public enum Clauses {
    /// Applies the paper's clauses to one task.
    ///
    /// - `n = outcomes.count ≥ 2`, `reward ≥ 0`, `deposit ≥ 0`.
    /// - Some worker failed (any of the four failure outcomes): each failed worker receives 0;
    ///   each worker that revealed receives `d / 2` (rounded down); the reward goes back in full
    ///   (`reward-refund`); forfeited = Σ failed d + Σ revealed (d − d/2).
    /// - Else all revealed the same `resultID`: each receives `d + r / n` (rounded down); the
    ///   remainder `r mod n` goes back (`reward-remainder`); forfeited = 0.
    /// - Else (all revealed, not all equal): each receives `d / 2`; the reward goes back in full;
    ///   forfeited = n · (d − d/2).
    ///
    /// Throws if n < 2, an amount is negative, or `r + n·d` (the escrow) does not fit in Int64.
    /// The result always satisfies Σ workers + requesterRefund + forfeited == r + n·d (checked).
    public static func settle(reward: Int64, deposit: Int64, outcomes: [WorkerOutcome]) throws(IncentiveError) -> Settlement {
        let count = outcomes.count
        guard count >= 2 else { throw .tooFewWorkers(count) }
        guard reward >= 0 else { throw .negativeReward(reward) }
        guard deposit >= 0 else { throw .negativeDeposit(deposit) }
        let n = try int64(count, "the number of workers")
        let deposits = try checkedMul(n, deposit, "n·d (the escrowed deposits)")
        let escrow = try checkedAdd(reward, deposits, "r + n·d (the escrow)")

        let half = deposit / 2                 // refunded on a half refund (rounded down)
        let halfLoss = deposit - half          // lost on a half refund (= ceil(d/2))

        var payouts: [WorkerPayout] = []
        payouts.reserveCapacity(count)
        let requesterRefund: Int64
        let requesterClause: Clause
        var forfeited: Int64 = 0

        if outcomes.contains(where: { $0.isFailure }) {
            for outcome in outcomes {
                if let clause = outcome.failureClause {
                    payouts.append(WorkerPayout(amount: 0, clause: clause))
                    forfeited = try checkedAdd(forfeited, deposit, "the forfeited deposits")
                } else {
                    payouts.append(WorkerPayout(amount: half, clause: .halfRefundOtherFailed))
                    forfeited = try checkedAdd(forfeited, halfLoss, "the forfeited deposits")
                }
            }
            requesterRefund = reward
            requesterClause = .rewardRefund
        } else if allSameResult(outcomes) {
            let share = reward / n
            let amount = try checkedAdd(deposit, share, "d + r/n")
            payouts = Array(repeating: WorkerPayout(amount: amount, clause: .agreement), count: count)
            requesterRefund = reward % n
            requesterClause = .rewardRemainder
        } else {
            payouts = Array(repeating: WorkerPayout(amount: half, clause: .disagreement), count: count)
            forfeited = try checkedMul(n, halfLoss, "n·(d − d/2)")
            requesterRefund = reward
            requesterClause = .rewardRefund
        }

        // Conservation, checked (never trusted).
        var paid = try checkedAdd(requesterRefund, forfeited, "the settlement total")
        for p in payouts { paid = try checkedAdd(paid, p.amount, "the settlement total") }
        guard paid == escrow else { throw .conservationViolated(expected: escrow, actual: paid) }

        return Settlement(workers: payouts, requesterRefund: requesterRefund,
                          requesterClause: requesterClause, forfeited: forfeited)
    }

    private static func allSameResult(_ outcomes: [WorkerOutcome]) -> Bool {
        guard case .revealed(let first)? = outcomes.first else { return false }
        for o in outcomes {
            guard case .revealed(let id) = o, sameResultID(id, first) else { return false }
        }
        return true
    }
}
