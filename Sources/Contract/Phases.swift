import CanonicalJSON
import Incentives
import LedgerCrypto
import Ledger
import Programs
import Synchronization

extension Contract {
    // MARK: - join: {"task"} — escrows the deposit; the first n workers are in.

    static func applyJoin(_ state: inout LedgerState, _ entry: Entry, _ body: Body) throws(LedgerFinding) {
        try body.allowOnly(["task"])
        let t = try task(state, body)
        try open(t, body)
        let worker = entry.tx.party!
        guard worker != t.requester else { throw body.fail("the requester cannot work on its own task") }
        guard !t.isFilled else { throw body.fail("task \(t.id) is full (\(t.workers) of \(t.workers) workers joined)") }
        guard entry.time <= t.joinDeadline else {
            throw body.fail("the join window of task \(t.id) closed at \(t.joinDeadline) (entry time \(entry.time))")
        }
        guard !t.joined.contains(worker) else { throw body.fail("\(worker) has already joined task \(t.id)") }
        if let allow = t.allow, !allow.contains(worker) { throw body.fail("\(worker) is not on task \(t.id)'s allow-list") }
        try debit(state, worker, t.deposit, body, "cannot escrow the deposit")
        let escrowed = try add(t.escrowed, t.deposit, body, "task escrow")
        withdraw(&state, worker, t.deposit)
        state.escrow += t.deposit
        state.tasks[t.id]!.escrowed = escrowed
        state.tasks[t.id]!.joined.append(worker)
        if state.tasks[t.id]!.isFilled { state.tasks[t.id]!.filledAt = entry.time }
    }

    // MARK: - coin: {"coin":r,"task"} — the requester opens the coin it committed to.

    static func applyCoin(_ state: inout LedgerState, _ entry: Entry, _ body: Body) throws(LedgerFinding) {
        try body.allowOnly(["coin", "task"])
        let t = try task(state, body)
        try open(t, body)
        guard entry.tx.party == t.requester else { throw body.fail("only the requester \(t.requester) may release the coin") }
        guard case .committed(let commitment) = t.coinMode else { throw body.fail("task \(t.id) has a public coin; there is nothing to release") }
        guard t.isFilled, let deadline = t.coinDeadline else { throw body.fail("task \(t.id) has not filled yet (\(t.joined.count) of \(t.workers) workers)") }
        guard t.coin == nil else { throw body.fail("the coin of task \(t.id) was already released") }
        guard entry.time <= deadline else { throw body.fail("the coin window of task \(t.id) closed at \(deadline) (entry time \(entry.time))") }
        let coin = try body.hex("coin", bytes: 32)
        guard Hex.encode(Commitments.coinCommitment(Hex.decode(coin)!)) == commitment else {
            throw body.fail("the coin does not open the commitment \(commitment) published with task \(t.id)")
        }
        state.tasks[t.id]!.coin = coin
        state.tasks[t.id]!.coinAt = entry.time
    }

    // MARK: - commit: {"commitment","task"}

    static func applyCommit(_ state: inout LedgerState, _ entry: Entry, _ body: Body) throws(LedgerFinding) {
        try body.allowOnly(["commitment", "task"])
        let t = try task(state, body)
        try open(t, body)
        let worker = entry.tx.party!
        guard t.joined.contains(worker) else { throw body.fail("\(worker) is not a worker of task \(t.id)") }
        guard t.coinHex != nil, let deadline = t.commitDeadline else {
            throw body.fail("task \(t.id) is not in its commit phase yet (phase \(t.phase(at: entry.time).rawValue))")
        }
        guard t.commits[worker] == nil else { throw body.fail("\(worker) has already committed to task \(t.id)") }
        guard entry.time <= deadline else {
            throw body.fail("the commit window of task \(t.id) closed at \(deadline) (entry time \(entry.time))")
        }
        let c = try body.hex("commitment", bytes: 32)
        if let other = t.commits.first(where: { $0.value == c }) {
            throw body.fail("commitment \(c) is already the commitment of worker \(other.key): a copied commitment is refused")
        }
        state.tasks[t.id]!.commits[worker] = c
        if state.tasks[t.id]!.allCommitted { state.tasks[t.id]!.lastCommitAt = entry.time }
    }

    // MARK: - reveal: {"digest","secret","size","task"[,"data"]}

    static func applyReveal(_ state: inout LedgerState, _ entry: Entry, _ body: Body) throws(LedgerFinding) {
        try body.allowOnly(["digest", "secret", "size", "task"], optional: ["data"])
        let t = try task(state, body)
        try open(t, body)
        let worker = entry.tx.party!
        guard let commitment = t.commits[worker] else { throw body.fail("\(worker) has no commitment on task \(t.id) to open") }
        guard t.reveals[worker] == nil else { throw body.fail("\(worker) has already revealed on task \(t.id)") }
        guard let cd = t.commitDeadline, let rd = t.revealDeadline else { throw body.fail("task \(t.id) is not in its reveal phase") }
        guard t.allCommitted || entry.time > cd else {
            throw body.fail("task \(t.id) is still in its commit phase until \(cd) or until every worker has committed; revealing now would let others copy")
        }
        guard entry.time <= rd else { throw body.fail("the reveal window of task \(t.id) closed at \(rd) (entry time \(entry.time))") }
        let secret = try body.hex("secret", bytes: 32)
        let digest = try body.hex("digest", bytes: 32)
        let size = try body.int("size", max: t.maxResultSize)
        let mustInline = size <= inlineResultLimit || t.program.name == EvalClassifier.name
        var data: [UInt8]?
        if body.has("data") {
            guard mustInline else { throw body.fail("results over \(inlineResultLimit) bytes are revealed by digest, not inline") }
            guard let d = body.object["data"]?.stringValue, d.utf8.count % 2 == 0, let bytes = Hex.decode(d) else {
                throw body.fail("data must be lower-case hex")
            }
            guard Int64(bytes.count) == size else { throw body.fail("data holds \(bytes.count) bytes, size says \(size)") }
            guard SHA256.hex(bytes) == digest else { throw body.fail("data does not hash to digest \(digest)") }
            data = bytes
        } else if mustInline {
            throw body.fail("a result of \(size) bytes must be revealed inline (data)")
        }
        let expected = Commitments.commitment(task: Hex.decode(t.id)!, worker: Hex.decode(worker)!, secret: Hex.decode(secret)!,
                                              size: size, digest: Hex.decode(digest)!)
        let outcome: WorkerOutcome
        if Hex.encode(expected) != commitment {
            outcome = .wrongOpening
        } else if isTrivial(t, digest: digest, size: size, data: data) {
            outcome = .trivialResult
        } else {
            outcome = .revealed(resultID: digest)
        }
        state.tasks[t.id]!.reveals[worker] = Reveal(secret: secret, digest: digest, size: size, data: data, time: entry.time, outcome: outcome)
    }

    /// E_ck, the common-knowledge trivial results, treated as "not submitted": the empty result,
    /// a result of one repeated byte 0x00 or 0xff, a result equal to one of the task's inputs, and
    /// any digest listed at publish.
    public static func isTrivial(_ t: TaskState, digest: String, size: Int64, data: [UInt8]?) -> Bool {
        if size == 0 { return true }
        if t.eck.contains(digest) { return true }
        if t.inputs.contains(where: { $0.digest == digest }) { return true }
        if let data { return data.allSatisfy { $0 == 0x00 } || data.allSatisfy { $0 == 0xff } }
        return ConstantDigests.matches(digest, size: size)
    }

    // MARK: - cancel: {"payouts","task"} — the requester withdraws a task that has not filled.

    static func applyCancel(_ state: inout LedgerState, _ entry: Entry, _ body: Body) throws(LedgerFinding) {
        try body.allowOnly(["payouts", "task"])
        let t = try task(state, body)
        try open(t, body)
        guard entry.tx.party == t.requester else { throw body.fail("only the requester \(t.requester) may cancel task \(t.id)") }
        guard !t.isFilled else { throw body.fail("task \(t.id) has filled (\(t.workers) workers); it can no longer be cancelled") }
        let expected = refunds(t, clause: "cancel-refund")
        try checkConserved(t, expected, body)
        try checkPayouts(body, recorded: body.object["payouts"], expected: expected.payouts)
        close(&state, t, expected, phase: .cancelled, seq: entry.seq)
    }

    // MARK: - settle (unsigned): {"outcome","payouts","burned","task"[,"result"]}

    static func applySettle(_ state: inout LedgerState, _ entry: Entry, _ body: Body) throws(LedgerFinding) {
        try body.allowOnly(["burned", "outcome", "payouts", "task"], optional: ["result"])
        let t = try task(state, body)
        try open(t, body)
        let expected = try settlement(t, at: entry.time, line: body.line)
        try checkConserved(t, expected, body)
        let recordedOutcome = try body.string("outcome")
        guard recordedOutcome == expected.outcome else {
            throw LedgerFinding(.settlementMismatch, line: body.line,
                                "settle: recorded outcome \(recordedOutcome), but the history gives \(expected.outcome)")
        }
        try checkPayouts(body, recorded: body.object["payouts"], expected: expected.payouts)
        let burned = try body.int("burned")
        guard burned == expected.burned else {
            throw LedgerFinding(.settlementMismatch, line: body.line, "settle: recorded burned \(burned), recomputed \(expected.burned)")
        }
        let result = body.object["result"]?.stringValue
        guard result == expected.result, body.has("result") == (expected.result != nil) else {
            throw LedgerFinding(.settlementMismatch, line: body.line,
                                "settle: recorded agreed result \(result ?? "none"), recomputed \(expected.result ?? "none")")
        }
        close(&state, t, expected, phase: expected.outcome == "settled" ? .settled : .aborted, seq: entry.seq)
    }

    /// A closing pays out exactly what the task holds: nothing is created or lost.
    static func checkConserved(_ t: TaskState, _ s: SettlementRecord, _ body: Body) throws(LedgerFinding) {
        var total = s.burned
        for p in s.payouts { total = try add(total, p.amount, body, "the payouts") }
        guard total == t.escrowed else {
            throw LedgerFinding(.conservation, line: body.line, "\(body.kind): payouts and burned total \(total), but task \(t.id) holds \(t.escrowed)")
        }
    }

    static func checkPayouts(_ body: Body, recorded: JSON?, expected: [Payout]) throws(LedgerFinding) {
        guard let list = recorded?.arrayValue else { throw body.fail("payouts must be an array") }
        for (i, e) in expected.enumerated() {
            guard i < list.count else {
                throw LedgerFinding(.settlementMismatch, line: body.line,
                                    "\(body.kind): payout \(i + 1) is missing: recomputed \(e.amount) to \(e.account) (\(e.clause))")
            }
            guard list[i] == e.json else {
                let r = list[i]
                throw LedgerFinding(.settlementMismatch, line: body.line,
                                    "\(body.kind): payout \(i + 1) recorded \(r["amount"]?.intValue.map(String.init) ?? "?") to \(r["account"]?.stringValue ?? "?") (\(r["clause"]?.stringValue ?? "?")), recomputed \(e.amount) to \(e.account) (\(e.clause))")
            }
        }
        guard list.count == expected.count else {
            throw LedgerFinding(.settlementMismatch, line: body.line,
                                "\(body.kind): \(list.count) payouts recorded, \(expected.count) recomputed")
        }
    }

    /// Pays out a closing task. The escrow shrinks by exactly what the task held.
    static func close(_ state: inout LedgerState, _ t: TaskState, _ s: SettlementRecord, phase: TaskPhase, seq: Int64) {
        for p in s.payouts { credit(&state, p.account, p.amount) }
        state.burned += s.burned
        state.escrow -= t.escrowed
        state.tasks[t.id]!.escrowed = 0
        state.tasks[t.id]!.closed = phase
        state.tasks[t.id]!.closedSeq = seq
        state.tasks[t.id]!.agreedResult = s.result
        // Inline result bytes are needed only to settle (the evaluation payment); once closed,
        // the digests and outcomes are what anyone reads, so the state stays small per task.
        for (worker, r) in t.reveals where r.data != nil {
            state.tasks[t.id]!.reveals[worker] = Reveal(secret: r.secret, digest: r.digest, size: r.size, data: nil,
                                                        time: r.time, outcome: r.outcome)
        }
    }
}

/// Digests of results made of one repeated byte (0x00 or 0xff), by size, computed once per size.
enum ConstantDigests {
    private static let cache = Mutex<[Int64: (String, String)]>([:])

    static func matches(_ digest: String, size: Int64) -> Bool {
        let pair = cache.withLock { cache -> (String, String) in
            if let p = cache[size] { return p }
            var z = SHA256(), f = SHA256()
            let chunkZ = [UInt8](repeating: 0, count: 1 << 16), chunkF = [UInt8](repeating: 0xff, count: 1 << 16)
            var left = size
            while left > 0 {
                let n = Int(min(left, Int64(chunkZ.count)))
                z.update(chunkZ[0..<n]); f.update(chunkF[0..<n])
                left -= Int64(n)
            }
            let p = (Hex.encode(z.finalize()), Hex.encode(f.finalize()))
            if cache.count > 64 { cache.removeAll() }
            cache[size] = p
            return p
        }
        return digest == pair.0 || digest == pair.1
    }
}
