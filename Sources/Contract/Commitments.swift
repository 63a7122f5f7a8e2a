import LedgerCrypto

/// The protocol's commitments and the secrets behind them. Every hash input begins with a
/// domain string ending in a newline, so no two uses can collide, and none of them is ever a
/// valid transaction signing message (which begins `crowdledger/v1/tx\n`).
/// The secrets themselves are derived on the parties' side, from their keys (`Client.Secrets`).
public enum Commitments {
    public static let commitDomain = Array("crowdledger/v1/commit\n".utf8)
    public static let coinDomain = Array("crowdledger/v1/coin\n".utf8)

    /// c = SHA-256("crowdledger/v1/commit\n" || task id (32) || worker (32) || K (32) ||
    /// size (8, big-endian) || SHA-256(y) (32)). Binding the worker's id means a copied
    /// commitment cannot be opened by the copier.
    public static func commitment(task: [UInt8], worker: [UInt8], secret: [UInt8], size: Int64, digest: [UInt8]) -> [UInt8] {
        SHA256.hash(parts: [commitDomain, task, worker, secret, BigEndian.bytes(UInt64(bitPattern: size)), digest])
    }

    /// The coin commitment published with a task: SHA-256("crowdledger/v1/coin\n" || r).
    public static func coinCommitment(_ coin: [UInt8]) -> [UInt8] {
        SHA256.hash(parts: [coinDomain, coin])
    }
}
