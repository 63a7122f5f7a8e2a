/// Why a byte sequence was rejected, and where.
///
/// `offset` is the 0-based byte offset in the input at which the problem was found
/// (for example the `\` that starts a bad escape, the opening quote of a duplicate key,
/// the first byte of an ill-formed UTF-8 sequence, or the input length for a premature end).
public struct JSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem. Every rejection rule has its own code.
    public enum Code: String, Sendable, CaseIterable {
        /// The input contains no value (it is empty or only whitespace).
        case emptyInput
        /// The input ends in the middle of a value.
        case unexpectedEnd
        /// A byte that cannot start or continue a value here (e.g. a trailing comma, a missing `:`).
        case unexpectedByte
        /// Something other than whitespace follows the top-level value.
        case trailingBytes
        /// A bare word that is not exactly `true`, `false` or `null`.
        case invalidLiteral
        /// Ill-formed UTF-8: overlong, encoded surrogate, above U+10FFFF, truncated, stray continuation.
        case invalidUTF8
        /// A raw U+0000–U+001F byte inside a string.
        case controlCharacterInString
        /// A `\` escape that RFC 8259 does not define, or a `\u` without four hex digits.
        case invalidEscape
        /// A `\u` high surrogate not followed by a `\u` low surrogate, or a lone low surrogate.
        case loneSurrogate
        /// Two members of one object have the same key (compared by exact Unicode scalars).
        case duplicateKey
        /// Arrays and objects nested more than `JSON.maxDepth` levels.
        case tooDeep
        /// A number with a fraction part (`1.5`); the ledger has integers only.
        case fractionNotAllowed
        /// A number with an exponent (`1e3`); the ledger has integers only.
        case exponentNotAllowed
        /// A number with a leading zero (`01`, `-01`).
        case leadingZero
        /// A malformed number, e.g. `-` without digits.
        case invalidNumber
        /// An integer outside the signed 64-bit range.
        case numberOutOfRange
        /// Valid JSON that is not byte-for-byte in canonical (RFC 8785) form (`JSON.parseCanonical`).
        case notCanonical
    }

    public let code: Code
    /// 0-based byte offset in the input where the problem is.
    public let offset: Int
    /// One human-readable sentence.
    public let reason: String

    public init(code: Code, offset: Int, reason: String) {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    /// `"byte OFFSET: REASON"`.
    public var description: String { "byte \(offset): \(reason)" }
}
