/// Every error and finding the tool reports, as one value: what kind of failure it is (which the
/// CLI maps to its exit status, in one place), a stable code when there is one, where it is
/// (file, line, member path), and one human sentence. The CLI's printer renders it as
/// `PATH:LINE: CODE: MESSAGE`; libraries never format that line themselves.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The ledger is invalid, or the contract refused the transaction (nothing was written).
        case invalid
        /// Usage, input or I/O: the request could not be carried out (nothing was written).
        case usage
    }

    public var kind: Kind
    /// A stable code scripts may match on (a finding's code, `rejected`, …); nil for plain usage
    /// errors, which carry only their sentence.
    public var code: String?
    public var file: String?
    /// 1-based line of `file`; nil or 0 for the file as a whole.
    public var line: Int?
    /// A member path inside the line (`tx.body.amount`), when known.
    public var member: String?
    public var message: String

    public init(_ kind: Kind, code: String? = nil, file: String? = nil, line: Int? = nil, member: String? = nil, _ message: String) {
        self.kind = kind
        self.code = code
        self.file = file
        self.line = line
        self.member = member
        self.message = message
    }

    /// A finding in `file`, with an optional note appended to its sentence.
    public init(_ finding: LedgerFinding, file: String, note: String? = nil) {
        self.init(.invalid, code: finding.code.rawValue, file: file, line: finding.line,
                  note.map { "\(finding.message) (\($0))" } ?? finding.message)
    }

    /// A usage, input or I/O error.
    public static func usage(_ message: String) -> Diagnostic { Diagnostic(.usage, message) }
    /// A transaction that cannot be valid, refused before it reaches the ledger.
    public static func invalid(_ message: String) -> Diagnostic { Diagnostic(.invalid, message) }

    /// `FILE:LINE: CODE: MESSAGE`, leaving out the parts that are unknown (line 0 is the file as a whole).
    public var description: String {
        var parts: [String] = []
        if let file {
            if let line, line > 0 { parts.append("\(file):\(line)") } else { parts.append(file) }
        }
        if let code { parts.append(code) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
