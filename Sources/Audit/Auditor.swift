public import CanonicalJSON
public import Contract
public import LedgerModel
public import LedgerStore
import LedgerCrypto
import Programs

/// `verify`: replay everything, collect every finding.
public struct AuditReport: Sendable {
    public var findings: [LedgerFinding]
    public var lines: Int
    /// The lines replayed by this run: all of them, or (verify --since) those after `since`.
    public var checked: Int = 0
    /// verify --since: the lines a verified state already covered (not replayed).
    public var since: Int?
    public var ledgerID: String?
    public var head: String?
    public var tasks: Int
    public var recomputed: Int
    /// Settled tasks with an agreed result that --recompute could not re-run (external programs).
    public var skipped: Int = 0

    public init(findings: [LedgerFinding], lines: Int, ledgerID: String?, head: String?, tasks: Int, recomputed: Int) {
        self.findings = findings
        self.lines = lines
        self.ledgerID = ledgerID
        self.head = head
        self.tasks = tasks
        self.recomputed = recomputed
    }

    public var json: JSON {
        .object([
            "checked": .int(Int64(checked)),
            "findings": .array(findings.map { .object(["code": .string($0.code.rawValue), "line": .int(Int64($0.line)), "message": .string($0.message)]) }),
            "head": head.map(JSON.string) ?? .null,
            "ledger": ledgerID.map(JSON.string) ?? .null,
            "lines": .int(Int64(lines)),
            "recomputed": .int(Int64(recomputed)),
            "skipped": .int(Int64(skipped)),
            "tasks": .int(Int64(tasks)),
            "valid": .bool(findings.isEmpty),
        ])
    }

    public var summary: String {
        var s = "ok: "
        if let since {
            s += checked == 0 ? "no new entries after the \(since) verified; "
                : "\(checked) new \(checked == 1 ? "entry" : "entries") checked (lines \(since + 1)-\(lines)) after the \(since) verified; "
        }
        s += "\(lines) \(lines == 1 ? "entry" : "entries"), \(tasks) \(tasks == 1 ? "task" : "tasks"); ledger \(ledgerID ?? "?"); head \(head ?? "?")"
        if recomputed > 0 { s += "; recomputed \(recomputed) settled task result(s)" }
        if skipped > 0 { s += "; skipped \(skipped) external-program task(s) (their programs are not on the ledger)" }
        return s
    }
}

public enum Auditor {
    /// How far (seconds) an entry's time may be ahead of the auditor's clock (`now`).
    public static let futureTolerance: Int64 = 300

    /// Replays and checks everything. `now` is the auditor's clock (Unix seconds): entries later
    /// than `now` + ``futureTolerance`` are `future-time`; nil skips that check.
    ///
    /// With `resume` (verify --since: a state the caller has shown to still be the ledger's
    /// prefix), only the lines after it are replayed, and only blobs and settled tasks that those
    /// lines name are checked. `onLine` sees every whole line replayed; `final` the state after
    /// the last line.
    public static func verify(path: String, recompute: Bool = false, now: Int64? = nil, resume: Replay.Resume? = nil,
                              onLine: ((RawLine) -> Void)? = nil, final: ((Replay.Result) -> Void)? = nil) throws -> AuditReport {
        var options = Replay.Options()
        options.waitForWriters = true
        if let now { options.notAfter = now > Int64.max - futureTolerance ? Int64.max : now + futureTolerance }
        let since = resume?.lines ?? 0
        let blobs = BlobStore(ledgerPath: path)
        // Closed tasks leave the state: each is checked as the replay closes it, then forgotten,
        // so memory stays bounded by the open state. Their findings are reported in publish
        // order of their tasks, as for the open ones checked at the end.
        var blobFindings: [(publishSeq: Int64, findings: [LedgerFinding])] = []
        var recomputeFindings: [(publishSeq: Int64, findings: [LedgerFinding])] = []
        var recomputed = 0, skipped = 0
        func check(_ t: TaskState) {
            let f = BlobAudit.check(task: t, blobs: blobs, since: since)
            if !f.isEmpty { blobFindings.append((t.publishSeq, f)) }
            if recompute {
                let r = Recompute.check(task: t, blobs: blobs, since: since)
                if !r.findings.isEmpty { recomputeFindings.append((t.publishSeq, r.findings)) }
                recomputed += r.count
                skipped += r.skipped
            }
        }
        let replay = try Replay.run(path: path, options: options, resume: resume, onLine: onLine, onClose: check)
        final?(replay)
        var report = AuditReport(findings: replay.findings, lines: replay.lines, ledgerID: replay.state?.ledgerID,
                                 head: replay.state?.head, tasks: Int(replay.state?.taskCount ?? 0), recomputed: 0)
        report.checked = replay.lines - since
        report.since = resume?.lines
        if let state = replay.state {
            for id in state.taskOrder { check(state.tasks[id]!) }
            // The blob findings, then the recompute ones, each in publish order of their tasks.
            report.findings += blobFindings.sorted { $0.publishSeq < $1.publishSeq }.flatMap(\.findings)
            report.findings += recomputeFindings.sorted { $0.publishSeq < $1.publishSeq }.flatMap(\.findings)
        }
        if recompute {
            report.recomputed = recomputed
            report.skipped = skipped
        }
        return report
    }
}

/// Runs a task's built-in program on its inputs and coin.
public enum TaskRunner {
    public struct Failure: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// The task's inputs from the blob store, each checked against its published digest and size.
    public static func inputs(_ t: TaskState, blobs: BlobStore) throws(Failure) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for ref in t.inputs {
            do {
                let b = try blobs.get(ref.digest)
                guard Int64(b.count) == ref.size else { throw Failure(reason: "input \(ref.name): \(b.count) bytes, published \(ref.size)") }
                out.append(b)
            } catch let f as Failure {
                throw f
            } catch {
                throw Failure(reason: "input \(ref.name) (\(ref.digest)): \(error)")
            }
        }
        return out
    }

    public static func runBuiltin(_ t: TaskState, inputs: [[UInt8]]) throws(Failure) -> [UInt8] {
        guard t.program.name != "exec" else { throw Failure(reason: "task \(t.id) runs an external program") }
        guard let coin = t.coinHex.flatMap(Hex.decode) else { throw Failure(reason: "task \(t.id) has no coin yet") }
        do {
            return try Programs.run(name: t.program.name, inputs: inputs, coin: coin, params: .object(t.program.params))
        } catch {
            throw Failure(reason: "\(error)")  // program errors name their program
        }
    }
}

/// `verify --recompute`: re-runs the built-in program of every settled task whose workers agreed,
/// and flags an agreed result that is not the program's output (all workers agreeing on junk,
/// which the incentive mechanism alone cannot catch).
public enum Recompute {
    /// `t`, if it settled after line `since` (verify --since: the others were checked before)
    /// with an agreed result. The auditor calls it on each task as the replay closes it.
    public static func check(task t: TaskState, blobs: BlobStore, since: Int = 0) -> (findings: [LedgerFinding], count: Int, skipped: Int) {
        guard t.closed == .settled, let agreed = t.agreedResult, Int(t.closedSeq ?? 0) > since else { return ([], 0, 0) }
        guard t.program.name != "exec" else { return ([], 0, 1) }
        let line = Int(t.closedSeq ?? 0)
        do throws(TaskRunner.Failure) {
            let output = try TaskRunner.runBuiltin(t, inputs: try TaskRunner.inputs(t, blobs: blobs))
            let digest = SHA256.hex(output)
            guard digest == agreed else {
                return ([LedgerFinding(.recomputeMismatch, line: line,
                                       "task \(t.id): the workers agreed on \(agreed), but \(t.program.name) outputs \(digest)")], 1, 0)
            }
            return ([], 1, 0)
        } catch {
            return ([LedgerFinding(.recomputeFailed, line: line, "task \(t.id): cannot recompute: \(error.reason)")], 0, 0)
        }
    }
}

/// Blobs that are present must hash to the digest they are filed under and have the size the
/// ledger declares for them (task inputs: `blob-mismatch` on the publish line; results revealed
/// by digest: `blob-mismatch` on the reveal line). A result revealed by digest and counted
/// valid must not be constant (one repeated byte 0x00 or 0xff): `trivial-result` on the reveal
/// line (the contract, which never sees those bytes, cannot tell). A missing blob is not a
/// finding (the store is optional). The work is proportional to the blobs present.
public enum BlobAudit {
    /// The blobs task `t` names (with `since`, verify --since, only those named on lines after
    /// it). The auditor calls it on each task as the replay closes it, and on the open ones after.
    public static func check(task t: TaskState, blobs: BlobStore, since: Int = 0) -> [LedgerFinding] {
        var findings: [LedgerFinding] = []
        var seen = Set<String>()
        var refs: [(digest: String, size: Int64, line: Int, reveal: Reveal?)] =
            t.inputs.map { ($0.digest, $0.size, Int(t.publishSeq), nil) }
        for w in t.joined {
            guard let r = t.reveals[w], r.data == nil else { continue }
            refs.append((r.digest, r.size, Int(r.seq ?? 0), r))
        }
        for ref in refs where ref.line > since && blobs.contains(ref.digest) {
            let key = "\(ref.digest)/\(ref.size)/\(ref.line)"
            guard seen.insert(key).inserted else { continue }
            let bytes: [UInt8]
            // Never more than the declared size (plus zlib's worst-case overhead) is read.
            let declared = Int(min(ref.size, Int64(1) << 31))
            do { bytes = try blobs.get(ref.digest, limit: declared + declared / 64 + 4096) } catch {
                findings.append(LedgerFinding(.blobMismatch, line: ref.line, "blob \(ref.digest): \(error)"))
                continue
            }
            guard Int64(bytes.count) == ref.size else {
                findings.append(LedgerFinding(.blobMismatch, line: ref.line,
                                              "blob \(ref.digest) holds \(bytes.count) bytes; the ledger declares \(ref.size)"))
                continue
            }
            if let r = ref.reveal, case .revealed = r.outcome, ConstantResult.isConstant(bytes) {
                findings.append(LedgerFinding(.trivialResult, line: ref.line,
                                              "task \(t.id): the result \(ref.digest) revealed by digest is \(bytes.count) bytes of 0x\(bytes[0] == 0 ? "00" : "ff"), a trivial result (E_ck) counted as valid"))
            }
        }
        return findings
    }
}
