/// The transaction kinds this format defines. Each kind's body, its exact JSON members and its
/// transition live in one file of the Contract module (`Sources/Contract/Transactions/`).
public enum TransactionKind: String, Sendable, CaseIterable {
    case genesis, transfer, publish, join, coin, commit, reveal, cancel, settle

    /// Genesis (line 1) and settle (fully determined by the history, so anyone may append it)
    /// are unsigned; every other kind is signed by its party.
    public var isSigned: Bool { self != .genesis && self != .settle }
}
