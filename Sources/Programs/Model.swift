public import CanonicalJSON
import LedgerCrypto

/// A trained classifier as a train-* program outputs it and eval-classifier reads it.
///
/// The bytes are the canonical JSON (sorted keys, no spaces, no newline at the end) of one of:
///
/// - softmax: `{"bias":HEX,"classes":C,"features":F,"format":"crowdledger-model/v1",
///   "kind":"softmax","scale":S,"weights":HEX}` where `weights` is the lower-case hex of the
///   C·F weights `w[c][j]` (row-major, c outer) and `bias` of the C biases, each value as its
///   8-byte big-endian IEEE-754 binary64 bit pattern (so 16 hex characters per value); S ≥ 1.
/// - forest: `{"classes":C,"features":F,"format":"crowdledger-model/v1","kind":"forest",
///   "trees":[TREE,…]}` with `TREE = {"leaves":[[n_0,…,n_{C-1}],…],"splits":[[feature,threshold,
///   left,right],…]}` (see `DecisionTree` for the child references).
///
/// Parsing accepts exactly these shapes (any JSON key order is accepted on input, but the
/// programs always output canonical bytes) and checks every count, index and length.
public enum ClassifierModel: Sendable, Equatable {
    case softmax(SoftmaxModel)
    case forest(ForestModel)

    public static let format = "crowdledger-model/v1"
    public static let maxClasses = Dataset.maxLabel + 1

    public var classes: Int {
        switch self {
        case .softmax(let m): return m.classes
        case .forest(let m): return m.classes
        }
    }

    public var features: Int {
        switch self {
        case .softmax(let m): return m.features
        case .forest(let m): return m.features
        }
    }

    public var kind: String {
        switch self {
        case .softmax: return "softmax"
        case .forest: return "forest"
        }
    }

    /// The predicted class of `row` of `data` (which must have `features` features).
    public func predict(_ data: Dataset, row: Int) -> Int {
        switch self {
        case .softmax(let m): return m.predict(data, row: row)
        case .forest(let m): return m.predict(data, row: row)
        }
    }

    public var json: JSON {
        switch self {
        case .softmax(let m):
            return .object([
                "bias": .string(Self.hexDoubles(m.bias)),
                "classes": .int(Int64(m.classes)),
                "features": .int(Int64(m.features)),
                "format": .string(Self.format),
                "kind": "softmax",
                "scale": .int(Int64(m.scale)),
                "weights": .string(Self.hexDoubles(m.weights)),
            ])
        case .forest(let m):
            let trees: [JSON] = m.trees.map { tree in
                .object([
                    "leaves": .array(tree.leaves.map { .array($0.map { .int(Int64($0)) }) }),
                    "splits": .array(tree.splits.map {
                        .array([.int(Int64($0.feature)), .int(Int64($0.threshold)), .int(Int64($0.left)), .int(Int64($0.right))])
                    }),
                ])
            }
            return .object([
                "classes": .int(Int64(m.classes)),
                "features": .int(Int64(m.features)),
                "format": .string(Self.format),
                "kind": "forest",
                "trees": .array(trees),
            ])
        }
    }

    public var canonicalBytes: [UInt8] { json.canonicalBytes }

    static func hexDoubles(_ values: [Double]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 8)
        // A NaN's payload and sign depend on the processor that made it (x86 and ARM differ):
        // every NaN is written as the one quiet NaN 0x7ff8000000000000, so a diverged training
        // still gives the same bytes everywhere.
        for v in values { bytes.append(contentsOf: BigEndian.bytes(v.isNaN ? 0x7ff8_0000_0000_0000 : v.bitPattern)) }
        return Hex.encode(bytes)
    }

    static func doubles(fromHex text: String, count: Int, what: String) throws(ProgramError) -> [Double] {
        guard text.utf8.count == count * 16, let bytes = Hex.decode(text) else {
            throw ProgramError("model: \"\(what)\" must be \(count * 16) lower-case hex characters (\(count) binary64 values)")
        }
        var out = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var bits: UInt64 = 0
            for k in 0..<8 { bits = bits << 8 | UInt64(bytes[i * 8 + k]) }
            let v = Double(bitPattern: bits)
            guard v.isFinite else { throw ProgramError("model: \"\(what)\" value \(i) is not finite") }
            out[i] = v
        }
        return out
    }

    /// Parses model bytes; every problem is one clear sentence starting with "model:".
    public static func parse(_ bytes: [UInt8]) throws(ProgramError) -> ClassifierModel {
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw ProgramError("model: not valid JSON: \(error)") }
        guard let obj = json.objectValue else { throw ProgramError("model: not a JSON object") }
        guard obj["format"]?.stringValue == format else {
            throw ProgramError("model: \"format\" must be \"\(format)\"")
        }
        switch obj["kind"]?.stringValue {
        case "softmax":
            let p = try modelParams(json, keys: ["bias", "classes", "features", "format", "kind", "scale", "weights"])
            let classes = try p.int("classes", 1...Int64(maxClasses))
            let features = try p.int("features", 1...Int64(Dataset.maxFeatures))
            let scale = try p.int("scale", 1...Int64(Dataset.maxFeatureValue))
            guard let w = obj["weights"]?.stringValue, let b = obj["bias"]?.stringValue else {
                throw ProgramError("model: \"weights\" and \"bias\" must be hex strings")
            }
            guard classes * features <= 1 << 24 else { throw ProgramError("model: too many weights") }
            return .softmax(SoftmaxModel(classes: classes, features: features, scale: scale,
                                         weights: try doubles(fromHex: w, count: classes * features, what: "weights"),
                                         bias: try doubles(fromHex: b, count: classes, what: "bias")))
        case "forest":
            let p = try modelParams(json, keys: ["classes", "features", "format", "kind", "trees"])
            let classes = try p.int("classes", 1...Int64(maxClasses))
            let features = try p.int("features", 1...Int64(Dataset.maxFeatures))
            guard let treeList = obj["trees"]?.arrayValue, !treeList.isEmpty else {
                throw ProgramError("model: \"trees\" must be a non-empty array")
            }
            var trees: [DecisionTree] = []
            for (t, tj) in treeList.enumerated() {
                trees.append(try parseTree(tj, index: t, classes: classes, features: features))
            }
            return .forest(ForestModel(classes: classes, features: features, trees: trees))
        default:
            throw ProgramError("model: \"kind\" must be \"softmax\" or \"forest\"")
        }
    }

    private static func modelParams(_ json: JSON, keys: [String]) throws(ProgramError) -> Params {
        try Params(json, program: "model", keys: keys)
    }

    private static func smallInt(_ v: JSON, _ range: ClosedRange<Int64>) -> Int? {
        guard let i = v.intValue, range.contains(i) else { return nil }
        return Int(i)
    }

    private static func parseTree(_ json: JSON, index t: Int, classes: Int, features: Int) throws(ProgramError) -> DecisionTree {
        let fail = { (why: String) in ProgramError("model: tree \(t): \(why)") }
        guard let obj = json.objectValue, obj.count == 2,
              let leafList = obj["leaves"]?.arrayValue, let splitList = obj["splits"]?.arrayValue else {
            throw fail("must be an object with exactly the keys \"leaves\" and \"splits\"")
        }
        guard !leafList.isEmpty, leafList.count == splitList.count + 1 else {
            throw fail("must have one more leaf than splits (\(leafList.count) leaves, \(splitList.count) splits)")
        }
        var leaves: [[Int]] = []
        for (i, lj) in leafList.enumerated() {
            guard let arr = lj.arrayValue, arr.count == classes else {
                throw fail("leaf \(i) must be an array of \(classes) counts")
            }
            var counts: [Int] = []
            for v in arr {
                guard let c = smallInt(v, 0...Int64(Dataset.maxRows)) else {
                    throw fail("leaf \(i) has a count that is not an integer in 0...\(Dataset.maxRows)")
                }
                counts.append(c)
            }
            guard counts.reduce(0, +) >= 1 else { throw fail("leaf \(i) has no rows") }
            leaves.append(counts)
        }
        var splits: [DecisionTree.Split] = []
        var referenced = [Bool](repeating: false, count: splitList.count + leafList.count)
        for (i, sj) in splitList.enumerated() {
            guard let arr = sj.arrayValue, arr.count == 4,
                  let f = smallInt(arr[0], 0...Int64(features - 1)),
                  let th = smallInt(arr[1], -1...Int64(Dataset.maxFeatureValue)),
                  let l = smallInt(arr[2], -Int64(leafList.count)...Int64(splitList.count - 1)),
                  let r = smallInt(arr[3], -Int64(leafList.count)...Int64(splitList.count - 1)) else {
                throw fail("split \(i) must be [feature, threshold, left, right] with feature < \(features) and child references in range")
            }
            for child in [l, r] {
                if child >= 0 && child <= i { throw fail("split \(i) refers to split \(child), which does not come after it") }
                let slot = child >= 0 ? child : splitList.count + (-child - 1)
                if referenced[slot] { throw fail("split \(i) refers to a node that already has a parent") }
                referenced[slot] = true
            }
            splits.append(DecisionTree.Split(feature: f, threshold: th, left: l, right: r))
        }
        // Every node except the root has exactly one parent.
        let rootSlot = splits.isEmpty ? splitList.count : 0
        for (slot, seen) in referenced.enumerated() where slot != rootSlot && !seen {
            throw fail("node \(slot < splitList.count ? "split \(slot)" : "leaf \(slot - splitList.count)") is unreachable")
        }
        return DecisionTree(splits: splits, leaves: leaves)
    }
}
