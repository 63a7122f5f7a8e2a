public import CanonicalJSON

/// Why a program refused its parameters or inputs, or failed: one clear sentence.
public struct ProgramError: Error, CustomStringConvertible, Sendable, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// One input of a task, in the task's published order.
public struct ProgramInput: Sendable {
    public let bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
}

/// A built-in program P(inputs; coin): a pure, bit-for-bit deterministic function of the input
/// bytes, the 32-byte coin and the parameters.
public protocol BuiltinProgram: Sendable {
    /// The name a task publishes, e.g. `"hash-iterate"`.
    static var name: String { get }
    /// Throws `ProgramError` only. Checks parameters at publish time: unknown keys, missing keys, out-of-range values and a
    /// wrong number of inputs are refused with one clear sentence. Checks that need the input
    /// bytes (e.g. a row range against the data set's size) happen in `run`.
    static func validate(params: JSON, inputCount: Int) throws
    /// Computes the result bytes (throws `ProgramError` only). Calls `validate` first; the coin must be exactly 32 bytes.
    static func run(inputs: [[UInt8]], coin: [UInt8], params: JSON) throws -> [UInt8]
}

/// The registry of built-in programs.
public enum Programs {
    public static let all: [any BuiltinProgram.Type] = [
        HashIterate.self,
        TrainSoftmax.self,
        TrainForest.self,
        EvalClassifier.self,
    ]

    public static func named(_ name: String) -> (any BuiltinProgram.Type)? {
        all.first { $0.name == name }
    }

    /// Looks the program up, validates and runs it (a convenience for callers).
    public static func run(name: String, inputs: [[UInt8]], coin: [UInt8], params: JSON) throws -> [UInt8] {
        guard let program = named(name) else {
            throw ProgramError("unknown program \"\(name)\" (built-in programs: \(all.map { $0.name }.joined(separator: ", ")))")
        }
        return try program.run(inputs: inputs, coin: coin, params: params)
    }
}

// MARK: - Shared checks

func checkCoin(_ coin: [UInt8], program: String) throws(ProgramError) {
    guard coin.count == Coin.byteCount else {
        throw ProgramError("\(program): the coin must be \(Coin.byteCount) bytes, got \(coin.count)")
    }
}

func checkInputCount(_ count: Int, expected: Int, program: String, what: String) throws(ProgramError) {
    guard count == expected else {
        throw ProgramError("\(program): expected \(expected) input\(expected == 1 ? "" : "s") (\(what)), got \(count)")
    }
}

/// Strict reader of a program's parameter object.
struct Params {
    let program: String
    let object: JSONObject
    let prefix: String

    /// `json` must be an object whose keys are exactly `keys` (no unknown, none missing).
    init(_ json: JSON, program: String, keys: [String], prefix: String = "") throws(ProgramError) {
        self.program = program
        self.prefix = prefix
        let what = prefix.isEmpty ? "parameters" : "parameter \"\(prefix)\""
        guard let obj = json.objectValue else {
            throw ProgramError("\(program): the \(what) must be a JSON object with keys \(Params.list(keys))")
        }
        for k in obj.keys where !keys.contains(k) {
            throw ProgramError("\(program): unknown \(prefix.isEmpty ? (program == "model" ? "key" : "parameter") : "key in parameter \"\(prefix)\":") \"\(k)\" (expected \(Params.list(keys)))")
        }
        for k in keys where obj[k] == nil {
            throw ProgramError("\(program): missing \(prefix.isEmpty ? (program == "model" ? "key" : "parameter") : "key in parameter \"\(prefix)\":") \"\(k)\"")
        }
        self.object = obj
    }

    static func list(_ keys: [String]) -> String { keys.map { "\"\($0)\"" }.joined(separator: ", ") }

    func path(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }

    func int(_ key: String, _ range: ClosedRange<Int64>) throws(ProgramError) -> Int {
        let v = object[key]!
        guard let i = v.intValue, range.contains(i) else {
            throw ProgramError("\(program): \(program == "model" ? "key" : "parameter") \"\(path(key))\" must be an integer in \(range.lowerBound)...\(range.upperBound), got \(v.canonicalString)")
        }
        return Int(i)
    }

    func nested(_ key: String, keys: [String]) throws(ProgramError) -> Params {
        try Params(object[key]!, program: program, keys: keys, prefix: path(key))
    }

    /// `{"num": n, "den": d}` with `n` in `numRange`, `d` in 1...2^31.
    func rational(_ key: String, num numRange: ClosedRange<Int64>) throws(ProgramError) -> Rational {
        let p = try nested(key, keys: ["den", "num"])
        return Rational(num: try p.int("num", numRange), den: try p.int("den", 1...(1 << 31)))
    }

    /// `{"count": c, "from": f}` with `f` ≥ 0, `c` ≥ 1 (checked against the data set in `run`).
    func rows(_ key: String) throws(ProgramError) -> RowRange {
        let p = try nested(key, keys: ["count", "from"])
        let r = RowRange(from: try p.int("from", 0...Int64(Dataset.maxRows)),
                         count: try p.int("count", 1...Int64(Dataset.maxRows)))
        // No data set has more than Dataset.maxRows rows, so a range ending beyond it could never
        // be computed: refused at publish rather than found out by every worker's `run`.
        guard r.from + r.count <= Dataset.maxRows else {
            throw ProgramError("\(program): parameter \"\(key)\" selects rows \(r.from)..<\(r.from + r.count), beyond the \(Dataset.maxRows) rows a data set may have")
        }
        return r
    }
}

/// An exact rational parameter `num/den` (parameters never contain floating point).
struct Rational: Equatable {
    let num: Int
    let den: Int
    /// `Double(num) / Double(den)`: both convert exactly (|values| ≤ 2^31), one correctly rounded division.
    var double: Double { Double(num) / Double(den) }
}

/// Rows `from ..< from + count` of a data set, 0-based in file order.
struct RowRange: Equatable {
    let from: Int
    let count: Int
    var range: Range<Int> { from..<(from + count) }

    func check(against data: Dataset, program: String) throws(ProgramError) {
        guard from + count <= data.rowCount else {
            throw ProgramError("\(program): parameter \"rows\" selects rows \(from)..<\(from + count) but the data set has \(data.rowCount) rows")
        }
    }
}

func parseDataset(_ bytes: [UInt8], program: String, input: Int) throws(ProgramError) -> Dataset {
    do {
        return try Dataset.parse(bytes)
    } catch {
        throw ProgramError("\(program): input \(input) (data set): \(error.reason)")
    }
}

// MARK: - Training programs

/// What both trainers' parameters have: the training rows.
protocol TrainingConfig {
    var rows: RowRange { get }
}

/// A training program: one data-set input, parameters with a row range, a model as the result.
/// `validate` and `run` are shared; each trainer supplies `parse` and `model`.
protocol TrainingProgram: BuiltinProgram {
    associatedtype Config: TrainingConfig
    static func parse(_ params: JSON) throws(ProgramError) -> Config
    static func model(data: Dataset, coin: [UInt8], config: Config) -> ClassifierModel
}

extension TrainingProgram {
    public static func validate(params: JSON, inputCount: Int) throws {
        _ = try parse(params)
        try checkInputCount(inputCount, expected: 1, program: name, what: "the training data set")
    }

    public static func run(inputs: [[UInt8]], coin: [UInt8], params: JSON) throws -> [UInt8] {
        try validate(params: params, inputCount: inputs.count)
        try checkCoin(coin, program: name)
        let config = try parse(params)
        let data = try parseDataset(inputs[0], program: name, input: 0)
        try config.rows.check(against: data, program: name)
        return model(data: data, coin: coin, config: config).canonicalBytes
    }
}
