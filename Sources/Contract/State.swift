import CanonicalJSON
import Incentives

/// Everything the contract knows after replaying a ledger prefix. Pure data: the contract's
/// `apply` is the only thing that changes it.
public struct LedgerState: Sendable, Codable {
    public let ledgerID: String
    public let name: String
    /// The sum of the genesis allocations: balances + escrow + burned always equals it.
    public let genesisTotal: Int64
    public internal(set) var balances: [String: Int64]
    /// The last nonce each party used (nonces strictly increase per party).
    public internal(set) var nonces: [String: Int64]
    public internal(set) var tasks: [String: TaskState]
    /// Task ids in publish order.
    public internal(set) var taskOrder: [String]
    public internal(set) var escrow: Int64
    public internal(set) var burned: Int64
    /// The last entry applied.
    public internal(set) var head: String
    public internal(set) var seq: Int64
    public internal(set) var time: Int64

    public func balance(of account: String) -> Int64 { balances[account] ?? 0 }
    /// The nonce a party's next transaction takes: one above its last. A party that used nonce
    /// Int64.max has none left: this returns Int64.max again, which the contract refuses.
    public func nextNonce(for account: String) -> Int64 { saturatingAdd(nonces[account] ?? 0, 1) }

    /// Changes one existing task in place (the transitions' only way to change a task).
    mutating func updateTask(_ id: String, _ change: (inout TaskState) -> Void) {
        guard var task = tasks[id] else { return }
        tasks[id] = nil
        change(&task)
        tasks[id] = task
    }
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
    public let data: [UInt8]?
    public let time: Int64
    public let outcome: WorkerOutcome
    /// The reveal's line (nil in a state cache written before it was recorded).
    public var seq: Int64? = nil
}

public enum TaskPhase: String, Sendable, Codable {
    case joining, coin, commit, reveal, settled, aborted, cancelled
}

public struct TaskState: Sendable, Codable {
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

    public internal(set) var joined: [String] = []
    public internal(set) var filledAt: Int64?
    public internal(set) var coin: String?
    public internal(set) var coinAt: Int64?
    public internal(set) var commits: [String: String] = [:]
    public internal(set) var lastCommitAt: Int64?
    public internal(set) var reveals: [String: Reveal] = [:]
    /// What this task holds in escrow now.
    public internal(set) var escrowed: Int64 = 0
    public internal(set) var closed: TaskPhase? = nil   // settled, aborted or cancelled
    public internal(set) var closedSeq: Int64? = nil
    public internal(set) var agreedResult: String? = nil

    // Deadlines saturate at Int64.max instead of wrapping (entry times may be any non-negative
    // Int64; windows are at most 10 years).
    public var joinDeadline: Int64 { saturatingAdd(publishedAt, windows.join) }
    public var coinDeadline: Int64? { filledAt.map { saturatingAdd($0, windows.coin) } }
    public var commitStart: Int64? {
        switch coinMode {
        case .committed: return coinAt
        case .publicValue: return filledAt
        }
    }
    public var commitDeadline: Int64? { commitStart.map { saturatingAdd($0, windows.commit) } }
    public var allCommitted: Bool { commits.count == workers }
    /// The reveal phase starts when the last worker commits, or at the commit deadline.
    public var revealStart: Int64? {
        guard let cd = commitDeadline else { return nil }
        if allCommitted, let t = lastCommitAt { return t }
        return cd
    }
    public var revealDeadline: Int64? { revealStart.map { saturatingAdd($0, windows.reveal) } }
    public var isFilled: Bool { joined.count == workers }
    public var coinHex: String? {
        switch coinMode {
        case .committed: return coin
        case .publicValue(let v): return v
        }
    }

    /// The phase at time `now` (time only moves phases forward when deadlines pass).
    public func phase(at now: Int64) -> TaskPhase {
        if let closed { return closed }
        if !isFilled { return .joining }
        if coinHex == nil { return .coin }
        if allCommitted { return .reveal }
        if let cd = commitDeadline, now > cd { return .reveal }
        return .commit
    }
}

func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
    let (r, o) = a.addingReportingOverflow(b)
    return o ? (b > 0 ? Int64.max : Int64.min) : r
}
