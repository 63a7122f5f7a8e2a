import Testing
import CanonicalJSON

@Suite("Nesting depth")
struct DepthTests {
    func nested(_ depth: Int, open: String = "[", close: String = "]") -> String {
        String(repeating: open, count: depth) + String(repeating: close, count: depth)
    }

    @Test func maxDepthIsAccepted() throws {
        #expect(JSON.maxDepth == 32)
        let v = try JSON.parse(nested(32))
        #expect(v.canonicalString == nested(32))
        var objects = ""
        for _ in 0..<31 { objects += "{\"a\":" }
        objects += "[1]" + String(repeating: "}", count: 31)
        #expect(try JSON.parse(objects).canonicalString == objects)
    }

    @Test func oneMoreIsRejected() {
        expectReject(nested(33), .tooDeep, at: 32)
        var objects = ""
        for _ in 0..<33 { objects += "{\"a\":" }
        objects += "1" + String(repeating: "}", count: 33)
        expectReject(objects, .tooDeep, at: 32 * 5)
    }

    @Test func hugeNestingDoesNotCrash() {
        expectReject(String(repeating: "[", count: 100_000), .tooDeep, at: 32)
        expectReject(nested(100_000), .tooDeep, at: 32)
        expectReject(String(repeating: "{\"a\":", count: 100_000), .tooDeep, at: 32 * 5)
        expectReject(String(repeating: "[{\"a\":", count: 50_000), .tooDeep, at: 16 * 6)
    }

    @Test func longFlatInputIsFine() throws {
        let n = 100_000
        let text = "[" + Array(repeating: "[1]", count: n).joined(separator: ",") + "]"
        let v = try JSON.parse(text)
        #expect(v.arrayValue?.count == n)
        #expect(v.canonicalString == text)
    }
}
