import TestSupport
import Files
import Audit
import CanonicalJSON
import Client
import Contract
import Foundation
import LedgerCrypto
import Programs
import Testing

/// `verify --recompute`: the one thing the incentive mechanism cannot catch — all n workers
/// agreeing on the same wrong result — is caught by re-running the built-in program.
@Suite struct RecomputeTests {
    func play(agreeOn wrong: Bool) throws -> (TempDirectory, LedgerClient, String) {
        let tmp = try TempDirectory()
        let client = LedgerClient(path: tmp.path + "/ledger.jsonl")
        let requester = try Actor("requester", in: tmp.path)
        let workers = try (0..<2).map { try Actor("w\($0)", in: tmp.path) }
        try client.create(allocations: [requester.id: 1000, workers[0].id: 100, workers[1].id: 100], time: 10)
        var spec = PublishSpec(program: HashIterate.name, reward: 20, deposit: 10, workers: 2)
        spec.params = ["iterations": 50]
        spec.inputs = [(name: "x", bytes: Array("input".utf8))]
        let task = try client.publish(key: requester.key, spec, time: 11).tx.id
        for w in workers { try client.join(key: w.key, task: task, time: 12) }
        try client.releaseCoin(key: requester.key, task: task, time: 13)
        let truth = try client.run(task: task)
        let result = wrong ? Array("the colluders' agreed junk\n".utf8) : truth
        for w in workers { try client.commit(key: w.key, task: task, result: result, openings: w.openings, time: 14) }
        for w in workers { try client.reveal(key: w.key, task: task, result: nil, openings: w.openings, time: 15) }
        try client.settle(task: task, time: 16)
        return (tmp, client, task)
    }

    @Test func honestLedgerPassesRecompute() throws {
        let (tmp, client, _) = try play(agreeOn: false)
        let report = try Auditor.verify(path: client.path, recompute: true)
        #expect(report.findings.isEmpty)
        #expect(report.recomputed == 1)
        _ = tmp
    }

    @Test func allWorkersAgreeingOnJunkIsFlagged() throws {
        let (tmp, client, task) = try play(agreeOn: true)
        // The mechanism paid them: the ledger itself is valid...
        let plain = try Auditor.verify(path: client.path)
        #expect(plain.findings.isEmpty)
        #expect(try Tasks.find(try client.state(), task, ledger: client.path).agreedResult == SHA256.hex(Array("the colluders' agreed junk\n".utf8)))
        // ...but recomputation shows the agreed result is not the program's output.
        let report = try Auditor.verify(path: client.path, recompute: true)
        let finding = try #require(report.findings.first)
        #expect(finding.code == .recomputeMismatch)
        #expect(finding.message.contains(task))
        #expect(finding.line == 10)  // genesis, publish, 2 joins, coin, 2 commits, 2 reveals, then the settle
        _ = tmp
    }

    @Test func missingInputIsReportedNotIgnored() throws {
        let (tmp, client, _) = try play(agreeOn: false)
        // Remove the blob store: recomputation cannot run, and says so.
        try FileManager.default.removeItem(atPath: client.blobs.directory)
        let report = try Auditor.verify(path: client.path, recompute: true)
        #expect(report.findings.map(\.code) == [.recomputeFailed])
        _ = tmp
    }

    @Test func corruptBlobIsFlagged() throws {
        let (tmp, client, _) = try play(agreeOn: false)
        let input = try #require(try Session.closedTasks(path: client.path).closed.first).inputs[0].digest
        // Replace the blob file's content with another valid zlib stream.
        try FileIO.replaceAtomically(client.blobs.path(of: input), contents: try Zlib.compress(Array("other".utf8)))
        let report = try Auditor.verify(path: client.path)
        #expect(report.findings.map(\.code) == [.blobMismatch])
        _ = tmp
    }
}
