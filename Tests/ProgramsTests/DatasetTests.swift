import LedgerCrypto
import Testing
@testable import Programs

@Suite struct DatasetTests {
    @Test func digitsShape() {
        let d = Fixture.digits
        #expect(d.rowCount == 1797)
        #expect(d.featureCount == 64)
        #expect(d.classes == 10)
        #expect(d.features.allSatisfy { $0 <= 16 })
        // First line of the file: 0,0,5,13,9,1,0,0,… label 0; second line ends with label 1.
        #expect(Array(d.features.prefix(6)) == [0, 0, 5, 13, 9, 1])
        #expect(d.label(row: 0) == 0 && d.label(row: 1) == 1)
    }

    @Test func plainZlibAndGzipAgree() throws {
        let text = Array("1,2,0\n3,4,1\n".utf8)
        let plain = try Dataset.parse(text)
        #expect(plain.rowCount == 2 && plain.featureCount == 2 && plain.classes == 2)
        #expect(try Dataset.parse(try Zlib.compress(text, format: .zlib)) == plain)
        #expect(try Dataset.parse(try Zlib.compress(text, format: .gzip)) == plain)
        #expect(try Dataset.parse(Array("1,2,0\r\n3,4,1".utf8)) == plain)
    }

    func failure(_ text: String) -> String {
        do {
            _ = try Dataset.parse(Array(text.utf8))
            return "no error"
        } catch {
            return error.reason
        }
    }

    @Test func errorsNameTheLine() {
        #expect(failure("1,2,0\n3,4,1\n5,6\n") == "line 3: expected 3 fields as on line 1, found 2")
        #expect(failure("1,2,0\n3,x,1\n").hasPrefix("line 2: field 2 (\"x\") is not a non-negative decimal integer"))
        #expect(failure("1,2,0\n3,-4,1\n").hasPrefix("line 2: field 2"))
        #expect(failure("1,2,0\n3,4,256\n") == "line 2: label 256 is out of range (labels are 0...255)")
        #expect(failure("1,2,0\n3,70000,1\n") == "line 2: feature 2 is out of range (features are 0...65535)")
        #expect(failure("1,2,0\n\n3,4,1\n") == "line 2: empty line")
        #expect(failure("1,,0\n") == "line 1: field 2 is empty")
        #expect(failure("7\n") == "line 1: expected at least 2 fields (features, then the label), found 1")
        #expect(failure("1,2,0 \n").hasPrefix("line 1: field 3"))
        #expect(failure("") == "the data set is empty")
        #expect(failure("\u{1f}\u{8b}garbage").hasPrefix("cannot decompress the data set"))
    }
}
