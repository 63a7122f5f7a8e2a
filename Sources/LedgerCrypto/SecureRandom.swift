import COpenSSL

/// Bytes from OpenSSL's CSPRNG (seeded by the operating system).
public enum SecureRandom {
    public static func bytes(_ count: Int) throws -> [UInt8] {
        OpenSSL.initialise()
        var out = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&out, Int32(count)) == 1 else { throw CryptoError.openssl("RAND_bytes") }
        return out
    }
}
