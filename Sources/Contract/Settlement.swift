import CanonicalJSON
import Incentives
import LedgerCrypto
public import LedgerModel
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
    /// When `settle` is allowed at `time`, the record it must carry; otherwise a `rejected`
    /// finding saying why not yet.
    public static func settlement(_ t: TaskState, at time: Int64, line: Int = 0) throws(LedgerFinding) -> SettlementRecord {
        do throws(Refusal) { return try t.settlement(at: time) } catch {
            throw LedgerFinding(error.code, line: line, "settle: \(error.message)")
        }
    }
}

extension TaskState {
    /// Full refunds: every joined worker's deposit, the reward and any payment.
    func refunds(clause: String, outcome: String = "cancelled") -> SettlementRecord {
        var payouts = joined.map { Payout(account: $0, amount: deposit, clause: clause) }
        if reward > 0 { payouts.append(Payout(account: requester, amount: reward, clause: clause)) }
        if let p = payment, p.amount > 0 { payouts.append(Payout(account: requester, amount: p.amount, clause: clause)) }
        return SettlementRecord(outcome: outcome, payouts: payouts, burned: 0, result: nil)
    }

    /// When `settle` is allowed at `time`, the record it must carry; otherwise a refusal saying
    /// why not yet.
    public func settlement(at time: Int64) throws(Refusal) -> SettlementRecord {
        func notYet(_ why: String) -> Refusal { Refusal("too early: \(why)") }
        switch try openStage() {
        case .joining(let s):
            guard time > joinDeadline else {
                throw notYet("task \(id) is open for joining until \(joinDeadline) (\(s.workers.count) of \(workers) workers)")
            }
            return refunds(clause: "abort-join-refund", outcome: "aborted-join")
        case .awaitingCoin(let s):
            let deadline = saturatingAdd(s.filledAt, windows.coin)
            guard time > deadline else { throw notYet("the requester may release the coin until \(deadline)") }
            return refunds(clause: "abort-coin-refund", outcome: "aborted-coin")
        case .working(let w):
            return try settlement(w, at: time)
        }
    }

    /// The settlement of a task in its working stage: the clauses, forfeits and any payment.
    func settlement(_ w: Working, at time: Int64) throws(Refusal) -> SettlementRecord {
        let cd = w.commitDeadline(windows), rd = w.revealDeadline(windows)
        let committers = w.workers.filter { w.commits[$0] != nil }
        let allRevealed = committers.allSatisfy { w.reveals[$0] != nil }
        let commitOver = w.commits.count == workers || time > cd
        guard (allRevealed && commitOver) || time > rd else {
            if !commitOver { throw Refusal("too early: the commit window is open until \(cd) (\(w.commits.count) of \(workers) committed)") }
            throw Refusal("too early: the reveal window is open until \(rd) (\(w.reveals.count) of \(committers.count) committed workers revealed)")
        }
        let outcomes: [WorkerOutcome] = w.workers.map { worker in
            guard w.commits[worker] != nil else { return .didNotCommit }
            guard let r = w.reveals[worker] else { return .didNotReveal }
            return r.outcome
        }
        let s: Settlement
        do { s = try Clauses.settle(reward: reward, deposit: deposit, outcomes: outcomes) } catch {
            throw Refusal("\(error)")
        }
        var payouts: [Payout] = zip(w.workers, s.workers).map { Payout(account: $0.0, amount: $0.1.amount, clause: $0.1.clause.rawValue) }
        if s.requesterRefund > 0 {
            payouts.append(Payout(account: requester, amount: s.requesterRefund, clause: s.requesterClause.rawValue))
        }
        var burned: Int64 = 0
        if s.forfeited > 0 {
            switch forfeit {
            case .burn: burned = s.forfeited
            case .requester: payouts.append(Payout(account: requester, amount: s.forfeited, clause: "forfeit-to-requester"))
            }
        }
        var agreed: String?
        if case .revealed(let first)? = outcomes.first, outcomes.allSatisfy({ $0 == .revealed(resultID: first) }) {
            agreed = first
        }
        if let p = payment, p.amount > 0 {
            payouts.append(paymentPayout(p, w, agreed: agreed))
        }
        return SettlementRecord(outcome: "settled", payouts: payouts, burned: burned, result: agreed)
    }

    /// Pay-per-precision: the seller is paid iff the workers agreed and correct/k >= num/den.
    func paymentPayout(_ p: Payment, _ w: Working, agreed: String?) -> Payout {
        guard let agreed else { return Payout(account: requester, amount: p.amount, clause: "payment-refund-no-agreement") }
        // The result must be a well-formed evaluation of the published k rows.
        guard let data = w.reveals.values.first(where: { $0.digest == agreed })?.data,
              let e = EvalOutcome.parse(data), e.k > 0, Int64(e.k) == program.params["k"]?.intValue else {
            return Payout(account: requester, amount: p.amount, clause: "payment-refund-unreadable-result")
        }
        // The rows must be exactly the ones the coin selects from the published range, in order
        // (PROGRAMS.md, eval-classifier): a result over other rows (easy ones, or rows outside
        // the range) proves nothing about the model.
        guard let coin = Hex.decode(w.coin),
              let rows = EvalClassifier.selectedRows(params: .object(program.params), coin: coin), rows == e.rows else {
            return Payout(account: requester, amount: p.amount, clause: "payment-refund-wrong-rows")
        }
        // correct * den >= num * k, in 128-bit-safe arithmetic (all factors are below 2^32 · 2^31).
        let lhs = Int64(e.correct).multipliedFullWidth(by: p.den)
        let rhs = p.num.multipliedFullWidth(by: Int64(e.k))
        let met = (lhs.high, lhs.low) >= (rhs.high, rhs.low)
        return met ? Payout(account: p.seller, amount: p.amount, clause: "payment-precision-met")
                   : Payout(account: requester, amount: p.amount, clause: "payment-refund-below-threshold")
    }
}
