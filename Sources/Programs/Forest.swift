import CanonicalJSON

/// A decision tree over integer features. Nodes are stored as two lists: `splits` (index 0 is
/// the root when there is at least one split) and `leaves` (the root is leaf 0 when there are no
/// splits). A child reference `r ≥ 0` names `splits[r]` (always a larger index than its parent's),
/// `r < 0` names `leaves[-r - 1]`. A row goes left iff `feature value ≤ threshold`.
public struct DecisionTree: Sendable, Equatable {
    public struct Split: Sendable, Equatable {
        public let feature: Int
        public let threshold: Int
        public let left: Int
        public let right: Int
    }
    public var splits: [Split]
    /// Class counts of the bootstrap rows that reached each leaf (`classes` entries, sum ≥ 1).
    public var leaves: [[Int]]

    /// The leaf a row reaches.
    func leaf(_ data: Dataset, row: Int) -> [Int] {
        if splits.isEmpty { return leaves[0] }
        var node = 0
        while true {
            let s = splits[node]
            let next = data.feature(row: row, s.feature) <= s.threshold ? s.left : s.right
            if next < 0 { return leaves[-next - 1] }
            node = next
        }
    }
}

/// A random forest: prediction is a soft vote in integer arithmetic. Each tree contributes, for
/// every class c, `floor(count_c · 2^32 / total)` of the leaf the row reaches (counts of that
/// leaf, total their sum); the sums over trees are compared as unsigned integers and the smallest
/// class with the largest sum wins.
public struct ForestModel: Sendable, Equatable {
    public let classes: Int
    public let features: Int
    public let trees: [DecisionTree]

    public func predict(_ data: Dataset, row: Int) -> Int {
        var votes = [UInt64](repeating: 0, count: classes)
        for tree in trees {
            let counts = tree.leaf(data, row: row)
            let total = UInt64(counts.reduce(0, +))
            for c in 0..<classes { votes[c] += (UInt64(counts[c]) << 32) / total }
        }
        var best = 0
        for c in 1..<classes where votes[c] > votes[best] { best = c }
        return best
    }
}

/// `train-forest`: a random forest of CART trees with exact integer Gini splits.
///
/// - Inputs: exactly 1, a data set (see `Dataset`).
/// - Parameters (all required, no others):
///   `{"featuresPerSplit": K, "maxDepth": D, "minSplit": S, "rows": {"count": m, "from": f},
///     "trees": T}` with 1 ≤ T ≤ 1000, 1 ≤ D ≤ 30, 2 ≤ S ≤ 2^24, 1 ≤ K ≤ 65536 (K is capped at
///   the number of features); the training rows `f ..< f+m` must exist.
/// - Coin use: tree t (0-based) draws from a `CoinStream` starting at counter
///   `2 << 56 | t << 40` (purpose 2; at most 2^40 counters per tree, far more than used):
///   1. Bootstrap: m draws `f + uniform(below: m)`, in order; the multiset of these rows is the
///      tree's sample (kept in draw order).
///   2. Then the tree is grown depth-first, a node before its children, the left child's whole
///      subtree before the right child. At a node holding rows R (in order) at depth d (root 0):
///      it is a leaf if all rows of R have one label, or d = D, or |R| < S. Otherwise candidate
///      features are drawn by a lazy partial Fisher–Yates over `a = [0, …, F-1]`: for i = 0, 1, …
///      while i < F and fewer than K non-constant features have been examined,
///      `j = i + uniform(below: F - i)`, swap `a[i]`, `a[j]`, examine feature `a[i]`
///      (a feature constant on R is skipped and not counted, as in scikit-learn).
///      For an examined feature, every threshold t between two consecutive distinct values of
///      that feature on R (t = the smaller value; left iff value ≤ t) is scored by
///      `Q = (Σ_c L_c²)/n_L + (Σ_c R_c²)/n_R` (L_c, R_c class counts, n_L, n_R sizes); maximising Q
///      is minimising the weighted Gini impurity. Q is compared exactly as a fraction
///      `(ΣL²·n_R + ΣR²·n_L) / (n_L·n_R)` by 128-bit cross-multiplication. The first candidate
///      (in examination order, thresholds ascending) with a strictly larger Q wins. If no feature
///      is non-constant the node is a leaf. R is split into left/right keeping order.
///   A leaf stores its class counts. Split nodes get indices in creation order, leaves likewise.
/// - Result: the canonical model bytes (see `ClassifierModel`), kind "forest".
/// - Determinism: integer arithmetic only; trees are built one after another on one thread.
public enum TrainForest: TrainingProgram {
    public static let name = "train-forest"
    static let keys = ["featuresPerSplit", "maxDepth", "minSplit", "rows", "trees"]
    public static let maxTreeDepth = 30

    struct Config: TrainingConfig {
        let trees: Int
        let maxDepth: Int
        let minSplit: Int
        let featuresPerSplit: Int
        let rows: RowRange
    }

    static func parse(_ params: JSON) throws(ProgramError) -> Config {
        let p = try Params(params, program: name, keys: keys)
        return Config(trees: try p.int("trees", 1...1000),
                      maxDepth: try p.int("maxDepth", 1...Int64(maxTreeDepth)),
                      minSplit: try p.int("minSplit", 2...Int64(Dataset.maxRows)),
                      featuresPerSplit: try p.int("featuresPerSplit", 1...Int64(Dataset.maxFeatures)),
                      rows: try p.rows("rows"))
    }

    static func model(data: Dataset, coin: [UInt8], config: Config) -> ClassifierModel {
        .forest(train(data: data, coin: coin, config: config))
    }

    static func train(data: Dataset, coin: [UInt8], config: Config) -> ForestModel {
        var trees: [DecisionTree] = []
        trees.reserveCapacity(config.trees)
        for t in 0..<config.trees {
            var stream = CoinStream(coin: coin, counter: Coin.counter(purpose: 2, index: UInt64(t) << 40))
            var sample = [Int](repeating: 0, count: config.rows.count)
            for i in 0..<sample.count {
                sample[i] = config.rows.from + Int(stream.uniform(below: UInt64(config.rows.count)))
            }
            var builder = TreeBuilder(data: data, config: config, stream: stream)
            _ = builder.grow(sample, depth: 0)
            trees.append(DecisionTree(splits: builder.splits, leaves: builder.leaves))
        }
        return ForestModel(classes: data.classes, features: data.featureCount, trees: trees)
    }

    struct TreeBuilder {
        let data: Dataset
        let config: Config
        var stream: CoinStream
        var splits: [DecisionTree.Split] = []
        var leaves: [[Int]] = []
        // Scratch buffers, reused.
        var histogram: [Int] = []
        var order: [Int] = []

        init(data: Dataset, config: Config, stream: CoinStream) {
            self.data = data
            self.config = config
            self.stream = stream
        }

        /// Grows the subtree for `rows`; returns its reference (split index ≥ 0, or -(leaf+1)).
        mutating func grow(_ rows: [Int], depth: Int) -> Int {
            let classes = data.classes
            var counts = [Int](repeating: 0, count: classes)
            for r in rows { counts[data.label(row: r)] += 1 }
            let pure = counts.filter { $0 > 0 }.count <= 1
            if pure || depth >= config.maxDepth || rows.count < config.minSplit {
                return makeLeaf(counts)
            }
            guard let (feature, threshold) = bestSplit(rows) else { return makeLeaf(counts) }
            let index = splits.count
            splits.append(DecisionTree.Split(feature: feature, threshold: threshold, left: 0, right: 0))
            var left: [Int] = [], right: [Int] = []
            for r in rows {
                if data.feature(row: r, feature) <= threshold { left.append(r) } else { right.append(r) }
            }
            let l = grow(left, depth: depth + 1)
            let rr = grow(right, depth: depth + 1)
            splits[index] = DecisionTree.Split(feature: feature, threshold: threshold, left: l, right: rr)
            return index
        }

        mutating func makeLeaf(_ counts: [Int]) -> Int {
            leaves.append(counts)
            return -leaves.count
        }

        /// Q as a fraction; `a > b` exactly.
        struct Score {
            let num: UInt128
            let den: UInt128
            func beats(_ other: Score) -> Bool { num * other.den > other.num * den }
        }

        mutating func bestSplit(_ rows: [Int]) -> (Int, Int)? {
            let f = data.featureCount
            let classes = data.classes
            let k = min(config.featuresPerSplit, f)
            var candidates = Array(0..<f)
            var examined = 0
            var i = 0
            var best: (score: Score, feature: Int, threshold: Int)?
            var left = [Int](repeating: 0, count: classes)
            var right = [Int](repeating: 0, count: classes)
            while i < f && examined < k {
                let j = i + Int(stream.uniform(below: UInt64(f - i)))
                candidates.swapAt(i, j)
                let feature = candidates[i]
                i += 1
                // Distinct values of this feature on `rows`, with per-class counts.
                var lo = Int.max, hi = Int.min
                for r in rows {
                    let v = data.feature(row: r, feature)
                    lo = min(lo, v); hi = max(hi, v)
                }
                if lo == hi { continue }
                examined += 1
                let width = hi - lo + 1
                // Per-value class histogram: `histogram[(v - lo) * classes + c]` when the range is
                // small, otherwise the rows sorted by value (same counts, same result).
                var values: [Int] = []  // distinct values ascending
                var valueCounts: [[Int]] = []
                if width <= 4 * rows.count + 64 {
                    histogram = [Int](repeating: 0, count: width * classes)
                    for r in rows { histogram[(data.feature(row: r, feature) - lo) * classes + data.label(row: r)] += 1 }
                    for v in 0..<width {
                        let slice = Array(histogram[(v * classes)..<(v * classes + classes)])
                        if slice.contains(where: { $0 > 0 }) { values.append(lo + v); valueCounts.append(slice) }
                    }
                } else {
                    let sorted = rows.sorted { data.feature(row: $0, feature) < data.feature(row: $1, feature) }
                    for r in sorted {
                        let v = data.feature(row: r, feature)
                        if values.last != v { values.append(v); valueCounts.append([Int](repeating: 0, count: classes)) }
                        valueCounts[valueCounts.count - 1][data.label(row: r)] += 1
                    }
                }
                for c in 0..<classes { left[c] = 0; right[c] = 0 }
                for counts in valueCounts { for c in 0..<classes { right[c] += counts[c] } }
                var nL = 0, nR = rows.count
                for vi in 0..<(values.count - 1) {
                    for c in 0..<classes {
                        let moved = valueCounts[vi][c]
                        left[c] += moved; right[c] -= moved
                        nL += moved; nR -= moved
                    }
                    var sumL: UInt128 = 0, sumR: UInt128 = 0
                    for c in 0..<classes {
                        sumL += UInt128(left[c] * left[c])
                        sumR += UInt128(right[c] * right[c])
                    }
                    let score = Score(num: sumL * UInt128(nR) + sumR * UInt128(nL), den: UInt128(nL) * UInt128(nR))
                    if best == nil || score.beats(best!.score) {
                        best = (score, feature, values[vi])
                    }
                }
            }
            return best.map { ($0.feature, $0.threshold) }
        }
    }
}
