import LedgerCrypto

/// A labelled data set of small non-negative integer features, as the built-in learners read it.
///
/// Byte format (the input's bytes, exactly as published):
/// - If the first byte is `0x1f` (gzip) or `0x78` (zlib), the bytes are decompressed first
///   (zlib auto-detection; at most 256 MiB of output). Otherwise they are read as plain text.
/// - The text is ASCII lines separated by `\n` (a `\r` just before the `\n` is tolerated); the last
///   line may or may not end with `\n`. No header, no empty lines, no spaces.
/// - Every line is `F + 1` comma-separated fields: `F` features, each a decimal integer in
///   `0...65535` (digits only), then the label, a decimal integer in `0...255`. `F ≥ 1` is fixed by
///   the first line; every other line must have the same number of fields.
/// - Rows are numbered from 0 in file order (row `i` is line `i + 1`).
/// - `classes` is the largest label in the file plus one.
///
/// `digits.csv.gz` (1797 rows, 64 pixel features 0...16, labels 0...9) is such a file.
public struct Dataset: Sendable, Equatable {
    public static let maxRows = 1 << 24
    public static let maxFeatures = 1 << 16
    public static let maxFeatureValue = 65535
    public static let maxLabel = 255
    static let decompressLimit = 256 << 20

    public let rowCount: Int
    public let featureCount: Int
    /// Row-major, `rowCount * featureCount` values.
    public let features: [UInt16]
    public let labels: [UInt8]
    public let classes: Int

    public init(featureCount: Int, features: [UInt16], labels: [UInt8]) {
        precondition(featureCount >= 1 && features.count == labels.count * featureCount)
        self.rowCount = labels.count
        self.featureCount = featureCount
        self.features = features
        self.labels = labels
        self.classes = Int(labels.max() ?? 0) + 1
    }

    public func feature(row: Int, _ j: Int) -> Int { Int(features[row * featureCount + j]) }
    public func label(row: Int) -> Int { Int(labels[row]) }

    /// Parses a data set (see the type's documentation); errors name the line and the reason.
    public static func parse(_ input: [UInt8]) throws(ProgramError) -> Dataset {
        var bytes = input
        if let first = input.first, first == 0x1f || first == 0x78 {
            do {
                bytes = try Zlib.decompress(input, format: .auto, limit: decompressLimit)
            } catch {
                throw ProgramError("cannot decompress the data set: \(error)")
            }
        }
        return try parseText(bytes)
    }

    static func parseText(_ bytes: [UInt8]) throws(ProgramError) -> Dataset {
        if bytes.isEmpty { throw ProgramError("the data set is empty") }
        var features: [UInt16] = []
        var labels: [UInt8] = []
        var fieldCount = -1
        var line = 0
        var pos = 0
        let n = bytes.count
        var row: [Int] = []
        while pos < n {
            line += 1
            var end = pos
            while end < n && bytes[end] != 0x0a { end += 1 }
            var lineEnd = end
            if lineEnd > pos && bytes[lineEnd - 1] == 0x0d { lineEnd -= 1 }
            if lineEnd == pos { throw ProgramError("line \(line): empty line") }
            row.removeAll(keepingCapacity: true)
            var fieldStart = pos
            var i = pos
            while true {
                if i == lineEnd || bytes[i] == UInt8(ascii: ",") {
                    let field = row.count + 1
                    if i == fieldStart { throw ProgramError("line \(line): field \(field) is empty") }
                    var v = 0
                    for k in fieldStart..<i {
                        let c = bytes[k]
                        guard c >= 0x30 && c <= 0x39 else {
                            let text = String(decoding: bytes[fieldStart..<i].prefix(20), as: UTF8.self)
                            throw ProgramError("line \(line): field \(field) (\"\(text)\") is not a non-negative decimal integer")
                        }
                        v = v * 10 + Int(c - 0x30)
                        if v > 1_000_000 { v = 1_000_001 }  // saturate; reported as out of range below
                    }
                    row.append(v)
                    // Stop at the first field too many, before reading the rest of the line: one
                    // long line must not grow `row` (8 bytes per 2-byte field) without bound.
                    if fieldCount < 0 {
                        if row.count > maxFeatures + 1 { throw ProgramError("line \(line): more than \(maxFeatures) features") }
                    } else if row.count > fieldCount {
                        throw ProgramError("line \(line): expected \(fieldCount) fields as on line 1, found more")
                    }
                    if i == lineEnd { break }
                    fieldStart = i + 1
                }
                i += 1
            }
            if fieldCount < 0 {
                guard row.count >= 2 else {
                    throw ProgramError("line \(line): expected at least 2 fields (features, then the label), found \(row.count)")
                }
                guard row.count - 1 <= maxFeatures else {
                    throw ProgramError("line \(line): more than \(maxFeatures) features")
                }
                fieldCount = row.count
            } else if row.count != fieldCount {
                throw ProgramError("line \(line): expected \(fieldCount) fields as on line 1, found \(row.count)")
            }
            for j in 0..<(fieldCount - 1) {
                guard row[j] <= maxFeatureValue else {
                    throw ProgramError("line \(line): feature \(j + 1) is out of range (features are 0...\(maxFeatureValue))")
                }
                features.append(UInt16(row[j]))
            }
            let label = row[fieldCount - 1]
            guard label <= maxLabel else {
                throw ProgramError("line \(line): label \(label > 1_000_000 ? "" : "\(label) ")is out of range (labels are 0...\(maxLabel))")
            }
            labels.append(UInt8(label))
            if labels.count > maxRows { throw ProgramError("line \(line): more than \(maxRows) rows") }
            pos = end + 1
        }
        return Dataset(featureCount: fieldCount - 1, features: features, labels: labels)
    }
}
