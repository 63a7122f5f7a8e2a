import COpenSSL

/// A failure in a cryptographic or compression primitive, with OpenSSL's reason when it gave one.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// Builds an error from OpenSSL's error queue (and clears the queue).
    static func openssl(_ what: String) -> CryptoError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return CryptoError(what) }
        var buf = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buf, buf.count)
        let reason = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return CryptoError("\(what): \(reason)")
    }
}
