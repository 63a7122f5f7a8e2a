// A tiny, slow, independent model of edwards25519 for the tests only: integers mod
// p = 2^255 - 19 and affine point addition, written from RFC 8032 (sections 5.1 and 5.1.3)
// without OpenSSL, to derive the small-order encodings instead of trusting a copied list.

/// An integer mod p in four little-endian 64-bit limbs, always fully reduced (< p).
struct Fe: Equatable, Hashable {
    private(set) var limbs: [UInt64]

    static let p: [UInt64] = [0xffff_ffff_ffff_ffed, .max, .max, 0x7fff_ffff_ffff_ffff]
    static let zero = Fe(0), one = Fe(1)

    init(_ small: UInt64) { limbs = [small, 0, 0, 0] }

    /// Any number of limbs, reduced mod p (2^256 ≡ 38).
    init(wide: [UInt64]) {
        var x = wide
        while x.count < 4 { x.append(0) }
        while x.count > 4 {
            let lo = Array(x[0..<4]), hi = Array(x[4...])
            var sum = [UInt64](repeating: 0, count: max(4, hi.count + 1) + 1)
            var carry: UInt128 = 0
            for i in 0..<sum.count {
                let h: UInt128 = i < hi.count ? UInt128(hi[i]) * 38 : 0
                let cur = (i < 4 ? UInt128(lo[i]) : 0) + h + carry
                sum[i] = UInt64(truncatingIfNeeded: cur)
                carry = cur >> 64
            }
            precondition(carry == 0)
            while sum.count > 4 && sum.last == 0 { sum.removeLast() }
            x = sum
        }
        while Fe.compare(x, Fe.p) >= 0 { x = Fe.subtract(x, Fe.p) }
        limbs = x
    }

    /// The low 255 bits of 32 little-endian bytes, reduced mod p, and whether they were ≥ p.
    static func fromLowBits(_ b: [UInt8]) -> (value: Fe, wasAtLeastP: Bool) {
        var l = [UInt64](repeating: 0, count: 4)
        for i in 0..<32 { l[i / 8] |= UInt64(b[i]) << (8 * UInt64(i % 8)) }
        l[3] &= 0x7fff_ffff_ffff_ffff
        return (Fe(wide: l), compare(l, p) >= 0)
    }

    /// 32 little-endian bytes (top bit clear).
    var bytes: [UInt8] { (0..<32).map { UInt8(truncatingIfNeeded: limbs[$0 / 8] >> (8 * UInt64($0 % 8))) } }
    var isOdd: Bool { limbs[0] & 1 == 1 }

    static func compare(_ a: [UInt64], _ b: [UInt64]) -> Int {
        for i in stride(from: 3, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return 0
    }

    /// a - b for a ≥ b, four limbs.
    static func subtract(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (d1, o1) = a[i].subtractingReportingOverflow(b[i])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            out[i] = d2
            borrow = (o1 || o2) ? 1 : 0
        }
        precondition(borrow == 0)
        return out
    }

    static func + (a: Fe, b: Fe) -> Fe {
        var out = [UInt64](repeating: 0, count: 5)
        var carry: UInt128 = 0
        for i in 0..<4 {
            let cur = UInt128(a.limbs[i]) + UInt128(b.limbs[i]) + carry
            out[i] = UInt64(truncatingIfNeeded: cur)
            carry = cur >> 64
        }
        out[4] = UInt64(carry)
        return Fe(wide: out)
    }

    static prefix func - (a: Fe) -> Fe { a == .zero ? .zero : Fe(wide: subtract(p, a.limbs)) }
    static func - (a: Fe, b: Fe) -> Fe { a + (-b) }

    static func * (a: Fe, b: Fe) -> Fe {
        var t = [UInt64](repeating: 0, count: 8)
        for i in 0..<4 {
            var carry: UInt128 = 0
            for j in 0..<4 {
                let cur = UInt128(t[i + j]) + UInt128(a.limbs[i]) * UInt128(b.limbs[j]) + carry
                t[i + j] = UInt64(truncatingIfNeeded: cur)
                carry = cur >> 64
            }
            t[i + 4] = UInt64(carry)
        }
        return Fe(wide: t)
    }

    /// self^e, e given in four little-endian limbs.
    func power(_ e: [UInt64]) -> Fe {
        var r = Fe.one
        for i in stride(from: 255, through: 0, by: -1) {
            r = r * r
            if (e[i / 64] >> UInt64(i % 64)) & 1 == 1 { r = r * self }
        }
        return r
    }

    var inverse: Fe { power([0xffff_ffff_ffff_ffeb, .max, .max, 0x7fff_ffff_ffff_ffff]) }  // p - 2
    static func / (a: Fe, b: Fe) -> Fe { a * b.inverse }

    /// sqrt(-1) = 2^((p-1)/4).
    static let sqrtMinusOne = Fe(2).power([0xffff_ffff_ffff_fffb, .max, .max, 0x1fff_ffff_ffff_ffff])
    /// d = -121665/121666.
    static let d = -Fe(121665) / Fe(121666)

    /// A square root of self, or nil (RFC 8032, 5.1.3 step 3: candidate self^((p+3)/8)).
    var squareRoot: Fe? {
        let c = power([0xffff_ffff_ffff_fffe, .max, .max, 0x0fff_ffff_ffff_ffff])
        if c * c == self { return c }
        let c2 = c * Fe.sqrtMinusOne
        return c2 * c2 == self ? c2 : nil
    }
}

/// An affine point of -x^2 + y^2 = 1 + d x^2 y^2.
struct EdPoint: Equatable, Hashable {
    var x: Fe, y: Fe
    static let identity = EdPoint(x: .zero, y: .one)

    var isOnCurve: Bool { -(x * x) + y * y == .one + Fe.d * x * x * y * y }

    /// The complete twisted Edwards addition law (a = -1).
    static func + (a: EdPoint, b: EdPoint) -> EdPoint {
        let t = Fe.d * a.x * b.x * a.y * b.y
        return EdPoint(x: (a.x * b.y + a.y * b.x) / (.one + t), y: (a.y * b.y + a.x * b.x) / (.one - t))
    }

    /// [n]self for n in four little-endian limbs.
    func times(_ n: [UInt64]) -> EdPoint {
        var r = EdPoint.identity
        let top: Int = (0..<256).last(where: { (n[$0 / 64] >> UInt64($0 % 64)) & 1 == 1 }) ?? -1
        for i in stride(from: top, through: 0, by: -1) {
            r = r + r
            if (n[i / 64] >> UInt64(i % 64)) & 1 == 1 { r = r + self }
        }
        return r
    }

    /// The smallest n ≥ 1 with [n]self = identity, if n ≤ limit.
    func order(upTo limit: Int) -> Int? {
        var q = self
        for n in 1...limit {
            if q == .identity { return n }
            q = q + self
        }
        return nil
    }

    /// The canonical RFC 8032 encoding: y little-endian, sign of x in the top bit.
    var encoding: [UInt8] {
        var b = y.bytes
        if x.isOdd { b[31] |= 0x80 }
        return b
    }

    /// Decodes leniently (y is taken mod p, and x = 0 with the sign bit set is read as x = 0),
    /// also telling whether the encoding was the canonical one. Nil when no point has that y.
    static func decode(_ b: [UInt8]) -> (point: EdPoint, canonical: Bool)? {
        let (y, wasAtLeastP) = Fe.fromLowBits(b)
        let sign = b[31] & 0x80 != 0
        guard var x = ((y * y - .one) / (Fe.d * y * y + .one)).squareRoot else { return nil }
        if x.isOdd != sign { x = -x }
        let point = EdPoint(x: x, y: y)
        return (point, !wasAtLeastP && !(x == .zero && sign))
    }
}
