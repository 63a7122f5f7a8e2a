/// Unix seconds as ISO 8601 UTC (`2023-11-14T22:13:20Z`), computed with integers only
/// (Howard Hinnant's days-to-civil algorithm), for every time a person reads.
public enum ISOTime {
    public static func format(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secs = seconds - days * 86400
        let (y, m, d) = civil(days)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs % 3600 / 60, 2)):\(pad(secs % 60, 2))Z"
    }

    /// The date alone, `YYYY-MM-DD` (UTC).
    public static func date(_ seconds: Int64) -> String { String(format(seconds).prefix(10)) }

    static func civil(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
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
