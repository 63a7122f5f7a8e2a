import Foundation
import Testing
@testable import Programs

/// docs/PROGRAMS.md must let a stranger reproduce every output bit. train-softmax's bytes depend
/// on the exact `exp` (DetMath.exp): its constants, the rounding of k and the evaluation order.
@Suite struct ProgramsDocTests {
    /// The document with every run of whitespace (line wrapping) collapsed to one space.
    static let doc: String = ((try? String(contentsOfFile: Fixture.root + "/docs/PROGRAMS.md", encoding: .utf8)) ?? "")
        .split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")

    static func bits(_ v: Double) -> String { "0x" + String(format: "%016llX", v.bitPattern) }

    @Test func expIsSpecifiedBitForBit() {
        let doc = Self.doc
        #expect(!doc.isEmpty)
        // Every constant, by its exact binary64 bit pattern.
        #expect(doc.contains("ln2Hi = \(Self.bits(DetMath.ln2Hi))"))
        #expect(doc.contains("ln2Lo = \(Self.bits(DetMath.ln2Lo))"))
        #expect(doc.contains("invLn2 = \(Self.bits(DetMath.invLn2))"))
        #expect(DetMath.expCoefficients.count == 14)
        #expect(doc.contains("c_n = 1/n! for n = 0 … 13"))
        // The steps whose choices change bits.
        #expect(doc.contains("ties away from zero"))
        #expect(doc.contains("r = (x − k·ln2Hi) − k·ln2Lo"))
        #expect(doc.contains("p = c_n + r·p"))
        #expect(doc.contains("if x ≥ −708 is false (x < −708 or NaN), exp(x) = 0"))
        // η and λ: one correctly rounded division of the exactly converted integers.
        #expect(doc.contains("η = Double(rate.num) / Double(rate.den)"))
    }

    @Test func forestNodeRulesAreSpecified() {
        let doc = Self.doc
        #expect(doc.contains("the root has depth 0"))
        #expect(doc.contains("restarts from [0 … F−1] at every node"))
        #expect(doc.contains("if no feature is non-constant on the node, it is a leaf"))
    }
}
