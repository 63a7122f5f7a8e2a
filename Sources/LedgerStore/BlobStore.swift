import Files
import LedgerCrypto

/// A content-addressed store of zlib-compressed blobs beside the ledger: the blob whose SHA-256
/// (of its uncompressed bytes) is `d` lives at `<dir>/<d[0..<2]>/<d>.z`.
public struct BlobStore: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The blob directory of a ledger: `ledger/ledger.jsonl` → `ledger/ledger.blobs`.
    public init(ledgerPath: String) {
        var base = ledgerPath
        if base.hasSuffix(".jsonl") { base.removeLast(6) }
        self.directory = base + ".blobs"
    }

    public func path(of digest: String) -> String {
        "\(directory)/\(digest.prefix(2))/\(digest).z"
    }

    public func contains(_ digest: String) -> Bool { FileIO.exists(path(of: digest)) }

    /// Stores bytes (if not already there) and returns their digest.
    @discardableResult
    public func put(_ bytes: [UInt8]) throws -> String {
        let digest = SHA256.hex(bytes)
        let p = path(of: digest)
        if FileIO.exists(p) { return digest }
        try FileIO.makeDirectories(FileIO.directoryName(p))
        let compressed = try Zlib.compress(bytes, format: .zlib)
        try FileIO.replaceAtomically(p, contents: compressed, mode: 0o644)
        return digest
    }

    public enum GetError: Error, CustomStringConvertible {
        case missing(String)
        case corrupt(path: String, reason: String)
        public var description: String {
            switch self {
            case .missing(let d): return "blob \(d) is not in the blob store"
            case .corrupt(let p, let r): return "\(p): \(r)"
            }
        }
    }

    /// Reads a blob and checks that its bytes hash to `digest`.
    public func get(_ digest: String, limit: Int = 1 << 30) throws -> [UInt8] {
        let p = path(of: digest)
        guard FileIO.exists(p) else { throw GetError.missing(digest) }
        let compressed = try FileIO.readAll(p, limit: limit)
        let bytes: [UInt8]
        do { bytes = try Zlib.decompress(compressed, format: .zlib, limit: limit) } catch {
            throw GetError.corrupt(path: p, reason: "\(error)")
        }
        let actual = SHA256.hex(bytes)
        guard actual == digest else {
            throw GetError.corrupt(path: p, reason: "content hashes to \(actual), not \(digest)")
        }
        return bytes
    }
}
