public import Audit
import CanonicalJSON
public import Contract
public import LedgerModel
import Programs

/// What `report` says about a ledger: the auditor's verdict and findings, and per task its
/// parameters, its phases with their times, its workers grouped by result, every payout with its
/// clause in words, and the evaluation for pay-per-precision tasks. Integers only: ratios are
/// shown as exact fractions and fixed-point percentages.
public struct LedgerReport: Sendable {
    public struct Phase: Sendable {
        /// `published`, `filled`, `coin`, `committed`, `revealed`, `settled`, `cancelled`, `aborted`.
        public let name: String
        public let time: Int64
        public let line: Int64?
        public let note: String
    }

    public struct WorkerRow: Sendable {
        public let account: String
        public let state: String
        public let digest: String?
        public let depositReturned: Int64
        public let rewardPaid: Int64
        public let clause: String?
    }

    public struct Group: Sendable {
        /// A result digest, or the state of workers without a valid result.
        public let label: String
        public let isResult: Bool
        public let accounts: [String]
    }

    public struct PayoutRow: Sendable {
        public let account: String
        public let role: String
        public let amount: Int64
        public let clause: String
        public var words: String { ClauseWords.words(clause) }
    }

    public struct Evaluation: Sendable {
        public let correct: Int64
        public let k: Int64
        public let num: Int64
        public let den: Int64
        public var met: Bool {
            let l = correct.multipliedFullWidth(by: den), r = num.multipliedFullWidth(by: k)
            return (l.high, l.low) >= (r.high, r.low)
        }
    }

    public struct TaskReport: Sendable {
        public let id: String
        public let requester: String
        public let program: String
        public let programDigest: String?
        public let params: String
        public let inputs: [InputRef]
        public let reward: Int64
        public let deposit: Int64
        public let workers: Int64
        public let windows: Windows
        public let forfeit: String
        public let eck: [String]
        public let coinMode: String
        public let allow: [String]?
        public let payment: Payment?
        public let phase: String
        public let phases: [Phase]
        public let deadlines: [(String, Int64)]
        public let rows: [WorkerRow]
        public let groups: [Group]
        public let payouts: [PayoutRow]
        public let burned: Int64
        public let outcome: String?
        public let result: String?
        public let evaluation: Evaluation?
        public let verdict: String
        public let findings: [LedgerFinding]
    }

    public let ledgerID: String
    public let name: String
    public let head: String
    public let lines: Int
    public let tool: String
    /// The time phases are judged at (the clock, never before the last entry).
    public let now: Int64
    public let valid: Bool
    public let findings: [LedgerFinding]
    public let tasks: [TaskReport]
    public let balances: [(String, Int64)]
    public let escrow: Int64
    public let burned: Int64
    public let total: Int64
    /// Each account's balance after each entry that changed it: (line, time, balance).
    public let series: [(account: String, points: [(line: Int64, time: Int64, balance: Int64)])]
    public let lastLine: Int64
    public let firstTime: Int64
    public let lastTime: Int64

    /// Builds the report of `history` (all tasks, or only `only`), with the auditor's `audit`.
    public static func make(_ history: LedgerHistory, audit: AuditReport, only: String? = nil, now: Int64) -> LedgerReport {
        let state = history.state
        let stateTime = state?.time ?? 0
        let at = max(now, stateTime)
        var tasks: [TaskReport] = []
        for t in history.tasks where only == nil || only == t.id {
            guard let pub = history.published[t.id] else { continue }
            tasks.append(task(t, pub, history: history, audit: audit, now: at))
        }
        var balances: [(String, Int64)] = []
        var series: [String: [(line: Int64, time: Int64, balance: Int64)]] = [:]
        var running: [String: Int64] = [:]
        for m in history.movements {
            for (pot, delta) in [(m.from, -m.amount), (m.to, m.amount)] {
                guard case .account(let a) = pot else { continue }
                running[a, default: 0] += delta
                if var s = series[a], let last = s.last, last.line == m.line {
                    s[s.count - 1] = (m.line, m.time, running[a]!)
                    series[a] = s
                } else {
                    series[a, default: []].append((m.line, m.time, running[a]!))
                }
            }
        }
        if let state { balances = state.balances.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        return LedgerReport(
            ledgerID: audit.ledgerID ?? history.ledgerID, name: history.name, head: audit.head ?? history.head,
            lines: audit.lines, tool: ToolVersion.current, now: at, valid: audit.findings.isEmpty,
            findings: audit.findings, tasks: tasks, balances: balances,
            escrow: state?.escrow ?? 0, burned: state?.burned ?? 0, total: state?.genesisTotal ?? 0,
            series: series.sorted { $0.key < $1.key }.map { (account: $0.key, points: $0.value) },
            lastLine: history.entries.last?.line ?? 0,
            firstTime: history.entries.first?.time ?? 0, lastTime: history.entries.last?.time ?? 0)
    }

    static func task(_ t: TaskState, _ pub: PublishBody, history: LedgerHistory, audit: AuditReport, now: Int64) -> TaskReport {
        let entries = history.entries(of: t.id)
        var phases: [Phase] = []
        var joins: [HistoryEntry] = [], commits: [HistoryEntry] = [], reveals: [HistoryEntry] = []
        var revealBodies: [String: RevealBody] = [:]
        var close: (HistoryEntry, String, [Payout], Int64, String?)?
        for e in entries {
            switch e.body {
            case .publish?: phases.append(Phase(name: "published", time: e.time, line: e.line, note: "reward \(pub.reward) escrowed"))
            case .join?: joins.append(e)
            case .coin?: phases.append(Phase(name: "coin", time: e.time, line: e.line, note: "the requester released the coin"))
            case .commit?: commits.append(e)
            case .reveal(let b)?:
                reveals.append(e)
                if let p = e.party { revealBodies[p] = b }
            case .settle(let b)?: close = (e, b.outcome, b.payouts, b.burned, b.result)
            case .cancel(let b)?: close = (e, "cancelled", b.payouts, 0, nil)
            default: break
            }
        }
        if joins.count == Int(pub.workers), let last = joins.last {
            phases.append(Phase(name: "filled", time: last.time, line: last.line, note: "\(joins.count) of \(pub.workers) workers joined"))
            if case .publicValue = pub.coin {
                phases.append(Phase(name: "coin", time: last.time, line: last.line, note: "the coin was public from the start"))
            }
        }
        if let last = commits.last {
            phases.append(Phase(name: "committed", time: last.time, line: last.line, note: "\(commits.count) of \(pub.workers) workers committed"))
        }
        if let last = reveals.last {
            phases.append(Phase(name: "revealed", time: last.time, line: last.line, note: "\(reveals.count) of \(commits.count) committed workers revealed"))
        }
        if let (e, outcome, _, _, _) = close {
            let name = outcome == "settled" ? "settled" : outcome == "cancelled" ? "cancelled" : "aborted"
            phases.append(Phase(name: name, time: e.time, line: e.line, note: ClauseWords.outcomeWords(outcome)))
        }
        phases.sort { ($0.line ?? 0, $0.time) < ($1.line ?? 0, $1.time) }

        var deadlines: [(String, Int64)] = [("join", t.joinDeadline)]
        if case .committed = pub.coin, let c = t.coinDeadline { deadlines.append(("coin", c)) }
        if let c = t.commitDeadline { deadlines.append(("commit", c)) }
        if let r = t.revealDeadline { deadlines.append(("reveal", r)) }

        let payouts = close?.2 ?? []
        let paymentClauses = payouts.filter { $0.clause.hasPrefix("payment-") }
        var rows: [WorkerRow] = []
        for w in t.joined {
            let mine = payouts.filter { $0.account == w && !$0.clause.hasPrefix("payment-") && $0.clause != "forfeit-to-requester" }
            let paid = mine.reduce(Int64(0)) { $0 + $1.amount }
            let back = min(paid, pub.deposit)
            rows.append(WorkerRow(account: w, state: t.workerState(w).rawValue, digest: t.reveals[w]?.digest,
                                  depositReturned: back, rewardPaid: paid - back,
                                  clause: mine.first?.clause ?? (close == nil ? nil : "failed")))
        }
        var groups: [Group] = []
        var seen: [String: Int] = [:]
        for r in rows {
            let isResult = r.state == "revealed"
            let label = isResult ? (r.digest ?? "?") : r.state
            if let i = seen[label] {
                groups[i] = Group(label: label, isResult: isResult, accounts: groups[i].accounts + [r.account])
            } else {
                seen[label] = groups.count
                groups.append(Group(label: label, isResult: isResult, accounts: [r.account]))
            }
        }
        func role(_ a: String, _ clause: String) -> String {
            if clause == "payment-precision-met" { return "seller" }
            if a == t.requester && (!t.joined.contains(a) || clause.hasPrefix("reward") || clause.hasPrefix("payment") || clause == "forfeit-to-requester") { return "requester" }
            return "worker"
        }
        let payoutRows = payouts.map { PayoutRow(account: $0.account, role: role($0.account, $0.clause), amount: $0.amount, clause: $0.clause) }

        var evaluation: Evaluation?
        if let p = pub.payment {
            let agreed = close?.4 ?? t.agreedResult
            if let agreed, let body = revealBodies.values.first(where: { $0.digest == agreed }), let data = body.data,
               let e = EvalOutcome.parse(data) {
                evaluation = Evaluation(correct: Int64(e.correct), k: Int64(e.k), num: p.num, den: p.den)
            } else {
                evaluation = Evaluation(correct: -1, k: 0, num: p.num, den: p.den)
            }
        }
        let lines = Set(entries.map { Int($0.line) })
        let findings = audit.findings.filter { lines.contains($0.line) }
        let phase = t.phase(at: now).rawValue
        var verdict: String
        if let (e, outcome, _, burned, result) = close {
            verdict = "\(ClauseWords.outcomeWords(outcome)) at line \(e.line)"
            if let result { verdict += "; every worker agreed on \(result)" }
            else if outcome == "settled" { verdict += "; the workers did not all agree on a valid result" }
            if burned > 0 { verdict += "; \(burned) burned" }
            if let ev = evaluation, !paymentClauses.isEmpty {
                verdict += ev.k > 0 ? "; precision \(ev.correct)/\(ev.k) \(ev.met ? "reached" : "is below") the threshold \(ev.num)/\(ev.den)"
                                    : "; no readable agreed evaluation: the payment went back to the requester"
            }
            verdict += findings.isEmpty && audit.findings.isEmpty ? "; verify recomputed the payouts and they match" : ""
        } else {
            verdict = "open: phase \(phase) at \(ISOTime.format(now))"
        }
        if !findings.isEmpty { verdict = "INVALID: \(findings.count) finding(s) on this task's lines; " + verdict }
        return TaskReport(
            id: t.id, requester: t.requester, program: pub.program.name, programDigest: pub.program.digest,
            params: JSON.object(pub.program.params).canonicalString, inputs: pub.inputs, reward: pub.reward, deposit: pub.deposit,
            workers: pub.workers, windows: pub.windows, forfeit: pub.forfeit.rawValue, eck: pub.eck,
            coinMode: { if case .committed = pub.coin { return "committed" } else { return "public" } }(),
            allow: pub.allow, payment: pub.payment, phase: phase, phases: phases, deadlines: deadlines, rows: rows,
            groups: groups, payouts: payoutRows, burned: close?.3 ?? 0, outcome: close?.1, result: close?.4,
            evaluation: evaluation, verdict: verdict, findings: findings)
    }
}

/// The clauses and outcomes in words (PROTOCOL.md has the rules).
public enum ClauseWords {
    public static func words(_ clause: String) -> String {
        switch clause {
        case "agreement": return "all workers revealed the same valid result: the deposit back plus an equal share of the reward"
        case "disagreement": return "every worker revealed a valid result but they differ: half the deposit back"
        case "failed-no-commit": return "did not commit: the whole deposit is forfeited"
        case "failed-no-reveal": return "committed but did not reveal: the whole deposit is forfeited"
        case "failed-wrong-opening": return "revealed a wrong opening: the whole deposit is forfeited"
        case "failed-trivial-result": return "revealed a trivial result (in E_ck): the whole deposit is forfeited"
        case "half-refund-other-failed": return "submitted, but another worker failed: half the deposit back"
        case "reward-refund": return "no agreement: the reward goes back to the requester"
        case "reward-remainder": return "the part of the reward that does not divide by n goes back to the requester"
        case "forfeit-to-requester": return "forfeited deposits go to the requester (forfeit = requester)"
        case "abort-join-refund": return "too few workers joined before the join deadline: everything escrowed is refunded"
        case "abort-coin-refund": return "the requester did not release the coin in time: everything escrowed is refunded"
        case "cancel-refund": return "the requester cancelled the task before it filled: everything escrowed is refunded"
        case "payment-precision-met": return "the agreed precision reached the threshold: the payment goes to the seller"
        case "payment-refund-below-threshold": return "the agreed precision is below the threshold: the payment goes back to the requester"
        case "payment-refund-no-agreement": return "the workers did not agree on an evaluation: the payment goes back to the requester"
        case "payment-refund-unreadable-result": return "the agreed evaluation is not a well-formed result: the payment goes back to the requester"
        case "payment-refund-wrong-rows": return "the agreed evaluation is not over the coin-chosen rows: the payment goes back to the requester"
        default: return clause
        }
    }

    public static func outcomeWords(_ outcome: String) -> String {
        switch outcome {
        case "settled": return "settled by the clauses"
        case "aborted-join": return "aborted: too few workers joined in time"
        case "aborted-coin": return "aborted: the coin was not released in time"
        case "cancelled": return "cancelled by the requester"
        default: return outcome
        }
    }
}
