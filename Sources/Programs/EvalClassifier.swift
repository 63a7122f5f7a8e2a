public import CanonicalJSON

/// `eval-classifier`: which of K coin-selected test rows a model classifies correctly
/// (the paper's first instantiation, Section V).
///
/// - Inputs: exactly 2: the model bytes (as output by train-softmax or train-forest, see
///   `ClassifierModel`), then a labelled data set (see `Dataset`) with the model's feature count.
/// - Parameters (all required, no others): `{"k": K, "rows": {"count": m, "from": f}}` with
///   1 ≤ K ≤ 100000, K ≤ m, and rows `f ..< f+m` present in the data set.
/// - Coin use: `CoinStream(coin, counter: 0).sampleDistinct(K, from: m)` gives s_0 … s_{K-1}
///   (counters 0, 1, … in order, purpose 0); the selected rows are `f + s_j`.
/// - Result: the canonical JSON bytes `{"bits":"b_0…b_{K-1}","k":K,"rows":[f+s_0,…,f+s_{K-1}]}`
///   (no spaces, no trailing newline) where `b_j` is `1` iff the model's prediction for row
///   `f + s_j` equals its label (a label the model has no class for is never predicted, so 0).
///   Row numbers are 0-based in file order. Including the rows makes the result depend on the
///   coin, so even a perfect model never yields a predictable constant.
public enum EvalClassifier: BuiltinProgram {
    public static let name = "eval-classifier"
    public static let maxK: Int64 = 100_000

    static func parse(_ params: JSON) throws(ProgramError) -> (k: Int, rows: RowRange) {
        let p = try Params(params, program: name, keys: ["k", "rows"])
        let k = try p.int("k", 1...maxK)
        let rows = try p.rows("rows")
        guard k <= rows.count else {
            throw ProgramError("\(name): parameter \"k\" (\(k)) is larger than the number of rows to choose from (\(rows.count))")
        }
        return (k, rows)
    }

    /// The k rows the coin selects, in order: `f + s_j` with
    /// `CoinStream(coin, counter: 0).sampleDistinct(k, from: m)` (no data needed).
    static func selectRows(k: Int, rows: RowRange, coin: [UInt8]) -> [Int] {
        var stream = CoinStream(coin: coin, counter: 0)
        return stream.sampleDistinct(k, from: rows.count).map { rows.from + $0 }
    }

    /// The rows a task with these parameters evaluates under `coin`, or nil when the parameters
    /// or the coin are not valid. The contract checks an agreed result against them.
    public static func selectedRows(params: JSON, coin: [UInt8]) -> [Int]? {
        guard coin.count == 32, let (k, rows) = try? parse(params) else { return nil }
        return selectRows(k: k, rows: rows, coin: coin)
    }

    public static func validate(params: JSON, inputCount: Int) throws {
        _ = try parse(params)
        try checkInputCount(inputCount, expected: 2, program: name, what: "the model, then the test data set")
    }

    public static func run(inputs: [[UInt8]], coin: [UInt8], params: JSON) throws -> [UInt8] {
        try validate(params: params, inputCount: inputs.count)
        try checkCoin(coin, program: name)
        let (k, rows) = try parse(params)
        let model: ClassifierModel
        do { model = try ClassifierModel.parse(inputs[0]) } catch {
            throw ProgramError("\(name): input 0 (\(error.reason))")
        }
        let data = try parseDataset(inputs[1], program: name, input: 1)
        try rows.check(against: data, program: name)
        guard data.featureCount == model.features else {
            throw ProgramError("\(name): the model expects \(model.features) features but the data set has \(data.featureCount)")
        }
        let selected = selectRows(k: k, rows: rows, coin: coin)
        var bits = ""
        bits.reserveCapacity(k)
        for r in selected { bits.append(model.predict(data, row: r) == data.label(row: r) ? "1" : "0") }
        let result: JSON = .object([
            "bits": .string(bits),
            "k": .int(Int64(k)),
            "rows": .array(selected.map { .int(Int64($0)) }),
        ])
        return result.canonicalBytes
    }
}

/// The agreed result of an eval-classifier task, as the contract counts it.
public struct EvalOutcome: Sendable, Equatable {
    /// The number of `1` bits.
    public let correct: Int
    public let k: Int
    public let bits: String
    public let rows: [Int]

    /// Strict: the bytes must be exactly the canonical JSON `{"bits":…,"k":…,"rows":[…]}` with no
    /// other keys, `bits` only `0`/`1`, `k` ≥ 1, `bits.count == k == rows.count`, rows distinct
    /// non-negative integers. Anything else is nil.
    public static func parse(_ bytes: [UInt8]) -> EvalOutcome? {
        guard let json = try? JSON.parseCanonical(bytes), let obj = json.objectValue, obj.count == 3,
              let bits = obj["bits"]?.stringValue, let k64 = obj["k"]?.intValue,
              let rowList = obj["rows"]?.arrayValue else { return nil }
        guard k64 >= 1 && k64 <= EvalClassifier.maxK else { return nil }
        let k = Int(k64)
        guard bits.utf8.count == k, rowList.count == k,
              bits.utf8.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") }) else { return nil }
        var rows: [Int] = []
        var seen = Set<Int64>()
        for r in rowList {
            guard let v = r.intValue, v >= 0, v < Int64(Dataset.maxRows), seen.insert(v).inserted else { return nil }
            rows.append(Int(v))
        }
        let correct = bits.utf8.filter { $0 == UInt8(ascii: "1") }.count
        return EvalOutcome(correct: correct, k: k, bits: bits, rows: rows)
    }

    /// True iff `correct / k ≥ num / den` (exact; `den` ≥ 1).
    public func meets(num: Int, den: Int) -> Bool {
        precondition(den >= 1)
        return Int128(correct) * Int128(den) >= Int128(num) * Int128(k)
    }
}
