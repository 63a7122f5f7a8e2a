import Files
import ArgumentParser
import Audit
import Client
import Programs
import SystemPackage
import CanonicalJSON
import Contract
import LedgerModel
import LedgerStore
import LedgerCrypto
#if canImport(Glibc)
import Glibc
#endif

/// An error the CLI reports as one line on stderr with its exit status (1 invalid or rejected,
/// 2 usage, input or I/O): the same type the client refuses requests with.
public typealias ToolError = ClientError

/// Maps any error to the exit status and the one line printed on stderr.
public enum ErrorReport {
    public static func classify(_ error: Error) -> (Int32, String) {
        switch error {
        case let e as ClientError: return (e.exitCode, e.message)
        case let e as ProgramError: return (2, e.reason)
        case let e as AppendError:
            if case .clockBehind = e { return (2, e.description) }
            return (1, e.description)
        case let e as FileIO.Error: return (2, e.description)
        case let e as KeyFile.Error: return (2, e.description)
        case let e as BlobStore.GetError: return (2, e.description)
        case let e as LedgerFinding: return (1, e.description)
        default: return (2, "\(error)")
        }
    }
}

/// Options every ledger command shares.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file (default: $CROWDLEDGER_LEDGER, else ledger/ledger.jsonl).", valueName: "PATH"))
    var ledger: String?

    var path: String {
        if let ledger { return ledger }
        if let env = getenv("CROWDLEDGER_LEDGER"), let s = String(validatingCString: env), !s.isEmpty { return s }
        return "ledger/ledger.jsonl"
    }

    var blobs: BlobStore { BlobStore(ledgerPath: path) }
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
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec)
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
    /// take a missing id or report for success).
    nonisolated(unsafe) static var writeFailure: String?
    /// The reader of standard output went away (EPIPE: `crowdledger log | head -1`): nothing more
    /// is written, and this is not an error — the command finishes its work and exits as usual.
    nonisolated(unsafe) static var readerGone = false

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

    /// Raw bytes to standard output (a program's result), unbuffered and whole.
    static func bytes(_ b: [UInt8]) throws { write(b) }
}

/// Reads a file a user named on the command line, as exit-2 errors.
func readUserFile(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
    try FileIO.readAll(path, limit: limit)
}
