import CanonicalJSON
import LedgerModel

/// transfer (signed by the payer): `{"amount":N,"to":ID}`, N ≥ 1.
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

extension Contract {
    static func applyTransfer(_ state: inout LedgerState, _ entry: Entry, party from: String, _ body: TransferBody) throws(LedgerFinding) {
        try debit(state, from, body.amount, entry, "insufficient funds")
        if body.to != from {
            _ = try add(state.balance(of: body.to), body.amount, entry, "the recipient's balance")
            withdraw(&state, from, body.amount)
            credit(&state, body.to, body.amount)
        }
    }
}
