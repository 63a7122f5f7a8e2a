public import CanonicalJSON
import LedgerModel

/// One line of a settlement: who receives what, and the clause that says why.
/// JSON: `{"account":ID,"amount":N,"clause":NAME}`; a closing records every payout, zero amounts
/// included, in the order the contract computes them.
public struct Payout: Sendable, Equatable {
    public let account: String
    public let amount: Int64
    public let clause: String

    public init(account: String, amount: Int64, clause: String) {
        self.account = account
        self.amount = amount
        self.clause = clause
    }

    public var json: JSON { .object(["account": .string(account), "amount": .int(amount), "clause": .string(clause)]) }

    /// Reads the `payouts` member of a cancel or settle body. Their amounts are compared with the
    /// recomputed ones by the transition (a difference is a `settlement-mismatch`).
    static func list(_ b: BodyReader) throws(LedgerFinding) -> [Payout] {
        var payouts: [Payout] = []
        for (i, v) in try b.array("payouts").enumerated() {
            guard case .object(let o) = v else { throw b.fail("payouts[\(i)] must be an object") }
            let p = BodyReader(object: o, kind: "\(b.kind).payouts[\(i)]", line: b.line)
            try p.allowOnly(["account", "amount", "clause"])
            payouts.append(Payout(account: try p.account("account"), amount: try p.int("amount", min: Int64.min), clause: try p.string("clause")))
        }
        return payouts
    }
}
