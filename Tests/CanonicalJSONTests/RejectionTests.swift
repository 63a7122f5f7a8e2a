import Testing
import CanonicalJSON

@Suite("Rejections: each with its own code and offset")
struct RejectionTests {
    @Test func emptyAndWhitespaceOnly() {
        expectReject("", .emptyInput, at: 0)
        expectReject("  \n", .emptyInput, at: 3)
    }

    @Test func unexpectedEnd() {
        expectReject("[1,", .unexpectedEnd, at: 3)
        expectReject("{\"a\":", .unexpectedEnd, at: 5)
        expectReject("{\"a\"", .unexpectedEnd, at: 4)
        expectReject("\"abc", .unexpectedEnd, at: 4)
        expectReject("\"ab\\", .unexpectedEnd, at: 4)
        expectReject("\"\\u12", .unexpectedEnd, at: 5)
        expectReject("[", .unexpectedEnd, at: 1)
    }

    @Test func unexpectedBytes() {
        expectReject("[1,]", .unexpectedByte, at: 3)       // trailing comma
        expectReject("{\"a\":1,}", .unexpectedByte, at: 7)
        expectReject("{\"a\" 1}", .unexpectedByte, at: 5)  // missing colon
        expectReject("{a:1}", .unexpectedByte, at: 1)      // unquoted key
        expectReject("[1 2]", .unexpectedByte, at: 3)
        expectReject("+1", .unexpectedByte, at: 0)
        expectReject(".5", .unexpectedByte, at: 0)
        expectReject("'a'", .unexpectedByte, at: 0)
        expectReject([0xEF, 0xBB, 0xBF, 0x31], .unexpectedByte, at: 0)  // BOM
        expectReject("[\u{A0}1]", .unexpectedByte, at: 1)  // non-ASCII whitespace
    }

    @Test func trailingBytes() {
        expectReject("1 2", .trailingBytes, at: 2)
        expectReject("{} {}", .trailingBytes, at: 3)
        expectReject("nullx", .invalidLiteral, at: 0)
        expectReject("[] ,", .trailingBytes, at: 3)
        expectReject("12a", .trailingBytes, at: 2)
    }

    @Test func invalidLiterals() {
        expectReject("tru", .invalidLiteral, at: 0)
        expectReject("[truex]", .invalidLiteral, at: 1)
        expectReject("[nul]", .invalidLiteral, at: 1)
        expectReject("{\"a\":fals}", .invalidLiteral, at: 5)
        expectReject("True", .unexpectedByte, at: 0)
    }

    @Test func numbers() {
        expectReject("1.5", .fractionNotAllowed, at: 1)
        expectReject("[0.0]", .fractionNotAllowed, at: 2)
        expectReject("1e3", .exponentNotAllowed, at: 1)
        expectReject("-2E+1", .exponentNotAllowed, at: 2)
        expectReject("01", .leadingZero, at: 0)
        expectReject("[-007]", .leadingZero, at: 2)
        expectReject("-", .invalidNumber, at: 0)
        expectReject("[-]", .invalidNumber, at: 1)
        expectReject("-a", .invalidNumber, at: 0)
        expectReject("9223372036854775808", .numberOutOfRange, at: 0)
        expectReject("[-9223372036854775809]", .numberOutOfRange, at: 1)
        expectReject("123456789012345678901234567890", .numberOutOfRange, at: 0)
    }

    @Test func duplicateKeys() {
        let e = expectReject("{\"amount\":1,\"to\":2,\"amount\":3}", .duplicateKey, at: 19)
        #expect(e?.reason == "duplicate key \"amount\" in object")
        #expect(e?.description == "byte 19: duplicate key \"amount\" in object")
        expectReject("{\"a\":1,\"\\u0061\":2}", .duplicateKey, at: 7)   // compared after unescaping
        expectReject("{\"b\":1,\"a\":1,\"b\":2,\"a\":2}", .duplicateKey, at: 13)  // first repeat in input order
        expectReject("{\"x\":{\"k\":1,\"k\":1}}", .duplicateKey, at: 12)
        expectReject("{\"\u{1F600}\":1,\"\\ud83d\\ude00\":2}", .duplicateKey, at: 10)
    }

    @Test func invalidUTF8() {
        func str(_ bytes: [UInt8]) -> [UInt8] { [0x22, 0x61] + bytes + [0x22] }  // "a…"
        expectReject(str([0xC0, 0xAF]), .invalidUTF8, at: 2)              // overlong '/'
        expectReject(str([0xE0, 0x80, 0xAF]), .invalidUTF8, at: 2)        // overlong 3-byte
        expectReject(str([0xF0, 0x80, 0x80, 0xAF]), .invalidUTF8, at: 2)  // overlong 4-byte
        expectReject(str([0xED, 0xA0, 0x80]), .invalidUTF8, at: 2)        // U+D800 in UTF-8
        expectReject(str([0xED, 0xBF, 0xBF]), .invalidUTF8, at: 2)        // U+DFFF in UTF-8
        expectReject(str([0xF4, 0x90, 0x80, 0x80]), .invalidUTF8, at: 2)  // U+110000
        expectReject(str([0xF5, 0x80, 0x80, 0x80]), .invalidUTF8, at: 2)
        expectReject(str([0xE2, 0x82]), .invalidUTF8, at: 2)              // truncated € before quote
        expectReject(str([0xF0, 0x9F, 0x98]), .invalidUTF8, at: 2)        // truncated emoji
        expectReject(str([0x80]), .invalidUTF8, at: 2)                    // stray continuation
        expectReject(str([0x41, 0xBF]), .invalidUTF8, at: 3)
        expectReject(str([0xFF]), .invalidUTF8, at: 2)
        expectReject([0x22, 0xE2, 0x82], .invalidUTF8, at: 1)             // truncated at end of input
        expectReject([0x5B, 0x80, 0x5D], .invalidUTF8, at: 1)             // outside a string too
        expectReject([0x31, 0x20, 0xC3], .invalidUTF8, at: 2)
        // Boundaries that are valid.
        for ok: [UInt8] in [[0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xC2, 0x80], [0xF0, 0x90, 0x80, 0x80]] {
            #expect(throws: Never.self) { _ = try JSON.parse(str(ok)) }
        }
    }

    @Test func loneSurrogates() {
        expectReject("\"\\ud800\"", .loneSurrogate, at: 1)
        expectReject("\"ab\\uD83Dx\"", .loneSurrogate, at: 3)
        expectReject("\"\\ud83d\\u0041\"", .loneSurrogate, at: 1)   // high + non-low
        expectReject("\"\\ud83d\\ud83d\"", .loneSurrogate, at: 1)   // high + high
        expectReject("\"\\ude00\"", .loneSurrogate, at: 1)          // lone low
        expectReject("\"x\\ude00\\ud83d\"", .loneSurrogate, at: 2)  // reversed pair
        #expect((try? JSON.parse("\"\\ud83d\\ude00\"")) == .string("\u{1F600}"))
    }

    @Test func invalidEscapes() {
        expectReject("\"\\x\"", .invalidEscape, at: 1)
        expectReject("\"ab\\'\"", .invalidEscape, at: 3)
        expectReject("\"\\U0041\"", .invalidEscape, at: 1)
        expectReject("\"\\u00G1\"", .invalidEscape, at: 1)
        expectReject("\"\\u12\"", .invalidEscape, at: 1)
        expectReject("\"\\ud83d\\u12\"", .invalidEscape, at: 7)
        expectReject("\"\\\u{E9}\"", .invalidEscape, at: 1)
    }

    @Test func controlCharacters() {
        expectReject("\"a\nb\"", .controlCharacterInString, at: 2)
        expectReject("\"\t\"", .controlCharacterInString, at: 1)
        expectReject([0x22, 0x00, 0x22], .controlCharacterInString, at: 1)
        expectReject("{\"k\u{1F}\":1}", .controlCharacterInString, at: 3)
        expectReject("\"\\n\u{1}\"", .controlCharacterInString, at: 3)  // after an escape (slow path)
        // U+007F is not a control character for JSON.
        #expect((try? JSON.parse("\"\u{7F}\"")) == .string("\u{7F}"))
    }

    @Test func everyCodeHasADistinctRawValue() {
        let raws = Set(JSONError.Code.allCases.map(\.rawValue))
        #expect(raws.count == JSONError.Code.allCases.count)
        #expect(JSONError.Code.allCases.count == 17)
    }
}
