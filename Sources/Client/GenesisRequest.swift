import LedgerCrypto
import LedgerModel

/// What `init` is asked for, checked before anything is written: `ID=AMOUNT` allocations
/// (positive, each account once, the total within a signed 64-bit integer) and an optional
/// explicit salt (64 lower-case hex digits).
public struct GenesisRequest: Sendable {
    public let allocations: [String: Int64]
    public let salt: [UInt8]?

    public init(funds: [String], salt: String?) throws {
        var allocations: [String: Int64] = [:]
        var total: Int64 = 0
        for f in funds {
            let parts = f.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw ClientError.usage("--fund takes ID=AMOUNT, got \"\(f)\"") }
            let id = String(parts[0])
            guard Hex.isCanonical(id, byteCount: 32) else {
                throw ClientError.usage("--fund account must be an account id: 64 lower-case hex digits (see `crowdledger account KEYFILE`), got \"\(id)\"")
            }
            guard let amount = Int64(parts[1]), amount > 0, String(amount) == parts[1] else {
                throw ClientError.usage("--fund amount must be a positive integer, got \"\(parts[1])\"")
            }
            guard allocations[id] == nil else { throw ClientError.usage("--fund names \(id) twice") }
            let (t, o) = total.addingReportingOverflow(amount)
            guard !o else { throw ClientError.usage("--fund amounts overflow a signed 64-bit total") }
            total = t
            allocations[id] = amount
        }
        self.allocations = allocations
        if let salt {
            guard Hex.isCanonical(salt, byteCount: LedgerFormat.saltBytes), let b = Hex.decode(salt) else {
                throw ClientError.usage("--salt must be \(LedgerFormat.saltBytes * 2) lower-case hex digits, got \"\(salt)\"")
            }
            self.salt = b
        } else {
            self.salt = nil
        }
    }
}
