import Files
import ArgumentParser
import Audit
import Client
import Programs
import SystemPackage
public import CanonicalJSON
import Contract
public import LedgerModel
import LedgerStore
import LedgerCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error a command reports: a diagnostic (the library's error model).
typealias ToolError = Diagnostic

/// The one place that turns any error into a diagnostic, and a diagnostic into its stderr line
/// and exit status (0 success; 1 the ledger is invalid or the contract rejected the transaction;
/// 2 usage, input or I/O).
public enum Diagnostics {
    public static func diagnostic(for error: Error) -> Diagnostic {
        switch error {
        case let d as Diagnostic: return d
        case let e as AppendError: return e.diagnostic
        case let e as ProgramError: return .usage(e.reason)
        case let e as FileIO.Error: return .usage(e.description)
        case let e as KeyFile.Error: return .usage(e.description)
        case let e as BlobStore.GetError: return .usage(e.description)
        case let f as LedgerFinding: return Diagnostic(.invalid, code: f.code.rawValue, line: f.line, f.message)
        default: return .usage("\(error)")
        }
    }

    public static func exitStatus(_ kind: Diagnostic.Kind) -> Int32 {
        switch kind {
        case .invalid: return 1
        case .usage: return 2
        }
    }

    /// The stderr line: `crowdledger: PATH:LINE: CODE: MESSAGE`.
    public static func line(_ d: Diagnostic) -> String { "crowdledger: \(d.description)" }

    /// The stable code of a diagnostic: its own (a finding's code, `rejected`, `future-time`, …),
    /// else `invalid` or `usage` by its kind.
    public static func code(_ d: Diagnostic) -> String { d.code ?? d.kind.rawValue }

    /// The stderr object of a command run with `--json`: `{"code","file","line","message"}`
    /// (`file` and `line` null when unknown; the message carries the member path when known).
    public static func json(_ d: Diagnostic) -> JSON {
        var message = d.message
        if let member = d.member { message = "\(member): \(message)" }
        return .object([
            "code": .string(code(d)),
            "file": d.file.map(JSON.string) ?? .null,
            "line": d.line.map { .int(Int64($0)) } ?? .null,
            "message": .string(message),
        ])
    }

    /// Writes the diagnostic to stderr: one line, or one JSON object when `json`.
    public static func report(_ d: Diagnostic, json: Bool) {
        if json {
            Output.err(String(decoding: Diagnostics.json(d).canonicalBytes, as: UTF8.self))
        } else {
            Output.err(Terminal.paint(line(d), .red, on: 2))
        }
    }
}

/// Options every ledger command that writes (or waits on, or runs from) the ledger shares: a
/// ledger file; `--ledger -` is refused (exit 2, one line).
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file (default: $CROWDLEDGER_LEDGER, else ledger/ledger.jsonl).", valueName: "PATH"),
            completion: .file(extensions: ["jsonl"]))
    var ledger: String?

    /// The ledger path the command uses (for the hint when it does not exist).
    nonisolated(unsafe) static var pathInUse: String?

    /// `--ledger`, else `$CROWDLEDGER_LEDGER`, else the default.
    static func resolve(_ ledger: String?) -> String {
        let p: String
        if let ledger { p = ledger }
        else if let env = getenv("CROWDLEDGER_LEDGER"), let s = String(validatingCString: env), !s.isEmpty { p = s }
        else { p = "ledger/ledger.jsonl" }
        pathInUse = p
        return p
    }

    static let readers = "verify, log, balances, status, report, export and head"

    func validate() throws {
        if Self.resolve(ledger) == "-" {
            throw ValidationError("--ledger -: this command needs a ledger file; only \(Self.readers) read a ledger from standard input")
        }
    }

    var path: String { Self.resolve(ledger) }

    var blobs: BlobStore { BlobStore(ledgerPath: path) }

    /// The client every appending command uses: entries later than the system clock plus
    /// ``Session/futureTolerance`` are refused unless `CROWDLEDGER_ALLOW_FUTURE=1`.
    var client: LedgerClient { LedgerClient(path: path, notAfter: Clock.notAfter) }

    /// The client for a signer whose receipts go to `openings` (docs/TRANSPARENCY.md).
    func client(openings: String) -> LedgerClient { LedgerClient(path: path, notAfter: Clock.notAfter, openings: openings) }
}

/// The ledger option of the commands that only read it (verify, log, balances, status, report,
/// export, head): a file, or `-` for standard input (a pipe or a redirected file), which is
/// copied to a private temporary file for the command and removed after it (`SpooledInput`);
/// no cache is written for it, and messages name it `-`.
struct ReadLedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file, or - to read it from standard input (default: $CROWDLEDGER_LEDGER, else ledger/ledger.jsonl).", valueName: "PATH"),
            completion: .file(extensions: ["jsonl"]))
    var ledger: String?

    /// The ledger as given: a path, or `-`. What messages name.
    var name: String { LedgerOptions.resolve(ledger) }
    var isStandardInput: Bool { name == "-" }

    /// Runs `body` with a path to read: the file, or a private copy of standard input (removed
    /// when `body` returns or throws; errors name it `-`).
    func reading<T>(_ body: (String) throws -> T) throws -> T {
        guard isStandardInput else { return try body(name) }
        let spool = try SpooledInput.standardInput()
        defer { spool.remove() }
        do { return try body(spool.path) } catch {
            var d = Diagnostics.diagnostic(for: error)
            if d.file == spool.path { d.file = "-" }
            d.message = d.message.replacingAll(spool.path, with: "-")
            throw d
        }
    }
}

extension String {
    /// `self` with every occurrence of `target` replaced (Foundation-free).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

/// A command's help text followed by its examples, shown under "Examples:" by `--help`,
/// `crowdledger help CMD` and the man page (each example on its own indented line).
func helpText(_ text: String = "", examples: String...) -> String {
    // Built as UTF-8 bytes: every command's configuration (and so this) is evaluated at every
    // start-up, and splitting Strings by Character cost 5 % of a whole `transfer`.
    var out = Array((text.isEmpty ? "Examples:\n" : text + " Examples:\n").utf8)
    var first = true
    for example in examples {
        for line in example.utf8.split(separator: UInt8(ascii: "\n")) {
            if !first { out.append(UInt8(ascii: "\n")) }
            first = false
            out += "  ".utf8
            out += line
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// The `--json` flag every appending command takes.
struct AppendOutput: ParsableArguments {
    @Flag(name: .long, help: "Print {\"hash\",\"id\",\"line\"}: the transaction id, the entry's line and its hash (errors: one JSON object on stderr).")
    var json = false
}

enum Clock {
    /// `$CROWDLEDGER_TIME` (integer Unix seconds) when set, else the system clock.
    static func now() throws -> Int64 {
        if let env = getenv("CROWDLEDGER_TIME"), let s = String(validatingCString: env) {
            guard let t = Int64(s), t >= 0, String(t) == s else {
                throw ToolError.usage("CROWDLEDGER_TIME must be a non-negative integer number of Unix seconds, got \"\(s)\"")
            }
            return t
        }
        return system()
    }

    /// The system clock (Unix seconds), never `$CROWDLEDGER_TIME`.
    static func system() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
    }

    /// The latest time an append may record: the system clock + ``Session/futureTolerance``;
    /// nil (no limit) when `CROWDLEDGER_ALLOW_FUTURE=1`.
    static var notAfter: (@Sendable () -> Int64)? {
        if let env = getenv("CROWDLEDGER_ALLOW_FUTURE"), String(cString: env) == "1" { return nil }
        return { system() + Session.futureTolerance }
    }
}

enum Accounts {
    static func parse(_ text: String, what: String) throws -> String {
        guard Hex.isCanonical(text, byteCount: 32) else {
            throw ToolError.usage("\(what) must be an account id: 64 lower-case hex digits (see `crowdledger account KEYFILE`), got \"\(text)\"")
        }
        return text
    }
}

enum Output {
    /// The first error writing standard output: the command then exits 2 (a script must not
    /// take a missing id or report for success) — unless it had already appended an entry.
    nonisolated(unsafe) static var writeFailure: String?
    /// The reader of standard output went away (EPIPE: `crowdledger log | head -1`): nothing more
    /// is written, and this is not an error — the command finishes its work and exits as usual.
    nonisolated(unsafe) static var readerGone = false

    /// The entry the command appended, once it is durably on the ledger: from then on the
    /// command exits 0 even if printing fails (with a warning on stderr naming the entry).
    nonisolated(unsafe) static var appendedEntry: Entry?

    /// What an appending command prints once its entry is written: `text` (the id, by default
    /// the transaction id), or with `json` the object `{"hash","id","line"}`.
    static func appended(_ entry: Entry, json: Bool, id: String? = nil, text: String? = nil) {
        appendedEntry = entry
        let id = id ?? entry.tx.id
        if json {
            Output.json(.object(["id": .string(id), "line": .int(entry.seq), "hash": .string(entry.hash)]))
        } else {
            line(text ?? id)
        }
    }

    static func line(_ s: String) { write(Array((s + "\n").utf8)) }
    static func json(_ v: JSON) { write(v.canonicalBytes + [0x0a]) }

    static func write(_ bytes: [UInt8]) {
        guard writeFailure == nil, !readerGone else { return }
        do { _ = try FileDescriptor.standardOutput.writeAll(bytes) } catch Errno.brokenPipe {
            readerGone = true
        } catch {
            writeFailure = "\(error)".lowercased()
        }
    }
    static func err(_ s: String) {
        _ = try? FileDescriptor.standardError.writeAll(Array((s + "\n").utf8))
    }
    /// Text to stderr as is (no newline: a progress line redrawn in place).
    static func errRaw(_ s: String) {
        _ = try? FileDescriptor.standardError.writeAll(Array(s.utf8))
    }

    /// Raw bytes to standard output (a program's result), unbuffered and whole.
    static func bytes(_ b: [UInt8]) throws { write(b) }
}

/// Reads a file a user named on the command line, as exit-2 errors.
func readUserFile(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
    try FileIO.readAll(path, limit: limit)
}
