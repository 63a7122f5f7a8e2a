import Testing
import CanonicalJSON

@Suite("Parsing accepted input")
struct ParseTests {
    @Test func scalarsAndWhitespace() throws {
        #expect(try JSON.parse("null") == .null)
        #expect(try JSON.parse(" true ") == .bool(true))
        #expect(try JSON.parse("\t\r\nfalse\n") == .bool(false))
        #expect(try JSON.parse("42") == .int(42))
        #expect(try JSON.parse("\"hi\"") == .string("hi"))
        let v = try JSON.parse(" { \"a\" : [ 1 , -2 , { } , [ ] ] ,\n\"b\":null } ")
        #expect(v == ["a": [1, -2, .object(JSONObject()), []], "b": .null])
    }

    @Test func int64Bounds() throws {
        #expect(try JSON.parse("9223372036854775807") == .int(.max))
        #expect(try JSON.parse("-9223372036854775808") == .int(.min))
        #expect(JSON.int(.max).canonicalString == "9223372036854775807")
        #expect(JSON.int(.min).canonicalString == "-9223372036854775808")
        #expect(try JSON.parseCanonical(b("-9223372036854775808")) == .int(.min))
        #expect(try JSON.parse("0") == .int(0))
        #expect(try JSON.parse("-0") == .int(0))
        #expect(JSON.int(-0).canonicalString == "0")
        #expect(try JSON.parse("[10,-10,1000000]") == [10, -10, 1_000_000])
    }

    @Test func escapesDecode() throws {
        let v = try JSON.parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u00E9\u20AC\ud83d\ude00\u0000""#)
        #expect(v == .string("\"\\/\u{8}\u{C}\n\r\tA\u{E9}\u{E9}\u{20AC}\u{1F600}\u{0}"))
    }

    @Test func rawUTF8IsKept() throws {
        let s = "ä€😀\u{2028}\u{7F}\u{10FFFF}\u{E000}"
        #expect(try JSON.parse("\"" + s + "\"").stringValue == s)
    }

    @Test func parsesFromAnyCollection() throws {
        let text = "{\"k\":[1,2]}"
        #expect(try JSON.parse(text.utf8) == ["k": [1, 2]])
        #expect(try JSON.parse(ArraySlice(b(" " + text + " "))) == ["k": [1, 2]])
        #expect(try JSON.parse(AnyCollection(b(text))) == ["k": [1, 2]])  // non-contiguous path
        #expect(try JSON.canonicalize(b(" { \"k\" : [ 1 ,2 ] } ")) == b(text))
    }

    @Test func accessors() throws {
        let v = try JSON.parse(#"{"s":"x","i":7,"b":true,"a":[1],"o":{"z":null},"n":null}"#)
        #expect(v["s"]?.stringValue == "x")
        #expect(v["i"]?.intValue == 7)
        #expect(v["b"]?.boolValue == true)
        #expect(v["a"]?.arrayValue == [1])
        #expect(v["o"]?.objectValue?["z"]?.isNull == true)
        #expect(v["n"]?.isNull == true)
        #expect(v["missing"] == nil)
        #expect(v["n"] != nil)
        // type mismatches give nil
        #expect(v["s"]?.intValue == nil)
        #expect(v["i"]?.stringValue == nil)
        #expect(v["b"]?.intValue == nil)
        #expect(v["a"]?.objectValue == nil)
        #expect(v["o"]?.arrayValue == nil)
        #expect(v["i"]?.isNull == false)
        #expect(v["a"]?["x"] == nil)
        #expect(v.objectValue?.keys == ["a", "b", "i", "n", "o", "s"])
        #expect(v.objectValue?.count == 6)
    }

    @Test func literalsAndObjectBuilding() {
        let v: JSON = ["kind": "transfer", "amount": 5, "ok": true, "memo": .null, "tags": ["a", 1]]
        #expect(v.canonicalString == #"{"amount":5,"kind":"transfer","memo":null,"ok":true,"tags":["a",1]}"#)
        let dict: [String: JSON] = ["b": 1, "a": 2]
        #expect(JSON.object(dict).canonicalString == #"{"a":2,"b":1}"#)
        var o = JSONObject()
        o["b"] = 1
        o["a"] = "x"
        o["c"] = true
        o["b"] = 2
        o["c"] = nil
        #expect(JSON.object(o).canonicalString == #"{"a":"x","b":2}"#)
        #expect(o.map(\.key) == ["a", "b"])
        #expect(o.values == ["x", 2])
        #expect(JSON.object(o) != JSON.object(["a": "x", "b": 3]))
        #expect(JSON.object(o).description == #"{"a":"x","b":2}"#)
    }
}

@Suite("Exact Unicode scalars, not canonical equivalence")
struct UnicodeIdentityTests {
    @Test func equivalentKeysStayDistinct() throws {
        let text = "{\"\\u00e9\":1,\"e\\u0301\":2}"
        let v = try JSON.parse(text)
        let o = try #require(v.objectValue)
        #expect(o.count == 2)
        #expect(o["\u{E9}"] == 1)
        #expect(o["e\u{301}"] == 2)
        // canonical bytes: "e" (0x65) sorts before U+00E9; raw UTF-8 output
        let expected: [UInt8] = b("{\"") + [0x65, 0xCC, 0x81] + b("\":2,\"") + [0xC3, 0xA9] + b("\":1}")
        #expect(v.canonicalBytes == expected)
        #expect(try JSON.parseCanonical(expected) == v)
        #expect(try JSON.canonicalize(expected) == expected)
    }

    @Test func rawEquivalentKeysAreNotDuplicates() throws {
        let text = "{\"\u{E9}\":1,\"e\u{301}\":2}"
        #expect(try JSON.parse(text).objectValue?.count == 2)
        // but exactly equal keys are duplicates
        expectReject("{\"e\u{301}\":1,\"e\\u0301\":2}", .duplicateKey, at: 9)
    }

    @Test func stringValuesKeepTheirScalars() throws {
        let composed = JSON.string("\u{E9}"), decomposed = JSON.string("e\u{301}")
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed]).count == 2)
        let v = try JSON.parse("[\"e\\u0301\",\"\\u00e9\",\"\u{212B}\",\"\u{C5}\"]")
        let strings = try #require(v.arrayValue).compactMap(\.stringValue)
        #expect(strings.map { Array($0.unicodeScalars.map(\.value)) } == [[0x65, 0x301], [0xE9], [0x212B], [0xC5]])
        #expect(v.canonicalBytes == b("[\"e\u{301}\",\"\u{E9}\",\"\u{212B}\",\"\u{C5}\"]"))
        #expect(Array(v.canonicalString.unicodeScalars.map(\.value)).contains(0x212B))
    }

    @Test func objectLiteralWithEquivalentKeys() {
        let o: JSONObject = ["\u{E9}": 1, "e\u{301}": 2]
        #expect(o.count == 2)
        #expect(o["\u{E9}"] == 1)
        #expect(JSON.object(o) != JSON.object(["\u{E9}": 1, "e\u{301}": 3]))
        #expect(JSON.object(["\u{E9}": 1]) != JSON.object(["e\u{301}": 1]))
    }
}
