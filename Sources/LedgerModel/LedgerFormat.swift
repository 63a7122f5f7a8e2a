/// The ledger format this tool reads and writes (the genesis body's `format` member).
public enum LedgerFormat {
    public static let version: Int64 = 1
}
