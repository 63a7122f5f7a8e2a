// `status TASK`: a closed task shows when it closed (its closing line's time and number) and
// every payout that line records; an open task's deadlines come in protocol order, and those
// already behind the clock are marked.
import CanonicalJSON
import Client
import Foundation
import TestSupport
import Testing

@Suite("status TASK: closing time, payouts, deadlines")
struct StatusDetailTests {
    @Test("every closed task of the project's record shows its closing line's time and number, and its payouts")
    func closedTasks() throws {
        let ledger = CLI.packageRoot.appendingPathComponent("ledger/ledger.jsonl").path
        let log = CLI.run(["log", "--ledger", ledger, "--json"])
        try #require(log.status == 0, "\(log)")
        let entries = try log.lines.map { try #require(try JSON.parse($0).objectValue) }
        let closings = entries.filter { ["settle", "cancel"].contains($0["kind"]?.stringValue) }
        #expect(!closings.isEmpty)
        for e in closings {
            let body = try #require(e["body"]?.objectValue)
            let task = try #require(body["task"]?.stringValue)
            let line = try #require(e["line"]?.intValue), time = try #require(e["time"]?.intValue)
            let s = CLI.run(["status", task, "--ledger", ledger], env: ["NO_COLOR": "1"])
            #expect(s.status == 0, "\(s)")
            #expect(s.stdout.contains(" at \(TaskView.iso(time)) (line \(line))"), "\(s.stdout)")
            let payouts = try #require(body["payouts"]?.arrayValue)
            let shown = s.lines.filter { $0.hasPrefix("  payout ") }
            #expect(shown.count == payouts.count)
            for (p, l) in zip(payouts, shown) {
                let account = try #require(p["account"]?.stringValue), amount = try #require(p["amount"]?.intValue)
                let clause = try #require(p["clause"]?.stringValue)
                #expect(l == "  payout     \(account)  +\(amount)  \(clause)")
            }
        }
    }

    @Test("an open task's deadlines are in protocol order, and a passed one is marked")
    func openTaskDeadlines() throws {
        let dir = try TempDir()
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let ledger = try CLI.makeLedger(in: dir, keys: [alice, bob])
        let input = try dir.write("in.txt", "x\n")
        let env = ["CROWDLEDGER_TIME": String(CLI.t0)]
        let p = CLI.run(["publish", "--ledger", ledger.path, "--key", alice.path, "--program", "hash-iterate",
                         "--params", #"{"iterations":1}"#, "--input", input, "--reward", "2", "--deposit", "1",
                         "--workers", "2", "--join-window", "100"], env: env)
        try #require(p.status == 0, "\(p)")
        let task = try #require(p.lines.first)
        let later = ["CROWDLEDGER_TIME": String(CLI.t0 + 101), "NO_COLOR": "1"]
        let s = CLI.run(["status", task, "--ledger", ledger.path], env: later)
        #expect(s.status == 0, "\(s)")
        let deadlines = try #require(s.lines.first { $0.hasPrefix("  deadlines  ") })
        #expect(deadlines == "  deadlines  join \(TaskView.iso(CLI.t0 + 100)) (passed)", "\(deadlines)")
        let before = CLI.run(["status", task, "--ledger", ledger.path], env: ["CROWDLEDGER_TIME": String(CLI.t0 + 99), "NO_COLOR": "1"])
        #expect(before.lines.contains("  deadlines  join \(TaskView.iso(CLI.t0 + 100))"), "\(before)")
    }
}
