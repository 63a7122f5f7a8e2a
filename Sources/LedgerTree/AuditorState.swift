public import Audit
public import Contract
import Files
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import LedgerCrypto
public import LedgerModel
import LedgerStore
import Transparency

/// An auditor's state file (`verify --state FILE`, docs/TRANSPARENCY.md §5): what a successful
/// verify established, so that `verify --since CHECKPOINT --state FILE` can check only the lines
/// appended since, in time proportional to them.
///
/// It records the contract state after the first `size` lines (StateCache's encoding), the bytes
/// they cover, the length and entry hash of line `size`, and the RFC 6962 tree's right edge (the
/// popcount(size) roots of the complete subtrees covering those lines, largest first) whose fold
/// is `root`. JSON (sorted keys), with a SHA-256 `checksum` of the same encoding with checksum "".
/// It is the auditor's own file: the checksum catches damage, not a forger (see the docs).
public struct AuditorState: Codable, Sendable {
    public static let formatName = "crowdledger-auditor-state/1"

    public var format: String
    public var ledger: String
    public var size: UInt64
    public var offset: Int64
    public var lastLineLength: Int
    public var head: String
    public var root: String
    public var frontier: [String]
    public var state: LedgerState
    public var checksum: String

    /// The state after a verify without findings.
    public init(state: LedgerState, size: UInt64, offset: Int64, lastLineLength: Int, tree: RootStream) {
        self.format = AuditorState.formatName
        self.ledger = state.ledgerID
        self.size = size
        self.offset = offset
        self.lastLineLength = lastLineLength
        self.head = state.head
        self.root = Hex.encode(tree.root)
        self.frontier = tree.edge.map(Hex.encode)
        self.state = state
        self.checksum = ""
        self.checksum = (try? AuditorState.digest(self)) ?? ""
    }

    static func digest(_ s: AuditorState) throws -> String {
        var blank = s
        blank.checksum = ""
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return SHA256.hex([UInt8](try enc.encode(blank)))
    }

    public var rootHash: [UInt8] { Hex.decode(root) ?? [] }

    /// The tree's right edge, to extend.
    public var tree: RootStream { RootStream(edge: frontier.compactMap(Hex.decode), size: size) ?? RootStream() }

    /// The file's bytes.
    public func encoded() throws -> [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try enc.encode(self)) + [0x0a]
    }

    /// Reads and checks a state file: exit-2 errors when it is missing, unreadable or not a
    /// consistent state (checksum, format, the edge folding to the root, the contract state's
    /// own invariants).
    public static func load(path: String) throws -> AuditorState {
        let bytes = try FileIO.readAll(path, limit: 1 << 30)
        func bad(_ why: String) -> Diagnostic { .usage("\(path): not a valid auditor state file (verify --state writes one): \(why)") }
        let s: AuditorState
        do { s = try JSONDecoder().decode(AuditorState.self, from: Data(bytes)) } catch { throw bad("it does not parse") }
        guard s.format == formatName else { throw bad("format \(s.format.debugDescription), not \(formatName)") }
        guard (try? digest(s)) == s.checksum else { throw bad("its checksum does not match its contents (damaged or edited)") }
        guard Hex.isCanonical(s.ledger, byteCount: 32), Hex.isCanonical(s.head, byteCount: 32), Hex.isCanonical(s.root, byteCount: 32),
              s.size >= 1, s.size <= UInt64(Int.max), s.lastLineLength >= 0, s.lastLineLength <= LineReader.maxLineLength,
              s.offset > Int64(s.lastLineLength) else { throw bad("a member is out of range") }
        guard s.state.ledgerID == s.ledger, s.state.head == s.head, s.state.seq == Int64(s.size),
              StateCache.consistent(s.state) else { throw bad("its contract state does not match its head, or breaks conservation") }
        guard s.frontier.allSatisfy({ Hex.isCanonical($0, byteCount: 32) }),
              let tree = RootStream(edge: s.frontier.compactMap(Hex.decode), size: s.size),
              Hex.encode(tree.root) == s.root else { throw bad("its tree edge does not fold to its root") }
        return s
    }

    /// Writes the file atomically (exit-2 error when it cannot).
    public func save(path: String) throws {
        try FileIO.replaceAtomically(path, contents: try encoded(), mode: 0o644)
    }

    /// Whether `ledger` still extends this state, reading only line `size`: it must still end at
    /// byte `offset`, be a whole line, parse (canonical, with its correct hash) and be entry `size`
    /// with hash `head`. Each entry's hash covers the previous one's (its link), so this pins
    /// entries 1...size, and (since a valid line is a function of its entry) every one of those
    /// lines that is still valid. A `since-mismatch` finding otherwise.
    public func resume(ledger: String) throws -> Result<Replay.Resume, LedgerFinding> {
        try FileIO.requireRegularFile(ledger)
        let fileSize = FileIO.size(ledger) ?? 0
        func mismatch(_ why: String) -> Result<Replay.Resume, LedgerFinding> {
            .failure(LedgerFinding(.sinceMismatch, line: Int(size),
                "\(why): the first \(size) lines are no longer the ones verified (entry \(size) was \(head), ending at byte \(offset)); history was rewritten, removed or truncated since, or this is another ledger — run a full verify"))
        }
        guard offset <= fileSize else { return mismatch("the ledger has \(fileSize) bytes, fewer than the \(offset) verified") }
        let start = offset - Int64(lastLineLength) - 1
        let before: [UInt8]? = start == 0 ? [0x0a] : try FileIO.readRange(ledger, offset: start - 1, count: 1)
        guard before == [0x0a], let line = try FileIO.readRange(ledger, offset: start, count: lastLineLength + 1), line.last == 0x0a else {
            return mismatch("no whole line ends at byte \(offset)")
        }
        let entry: Entry
        do { entry = try Entry.parse(line: Array(line.dropLast()), lineNumber: Int(size)) } catch {
            return mismatch("the line ending at byte \(offset) is not a valid entry (\(error.code.rawValue))")
        }
        guard entry.seq == Int64(size), entry.hash == head else {
            return mismatch("the line ending at byte \(offset) is entry \(entry.seq) with hash \(entry.hash)")
        }
        return .success(Replay.Resume(state: state, lines: Int(size), offset: offset))
    }
}

/// `verify --state` and `verify --since`: a verify that also computes the tree's root and writes
/// the auditor's state when there are no findings.
public enum IncrementalAudit {
    /// Verifies `ledger` (everything, or after `from`), extending the tree from `from`'s edge.
    /// Returns the report and, when it has no findings, the new state (not yet saved).
    public static func verify(ledger: String, from: AuditorState?, resume: Replay.Resume?, recompute: Bool, now: Int64?) throws -> (AuditReport, AuditorState?) {
        var tree = from?.tree ?? RootStream()
        var last: Replay.Result?
        let report = try Auditor.verify(path: ledger, recompute: recompute, now: now, resume: resume,
                                        onLine: { tree.append(leafHash: Merkle.leafHash($0.bytes)) }, final: { last = $0 })
        guard report.findings.isEmpty, let r = last, let state = r.state, UInt64(r.lines) == tree.size else { return (report, nil) }
        let lastLength = r.lines == resume?.lines ? (from?.lastLineLength ?? r.lastLineLength) : r.lastLineLength
        return (report, AuditorState(state: state, size: tree.size, offset: r.validLength, lastLineLength: lastLength, tree: tree))
    }
}
