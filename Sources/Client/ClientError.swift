/// A request the client refuses before anything reaches the ledger: bad input (exit 2) or a
/// transaction that cannot be valid (exit 1). Nothing was written.
public struct ClientError: Error, CustomStringConvertible, Sendable {
    public let exitCode: Int32
    public let message: String
    public init(_ exitCode: Int32, _ message: String) { self.exitCode = exitCode; self.message = message }
    public var description: String { message }
    public static func usage(_ message: String) -> ClientError { ClientError(2, message) }
    public static func invalid(_ message: String) -> ClientError { ClientError(1, message) }
}
