// RFC 8785 (JCS) encoding, restricted to integers.

extension JSON {
    /// The canonical (RFC 8785) UTF-8 bytes: no whitespace, keys sorted by UTF-16 code units,
    /// minimal string escapes (`\"` `\\` `\b` `\f` `\n` `\r` `\t`, other controls as lower-case
    /// `\u00xx`, everything else raw UTF-8), integers in plain decimal.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        encode(into: &out)
        return out
    }

    /// `canonicalBytes` as a `String`.
    public var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// Appends the canonical bytes of `self` to `out`.
    public func encode(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
        case .bool(true): out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])  // true
        case .bool(false): out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])  // false
        case .int(let i): encodeInt(i, into: &out)
        case .string(let s): encodeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            var first = true
            for v in a {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                v.encode(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (k, v) in o.entries {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                encodeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                v.encode(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

@inline(__always)
private func encodeInt(_ i: Int64, into out: inout [UInt8]) {
    if i < 0 { out.append(UInt8(ascii: "-")) }
    var m = i.magnitude
    if m < 10 { out.append(0x30 &+ UInt8(m)); return }
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, enough for 20 digits
    withUnsafeMutableBytes(of: &digits) { buf in
        var n = 0
        while m > 0 {
            buf[23 - n] = 0x30 &+ UInt8(m % 10)
            m /= 10
            n += 1
        }
        out.append(contentsOf: buf[(24 - n)...])
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

private func encodeString(_ s: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    // Most strings (ids, hex, names) need no escape: a native string is checked eight bytes at a
    // time and appended whole, without a copy.
    if s.utf8.withContiguousStorageIfAvailable({ p -> Bool in
        guard !needsEscape(p) else { return false }
        out.append(contentsOf: p)
        return true
    }) == true {
        out.append(UInt8(ascii: "\""))
        return
    }
    var s = s
    s.withUTF8 { p in
        var start = 0
        for i in 0..<p.count {
            let c = p[i]
            guard c < 0x20 || c == 0x22 || c == 0x5C else { continue }
            if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i])) }
            start = i + 1
            out.append(UInt8(ascii: "\\"))
            switch c {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "t"))
            default:
                out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]])
            }
        }
        if start < p.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start...])) }
    }
    out.append(UInt8(ascii: "\""))
}

/// Whether any byte of `p` must be escaped in a JSON string: a control character (below 0x20),
/// `"` or `\\` (eight bytes at a time, `escapeBits`).
@inline(__always)
func needsEscape(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
    let n = p.count
    var i = 0
    if let base = p.baseAddress {
        while i + 8 <= n {
            if escapeBits(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) != 0 { return true }
            i += 8
        }
    }
    while i < n {
        let c = p[i]
        if c < 0x20 || c == 0x22 || c == 0x5C { return true }
        i += 1
    }
    return false
}

let highBits: UInt64 = 0x8080_8080_8080_8080
private let lowBits: UInt64 = 0x0101_0101_0101_0101

/// Nonzero exactly when one of the eight bytes of `x` is a control character (below 0x20), `"`
/// or `\\` — the bytes a JSON string must escape. Word tricks: `(v - 0x01...) & ~v` has a byte's
/// top bit set for a zero byte of `v` (applied to `x` XOR `"` and XOR `\\`), `(x - 0x20...) & ~x`
/// for a byte below 0x20. A borrow can set a false bit only above a true one, so "none" is exact;
/// bytes at or above 0x80 (UTF-8 beyond ASCII) never count.
@inline(__always)
func escapeBits(_ x: UInt64) -> UInt64 {
    let q = x ^ (lowBits &* 0x22), b = x ^ (lowBits &* 0x5C)
    return (((x &- lowBits &* 0x20) & ~x) | ((q &- lowBits) & ~q) | ((b &- lowBits) & ~b)) & highBits
}
