import Testing
import CanonicalJSON
import TestSupport

/// `parseCanonical` skips re-encoding the value when the parser saw nothing the canonical encoder
/// would write differently, and a parsed object whose keys are out of order is parsed again to
/// find the duplicate. These tests hold it to the strict definition — parse, re-encode, compare
/// byte for byte, and report the first differing byte — on tricky inputs and on many mutations
/// of canonical lines: the same value, or the same error code at the same offset.
@Suite("parseCanonical: the fast path agrees with parse + re-encode + compare")
struct FastPathTests {
    enum Outcome: Equatable, CustomStringConvertible {
        case value([UInt8])
        case error(JSONError.Code, Int)
        var description: String {
            switch self {
            case .value(let v): return "value \(String(decoding: v, as: UTF8.self))"
            case .error(let c, let o): return "\(c) at \(o)"
            }
        }
    }

    /// The definition: parse, then compare the input with the value's canonical bytes.
    static func strict(_ bytes: [UInt8]) -> Outcome {
        let value: JSON
        do { value = try JSON.parse(bytes) } catch { return .error(error.code, error.offset) }
        let canon = value.canonicalBytes
        if canon == bytes { return .value(canon) }
        var i = 0
        while i < canon.count, i < bytes.count, canon[i] == bytes[i] { i += 1 }
        return .error(.notCanonical, i)
    }

    static func fast(_ bytes: [UInt8]) -> Outcome {
        do { return .value(try JSON.parseCanonical(bytes).canonicalBytes) } catch { return .error(error.code, error.offset) }
    }

    static let tricky: [String] = [
        #"{"a":1}"#, #"{ "a":1}"#, #"{"a":1 }"#, #" {"a":1}"#, #"{"a":1}"# + "\n", #"{"a" :1}"#, #"{"a": 1}"#,
        #"{"b":1,"a":2}"#, #"{"a":1,"a":2}"#, #"{"b":1,"a":2,"a":3}"#, #"{"a":{"d":1,"c":2},"b":3}"#,
        #"{"a":{"c":1,"c":2},"b":3}"#, #"{"b":{"c":1},"a":1,"b":2}"#, #"{"a":[{"y":1,"x":2}]}"#,
        "-0", "0", "-1", "[-0]", #"{"a":-0}"#, "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "01", "1.0", "1e3", "[1,2,3]", "[1, 2]", "[]", "{}", "[ ]", "{ }", "true", "false", "null", "truex", "[true,false,null]",
        #""\u0041""#, #""\/""#, #""\"""#, #""\\""#, #""\n""#, #""\u000a""#, #""\u001f""#, #""\u001F""#, #""\u007f""#,
        "\"\u{7F}\"", "\"é\"", #""\u00e9""#, #""\ud83d\ude00""#, "\"😀\"", #""\ud83d""#, #""\ude00""#,
        #"{"é":1,"e":2}"#, #"{"e":2,"é":1}"#, "{\"\u{E000}\":1,\"\u{1F600}\":2}", "{\"\u{1F600}\":2,\"\u{E000}\":1}",
        "\"a\tb\"", "\"\u{1}\"", "{\"a\":1,}", "[1,]", "", " ", "{", "{\"a\"", "{\"a\":", "\u{FEFF}{}",
        #"{"hash":"00","link":"11","seq":1,"time":2,"tx":{"body":{},"kind":"genesis"}}"#,
        #"{"hash":"00","link":"11","seq":1,"time":2,"tx":{"kind":"genesis","body":{}}}"#,
        #"{"hash":"00","link":"11","seq":1,"time":2,"tx":{"body":{},"kind":"gen\u0065sis"}}"#,
    ]

    @Test("tricky inputs: same value or same error and offset")
    func trickyInputs() {
        for text in Self.tricky {
            let bytes = Array(text.utf8)
            #expect(Self.fast(bytes) == Self.strict(bytes), "\(text.debugDescription)")
        }
    }

    @Test("mutations of canonical lines: same value or same error and offset")
    func mutations() {
        let seeds: [String] = [
            #"{"hash":"a2a95a79009878913b126083d62a6052e67afd309686ae13c24195a1d4a84a70","link":"54f7","seq":3,"time":1600000002,"tx":{"body":{"task":"a09d"},"kind":"join","ledger":"297d","nonce":1,"party":"4dfa","sig":"2924"}}"#,
            #"{"a":[1,-2,{"b":"c\\d\"e","c":[]}],"b":{},"c":true,"d":null,"e":"\u001f","é":"😀"}"#,
        ]
        // Bytes a mutation may insert or substitute: whitespace, structure, digits, signs,
        // escapes and non-ASCII lead bytes.
        let alphabet: [UInt8] = Array(" \t\n\r{}[]:,\"\\/-0123456789eE.abcdfnrtuxyz".utf8) + [0x7F, 0xC3, 0xA9, 0xEE, 0xF0, 0x00]
        var rng = SplitMix64(seed: 12)
        var checked = 0
        for seed in seeds {
            let base = Array(seed.utf8)
            #expect(Self.fast(base) == Self.strict(base))
            for _ in 0..<3000 {
                var m = base
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let at = Int(rng.next() % UInt64(m.count + 1))
                    let c = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    switch rng.next() % 4 {
                    case 0: m.insert(c, at: at)
                    case 1: if at < m.count { m.remove(at: at) }
                    case 2: if at < m.count { m[at] = c }
                    default:  // swap two members' worth of bytes: moves keys out of order
                        let j = Int(rng.next() % UInt64(m.count + 1))
                        if at < m.count, j < m.count { m.swapAt(at, j) }
                    }
                }
                let f = Self.fast(m), s = Self.strict(m)
                #expect(f == s, "\(String(decoding: m, as: UTF8.self).debugDescription)")
                checked += 1
            }
        }
        #expect(checked == 6000)
    }

    @Test("a duplicate key after keys out of order: reported at the first repeat, as before")
    func duplicateAfterDisorder() {
        let text = #"{"b":1,"a":2,"c":{"y":1,"x":2},"a":3}"#
        do {
            _ = try JSON.parseCanonical(Array(text.utf8))
            Issue.record("accepted a duplicate key")
        } catch {
            #expect(error.code == .duplicateKey)
            #expect(error.offset == 31)
        }
    }
}
