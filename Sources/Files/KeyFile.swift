public import LedgerCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Private key files: PEM PKCS#8, created 0600, refused when group or others can read them.
public enum KeyFile {
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Reads a private key, refusing a file that group or others may read or write.
    public static func load(_ path: String) throws -> Ed25519.PrivateKey {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw Error(path: path, reason: "cannot read key file: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw Error(path: path, reason: "not a regular file") }
        let perms = st.st_mode & 0o777
        if perms & 0o077 != 0 {
            let octal = String(perms, radix: 8)
            throw Error(path: path, reason: "private key file is accessible by group or others (mode \(octal)); run: chmod 600 \(path)")
        }
        let bytes: [UInt8]
        do { bytes = try FileIO.readAll(path, limit: 64 * 1024) } catch let e as FileIO.Error {
            throw Error(path: path, reason: e.reason)
        }
        do {
            return try Ed25519.PrivateKey(pem: String(decoding: bytes, as: UTF8.self))
        } catch let e as CryptoError {
            throw Error(path: path, reason: e.message)
        }
    }

    /// Writes a new key file with mode 0600; never overwrites an existing file.
    public static func create(_ path: String, key: Ed25519.PrivateKey) throws {
        let pem = try key.pem()
        do {
            try FileIO.createExclusive(path, contents: Array(pem.utf8), mode: 0o600)
        } catch let e as FileIO.Error {
            throw Error(path: path, reason: e.reason)
        }
    }
}
