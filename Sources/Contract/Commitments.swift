import LedgerCrypto

/// The protocol's commitments and the secrets behind them. Every hash input begins with a
/// domain string ending in a newline, so no two uses can collide, and none of them is ever a
/// valid transaction signing message (which begins `crowdledger/v1/tx\n`).
public enum Commitments {
    public static let commitDomain = Array("crowdledger/v1/commit\n".utf8)
    public static let secretDomain = Array("crowdledger/v1/commit-secret\n".utf8)
    public static let coinDomain = Array("crowdledger/v1/coin\n".utf8)
    public static let coinSecretDomain = Array("crowdledger/v1/coin-secret\n".utf8)

    /// c = SHA-256("crowdledger/v1/commit\n" || task id (32) || worker (32) || K (32) ||
    /// size (8, big-endian) || SHA-256(y) (32)). Binding the worker's id means a copied
    /// commitment cannot be opened by the copier.
    public static func commitment(task: [UInt8], worker: [UInt8], secret: [UInt8], size: Int64, digest: [UInt8]) -> [UInt8] {
        SHA256.hash(parts: [commitDomain, task, worker, secret, BigEndian.bytes(UInt64(bitPattern: size)), digest])
    }

    /// K = SHA-256(Ed25519-sign(worker key, "crowdledger/v1/commit-secret\n" || ledger id (32) ||
    /// task id (32))). Ed25519 signatures are deterministic, so the worker can rebuild K from its
    /// key; no one without the key can predict it.
    public static func secret(key: Ed25519.PrivateKey, ledger: [UInt8], task: [UInt8]) throws -> [UInt8] {
        SHA256.hash(try key.sign(secretDomain + ledger + task))
    }

    /// The coin commitment published with a task: SHA-256("crowdledger/v1/coin\n" || r).
    public static func coinCommitment(_ coin: [UInt8]) -> [UInt8] {
        SHA256.hash(parts: [coinDomain, coin])
    }

    /// The requester's coin r = SHA-256(Ed25519-sign(requester key, "crowdledger/v1/coin-secret\n"
    /// || ledger id (32) || publish nonce (8, big-endian))): unpredictable to anyone without the
    /// key, and rebuildable by the requester from the key alone.
    public static func coinSecret(key: Ed25519.PrivateKey, ledger: [UInt8], nonce: Int64) throws -> [UInt8] {
        SHA256.hash(try key.sign(coinSecretDomain + ledger + BigEndian.bytes(UInt64(bitPattern: nonce))))
    }
}
