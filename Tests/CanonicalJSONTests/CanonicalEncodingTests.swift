import Testing
import CanonicalJSON

@Suite("RFC 8785 canonical encoding")
struct CanonicalEncodingTests {
    /// RFC 8785 §3.2.3 sorting example (its values are strings, so no numbers to adapt).
    @Test func rfcKeySortingExample() throws {
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis",
          "</script>": "Browser Challenge"
        }
        """#
        let v = try JSON.parse(input)
        #expect(v.objectValue?.keys == ["\r", "1", "</script>", "\u{80}", "\u{F6}", "\u{20AC}", "\u{1F600}", "\u{FB33}"])
        let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"</script>\":\"Browser Challenge\","
            + "\"\u{80}\":\"Control\",\"\u{F6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20AC}\":\"Euro Sign\","
            + "\"\u{1F600}\":\"Emoji: Grinning Face\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        #expect(v.canonicalString == expected)
        #expect(v.canonicalBytes == b(expected))
    }

    /// The same keys with integer values, built in code rather than parsed.
    @Test func rfcKeySortingWithIntegers() {
        let v: JSON = ["\u{20AC}": 1, "\r": 2, "\u{FB33}": 3, "1": 4, "\u{1F600}": 5, "\u{80}": 6, "\u{F6}": 7, "</script>": 8]
        #expect(v.canonicalString == "{\"\\r\":2,\"1\":4,\"</script>\":8,\"\u{80}\":6,\"\u{F6}\":7,\"\u{20AC}\":1,\"\u{1F600}\":5,\"\u{FB33}\":3}")
    }

    /// Swift's `String <` would put U+E000 before U+1F600; UTF-16 order (D83D < E000) does not.
    @Test func utf16OrderNotScalarOrder() throws {
        #expect("\u{E000}" < "\u{1F600}")  // the trap this test guards against
        let v: JSON = ["\u{E000}": 1, "\u{1F600}": 2, "\u{FFFF}": 3, "\u{D7FF}": 4, "\u{10FFFF}": 5]
        #expect(v.canonicalString == "{\"\u{D7FF}\":4,\"\u{1F600}\":2,\"\u{10FFFF}\":5,\"\u{E000}\":1,\"\u{FFFF}\":3}")
        let parsed = try JSON.parse("{\"\\ue000\":1,\"\\ud83d\\ude00\":2}")
        #expect(parsed.canonicalString == "{\"\u{1F600}\":2,\"\u{E000}\":1}")
        #expect(parsed.objectValue?.keys == ["\u{1F600}", "\u{E000}"])
        // prefixes sort first
        let p: JSON = ["ab": 1, "a": 2, "": 3, "b": 4]
        #expect(p.canonicalString == #"{"":3,"a":2,"ab":1,"b":4}"#)
    }

    /// RFC 8785 §3.2.2.2 string example.
    @Test func rfcStringEscaping() throws {
        let v = try JSON.parse(#"{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"}"#)
        #expect(v.canonicalString == "{\"string\":\"\u{20AC}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}")
    }

    /// RFC 8785 §3.2.2 example, with its floating-point numbers replaced by integers.
    /// Every ASCII byte, and a two-byte UTF-8 character, at every position of a 17-byte string
    /// (the encoder checks eight bytes at a time, then the tail): the encoding is the byte-by-byte
    /// rule, escaped exactly where one is needed.
    @Test func everyByteAtEveryPositionIsEscapedByTheRule() {
        func reference(_ bytes: [UInt8]) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for c in bytes {
                switch c {
                case 0x22: out += Array(#"\""#.utf8)
                case 0x5C: out += Array(#"\\"#.utf8)
                case 0x08: out += Array(#"\b"#.utf8)
                case 0x0C: out += Array(#"\f"#.utf8)
                case 0x0A: out += Array(#"\n"#.utf8)
                case 0x0D: out += Array(#"\r"#.utf8)
                case 0x09: out += Array(#"\t"#.utf8)
                case ..<0x20: out += Array(#"\u00"#.utf8) + Array(String(c, radix: 16).leftPadded(2).utf8)
                default: out.append(c)
                }
            }
            return out + [0x22]
        }
        var wrong: [String] = []
        for position in 0..<17 {
            for c in [UInt8](0..<0x80) + [0xFF] {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 17)
                if c == 0xFF {  // "é" (C3 A9): bytes at or above 0x80 are never escaped
                    bytes.replaceSubrange(position..<position + 1, with: [0xC3, 0xA9])
                } else {
                    bytes[position] = c
                }
                let s = String(decoding: bytes, as: UTF8.self)
                if JSON.string(s).canonicalBytes != reference(bytes) { wrong.append("byte \(c) at \(position)") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }

    @Test func rfcMainExampleWithIntegers() throws {
        let input = #"""
        {
          "numbers": [333333333, 4, 2002, 1000000, 1, 1, 0],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#
        let expected = "{\"literals\":[null,true,false],\"numbers\":[333333333,4,2002,1000000,1,1,0],"
            + "\"string\":\"\u{20AC}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        #expect(try JSON.canonicalize(b(input)) == b(expected))
    }

    @Test func everyControlCharacterEscape() {
        var expected = "\""
        for c in 0..<0x20 {
            switch c {
            case 0x08: expected += "\\b"
            case 0x09: expected += "\\t"
            case 0x0A: expected += "\\n"
            case 0x0C: expected += "\\f"
            case 0x0D: expected += "\\r"
            default: expected += "\\u00" + (c < 16 ? "0" : "1") + String(c % 16, radix: 16)
            }
        }
        expected += "\""
        let s = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        #expect(JSON.string(s).canonicalString == expected)
        #expect(expected.contains("\\u001f") && expected.contains("\\u000b"))
    }

    @Test func nothingElseIsEscaped() {
        let s = "/\u{7F}\u{80}\u{2028}\u{2029}\u{FEFF}\u{1F600}<>&'"
        #expect(JSON.string(s).canonicalBytes == b("\"" + s + "\""))
        #expect(JSON.string("a\"b\\c").canonicalString == #""a\"b\\c""#)
    }

    @Test func literalsAndEmptyContainers() {
        let v: JSON = [.null, true, false, [], .object(JSONObject()), "", 0, -1]
        #expect(v.canonicalString == #"[null,true,false,[],{},"",0,-1]"#)
    }
}

@Suite("parseCanonical")
struct ParseCanonicalTests {
    @Test func acceptsCanonical() throws {
        let text = #"{"a":[1,-2,"x\n"],"b":{"c":null,"d":true}}"#
        #expect(try JSON.parseCanonical(b(text)) == JSON.parse(text))
    }

    @Test func rejectsNonCanonical() {
        expectNotCanonical(#"{"a":1, "b":2}"#, at: 7)          // whitespace
        expectNotCanonical(#" {"a":1}"#, at: 0)
        expectNotCanonical("{\"a\":1}\n", at: 7)               // trailing newline
        expectNotCanonical(#"{"b":1,"a":2}"#, at: 2)           // unsorted keys
        expectNotCanonical(#"{"\u0041":1}"#, at: 2)            // needless escape
        expectNotCanonical(#"["\u001F"]"#, at: 7)              // upper-case hex
        expectNotCanonical(#"[-0]"#, at: 1)                     // -0
        expectNotCanonical(#""a\/b""#, at: 2)                   // escaped solidus
        expectNotCanonical(#""\u00e9""#, at: 1)                 // escaped non-ASCII
        expectNotCanonical(#""\u000a""#, at: 2)                 // \u000a instead of \n
        expectNotCanonical("{\"\\ue000\":1,\"\\ud83d\\ude00\":2}", at: 2)  // scalar order, not UTF-16
    }

    @Test func parseErrorsComeFirst() {
        do {
            _ = try JSON.parseCanonical(b(#"{"a":1,"a":1}"#))
            Issue.record("accepted a duplicate key")
        } catch {
            #expect(error.code == .duplicateKey)
            #expect(error.offset == 7)
        }
        #expect(throws: JSONError(code: .fractionNotAllowed, offset: 2, reason: "number with a fraction (only integers are allowed)")) {
            try JSON.parseCanonical(b("[1.0]"))
        }
    }

    @Test func reasonIsReadable() {
        do {
            _ = try JSON.parseCanonical(b(#"{"a": 1}"#))
            Issue.record("accepted whitespace")
        } catch {
            #expect(error.description == "byte 5: not canonical JSON: found ' ' where the canonical form has '1'")
        }
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
