import Files
import LedgerModel
import CanonicalJSON
import LedgerCrypto
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
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

        /// Opens the ledger for appending and waits for the exclusive lock.
        public init(path: String) throws {
            self.path = path
            guard FileIO.exists(path) else {
                throw FileIO.Error(path: path, reason: "no ledger here; create one with `crowdledger init`")
            }
            try FileIO.requireRegularFile(path)
            self.fd = try FileIO.open(path, .readWrite, options: [.append])
            while flock(fd.rawValue, LOCK_EX) != 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                try? fd.close()
                throw FileIO.Error(path: path, reason: "cannot lock: \(reason)")
            }
        }

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
        public func append(line: [UInt8]) throws {
            let before = try size()
            let bytes = line + [0x0a]
            do {
                let n = try bytes.withUnsafeBytes { try fd.write($0) }
                guard n == bytes.count else {
                    throw FileIO.Error(path: path, reason: "short write (\(n) of \(bytes.count) bytes)")
                }
                try FileIO.sync(fd, path: path)
            } catch {
                // Leave the file as it was: no partial line.
                _ = ftruncate(fd.rawValue, off_t(before))
                _ = fsync(fd.rawValue)
                if let e = error as? FileIO.Error { throw e }
                throw FileIO.Error(path: path, reason: "write failed: \(error)")
            }
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
