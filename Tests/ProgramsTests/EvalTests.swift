import CanonicalJSON
import LedgerCrypto
import TestSupport
import Testing
@testable import Programs

@Suite struct EvalTests {
    static let params: JSON = ["k": 100, "rows": ["from": 1437, "count": 360]]

    func check(model bytes: [UInt8], name: String) throws -> [UInt8] {
        let out = try EvalClassifier.run(inputs: [bytes, Fixture.digitsBytes], coin: Fixture.coin, params: Self.params)
        #expect(try EvalClassifier.run(inputs: [bytes, Fixture.digitsBytes], coin: Fixture.coin, params: Self.params) == out)
        let outcome = try #require(EvalOutcome.parse(out))
        #expect(outcome.k == 100)
        #expect(outcome.rows.count == 100 && Set(outcome.rows).count == 100)
        #expect(outcome.rows.allSatisfy { $0 >= 1437 && $0 < 1797 })
        // The rows are the coin's sampleDistinct, offset by "from".
        var s = CoinStream(coin: Fixture.coin)
        #expect(outcome.rows == s.sampleDistinct(100, from: 360).map { $0 + 1437 })
        // Bits against a direct computation.
        let model = try ClassifierModel.parse(bytes)
        var direct = 0
        for (j, r) in outcome.rows.enumerated() {
            let right = model.predict(Fixture.digits, row: r) == Fixture.digits.label(row: r)
            if right { direct += 1 }
            #expect(Array(outcome.bits.utf8)[j] == (right ? UInt8(ascii: "1") : UInt8(ascii: "0")))
        }
        #expect(outcome.correct == direct)
        #expect(direct >= 85, "\(name): \(direct)/100")
        // Canonical shape, byte for byte.
        let expected = "{\"bits\":\"\(outcome.bits)\",\"k\":100,\"rows\":[\(outcome.rows.map(String.init).joined(separator: ","))]}"
        #expect(String(decoding: out, as: UTF8.self) == expected)
        // Another coin selects other rows.
        let other = try EvalClassifier.run(inputs: [bytes, Fixture.digitsBytes], coin: Fixture.otherCoin, params: Self.params)
        #expect(EvalOutcome.parse(other)!.rows != outcome.rows)
        print("eval-classifier \(name): \(outcome.correct)/100, result sha256 \(Fixture.hex(out))")
        return out
    }

    @Test func evaluatesBothModelKinds() throws {
        let s = try check(model: Fixture.softmax.bytes, name: "softmax")
        let f = try check(model: Fixture.forest.bytes, name: "forest")
        #expect(Fixture.hex(s) == "c5885b7d00ec47ea48c737ea9cd1cade7040d60614491e468baaa279e944689c")
        #expect(Fixture.hex(f) == "6699cb8d64805b100defe95a9658d9ee21eb3001b5049405ba261b4cfcf393cb")
    }

    @Test func perfectModelStillDependsOnTheCoin() throws {
        // A hand-made forest that memorises nothing but always says class 0, evaluated on rows that
        // are all class 0: every bit is 1, yet the result differs between coins through the rows.
        let zeros = Array("0,0\n0,0\n0,0\n0,0\n0,0\n".utf8)
        let model = Array(#"{"classes":1,"features":1,"format":"crowdledger-model/v1","kind":"forest","trees":[{"leaves":[[1]],"splits":[]}]}"#.utf8)
        let p: JSON = ["k": 3, "rows": ["from": 0, "count": 5]]
        let a = try EvalClassifier.run(inputs: [model, zeros], coin: Fixture.coin, params: p)
        let b = try EvalClassifier.run(inputs: [model, zeros], coin: Fixture.otherCoin, params: p)
        #expect(EvalOutcome.parse(a)?.bits == "111")
        #expect(EvalOutcome.parse(b)?.bits == "111")
        #expect(a != b)
    }

    @Test func evalErrors() {
        #expect(reason { try EvalClassifier.run(inputs: [Array("{}".utf8), Fixture.digitsBytes], coin: Fixture.coin, params: Self.params) }
            == "eval-classifier: input 0 (model: \"format\" must be \"crowdledger-model/v1\")")
        #expect(reason { try EvalClassifier.run(inputs: [Fixture.softmax.bytes, Array("1,2,0\n".utf8)], coin: Fixture.coin, params: ["k": 1, "rows": ["from": 0, "count": 1]]) }
            == "eval-classifier: the model expects 64 features but the data set has 2")
        #expect(reason { try EvalClassifier.run(inputs: [Fixture.softmax.bytes, Fixture.digitsBytes], coin: Fixture.coin, params: ["k": 1, "rows": ["from": 1797, "count": 1]]) }
            == "eval-classifier: parameter \"rows\" selects rows 1797..<1798 but the data set has 1797 rows")
    }

    @Test func outcomeParseIsStrict() {
        func p(_ s: String) -> EvalOutcome? { EvalOutcome.parse(Array(s.utf8)) }
        let good = p(#"{"bits":"0110","k":4,"rows":[9,3,5,0]}"#)
        #expect(good == EvalOutcome(correct: 2, k: 4, bits: "0110", rows: [9, 3, 5, 0]))
        #expect(good!.meets(num: 1, den: 2))
        #expect(!good!.meets(num: 51, den: 100))
        let bad = [
            #"{"bits":"0110","k":4,"rows":[9,3,5,0]}"# + "\n",            // trailing newline
            #"{"bits":"0110", "k":4,"rows":[9,3,5,0]}"#,                   // not canonical
            #"{"k":4,"bits":"0110","rows":[9,3,5,0]}"#,                    // key order
            #"{"bits":"0112","k":4,"rows":[9,3,5,0]}"#,                    // bit not 0/1
            #"{"bits":"011","k":4,"rows":[9,3,5,0]}"#,                     // bits.count != k
            #"{"bits":"0110","k":4,"rows":[9,3,5]}"#,                      // rows.count != k
            #"{"bits":"0110","k":4,"rows":[9,3,5,5]}"#,                    // repeated row
            #"{"bits":"0110","k":4,"rows":[9,3,5,-1]}"#,                   // negative row
            #"{"bits":"0110","k":4,"rows":[9,3,5,"0"]}"#,                  // row not an integer
            #"{"bits":"0110","k":4}"#,                                      // missing key
            #"{"bits":"0110","k":4,"rows":[9,3,5,0],"x":1}"#,              // extra key
            #"{"bits":"","k":0,"rows":[]}"#,                                // k = 0
            #"{"bits":"0110","k":"4","rows":[9,3,5,0]}"#,                  // k not an integer
            #"[1]"#, "",
        ]
        for b in bad { #expect(p(b) == nil, "accepted \(b)") }
    }

    @Test func modelParserErrors() {
        func m(_ s: String) -> String { reason { try ClassifierModel.parse(Array(s.utf8)) } }
        let head = #"{"classes":2,"features":1,"format":"crowdledger-model/v1","kind":"forest","trees":"#
        #expect(m(head + #"[{"leaves":[[1,0],[0,1]],"splits":[[0,3,-1,-2]]}]}"#) == "no error")
        #expect(m(head + #"[{"leaves":[[1,0],[0,1]],"splits":[[0,3,0,-2]]}]}"#).hasPrefix("model: tree 0: split 0 refers to split 0"))
        #expect(m(head + #"[{"leaves":[[1,0],[0,1]],"splits":[[0,3,-1,-1]]}]}"#) == "model: tree 0: split 0 refers to a node that already has a parent")
        #expect(m(head + #"[{"leaves":[[1,0],[0,1]],"splits":[[1,3,-1,-2]]}]}"#).hasPrefix("model: tree 0: split 0 must be [feature, threshold, left, right]"))
        #expect(m(head + #"[{"leaves":[[1,0]],"splits":[]},{"leaves":[[0,0]],"splits":[]}]}"#) == "model: tree 1: leaf 0 has no rows")
        #expect(m(head + #"[]}"#) == "model: \"trees\" must be a non-empty array")
        let soft = #"{"bias":"00","classes":1,"features":1,"format":"crowdledger-model/v1","kind":"softmax","scale":1,"weights":"0000000000000000"}"#
        #expect(m(soft) == "model: \"bias\" must be 16 lower-case hex characters (1 binary64 values)")
        #expect(m(#"{"format":"crowdledger-model/v1","kind":"tree"}"#) == "model: \"kind\" must be \"softmax\" or \"forest\"")
        #expect(m("not json").hasPrefix("model: not valid JSON"))
        #expect(m(head + #"[{"leaves":[[1,0]],"splits":[]}],"x":1}"#) == "model: unknown key \"x\" (expected \"classes\", \"features\", \"format\", \"kind\", \"trees\")")
        #expect(m(#"{"classes":0,"features":1,"format":"crowdledger-model/v1","kind":"forest","trees":[]}"#) == "model: key \"classes\" must be an integer in 1...256, got 0")
    }
}
