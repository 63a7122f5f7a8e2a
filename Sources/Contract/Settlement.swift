import CanonicalJSON
import Incentives
import LedgerCrypto
import LedgerModel
import Programs

/// What closing a task pays: the body of a settle (or cancel) entry, recomputed from the history.
public struct SettlementRecord: Sendable, Equatable {
    /// "settled", "aborted-join" or "aborted-coin" (cancel uses "cancelled").
    public let outcome: String
    public let payouts: [Payout]
    public let burned: Int64
    /// The agreed result's digest when all workers revealed the same valid result.
    public let result: String?

    public init(outcome: String, payouts: [Payout], burned: Int64, result: String?) {
        self.outcome = outcome
        self.payouts = payouts
        self.burned = burned
        self.result = result
    }
}

extension Contract {
    /// Full refunds: every joined worker's deposit, the reward and any payment.
    static func refunds(_ t: TaskState, clause: String, outcome: String = "cancelled") -> SettlementRecord {
        var payouts = t.joined.map { Payout(account: $0, amount: t.deposit, clause: clause) }
        if t.reward > 0 { payouts.append(Payout(account: t.requester, amount: t.reward, clause: clause)) }
        if let p = t.payment, p.amount > 0 { payouts.append(Payout(account: t.requester, amount: p.amount, clause: clause)) }
        return SettlementRecord(outcome: outcome, payouts: payouts, burned: 0, result: nil)
    }

    /// When `settle` is allowed at `time`, the record it must carry; otherwise a `rejected`
    /// finding saying why not yet.
    public static func settlement(_ t: TaskState, at time: Int64, line: Int = 0) throws(LedgerFinding) -> SettlementRecord {
        func notYet(_ why: String) -> LedgerFinding { LedgerFinding(.rejected, line: line, "settle: too early: \(why)") }
        if let closed = t.closed { throw LedgerFinding(.rejected, line: line, "settle: task \(t.id) is already \(closed.rawValue)") }
        if !t.isFilled {
            guard time > t.joinDeadline else {
                throw notYet("task \(t.id) is open for joining until \(t.joinDeadline) (\(t.joined.count) of \(t.workers) workers)")
            }
            return refunds(t, clause: "abort-join-refund", outcome: "aborted-join")
        }
        if t.coinHex == nil {
            let deadline = t.coinDeadline!
            guard time > deadline else { throw notYet("the requester may release the coin until \(deadline)") }
            return refunds(t, clause: "abort-coin-refund", outcome: "aborted-coin")
        }
        let cd = t.commitDeadline!, rd = t.revealDeadline!
        let committers = t.joined.filter { t.commits[$0] != nil }
        let allRevealed = committers.allSatisfy { t.reveals[$0] != nil }
        let commitOver = t.allCommitted || time > cd
        guard (allRevealed && commitOver) || time > rd else {
            if !commitOver { throw notYet("the commit window is open until \(cd) (\(t.commits.count) of \(t.workers) committed)") }
            throw notYet("the reveal window is open until \(rd) (\(t.reveals.count) of \(committers.count) committed workers revealed)")
        }
        let outcomes: [WorkerOutcome] = t.joined.map { w in
            guard t.commits[w] != nil else { return .didNotCommit }
            guard let r = t.reveals[w] else { return .didNotReveal }
            return r.outcome
        }
        let s: Settlement
        do { s = try Clauses.settle(reward: t.reward, deposit: t.deposit, outcomes: outcomes) } catch {
            throw LedgerFinding(.rejected, line: line, "settle: \(error)")
        }
        var payouts: [Payout] = zip(t.joined, s.workers).map { Payout(account: $0.0, amount: $0.1.amount, clause: $0.1.clause.rawValue) }
        if s.requesterRefund > 0 {
            payouts.append(Payout(account: t.requester, amount: s.requesterRefund, clause: s.requesterClause.rawValue))
        }
        var burned: Int64 = 0
        if s.forfeited > 0 {
            switch t.forfeit {
            case .burn: burned = s.forfeited
            case .requester: payouts.append(Payout(account: t.requester, amount: s.forfeited, clause: "forfeit-to-requester"))
            }
        }
        var agreed: String?
        if case .revealed(let first)? = outcomes.first, outcomes.allSatisfy({ $0 == .revealed(resultID: first) }) {
            agreed = first
        }
        if let p = t.payment, p.amount > 0 {
            payouts.append(paymentPayout(t, p, agreed: agreed))
        }
        return SettlementRecord(outcome: "settled", payouts: payouts, burned: burned, result: agreed)
    }

    /// Pay-per-precision: the seller is paid iff the workers agreed and correct/k >= num/den.
    static func paymentPayout(_ t: TaskState, _ p: Payment, agreed: String?) -> Payout {
        guard let agreed else { return Payout(account: t.requester, amount: p.amount, clause: "payment-refund-no-agreement") }
        // The result must be a well-formed evaluation of the published k rows.
        guard let data = t.reveals.values.first(where: { $0.digest == agreed })?.data,
              let e = EvalOutcome.parse(data), e.k > 0, Int64(e.k) == t.program.params["k"]?.intValue else {
            return Payout(account: t.requester, amount: p.amount, clause: "payment-refund-unreadable-result")
        }
        // The rows must be exactly the ones the coin selects from the published range, in order
        // (PROGRAMS.md, eval-classifier): a result over other rows (easy ones, or rows outside
        // the range) proves nothing about the model.
        guard let coin = t.coinHex.flatMap(Hex.decode),
              let rows = EvalClassifier.selectedRows(params: .object(t.program.params), coin: coin), rows == e.rows else {
            return Payout(account: t.requester, amount: p.amount, clause: "payment-refund-wrong-rows")
        }
        // correct * den >= num * k, in 128-bit-safe arithmetic (all factors are below 2^32 · 2^31).
        let lhs = Int64(e.correct).multipliedFullWidth(by: p.den)
        let rhs = p.num.multipliedFullWidth(by: Int64(e.k))
        let met = (lhs.high, lhs.low) >= (rhs.high, rhs.low)
        return met ? Payout(account: p.seller, amount: p.amount, clause: "payment-precision-met")
                   : Payout(account: t.requester, amount: p.amount, clause: "payment-refund-below-threshold")
    }
}
