public import CanonicalJSON
import LedgerCrypto
public import LedgerModel

/// genesis (line 1, unsigned): `{"allocations":{ID:N,...},"format":2,"name":NAME,"salt":HEX32}`.
/// The salt (32 random bytes) makes every ledger's id unique, even for equal names, allocations
/// and times, so a transaction signed for one ledger never names another.
public struct GenesisBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.genesis
    public let name: String
    public let format: Int64
    /// Account id → amount (amounts ≥ 0; zero allocations are kept in the body, not in balances).
    public let allocations: [String: Int64]
    /// 64 lower-case hex digits: 32 bytes the creator drew at random (or chose, for a
    /// reproducible record).
    public let salt: String

    public init(name: String, allocations: [String: Int64], salt: [UInt8]) {
        precondition(salt.count == LedgerFormat.saltBytes, "a genesis salt is \(LedgerFormat.saltBytes) bytes")
        self.name = name
        self.format = LedgerFormat.version
        self.allocations = allocations
        self.salt = Hex.encode(salt)
    }

    public init(reading b: BodyReader) throws(LedgerFinding) {
        try b.allowOnly(["allocations", "format", "name", "salt"])
        format = try b.int("format")
        guard format == LedgerFormat.version else {
            throw b.fail("unsupported format \(format); this tool reads format \(LedgerFormat.version)")
        }
        name = try b.string("name")
        salt = try b.hex("salt", bytes: LedgerFormat.saltBytes)
        let alloc = try b.object("allocations")
        var allocations: [String: Int64] = [:]
        for (account, _) in alloc.object {
            let amount = try alloc.int(account)
            guard Hex.isCanonical(account, byteCount: 32) else { throw b.fail("allocation key \(account) is not an account id") }
            try Contract.checkKey(account, line: b.line, what: "genesis allocation")
            allocations[account] = amount
        }
        self.allocations = allocations
    }

    public var json: JSONObject {
        var alloc: JSONObject = [:]
        for (k, v) in allocations { alloc[k] = .int(v) }
        return ["allocations": .object(alloc), "format": .int(format), "name": .string(name), "salt": .string(salt)]
    }

    /// The genesis entry (line 1) at `time`.
    public func entry(time: Int64) -> Entry {
        Entry(seq: 1, link: Entry.zeroLink, time: time, tx: Transaction(unsignedKind: .genesis, body: json, ledger: nil))
    }
}

extension Contract {
    /// The state after the genesis entry (line 1). The ledger's id is the genesis entry's hash.
    public static func genesis(_ entry: Entry) throws(LedgerFinding) -> LedgerState {
        let line = Int(entry.seq)
        guard entry.tx.kind == TransactionKind.genesis.rawValue else {
            throw LedgerFinding(.badGenesis, line: line, "line 1 must be the genesis entry, found kind \(entry.tx.kind)")
        }
        guard entry.seq == 1, entry.link == Entry.zeroLink else {
            throw LedgerFinding(.badGenesis, line: line, "genesis must have seq 1 and a link of 64 zeros")
        }
        do throws(LedgerFinding) {
            let body = try GenesisBody.parse(entry.tx, line: line)
            var balances: [String: Int64] = [:]
            var total: Int64 = 0
            for (account, amount) in body.allocations.sorted(by: { $0.key < $1.key }) {
                let (t, o) = total.addingReportingOverflow(amount)
                guard !o else { throw LedgerFinding(.rejected, line: line, "genesis: allocations overflow a signed 64-bit total") }
                total = t
                if amount > 0 { balances[account] = amount }
            }
            return LedgerState(ledgerID: entry.hash, name: body.name, genesisTotal: total, balances: balances, nonces: [:],
                               tasks: [:], taskOrder: [], escrow: 0, burned: 0, head: entry.hash, seq: 1, time: entry.time)
        } catch {
            if error.code == .weakKey { throw error }
            throw LedgerFinding(.badGenesis, line: line, error.message)
        }
    }
}
