public import CanonicalJSON
public import Incentives

/// Everything the contract knows after replaying a ledger prefix. Pure data: the contract's
/// `apply` is the only thing that changes it (a task through its own transitions, the money
/// through `move`, in `Movement.swift`).
///
/// It holds what is still **open**: balances, nonce lanes and the open tasks. A task leaves it
/// when a cancel or settle closes it (`Contract.apply` returns the closed task to its caller, who
/// may keep it: the state cache's archive `.NAME.closed.state`, `verify --recompute`, the reports), so
/// its size grows with the open state, never with history. Only the number of closed tasks stays.
public struct LedgerState: Sendable, Codable, Equatable {
    public let ledgerID: String
    public let name: String
    /// The sum of the genesis allocations: balances + escrow + burned always equals it.
    public let genesisTotal: Int64
    public internal(set) var balances: [String: Int64]
    /// The last nonce each party used (nonces strictly increase per party).
    public internal(set) var nonces: [String: Int64]
    /// The open tasks (closed ones leave the state when they close).
    public internal(set) var tasks: [String: TaskState]
    /// The open tasks' ids in publish order.
    public internal(set) var taskOrder: [String]
    /// How many tasks have closed (settled, aborted or cancelled) so far.
    public internal(set) var closedCount: Int64 = 0
    public internal(set) var escrow: Int64
    public internal(set) var burned: Int64
    /// The last entry applied.
    public internal(set) var head: String
    public internal(set) var seq: Int64
    public internal(set) var time: Int64

    public func balance(of account: String) -> Int64 { balances[account] ?? 0 }
    /// Every task published so far: the open ones and the closed ones.
    public var taskCount: Int64 { Int64(taskOrder.count) + closedCount }
    /// The nonce a party's next transaction takes: one above its last. A party that used nonce
    /// Int64.max has none left: this returns Int64.max again, which the contract refuses.
    public func nextNonce(for account: String) -> Int64 { saturatingAdd(nonces[account] ?? 0, 1) }
}

/// How the task's random coin is released.
public enum CoinMode: Sendable, Equatable, Codable {
    /// The requester committed to `SHA-256("crowdledger/v1/coin\n" || r)` at publish and opens r
    /// once the task has filled.
    case committed(commitment: String)
    /// The coin was given at publish (e.g. a public beacon value).
    case publicValue(String)
}

public enum ForfeitDestination: String, Sendable, Equatable, Codable {
    case burn
    case requester
}

public struct InputRef: Sendable, Equatable, Codable {
    public let digest: String
    public let size: Int64
    public let name: String

    public init(digest: String, size: Int64, name: String) {
        self.digest = digest
        self.size = size
        self.name = name
    }
}

public struct Windows: Sendable, Equatable, Codable {
    public let join: Int64
    public let coin: Int64
    public let commit: Int64
    public let reveal: Int64

    public init(join: Int64, coin: Int64, commit: Int64, reveal: Int64) {
        self.join = join
        self.coin = coin
        self.commit = commit
        self.reveal = reveal
    }
}

/// Pay-per-precision: the requester escrows `amount` for `seller`, paid iff the agreed
/// evaluation reaches correct/k >= num/den.
public struct Payment: Sendable, Equatable, Codable {
    public let seller: String
    public let amount: Int64
    public let num: Int64
    public let den: Int64

    public init(seller: String, amount: Int64, num: Int64, den: Int64) {
        self.seller = seller
        self.amount = amount
        self.num = num
        self.den = den
    }
}

public struct ProgramSpec: Sendable, Equatable, Codable {
    /// A built-in program's name, or "exec" for an external program.
    public let name: String
    public let params: JSONObject
    /// For "exec": the SHA-256 of the script or binary, the program's identity.
    public let digest: String?

    public init(name: String, params: JSONObject, digest: String?) {
        self.name = name
        self.params = params
        self.digest = digest
    }

    enum CodingKeys: String, CodingKey { case name, params, digest }

    // The parameters are kept as their canonical JSON text.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        digest = try c.decodeIfPresent(String.self, forKey: .digest)
        let text = try c.decode(String.self, forKey: .params)
        guard case .object(let o)? = try? JSON.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: .params, in: c, debugDescription: "params are not a JSON object")
        }
        params = o
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(digest, forKey: .digest)
        try c.encode(JSON.object(params).canonicalString, forKey: .params)
    }
}

public struct Reveal: Sendable, Equatable, Codable {
    public let secret: String
    public let digest: String
    public let size: Int64
    /// The result's bytes when revealed inline; dropped once the task closes.
    public let data: [UInt8]?
    public let time: Int64
    public let outcome: WorkerOutcome
    /// The reveal's line.
    public var seq: Int64? = nil

    /// The same reveal without its inline bytes (kept once the task has closed).
    var withoutData: Reveal {
        Reveal(secret: secret, digest: digest, size: size, data: nil, time: time, outcome: outcome, seq: seq)
    }
}

public enum TaskPhase: String, Sendable, Codable {
    case joining, coin, commit, reveal, settled, aborted, cancelled
}

/// A task: the terms its publish fixed (plain `let`s) and its ``Stage``, an enum whose cases
/// carry exactly the data that exists in that stage. Each input is one mutating function that
/// refuses (leaving the task unchanged) or moves the stage on and returns the ``Movement``s of
/// money it causes, which `Contract.apply` books: `join`, `releaseCoin`, `commit`, `reveal`,
/// `cancel`, `settle` (in `Transactions/<Kind>.swift`), and `publish` to create one.
/// The flat read API below (`joined`, `commits`, `coin`, deadlines, `phase(at:)`…) is computed
/// from the stage.
public struct TaskState: Sendable, Codable, Equatable {
    public let id: String
    public let requester: String
    public let program: ProgramSpec
    public let inputs: [InputRef]
    public let reward: Int64
    public let deposit: Int64
    public let workers: Int
    public let windows: Windows
    public let coinMode: CoinMode
    public let eck: [String]
    public let forfeit: ForfeitDestination
    public let allow: [String]?
    public let payment: Payment?
    public let maxResultSize: Int64
    public let publishedAt: Int64
    public let publishSeq: Int64
    /// The publish transaction's nonce: the requester's coin secret is derived from it.
    public let publishNonce: Int64

    /// Where the task is, with what that stage holds.
    public internal(set) var stage: Stage

    // MARK: - Reading the stage

    /// The open stage, or for a closed task the last open stage it reached.
    public var lastOpenStage: OpenStage {
        switch stage {
        case .joining(let s): return .joining(s)
        case .awaitingCoin(let s): return .awaitingCoin(s)
        case .working(let s): return .working(s)
        case .closed(let c): return c.last
        }
    }

    /// The working stage's data (for a closed task, what it held when it closed), if it got there.
    var work: Working? {
        if case .working(let w) = lastOpenStage { return w }
        return nil
    }

    /// The workers that joined, in join order.
    public var joined: [String] {
        switch lastOpenStage {
        case .joining(let s): return s.workers
        case .awaitingCoin(let s): return s.workers
        case .working(let s): return s.workers
        }
    }

    /// When the n-th worker joined.
    public var filledAt: Int64? {
        switch lastOpenStage {
        case .joining: return nil
        case .awaitingCoin(let s): return s.filledAt
        case .working(let s): return s.filledAt
        }
    }

    /// The coin the requester released (committed-coin tasks only; see `coinHex`).
    public var coin: String? {
        guard case .committed = coinMode else { return nil }
        return work?.coin
    }

    /// When the requester released the coin (committed-coin tasks only).
    public var coinAt: Int64? {
        guard case .committed = coinMode else { return nil }
        return work?.commitStart
    }

    public var commits: [String: String] { work?.commits ?? [:] }
    /// When the last worker committed (set once every worker has).
    public var lastCommitAt: Int64? { work?.lastCommitAt }
    public var reveals: [String: Reveal] { work?.reveals ?? [:] }

    /// What this task holds in escrow now: the reward, the payment and one deposit per worker
    /// until it closes, nothing after. (Publish checked that the full sum fits in an Int64.)
    public var escrowed: Int64 {
        if case .closed = stage { return 0 }
        return reward &+ (payment?.amount ?? 0) &+ deposit &* Int64(joined.count)
    }

    /// settled, aborted or cancelled; nil while open.
    public var closed: TaskPhase? {
        if case .closed(let c) = stage { return c.how.phase }
        return nil
    }

    /// The line of the settle or cancel that closed the task.
    public var closedSeq: Int64? {
        if case .closed(let c) = stage { return c.seq }
        return nil
    }

    /// The time of the line that closed the task.
    public var closedAt: Int64? {
        if case .closed(let c) = stage { return c.at }
        return nil
    }

    /// The digest every worker revealed, when the task settled with agreement.
    public var agreedResult: String? {
        if case .closed(let c) = stage { return c.agreedResult }
        return nil
    }

    // Deadlines saturate at Int64.max instead of wrapping (entry times may be any non-negative
    // Int64; windows are at most 10 years).
    public var joinDeadline: Int64 { saturatingAdd(publishedAt, windows.join) }
    public var coinDeadline: Int64? { filledAt.map { saturatingAdd($0, windows.coin) } }
    /// When the commit phase began: the coin's release (committed coin) or the n-th join (public).
    public var commitStart: Int64? { work?.commitStart }
    public var commitDeadline: Int64? { work?.commitDeadline(windows) }
    public var allCommitted: Bool { commits.count == workers }
    /// The reveal phase starts when the last worker commits, or at the commit deadline.
    public var revealStart: Int64? { work?.revealStart(windows) }
    public var revealDeadline: Int64? { work?.revealDeadline(windows) }
    public var isFilled: Bool { joined.count == workers }
    public var coinHex: String? {
        switch coinMode {
        case .committed: return coin
        case .publicValue(let v): return v
        }
    }

    /// The phase at time `now` (time only moves phases forward when deadlines pass).
    public func phase(at now: Int64) -> TaskPhase {
        switch stage {
        case .closed(let c): return c.how.phase
        case .joining: return .joining
        case .awaitingCoin: return .coin
        case .working(let w):
            if w.commits.count == workers || now > w.commitDeadline(windows) { return .reveal }
            return .commit
        }
    }

    /// The open stage, or a refusal saying the task is closed (every input's first check).
    func openStage() throws(Refusal) -> OpenStage {
        if case .closed(let c) = stage { throw Refusal("task \(id) is already \(c.how.rawValue)") }
        return lastOpenStage
    }
}

func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
    let (r, o) = a.addingReportingOverflow(b)
    return o ? (b > 0 ? Int64.max : Int64.min) : r
}
