public import LedgerModel

/// Money a transition moves. Transitions only return these; `LedgerState.booking` checks them and
/// `book` books them, in one place, with every sum overflow-checked. Money only ever moves between balances, escrow
/// and burned, so balances + escrow + burned stays the genesis total by construction.
public enum Movement: Sendable, Equatable {
    /// From a balance into escrow: a task's reward and payment at publish, a deposit at join.
    case escrowIn(account: String, amount: Int64, stake: Stake)
    /// From escrow to a balance, with the clause that says why.
    case payout(Payout)
    /// From escrow to nobody (forfeits, when the task says so).
    case burn(Int64)
    /// From one balance to another.
    case transfer(from: String, to: String, amount: Int64)

    /// What an escrowed amount is, for the refusal when the account cannot pay it.
    public enum Stake: String, Sendable, Equatable {
        /// A publish's reward (and payment).
        case reward
        /// A join's deposit.
        case deposit
    }
}

/// Why the contract refuses an input: a finding code (`rejected` unless said otherwise) and a
/// sentence. `Contract.apply` turns it into a finding on the entry's line, prefixed with the
/// transaction's kind (`join: task … is full …`).
public struct Refusal: Error, Sendable, Equatable {
    public let code: LedgerFinding.Code
    public let message: String

    public init(_ message: String, code: LedgerFinding.Code = .rejected) {
        self.code = code
        self.message = message
    }

    /// The finding for `entry`: "KIND: message" on its line.
    func finding(_ entry: Entry) -> LedgerFinding {
        LedgerFinding(code, line: Int(entry.seq), "\(entry.tx.kind): \(message)")
    }
}

/// `a + b`, or a refusal naming `what` when it overflows.
func checkedAdd(_ a: Int64, _ b: Int64, _ what: String) throws(Refusal) -> Int64 {
    let (r, o) = a.addingReportingOverflow(b)
    guard !o else { throw Refusal("\(what) overflows a signed 64-bit integer") }
    return r
}

extension LedgerState {
    /// What a list of movements leaves: the balances it changes, the escrow and burned totals.
    struct Booking {
        /// The balances the movements change, each account once (a transition moves money
        /// between a handful of accounts, at most one per worker and the requester: a short
        /// list searched in order costs less than a dictionary's hashing).
        var balances: [(account: String, amount: Int64)]
        var escrow: Int64
        var burned: Int64
    }

    /// Checks `movements` in order against this state (every debit covered, every sum
    /// overflow-checked, escrow never below zero) and returns what they leave, or a refusal.
    func booking(_ movements: [Movement]) throws(Refusal) -> Booking {
        var changed: [(account: String, amount: Int64)] = []
        changed.reserveCapacity(2 * movements.count)
        var escrow = self.escrow, burned = self.burned
        func index(_ account: String) -> Int? {
            for i in changed.indices where changed[i].account == account { return i }
            return nil
        }
        func balance(_ account: String) -> Int64 {
            if let i = index(account) { return changed[i].amount }
            return self.balance(of: account)
        }
        func set(_ account: String, _ amount: Int64) {
            if let i = index(account) { changed[i].amount = amount } else { changed.append((account, amount)) }
        }
        func takeFromEscrow(_ amount: Int64, _ what: String) throws(Refusal) {
            guard amount >= 0, amount <= escrow else {
                throw Refusal("the escrow holds \(escrow), cannot release \(amount) \(what)", code: .conservation)
            }
            escrow -= amount
        }
        for m in movements {
            switch m {
            case .escrowIn(let account, let amount, let stake):
                let have = balance(account)
                guard amount >= 0, have >= amount else {
                    throw Refusal("cannot escrow the \(stake.rawValue): account \(account) has \(have), needs \(amount)")
                }
                escrow = try checkedAdd(escrow, amount, "total escrow")
                set(account, have - amount)
            case .transfer(let from, let to, let amount):
                let have = balance(from)
                guard amount >= 0, have >= amount else { throw Refusal("insufficient funds: account \(from) has \(have), needs \(amount)") }
                guard to != from else { continue }
                let received = try checkedAdd(balance(to), amount, "the recipient's balance")
                set(from, have - amount)
                set(to, received)
            case .payout(let p):
                try takeFromEscrow(p.amount, "to \(p.account)")
                guard p.amount != 0 else { continue }
                set(p.account, try checkedAdd(balance(p.account), p.amount, "the balance of \(p.account)"))
            case .burn(let amount):
                try takeFromEscrow(amount, "to burn")
                burned = try checkedAdd(burned, amount, "the burned total")
            }
        }
        return Booking(balances: changed, escrow: escrow, burned: burned)
    }

    /// Books a checked list of movements. A balance that reaches zero is removed; a payout of
    /// zero creates none.
    mutating func book(_ b: Booking) {
        for (account, amount) in b.balances { balances[account] = amount == 0 ? nil : amount }
        escrow = b.escrow
        burned = b.burned
    }
}
