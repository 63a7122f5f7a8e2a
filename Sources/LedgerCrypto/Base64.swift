import COpenSSL

/// Standard base64 with padding (RFC 4648 §4), through OpenSSL's `EVP_EncodeBlock` and
/// `EVP_DecodeBlock`. Decoding is strict: one canonical spelling per byte string.
public enum Base64 {
    /// Input bytes per call into OpenSSL: a multiple of 3, so chunks encode independently and
    /// lengths stay far below `Int32.max`.
    private static let encodeChunk = 3 << 20

    /// The base64 text of `bytes`, padded with `=` to a multiple of 4 characters.
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var start = 0
        while start < input.count {
            let end = min(start + encodeChunk, input.count)
            let n = end - start
            // EVP_EncodeBlock writes 4 characters per started 3 bytes and a terminating NUL.
            var buf = [UInt8](repeating: 0, count: (n + 2) / 3 * 4 + 1)
            let written = input.withUnsafeBufferPointer { src in
                EVP_EncodeBlock(&buf, src.baseAddress! + start, Int32(n))
            }
            precondition(Int(written) == (n + 2) / 3 * 4, "EVP_EncodeBlock wrote \(written) characters for \(n) bytes")
            out.append(contentsOf: buf[0..<Int(written)])
            start = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes canonical padded base64, or returns nil. Rejected: any character outside
    /// `A-Z a-z 0-9 + /` and trailing `=` padding (so any whitespace or line break), a length that
    /// is not a multiple of 4, padding anywhere but the last one or two characters, and unused
    /// low bits that are not zero (checked by re-encoding and comparing). The empty string
    /// decodes to no bytes.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        if chars.isEmpty { return [] }
        guard chars.count <= Int(Int32.max) else { return nil }
        var padding = 0
        for (i, c) in chars.enumerated() {
            if c == UInt8(ascii: "=") {
                padding += 1
                // Padding is only ever the last one or two characters.
                guard i >= chars.count - 2 else { return nil }
            } else {
                guard padding == 0, isAlphabet(c) else { return nil }
            }
        }
        // EVP_DecodeBlock decodes whole 4-character groups and counts `=` as zero bits, so it
        // returns 3 bytes per group; the padding bytes are dropped below.
        var buf = [UInt8](repeating: 0, count: chars.count / 4 * 3)
        let n = EVP_DecodeBlock(&buf, chars, Int32(chars.count))
        guard n >= 0, Int(n) == buf.count else {
            ERR_clear_error()
            return nil
        }
        let bytes = Array(buf.dropLast(padding))
        // Non-canonical spellings (nonzero bits under the padding) decode too; re-encoding
        // reveals them.
        guard encode(bytes).utf8.elementsEqual(chars) else { return nil }
        return bytes
    }

    private static func isAlphabet(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }
}
