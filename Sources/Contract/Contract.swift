import CanonicalJSON
import Incentives
import LedgerCrypto
public import LedgerModel
import Programs

/// The contract: one deterministic transition function over ledger entries. No clock, no I/O.
/// Appending validates a new entry through `apply`; `verify` replays every entry through it.
///
/// `apply` checks the transaction's meaning (ledger id, nonce, who may sign what, phases,
/// deadlines, balances, commitments, settlements). The caller checks what the line alone and its
/// neighbour show: canonical form, hash, position, link, time order and the signature
/// (the Audit module's replay), so signatures can be checked in parallel.
///
/// Each transaction kind's body and its transition (a mutating function of ``TaskState``
/// returning the ``Movement``s of money) live in `Transactions/<Kind>.swift`; the stages in
/// `Stage.swift`; the settlement clauses in `Settlement.swift` (through the Incentives module);
/// the booking of movements in `Movement.swift`; the state in `State.swift`.
public enum Contract {
    /// Largest result a worker may reveal (bytes); a task may lower it.
    public static let maxResultSizeLimit: Int64 = 1 << 30
    public static let defaultMaxResultSize: Int64 = 64 << 20
    /// Results of at most this many bytes are revealed inline (hex in the reveal), so the contract
    /// sees their bytes; eval-classifier results are always inline (the contract counts them).
    public static let inlineResultLimit: Int64 = 4096
    public static let maxWorkers = 64
    public static let maxWindow: Int64 = 10 * 365 * 24 * 3600

    /// Applies one entry (line >= 2). On error the state is unchanged. `body`, when given, is
    /// `TypedBody.parse(entry.tx, line: Int(entry.seq))` done beforehand (a replay reads bodies on
    /// every core); it is used, or its finding thrown, at the point where the body would be read.
    /// Returns the task the entry closed (a settle or cancel), which has left the state (it holds
    /// open tasks only): the caller keeps it if it needs it.
    /// `partyKeyChecked`: the caller has already refused this entry when its party is a weak key
    /// (`Ed25519.weakness(ofAccount:)`, as a replay's parallel stage does with a `weak-key`
    /// finding that stops the entry before `apply`), so `apply` need not check it again; with
    /// false (every other caller) `apply` checks it.
    @discardableResult
    public static func apply(_ state: inout LedgerState, _ entry: Entry,
                             body preparsed: Result<TypedBody, LedgerFinding>? = nil,
                             partyKeyChecked: Bool = false) throws(LedgerFinding) -> TaskState? {
        let line = Int(entry.seq)
        let tx = entry.tx
        guard tx.knownKind != .genesis else {
            throw LedgerFinding(.badGenesis, line: line, "a genesis transaction may only be line 1")
        }
        guard tx.ledger == state.ledgerID else {
            throw LedgerFinding(.wrongLedger, line: line, "transaction names ledger \(tx.ledger ?? "none"), this ledger is \(state.ledgerID)")
        }
        // The party's nonce lane: its key in `state.nonces`, and where it is there (to store the
        // new nonce at the end without looking it up again; nothing else changes `nonces`).
        var nonceSlot: (key: String, index: Dictionary<String, Int64>.Index?)?
        if let party = tx.party, let nonce = tx.nonce {
            let lane = Nonce.lane(of: nonce)
            let key = Nonce.key(party, lane: lane)
            let index = state.nonces.index(forKey: key)
            nonceSlot = (key, index)
            let last = index.map { state.nonces.values[$0] } ?? Nonce.base(ofLane: lane)
            guard nonce > last else {
                if Nonce.counter(of: last) == Nonce.maxCounter {
                    throw LedgerFinding(.duplicateTransaction, line: line,
                                        "party \(party) has used the largest nonce (\(last)) of its lane \(lane) and cannot sign another transaction in that lane")
                }
                throw LedgerFinding(.duplicateTransaction, line: line,
                                    "nonce \(nonce) of party \(party) is not above its last nonce \(last) in lane \(lane): a replayed or duplicate transaction")
            }
        }
        if !partyKeyChecked, let party = tx.party { try checkKey(party, line: line, what: "\(tx.kind) party") }
        let body: TypedBody
        if let preparsed { body = try preparsed.get() } else { body = try TypedBody.parse(tx, line: line) }
        if case .genesis = body { throw LedgerFinding(.badGenesis, line: line, "a genesis transaction may only be line 1") }
        // Everything that can refuse happens before anything changes: the task's transition runs
        // on a copy, and the movements are checked as a whole (`booking`) before they are booked.
        var change: Transition
        let booking: LedgerState.Booking
        do throws(Refusal) {
            change = try transition(state, entry, body)
            booking = try state.booking(change.movements)
        } catch {
            throw error.finding(entry)
        }
        state.book(booking)
        var closed: TaskState?
        if let task = change.task.take() {  // moved out of `change` and into the state, not copied
            let id = task.id
            if task.closed != nil {
                // It leaves the open state (an open task is always in `tasks` and `taskOrder`).
                state.tasks[id] = nil
                if let i = state.taskOrder.firstIndex(of: id) { state.taskOrder.remove(at: i) }
                state.closedCount += 1
                closed = consume task
            } else if state.tasks.updateValue(consume task, forKey: id) == nil {
                state.taskOrder.append(id)
            }
        }
        if let nonce = tx.nonce, let nonceSlot {
            if let i = nonceSlot.index { state.nonces.values[i] = nonce } else { state.nonces[nonceSlot.key] = nonce }
        }
        state.head = entry.hash
        state.seq = entry.seq
        state.time = entry.time
        return closed
    }

    /// What a transition asks for: the task it creates or changes (none for a transfer) and the
    /// money it moves.
    struct Transition {
        var task: TaskState?
        var movements: [Movement]
        init(_ task: TaskState?, _ movements: [Movement]) {
            self.task = task
            self.movements = movements
        }
    }

    /// The transition an entry's body asks for. Reads `state`, changes nothing.
    static func transition(_ state: LedgerState, _ entry: Entry, _ body: TypedBody) throws(Refusal) -> Transition {
        // Signed kinds have a party by their envelope (LedgerModel's Transaction.parse).
        let party = entry.tx.party ?? ""
        func task(_ id: String) throws(Refusal) -> TaskState {
            // The state holds open tasks only: a closed task's id is no longer there.
            guard let t = state.tasks[id] else { throw Refusal("task \(id) is not open on this ledger: never published, or already closed") }
            return t
        }
        switch body {
        case .genesis:
            throw Refusal("a genesis transaction may only be line 1", code: .badGenesis)
        case .transfer(let b):
            return Transition(nil, [.transfer(from: party, to: b.to, amount: b.amount)])
        case .publish(let b):
            let (t, movements) = try TaskState.publish(b, id: entry.tx.id, by: party, at: entry.time, seq: entry.seq,
                                                       nonce: entry.tx.nonce ?? 0)
            // A task id is its publish transaction's id, the hash of the signed transaction, whose
            // (party, nonce lane, nonce) the nonce check above never lets repeat: a closed task's
            // id can never be published again, so forgetting it is safe.
            guard state.tasks[t.id] == nil else { throw Refusal("task \(t.id) already exists") }
            return Transition(t, movements)
        case .join(let b):
            var t = try task(b.task)
            let movements = try t.join(party, at: entry.time)
            return Transition(t, movements)
        case .coin(let b):
            var t = try task(b.task)
            let movements = try t.releaseCoin(b.coin, by: party, at: entry.time)
            return Transition(t, movements)
        case .commit(let b):
            var t = try task(b.task)
            let movements = try t.commit(b.commitment, by: party, at: entry.time)
            return Transition(t, movements)
        case .reveal(let b):
            var t = try task(b.task)
            let movements = try t.reveal(b, by: party, at: entry.time, seq: entry.seq)
            return Transition(t, movements)
        case .cancel(let b):
            var t = try task(b.task)
            let movements = try t.cancel(by: party, recorded: b.payouts, seq: entry.seq, at: entry.time)
            return Transition(t, movements)
        case .settle(let b):
            var t = try task(b.task)
            let movements = try t.settle(b.record, at: entry.time, seq: entry.seq).movements
            return Transition(t, movements)
        }
    }

    // MARK: - Findings

    /// Refuses an account id that is a small-order or non-canonically encoded Ed25519 point
    /// (FORMAT.md 8.2): anyone can sign for such a key (or nobody can), so money sent to it is
    /// either free for all or burned unrecorded. A `weak-key` finding naming the id.
    public static func checkKey(_ account: String, line: Int, what: @autoclosure () -> String) throws(LedgerFinding) {
        if let w = Ed25519.weakness(ofAccount: account) {
            throw LedgerFinding(.weakKey, line: line, "\(what()) \(account) is a \(w == .smallOrder ? "small-order" : "non-canonically encoded") Ed25519 key: no account may be such a key")
        }
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
    /// A lane's base, `lane * 2^40` (counter 0): its last nonce before the party used it.
    public static func base(ofLane lane: Int64) -> Int64 { lane << Int64(counterBits) }
    /// The state's key for a party's lane.
    public static func key(_ party: String, lane: Int64) -> String { lane == 0 ? party : "\(party)/\(lane)" }
}

extension LedgerState {
    /// The last nonce `party` used in `lane`, or the lane's base (`lane * 2^40`, counter 0) when
    /// it used none there.
    public func lastNonce(for party: String, lane: Int64) -> Int64 {
        nonces[Nonce.key(party, lane: lane)] ?? Nonce.base(ofLane: lane)
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
