import CZlib

/// zlib (RFC 1950) and gzip (RFC 1952) streams over the system zlib.
public enum Zlib {
    public enum Format: Sendable {
        case zlib
        case gzip
        /// For decompression: zlib or gzip, detected from the header.
        case auto

        var windowBits: Int32 {
            switch self {
            case .zlib: return 15
            case .gzip: return 15 + 16
            case .auto: return 15 + 32
            }
        }
    }

    /// Compresses with level 9 (deterministic for a given zlib version and input).
    public static func compress(_ input: [UInt8], format: Format = .zlib, level: Int32 = 9) throws -> [UInt8] {
        var stream = z_stream()
        guard crowdledger_deflateInit2(&stream, level, Z_DEFLATED, format.windowBits, 8, Z_DEFAULT_STRATEGY) == Z_OK else {
            throw CryptoError("zlib: deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            var rc: Int32 = Z_OK
            repeat {
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    rc = deflate(&stream, Z_FINISH)
                    out.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                }
            } while rc == Z_OK
            return rc
        }
        guard status == Z_STREAM_END else { throw CryptoError("zlib: deflate failed (\(status))") }
        return out
    }

    /// Decompresses a whole stream. Fails on corrupt data, trailing garbage, or output larger than
    /// `limit` bytes (a guard against decompression bombs).
    public static func decompress(_ input: [UInt8], format: Format = .auto, limit: Int = 1 << 30) throws -> [UInt8] {
        var stream = z_stream()
        guard crowdledger_inflateInit2(&stream, format.windowBits) == Z_OK else {
            throw CryptoError("zlib: inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        var failure: String?
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while true {
                var rc: Int32 = Z_OK
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = UInt32(outBuf.count)
                    rc = inflate(&stream, Z_NO_FLUSH)
                    out.append(contentsOf: outBuf[0..<(outBuf.count - Int(stream.avail_out))])
                }
                if out.count > limit { failure = "decompressed data exceeds \(limit) bytes"; return }
                if rc == Z_STREAM_END {
                    if stream.avail_in != 0 { failure = "trailing bytes after the compressed stream" }
                    return
                }
                if rc == Z_BUF_ERROR && stream.avail_in == 0 { failure = "truncated compressed stream"; return }
                if rc != Z_OK {
                    let msg = stream.msg.map { String(cString: $0) } ?? "code \(rc)"
                    failure = "corrupt compressed data: \(msg)"
                    return
                }
            }
        }
        if let failure { throw CryptoError("zlib: \(failure)") }
        return out
    }
}
