public import Contract
import Dispatch
import Synchronization
public import LedgerModel
public import LedgerStore
import LedgerCrypto

/// Replays a ledger file from its first line: parses and checks each line, checks the chain and
/// every signature, and applies every entry through the contract. It streams in batches, so memory
/// depends on the batch size and the contract state, not on the file's length; within a batch,
/// lines are parsed and signatures verified on every core, then applied in order.
public struct Replay {
    public struct Options: Sendable {
        public var verifySignatures = true
        /// Stop at the first finding (appending needs only to know the ledger is valid).
        public var stopAtFirstFinding = false
        /// A reader not holding the writer's lock: a last line without a newline is read again
        /// after taking a shared lock (waiting for an append in progress) before it is a torn
        /// tail. Never set it while holding the exclusive lock on the same file.
        public var waitForWriters = false
        /// Lines per pipeline stage: up to `pipelineDepth` + 1 batches are in memory at once (with
        /// their parsed entries).
        public var batchSize = 1024
        /// Batches read ahead and being parsed while one is applied (with more than one thread).
        public var pipelineDepth = 3
        /// Read each transaction's body by its kind in the parallel stage too (off the thread that
        /// applies entries in order).
        var readBodies = true
        public var threads = max(1, System.coreCount)
        /// The auditor's clock plus the tolerance: an entry whose time is later is reported
        /// `future-time` (and still applied). nil: no check (appending checks its own clock).
        public var notAfter: Int64?
        public init() {}
    }

    public struct Result: Sendable {
        /// The state after every entry that applied (nil when genesis itself is bad).
        public var state: LedgerState?
        public var findings: [LedgerFinding] = []
        public var lines = 0
        /// The file ends in a line without a newline (an interrupted append).
        public var tornTail: RawLine?
        /// Bytes up to the end of the last complete line.
        public var validLength: Int64 = 0
        /// The length of the last complete line (without its newline).
        public var lastLineLength = 0
        public var isValid: Bool { findings.isEmpty }
    }

    /// Where a replay may resume: the state after the first `lines` lines, which end at byte
    /// `offset` of the file (see `StateCache`, which checks that they are
    /// still the lines it was made from).
    public struct Resume: Sendable {
        public let state: LedgerState
        public let lines: Int
        public let offset: Int64
        /// The first `signedLines` lines (ending at byte `signedOffset`) had their signatures
        /// checked when this state was built; the lines after them, up to `lines`, did not (a
        /// read-only command built it). `signedLines <= lines`.
        public var signedLines: Int
        public var signedOffset: Int64
        public var signaturesChecked: Bool { signedLines == lines }
        public init(state: LedgerState, lines: Int, offset: Int64, signedLines: Int? = nil, signedOffset: Int64? = nil) {
            self.state = state
            self.lines = lines
            self.offset = offset
            self.signedLines = signedLines ?? lines
            self.signedOffset = signedOffset ?? offset
        }
    }

    /// Checks the signatures (and keys) of lines `fromLine + 1 ... throughLine` — which start at
    /// byte `offset` — on every core, without applying them; returns the first finding.
    /// An append calls it over the part of a state cache that a read built without signatures.
    public static func checkSignatures(path: String, fromLine: Int, offset: Int64, throughLine: Int,
                                       options: Options = Options()) throws -> LedgerFinding? {
        var reader = try LineReader(path: path, offset: offset, lineNumber: fromLine)
        var options = options
        options.verifySignatures = true
        options.readBodies = false
        let caches = VerifierCaches()
        var done = false
        while !done {
            var batch: [RawLine] = []
            batch.reserveCapacity(options.batchSize)
            while batch.count < options.batchSize, let line = try reader.next() {
                batch.append(line)
                if line.number >= throughLine { done = true; break }
            }
            if batch.isEmpty { break }
            for (raw, parsed) in zip(batch, parseBatch(batch, options: options, caches: caches)) {
                if !raw.terminated {
                    return LedgerFinding(.tornTail, line: raw.number, "the line has no newline")
                }
                if let f = parsed.finding { return f }
            }
        }
        return nil
    }

    /// Replays `path` (from `resume`, when given, checking only the lines after it).
    /// `onEntry` sees each entry that applied, with the state after it; `onLine` every whole
    /// line replayed (valid or not), in order, before it is checked; `onClose` each task an entry
    /// closed (it has left the state, which holds open tasks only), before that entry's `onEntry`.
    public static func run(path: String, options: Options = Options(), resume: Resume? = nil,
                           onEntry: ((Entry, LedgerState) -> Void)? = nil,
                           onLine: ((RawLine) -> Void)? = nil,
                           onClose: ((TaskState) -> Void)? = nil) throws -> Result {
        var reader = try LineReader(path: path, offset: resume?.offset ?? 0, lineNumber: resume?.lines ?? 0,
                                    waitsForWriter: options.waitForWriters)
        var result = Result()
        var prevHash: String?      // nil after a line that could not be read
        var prevTime: Int64 = 0
        // The state while the lines are applied; `result.state` at the end. (A separate local,
        // with a flag saying it is set: applying through `&result.state!` and testing the
        // optional cost a copy of the whole state per entry.)
        var state: LedgerState?
        if let resume {
            state = resume.state
            result.lines = resume.lines
            result.validLength = resume.offset
            prevHash = resume.state.head
            prevTime = resume.state.time
        }
        var done = false
        var haveState = state != nil

        func process(_ lines: [RawLine], _ parsed: [Parsed]) {
            for k in lines.indices {
                if done { return }
                let raw = lines[k]
                result.lines = raw.number
                func report(_ f: LedgerFinding) {
                    result.findings.append(f)
                    if options.stopAtFirstFinding { done = true }
                }
                if !raw.terminated {
                    result.tornTail = raw
                    report(LedgerFinding(.tornTail, line: raw.number,
                                         "the last line has no newline: an append was interrupted (\(raw.bytes.count) bytes); `crowdledger repair` removes it, keeping a backup"))
                    return
                }
                result.validLength = raw.offset + Int64(raw.bytes.count) + 1
                result.lastLineLength = raw.bytes.count
                onLine?(raw)
                guard let entry = parsed[k].entry else {
                    report(parsed[k].finding!)
                    prevHash = nil
                    continue
                }
                // The chain: position, link, time order.
                var chainOK = true
                if entry.seq != Int64(raw.number) {
                    report(LedgerFinding(.badPosition, line: raw.number, "seq is \(entry.seq) on line \(raw.number)")); chainOK = false
                }
                if raw.number == 1 {
                    if entry.link != Entry.zeroLink {
                        report(LedgerFinding(.badLink, line: 1, "genesis must link to 64 zeros")); chainOK = false
                    }
                } else if let prevHash, entry.link != prevHash {
                    report(LedgerFinding(.badLink, line: raw.number,
                                         "link \(entry.link) is not the hash \(prevHash) of line \(raw.number - 1)")); chainOK = false
                }
                if raw.number > 1 && entry.time < prevTime {
                    report(LedgerFinding(.timeDecreases, line: raw.number,
                                         "time \(entry.time) is before the previous entry's time \(prevTime)")); chainOK = false
                }
                if let limit = options.notAfter, entry.time > limit {
                    report(LedgerFinding(.futureTime, line: raw.number,
                                         "time \(entry.time) is later than the auditor's clock plus the tolerance (\(limit)): the appender's clock was ahead, or the time was forged"))
                }
                prevHash = entry.hash
                prevTime = max(prevTime, entry.time)
                if let f = parsed[k].finding { report(f); chainOK = false }
                if done { return }
                guard chainOK else { continue }
                // The contract. An entry with a weak party key has its `weak-key` finding from
                // `parseBatch` and stopped above, so `apply` need not check the key again.
                if raw.number == 1 {
                    do throws(LedgerFinding) { state = try Contract.genesis(entry); haveState = true } catch { report(error); done = true; return }
                } else if !haveState {
                    continue
                } else {
                    do throws(LedgerFinding) {
                        if let closed = try Contract.apply(&state!, entry, body: parsed[k].body, partyKeyChecked: true) { onClose?(closed) }
                    } catch { report(error); continue }
                }
                if let onEntry { onEntry(entry, state!) }
            }
        }

        // A pipeline: up to `depth` batches are read ahead and parsed, their signatures verified,
        // on every core, while this thread applies the oldest parsed batch in order. Batches
        // overlap (the next one starts while the last chunks of the one before are still
        // running), so no core waits at a batch boundary; this thread reads the next batch while
        // the cores are busy.
        let depth = options.threads <= 1 ? 1 : options.pipelineDepth
        let caches = VerifierCaches()
        var inFlight: [(lines: [RawLine], box: ParsedBox, group: DispatchGroup)] = []
        var eof = false
        while !done {
            while !eof && inFlight.count < depth {
                var next: [RawLine] = []
                next.reserveCapacity(options.batchSize)
                while next.count < options.batchSize, let line = try reader.next() { next.append(line) }
                if next.isEmpty { eof = true; break }
                let box = ParsedBox()
                let group = DispatchGroup()
                let lines = next
                if depth == 1 {
                    box.parsed = parseBatch(lines, options: options, caches: caches)
                } else {
                    DispatchQueue.global().async(group: group) { box.parsed = parseBatch(lines, options: options, caches: caches) }
                }
                inFlight.append((next, box, group))
            }
            if inFlight.isEmpty { break }
            var oldest = inFlight.removeFirst()
            oldest.group.wait()
            process(oldest.lines, oldest.box.parsed)
            // Freeing the batch (its lines, entries and bodies) is work for another core: this
            // thread, which applies every entry in order, is the pipeline's serial part. The box
            // takes the lines, so the worker drops the last references to both.
            if depth > 1 {
                let garbage = oldest.box
                swap(&garbage.lines, &oldest.lines)
                DispatchQueue.global().async { garbage.lines = []; garbage.parsed = [] }
            }
        }
        for pending in inFlight { pending.group.wait() }  // stopped early: let the workers finish
        if result.lines == 0 && !done {
            result.findings.append(LedgerFinding(.emptyLedger, line: 0, "the file is empty: no genesis line"))
        }
        result.state = state
        if !done, let state { result.findings.append(contentsOf: conservation(state, line: result.lines)) }
        return result
    }

    /// Carries a batch's parse from the worker queue to the replaying thread (the group's wait
    /// orders the write before the read).
    final class ParsedBox: @unchecked Sendable {
        var parsed: [Parsed] = []
        /// The batch's lines, handed over to be freed with the parse.
        var lines: [RawLine] = []
    }

    /// A parsed line: the entry when the line could be read, and a finding when it could not or
    /// when its signature does not verify (then both are set).
    struct Parsed: Sendable {
        var entry: Entry?
        var finding: LedgerFinding?
        /// The entry's body read by its kind (for `Contract.apply`), for lines after the first.
        var body: Swift.Result<TypedBody, LedgerFinding>?
    }

    /// Per-party verifiers (a decoded key and a context each), lent to one chunk at a time: a
    /// party's key is decoded once per cache, and there are about as many caches as threads.
    final class VerifierCaches: @unchecked Sendable {
        final class Cache: @unchecked Sendable {
            var verifiers: [String: Ed25519.Verifier] = [:]
            /// Hashes the lines of the chunk that holds this cache (one OpenSSL context, reused).
            var lineHasher = SHA256()
        }
        private let free = Mutex<[Cache]>([])
        func take() -> Cache { free.withLock { $0.popLast() } ?? Cache() }
        func give(_ cache: Cache) { free.withLock { $0.append(cache) } }
    }

    /// Lines per parallel chunk: small, so that the cores finish a batch together.
    static let chunkLines = 16

    /// Parses each line and (in the same parallel pass) verifies the signature of signed kinds.
    static func parseBatch(_ lines: [RawLine], options: Options, caches: VerifierCaches) -> [Parsed] {
        var out = [Parsed](repeating: Parsed(), count: lines.count)
        let chunks = options.threads <= 1 ? 1 : max(1, lines.count / chunkLines)
        out.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            nonisolated(unsafe) let ptr = base
            let work: @Sendable (Int) -> Void = { c in
                let cache = caches.take()
                defer { caches.give(cache) }
                let lo = lines.count * c / chunks, hi = lines.count * (c + 1) / chunks
                for i in lo..<hi {
                    let raw = lines[i]
                    guard raw.terminated else { continue }
                    do throws(LedgerFinding) {
                        let e = try Entry.parse(line: raw.bytes, lineNumber: raw.number, hasher: &cache.lineHasher)
                        ptr[i].entry = e
                        if options.readBodies && raw.number > 1 {
                            do throws(LedgerFinding) {
                                ptr[i].body = .success(try TypedBody.parse(e.tx, line: Int(e.seq)))
                            } catch {
                                ptr[i].body = .failure(error)
                            }
                        }
                        if let party = e.tx.party, let w = Ed25519.weakness(ofAccount: party) {
                            ptr[i].finding = LedgerFinding(.weakKey, line: raw.number,
                                                           "party \(party) of this \(e.tx.kind) is a \(w == .smallOrder ? "small-order" : "non-canonically encoded") Ed25519 key: its signatures prove nothing")
                        } else if options.verifySignatures && e.tx.isSigned && !e.tx.hasValidSignature(cache: &cache.verifiers) {
                            ptr[i].finding = LedgerFinding(.badSignature, line: raw.number,
                                                           "the signature of this \(e.tx.kind) does not verify under party \(e.tx.party!)")
                        }
                    } catch {
                        ptr[i].finding = error
                    }
                }
            }
            if chunks == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
        }
        return out
    }

    /// balances + escrow + burned must equal what genesis allocated; no balance is negative.
    public static func conservation(_ state: LedgerState, line: Int) -> [LedgerFinding] {
        var findings: [LedgerFinding] = []
        var sum: Int64 = 0
        var overflow = false
        for (account, b) in state.balances {
            if b < 0 { findings.append(LedgerFinding(.negativeBalance, line: line, "account \(account) has a negative balance \(b)")) }
            let (s, o) = sum.addingReportingOverflow(b); sum = s; overflow = overflow || o
        }
        let (s1, o1) = sum.addingReportingOverflow(state.escrow)
        let (s2, o2) = s1.addingReportingOverflow(state.burned)
        if overflow || o1 || o2 || s2 != state.genesisTotal {
            findings.append(LedgerFinding(.conservation, line: line,
                                          "balances \(sum) + escrow \(state.escrow) + burned \(state.burned) != genesis total \(state.genesisTotal)"))
        }
        return findings
    }
}

public enum System {
    public static var coreCount: Int {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
