import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private copy of standard input (a pipe or a redirected file), for commands that read a
/// ledger given as `--ledger -`: a ledger is read by path, sometimes more than once, so the bytes
/// are first copied to `NAME` in a new temporary directory (mode 0700, made by `mkdtemp` under
/// `$TMPDIR` or /tmp; the file 0600). ``remove()`` deletes both; so does SIGINT, SIGTERM or SIGHUP
/// arriving meanwhile (then the signal's default action ends the process). Nothing else is
/// written beside the copy: callers must not write caches for it.
public final class SpooledInput {
    /// The copy.
    public let path: String
    /// Its private directory.
    public let directory: String
    private var removed = false

    /// Copies standard input to a new private file, streaming with a fixed buffer. Throws
    /// ``FileIO/Error`` (path "standard input" or the copy's) when it cannot: stdin is a terminal
    /// (nothing was piped), unreadable, or the copy cannot be written.
    public static func standardInput(name: String = "ledger.jsonl") throws -> SpooledInput {
        let what = "standard input"
        if isatty(0) == 1 {
            throw FileIO.Error(path: what, reason: "is a terminal; pipe or redirect a ledger into it (`cat ledger.jsonl | crowdledger verify --ledger -`)")
        }
        let spool = SpooledInput(directory: try FileIO.makePrivateTemporaryDirectory(prefix: "crowdledger-stdin"), name: name)
        do {
            let out = try FileIO.open(spool.path, .writeOnly, options: [.create, .exclusiveCreate], permissions: [.ownerReadWrite])
            defer { try? out.close() }
            _ = fchmod(out.rawValue, 0o600)
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n: Int
                do { n = try buf.withUnsafeMutableBytes { try FileDescriptor.standardInput.read(into: $0, retryOnInterrupt: true) } } catch {
                    throw FileIO.Error(path: what, reason: FileIO.reason("read failed", error))
                }
                if n == 0 { break }
                do { _ = try buf.withUnsafeBytes { try out.writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } } catch {
                    throw FileIO.Error(path: what, reason: FileIO.reason("cannot copy it to \(spool.path)", error))
                }
            }
        } catch {
            spool.remove()
            throw error
        }
        return spool
    }

    private init(directory: String, name: String) {
        self.directory = directory
        self.path = directory + "/" + name
        SpoolCleanup.register(file: path, directory: directory)
    }

    /// Deletes the copy and its directory (idempotent).
    public func remove() {
        guard !removed else { return }
        removed = true
        SpoolCleanup.unregister()
        unlink(path)
        rmdir(directory)
    }

    deinit { remove() }
}

/// The copy to delete when a signal ends the process: C strings kept ready, because a signal
/// handler may only call async-signal-safe functions (unlink, rmdir, signal, raise).
private enum SpoolCleanup {
    nonisolated(unsafe) static var file: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) static var directory: UnsafeMutablePointer<CChar>?
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    static func register(file f: String, directory d: String) {
        file = strdup(f)
        directory = strdup(d)
        for s in signals { signal(s, spoolSignalHandler) }
    }

    static func unregister() {
        for s in signals { signal(s, SIG_DFL) }
        free(file); file = nil
        free(directory); directory = nil
    }
}

private func spoolSignalHandler(_ sig: Int32) {
    if let f = SpoolCleanup.file { unlink(f) }
    if let d = SpoolCleanup.directory { rmdir(d) }
    signal(sig, SIG_DFL)
    raise(sig)
}
