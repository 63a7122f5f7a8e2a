import CanonicalJSON
import Incentives
import LedgerCrypto
import Ledger
import Programs

/// The contract: one deterministic transition function over ledger entries. No clock, no I/O.
/// Appending validates a new entry through `apply`; `verify` replays every entry through it.
///
/// `apply` checks the transaction's meaning (ledger id, nonce, who may sign what, phases,
/// deadlines, balances, commitments, settlements). The caller checks what the line alone and its
/// neighbour show: canonical form, hash, position, link, time order and the signature
/// (``ChainChecker``), so signatures can be checked in parallel.
public enum Contract {
    /// Largest result a worker may reveal (bytes); a task may lower it.
    public static let maxResultSizeLimit: Int64 = 1 << 30
    public static let defaultMaxResultSize: Int64 = 64 << 20
    /// Results of at most this many bytes are revealed inline (hex in the reveal), so the contract
    /// sees their bytes; eval-classifier results are always inline (the contract counts them).
    public static let inlineResultLimit: Int64 = 4096
    public static let maxWorkers = 64
    public static let maxWindow: Int64 = 10 * 365 * 24 * 3600

    /// The state after the genesis entry (line 1).
    public static func genesis(_ entry: Entry) throws(LedgerFinding) -> LedgerState {
        let line = Int(entry.seq)
        guard entry.tx.kind == "genesis" else {
            throw LedgerFinding(.badGenesis, line: line, "line 1 must be the genesis entry, found kind \(entry.tx.kind)")
        }
        guard entry.seq == 1, entry.link == Entry.zeroLink else {
            throw LedgerFinding(.badGenesis, line: line, "genesis must have seq 1 and a link of 64 zeros")
        }
        let body = Body(entry.tx, line: line)
        do throws(LedgerFinding) {
            try body.allowOnly(["allocations", "format", "name"])
            let format = try body.int("format")
            guard format == LedgerFile.format else { throw body.fail("unsupported format \(format); this tool reads format \(LedgerFile.format)") }
            let name = try body.string("name")
            let alloc = try body.object("allocations")
            var balances: [String: Int64] = [:]
            var total: Int64 = 0
            for (account, _) in alloc.object {
                let amount = try alloc.int(account)
                guard Hex.isCanonical(account, byteCount: 32) else { throw body.fail("allocation key \(account) is not an account id") }
                let (t, o) = total.addingReportingOverflow(amount)
                guard !o else { throw body.fail("allocations overflow a signed 64-bit total") }
                total = t
                if amount > 0 { balances[account] = amount }
            }
            return LedgerState(ledgerID: entry.hash, name: name, genesisTotal: total, balances: balances, nonces: [:],
                               tasks: [:], taskOrder: [], escrow: 0, burned: 0, head: entry.hash, seq: 1, time: entry.time)
        } catch {
            throw LedgerFinding(.badGenesis, line: line, error.message)
        }
    }

    /// Applies one entry (line >= 2). On error the state is unchanged.
    public static func apply(_ state: inout LedgerState, _ entry: Entry) throws(LedgerFinding) {
        let line = Int(entry.seq)
        let tx = entry.tx
        guard tx.kind != "genesis" else {
            throw LedgerFinding(.badGenesis, line: line, "a genesis transaction may only be line 1")
        }
        guard tx.ledger == state.ledgerID else {
            throw LedgerFinding(.wrongLedger, line: line, "transaction names ledger \(tx.ledger ?? "none"), this ledger is \(state.ledgerID)")
        }
        if let party = tx.party, let nonce = tx.nonce {
            let last = state.nonces[party] ?? 0
            guard nonce > last else {
                if last == Int64.max {
                    throw LedgerFinding(.duplicateTransaction, line: line,
                                        "party \(party) has used the largest nonce (\(Int64.max)) and cannot sign another transaction on this ledger")
                }
                throw LedgerFinding(.duplicateTransaction, line: line,
                                    "nonce \(nonce) of party \(party) is not above its last nonce \(last): a replayed or duplicate transaction")
            }
        }
        let body = Body(tx, line: line)
        switch tx.kind {
        case "transfer": try applyTransfer(&state, tx, body)
        case "publish": try applyPublish(&state, entry, body)
        case "join": try applyJoin(&state, entry, body)
        case "coin": try applyCoin(&state, entry, body)
        case "commit": try applyCommit(&state, entry, body)
        case "reveal": try applyReveal(&state, entry, body)
        case "cancel": try applyCancel(&state, entry, body)
        case "settle": try applySettle(&state, entry, body)
        default:
            throw LedgerFinding(.rejected, line: line, "unknown transaction kind \(tx.kind)")
        }
        if let party = tx.party, let nonce = tx.nonce { state.nonces[party] = nonce }
        state.head = entry.hash
        state.seq = entry.seq
        state.time = entry.time
    }

    // MARK: - Money

    static func add(_ a: Int64, _ b: Int64, _ body: Body, _ what: String) throws(LedgerFinding) -> Int64 {
        let (r, o) = a.addingReportingOverflow(b)
        guard !o else { throw body.fail("\(what) overflows a signed 64-bit integer") }
        return r
    }

    static func debit(_ state: LedgerState, _ account: String, _ amount: Int64, _ body: Body, _ what: String) throws(LedgerFinding) {
        let have = state.balance(of: account)
        guard have >= amount else {
            throw body.fail("\(what): account \(account) has \(have), needs \(amount)")
        }
    }

    static func credit(_ state: inout LedgerState, _ account: String, _ amount: Int64) {
        guard amount != 0 else { return }
        state.balances[account, default: 0] += amount
    }

    static func withdraw(_ state: inout LedgerState, _ account: String, _ amount: Int64) {
        guard amount != 0 else { return }
        let left = state.balances[account, default: 0] - amount
        state.balances[account] = left == 0 ? nil : left
    }

    // MARK: - transfer

    static func applyTransfer(_ state: inout LedgerState, _ tx: Transaction, _ body: Body) throws(LedgerFinding) {
        try body.allowOnly(["amount", "to"])
        let amount = try body.int("amount", min: 1)
        let to = try body.account("to")
        let from = tx.party!
        try debit(state, from, amount, body, "insufficient funds")
        if to != from {
            _ = try add(state.balance(of: to), amount, body, "the recipient's balance")
            withdraw(&state, from, amount)
            credit(&state, to, amount)
        }
    }

    // MARK: - task lookup and time checks

    static func task(_ state: LedgerState, _ body: Body) throws(LedgerFinding) -> TaskState {
        let id = try body.hex("task", bytes: 32)
        guard let t = state.tasks[id] else { throw body.fail("no task \(id) on this ledger") }
        return t
    }

    static func open(_ t: TaskState, _ body: Body) throws(LedgerFinding) {
        if let closed = t.closed { throw body.fail("task \(t.id) is already \(closed.rawValue)") }
    }
}

