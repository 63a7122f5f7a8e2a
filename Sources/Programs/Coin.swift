import LedgerCrypto

/// The paper's public coins `h(r || ctr)` (Section V, "Training ML classifier").
///
/// A task's coin `r` is exactly 32 bytes. Every random draw a built-in program makes is
///
///     draw(r, ctr) = SHA-256( r || ctr as 8 bytes, big-endian )        (40 bytes hashed, 32 out)
///
/// for a counter `ctr` that the program documents. Programs split the 64-bit counter space by
/// purpose: `ctr = purpose << 56 | index` (`purpose` in 0...255, `index` < 2^56), so draws made
/// for different purposes never share a counter. `crowdledger derive --coin HEX --counter N` prints
/// the same value, for external programs.
///
/// Check by hand: `printf '%s' "$COIN_HEX$(printf '%016x' "$CTR")" | xxd -r -p | sha256sum`.
public enum Coin {
    /// The length of a coin and of every draw, in bytes.
    public static let byteCount = 32

    /// `SHA-256(coin || counter as 8 bytes big-endian)`. `coin` should be 32 bytes; this function
    /// hashes whatever it is given (programs check the length before drawing).
    public static func derive(coin: [UInt8], counter: UInt64) -> [UInt8] {
        var h = SHA256()
        h.update(coin)
        h.update(BigEndian.bytes(counter))
        return h.finalize()
    }

    /// `ctr = purpose << 56 | index`: the counter of the `index`-th draw of a purpose.
    public static func counter(purpose: UInt8, index: UInt64) -> UInt64 {
        precondition(index < 1 << 56, "coin counter index out of range")
        return UInt64(purpose) << 56 | index
    }
}

/// Consecutive draws `h(r || ctr)`, `h(r || ctr+1)`, … from a coin.
///
/// Every method below consumes whole draws (one SHA-256 block of 32 bytes per counter); no
/// leftover bytes of a block are ever reused. Exactly:
///
/// - `nextBlock()`: returns `draw(r, ctr)` and increments `ctr`.
/// - `nextUInt64()`: the first 8 bytes of `nextBlock()`, read big-endian (one counter per call;
///   the other 24 bytes are discarded).
/// - `uniform(below: n)` (n ≥ 1): repeat `x = nextUInt64()` until `x < 2^64 - (2^64 mod n)`, then
///   return `x mod n`. Unbiased; every rejected draw consumes its counter. For n = 1 it still
///   consumes one draw (and returns 0).
/// - `shuffle(&a)`: Fisher–Yates from the last index down: for `i = a.count-1` down to `1`,
///   `j = uniform(below: i+1)`, swap `a[i]` and `a[j]` (exactly `a.count - 1` calls of `uniform`
///   when nothing is rejected; arrays of 0 or 1 element draw nothing).
/// - `sampleDistinct(k, from: n)`: a partial Fisher–Yates from the front over the virtual array
///   `a = [0, 1, …, n-1]`: for `i = 0 ..< k`, `j = i + uniform(below: n - i)`, swap `a[i]` and
///   `a[j]`; the result is `[a[0], …, a[k-1]]` in that order (k distinct values in `0..<n`; the
///   i-th chosen value is the i-th element). Any prefix of the result is the result for a
///   smaller k.
/// - `unitDouble()`: `Double(nextUInt64() >> 11) * 2^-53`, a value in [0, 1) (exact).
public struct CoinStream: Sendable {
    public let coin: [UInt8]
    /// The counter of the next draw.
    public private(set) var counter: UInt64

    public init(coin: [UInt8], counter: UInt64 = 0) {
        self.coin = coin
        self.counter = counter
    }

    public mutating func nextBlock() -> [UInt8] {
        let block = Coin.derive(coin: coin, counter: counter)
        counter &+= 1
        return block
    }

    /// The first 8 bytes of one block, big-endian; consumes one counter.
    public mutating func nextUInt64() -> UInt64 {
        let block = nextBlock()
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(block[i]) }
        return v
    }

    /// A uniform integer in `0..<n` by rejection (see the type's documentation). `n` must be ≥ 1.
    public mutating func uniform(below n: UInt64) -> UInt64 {
        precondition(n >= 1, "uniform(below: 0)")
        // 2^64 mod n, computed without 2^64: (2^64 - n) mod n.
        let rem = (0 &- n) % n
        // Accept x < 2^64 - rem; when rem == 0 every x is accepted.
        let limit = 0 &- rem  // == 2^64 - rem (mod 2^64); 0 stands for 2^64 when rem == 0
        while true {
            let x = nextUInt64()
            if rem == 0 || x < limit { return x % n }
        }
    }

    /// Convenience for `Int` bounds.
    public mutating func uniform(below n: Int) -> Int {
        Int(uniform(below: UInt64(n)))
    }

    /// Fisher–Yates, last index down (see the type's documentation).
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        var i = a.count - 1
        while i >= 1 {
            let j = Int(uniform(below: UInt64(i + 1)))
            a.swapAt(i, j)
            i -= 1
        }
    }

    /// `k` distinct values of `0..<n` in selection order (partial Fisher–Yates from the front).
    public mutating func sampleDistinct(_ k: Int, from n: Int) -> [Int] {
        precondition(k >= 0 && k <= n, "sampleDistinct: k must be in 0...n")
        var swapped: [Int: Int] = [:]  // sparse view of the virtual array a = [0, 1, …, n-1]
        var out: [Int] = []
        out.reserveCapacity(k)
        for i in 0..<k {
            let j = i + Int(uniform(below: UInt64(n - i)))
            let aj = swapped[j] ?? j
            let ai = swapped[i] ?? i
            swapped[j] = ai
            swapped[i] = aj
            out.append(aj)
        }
        return out
    }

    /// `Double(nextUInt64() >> 11) * 2^-53`, in [0, 1).
    public mutating func unitDouble() -> Double {
        Double(nextUInt64() >> 11) * 0x1p-53
    }
}
