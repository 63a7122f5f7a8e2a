import Files
public import Contract
import CanonicalJSON
import LedgerModel
import LedgerStore
import LedgerCrypto

/// A cache of the contract state after a verified prefix of the ledger, so that appending (and
/// reading balances or status) replays only the lines added since, instead of the whole file:
/// an append costs the same on a ledger of ten lines or of ten million.
///
/// It lives beside the ledger as `.<ledger file name>.state` (hidden; not part of the format;
/// safe to delete at any time; keep it out of git). It records the state after the first `lines`
/// lines, which end at byte `offset`, and the last of those lines' length and hash. It is used
/// only when that line is still there, byte for byte, with that hash; otherwise the whole ledger
/// is replayed. It is written only by this tool, from a replay of every line it covers through the
/// contract (position, link, time order, canonical form, hash, every transition).
///
/// The state it holds is the open state (balances, nonce lanes, open tasks), so loading and
/// saving it cost the same however many tasks have closed. The closed tasks are in the archive
/// beside it (``ClosedArchive``, `.<ledger file name>.closed.state`), written under the
/// archive's lock just before the cache, which records how far the archive goes
/// (``ArchiveMark``): a cache whose archive is shorter is not used.
///
/// Signatures are the exception: a read (`balances`, `status`, `log`) replays without checking
/// them — it reports the state, not who signed it — and records how far they were checked:
/// `signedLines` (ending at byte `signedOffset`) ≤ `lines`. An append checks the signatures of
/// the lines after `signedLines` before it builds on the state (`Session.current`), so nothing is
/// ever appended on top of a line whose signature nobody checked. `verify` never uses the cache:
/// an audit always replays and checks everything.
public enum StateCache {
    static let version = 6  // 2: task stages; 3: nonces kept per lane ("PARTY/LANE" keys); 4: the signed prefix, CanonicalJSON (Contract/StateJSON.swift); 5: a closed task's closing time; 6: open tasks only, closed ones in the archive `.NAME.closed.state` (ClosedArchive)

    struct File {
        let version: Int
        let lines: Int
        let offset: Int64
        let lastLineLength: Int
        let head: String
        /// The lines (and bytes) at the start whose signatures were checked.
        let signedLines: Int
        let signedOffset: Int64
        let state: LedgerState
        /// How far the closed-task archive goes (its count is `state.closedCount`).
        let archive: ArchiveMark

        /// The file's JSON (integers only; the state as ``LedgerState/json``).
        var json: JSON {
            .object(["version": .int(Int64(version)), "lines": .int(Int64(lines)), "offset": .int(offset),
                     "lastLineLength": .int(Int64(lastLineLength)), "head": .string(head),
                     "signedLines": .int(Int64(signedLines)), "signedOffset": .int(signedOffset), "state": state.json,
                     "closedCount": .int(archive.count), "closedBytes": .int(archive.bytes), "closedDigest": .string(archive.digest)])
        }
    }

    public static func path(forLedger ledger: String) -> String {
        FileIO.companion(of: ledger, suffix: ".state")
    }

    /// The checkpoint for `ledger`, when it still matches the file (and its archive).
    public static func load(ledger: String) -> Replay.Resume? { loaded(ledger: ledger)?.resume }

    /// A usable cache: where a replay may resume, and how far the closed-task archive goes.
    public struct Loaded: Sendable {
        public var resume: Replay.Resume
        public let archive: ArchiveMark
    }

    /// The checkpoint for `ledger` and its archive mark, when both still match the files: the
    /// cache's last line is still in the ledger, and the archive holds at least the bytes the
    /// cache says (more is cut by the next save; an edit is found by the reader's digest check).
    public static func loaded(ledger: String) -> Loaded? {
        let p = path(forLedger: ledger)
        guard FileIO.exists(p), let bytes = try? FileIO.readAll(p, limit: 1 << 30),
              let file = File(bytes: bytes),
              file.version == version, file.lines >= 1, file.state.head == file.head, file.state.seq == Int64(file.lines),
              file.lastLineLength >= 0, file.lastLineLength <= LineReader.maxLineLength,
              file.offset > Int64(file.lastLineLength), file.offset <= (FileIO.size(ledger) ?? 0),
              file.signedLines >= 0, file.signedLines <= file.lines, file.signedOffset >= 0, file.signedOffset <= file.offset,
              (file.signedLines == file.lines) == (file.signedOffset == file.offset),
              (file.signedLines == 0) == (file.signedOffset == 0),
              consistent(file.state),
              file.archive.count == file.state.closedCount, file.archive.bytes >= 0, file.archive.digest.utf8.count == 64,
              (file.archive.count == 0) == (file.archive.bytes == 0),
              file.archive.bytes == 0 || (FileIO.size(ClosedArchive.path(forLedger: ledger)) ?? -1) >= file.archive.bytes
        else { return nil }
        // The line that ends at `offset` must still be the one the state was made from: a whole
        // line (a newline before it, or the start of the file) with that hash and position.
        let start = file.offset - Int64(file.lastLineLength) - 1
        let before: [UInt8]? = start == 0 ? [0x0a] : (try? FileIO.readRange(ledger, offset: start - 1, count: 1)) ?? nil
        guard before == [0x0a],
              let tail = (try? FileIO.readRange(ledger, offset: start, count: file.lastLineLength + 1)) ?? nil,
              tail.last == 0x0a,
              let entry = try? Entry.parse(line: Array(tail.dropLast()), lineNumber: file.lines),
              entry.hash == file.head, entry.seq == Int64(file.lines)
        else { return nil }
        return Loaded(resume: Replay.Resume(state: file.state, lines: file.lines, offset: file.offset,
                                            signedLines: file.signedLines, signedOffset: file.signedOffset),
                      archive: file.archive)
    }

    /// A cache that breaks the ledger's own invariants is not used (it would let an append build
    /// on balances the ledger never had): every balance ≥ 0, balances + escrow + burned = the
    /// genesis total, nonces ≥ 1, without overflow.
    public static func consistent(_ state: LedgerState) -> Bool {
        state.escrow >= 0 && state.burned >= 0 && state.nonces.values.allSatisfy { $0 >= 1 }
            && Replay.conservation(state, line: 0).isEmpty
    }

    /// Saves the state after `lines` lines ending at `offset`, the first `signedLines` of them
    /// (ending at `signedOffset`) with their signatures checked (default: all), and the archive:
    /// `closed` (archive lines, ``ClosedArchive/line(_:)``) are the tasks that closed after the
    /// archive's `mark` (the one the state was resumed from; `.empty` after a whole replay).
    @discardableResult
    public static func save(ledger: String, state: LedgerState, lines: Int, offset: Int64, lastLineLength: Int,
                            signedLines: Int? = nil, signedOffset: Int64? = nil,
                            archive mark: ArchiveMark, closed: [[UInt8]]) -> ArchiveMark? {
        let pending = ClosedArchive.Pending(ledger: ledger, after: mark)
        pending.add(lines: closed)
        return save(ledger: ledger, state: state, lines: lines, offset: offset, lastLineLength: lastLineLength,
                    signedLines: signedLines, signedOffset: signedOffset, closed: pending)
    }

    /// As above, with the closed tasks' lines collected as the replay closed them (a whole
    /// replay's spill to an unnamed file past a batch: memory stays bounded by the open state).
    /// First the archive is cut to `closed.base` and the lines appended, then the cache written
    /// with the new mark, under the archive's lock. Best effort: a cache that cannot be written
    /// (or whose archive cannot) is simply not there next time. Returns the new mark (nil: not saved).
    @discardableResult
    public static func save(ledger: String, state: LedgerState, lines: Int, offset: Int64, lastLineLength: Int,
                            signedLines: Int? = nil, signedOffset: Int64? = nil,
                            closed: ClosedArchive.Pending) -> ArchiveMark? {
        guard closed.mark.count == state.closedCount else { return nil }
        // Not fsynced: a cache lost or emptied by a crash is rebuilt; a whole older one still
        // names the line it was made from (checked on load), and the archive mark it had.
        let cachePath = path(forLedger: ledger)
        do {
            return try ClosedArchive.append(closed) { archive in
                let file = File(version: version, lines: lines, offset: offset, lastLineLength: lastLineLength, head: state.head,
                                signedLines: signedLines ?? lines, signedOffset: signedOffset ?? offset, state: state, archive: archive)
                try? FileIO.replaceAtomically(cachePath, contents: file.json.canonicalBytes, mode: 0o644, durable: false)
            }
        } catch {
            // The archive is not what the cache needs: no cache, so the next command replays.
            try? FileIO.removeFile(cachePath)
            return nil
        }
    }
}

// In an extension, so that File keeps its memberwise initialiser.
extension StateCache.File {
    /// nil for anything that is not such a file (numbers out of range included).
    init?(bytes: [UInt8]) {
        guard case .object(let o)? = try? JSON.parse(bytes),
              let v = o["version"]?.intValue, let l = o["lines"]?.intValue, let off = o["offset"]?.intValue,
              let len = o["lastLineLength"]?.intValue, let h = o["head"]?.stringValue,
              let sl = o["signedLines"]?.intValue, let so = o["signedOffset"]?.intValue,
              let st = o["state"], let state = try? LedgerState(json: st),
              let cc = o["closedCount"]?.intValue, let cb = o["closedBytes"]?.intValue, let cd = o["closedDigest"]?.stringValue,
              let vi = Int(exactly: v), let li = Int(exactly: l), let leni = Int(exactly: len), let sli = Int(exactly: sl)
        else { return nil }
        self.init(version: vi, lines: li, offset: off, lastLineLength: leni, head: h, signedLines: sli, signedOffset: so, state: state,
                  archive: ArchiveMark(count: cc, bytes: cb, digest: cd))
    }
}
