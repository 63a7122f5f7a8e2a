/// Fixed-width big-endian integers, as every hash input in the format writes them.
public enum BigEndian {
    /// The 8 bytes of `v`, most significant first.
    public static func bytes(_ v: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) }
    }
}
