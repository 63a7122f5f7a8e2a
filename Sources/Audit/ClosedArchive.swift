import Files
public import Contract
import CanonicalJSON
import LedgerCrypto
import LedgerStore
import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How far the closed-task archive goes, as the state cache records it: `count` lines ending at
/// byte `bytes`, and `digest`, the chain `d(0) = 64 zeros`, `d(i) = SHA-256(hex d(i-1) ‖ line i ‖ 0x0a)`
/// (hex), which a reader recomputes over the lines it reads. An archive that does not end the
/// same way is never trusted.
public struct ArchiveMark: Sendable, Equatable {
    public var count: Int64
    public var bytes: Int64
    public var digest: String
    public static let empty = ArchiveMark(count: 0, bytes: 0, digest: String(repeating: "0", count: 64))

    public init(count: Int64, bytes: Int64, digest: String) {
        self.count = count
        self.bytes = bytes
        self.digest = digest
    }

    /// The mark after one more line (without its newline).
    public func adding(_ line: [UInt8]) -> ArchiveMark {
        ArchiveMark(count: count + 1, bytes: bytes + Int64(line.count) + 1,
                    digest: SHA256.hex(Array(digest.utf8) + line + [0x0a]))
    }
}

/// The closed tasks of a ledger, beside its state cache: `.<ledger file name>.closed.state` (so the
/// `.*.state` line that keeps the cache out of git keeps it out too), one line per
/// closed task in closing order, each the task's canonical JSON (`TaskState.json`, as in the
/// cache). The contract state (and so the cache every append loads) holds open tasks only; a task
/// that closes is appended here by whatever writes the cache, never rewritten. Like the cache it
/// is not part of the ledger format, safe to delete (a replay rebuilds it) and kept out of git.
///
/// The cache records how far the archive goes (`ArchiveMark`): a save truncates whatever lies
/// beyond that mark (lines a crash left between the two writes) before it appends; a cache whose
/// archive is shorter is not used (the whole ledger is replayed and the archive rewritten); and a
/// reader checks the digest chain of every line it reads, so an edited archive is found and
/// rebuilt, never trusted. Writers hold an exclusive `flock` on the archive, readers a shared one.
public enum ClosedArchive {
    public static func path(forLedger ledger: String) -> String {
        FileIO.companion(of: ledger, suffix: ".closed.state")
    }

    /// A closed task's archive line (without its newline).
    public static func line(_ task: TaskState) -> [UInt8] { task.json.canonicalBytes }

    /// The archive lines of the tasks a replay (or an append) closed after `base`, the mark of
    /// the archive it resumed from (`.empty` after a whole replay), waiting for the save that
    /// appends them (``StateCache/save(ledger:state:lines:offset:lastLineLength:signedLines:signedOffset:closed:)``).
    /// Memory stays bounded by one batch: past 1 MiB, the lines go to a spill file, an unnamed
    /// file in the ledger's directory (created and unlinked at once, so a crash leaves nothing
    /// behind), which the save copies into the archive under its lock. The archive itself is only
    /// ever written by the save, so its crash rules do not depend on how long the replay takes.
    public final class Pending {
        let ledger: String
        /// The archive mark the lines follow, and the mark after them.
        public let base: ArchiveMark
        public private(set) var mark: ArchiveMark
        var buffer: [UInt8] = []
        var spill: FileDescriptor?
        var spilled: Int64 = 0
        /// Bytes kept in memory before they go to the spill file.
        let batch: Int

        public convenience init(ledger: String, after base: ArchiveMark) { self.init(ledger: ledger, after: base, batch: 1 << 20) }

        init(ledger: String, after base: ArchiveMark, batch: Int) {
            self.ledger = ledger
            self.base = base
            self.mark = base
            self.batch = batch
        }

        /// How many lines are waiting.
        public var count: Int64 { mark.count - base.count }

        /// Why the lines cannot be saved (the spill file could not be written): the save then
        /// writes neither archive nor cache.
        var failure: FileIO.Error?

        /// Adds a closed task's line.
        public func add(_ task: TaskState) { add(line: ClosedArchive.line(task)) }

        /// Adds an archive line (without its newline).
        public func add(line: [UInt8]) {
            mark = mark.adding(line)
            guard failure == nil else { return }
            buffer += line
            buffer.append(0x0a)
            if buffer.count >= batch {
                do { try flush() } catch {
                    failure = error as? FileIO.Error ?? FileIO.Error(path: ClosedArchive.path(forLedger: ledger), reason: "\(error)")
                    buffer = []
                }
            }
        }

        /// Adds archive lines (without their newlines).
        public func add(lines: [[UInt8]]) { for l in lines { add(line: l) } }

        func flush() throws {
            if spill == nil {
                let p = ClosedArchive.path(forLedger: ledger)
                var template = Array((p + ".spill-XXXXXX").utf8CString)
                let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
                guard fd >= 0 else { throw FileIO.Error(path: p, reason: "cannot create a spill file: \(String(cString: strerror(errno)))") }
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                spill = FileDescriptor(rawValue: fd)
            }
            try FileIO.writeAll(spill!, buffer, path: ClosedArchive.path(forLedger: ledger))
            spilled += Int64(buffer.count)
            buffer.removeAll(keepingCapacity: true)
        }

        /// Writes every waiting line to `fd` (at its current offset), in batches.
        func write(to fd: FileDescriptor, path p: String) throws {
            if let failure { throw failure }
            if let spill {
                var chunk = [UInt8](repeating: 0, count: 1 << 20)
                var at: Int64 = 0
                while at < spilled {
                    let n = try chunk.withUnsafeMutableBytes { try spill.read(fromAbsoluteOffset: at, into: $0) }
                    guard n > 0 else { throw FileIO.Error(path: p, reason: "spill file ended early") }
                    try FileIO.writeAll(fd, Array(chunk[0..<n]), path: p)
                    at += Int64(n)
                }
            }
            if !buffer.isEmpty { try FileIO.writeAll(fd, buffer, path: p) }
        }

        deinit { try? spill?.close() }
    }

    /// Cuts the archive to `pending.base` and appends the pending lines after it; returns the new
    /// mark. Throws when the archive cannot be written, or is shorter than the base (the caller
    /// then rebuilds it). `then` runs while the exclusive lock is still held (the cache's write).
    static func append(_ pending: Pending, then: (ArchiveMark) -> Void) throws -> ArchiveMark {
        let p = path(forLedger: pending.ledger)
        let mark = pending.base
        if let failure = pending.failure { throw failure }
        if mark == .empty && pending.count == 0 && !FileIO.exists(p) { then(mark); return mark }  // no archive yet, none needed
        let fd = try FileIO.open(p, .readWrite, options: [.create], permissions: FilePermissions(rawValue: 0o644))
        defer { try? fd.close() }
        while flock(fd.rawValue, LOCK_EX) != 0 {
            guard errno == EINTR else { throw FileIO.Error(path: p, reason: "cannot lock") }
        }
        defer { _ = flock(fd.rawValue, LOCK_UN) }
        var st = stat()
        guard fstat(fd.rawValue, &st) == 0, Int64(st.st_size) >= mark.bytes else {
            throw FileIO.Error(path: p, reason: "shorter than the state cache says")
        }
        guard ftruncate(fd.rawValue, off_t(mark.bytes)) == 0 else { throw FileIO.Error(path: p, reason: "cannot truncate") }
        _ = try fd.seek(offset: mark.bytes, from: .start)
        try pending.write(to: fd, path: p)
        then(pending.mark)
        return pending.mark
    }

    public struct Mismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// Where a line of the archive is, and the SHA-256 of its bytes: enough to read one task again
    /// (``read(ledger:at:)``) without keeping it, and to know it is still the line that was checked.
    public struct Place: Sendable {
        public let offset: Int64
        public let length: Int
        let digest: [UInt8]
    }

    /// The task of the line at `place`, read again after a ``scan(ledger:mark:places:)`` found it
    /// there. Throws `Mismatch` when that line is no longer there, byte for byte.
    public static func read(ledger: String, at place: Place) throws -> TaskState {
        let p = path(forLedger: ledger)
        guard let bytes = try? FileIO.readRange(p, offset: place.offset, count: place.length + 1), bytes.last == 0x0a,
              SHA256.hash(bytes.dropLast()) == place.digest,
              let json = try? JSON.parse(Array(bytes.dropLast())), let task = try? TaskState(json: json) else {
            throw Mismatch(description: "\(p): changed while it was read")
        }
        return task
    }

    /// Reads the archive up to `mark`, checking every line's JSON and the digest chain, and calls
    /// `each` with every closed task in closing order. Throws `Mismatch` when the archive does not
    /// end as `mark` says (missing, shorter, edited): nothing in it may then be trusted.
    public static func scan(ledger: String, mark: ArchiveMark, _ each: (TaskState) throws -> Void) throws {
        try scan(ledger: ledger, mark: mark, places: false) { t, _ in try each(t) }
    }

    /// As `scan`; with `places`, `each` also gets where each line is (else nil).
    public static func scan(ledger: String, mark: ArchiveMark, places: Bool, _ each: (TaskState, Place?) throws -> Void) throws {
        if mark.count == 0 && mark.bytes == 0 { return }
        let p = path(forLedger: ledger)
        guard let size = FileIO.size(p), size >= mark.bytes else {
            throw Mismatch(description: "\(p): missing or shorter than the state cache says")
        }
        // The shared lock waits for a save in progress (which cuts and appends under an exclusive one).
        let lockFD = try FileIO.open(p, .readOnly)
        defer { try? lockFD.close() }
        while flock(lockFD.rawValue, LOCK_SH) != 0 && errno == EINTR {}
        defer { _ = flock(lockFD.rawValue, LOCK_UN) }
        var reader = try LineReader(path: p)
        var at = ArchiveMark.empty
        while at.count < mark.count, let raw = try reader.next() {
            guard raw.terminated else { break }
            let offset = at.bytes
            at = at.adding(raw.bytes)
            guard at.bytes <= mark.bytes else { break }
            guard let json = try? JSON.parse(raw.bytes), let task = try? TaskState(json: json), task.closed != nil else {
                throw Mismatch(description: "\(p):\(raw.number): not a closed task")
            }
            try each(task, places ? Place(offset: offset, length: raw.bytes.count, digest: SHA256.hash(raw.bytes)) : nil)
        }
        guard at == mark else { throw Mismatch(description: "\(p): does not end as the state cache says (edited or cut)") }
    }
}
