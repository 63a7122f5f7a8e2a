import Contract
public import LedgerCrypto

/// The parties' secrets, derived from their own private keys, so a lost file never costs a
/// deposit: the contract sees only the commitments (``Commitments``) and their openings.
public enum Secrets {
    public static let commitSecretDomain = Array("crowdledger/v1/commit-secret\n".utf8)
    public static let coinSecretDomain = Array("crowdledger/v1/coin-secret\n".utf8)

    /// K = SHA-256(Ed25519-sign(worker key, "crowdledger/v1/commit-secret\n" || ledger id (32) ||
    /// task id (32))). Ed25519 signatures are deterministic, so the worker can rebuild K from its
    /// key; no one without the key can predict it.
    public static func secret(key: Ed25519.PrivateKey, ledger: [UInt8], task: [UInt8]) throws -> [UInt8] {
        SHA256.hash(try key.sign(commitSecretDomain + ledger + task))
    }

    /// The requester's coin r = SHA-256(Ed25519-sign(requester key, "crowdledger/v1/coin-secret\n"
    /// || ledger id (32) || publish nonce (8, big-endian))): unpredictable to anyone without the
    /// key, and rebuildable by the requester from the key alone.
    public static func coinSecret(key: Ed25519.PrivateKey, ledger: [UInt8], nonce: Int64) throws -> [UInt8] {
        SHA256.hash(try key.sign(coinSecretDomain + ledger + BigEndian.bytes(UInt64(bitPattern: nonce))))
    }
}
