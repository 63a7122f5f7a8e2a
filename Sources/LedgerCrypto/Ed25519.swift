import COpenSSL
import Crypto

/// Ed25519 (RFC 8032): keys and signing over OpenSSL's EVP interface; verification (the
/// strict rule of `Verifier.isValidSignature`) over BoringSSL, through swift-crypto.
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
            OpenSSL.initialise()
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
            OpenSSL.initialise()
            guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count) else {
                throw CryptoError.openssl("Ed25519 private key from seed")
            }
            self.init(owning: key)
        }

        /// Reads a PEM "PRIVATE KEY" (PKCS#8), as written by `openssl genpkey -algorithm ed25519`.
        public convenience init(pem: String) throws {
            OpenSSL.initialise()
            if pem.contains("ENCRYPTED") {
                throw CryptoError("the key is encrypted; crowdledger reads unencrypted PKCS#8 keys (protected by the file's mode 0600): decrypt it with `openssl pkey -in KEY -out PLAIN`")
            }
            let bytes = Array(pem.utf8)
            if let key = Self.ed25519PKCS8(bytes) {
                self.init(owning: key)
                return
            }
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

        /// The common case, read without OpenSSL's decoder framework (whose set-up, which looks at
        /// every decoder of every provider, was a third of the instructions of a whole `transfer`):
        /// an unencrypted PEM "PRIVATE KEY" whose PKCS#8 structure (parsed by OpenSSL's ASN.1
        /// code) names Ed25519 with no parameters and holds a 32-byte seed in its OCTET STRING
        /// (RFC 8410 section 7). Anything else returns nil and goes through `PEM_read_bio_PrivateKey`,
        /// which then accepts or refuses it as before; what this accepts, that accepts too, as the
        /// same key.
        static func ed25519PKCS8(_ pem: [UInt8]) -> OpaquePointer? {
            guard let bio = BIO_new_mem_buf(pem, Int32(pem.count)) else { return nil }
            defer { BIO_free(bio) }
            guard let p8 = PEM_read_bio_PKCS8_PRIV_KEY_INFO(bio, nil, { _, _, _, _ in -1 }, nil) else {
                ERR_clear_error()
                return nil
            }
            defer { PKCS8_PRIV_KEY_INFO_free(p8) }
            var algorithm: OpaquePointer?
            var octets: UnsafePointer<UInt8>?
            var length: Int32 = 0
            var parameters: UnsafePointer<X509_ALGOR>?
            guard PKCS8_pkey_get0(&algorithm, &octets, &length, &parameters, p8) == 1,
                  let algorithm, OBJ_obj2nid(algorithm) == NID_ED25519, let octets else { return nil }
            if let parameters {
                var type: Int32 = 0
                X509_ALGOR_get0(nil, &type, nil, parameters)
                guard type == V_ASN1_UNDEF else { return nil }
            }
            var cursor: UnsafePointer<UInt8>? = octets
            guard let seed = d2i_ASN1_OCTET_STRING(nil, &cursor, Int(length)) else {
                ERR_clear_error()
                return nil
            }
            defer { ASN1_OCTET_STRING_free(seed) }
            guard cursor == octets + Int(length), ASN1_STRING_length(seed) == 32, let data = ASN1_STRING_get0_data(seed) else { return nil }
            return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, data, 32)
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

    /// A public key ready for checking many signatures by the same party: its weakness is
    /// computed once here. Immutable, so one may be shared between threads.
    public final class Verifier: Sendable {
        private let key: Curve25519.Signing.PublicKey?
        /// Why the key can never verify anything (nil for an acceptable key).
        public let keyWeakness: KeyWeakness?

        public init(_ key: PublicKey) {
            keyWeakness = key.weakness
            self.key = keyWeakness == nil ? try? Curve25519.Signing.PublicKey(rawRepresentation: key.bytes) : nil
        }

        /// Strict Ed25519 verification; false for a bad signature, never throws. With A the public
        /// key, R = `signature[0..<32]` and S = `signature[32..<64]` read as a little-endian integer,
        /// the signature is refused, before any curve arithmetic, when
        ///   - the signature is not 64 bytes;
        ///   - A or R is a non-canonical encoding or encodes a point of small order
        ///     (`Ed25519.weakness(ofPoint:)`: one of the 14 encodings in `smallOrderEncodings`,
        ///     or y ≥ p, or x = 0 with the sign bit set);
        ///   - S ≥ L = 2^252 + 27742317777372353535851937790883648493 (`Ed25519.isCanonicalScalar`).
        /// Otherwise it is valid exactly when RFC 8032's cofactorless equation holds:
        /// [S]B = R + [k]A, k = SHA-512(R ‖ A ‖ message) mod L, with R compared as bytes (so an
        /// R that is no curve point never matches). The equation is computed by BoringSSL's
        /// `ED25519_verify` (swift-crypto), which decodes A as RFC 8032 section 5.1.3 does and
        /// computes [S]B − [k]A; OpenSSL's `EVP_DigestVerify` gives the same answer on every
        /// input that passes the refusals above (`Ed25519StrictTests`), in about 1.6 times the time.
        /// (On Apple platforms swift-crypto is CryptoKit; the same tests hold it to this rule.)
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            guard signature.count == 64, keyWeakness == nil, let key else { return false }
            guard Ed25519.pointWeakness(signature, at: 0) == nil, Ed25519.scalarIsCanonical(signature, at: 32) else {
                return false
            }
            return key.isValidSignature(signature, for: message)
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

        /// Why no signature can ever verify under this key (nil for an acceptable key): a key of
        /// small order admits signatures made without any private key. Byte comparisons only.
        public var weakness: KeyWeakness? { Ed25519.weakness(ofPoint: bytes) }

        /// Verifies an Ed25519 signature under the strict rule of `Verifier.isValidSignature`.
        /// Returns false for a bad signature or a weak key; never throws. (To check many
        /// signatures by one key, keep a Verifier.)
        public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
            Verifier(self).isValidSignature(signature, for: message)
        }
    }
}

// MARK: - The strict checks (byte comparisons only)

extension Ed25519 {
    /// Why a 32-byte point encoding is refused as a public key or as a signature's R.
    public enum KeyWeakness: String, Sendable, Hashable, CaseIterable {
        /// y (the low 255 bits, little-endian) is ≥ p = 2^255 - 19, or x = 0 and the sign bit
        /// (the top bit of byte 31) is set: not the RFC 8032 encoding of any point.
        case nonCanonical = "non-canonical-key"
        /// A canonical encoding of one of the 8 points of order 1, 2, 4 or 8.
        case smallOrder = "small-order-key"
    }

    /// Every encoding of the 8 points of order dividing 8 (the identity, the point of order 2,
    /// the 2 of order 4 and the 4 of order 8): the 8 canonical ones and the 6 non-canonical ones
    /// (y + p for y = 0 and y = 1, and x = 0 with the sign bit set), as in libsodium's blocklist
    /// with both values of the sign bit. Little-endian y, sign of x in the top bit of byte 31.
    public static let smallOrderEncodings: [[UInt8]] = {
        let ys: [[UInt8]] = [
            // y = 0: order 4 (x = ±sqrt(-1))
            Array(repeating: 0x00, count: 32),
            // y = 1: the identity, order 1
            [0x01] + Array(repeating: 0x00, count: 31),
            // y = 0x05fc536d...8f95e826: order 8
            [0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
             0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05],
            // y = p - 0x05fc536d...8f95e826: order 8
            [0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
             0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a],
            // y = p - 1: order 2 (x = 0)
            [0xec] + Array(repeating: 0xff, count: 30) + [0x7f],
            // y = p ≡ 0 (non-canonical): order 4
            [0xed] + Array(repeating: 0xff, count: 30) + [0x7f],
            // y = p + 1 ≡ 1 (non-canonical): the identity
            [0xee] + Array(repeating: 0xff, count: 30) + [0x7f],
        ]
        return ys.flatMap { y in [y, Array(y.dropLast()) + [y[31] | 0x80]] }
    }()

    /// Why the encoding `point` is refused as a key or as R; nil when it is acceptable (it may
    /// still not be a curve point: the equation judges that). Input that is not 32 bytes is
    /// `.nonCanonical`. A non-canonical encoding reports `.nonCanonical` even when it also names
    /// a small-order point.
    public static func weakness(ofPoint point: [UInt8]) -> KeyWeakness? {
        point.count == 32 ? pointWeakness(point, at: 0) : .nonCanonical
    }

    /// `weakness(ofPoint:)` of an account id (64 lower-case hex digits); nil for text that is not
    /// such an id (its shape is checked elsewhere).
    public static func weakness(ofAccount hex: String) -> KeyWeakness? {
        // Decoded on the stack (every entry's party, and every account a body names, is checked).
        var hex = hex
        return hex.withUTF8 { utf8 -> KeyWeakness? in
            guard utf8.count == 64 else { return nil }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buf -> KeyWeakness? in
                guard Hex.decode(utf8, into: buf) else { return nil }
                return pointWeakness(UnsafeBufferPointer(buf))
            }
        }
    }

    /// `weakness(ofPoint:)` of `bytes[offset..<offset + 32]`; `bytes` holds at least that.
    static func pointWeakness(_ bytes: [UInt8], at offset: Int) -> KeyWeakness? {
        bytes.withUnsafeBufferPointer { all in pointWeakness(UnsafeBufferPointer(rebasing: all[offset..<offset + 32])) }
    }

    /// `weakness(ofPoint:)` of the 32 bytes `b`.
    static func pointWeakness(_ b: UnsafeBufferPointer<UInt8>) -> KeyWeakness? {
        // y ≥ p: y is p + i for i in 0...18, i.e. bytes ed..ff ff…ff 7f (sign bit ignored).
        var highAllOnes = b[31] & 0x7f == 0x7f
        if highAllOnes { for i in 1..<31 where b[i] != 0xff { highAllOnes = false; break } }
        if highAllOnes && b[0] >= 0xed { return .nonCanonical }
        // Compare with the 7 values of y of small-order points, sign bit ignored.
        for y in smallOrderYs {
            var same = y[31] == b[31] & 0x7f
            if same { for i in 0..<31 where y[i] != b[i] { same = false; break } }
            if same {
                // x = 0 (y = 1 or y = p - 1) with the sign bit set is non-canonical; the
                // y ≥ p ones were caught above.
                let xIsZero = y[0] == 0x01 || y[0] == 0xec
                return xIsZero && b[31] & 0x80 != 0 ? .nonCanonical : .smallOrder
            }
        }
        return nil
    }

    /// The canonical y values (sign bit clear) of the small-order points: y = 0, 1, the two of
    /// order 8, p - 1. (y = p and p + 1 are caught by the y ≥ p test first.)
    private static let smallOrderYs: [[UInt8]] = stride(from: 0, to: 10, by: 2).map { smallOrderEncodings[$0] }

    /// L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let groupOrder: [UInt8] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ]

    /// True when the 32 bytes `s`, read as a little-endian integer, are < L: the only S a
    /// signature may carry (S + L would verify too). False for inputs that are not 32 bytes.
    public static func isCanonicalScalar(_ s: [UInt8]) -> Bool {
        s.count == 32 && scalarIsCanonical(s, at: 0)
    }

    /// `isCanonicalScalar` of `bytes[offset..<offset + 32]`; `bytes` holds at least that.
    static func scalarIsCanonical(_ bytes: [UInt8], at offset: Int) -> Bool {
        var i = 31
        while i >= 0 {
            let s = bytes[offset + i], l = groupOrder[i]
            if s != l { return s < l }
            i -= 1
        }
        return false  // S = L
    }
}
