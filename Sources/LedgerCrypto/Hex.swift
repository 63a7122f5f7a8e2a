/// Lower-case hexadecimal, the only way bytes appear in the ledger.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if let s = bytes.withContiguousStorageIfAvailable({ encode(buffer: $0) }) { return s }
        return Array(bytes).withUnsafeBufferPointer { encode(buffer: $0) }
    }

    /// Writes the digits straight into the string's storage (no intermediate array).
    private static func encode(buffer p: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: p.count * 2) { out in
            digits.withUnsafeBufferPointer { d in
                var j = 0
                for b in p {
                    out[j] = d[Int(b >> 4)]
                    out[j + 1] = d[Int(b & 0x0f)]
                    j += 2
                }
            }
            return p.count * 2
        }
    }

    /// Decodes lower-case hex only (the canonical form); returns nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count % 2 == 0 else { return nil }
            var ok = true
            let out = [UInt8](unsafeUninitializedCapacity: utf8.count / 2) { buf, count in
                var i = 0
                while i < utf8.count {
                    let hi = nibble(utf8[i]), lo = nibble(utf8[i + 1])
                    guard hi | lo < 0x10 else { ok = false; break }
                    buf[i / 2] = hi << 4 | lo
                    i += 2
                }
                count = i / 2
            }
            return ok ? out : nil
        }
    }

    /// Decodes `utf8` (an even number of hex digits, as `decode(_:)` reads them) into `out`, which
    /// holds exactly half as many bytes; false (and `out` partly written) when a digit is not hex.
    static func decode(_ utf8: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        precondition(utf8.count == 2 * out.count)
        var i = 0
        while i < utf8.count {
            let hi = nibble(utf8[i]), lo = nibble(utf8[i + 1])
            guard hi | lo < 0x10 else { return false }
            out[i / 2] = hi << 4 | lo
            i += 2
        }
        return true
    }

    /// True when `text` is exactly `byteCount` bytes of lower-case hex.
    public static func isCanonical(_ text: String, byteCount: Int) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            guard utf8.count == byteCount * 2 else { return false }
            for c in utf8 where (c &- 0x30) >= 10 && (c &- 0x61) >= 6 { return false }  // not 0-9, a-f
            return true
        }
    }

    /// The value of a lower-case hex digit, or 0xFF.
    @inline(__always)
    private static func nibble(_ c: UInt8) -> UInt8 {
        let d = c &- 0x30
        if d < 10 { return d }
        let a = c &- 0x61
        return a < 6 ? a + 10 : 0xFF
    }
}
