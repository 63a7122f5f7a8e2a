import CanonicalJSON

/// A multinomial logistic-regression (softmax) classifier: `classes × features` weights and
/// `classes` biases, binary64, applied to features divided by `scale`.
///
/// Prediction for a row with integer features v_0 … v_{F-1}:
///   x_j = Double(v_j) / Double(scale)                         (one correctly rounded division)
///   z_c = (((b_c + w_{c,0}·x_0) + w_{c,1}·x_1) + … ) + w_{c,F-1}·x_{F-1}   (j ascending, no FMA)
///   class = the smallest c with the largest z_c.
public struct SoftmaxModel: Sendable, Equatable {
    public let classes: Int
    public let features: Int
    /// Features are divided by this before use (train-softmax: the largest feature value among
    /// the training rows, at least 1).
    public let scale: Int
    /// Row-major: `weights[c * features + j]`.
    public let weights: [Double]
    public let bias: [Double]

    public init(classes: Int, features: Int, scale: Int, weights: [Double], bias: [Double]) {
        precondition(weights.count == classes * features && bias.count == classes)
        self.classes = classes
        self.features = features
        self.scale = scale
        self.weights = weights
        self.bias = bias
    }

    /// The scores z_c for scaled features `x` (see the type's documentation).
    static func scores(weights: UnsafeBufferPointer<Double>, bias: UnsafeBufferPointer<Double>,
                       x: UnsafeBufferPointer<Double>, classes: Int, features: Int,
                       into z: UnsafeMutableBufferPointer<Double>) {
        for c in 0..<classes {
            var s = bias[c]
            let base = c * features
            for j in 0..<features { s = s + weights[base + j] * x[j] }
            z[c] = s
        }
    }

    public func predict(_ data: Dataset, row: Int) -> Int {
        let f = features
        let inv = Double(scale)
        var x = [Double](repeating: 0, count: f)
        for j in 0..<f { x[j] = Double(data.feature(row: row, j)) / inv }
        var z = [Double](repeating: 0, count: classes)
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                x.withUnsafeBufferPointer { xp in
                    z.withUnsafeMutableBufferPointer { zp in
                        SoftmaxModel.scores(weights: w, bias: b, x: xp, classes: classes, features: f, into: zp)
                    }
                }
            }
        }
        var best = 0
        for c in 1..<classes where z[c] > z[best] { best = c }
        return best
    }
}

/// `train-softmax`: softmax regression trained by minibatch SGD, every random choice from the coin.
///
/// - Inputs: exactly 1, a data set (see `Dataset`).
/// - Parameters (all required, no others):
///   `{"batch": B, "epochs": E, "l2": {"den": d, "num": n}, "rate": {"den": d, "num": n},
///     "rows": {"count": m, "from": f}}`
///   with 1 ≤ E ≤ 10000, 1 ≤ B ≤ 65536, rate num in 1...2^31, l2 num in 0...2^31, dens in
///   1...2^31; the training rows are `f ..< f+m` (0-based, file order) and must exist.
///   η = Double(rate.num)/Double(rate.den), λ = Double(l2.num)/Double(l2.den).
/// - Features: S = the largest feature value among the training rows (at least 1);
///   x_j = Double(v_j) / Double(S). The model records S as `scale`.
/// - Initial parameters: all weights and biases +0.0 (so the coin's only role is the order).
/// - Coin use: epoch e (0-based) starts from the training rows in file order `[f, f+1, …]`
///   and shuffles that list with `CoinStream.shuffle`, drawing counters
///   `1 << 56 | e << 32`, `… + 1`, … (purpose 1, one block of counters per epoch).
/// - Minibatches: consecutive slices of B rows of the shuffled list; the last may be shorter.
///   For each minibatch of m rows, in list order, for each row i: scores z_c (see
///   `SoftmaxModel`), M = max_c z_c, e_c = DetMath.exp(z_c − M), Z = ((e_0 + e_1) + …) + e_{C−1},
///   p_c = e_c / Z, d_c = p_c − [c = y_i]; then for c ascending: gb_c = gb_c + d_c and for j
///   ascending g_{c,j} = g_{c,j} + d_c · x_{i,j} (g, gb start at +0.0 for each minibatch).
///   Update, for c ascending, j ascending: w_{c,j} = w_{c,j} − η · (g_{c,j} / m + λ · w_{c,j});
///   then b_c = b_c − η · (gb_c / m) (no decay on biases). Every operation rounds once (no FMA).
/// - Result: the canonical model bytes (see `ClassifierModel`), kind "softmax".
public enum TrainSoftmax: TrainingProgram {
    public static let name = "train-softmax"
    static let keys = ["batch", "epochs", "l2", "rate", "rows"]

    struct Config: TrainingConfig {
        let epochs: Int
        let batch: Int
        let rate: Rational
        let l2: Rational
        let rows: RowRange
    }

    static func parse(_ params: JSON) throws(ProgramError) -> Config {
        let p = try Params(params, program: name, keys: keys)
        return Config(epochs: try p.int("epochs", 1...10_000),
                      batch: try p.int("batch", 1...65_536),
                      rate: try p.rational("rate", num: 1...(1 << 31)),
                      l2: try p.rational("l2", num: 0...(1 << 31)),
                      rows: try p.rows("rows"))
    }

    static func model(data: Dataset, coin: [UInt8], config: Config) -> ClassifierModel {
        .softmax(train(data: data, coin: coin, config: config))
    }

    static func train(data: Dataset, coin: [UInt8], config: Config) -> SoftmaxModel {
        let f = data.featureCount
        let classes = data.classes
        let n = config.rows.count
        var scale = 1
        for i in config.rows.range {
            for j in 0..<f { scale = max(scale, data.feature(row: i, j)) }
        }
        let divisor = Double(scale)
        // Scaled training features, local row index i = file row − from.
        var xs = [Double](repeating: 0, count: n * f)
        var ys = [Int](repeating: 0, count: n)
        for i in 0..<n {
            for j in 0..<f { xs[i * f + j] = Double(data.feature(row: config.rows.from + i, j)) / divisor }
            ys[i] = data.label(row: config.rows.from + i)
        }
        let eta = config.rate.double
        let lambda = config.l2.double
        var w = [Double](repeating: 0, count: classes * f)
        var b = [Double](repeating: 0, count: classes)
        var g = [Double](repeating: 0, count: classes * f)
        var gb = [Double](repeating: 0, count: classes)
        var z = [Double](repeating: 0, count: classes)
        var e = [Double](repeating: 0, count: classes)

        for epoch in 0..<config.epochs {
            var order = Array(0..<n)
            var stream = CoinStream(coin: coin, counter: Coin.counter(purpose: 1, index: UInt64(epoch) << 32))
            stream.shuffle(&order)
            var start = 0
            while start < n {
                let end = min(start + config.batch, n)
                let m = Double(end - start)
                xs.withUnsafeBufferPointer { xp in
                    w.withUnsafeMutableBufferPointer { wp in
                        b.withUnsafeMutableBufferPointer { bp in
                            g.withUnsafeMutableBufferPointer { gp in
                                gb.withUnsafeMutableBufferPointer { gbp in
                                    z.withUnsafeMutableBufferPointer { zp in
                                        e.withUnsafeMutableBufferPointer { ep in
                                            for k in 0..<gp.count { gp[k] = 0 }
                                            for c in 0..<classes { gbp[c] = 0 }
                                            for pos in start..<end {
                                                let i = order[pos]
                                                let x = UnsafeBufferPointer(rebasing: xp[(i * f)..<(i * f + f)])
                                                SoftmaxModel.scores(weights: UnsafeBufferPointer(wp), bias: UnsafeBufferPointer(bp),
                                                                    x: x, classes: classes, features: f, into: zp)
                                                var mx = zp[0]
                                                for c in 1..<classes where zp[c] > mx { mx = zp[c] }
                                                var total = 0.0
                                                for c in 0..<classes {
                                                    ep[c] = DetMath.exp(zp[c] - mx)
                                                    total = total + ep[c]
                                                }
                                                let y = ys[i]
                                                for c in 0..<classes {
                                                    let d = ep[c] / total - (c == y ? 1.0 : 0.0)
                                                    gbp[c] = gbp[c] + d
                                                    let base = c * f
                                                    for j in 0..<f { gp[base + j] = gp[base + j] + d * x[j] }
                                                }
                                            }
                                            for k in 0..<wp.count { wp[k] = wp[k] - eta * (gp[k] / m + lambda * wp[k]) }
                                            for c in 0..<classes { bp[c] = bp[c] - eta * (gbp[c] / m) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                start = end
            }
        }
        return SoftmaxModel(classes: classes, features: f, scale: scale, weights: w, bias: b)
    }
}
