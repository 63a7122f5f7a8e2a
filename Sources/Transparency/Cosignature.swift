public import LedgerCrypto

/// c2sp.org/tlog-cosignature, Ed25519 `cosignature/v1` (signature type 0x04): a witness's
/// timestamped signature of a checkpoint. The signature line carries
/// keyID(4) ‖ timestamp(8, big-endian) ‖ Ed25519 signature(64) over the message
/// "cosignature/v1\ntime <timestamp>\n" ‖ the whole checkpoint note text.
public enum CosignatureV1 {
    public static let signatureType: UInt8 = 0x04
    /// Timestamps are POSIX seconds and must not exceed 2⁶³ − 1.
    public static let maxTimestamp = UInt64(Int64.max)

    /// The signed message for a checkpoint note text at a timestamp.
    public static func message(timestamp: UInt64, checkpointText: [UInt8]) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + checkpointText
    }

    /// The timestamp a cosignature line carries, or nil if its payload is not the 72 bytes of an
    /// Ed25519 cosignature or the timestamp exceeds 2⁶³ − 1. Says nothing of validity.
    public static func timestamp(of signature: NoteSignature) -> UInt64? {
        split(signature.signature)?.timestamp
    }

    /// timestamp ‖ signature → (timestamp, signature).
    static func split(_ bytes: [UInt8]) -> (timestamp: UInt64, signature: [UInt8])? {
        guard bytes.count == 8 + Ed25519.signatureByteCount else { return nil }
        let t = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard t <= maxTimestamp else { return nil }
        return (t, Array(bytes[8...]))
    }
}

/// Verifies Ed25519 cosignatures (type 0x04) of one witness key.
public struct CosignatureV1Verifier: NoteVerifier, Sendable {
    public let name: String
    public let keyID: UInt32
    public let publicKey: Ed25519.PublicKey

    public init(name: String, publicKey: Ed25519.PublicKey) throws {
        try self.init(key: VerifierKey(name: name, type: CosignatureV1.signatureType, publicKey: publicKey.bytes))
    }

    /// From a vkey `<name>+<hex8>+base64(0x04 ‖ 32-byte public key)`.
    public init(vkey: String) throws { try self.init(key: VerifierKey(parsing: vkey)) }

    public init(key: VerifierKey) throws {
        self.publicKey = try key.ed25519PublicKey(type: CosignatureV1.signatureType, what: "an Ed25519 cosignature")
        self.name = key.name
        self.keyID = key.keyID
    }

    public var key: VerifierKey { try! VerifierKey(name: name, type: CosignatureV1.signatureType, publicKey: publicKey.bytes) }
    public var vkey: String { key.encoded }

    /// Whether `signature` (timestamp ‖ Ed25519 signature) cosigns `text`, which must be a
    /// well-formed checkpoint.
    public func verify(text: [UInt8], signature: [UInt8]) -> Bool {
        guard let (t, sig) = CosignatureV1.split(signature),
              let s = String(validating: text, as: UTF8.self), (try? Checkpoint(parsing: s)) != nil else { return false }
        return publicKey.isValidSignature(sig, for: CosignatureV1.message(timestamp: t, checkpointText: text))
    }
}

/// A witness key that cosigns checkpoints (type 0x04). Timestamps come from the caller.
public struct CosignatureV1Signer: Sendable {
    public let name: String
    public let privateKey: Ed25519.PrivateKey
    public let verifier: CosignatureV1Verifier

    public init(name: String, privateKey: Ed25519.PrivateKey) throws {
        self.name = name
        self.privateKey = privateKey
        self.verifier = try CosignatureV1Verifier(name: name, publicKey: privateKey.publicKey)
    }

    public var keyID: UInt32 { verifier.keyID }

    /// The cosignature line for a checkpoint note text at `timestamp` (POSIX seconds).
    public func cosign(checkpointText text: String, timestamp: UInt64) throws -> NoteSignature {
        guard timestamp <= CosignatureV1.maxTimestamp else { throw TransparencyError("a cosignature timestamp is at most 2^63 - 1") }
        _ = try Checkpoint(parsing: text)
        let sig = try privateKey.sign(CosignatureV1.message(timestamp: timestamp, checkpointText: Array(text.utf8)))
        return try NoteSignature(name: name, keyID: keyID, signature: BigEndian.bytes(timestamp) + sig)
    }

    /// The note with this witness's cosignature added (replacing an earlier one by this key).
    public func cosign(_ note: SignedNote, timestamp: UInt64) throws -> SignedNote {
        try note.adding(cosign(checkpointText: note.text, timestamp: timestamp))
    }
}
