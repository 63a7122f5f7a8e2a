import CanonicalJSON
import LedgerCrypto
import TestSupport
import Testing
@testable import Programs

@Suite struct RegistryTests {
    @Test func namesResolve() {
        #expect(Programs.all.map { $0.name } == ["hash-iterate", "train-softmax", "train-forest", "eval-classifier"])
        for p in Programs.all { #expect(Programs.named(p.name) == p) }
        #expect(Programs.named("nope") == nil)
        #expect(reason { try Programs.run(name: "nope", inputs: [], coin: Fixture.coin, params: [:]) }
            == "unknown program \"nope\" (built-in programs: hash-iterate, train-softmax, train-forest, eval-classifier)")
    }

    @Test func parameterErrors() {
        #expect(reason { try HashIterate.validate(params: ["iterations": 3, "x": 1], inputCount: 0) }
            == "hash-iterate: unknown parameter \"x\" (expected \"iterations\")")
        #expect(reason { try HashIterate.validate(params: [:], inputCount: 0) } == "hash-iterate: missing parameter \"iterations\"")
        #expect(reason { try HashIterate.validate(params: ["iterations": 0], inputCount: 0) }
            == "hash-iterate: parameter \"iterations\" must be an integer in 1...10000000, got 0")
        #expect(reason { try HashIterate.validate(params: ["iterations": "3"], inputCount: 0) }
            == "hash-iterate: parameter \"iterations\" must be an integer in 1...10000000, got \"3\"")
        #expect(reason { try HashIterate.validate(params: [1], inputCount: 0) }
            == "hash-iterate: the parameters must be a JSON object with keys \"iterations\"")
        #expect(reason { try TrainSoftmax.validate(params: Fixture.softmaxParams, inputCount: 2) }
            == "train-softmax: expected 1 input (the training data set), got 2")
        var p = Fixture.softmaxParams.objectValue!
        p["rate"] = ["num": 1, "den": 0]
        #expect(reason { try TrainSoftmax.validate(params: .object(p), inputCount: 1) }
            == "train-softmax: parameter \"rate.den\" must be an integer in 1...2147483648, got 0")
        p["rate"] = ["num": 1, "den": 2, "x": 3]
        #expect(reason { try TrainSoftmax.validate(params: .object(p), inputCount: 1) }
            == "train-softmax: unknown key in parameter \"rate\": \"x\" (expected \"den\", \"num\")")
        #expect(reason { try TrainForest.validate(params: Fixture.forestParams, inputCount: 1) } == "no error")
        var f = Fixture.forestParams.objectValue!
        f["trees"] = nil
        #expect(reason { try TrainForest.validate(params: .object(f), inputCount: 1) } == "train-forest: missing parameter \"trees\"")
        #expect(reason { try EvalClassifier.validate(params: ["k": 361, "rows": ["from": 1437, "count": 360]], inputCount: 2) }
            == "eval-classifier: parameter \"k\" (361) is larger than the number of rows to choose from (360)")
        #expect(reason { try EvalClassifier.validate(params: Fixture.evalParams, inputCount: 1) }
            == "eval-classifier: expected 2 inputs (the model, then the test data set), got 1")
        // Checks that need the data: the row range.
        var r = Fixture.softmaxParams.objectValue!
        r["rows"] = ["from": 1000, "count": 1000]
        #expect(reason { try TrainSoftmax.run(inputs: [Fixture.digitsBytes], coin: Fixture.coin, params: .object(r)) }
            == "train-softmax: parameter \"rows\" selects rows 1000..<2000 but the data set has 1797 rows")
        #expect(reason { try HashIterate.run(inputs: [], coin: [1, 2, 3], params: ["iterations": 1]) }
            == "hash-iterate: the coin must be 32 bytes, got 3")
        #expect(reason { try TrainForest.run(inputs: [Array("1,2,x\n".utf8)], coin: Fixture.coin, params: Fixture.forestParams) }
            == "train-forest: input 0 (data set): line 1: field 3 (\"x\") is not a non-negative decimal integer")
    }
}

@Suite struct HashIterateTests {
    @Test func matchesTheDefinition() throws {
        let inputs: [[UInt8]] = [Array("abc".utf8), []]
        let out = try HashIterate.run(inputs: inputs, coin: Fixture.coin, params: ["iterations": 3])
        var h0 = Array("crowdledger/hash-iterate/v1\n".utf8) + Fixture.coin
        h0 += [0, 0, 0, 0, 0, 0, 0, 3] + SHA256.hash(Array("abc".utf8))
        h0 += [0, 0, 0, 0, 0, 0, 0, 0] + SHA256.hash([UInt8]())
        var h = SHA256.hash(h0)
        for _ in 0..<3 { h = SHA256.hash(h) }
        #expect(out == Array((Hex.encode(h) + "\n").utf8))
        #expect(out.count == 65 && out.last == 0x0a)
    }

    @Test func deterministicGoldenAndCoinDependent() throws {
        let params: JSON = ["iterations": 1000]
        let a = try HashIterate.run(inputs: [Fixture.digitsBytes], coin: Fixture.coin, params: params)
        let b = try HashIterate.run(inputs: [Fixture.digitsBytes], coin: Fixture.coin, params: params)
        #expect(a == b)
        #expect(String(decoding: a, as: UTF8.self) == "7ca18c24d58b4f400f3228cf744d72d139c520f9dd76f8b43339452486d42bb0\n")
        let c = try HashIterate.run(inputs: [Fixture.digitsBytes], coin: Fixture.otherCoin, params: params)
        #expect(c != a)
        let d = try HashIterate.run(inputs: [Fixture.digitsBytes], coin: Fixture.coin, params: ["iterations": 1001])
        #expect(d != a)
        // Input boundaries matter: ["ab","c"] differs from ["a","bc"].
        let e = try HashIterate.run(inputs: [Array("ab".utf8), Array("c".utf8)], coin: Fixture.coin, params: ["iterations": 1])
        let f = try HashIterate.run(inputs: [Array("a".utf8), Array("bc".utf8)], coin: Fixture.coin, params: ["iterations": 1])
        #expect(e != f)
    }
}
