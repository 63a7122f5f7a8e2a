import TestSupport
import Testing
import CanonicalJSON

/// Seeded random values: parse(canonical(x)) == x, canonical is a fixed point, and a noisy
/// (whitespace, shuffled keys, gratuitous escapes) rendering parses back to x.
@Suite("Randomized round trips")
struct RoundTripTests {
    struct Gen {
        var rng: SplitMix64

        mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

        mutating func scalar() -> Unicode.Scalar {
            let pools: [ClosedRange<UInt32>] = [
                0x20...0x7E, 0x20...0x7E, 0x00...0x1F, 0x22...0x22, 0x5C...0x5C, 0x2F...0x2F,
                0x7F...0xFF, 0x300...0x36F, 0x800...0xD7FF, 0xE000...0xFFFF, 0x2028...0x2029,
                0x10000...0x10FFFF, 0x1F600...0x1F64F,
            ]
            let r = pools[int(pools.count)]
            let v = r.lowerBound + UInt32(rng.next() % UInt64(r.upperBound - r.lowerBound + 1))
            return Unicode.Scalar(v)!
        }

        mutating func string() -> String {
            var s = String.UnicodeScalarView()
            for _ in 0..<int(8) { s.append(scalar()) }
            return String(s)
        }

        mutating func int64() -> Int64 {
            switch int(6) {
            case 0: return [Int64.min, .max, 0, -1, 1][int(5)]
            case 1: return Int64(bitPattern: rng.next())
            default: return Int64(int(2001)) - 1000
            }
        }

        mutating func value(depth: Int) -> JSON {
            let kind = depth >= 5 ? int(4) : int(6)
            switch kind {
            case 0: return [JSON.null, .bool(true), .bool(false)][int(3)]
            case 1: return .int(int64())
            case 2, 3: return .string(string())
            case 4: return .array((0..<int(5)).map { _ in value(depth: depth + 1) })
            default:
                var o = JSONObject()
                for _ in 0..<int(6) {
                    // sometimes a short key so collisions/prefixes occur
                    let key = int(3) == 0 ? String(Unicode.Scalar(UInt8(0x61 + int(3)))) : string()
                    o[key] = value(depth: depth + 1)
                }
                return .object(o)
            }
        }

        // MARK: noisy (valid, non-canonical) rendering

        mutating func ws() -> [UInt8] { (0..<int(3)).map { _ in [0x20, 0x0A, 0x0D, 0x09][int(4)] } }

        mutating func hex4(_ u: UInt32) -> [UInt8] {
            let digits = Array((int(2) == 0 ? "0123456789abcdef" : "0123456789ABCDEF").utf8)
            return [UInt8(ascii: "\\"), UInt8(ascii: "u")] + [12, 8, 4, 0].map { digits[Int((u >> $0) & 0xF)] }
        }

        mutating func noisyString(_ s: String) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for sc in s.unicodeScalars {
                let v = sc.value
                if int(3) == 0 || v < 0x20 || v == 0x22 || v == 0x5C {
                    if v == 0x2F && int(2) == 0 { out += b("\\/"); continue }
                    if v >= 0x10000 {
                        let w = v - 0x10000
                        out += hex4(0xD800 + (w >> 10)) + hex4(0xDC00 + (w & 0x3FF))
                    } else if v == 0x0A && int(2) == 0 {
                        out += b("\\n")
                    } else if v == 0x22 && int(2) == 0 {
                        out += b("\\\"")
                    } else {
                        out += hex4(v)
                    }
                } else {
                    out += Array(String(sc).utf8)
                }
            }
            return out + [0x22]
        }

        mutating func noisy(_ v: JSON) -> [UInt8] {
            var out = ws()
            switch v {
            case .null, .bool, .int: out += v.canonicalBytes
            case .string(let s): out += noisyString(s)
            case .array(let a):
                out += b("[") + ws()
                for (i, x) in a.enumerated() { if i > 0 { out += b(",") }; out += noisy(x) }
                out += ws() + b("]")
            case .object(let o):
                var members = Array(o)
                members.shuffle(using: &rng)
                out += b("{") + ws()
                for (i, m) in members.enumerated() {
                    if i > 0 { out += b(",") }
                    out += ws() + noisyString(m.key) + ws() + b(":") + noisy(m.value)
                }
                out += ws() + b("}")
            }
            return out + ws()
        }
    }

    /// Independent oracle for key order: compare UTF-16 code unit arrays.
    func keysAreInUTF16Order(_ v: JSON) -> Bool {
        switch v {
        case .array(let a): return a.allSatisfy(keysAreInUTF16Order)
        case .object(let o):
            let keys = o.keys.map { Array($0.utf16) }
            for i in keys.indices.dropFirst() where !keys[i - 1].lexicographicallyPrecedes(keys[i]) { return false }
            return o.values.allSatisfy(keysAreInUTF16Order)
        default: return true
        }
    }

    @Test(arguments: [UInt64(1), 2, 3, 0xC0FFEE])
    func roundTrip(seed: UInt64) throws {
        var g = Gen(rng: SplitMix64(seed: seed))
        for _ in 0..<100 {
            let x = g.value(depth: 0)
            let canon = x.canonicalBytes
            let parsed = try JSON.parse(canon)
            #expect(parsed == x, "seed \(seed): \(x)")
            #expect(parsed.canonicalBytes == canon)
            #expect(try JSON.parseCanonical(canon) == x)
            #expect(keysAreInUTF16Order(x))
            #expect(parsed.hashValue == x.hashValue)

            let noise = g.noisy(x)
            let fromNoise = try JSON.parse(noise)
            #expect(fromNoise == x, "seed \(seed): \(String(decoding: noise, as: UTF8.self))")
            #expect(try JSON.canonicalize(noise) == canon)
            if noise != canon {
                #expect(throws: JSONError.self) { try JSON.parseCanonical(noise) }
            }
        }
    }
}
