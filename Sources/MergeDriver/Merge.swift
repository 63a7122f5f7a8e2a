import Files
import Audit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Contract
import LedgerModel
import LedgerStore
import LedgerCrypto
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Merging two clones of a ledger (the git merge driver).
///
/// The kept side (the upstream: git's "theirs" in a merge, "ours" during a rebase) stays byte for
/// byte; every transaction of the other side that the kept side does not have is re-chained after
/// it: the same signed transaction at a new position, with a new link and hash, and a time raised
/// to the last kept entry's time where needed (entry times never decrease). An unsigned settle is
/// recomputed under the merged history (or dropped when the kept side already closed that task).
///
/// The common base is not needed and not read: the two sides share the lines up to the first one
/// where they differ, and after that the other side's entries are compared with the kept side's
/// by transaction id (a signed transaction can appear once in a valid ledger: its (party, lane,
/// counter) nonce cannot repeat). So a criss-cross merge, whose base git makes up by merging two
/// merge bases, and a rebase, which replays commits onto a history their parents never had, merge
/// like any other. Every re-chained entry goes through the contract; the first one it refuses (a
/// double spend, a window that closed, one key appending in two clones in the same nonce lane)
/// makes the merge a conflict and nothing is written.
///
/// It streams: memory depends on the contract state and the number of entries since the two
/// sides diverged, not on the files' lengths.
public enum Merge {
    public enum Keep: String, Sendable, CaseIterable { case ours, theirs }

    public struct Conflict: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public struct Result: Sendable {
        /// Lines of the kept side (all in the output, unchanged).
        public let kept: Int
        /// Lines both sides share from the start.
        public let common: Int
        public let rechained: Int
        /// Entries of the other side the kept side already had (or settles of tasks it closed).
        public let dropped: Int
    }

    /// The result with the merged bytes (the in-memory form, for tests and small inputs).
    public struct BytesResult {
        public let bytes: [UInt8]
        public let kept: Int
        public let rechained: Int
        public let dropped: Int
    }

    /// Merges `ours` and `theirs` in memory (through temporary files). `base` is not read.
    public static func merge(base: [UInt8] = [], ours: [UInt8], theirs: [UInt8], keep: Keep = .theirs) throws -> BytesResult {
        let dir = try FileIO.makePrivateTemporaryDirectory(prefix: "crowdledger-merge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileIO.createExclusive(dir + "/ours", contents: ours, mode: 0o600)
        try FileIO.createExclusive(dir + "/theirs", contents: theirs, mode: 0o600)
        let r = try merge(ours: dir + "/ours", theirs: dir + "/theirs", keep: keep, output: dir + "/out")
        return BytesResult(bytes: try FileIO.readAll(dir + "/out", limit: Int.max), kept: r.kept, rechained: r.rechained, dropped: r.dropped)
    }

    /// Merges the files `ours` and `theirs` and writes the result to `output` (replaced atomically;
    /// it may be `ours`). On a conflict or an error `output` is left as it was.
    public static func merge(ours: String, theirs: String, keep: Keep, output: String) throws -> Result {
        let (keptPath, otherPath) = keep == .theirs ? (theirs, ours) : (ours, theirs)
        let keptName = keep == .theirs ? "their version" : "our version"
        let otherName = keep == .theirs ? "our version" : "their version"
        let otherSide = keep == .theirs ? "our" : "their"
        try requireWholeLines(keptPath, keptName)
        try requireWholeLines(otherPath, otherName)

        // 1. The lines both sides share from the start, and where the other side's own begin.
        var common = 0
        var otherStart: Int64? = nil  // nil: the other side has nothing the kept side lacks
        do {
            var k = try LineReader(path: keptPath), o = try LineReader(path: otherPath)
            while true {
                let a = try k.next(), b = try o.next()
                guard let b else { break }
                guard let a, a.bytes == b.bytes else {
                    if common == 0, let a {
                        // Two ledgers, not two clones of one: different genesis lines mean different
                        // ledger ids (format 2's salt makes even equal names, allocations and times differ).
                        func id(_ line: [UInt8]) -> String { line.count >= 73 ? String(decoding: line[9..<73], as: UTF8.self) : "?" }
                        let (og, tg) = keep == .theirs ? (b.bytes, a.bytes) : (a.bytes, b.bytes)
                        throw Conflict(message: "our version and their version are different ledgers (genesis lines differ: ledger ids \(id(og)) and \(id(tg))); they cannot be merged")
                    }
                    otherStart = b.offset
                    break
                }
                common += 1
            }
        }

        // 2. The state after the kept side, through the same checks as verify, and the signed
        //    transactions it has since the shared lines (not applied twice).
        var keptIDs = Set<String>()
        // The tasks closed after the shared lines (by the kept side, then by the re-chained
        // entries): the state holds open tasks only, and the other side's settle of one of them
        // is dropped. A task closed within the shared lines cannot be settled by the other side.
        var closedSince = Set<String>()
        var options = Replay.Options()
        options.stopAtFirstFinding = true
        let replay = try Replay.run(path: keptPath, options: options, onEntry: { entry, _ in
            if entry.seq > Int64(common), entry.tx.isSigned { keptIDs.insert(entry.tx.id) }
        }, onClose: { t in
            if (t.closedSeq ?? 0) > Int64(common) { closedSince.insert(t.id) }
        })
        if let f = replay.findings.first {
            if replay.lines == 0 && otherStart == nil { throw Conflict(message: "both versions are empty") }
            throw Conflict(message: "the \(keptName) does not verify (\(f))")
        }
        guard var state = replay.state else { throw Conflict(message: "the \(keptName) has no genesis") }
        let keptLines = replay.lines

        // 3. The output: the kept side byte for byte, then the other side's new entries re-chained.
        let out = try Output(final: output)
        var rechained = 0, dropped = 0
        do {
            try out.copy(from: keptPath)
            if let otherStart {
                var reader = try LineReader(path: otherPath, offset: otherStart, lineNumber: common)
                while let raw = try reader.next() {
                    let number = raw.number
                    let old: Entry
                    do { old = try Entry.parse(line: raw.bytes, lineNumber: number) } catch {
                        throw Conflict(message: "\(otherSide) line \(number) is not a valid entry: \(error.message)")
                    }
                    guard old.tx.kind != "genesis" else { throw Conflict(message: "\(otherSide) line \(number) is a second genesis") }
                    if old.tx.isSigned && keptIDs.contains(old.tx.id) { dropped += 1; continue }
                    if old.tx.isSigned && !old.tx.hasValidSignature() {
                        throw Conflict(message: "\(otherSide) line \(number): the signature does not verify")
                    }
                    let time = max(old.time, state.time)
                    var tx = old.tx
                    if tx.kind == "settle" {
                        guard let task = (try? SettleBody.parse(tx, line: number))?.task else {
                            throw Conflict(message: "\(otherSide) line \(number) settles a task this ledger does not have")
                        }
                        if closedSince.contains(task) { dropped += 1; continue }  // the kept side closed it already
                        guard let t = state.tasks[task] else {
                            throw Conflict(message: "\(otherSide) line \(number) settles a task this ledger does not have open")
                        }
                        do throws(LedgerFinding) {
                            tx = SettleBody.transaction(task: task, try Contract.settlement(t, at: time), ledger: state.ledgerID)
                        } catch {
                            throw Conflict(message: "\(otherSide) line \(number): the settle no longer applies after the merge: \(error.message)")
                        }
                    }
                    let entry = Entry(seq: state.seq + 1, link: state.head, time: time, tx: tx)
                    do throws(LedgerFinding) {
                        if let closed = try Contract.apply(&state, entry) { closedSince.insert(closed.id) }
                    } catch {
                        var hint = ""
                        if error.code == .duplicateTransaction {
                            hint = " (the same key appended in two clones in the same nonce lane: run `crowdledger git-setup` in each clone so each signs in its own lane, then redo this action on the kept version)"
                        }
                        throw Conflict(message: "\(otherSide) line \(number) (\(old.tx.kind)\(old.tx.party.map { " by \($0.prefix(12))…" } ?? "")) cannot follow the \(keptName): \(error.message)\(hint)")
                    }
                    if tx.isSigned { keptIDs.insert(tx.id) }
                    try out.write(entry.line + [0x0a])
                    rechained += 1
                }
            }
            try out.commit()
        } catch {
            out.abandon()
            throw error
        }
        return Result(kept: keptLines, common: common, rechained: rechained, dropped: dropped)
    }

    /// A file that is not empty must end in a newline (a torn last line is `repair`'s business).
    static func requireWholeLines(_ path: String, _ name: String) throws {
        try FileIO.requireRegularFile(path)
        guard let size = FileIO.size(path) else { throw FileIO.Error(path: path, reason: "cannot read its size") }
        if size == 0 { return }
        guard let last = try FileIO.readRange(path, offset: size - 1, count: 1), last == [0x0a] else {
            throw Conflict(message: "\(name) ends in a torn line; run `crowdledger repair` on it first")
        }
    }
}

/// The merged file being written: a temporary beside the destination (`.NAME.tmp-PID`), renamed
/// over it once complete and synced; removed when the merge fails.
final class Output {
    let final: String
    let tmp: String
    let fd: FileDescriptor
    var buffer: [UInt8] = []
    var open = true

    init(final: String) throws {
        self.final = final
        tmp = FileIO.temporaryPrefix(of: final) + String(getpid())
        unlink(tmp)
        fd = try FileIO.open(tmp, .writeOnly, options: [.create, .exclusiveCreate], permissions: FilePermissions(rawValue: 0o644))
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try FileIO.writeAll(fd, buffer, path: tmp)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Appends the whole file at `path`, streaming with a fixed buffer.
    func copy(from path: String) throws {
        try flush()
        let input = try FileIO.open(path, .readOnly)
        defer { try? input.close() }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n: Int
            do { n = try buf.withUnsafeMutableBytes { try input.read(into: $0) } } catch {
                throw FileIO.Error(path: path, reason: "read failed: \(error)")
            }
            if n == 0 { break }
            do { _ = try buf.withUnsafeBytes { try fd.writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } } catch {
                throw FileIO.Error(path: tmp, reason: "write failed: \(error)")
            }
        }
    }

    func commit() throws {
        try flush()
        try FileIO.sync(fd, path: tmp)
        try? fd.close()
        open = false
        guard rename(tmp, final) == 0 else {
            let e = String(cString: strerror(errno))
            unlink(tmp)
            throw FileIO.Error(path: final, reason: "cannot rename the merged file into place: \(e)")
        }
        FileIO.syncDirectory(of: final)
    }

    func abandon() {
        if open { try? fd.close(); open = false }
        unlink(tmp)
    }
}
