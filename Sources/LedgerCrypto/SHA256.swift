import COpenSSL

/// OpenSSL's SHA-256, fetched once: `EVP_sha256()` makes every `EVP_DigestInit_ex` look the
/// implementation up again (OpenSSL 3). Immutable once fetched, so shared by every thread.
nonisolated(unsafe) private let sha256Algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

/// SHA-256 over OpenSSL's EVP interface.
public struct SHA256: ~Copyable {
    public static let byteCount = 32
    private let ctx: OpaquePointer

    public init() {
        OpenSSL.initialise()
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        Self.start(ctx)
        self.ctx = ctx
    }

    /// Sets `ctx` up for a new SHA-256 digest.
    private static func start(_ ctx: OpaquePointer) {
        guard EVP_DigestInit_ex(ctx, sha256Algorithm ?? EVP_sha256(), nil) == 1 else { fatalError("EVP_DigestInit_ex(sha256) failed") }
    }

    deinit { EVP_MD_CTX_free(ctx) }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buf in
            _ = EVP_DigestUpdate(ctx, buf.baseAddress, buf.count)
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
        }
    }

    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { buf in _ = EVP_DigestUpdate(ctx, buf.baseAddress, buf.count) }
    }

    public consuming func finalize() -> [UInt8] {
        finalize { Array($0) }
    }

    /// The digest, lent to `body` (no array is made for it).
    public consuming func finalize<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        digest(body)
    }

    /// The digest, lent to `body`; then this hasher starts again, empty, on the same OpenSSL
    /// context (a hasher reused for many messages saves a context's allocation and set-up each).
    public mutating func finalizeAndReset<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let r = digest(body)
        Self.start(ctx)
        return r
    }

    private func digest<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { out in
            var len: UInt32 = 0
            guard EVP_DigestFinal_ex(ctx, out.baseAddress, &len) == 1, len == 32 else { fatalError("EVP_DigestFinal_ex failed") }
            return body(UnsafeBufferPointer(out))
        }
    }

    /// One-shot digest of bytes.
    public static func hash<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }

    /// One-shot digest of several parts, concatenated.
    public static func hash(parts: [[UInt8]]) -> [UInt8] {
        var h = SHA256()
        for p in parts { h.update(p) }
        return h.finalize()
    }

    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        Hex.encode(hash(bytes))
    }
}
