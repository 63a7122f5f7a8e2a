import COpenSSL

/// Ed25519 (RFC 8032) over OpenSSL's EVP interface.
public enum Ed25519 {
    public static let publicKeyByteCount = 32
    public static let signatureByteCount = 64

    /// A private key. Owns its `EVP_PKEY` and frees it on deinit.
    public final class PrivateKey: @unchecked Sendable {
        let pkey: OpaquePointer

        init(owning pkey: OpaquePointer) { self.pkey = pkey }
        deinit { EVP_PKEY_free(pkey) }

        /// A fresh key from OpenSSL's CSPRNG.
        public convenience init() throws {
            guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else { throw CryptoError.openssl("EVP_PKEY_CTX_new_id") }
            defer { EVP_PKEY_CTX_free(ctx) }
            var key: OpaquePointer?
            guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_keygen(ctx, &key) == 1, let key else {
                throw CryptoError.openssl("Ed25519 key generation")
            }
            self.init(owning: key)
        }

        /// A key from its 32-byte seed (RFC 8032 private key).
        public convenience init(seed: [UInt8]) throws {
            guard seed.count == 32 else { throw CryptoError("an Ed25519 seed is 32 bytes, got \(seed.count)") }
            guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count) else {
                throw CryptoError.openssl("Ed25519 private key from seed")
            }
            self.init(owning: key)
        }

        /// Reads a PEM "PRIVATE KEY" (PKCS#8), as written by `openssl genpkey -algorithm ed25519`.
        public convenience init(pem: String) throws {
            if pem.contains("ENCRYPTED") {
                throw CryptoError("the key is encrypted; crowdledger reads unencrypted PKCS#8 keys (protected by the file's mode 0600): decrypt it with `openssl pkey -in KEY -out PLAIN`")
            }
            let bytes = Array(pem.utf8)
            guard let bio = BIO_new_mem_buf(bytes, Int32(bytes.count)) else { throw CryptoError.openssl("BIO_new_mem_buf") }
            defer { BIO_free(bio) }
            // A password callback that refuses: without one, OpenSSL would prompt on the terminal.
            guard let key = PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil) else {
                ERR_clear_error()
                throw CryptoError("not a PEM PKCS#8 private key")
            }
            guard EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
                EVP_PKEY_free(key)
                throw CryptoError("the key is not an Ed25519 key")
            }
            self.init(owning: key)
        }

        /// PEM PKCS#8, unencrypted (the file's permissions protect it).
        public func pem() throws -> String {
            guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.openssl("BIO_new") }
            defer { BIO_free(bio) }
            guard PEM_write_bio_PKCS8PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
                throw CryptoError.openssl("PEM_write_bio_PKCS8PrivateKey")
            }
            var ptr: UnsafeMutablePointer<CChar>?
            let len = crowdledger_BIO_get_mem_data(bio, &ptr)
            guard let ptr, len > 0 else { throw CryptoError("empty PEM output") }
            return String(decoding: UnsafeRawBufferPointer(start: ptr, count: len), as: UTF8.self)
        }

        public var publicKey: PublicKey {
            var out = [UInt8](repeating: 0, count: 32)
            var len = 32
            guard EVP_PKEY_get_raw_public_key(pkey, &out, &len) == 1, len == 32 else {
                fatalError("EVP_PKEY_get_raw_public_key failed on an Ed25519 key")
            }
            return PublicKey(trusted: out)
        }

        /// The 64-byte Ed25519 signature (deterministic, RFC 8032) of `message`.
        public func sign(_ message: [UInt8]) throws -> [UInt8] {
            guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.openssl("EVP_MD_CTX_new") }
            defer { EVP_MD_CTX_free(ctx) }
            guard EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1 else { throw CryptoError.openssl("EVP_DigestSignInit") }
            var sig = [UInt8](repeating: 0, count: 64)
            var len = 64
            guard EVP_DigestSign(ctx, &sig, &len, message, message.count) == 1, len == 64 else {
                throw CryptoError.openssl("EVP_DigestSign")
            }
            return sig
        }
    }

    /// A public key decoded once, with a reusable verification context: for checking many
    /// signatures by the same party (decoding the curve point is a large part of one check).
    /// Not thread-safe: use one per thread.
    public final class Verifier {
        private let pkey: OpaquePointer?
        private let ctx: OpaquePointer?

        public init(_ key: PublicKey) {
            pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, key.bytes, key.bytes.count)
            if pkey == nil { ERR_clear_error() }
            ctx = EVP_MD_CTX_new()
        }

        deinit {
            if let ctx { EVP_MD_CTX_free(ctx) }
            if let pkey { EVP_PKEY_free(pkey) }
        }

        /// False for a bad signature or a key that is not a valid curve point; never throws.
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            guard signature.count == 64, let pkey, let ctx else { return false }
            guard EVP_MD_CTX_reset(ctx) == 1, EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1 else {
                ERR_clear_error()
                return false
            }
            let ok = EVP_DigestVerify(ctx, signature, signature.count, message, message.count) == 1
            if !ok { ERR_clear_error() }
            return ok
        }
    }

    /// A public key: 32 raw bytes. Accounts are its lower-case hex.
    public struct PublicKey: Hashable, Sendable, CustomStringConvertible {
        public let bytes: [UInt8]

        init(trusted bytes: [UInt8]) { self.bytes = bytes }

        public init?(bytes: [UInt8]) {
            guard bytes.count == 32 else { return nil }
            self.bytes = bytes
        }

        /// Parses an account id: exactly 64 lower-case hex digits.
        public init?(hex: String) {
            guard Hex.isCanonical(hex, byteCount: 32), let b = Hex.decode(hex) else { return nil }
            self.bytes = b
        }

        public var hex: String { Hex.encode(bytes) }
        public var description: String { hex }

        /// Verifies an Ed25519 signature. Returns false for a bad signature or a key that is not a
        /// valid curve point; never throws. (To check many signatures by one key, keep a Verifier.)
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            Verifier(self).isValidSignature(signature, for: message)
        }
    }
}
