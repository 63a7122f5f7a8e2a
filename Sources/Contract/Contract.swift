import CanonicalJSON
import Incentives
import LedgerCrypto
import LedgerModel
import Programs

/// The contract: one deterministic transition function over ledger entries. No clock, no I/O.
/// Appending validates a new entry through `apply`; `verify` replays every entry through it.
///
/// `apply` checks the transaction's meaning (ledger id, nonce, who may sign what, phases,
/// deadlines, balances, commitments, settlements). The caller checks what the line alone and its
/// neighbour show: canonical form, hash, position, link, time order and the signature
/// (the Audit module's replay), so signatures can be checked in parallel.
///
/// Each transaction kind's body and transition live in `Transactions/<Kind>.swift`; the
/// settlement clauses in `Settlement.swift` (through the Incentives module); the state in
/// `State.swift`.
public enum Contract {
    /// Largest result a worker may reveal (bytes); a task may lower it.
    public static let maxResultSizeLimit: Int64 = 1 << 30
    public static let defaultMaxResultSize: Int64 = 64 << 20
    /// Results of at most this many bytes are revealed inline (hex in the reveal), so the contract
    /// sees their bytes; eval-classifier results are always inline (the contract counts them).
    public static let inlineResultLimit: Int64 = 4096
    public static let maxWorkers = 64
    public static let maxWindow: Int64 = 10 * 365 * 24 * 3600

    /// Applies one entry (line >= 2). On error the state is unchanged.
    public static func apply(_ state: inout LedgerState, _ entry: Entry) throws(LedgerFinding) {
        let line = Int(entry.seq)
        let tx = entry.tx
        guard tx.knownKind != .genesis else {
            throw LedgerFinding(.badGenesis, line: line, "a genesis transaction may only be line 1")
        }
        guard tx.ledger == state.ledgerID else {
            throw LedgerFinding(.wrongLedger, line: line, "transaction names ledger \(tx.ledger ?? "none"), this ledger is \(state.ledgerID)")
        }
        if let party = tx.party, let nonce = tx.nonce {
            let lane = Nonce.lane(of: nonce)
            let last = state.lastNonce(for: party, lane: lane)
            guard nonce > last else {
                if Nonce.counter(of: last) == Nonce.maxCounter {
                    throw LedgerFinding(.duplicateTransaction, line: line,
                                        "party \(party) has used the largest nonce (\(last)) of its lane \(lane) and cannot sign another transaction in that lane")
                }
                throw LedgerFinding(.duplicateTransaction, line: line,
                                    "nonce \(nonce) of party \(party) is not above its last nonce \(last) in lane \(lane): a replayed or duplicate transaction")
            }
        }
        if let party = tx.party { try checkKey(party, line: line, what: "\(tx.kind) party") }
        let body = try TypedBody.parse(tx, line: line)
        // Signed kinds have a party by their envelope (LedgerModel's Transaction.parse).
        let party = tx.party ?? ""
        var next = state
        switch body {
        case .genesis: throw LedgerFinding(.badGenesis, line: line, "a genesis transaction may only be line 1")
        case .transfer(let b): try applyTransfer(&next, entry, party: party, b)
        case .publish(let b): try applyPublish(&next, entry, party: party, b)
        case .join(let b): try applyJoin(&next, entry, party: party, b)
        case .coin(let b): try applyCoin(&next, entry, party: party, b)
        case .commit(let b): try applyCommit(&next, entry, party: party, b)
        case .reveal(let b): try applyReveal(&next, entry, party: party, b)
        case .cancel(let b): try applyCancel(&next, entry, party: party, b)
        case .settle(let b): try applySettle(&next, entry, b)
        }
        if let party = tx.party, let nonce = tx.nonce { next.nonces[Nonce.key(party, lane: Nonce.lane(of: nonce))] = nonce }
        next.head = entry.hash
        next.seq = entry.seq
        next.time = entry.time
        state = next
    }

    // MARK: - Findings

    /// Refuses an account id that is a small-order or non-canonically encoded Ed25519 point
    /// (FORMAT.md 8.2): anyone can sign for such a key (or nobody can), so money sent to it is
    /// either free for all or burned unrecorded. A `weak-key` finding naming the id.
    public static func checkKey(_ account: String, line: Int, what: String) throws(LedgerFinding) {
        if let w = Ed25519.weakness(ofAccount: account) {
            throw LedgerFinding(.weakKey, line: line, "\(what) \(account) is a \(w == .smallOrder ? "small-order" : "non-canonically encoded") Ed25519 key: no account may be such a key")
        }
    }

    /// A `rejected` finding for this entry: "KIND: message".
    static func fail(_ entry: Entry, _ message: String) -> LedgerFinding {
        LedgerFinding(.rejected, line: Int(entry.seq), "\(entry.tx.kind): \(message)")
    }

    // MARK: - Money (every sum overflow-checked)

    static func add(_ a: Int64, _ b: Int64, _ entry: Entry, _ what: String) throws(LedgerFinding) -> Int64 {
        let (r, o) = a.addingReportingOverflow(b)
        guard !o else { throw fail(entry, "\(what) overflows a signed 64-bit integer") }
        return r
    }

    static func debit(_ state: LedgerState, _ account: String, _ amount: Int64, _ entry: Entry, _ what: String) throws(LedgerFinding) {
        let have = state.balance(of: account)
        guard have >= amount else {
            throw fail(entry, "\(what): account \(account) has \(have), needs \(amount)")
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

    // MARK: - Tasks

    /// The task a body names, which must exist and still be open.
    static func openTask(_ state: LedgerState, _ id: String, _ entry: Entry) throws(LedgerFinding) -> TaskState {
        guard let t = state.tasks[id] else { throw fail(entry, "no task \(id) on this ledger") }
        if let closed = t.closed { throw fail(entry, "task \(t.id) is already \(closed.rawValue)") }
        return t
    }
}

/// Nonce lanes (FORMAT.md 8.4). A nonce is `lane * 2^40 + counter`: its top 23 bits (of the 63 a
/// positive Int64 has) name a lane, its low 40 bits count within it. For each party the nonces
/// must strictly increase **within each lane**; lanes are independent. A clone draws its own lane
/// (`crowdledger git-setup`), so one key appending in two clones never reuses a nonce, while a
/// copied line still repeats its (lane, counter) and is refused. Lane 0 is the nonces 1, 2, 3, …
/// a single clone uses: every ledger valid under "strictly increasing per party" stays valid.
///
/// The state keeps one last nonce per (party, lane) in use: `nonces[party]` for lane 0 and
/// `nonces["PARTY/LANE"]` (LANE in decimal) for the others.
public enum Nonce {
    public static let counterBits = 40
    public static let maxCounter: Int64 = (1 << 40) - 1
    /// Lanes 0 ... maxLane (2^23 - 1).
    public static let maxLane: Int64 = Int64.max >> 40

    public static func lane(of nonce: Int64) -> Int64 { nonce >> Int64(counterBits) }
    public static func counter(of nonce: Int64) -> Int64 { nonce & maxCounter }
    /// The state's key for a party's lane.
    public static func key(_ party: String, lane: Int64) -> String { lane == 0 ? party : "\(party)/\(lane)" }
}

extension LedgerState {
    /// The last nonce `party` used in `lane`, or the lane's base (`lane * 2^40`, counter 0) when
    /// it used none there.
    public func lastNonce(for party: String, lane: Int64) -> Int64 {
        nonces[Nonce.key(party, lane: lane)] ?? (lane << Int64(Nonce.counterBits))
    }

    /// The nonce a party's next transaction takes in `lane` (0 ... `Nonce.maxLane`): one above its
    /// last there. When the lane's counter is exhausted this returns the last nonce again, which
    /// the contract refuses.
    public func nextNonce(for party: String, lane: Int64) -> Int64 {
        precondition(lane >= 0 && lane <= Nonce.maxLane, "nonce lane out of range")
        let last = lastNonce(for: party, lane: lane)
        return Nonce.counter(of: last) == Nonce.maxCounter ? last : last + 1
    }
}
