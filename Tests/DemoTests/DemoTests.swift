import TestSupport
import Files
import Audit
import Client
import Demo
import Foundation
import LedgerStore
import LedgerCrypto
import Testing

/// The demo is the project's own reproducible record: `ledger/ledger.jsonl` is what the demo
/// writes. Set CROWDLEDGER_RECORD=1 to write a new baseline (the test then fails, so a baseline
/// is never accepted silently); review it with `git diff ledger/` before committing.
@Suite struct DemoTests {
    @Test func demoRunsVerifiesAndMatchesTheRecordedLedger() throws {
        let tmp = try TempDirectory()
        var lines: [String] = []
        let summary = try Demo(directory: tmp.path, dataPath: fixturePath("data/digits.csv.gz")) { lines.append($0) }.run()
        #expect(summary.report.findings.isEmpty)
        #expect(summary.report.recomputed == 2)  // training and evaluation; hash-iterate disagreed
        #expect(summary.sellerPaid == (summary.correct * 10 >= summary.k * 9))
        #expect(summary.k == 200)
        #expect(lines.contains { $0.contains("carol +50 (disagreement)") })
        #expect(lines.last?.contains("verify --recompute --json") == true)

        let produced = try FileIO.readAll(summary.ledgerPath)
        let recorded = repositoryRoot + "/ledger/ledger.jsonl"
        if ProcessInfo.processInfo.environment["CROWDLEDGER_RECORD"] == "1" {
            try Record.write(from: tmp.path, to: repositoryRoot + "/ledger")
            Issue.record("wrote a new baseline to ledger/; review it and run the tests again without CROWDLEDGER_RECORD")
            return
        }
        let expected = try FileIO.readAll(recorded)
        #expect(produced == expected, "the demo's ledger differs from ledger/ledger.jsonl (re-record with CROWDLEDGER_RECORD=1 and review)")
        // The recorded blobs are the demo's blobs.
        let (state, closed) = try Session.closedTasks(path: recorded)
        for task in closed + state.tasks.values {
            for input in task.inputs { #expect(BlobStore(ledgerPath: recorded).contains(input.digest)) }
        }
        // The recorded ledger passes a full audit on its own.
        #expect(try Auditor.verify(path: recorded, recompute: true).findings.isEmpty)
    }

    @Test func demoRefusesADirectoryWithALedger() throws {
        let tmp = try TempDirectory()
        _ = try Demo(directory: tmp.path, dataPath: fixturePath("data/digits.csv.gz")) { _ in }.run()
        #expect(throws: ClientError.self) { try Demo(directory: tmp.path, dataPath: fixturePath("data/digits.csv.gz")) { _ in }.run() }
    }
}

enum Record {
    /// Copies the demo's ledger and blob store (not its keys or openings) into `dir`.
    static func write(from demoDir: String, to dir: String) throws {
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir + "/ledger.jsonl")
        try? fm.removeItem(atPath: dir + "/ledger.blobs")
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try fm.copyItem(atPath: demoDir + "/ledger.jsonl", toPath: dir + "/ledger.jsonl")
        try fm.copyItem(atPath: demoDir + "/ledger.blobs", toPath: dir + "/ledger.blobs")
    }
}
