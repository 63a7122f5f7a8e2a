import CanonicalJSON
import Foundation
import LedgerCrypto
import Testing
@testable import Programs

@Suite struct LearnerTests {
    @Test func softmaxReachesNinetyPercent() throws {
        let trained = Fixture.softmax
        let (correct, total) = Fixture.accuracy(trained.bytes)
        let accuracy = Double(correct) / Double(total)
        print("train-softmax: \(correct)/\(total) = \(accuracy) test accuracy, trained in \(trained.seconds) s, model \(trained.bytes.count) bytes, sha256 \(Fixture.hex(trained.bytes))")
        #expect(correct * 100 >= 90 * total)
    }

    @Test func forestAccuracy() throws {
        let trained = Fixture.forest
        let (correct, total) = Fixture.accuracy(trained.bytes)
        let accuracy = Double(correct) / Double(total)
        print("train-forest: \(correct)/\(total) = \(accuracy) test accuracy, trained in \(trained.seconds) s, model \(trained.bytes.count) bytes, sha256 \(Fixture.hex(trained.bytes))")
        #expect(correct * 100 >= 90 * total)
    }

    /// Golden digests of the full-size training runs with the fixed coin (reviewed: the models
    /// parse, re-encode to the same bytes and reach the accuracies above).
    @Test func goldenModelDigests() throws {
        #expect(Fixture.hex(Fixture.softmax.bytes) == "76141fdf3dbb8c120d594057dcee40f49a9e8e98865b30ce3f0489ce6bc26f06")
        #expect(Fixture.hex(Fixture.forest.bytes) == "9e4f3ad638effd70f484a1cb2183cb6623034020c491b87c23d58f3f1ed397f5")
    }

    @Test func modelsRoundTripCanonically() throws {
        for bytes in [Fixture.softmax.bytes, Fixture.forest.bytes] {
            let model = try ClassifierModel.parse(bytes)
            #expect(model.canonicalBytes == bytes)
            #expect(model.classes == 10 && model.features == 64)
            let json = try JSON.parseCanonical(bytes)
            #expect(json["format"] == "crowdledger-model/v1")
        }
        #expect(try ClassifierModel.parse(Fixture.softmax.bytes).kind == "softmax")
        #expect(try ClassifierModel.parse(Fixture.forest.bytes).kind == "forest")
        if case .softmax(let m) = try ClassifierModel.parse(Fixture.softmax.bytes) {
            #expect(m.scale == 16)
            #expect(m.weights.count == 640 && m.bias.count == 10)
        } else {
            Issue.record("not a softmax model")
        }
    }

    static let smallSoftmax: JSON = [
        "epochs": 2, "batch": 32, "rate": ["num": 1, "den": 2], "l2": ["num": 1, "den": 10000],
        "rows": ["from": 0, "count": 600],
    ]
    static let smallForest: JSON = [
        "trees": 4, "maxDepth": 8, "minSplit": 4, "featuresPerSplit": 8, "rows": ["from": 100, "count": 500],
    ]

    @Test func trainingIsDeterministicAndCoinDependent() throws {
        for (program, params) in [(TrainSoftmax.self as any BuiltinProgram.Type, Self.smallSoftmax), (TrainForest.self, Self.smallForest)] {
            let a = try program.run(inputs: [Fixture.digitsBytes], coin: Fixture.coin, params: params)
            let b = try program.run(inputs: [Fixture.digitsBytes], coin: Fixture.coin, params: params)
            #expect(a == b, "\(program.name) is not deterministic")
            let c = try program.run(inputs: [Fixture.digitsBytes], coin: Fixture.otherCoin, params: params)
            #expect(a != c, "\(program.name) ignores the coin")
            // The gzip bytes and the plain text give the same model.
            let plain = try Zlib.decompress(Fixture.digitsBytes)
            #expect(try program.run(inputs: [plain], coin: Fixture.coin, params: params) == a)
            print("\(program.name) small config sha256 \(Fixture.hex(a))")
        }
    }

    @Test func smallModelGoldens() throws {
        let s = try TrainSoftmax.run(inputs: [Fixture.digitsBytes], coin: Fixture.coin, params: Self.smallSoftmax)
        let f = try TrainForest.run(inputs: [Fixture.digitsBytes], coin: Fixture.coin, params: Self.smallForest)
        #expect(Fixture.hex(s) == "fd99066a840cf7666edb998119c6031a9d8b624eeb4f1f044726903371cd8dad")
        #expect(Fixture.hex(f) == "b945e0f4464a23275a244951db6faf097928bf5b6b6b327125c319b8f51cb733")
    }

    @Test func detExpIsAccurateAndPinned() {
        #expect(DetMath.exp(0) == 1)
        #expect(DetMath.exp(-800) == 0)
        #expect(DetMath.exp(-.nan) == 0)
        var x = -700.0
        while x <= 0 {
            let ours = DetMath.exp(x), libm = Foundation.exp(x)
            #expect(abs(ours - libm) <= 4e-16 * libm, "exp(\(x))")
            x += 0.37
        }
        // Bit patterns, pinned (reviewed against libm above: within 1 ulp).
        #expect(DetMath.exp(-1).bitPattern == 4_600_298_746_774_613_816)  // 0x3FD78B56362CEF38, equal to glibc exp(-1)
        #expect(DetMath.exp(-0.5).bitPattern == 4_603_638_362_051_417_610)  // equal to glibc exp(-0.5)
    }
}

/// A NaN is written as the one quiet NaN, whatever its payload and sign.
@Suite struct CanonicalNaNTests {
    @Test func everyNaNIsWrittenTheSameWay() {
        let nans = [Double.nan, -Double.nan, Double(bitPattern: 0x7ff0_0000_0000_0001), Double(bitPattern: 0xfff8_0000_0000_0001)]
        for n in nans { #expect(ClassifierModel.hexDoubles([n]) == "7ff8000000000000") }
        #expect(ClassifierModel.hexDoubles([1.0, -0.0]) == "3ff00000000000008000000000000000")
    }
}
