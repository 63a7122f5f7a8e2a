import Files
import Audit
import Foundation
import Contract
import LedgerModel
import LedgerCrypto

/// Merging two clones of a ledger that both appended since a common base (the git merge driver).
///
/// The kept side (by default `theirs`, the upstream in a `git pull`) stays byte for byte; the
/// other side's new entries are re-chained after it: same signed transactions, new position,
/// link and hash, and a time raised to the last kept entry's time where needed (entry times never
/// decrease). An unsigned settle is recomputed under the merged history (or dropped when the
/// kept side already closed that task). Every re-chained entry goes through the contract; the
/// first one it refuses (the same party acting in both clones, a double spend, a window that
/// closed) makes the merge a conflict and nothing is written. A signed transaction the kept side
/// already has (the same transaction id) is not applied twice.
public enum Merge {
    public enum Keep: String, Sendable, CaseIterable { case ours, theirs }

    public struct Conflict: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public struct Result {
        public let bytes: [UInt8]
        public let kept: Int
        public let rechained: Int
        public let dropped: Int
    }

    static func lines(_ bytes: [UInt8], _ name: String) throws(Conflict) -> [[UInt8]] {
        guard bytes.isEmpty || bytes.last == 0x0a else {
            throw Conflict(message: "\(name) ends in a torn line; run `crowdledger repair` on it first")
        }
        var out = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map(Array.init)
        out.removeLast()  // after the final newline
        return out
    }

    /// Merges `ours` and `theirs`, both descended from `base` by appending.
    public static func merge(base: [UInt8], ours: [UInt8], theirs: [UInt8], keep: Keep = .theirs) throws -> Result {
        let b = try lines(base, "the base version"), o = try lines(ours, "our version"), t = try lines(theirs, "their version")
        guard o.starts(with: b), t.starts(with: b) else {
            throw Conflict(message: "the ledger was rewritten, not only appended to, since the common version: lines differ before the merge point; resolve by hand")
        }
        // Two ledgers, not two clones of one: different genesis lines mean different ledger ids
        // (format 2's salt makes even equal names, allocations and times differ).
        if let og = o.first, let tg = t.first, og != tg {
            func id(_ line: [UInt8]) -> String { line.count >= 73 ? String(decoding: line[9..<73], as: UTF8.self) : "?" }
            throw Conflict(message: "our version and their version are different ledgers (genesis lines differ: ledger ids \(id(og)) and \(id(tg))); they cannot be merged")
        }
        let (kept, other) = keep == .theirs ? (t, o) : (o, t)
        let keptBytes = keep == .theirs ? theirs : ours
        let newOnes = other[b.count...]
        if newOnes.isEmpty { return Result(bytes: keptBytes, kept: kept.count, rechained: 0, dropped: 0) }
        guard !kept.isEmpty else { throw Conflict(message: "one side has no genesis; nothing to merge onto") }

        // The state after the kept side, through the same checks as verify.
        let scratch = try TempFile(contents: keptBytes)
        defer { scratch.remove() }
        // Signed transactions the kept side already has since the base (e.g. from an earlier
        // merge) are not applied twice.
        var keptIDs = Set<String>()
        let replay = try Replay.run(path: scratch.path) { entry, _ in
            if entry.seq > Int64(b.count), entry.tx.isSigned { keptIDs.insert(entry.tx.id) }
        }
        if let f = replay.findings.first {
            throw Conflict(message: "the \(keep.rawValue) version does not verify (\(f))")
        }
        guard var state = replay.state else { throw Conflict(message: "the \(keep.rawValue) version has no genesis") }

        var out = keptBytes
        var rechained = 0, dropped = 0
        for (i, line) in newOnes.enumerated() {
            let number = b.count + i + 1
            let side = keep == .theirs ? "our" : "their"
            let old: Entry
            do { old = try Entry.parse(line: line, lineNumber: number) } catch {
                throw Conflict(message: "\(side) line \(number) is not a valid entry: \(error.message)")
            }
            guard old.tx.kind != "genesis" else { throw Conflict(message: "\(side) line \(number) is a second genesis") }
            if old.tx.isSigned && keptIDs.contains(old.tx.id) { dropped += 1; continue }
            if old.tx.isSigned && !old.tx.hasValidSignature() {
                throw Conflict(message: "\(side) line \(number): the signature does not verify")
            }
            let time = max(old.time, state.time)
            var tx = old.tx
            if tx.kind == "settle" {
                guard let task = (try? SettleBody.parse(tx, line: number))?.task, let t = state.tasks[task] else {
                    throw Conflict(message: "\(side) line \(number) settles a task this ledger does not have")
                }
                if t.closed != nil { dropped += 1; continue }  // the kept side closed it already
                do throws(LedgerFinding) {
                    tx = SettleBody.transaction(task: task, try Contract.settlement(t, at: time), ledger: state.ledgerID)
                } catch {
                    throw Conflict(message: "\(side) line \(number): the settle no longer applies after the merge: \(error.message)")
                }
            }
            let entry = Entry(seq: state.seq + 1, link: state.head, time: time, tx: tx)
            do throws(LedgerFinding) { try Contract.apply(&state, entry) } catch {
                throw Conflict(message: "\(side) line \(number) (\(old.tx.kind)\(old.tx.party.map { " by \($0.prefix(12))…" } ?? "")) cannot follow the \(keep.rawValue) version: \(error.message)")
            }
            out += entry.line + [0x0a]
            rechained += 1
        }
        return Result(bytes: out, kept: kept.count, rechained: rechained, dropped: dropped)
    }
}

/// A private temporary file (for replaying bytes through the file-based replay).
struct TempFile {
    let path: String
    init(contents: [UInt8]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("crowdledger-merge-\(UUID().uuidString)").path
        try FileIO.createExclusive(path, contents: contents, mode: 0o600)
    }
    func remove() { _ = try? FileIO.removeFile(path) }
}
