import Files
import LedgerCrypto
import Synchronization
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// One raw line of a file: its bytes without the newline, whether a newline ended it, and where it
/// started.
public struct RawLine: Sendable {
    public let number: Int
    public let offset: Int64
    public let bytes: [UInt8]
    public let terminated: Bool
}

/// Bytes read so far by every ``LineReader`` of this process: a gauge for showing a long
/// replay's progress (`verify` on a terminal). Relaxed and approximate: for display only.
public enum ReadGauge {
    static let counter = Atomic<Int64>(0)
    public static var bytes: Int64 { counter.load(ordering: .relaxed) }
}

/// Reads a file line by line with a fixed-size buffer: memory stays bounded by the longest line,
/// whatever the file's length.
public struct LineReader: ~Copyable {
    public static let maxLineLength = 64 * 1024 * 1024

    private let fd: FileDescriptor
    private let ownsDescriptor: Bool
    public let path: String
    private var buffer: [UInt8]
    private var start = 0       // first unread byte in buffer
    private var end = 0         // one past the last valid byte in buffer
    private var eof = false
    private var lineNumber = 0
    private var fileOffset: Int64 = 0   // file offset of buffer[start]
    private let waitsForWriter: Bool
    private var waited = false
    private let chunkSize: Int
    private var readOnce = false
    /// The first read's size: a genesis line with several hundred accounts fits (a longer first
    /// line only makes the reader read on). Reading, and faulting in, a whole 1 MiB chunk to get
    /// the first line cost a `transfer` 136 of its 571 page faults.
    static let firstReadSize = 64 * 1024

    /// Reads `path` from byte `offset` (the start of a line), numbering lines from
    /// `lineNumber + 1`.
    ///
    /// With `waitsForWriter`, a last line found without its newline is not returned at once: the
    /// reader takes a shared `flock` on the file (waiting for an append in progress, which holds
    /// the exclusive one), reads on, and keeps the shared lock until it is destroyed. Only a line
    /// still without its newline then is returned unterminated. Never set it while this process
    /// holds the exclusive lock on the same file (that would wait forever).
    public init(path: String, offset: Int64 = 0, lineNumber: Int = 0, chunkSize: Int = 1 << 20,
                waitsForWriter: Bool = false) throws {
        try FileIO.requireRegularFile(path)
        let fd = try FileIO.open(path, .readOnly)
        if offset > 0 {
            do { _ = try fd.seek(offset: offset, from: .start) } catch {
                try? fd.close()
                throw FileIO.Error(path: path, reason: "cannot seek: \(error)")
            }
        }
        self.fd = fd
        self.ownsDescriptor = true
        self.path = path
        // Not zeroed: only the bytes `read` wrote (start..<end) are ever looked at, and zeroing a
        // 1 MiB buffer (and faulting in its pages) cost more than a short read itself. The first
        // read is short (most readers that stop early want the first line or two: the ledger id,
        // a checkpoint's head), the next ones take `chunkSize`.
        let first = min(chunkSize, LineReader.firstReadSize)
        self.buffer = [UInt8](unsafeUninitializedCapacity: first) { _, count in count = first }
        self.chunkSize = chunkSize
        self.lineNumber = lineNumber
        self.fileOffset = offset
        self.waitsForWriter = waitsForWriter
    }

    deinit { if ownsDescriptor { try? fd.close() } }

    /// The next line, or nil at the end of the file.
    public mutating func next() throws -> RawLine? {
        var scanned = 0  // bytes after `start` already known to hold no newline
        while true {
            if let nl = findNewline(from: start + scanned) {
                let bytes = Array(buffer[start..<nl])
                lineNumber += 1
                let line = RawLine(number: lineNumber, offset: fileOffset, bytes: bytes, terminated: true)
                fileOffset += Int64(nl - start + 1)
                start = nl + 1
                return line
            }
            if eof {
                guard start < end else { return nil }
                if waitsForWriter && !waited {
                    // Perhaps an append is writing this line right now: wait for it, read again.
                    waited = true
                    while flock(fd.rawValue, LOCK_SH) != 0 && errno == EINTR {}
                    eof = false
                    scanned = end - start
                    try fill()
                    continue
                }
                let bytes = Array(buffer[start..<end])
                lineNumber += 1
                let line = RawLine(number: lineNumber, offset: fileOffset, bytes: bytes, terminated: false)
                fileOffset += Int64(end - start)
                start = end
                return line
            }
            scanned = end - start
            try fill()
        }
    }

    private func findNewline(from: Int) -> Int? {
        guard from < end else { return nil }
        return buffer.withUnsafeBytes { raw in
            guard let hit = memchr(raw.baseAddress! + from, 0x0a, end - from) else { return nil }
            return raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
        }
    }

    /// Moves unread bytes to the front (growing the buffer when one line fills it) and reads more.
    private mutating func fill() throws {
        if start > 0 {
            buffer.withUnsafeMutableBytes { raw in
                let base = raw.baseAddress!
                base.copyMemory(from: base + start, byteCount: end - start)
            }
            end -= start
            start = 0
        }
        if buffer.count < chunkSize && readOnce {
            // A second read: the caller reads on, so take whole chunks from now on (the unread
            // bytes, at the front now, move to a buffer of `chunkSize`, left unzeroed as above).
            let size = chunkSize
            buffer = [UInt8](unsafeUninitializedCapacity: size) { new, count in
                buffer.withUnsafeBufferPointer { old in
                    new.baseAddress!.initialize(from: old.baseAddress!, count: end)
                }
                count = size
            }
        }
        readOnce = true
        if end == buffer.count {
            guard buffer.count < LineReader.maxLineLength else {
                throw FileIO.Error(path: path, reason: "line \(lineNumber + 1) is longer than \(LineReader.maxLineLength) bytes")
            }
            buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count))
        }
        let n: Int
        do {
            n = try buffer.withUnsafeMutableBytes { raw in
                try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...]))
            }
        } catch {
            throw FileIO.Error(path: path, reason: "read failed: \(error)")
        }
        if n == 0 { eof = true }
        ReadGauge.counter.add(Int64(n), ordering: .relaxed)
        end += n
    }
}
