import Files
import CanonicalJSON
import Foundation
import LedgerCrypto
@testable import Programs

/// Shared fixtures: the digits data set and the models trained on it, computed once per process.
enum Fixture {
    static let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    static let digitsBytes: [UInt8] = try! FileIO.readAll(root + "/fixtures/data/digits.csv.gz")
    static let digits: Dataset = try! Dataset.parse(digitsBytes)

    /// A fixed coin for golden values: SHA-256 of the ASCII text "crowdledger test coin".
    static let coin: [UInt8] = SHA256.hash(Array("crowdledger test coin".utf8))
    static let otherCoin: [UInt8] = SHA256.hash(Array("crowdledger other coin".utf8))

    static let softmaxParams: JSON = [
        "epochs": 40, "batch": 16,
        "rate": ["num": 1, "den": 2], "l2": ["num": 1, "den": 10000],
        "rows": ["from": 0, "count": 1437],
    ]
    static let forestParams: JSON = [
        "trees": 50, "maxDepth": 30, "minSplit": 2, "featuresPerSplit": 8,
        "rows": ["from": 0, "count": 1437],
    ]
    static let evalParams: JSON = ["k": 360, "rows": ["from": 1437, "count": 360]]

    struct Trained: Sendable {
        let bytes: [UInt8]
        let seconds: Double
    }

    static func timed(_ body: () throws -> [UInt8]) -> Trained {
        let start = DispatchTime.now().uptimeNanoseconds
        let bytes = try! body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Trained(bytes: bytes, seconds: seconds)
    }

    static let softmax: Trained = timed {
        try TrainSoftmax.run(inputs: [digitsBytes], coin: coin, params: softmaxParams)
    }
    static let forest: Trained = timed {
        try TrainForest.run(inputs: [digitsBytes], coin: coin, params: forestParams)
    }

    /// Accuracy of a model on rows 1437..<1797, computed directly (not through eval-classifier).
    static func accuracy(_ modelBytes: [UInt8]) -> (correct: Int, total: Int) {
        let model = try! ClassifierModel.parse(modelBytes)
        var correct = 0
        for r in 1437..<1797 where model.predict(digits, row: r) == digits.label(row: r) { correct += 1 }
        return (correct, 360)
    }

    static func hex(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(bytes)) }
}
