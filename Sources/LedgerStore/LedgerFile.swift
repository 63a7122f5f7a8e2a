import Files
public import LedgerModel
import CanonicalJSON
import LedgerCrypto
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// The ledger file on disk: creation with a genesis line, appends under an exclusive lock, and
/// repair of a torn tail.
///
/// Appending: `LedgerFile.Writer` opens the file read-write with `O_APPEND`, takes an exclusive
/// `flock`, and keeps it until it is closed; the caller replays the ledger (through the contract)
/// while holding it, validates the new transaction, and calls `append`, which writes the whole
/// line and its newline in one `write` and fsyncs. If the write fails the file is truncated back
/// to its previous length, so a rejected or failed append leaves the file as it was.
public enum LedgerFile {
    /// The path was replaced (renamed over) between the lock and the end of a write: the line is
    /// in the old file, not in the ledger the path names. Appending again is safe.
    public struct Replaced: Error, CustomStringConvertible {
        public let path: String
        public var description: String {
            "\(path): the file was replaced by another program (git checkout or pull?) while appending; nothing was appended to it; run the command again"
        }
    }

    /// Creates a new ledger holding only `genesis`; never overwrites an existing file.
    public static func create(path: String, genesis: Entry) throws {
        let dir = FileIO.directoryName(path)
        if dir != "." { try FileIO.makeDirectories(dir) }
        try FileIO.createExclusive(path, contents: genesis.line + [0x0a], mode: 0o644)
    }

    public final class Writer {
        public let path: String
        private let fd: FileDescriptor
        private var closed = false
        /// Test-only fault injection (a short write, a failing rollback).
        package var faults = Faults()

        package struct Faults {
            /// Write only this many bytes of the line (a short write).
            package var shortWrite: Int?
            /// Make the rollback's truncate fail.
            package var failRollback = false
            package init() {}
        }

        /// Opens the ledger for appending and waits for the exclusive lock.
        ///
        /// The lock is on the open file, not on the name: when another program (`git checkout`,
        /// `git pull`) renames a new file over the ledger while we wait, the lock we get is on a
        /// file nobody will read again. So once locked, the descriptor must still be the file the
        /// path names (same device and inode); otherwise it is closed and the path opened again.
        public init(path: String) throws {
            self.path = path
            guard FileIO.exists(path) else {
                throw FileIO.Error(path: path, reason: "no ledger here; create one with `crowdledger init`")
            }
            self.fd = try Writer.openLocked(path)
        }

        private static func openLocked(_ path: String) throws -> FileDescriptor {
            for _ in 0..<1000 {
                try FileIO.requireRegularFile(path)
                let fd = try FileIO.open(path, .readWrite, options: [.append])
                while flock(fd.rawValue, LOCK_EX) != 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    try? fd.close()
                    throw FileIO.Error(path: path, reason: "cannot lock: \(reason)")
                }
                if names(path, fd) { return fd }
                // Replaced (or removed) while we waited: try the file that is there now.
                _ = flock(fd.rawValue, LOCK_UN)
                try? fd.close()
            }
            throw FileIO.Error(path: path, reason: "cannot lock: the file keeps being replaced by another program")
        }

        /// Whether `path` names the file open on `fd` (same device and inode).
        static func names(_ path: String, _ fd: FileDescriptor) -> Bool {
            var a = stat(), b = stat()
            guard fstat(fd.rawValue, &a) == 0, stat(path, &b) == 0 else { return false }
            return a.st_dev == b.st_dev && a.st_ino == b.st_ino
        }

        /// Whether the path still names the locked file (false once something was renamed over it).
        public var isCurrent: Bool { !closed && Writer.names(path, fd) }

        deinit { close() }

        /// Releases the lock.
        public func close() {
            guard !closed else { return }
            closed = true
            _ = flock(fd.rawValue, LOCK_UN)
            try? fd.close()
        }

        /// The file's current length (under the lock, nobody else changes it).
        public func size() throws -> Int64 {
            do { return try fd.seek(offset: 0, from: .end) } catch {
                throw FileIO.Error(path: path, reason: "cannot seek: \(error)")
            }
        }

        /// Appends one entry as a single write of its line and newline, then fsyncs.
        public func append(_ entry: Entry) throws { try append(line: entry.line) }

        /// Appends an entry's canonical line (without its newline): one write, then fsync.
        ///
        /// If the write fails or is short, the file is truncated back to its previous length and
        /// the error says nothing was written; if that truncation fails too, the error says so and
        /// points at `crowdledger repair` (the file may then end in a partial line). Throws
        /// `LedgerFile.Replaced` when, after the write, the path no longer names the file written
        /// to: the line went to a file that was renamed away, so it is not in the ledger.
        public func append(line: [UInt8]) throws { try append(lines: [line]) }

        /// Appends several canonical lines (each without its newline) as ONE write, then one
        /// fsync (group commit); on failure the file is truncated back: all or nothing. Throws
        /// `LedgerFile.Replaced` as `append(line:)` does.
        public func append(lines: [[UInt8]]) throws {
            let before = try size()
            var bytes: [UInt8] = []
            bytes.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
            for line in lines { bytes += line; bytes.append(0x0a) }
            do {
                let count = min(bytes.count, faults.shortWrite ?? bytes.count)
                let n = try bytes.withUnsafeBytes { try fd.write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                guard n == bytes.count else {
                    throw FileIO.Error(path: path, reason: "short write (\(n) of \(bytes.count) bytes)")
                }
                try FileIO.sync(fd, path: path)
            } catch {
                let what = (error as? FileIO.Error)?.reason ?? "write failed: \(error)"
                // Leave the file as it was: no partial line.
                let truncated = !faults.failRollback && ftruncate(fd.rawValue, off_t(before)) == 0
                let why = faults.failRollback ? "injected failure" : String(cString: strerror(errno))
                _ = fsync(fd.rawValue)
                if truncated {
                    throw FileIO.Error(path: path, reason: "\(what); the file was truncated back to its previous length, nothing was written")
                }
                throw FileIO.Error(path: path, reason: "\(what), and removing the partial line failed too (cannot truncate to \(before) bytes: \(why)): the ledger may now end in a torn line; nothing was appended; run `crowdledger repair` to remove it (it keeps a backup)")
            }
            guard Writer.names(path, fd) else { throw Replaced(path: path) }
        }

        /// Truncates the file to `length` (used by repair, under the lock).
        public func truncate(to length: Int64) throws {
            guard ftruncate(fd.rawValue, off_t(length)) == 0 else {
                throw FileIO.Error(path: path, reason: "cannot truncate: \(String(cString: strerror(errno)))")
            }
            try FileIO.sync(fd, path: path)
        }
    }
}
