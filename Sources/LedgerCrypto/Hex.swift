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
            // Decoded on the stack (for all but long texts), then copied into the array: building
            // the array in place (`init(unsafeUninitializedCapacity:)`) takes the standard
            // library's unspecialised path, which looks the array's type up at run time.
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count / 2) { buf -> [UInt8]? in
                decode(utf8, into: buf) ? Array(UnsafeBufferPointer(buf)) : nil
            }
        }
    }

    /// Decodes `utf8` (an even number of hex digits, as `decode(_:)` reads them) into `out`, which
    /// holds exactly half as many bytes; false (and `out` written with garbage) when a digit is
    /// not lower-case hex.
    static func decode(_ utf8: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        precondition(utf8.count == 2 * out.count)
        // One table lookup per digit and no branch: any digit that is not lower-case hex has the
        // table's 0xFF, which sets the high bits of `bad`.
        return nibbles.withUnsafeBufferPointer { t in
            var bad: UInt8 = 0
            for j in 0..<out.count {
                let hi = t[Int(utf8[2 * j])], lo = t[Int(utf8[2 * j + 1])]
                bad |= hi | lo
                out[j] = hi << 4 | lo & 0x0f
            }
            return bad < 0x10
        }
    }

    /// The value of each byte as a lower-case hex digit, or 0xFF.
    private static let nibbles: [UInt8] = (0..<256).map { nibble(UInt8($0)) }

    /// True when `text` is exactly `byteCount` bytes of lower-case hex.
    public static func isCanonical(_ text: String, byteCount: Int) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in utf8.count == byteCount * 2 && isLowerHex(utf8) }
    }

    /// True when every byte of `digits` is a lower-case hex digit (0-9, a-f). Eight bytes at a
    /// time: in a word with no byte at or above 0x80, adding 0x80 - c to every byte sets a byte's
    /// top bit exactly when that byte is at least c (no carry crosses a byte), so a byte is a
    /// digit when it is >= '0' and not >= ':', or >= 'a' and not >= 'g'.
    public static func isLowerHex(_ digits: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = digits.count
        var i = 0
        if let base = digits.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= n {
                let x = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                guard x & high == 0 else { return false }
                let atLeast0 = x &+ ones &* 0x50, atLeastColon = x &+ ones &* 0x46
                let atLeastA = x &+ ones &* 0x1F, atLeastG = x &+ ones &* 0x19
                guard ((atLeast0 & ~atLeastColon) | (atLeastA & ~atLeastG)) & high == high else { return false }
                i += 8
            }
        }
        while i < n {
            let c = digits[i]
            if (c &- 0x30) >= 10 && (c &- 0x61) >= 6 { return false }  // not 0-9, a-f
            i += 1
        }
        return true
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
