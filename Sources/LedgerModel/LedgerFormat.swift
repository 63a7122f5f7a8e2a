/// The ledger format this tool reads and writes (the genesis body's `format` member).
/// Format 2 added the genesis `salt` (32 random bytes), so that two ledgers never share an id.
public enum LedgerFormat {
    public static let version: Int64 = 2
    /// Bytes of the genesis salt.
    public static let saltBytes = 32
}
