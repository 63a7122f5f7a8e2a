import Audit
import Files
import LedgerCrypto
import LedgerModel
import LedgerStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `repair`: removes a torn last line (an interrupted append), keeping a backup of the whole file
/// first. It never edits a ledger with any other problem: those need a trusted copy, not a
/// truncation.
public enum LedgerRepair {
    public enum Outcome: Sendable, Equatable {
        /// The last line is complete.
        case nothingToRepair
        /// The only line, the genesis, was torn: the file is removed (run `init` again).
        case removedFile(tornBytes: Int, backup: String)
        /// The torn last line `line` is cut off.
        case truncated(line: Int, tornBytes: Int, backup: String)
    }

    /// Repairs the ledger at `path` under its append lock; `time` names the backup.
    public static func repair(path: String, time: Int64) throws -> Outcome {
        let writer = try LedgerFile.Writer(path: path)
        defer { writer.close() }
        let replay = try Replay.run(path: path)
        if let f = replay.findings.first(where: { $0.code != .tornTail }) {
            throw Diagnostic(f, file: path, note: "repair only removes a torn last line, and this ledger has other problems; nothing was written")
        }
        guard let torn = replay.tornTail else { return .nothingToRepair }
        // Back up the whole file first (streamed: memory does not grow with the ledger), under a
        // name not yet taken (PATH.bak-TIME, then .1, .2, …).
        let base = backupBase(path: path, time: time)
        var backup = base
        for n in 1... {
            do {
                try FileIO.copyExclusive(from: path, to: backup, mode: 0o644)
                break
            } catch let e as FileIO.Error where FileIO.exists(backup) && n < 1000 {
                _ = e
                backup = "\(base).\(n)"
            }
        }
        if torn.number == 1 {
            writer.close()
            guard unlink(path) == 0 else { throw ClientError.usage("\(path): cannot remove: \(String(cString: strerror(errno)))") }
            return .removedFile(tornBytes: torn.bytes.count, backup: backup)
        }
        try writer.truncate(to: torn.offset)
        return .truncated(line: torn.number, tornBytes: torn.bytes.count, backup: backup)
    }

    /// `PATH.bak-T`, when its file name fits NAME_MAX (255 bytes) with room for a `.N` suffix;
    /// otherwise the ledger's file name is cut (at a character boundary) and the first 16 hex
    /// digits of the SHA-256 of the whole name are put in its place: `PREFIX~HASH16.bak-T`.
    public static func backupBase(path: String, time: Int64) -> String {
        let dir = FileIO.directoryName(path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let suffix = ".bak-\(time)"
        let room = 255 - 4  // ".999"
        if name.utf8.count + suffix.utf8.count <= room { return path + suffix }
        let tag = "~" + String(SHA256.hex(Array(name.utf8)).prefix(16))
        var prefix = ""
        for c in name {
            guard prefix.utf8.count + String(c).utf8.count + tag.utf8.count + suffix.utf8.count <= room else { break }
            prefix.append(c)
        }
        let short = prefix + tag + suffix
        return dir == "." && !path.hasPrefix("./") ? short : (dir == "/" ? "/" : dir + "/") + short
    }
}
