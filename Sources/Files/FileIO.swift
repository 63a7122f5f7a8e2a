public import SystemPackage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small, careful file helpers shared by the modules: whole reads with a size limit, exclusive
/// creation with a mode, and atomic durable replacement (write a temporary file, fsync, rename,
/// fsync the directory). Descriptors come from swift-system; fsync, flock and rename from libc,
/// which swift-system does not wrap.
public enum FileIO {
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public init(path: String, reason: String) { self.path = path; self.reason = reason }
        public var description: String { "\(path): \(reason)" }
    }

    static func reason(_ what: String, _ error: Swift.Error) -> String {
        if let e = error as? Errno { return "\(what): \(e.description.lowercased())" }
        return "\(what): \(error)"
    }

    static func errnoReason(_ what: String) -> String { "\(what): \(String(cString: strerror(errno)))" }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func size(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    public static func open(_ path: String, _ mode: FileDescriptor.AccessMode,
                            options: FileDescriptor.OpenOptions = [], permissions: FilePermissions? = nil) throws -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(path), mode, options: options.union(.closeOnExec), permissions: permissions)
        } catch {
            if let e = error as? Errno, e == .fileExists { throw Error(path: path, reason: "already exists; refusing to overwrite") }
            if let e = error as? Errno, e == .noSuchFileOrDirectory { throw Error(path: path, reason: "no such file") }
            throw Error(path: path, reason: reason("cannot open", error))
        }
    }

    /// Refuses anything but a regular file (following symlinks) before it is opened: opening a
    /// FIFO blocks, and a device can be endless.
    public static func requireRegularFile(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw Error(path: path, reason: "no such file") }
            throw Error(path: path, reason: errnoReason("cannot read"))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw Error(path: path, reason: (st.st_mode & S_IFMT) == S_IFDIR ? "is a directory, not a file" : "not a regular file")
        }
    }

    /// True when nothing is at `path`, or a regular file (not a symlink, FIFO, device or directory):
    /// what may be replaced by a new file.
    public static func isRegularOrAbsent(_ path: String) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0 else { return errno == ENOENT }
        return (st.st_mode & S_IFMT) == S_IFREG
    }

    public static func readAll(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
        try requireRegularFile(path)
        let fd = try open(path, .readOnly)
        defer { try? fd.close() }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n: Int
            do { n = try buf.withUnsafeMutableBytes { try fd.read(into: $0) } } catch {
                throw Error(path: path, reason: reason("read failed", error))
            }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
            if out.count > limit { throw Error(path: path, reason: "file is larger than \(limit) bytes") }
        }
        return out
    }

    /// Reads exactly `count` bytes at `offset`, or nil when the file is shorter.
    public static func readRange(_ path: String, offset: Int64, count: Int) throws -> [UInt8]? {
        let fd = try open(path, .readOnly)
        defer { try? fd.close() }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n: Int
            do {
                n = try out.withUnsafeMutableBytes {
                    try fd.read(fromAbsoluteOffset: offset + Int64(done), into: UnsafeMutableRawBufferPointer(rebasing: $0[done...]))
                }
            } catch { throw Error(path: path, reason: reason("read failed", error)) }
            if n == 0 { return nil }
            done += n
        }
        return out
    }

    public static func writeAll(_ fd: FileDescriptor, _ bytes: [UInt8], path: String) throws {
        do { _ = try fd.writeAll(bytes) } catch { throw Error(path: path, reason: reason("write failed", error)) }
    }

    public static func sync(_ fd: FileDescriptor, path: String) throws {
        guard fsync(fd.rawValue) == 0 else { throw Error(path: path, reason: errnoReason("fsync failed")) }
    }

    /// Creates `path` (failing if it exists), writes `contents`, fsyncs file and directory
    /// (unless not `durable`: a cache that may be lost in a crash).
    public static func createExclusive(_ path: String, contents: [UInt8], mode: UInt16, durable: Bool = true) throws {
        try createExclusive(path, contents: contents, mode: mode, durable: durable, syncingDirectory: durable)
    }

    /// `syncingDirectory`: whether the new name is made durable too (not for a temporary file
    /// that a rename, and then the directory's fsync, puts into place).
    static func createExclusive(_ path: String, contents: [UInt8], mode: UInt16, durable: Bool, syncingDirectory: Bool) throws {
        let perms = FilePermissions(rawValue: CModeT(mode))
        let fd = try open(path, .writeOnly, options: [.create, .exclusiveCreate], permissions: perms)
        do {
            _ = fchmod(fd.rawValue, mode_t(mode))  // the umask must not change what we asked for
            try writeAll(fd, contents, path: path)
            if durable { try sync(fd, path: path) }
            try fd.close()
        } catch {
            try? fd.close()
            unlink(path)
            throw error
        }
        if syncingDirectory { syncDirectory(of: path) }
    }

    /// Replaces `path` atomically and durably with `contents` (temp file, its fsync, rename, the
    /// directory's fsync: the temporary name itself is never made durable). Not `durable`: no
    /// fsync, and the old file is removed before the rename (a cache: after a crash, or to a
    /// reader in between, it may be the old file, the new one, or missing or empty, never a mix).
    /// Removing it first keeps the rename from replacing a file, which on ext4 (`auto_da_alloc`)
    /// starts writing the new file's data out at the rename, a wait of up to a few milliseconds.
    ///
    /// The temporary file is `temporaryPrefix(of: path)` followed by the process id, beside
    /// `path`: a hidden name ending in `.tmp-PID` (`.NAME.tmp-PID`, or `NAME.tmp-PID` when NAME
    /// already starts with a dot). A process killed in between leaves it behind;
    /// `removeStaleTemporaries(of:)` removes such leftovers, and `.*.tmp-*` ignores them in git.
    public static func replaceAtomically(_ path: String, contents: [UInt8], mode: UInt16 = 0o644, durable: Bool = true) throws {
        let tmp = temporaryPrefix(of: path) + String(getpid())
        unlink(tmp)
        try createExclusive(tmp, contents: contents, mode: mode, durable: durable, syncingDirectory: false)
        if !durable { unlink(path) }
        guard rename(tmp, path) == 0 else {
            let r = errnoReason("cannot rename into place")
            unlink(tmp)
            throw Error(path: path, reason: r)
        }
        if durable { syncDirectory(of: path) }
    }

    /// The hidden file the tool keeps beside a ledger: `.NAME` + `suffix` in the ledger's
    /// directory (the state cache `.state`, the closed-task archive `.closed.state`, the tree
    /// cache `.tree`, the nonce lane `.lane`).
    public static func companion(of ledger: String, suffix: String) -> String {
        let dir = directoryName(ledger)
        let name = ledger.split(separator: "/").last.map(String.init) ?? ledger
        return (dir == "." && !ledger.hasPrefix("./") ? "" : dir + "/") + "." + name + suffix
    }

    /// The temporary files `replaceAtomically(path)` writes are this prefix plus a process id.
    public static func temporaryPrefix(of path: String) -> String {
        let dir = directoryName(path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let hidden = name.hasPrefix(".") ? name : "." + name
        return (dir == "." && !path.hasPrefix("./") ? "" : (dir == "/" ? "/" : dir + "/")) + hidden + ".tmp-"
    }

    /// Removes the leftovers of `replaceAtomically(path)` by processes that are gone: files named
    /// `temporaryPrefix(of: path)` + PID where no process PID exists, or older than an hour (the
    /// PID reused). Only that exact pattern, only regular files; errors are ignored.
    @discardableResult
    public static func removeStaleTemporaries(of path: String, maxAge: Int = 3600) -> [String] {
        let prefix = temporaryPrefix(of: path)
        let dir = directoryName(prefix)
        let namePrefix = String(prefix.split(separator: "/").last ?? "")
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var removed: [String] = []
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasPrefix(namePrefix), let pid = Int32(name.dropFirst(namePrefix.count)), pid > 0,
                  String(pid) == name.dropFirst(namePrefix.count) else { continue }
            let full = (dir == "." && !prefix.hasPrefix("./") ? "" : (dir == "/" ? "/" : dir + "/")) + name
            var st = stat()
            guard lstat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let gone = pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
            let old = Int(now.tv_sec) - Int(st.st_mtim.tv_sec) > maxAge
            if gone || old, unlink(full) == 0 { removed.append(full) }
        }
        return removed
    }

    /// Copies `source` to a new file `destination` (failing if it exists), streaming with a fixed
    /// buffer (memory does not grow with the file), then fsyncs file and directory. On failure
    /// the partial copy is removed.
    public static func copyExclusive(from source: String, to destination: String, mode: UInt16) throws {
        try requireRegularFile(source)
        let input = try open(source, .readOnly)
        defer { try? input.close() }
        let perms = FilePermissions(rawValue: CModeT(mode))
        let output = try open(destination, .writeOnly, options: [.create, .exclusiveCreate], permissions: perms)
        do {
            _ = fchmod(output.rawValue, mode_t(mode))
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n: Int
                do { n = try buf.withUnsafeMutableBytes { try input.read(into: $0) } } catch {
                    throw Error(path: source, reason: reason("read failed", error))
                }
                if n == 0 { break }
                do { _ = try buf.withUnsafeBytes { try output.writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } } catch {
                    throw Error(path: destination, reason: reason("write failed", error))
                }
            }
            try sync(output, path: destination)
            try output.close()
        } catch {
            try? output.close()
            unlink(destination)
            throw error
        }
        syncDirectory(of: destination)
    }

    /// Removes a file (not a directory).
    public static func removeFile(_ path: String) throws {
        guard unlink(path) == 0 else { throw Error(path: path, reason: errnoReason("cannot remove")) }
    }

    /// Creates a new private directory (mode 0700, `mkdtemp`) named `PREFIX-XXXXXX` under
    /// `$TMPDIR` when that is an absolute path to a directory, else under /tmp; returns its path.
    public static func makePrivateTemporaryDirectory(prefix: String) throws -> String {
        var base = "/tmp"
        if let t = getenv("TMPDIR"), let s = String(validatingCString: t), s.hasPrefix("/"), isDirectory(s) { base = s }
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Error(path: base, reason: errnoReason("cannot create a private temporary directory"))
        }
        return String(cString: made)
    }

    /// Creates a directory and its parents (like mkdir -p); new ones get `mode`.
    public static func makeDirectories(_ path: String, mode: UInt16 = 0o755) throws {
        if isDirectory(path) { return }
        let parent = directoryName(path)
        if parent != path && parent != "." && parent != "/" { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode_t(mode)) != 0 && errno != EEXIST {
            throw Error(path: path, reason: errnoReason("cannot create directory"))
        }
    }

    public static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func syncDirectory(of path: String) {
        let dir = directoryName(path)
        guard let fd = try? FileDescriptor.open(dir, .readOnly, options: [.directory, .closeOnExec]) else { return }
        _ = fsync(fd.rawValue)
        try? fd.close()
    }

    /// Mode bits (permission part) of a file, or nil when it cannot be stat'ed.
    public static func permissions(_ path: String) -> UInt16? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt16(st.st_mode & 0o7777)
    }
}
