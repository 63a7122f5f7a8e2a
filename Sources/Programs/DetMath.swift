/// Floating-point arithmetic the built-in learners are allowed to use, and why it is reproducible.
///
/// Determinism of `train-softmax` (the only program that uses floating point) rests on:
/// 1. IEEE-754 binary64 with round-to-nearest-even, and only the operations `+ − × ÷`, conversions
///    from integers below 2^53 (exact) and `rounded()` (exact). Each of these has exactly one
///    correctly rounded result, so it is the same on every IEEE machine, libm and compiler version.
///    On x86_64 Swift computes binary64 in SSE2 registers (no x87 extended precision).
/// 2. No fused multiply-add: the code never calls `fma`/`addingProduct`, and Swift does not
///    contract `a * b + c` into an FMA (LLVM is not given contraction or fast-math flags). For the
///    same reason the optimizer may not reassociate or vectorise floating-point reductions.
/// 3. No libm: `exp` is `DetMath.exp` below (range reduction and a fixed polynomial written with
///    `+ − × ÷` only), never the C library's `exp`, whose last bit differs between versions.
/// 4. A fixed order for every sum (documented at each loop), single-threaded training, and every
///    random choice drawn from the coin with `h(r || ctr)`. Nothing depends on the thread count,
///    the clock, the environment or the address of anything.
/// Results (models) carry floating-point values only as their exact bit patterns (hex of
/// big-endian binary64), never as decimal text.
public enum DetMath {
    /// 1/n! for n = 0...13, each the binary64 nearest to the exact value (a literal quotient of two
    /// exactly representable integers, correctly rounded at compile time).
    static let expCoefficients: [Double] = [
        1.0, 1.0, 1.0 / 2.0, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0, 1.0 / 5040.0,
        1.0 / 40320.0, 1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 39916800.0, 1.0 / 479001600.0,
        1.0 / 6227020800.0,
    ]
    /// ln 2 split so that `k * ln2Hi` is exact for |k| < 2^20 (fdlibm's constants).
    static let ln2Hi: Double = 6.93147180369123816490e-01  // 0x3FE62E42FEE00000
    static let ln2Lo: Double = 1.90821492927058770002e-10  // 0x3DEA39EF35793C76
    static let invLn2: Double = 1.44269504088896338700e+00  // 0x3FF71547652B82FE

    /// A reproducible `e^x` for `x ≤ 0` (what softmax needs after subtracting the maximum); relative
    /// error about 1e-15. Exactly:
    ///   - if not `x >= -708` (including NaN), return 0;
    ///   - `k = (x * invLn2).rounded()` (to nearest, ties away from zero), an integer in -1022...0;
    ///   - `r = (x - k * ln2Hi) - k * ln2Lo`;
    ///   - `p = c0 + r*(c1 + r*(c2 + … + r*(c12 + r*c13)))` (Horner, innermost first), c_n = 1/n!;
    ///   - return `p * 2^k` (multiplication by an exact power of two).
    public static func exp(_ x: Double) -> Double {
        guard x >= -708 else { return 0 }
        if x > 0 { return expPositive(x) }
        let k = (x * invLn2).rounded()
        let r = (x - k * ln2Hi) - k * ln2Lo
        var p = expCoefficients[13]
        var n = 12
        while n >= 0 {
            p = expCoefficients[n] + r * p
            n -= 1
        }
        return p * powerOfTwo(Int(k))
    }

    /// Not used by the learners (they only exponentiate non-positive numbers); kept total: for
    /// `x > 0`, `1 / exp(-x)`, and +infinity beyond 708.
    static func expPositive(_ x: Double) -> Double {
        guard x <= 708 else { return .infinity }
        return 1.0 / exp(-x)
    }

    /// 2^k for -1022 ≤ k ≤ 1023, built from its bit pattern.
    static func powerOfTwo(_ k: Int) -> Double {
        precondition(k >= -1022 && k <= 1023)
        return Double(bitPattern: UInt64(1023 + k) << 52)
    }
}
