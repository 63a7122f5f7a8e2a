/// A malformed input (note, key, checkpoint, signature), a bad argument (an index outside the
/// tree), or a hash reader that failed or answered wrongly.
public struct TransparencyError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
