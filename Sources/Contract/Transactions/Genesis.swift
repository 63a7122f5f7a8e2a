import CanonicalJSON
import LedgerCrypto
import LedgerModel

/// genesis (line 1, unsigned): `{"allocations":{ID:N,...},"format":1,"name":NAME}`.
public struct GenesisBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.genesis
    public let name: String
    public let format: Int64
    /// Account id → amount (amounts ≥ 0; zero allocations are kept in the body, not in balances).
    public let allocations: [String: Int64]

    public init(name: String, allocations: [String: Int64]) {
        self.name = name
        self.format = LedgerFormat.version
        self.allocations = allocations
    }

    public init(reading b: BodyReader) throws(LedgerFinding) {
        try b.allowOnly(["allocations", "format", "name"])
        format = try b.int("format")
        guard format == LedgerFormat.version else {
            throw b.fail("unsupported format \(format); this tool reads format \(LedgerFormat.version)")
        }
        name = try b.string("name")
        let alloc = try b.object("allocations")
        var allocations: [String: Int64] = [:]
        for (account, _) in alloc.object {
            let amount = try alloc.int(account)
            guard Hex.isCanonical(account, byteCount: 32) else { throw b.fail("allocation key \(account) is not an account id") }
            allocations[account] = amount
        }
        self.allocations = allocations
    }

    public var json: JSONObject {
        var alloc: JSONObject = [:]
        for (k, v) in allocations { alloc[k] = .int(v) }
        return ["allocations": .object(alloc), "format": .int(format), "name": .string(name)]
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
            throw LedgerFinding(.badGenesis, line: line, error.message)
        }
    }
}
