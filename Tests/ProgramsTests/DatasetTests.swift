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

    /// A line is abandoned as soon as it has more fields than allowed (65536 features + the label
    /// on line 1, line 1's count afterwards), before the rest of it is read: a 256 KiB gzip input
    /// that inflates to one 256 MiB line of "0,0,0,…" must not make the parser hold 128 M fields
    /// (1 GiB of `Int`) before it notices. Observable: the error is the field count, not a
    /// problem further along the line.
    @Test func tooManyFieldsStopsTheLineEarly() {
        let tooWide = String(repeating: "0,", count: Dataset.maxFeatures + 1) + "0,x\n"
        #expect(failure(tooWide) == "line 1: more than \(Dataset.maxFeatures) features")
        #expect(failure("1,2,0\n3,4,1,5,x\n") == "line 2: expected 3 fields as on line 1, found more")
        // Exactly the limit is still fine.
        let widest = String(repeating: "1,", count: Dataset.maxFeatures) + "0\n"
        #expect(failure(widest) == "no error")
        #expect(failure("1,2,0\n3,4,1,5\n") == "line 2: expected 3 fields as on line 1, found more")
    }
}
