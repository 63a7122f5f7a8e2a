public import CanonicalJSON
public import LedgerModel

/// transfer (signed by the payer): `{"amount":N,"to":ID}`, N ≥ 1. Its transition is one
/// ``Movement/transfer(from:to:amount:)`` (`Contract.transition`).
public struct TransferBody: TransactionBody, Equatable {
    public static let kind = TransactionKind.transfer
    public let to: String
    public let amount: Int64

    public init(to: String, amount: Int64) {
        self.to = to
        self.amount = amount
    }

    public init(reading b: BodyReader) throws(LedgerFinding) {
        try b.allowOnly(["amount", "to"])
        amount = try b.int("amount", min: 1)
        to = try b.account("to")
    }

    public var json: JSONObject { ["amount": .int(amount), "to": .string(to)] }
}
