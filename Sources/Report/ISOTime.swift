import Client

/// Unix seconds as ISO 8601 UTC (`2023-11-14T22:13:20Z`), computed with integers only
/// (Howard Hinnant's days-to-civil algorithm), for every time a person reads.
public enum ISOTime {
    public static func format(_ seconds: Int64) -> String { TaskView.iso(seconds) }

    /// The date alone, `YYYY-MM-DD` (UTC).
    public static func date(_ seconds: Int64) -> String { String(format(seconds).prefix(10)) }
}

/// Exact ratios for people: a fraction and a fixed-point percentage, with integers only.
public enum Ratio {
    /// `num/den` as a percentage with two decimals, rounded half up (`90.00%`).
    public static func percent(_ num: Int64, _ den: Int64) -> String {
        guard den > 0, num >= 0 else { return "-" }
        let (hi, lo) = num.multipliedFullWidth(by: 10_000)
        guard hi == 0, lo <= UInt64(Int64.max - den) else { return "\(num)/\(den)" }
        let hundredths = (Int64(lo) + den / 2) / den
        let frac = String(hundredths % 100)
        return "\(hundredths / 100).\(frac.count < 2 ? "0" + frac : frac)%"
    }
}
