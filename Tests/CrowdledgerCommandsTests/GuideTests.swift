// docs/AUDITING.md and docs/WORKFLOW.md: their shell recipes work when pasted.
//
// Convention (the same markers as FORMAT.md's, see FormatDocTests.swift): every ```sh block
// preceded by a line `<!-- tested … -->` is run with bash (`set -euo pipefail`), must exit 0, and
// is checked by the marker's attributes:
//   expect="TEXT"   stdout must contain TEXT (repeatable)
//   reject="TEXT"   stdout must not contain TEXT (repeatable)
// Each block runs on its own, in a new empty directory (its working directory), with
//   PATH    starting with the directory of the `crowdledger` under test,
//   LEDGER  a freshly made valid ledger (in another directory, with its blob store): one
//           hash-iterate task, requester alice, workers bob and carol (fixtures/keys), reward 21,
//           deposit 10, settled by agreement; 10 lines (GuideLedger.build),
//   REPO    the source tree.
// Blocks without a marker are illustrations and are not run.

import Foundation
import Testing

struct GuideBlock: Sendable, CustomStringConvertible {
    var doc: String
    var line: Int
    var script: String
    var expects: [String]
    var rejects: [String]
    var description: String { "\(doc):\(line)" }
}

enum Guide {
    static func path(_ doc: String) -> String { CLI.packageRoot.appendingPathComponent("docs/\(doc)").path }
    static func text(_ doc: String) throws -> String { try String(contentsOfFile: path(doc), encoding: .utf8) }

    static func blocks(_ doc: String) throws -> [GuideBlock] {
        let lines = try text(doc).components(separatedBy: "\n")
        let quoted = try NSRegularExpression(pattern: #"(expect|reject)="([^"]*)""#)
        var out: [GuideBlock] = []
        for (i, l) in lines.enumerated() where l.hasPrefix("<!-- tested") && l.hasSuffix("-->") {
            guard i + 1 < lines.count, lines[i + 1] == "```sh" else { continue }
            var body: [String] = []
            var j = i + 2
            while j < lines.count, lines[j] != "```" { body.append(lines[j]); j += 1 }
            var expects: [String] = [], rejects: [String] = []
            for m in quoted.matches(in: l, range: NSRange(l.startIndex..., in: l)) {
                let key = String(l[Range(m.range(at: 1), in: l)!])
                let value = String(l[Range(m.range(at: 2), in: l)!])
                if key == "expect" { expects.append(value) } else { rejects.append(value) }
            }
            out.append(GuideBlock(doc: doc, line: i + 1, script: body.joined(separator: "\n") + "\n",
                                  expects: expects, rejects: rejects))
        }
        return out
    }

    static var all: [GuideBlock] {
        ((try? blocks("AUDITING.md")) ?? []) + ((try? blocks("WORKFLOW.md")) ?? []) + ((try? blocks("TRANSPARENCY.md")) ?? [])
    }

    static var binDir: String { URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().path }

    static func env(ledger: String) -> [String: String] {
        ["LEDGER": ledger, "REPO": CLI.packageRoot.path,
         "PATH": binDir + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    /// The finding codes of FORMAT.md §12 (the rows of its table).
    static func findingCodes() throws -> [String] {
        let format = try text("FORMAT.md")
        guard let start = format.range(of: "## 12. Findings"), let end = format.range(of: "## 13.") else { return [] }
        return format[start.upperBound..<end.lowerBound].components(separatedBy: "\n").compactMap { row in
            guard row.hasPrefix("| `") else { return nil }
            return row.dropFirst(3).split(separator: "`").first.map(String.init)
        }
    }
}

/// The ledger the recipes audit: one settled hash-iterate task.
enum GuideLedger {
    static func build(in dir: TempDir) throws -> String {
        let sub = dir.path("audited")
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let carol = try CLI.fixtureKey("carol", in: dir)
        let data = try dir.write("data.bin", "audited input\n")
        let ledger = sub + "/ledger.jsonl"
        var t = CLI.t0
        func step(_ args: [String]) throws -> String {
            let r = CLI.run(args + ["--ledger", ledger], env: ["CROWDLEDGER_TIME": String(t)])
            t += 60
            guard r.status == 0 else { throw HarnessError("\(args): \(r)") }
            return r.lines.first ?? ""
        }
        _ = try step(["init", "--name", "audited", "--fund", "\(alice.account)=1000", "--fund", "\(bob.account)=100",
                      "--fund", "\(carol.account)=100"])
        let task = try step(["publish", "--key", alice.path, "--program", "hash-iterate", "--params", #"{"iterations":1000}"#,
                             "--input", data, "--reward", "21", "--deposit", "10", "--workers", "2"])
        _ = try step(["join", task, "--key", bob.path])
        _ = try step(["join", task, "--key", carol.path])
        _ = try step(["coin", task, "--key", alice.path])
        let result = dir.path("y.bin")
        let r = CLI.run(["run", task, "--ledger", ledger, "--out", result])
        guard r.status == 0 else { throw HarnessError("run: \(r)") }
        _ = try step(["commit", task, "--key", bob.path, "--result", result])
        _ = try step(["commit", task, "--key", carol.path, "--result", result])
        _ = try step(["reveal", task, "--key", bob.path])
        _ = try step(["reveal", task, "--key", carol.path])
        _ = try step(["settle", task])
        return ledger
    }
}

@Suite("Guides: docs/AUDITING.md and docs/WORKFLOW.md") struct GuideTests {
    static let blocks: [GuideBlock] = Guide.all

    @Test("AUDITING.md has the tested recipes and covers every finding code of FORMAT.md")
    func auditingInventory() throws {
        let text = try Guide.text("AUDITING.md")
        let blocks = try Guide.blocks("AUDITING.md")
        let expects = blocks.flatMap(\.expects)
        #expect(expects.contains("exit 0, valid: true"))
        #expect(expects.contains { $0.contains("bad-hash") } && expects.contains("exit 1"), "a tampered-copy recipe")
        #expect(expects.contains("PIN CHECK FAILED") && expects.contains { $0.hasPrefix("ok: the pinned head") }, "a pin recipe")
        #expect(blocks.count >= 4)
        #expect(blocks.allSatisfy { !$0.expects.isEmpty }, "every tested block checks something")
        let codes = try Guide.findingCodes()
        #expect(codes.count >= 20 && codes.contains("torn-tail") && codes.contains("recompute-failed"), "parsed \(codes)")
        for code in codes { #expect(text.contains("| `\(code)` |"), "AUDITING.md does not explain \(code)") }
        for needle in ["FORMAT.md#13-verification-step-by-step", "crowdledger repair", "--recompute", "status TASK --json",
                       "log --json", "exec"] {
            #expect(text.contains(needle), "AUDITING.md lacks \(needle)")
        }
    }

    @Test("the verify --json fields AUDITING.md documents are exactly the ones verify prints")
    func reportFields() throws {
        let dir = try TempDir()
        let ledger = try GuideLedger.build(in: dir)
        let r = CLI.run(["verify", "--ledger", ledger, "--json"])
        #expect(r.status == 0, "\(r)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == true && report["lines"] as? Int == 10 && report["tasks"] as? Int == 1)
        let text = try Guide.text("AUDITING.md")
        // The rows "| `field` | …" of the table in section 2.
        let section = try #require(text.range(of: "## 2. Reading the report").map { text[$0.upperBound...] })
        let table = String(section).components(separatedBy: "\n## ").first ?? ""
        let documented = Set(table.components(separatedBy: "\n").compactMap { row -> String? in
            guard row.hasPrefix("| `") else { return nil }
            return row.dropFirst(3).split(separator: "`").first.map(String.init)
        })
        #expect(documented == Set(report.keys), "documented \(documented.sorted()), printed \(report.keys.sorted())")
        // A finding has code, line, message.
        let bad = try dir.write("bad.jsonl", Array(CLI.read(ledger).dropLast()))
        let b = CLI.run(["verify", "--ledger", bad, "--json"])
        #expect(b.status == 1)
        let bj = try #require(try JSONSerialization.jsonObject(with: Data(b.stdout.utf8)) as? [String: Any])
        let finding = try #require((bj["findings"] as? [[String: Any]])?.first)
        #expect(Set(finding.keys) == ["code", "line", "message"] && finding["code"] as? String == "torn-tail")
        #expect(table.contains("`code`") && table.contains("`line`") && table.contains("`message`"))
    }

    @Test("WORKFLOW.md has the tested recipes and covers the scripting contract")
    func workflowInventory() throws {
        let text = try Guide.text("WORKFLOW.md")
        let blocks = try Guide.blocks("WORKFLOW.md")
        let expects = blocks.flatMap(\.expects)
        #expect(expects.contains("verify exit 0") && expects.contains { $0.hasPrefix("balances ok") }, "the full flow")
        #expect(expects.contains { $0.contains("(exit 1)") } && expects.contains { $0.contains("(exit 2)") }, "exit-status branching")
        #expect(expects.contains("draw checks out with sha256sum"), "an exec program using derive")
        #expect(blocks.contains { $0.script.contains("--program exec") && $0.script.contains("crowdledger derive") })
        #expect(blocks.contains { $0.script.contains("CROWDLEDGER_TIME") && $0.script.contains("reveal \"$TASK\" --key worker2.pem --result") })
        #expect(blocks.allSatisfy { !$0.expects.isEmpty }, "every tested block checks something")
        for needle in ["CROWDLEDGER_LEDGER", "CROWDLEDGER_TIME", "--json", "TASK=$(crowdledger publish",
                       "--generate-completion-script bash", "verify --json", "run TASK --exec", "*.openings/", ".*.state", "*.pem"] {
            #expect(text.contains(needle), "WORKFLOW.md lacks \(needle)")
        }
    }

    @Test("each tested recipe works when pasted", arguments: blocks)
    func recipe(block: GuideBlock) throws {
        let dir = try TempDir()
        let ledger = try GuideLedger.build(in: dir)
        let work = dir.path("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let before = CLI.read(ledger)
        let r = CLI.bash(block.script, env: Guide.env(ledger: ledger), cwd: work)
        #expect(r.status == 0, "\(block): \(r)")
        for e in block.expects { #expect(r.stdout.contains(e), "\(block): expected \(e) in \(r)") }
        for e in block.rejects { #expect(!r.stdout.contains(e), "\(block): unexpected \(e) in \(r)") }
        expectSameBytes(CLI.read(ledger), before, "\(block) changed the audited ledger")
    }
}
