import Files
import Testing
import Audit
import CanonicalJSON
import Client
import LedgerModel
import LedgerCrypto

/// A settlement whose payouts were altered and the chain rebuilt after it (every link, hash and
/// signature valid) is still caught: the auditor recomputes every payout.
@Suite("Altered settlements")
struct TamperTests {
    /// Rewrites the ledger: `edit` may replace the body of the settle entry of `task`; every entry
    /// from there on is re-chained (new link and hash; signed transactions keep their signatures,
    /// which cover neither link nor time).
    static func rewrite(_ h: ProtocolHarness, task: String, _ edit: (JSONObject) -> JSONObject) throws -> Int {
        let text = try h.fileBytes()
        let lines = text.split(separator: 0x0a, omittingEmptySubsequences: false).dropLast().map(Array.init)
        var entries: [Entry] = []
        for (i, line) in lines.enumerated() { entries.append(try Entry.parse(line: line, lineNumber: i + 1)) }
        let index = try #require(entries.firstIndex { $0.tx.kind == "settle" && $0.tx.body["task"]?.stringValue == task })
        var out: [Entry] = Array(entries[..<index])
        for e in entries[index...] {
            var tx = e.tx
            if out.count == index {
                tx = Transaction(unsignedKind: "settle", body: edit(e.tx.body), ledger: e.tx.ledger)
            }
            out.append(Entry(seq: e.seq, link: out.last!.hash, time: e.time, tx: tx))
        }
        var bytes: [UInt8] = []
        for e in out { bytes += e.line + [0x0a] }
        try FileIO.replaceAtomically(h.path, contents: bytes)
        // The rewrite itself is well-formed: every line parses and hashes, every link holds, every
        // signature verifies.
        for (i, line) in bytes.split(separator: 0x0a).enumerated() {
            let e = try Entry.parse(line: Array(line), lineNumber: i + 1)
            if i > 0 { #expect(e.link == out[i - 1].hash) }
            if e.tx.isSigned { #expect(e.tx.hasValidSignature()) }
        }
        return index + 1
    }

    static func payouts(_ body: JSONObject, _ change: (inout [JSON]) -> Void) -> JSONObject {
        var b = body
        var list = body["payouts"]!.arrayValue!
        change(&list)
        b["payouts"] = .array(list)
        return b
    }

    static func payout(_ account: String, _ amount: Int64, _ clause: String) -> JSON {
        .object(["account": .string(account), "amount": .int(amount), "clause": .string(clause)])
    }

    @Test("payouts shifted from the burn to a failed worker, conserving the total, re-chained")
    func shiftedFromBurn() throws {
        let h = try ProtocolHarness(workers: 2)
        let played = try h.play(reward: 10, deposit: 4, strategies: [.truth, .silent])
        #expect(played.payouts == [RecordedPayout(account: h.id(0), amount: 2, clause: "half-refund-other-failed"),
                                   RecordedPayout(account: h.id(1), amount: 0, clause: "failed-no-commit"),
                                   RecordedPayout(account: h.requesterID, amount: 10, clause: "reward-refund")])
        // Later signed transactions, which must survive the re-chaining.
        try h.client.transfer(key: h.workers[0], to: h.id(1), amount: 3, time: h.tick())
        try h.client.transfer(key: h.requester, to: h.id(0), amount: 5, time: h.tick())
        try h.expectValid()

        let line = try Self.rewrite(h, task: played.task) { body in
            var b = Self.payouts(body) { $0[1] = Self.payout(h.id(1), 6, "failed-no-commit") }
            b["burned"] = .int(0)
            return b
        }
        let report = try Auditor.verify(path: h.path)
        #expect(!report.findings.isEmpty)
        #expect(report.findings.allSatisfy { ![.badLink, .badHash, .badSignature, .notCanonical, .badShape].contains($0.code) },
                "\(report.findings)")
        let mismatch = try #require(report.findings.first { $0.code == .settlementMismatch })
        #expect(mismatch.line == line)
        #expect(mismatch.message.contains(h.id(1)), "\(mismatch.message)")
        #expect(mismatch.message.contains("recorded 6"), "\(mismatch.message)")
        #expect(mismatch.message.contains("recomputed 0"), "\(mismatch.message)")
        #expect(report.findings.first?.code == .settlementMismatch)
        // And appending to the altered ledger is refused.
        do {
            try h.client.transfer(key: h.workers[0], to: h.id(1), amount: 1, time: h.tick())
            Issue.record("appended to an invalid ledger")
        } catch AppendError.invalidLedger(_, let f) {
            #expect(f.code == .settlementMismatch && f.line == line)
        }
    }

    @Test("an agreement payout raised at the requester's expense, re-chained")
    func raisedAgreement() throws {
        let h = try ProtocolHarness(workers: 3)
        let played = try h.play(reward: 31, deposit: 6, strategies: [.truth, .truth, .truth])
        // 31 = 3·10 + 1: each gets 6 + 10, the requester 1 back.
        #expect(played.payouts.map(\.amount) == [16, 16, 16, 1])
        try h.client.transfer(key: h.workers[2], to: h.requesterID, amount: 7, time: h.tick())
        let line = try Self.rewrite(h, task: played.task) { body in
            Self.payouts(body) { list in
                list[2] = Self.payout(h.id(2), 17, "agreement")
                list.removeLast()
            }
        }
        let report = try Auditor.verify(path: h.path)
        let mismatch = try #require(report.findings.first)
        #expect(mismatch.code == .settlementMismatch && mismatch.line == line)
        #expect(mismatch.message.contains("payout 3") && mismatch.message.contains(h.id(2)))
        #expect(mismatch.message.contains("recorded 17") && mismatch.message.contains("recomputed 16"), "\(mismatch.message)")
    }

    @Test("altered burned total, outcome, agreed result or payout count: each caught on the settle line")
    func otherAlterations() throws {
        let edits: [(String, String, (JSONObject) -> JSONObject)] = [
            ("burned", "recorded burned 5", { var b = $0; b["burned"] = .int(5); return b }),
            ("outcome", "recorded outcome aborted-join", { var b = $0; b["outcome"] = .string("aborted-join"); return b }),
            ("result", "recorded agreed result none", { var b = $0; b["result"] = nil; return b }),
            ("extra payout", "4 payouts recorded, 3 recomputed", { body in
                Self.payouts(body) { $0.append(Self.payout(String(repeating: "ab", count: 32), 0, "agreement")) }
            }),
        ]
        for (what, message, edit) in edits {
            let h = try ProtocolHarness(workers: 3)
            let played = try h.play(reward: 30, deposit: 4, strategies: [.truth, .truth, .truth])
            try h.client.transfer(key: h.workers[0], to: h.requesterID, amount: 1, time: h.tick())
            let line = try Self.rewrite(h, task: played.task, edit)
            let report = try Auditor.verify(path: h.path)
            let first = try #require(report.findings.first, "\(what)")
            #expect(first.code == .settlementMismatch && first.line == line, "\(what): \(report.findings)")
            #expect(first.message.contains(message), "\(what): \(first.message)")
        }
    }

    @Test("a re-chained ledger with the settlement unchanged still verifies (the rewrite is sound)")
    func unchangedRewrite() throws {
        let h = try ProtocolHarness(workers: 2)
        let played = try h.play(reward: 10, deposit: 4, strategies: [.truth, .junk("x")])
        try h.client.transfer(key: h.workers[1], to: h.id(0), amount: 1, time: h.tick())
        let before = try h.fileBytes()
        _ = try Self.rewrite(h, task: played.task) { $0 }
        #expect(try h.fileBytes() == before)
        try h.expectValid()
    }
}
