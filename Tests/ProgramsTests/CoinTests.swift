import Foundation
import LedgerCrypto
import TestSupport
import Testing
@testable import Programs

@Suite struct CoinTests {
    @Test func deriveMatchesIndependentComputation() throws {
        let coin = Fixture.coin
        for counter: UInt64 in [0, 5, 1 << 56 | 7, UInt64.max] {
            var buffer = coin
            var c = counter
            var be = [UInt8](repeating: 0, count: 8)
            for i in (0..<8).reversed() { be[i] = UInt8(c & 0xff); c >>= 8 }
            buffer += be
            #expect(buffer.count == 40)
            let derived = Hex.encode(Coin.derive(coin: coin, counter: counter))
            #expect(derived == (try coreutilsSHA256(buffer)))
        }
    }

    @Test func goldenDraws() {
        // Cross-checked with Python's hashlib: sha256(coin + ctr.to_bytes(8, "big")).
        #expect(Hex.encode(Fixture.coin) == "548eb675ee9188d3882484e3a1d38522c91b220f57f7d5cce132299d840fe350")
        #expect(Hex.encode(Coin.derive(coin: Fixture.coin, counter: 5)) == "779abaf5d609d4deecff838a00e430a6ab4b7f7b348c83cbd33c3a03bf70adfd")
        #expect(Hex.encode(Coin.derive(coin: Fixture.coin, counter: Coin.counter(purpose: 1, index: 7)))
            == "6f71c84104571c8674e97c9f8934bf77315adab5e0141490de46f6dd95a7a89b")
    }

    @Test func streamDrawsConsecutiveCounters() {
        var s = CoinStream(coin: Fixture.coin, counter: 5)
        let block = s.nextBlock()
        #expect(block == Coin.derive(coin: Fixture.coin, counter: 5))
        #expect(s.counter == 6)
        let v = s.nextUInt64()
        let expected = Coin.derive(coin: Fixture.coin, counter: 6).prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(v == expected)
        #expect(s.counter == 7)
        let d = s.unitDouble()
        #expect(d >= 0 && d < 1)
        #expect(s.counter == 8)
        var fromZero = CoinStream(coin: Fixture.coin)
        #expect(fromZero.counter == 0)
        #expect(fromZero.nextBlock() == Coin.derive(coin: Fixture.coin, counter: 0))
    }

    @Test func uniformIsRoughlyUniform() {
        var s = CoinStream(coin: Fixture.coin)
        var counts = [0, 0, 0]
        for _ in 0..<3000 { counts[Int(s.uniform(below: 3 as UInt64))] += 1 }
        // 3 does not divide 2^64 but rejection is ~2^-62 likely: one counter per draw.
        #expect(s.counter == 3000)
        for c in counts { #expect(abs(c - 1000) < 150, "counts \(counts)") }
    }

    @Test func rejectionPathIsUnbiasedAndConsumesCounters() {
        // n = 2^63 + 1: 2^64 mod n = 2^63 - 1, so draws >= 2^63 + 1 (about half) are rejected.
        let n: UInt64 = 1 << 63 + 1
        var s = CoinStream(coin: Fixture.coin)
        var replay = CoinStream(coin: Fixture.coin)
        var rejected = 0
        for _ in 0..<200 {
            let v = s.uniform(below: n)
            #expect(v < n)
            // Independent replay of the rule.
            var x = replay.nextUInt64()
            while x >= n { rejected += 1; x = replay.nextUInt64() }  // limit = 2^64 - (2^63 - 1) = n
            #expect(v == x % n)
            #expect(s.counter == replay.counter)
        }
        #expect(rejected > 50)
        #expect(s.counter == UInt64(200 + rejected))
    }

    @Test func uniformOfOneStillConsumesADraw() {
        var s = CoinStream(coin: Fixture.coin)
        #expect(s.uniform(below: 1 as UInt64) == 0)
        #expect(s.counter == 1)
    }

    @Test func shuffleIsFisherYatesFromTheLastIndex() {
        var s = CoinStream(coin: Fixture.coin)
        var a = Array(0..<50)
        s.shuffle(&a)
        #expect(a.sorted() == Array(0..<50))
        #expect(a != Array(0..<50))
        var manual = Array(0..<50)
        var r = CoinStream(coin: Fixture.coin)
        for i in stride(from: 49, through: 1, by: -1) {
            manual.swapAt(i, Int(r.uniform(below: UInt64(i + 1))))
        }
        #expect(a == manual)
        #expect(s.counter == r.counter)
        var single = [7]
        var t = CoinStream(coin: Fixture.coin)
        t.shuffle(&single)
        #expect(t.counter == 0 && single == [7])
    }

    @Test func sampleDistinctGivesDistinctValuesInRange() {
        var s = CoinStream(coin: Fixture.coin)
        let picks = s.sampleDistinct(40, from: 360)
        #expect(picks.count == 40)
        #expect(Set(picks).count == 40)
        #expect(picks.allSatisfy { $0 >= 0 && $0 < 360 })
        // A prefix of a larger sample is the smaller sample.
        var t = CoinStream(coin: Fixture.coin)
        #expect(Array(t.sampleDistinct(100, from: 360).prefix(40)) == picks)
        // Manual partial Fisher–Yates from the front.
        var a = Array(0..<360)
        var r = CoinStream(coin: Fixture.coin)
        for i in 0..<40 { a.swapAt(i, i + Int(r.uniform(below: UInt64(360 - i)))) }
        #expect(Array(a.prefix(40)) == picks)
        // k == n is a permutation.
        var u = CoinStream(coin: Fixture.otherCoin)
        #expect(u.sampleDistinct(10, from: 10).sorted() == Array(0..<10))
    }
}
