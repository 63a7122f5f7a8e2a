public import CanonicalJSON
public import LedgerModel

/// A transaction body of one kind, with its exact JSON shape: read strictly (every member
/// checked, unknown members refused) and written canonically. Each kind has one such type, in one
/// file beside its transition (`Transactions/<Kind>.swift`); nothing else reads or writes a body.
public protocol TransactionBody: Sendable {
    static var kind: TransactionKind { get }
    init(reading body: BodyReader) throws(LedgerFinding)
    /// The body as it goes into the transaction (canonical JSON sorts the members).
    var json: JSONObject { get }
}

extension TransactionBody {
    /// Reads a transaction's body; findings name `line`.
    public static func parse(_ tx: Transaction, line: Int) throws(LedgerFinding) -> Self {
        try Self(reading: BodyReader(tx, line: line))
    }

    /// Reads a body object on its own (e.g. one a caller built).
    public static func parse(_ object: JSONObject, line: Int = 0) throws(LedgerFinding) -> Self {
        try Self(reading: BodyReader(object: object, kind: kind.rawValue, line: line))
    }
}

/// Any transaction's body, typed by its kind.
public enum TypedBody: Sendable {
    case genesis(GenesisBody)
    case transfer(TransferBody)
    case publish(PublishBody)
    case join(JoinBody)
    case coin(CoinBody)
    case commit(CommitBody)
    case reveal(RevealBody)
    case cancel(CancelBody)
    case settle(SettleBody)

    public static func parse(_ tx: Transaction, line: Int) throws(LedgerFinding) -> TypedBody {
        guard let kind = tx.knownKind else {
            throw LedgerFinding(.rejected, line: line, "unknown transaction kind \(tx.kind)")
        }
        switch kind {
        case .genesis: return .genesis(try .parse(tx, line: line))
        case .transfer: return .transfer(try .parse(tx, line: line))
        case .publish: return .publish(try .parse(tx, line: line))
        case .join: return .join(try .parse(tx, line: line))
        case .coin: return .coin(try .parse(tx, line: line))
        case .commit: return .commit(try .parse(tx, line: line))
        case .reveal: return .reveal(try .parse(tx, line: line))
        case .cancel: return .cancel(try .parse(tx, line: line))
        case .settle: return .settle(try .parse(tx, line: line))
        }
    }

    /// The task a body concerns (publish: none; its task id is its transaction id).
    public var task: String? {
        switch self {
        case .genesis, .transfer, .publish: return nil
        case .join(let b): return b.task
        case .coin(let b): return b.task
        case .commit(let b): return b.task
        case .reveal(let b): return b.task
        case .cancel(let b): return b.task
        case .settle(let b): return b.task
        }
    }
}
