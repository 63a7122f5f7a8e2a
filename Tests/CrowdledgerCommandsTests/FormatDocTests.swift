// docs/FORMAT.md's shell recipes work when pasted: every ```sh block preceded by a line
// `<!-- tested … -->` is run with bash (set -euo pipefail) against the document's own example
// ledger, rebuilt here with the CLI and the fixture keys. Attributes of the marker:
//   expect="TEXT"   stdout must contain TEXT (repeatable)
//   tamper          run again against a tampered copy (line 1's hash and line 2's amount changed):
//                   then none of the expected texts may appear
//   output="NAME"   stdout must equal the ``` block preceded by `<!-- NAME -->`
// Variables set for the blocks: LEDGER, LINE=2, REPO (the source tree); PATH starts with the
// directory of the built `crowdledger`.

import Foundation
import Contract
import LedgerModel
import LedgerCrypto
import Testing

struct DocBlock: Sendable, CustomStringConvertible {
    var line: Int
    var attributes: String
    var script: String
    var expects: [String]
    var tamper: Bool
    var output: String?
    var description: String { "FORMAT.md:\(line) \(attributes)" }
}

enum FormatDoc {
    static let path = CLI.packageRoot.appendingPathComponent("docs/FORMAT.md").path

    static func text() throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// The fenced block after the marker line `<!-- NAME -->`.
    static func namedBlock(_ name: String, in text: String) -> String? {
        let lines = text.components(separatedBy: "\n")
        guard let i = lines.firstIndex(of: "<!-- \(name) -->"), i + 1 < lines.count, lines[i + 1].hasPrefix("```") else { return nil }
        var body: [String] = []
        var j = i + 2
        while j < lines.count, lines[j] != "```" { body.append(lines[j]); j += 1 }
        return body.joined(separator: "\n") + "\n"
    }

    static func testedBlocks(in text: String) -> [DocBlock] {
        let lines = text.components(separatedBy: "\n")
        var out: [DocBlock] = []
        let quoted = try! NSRegularExpression(pattern: #"(expect|output)="([^"]*)""#)
        for (i, l) in lines.enumerated() where l.hasPrefix("<!-- tested") && l.hasSuffix("-->") {
            guard i + 1 < lines.count, lines[i + 1] == "```sh" else { continue }
            var body: [String] = []
            var j = i + 2
            while j < lines.count, lines[j] != "```" { body.append(lines[j]); j += 1 }
            var expects: [String] = [], output: String?
            for m in quoted.matches(in: l, range: NSRange(l.startIndex..., in: l)) {
                let key = String(l[Range(m.range(at: 1), in: l)!]), value = String(l[Range(m.range(at: 2), in: l)!])
                if key == "expect" { expects.append(value) } else { output = value }
            }
            out.append(DocBlock(line: i + 1, attributes: l, script: body.joined(separator: "\n"), expects: expects,
                                tamper: l.contains(" tamper"), output: output))
        }
        return out
    }

    /// The example ledger of section 14, built with the CLI.
    static func buildExample(in dir: TempDir) throws -> String {
        let alice = try CLI.fixtureKey("alice", in: dir), bob = try CLI.fixtureKey("bob", in: dir)
        let p = dir.path("example.jsonl")
        func run(_ args: [String], _ t: Int) throws {
            let r = CLI.run(args + ["--ledger", p], env: ["CROWDLEDGER_TIME": String(t)])
            guard r.status == 0 else { throw HarnessError("\(args): \(r)") }
        }
        try run(["init", "--fund", "\(alice.account)=1000", "--fund", "\(bob.account)=500", "--name", "example",
                     "--salt", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"], 1_700_000_000)
        try run(["transfer", "--key", alice.path, "--to", bob.account, "--amount", "250"], 1_700_000_060)
        try run(["transfer", "--key", bob.path, "--to", alice.account, "--amount", "100"], 1_700_000_120)
        return p
    }

    static var binDir: String { URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().path }
}

@Suite("Format: docs/FORMAT.md") struct FormatDocTests {
    static let blocks: [DocBlock] = (try? FormatDoc.testedBlocks(in: FormatDoc.text())) ?? []

    @Test("the document has the tested recipes the issue asks for")
    func inventory() throws {
        let blocks = FormatDoc.testedBlocks(in: try FormatDoc.text())
        let expects = blocks.flatMap(\.expects)
        for needed in ["hash ok", "link ok", "Signature Verified Successfully"] {
            #expect(expects.contains(needed), "no tested block expects \(needed)")
        }
        #expect(expects.contains { $0.hasPrefix("chain ok") })
        #expect(blocks.contains { $0.output == "example-ledger" })
        #expect(blocks.count >= 7)
        #expect(blocks.allSatisfy { !$0.expects.isEmpty || $0.output != nil }, "every tested block checks something")
    }

    @Test("the example ledger in the document is exactly what the CLI writes, and its stated ids are right")
    func exampleLedger() throws {
        let text = try FormatDoc.text()
        let dir = try TempDir()
        let p = try FormatDoc.buildExample(in: dir)
        let doc = try #require(FormatDoc.namedBlock("example-ledger", in: text))
        expectSameBytes(CLI.read(p), Array(doc.utf8))
        #expect(CLI.run(["verify", "--ledger", p]).status == 0)
        let lines = CLI.ledgerLines(p)
        let e2 = try Entry.parse(line: lines[1], lineNumber: 2)
        #expect(text.contains(e2.tx.id))
        #expect(text.contains(String(decoding: e2.tx.signingMessage.dropFirst(18), as: UTF8.self)))
        let log = CLI.run(["log", "--json", "--ledger", p]).lines
        #expect(log.count == 3 && log[1].contains(#""id":"\#(e2.tx.id)""#))
    }

    @Test("the commitment recipe matches Commitments.commitment for other values too")
    func commitmentRecipe() throws {
        let block = try #require(FormatDoc.testedBlocks(in: try FormatDoc.text()).first { $0.expects.contains { $0.hasPrefix("commitment ") } })
        let task = SHA256.hash(Array("t".utf8)), worker = SHA256.hash(Array("w".utf8)), secret = SHA256.hash(Array("k".utf8))
        let y = [UInt8](repeating: 7, count: 70_000)
        let c = Commitments.commitment(task: task, worker: worker, secret: secret, size: Int64(y.count), digest: SHA256.hash(y))
        let r = CLI.bash(block.script, env: ["TASK": Hex.encode(task), "WORKER": Hex.encode(worker), "SECRET": Hex.encode(secret),
                                             "SIZE": String(y.count), "DIGEST": SHA256.hex(y)])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "commitment \(Hex.encode(c))\n")
        // And the document's example value is what the contract computes.
        let ex = Commitments.commitment(task: Hex.decode("c6a8da4c5eac3d994ca12ef2529bd5852137ae4459691b962400fa00830d4bc8")!,
                                        worker: Hex.decode("977b2d09f9436fe43a6e5c7ae41d7bf0cb1ce5cc755c09052934225cff5a9d8a")!,
                                        secret: Hex.decode("12fa25316e945d8bfe6661d6dacea6cb375fc2a1031c6d7ab858dd0ee7ca3f34")!,
                                        size: 6, digest: SHA256.hash(Array("hello\n".utf8)))
        #expect(block.expects == ["commitment \(Hex.encode(ex))"])
        let coin = Hex.decode("4aa305da21a61d37cf1b69428cb7db9bc5fde0ea6b91a858f7e8cf942ad1a6d9")!
        #expect(try FormatDoc.text().contains("coin commitment \(Hex.encode(Commitments.coinCommitment(coin)))"))
    }

    @Test("each tested recipe works when pasted, and fails on a tampered ledger", arguments: blocks)
    func recipe(block: DocBlock) throws {
        let text = try FormatDoc.text()
        let dir = try TempDir()
        let ledger = try FormatDoc.buildExample(in: dir)
        let env = ["LEDGER": ledger, "LINE": "2", "REPO": CLI.packageRoot.path,
                   "PATH": FormatDoc.binDir + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let r = CLI.bash(block.script, env: env, cwd: dir.root)
        #expect(r.status == 0, "\(block): \(r)")
        for e in block.expects { #expect(r.stdout.contains(e), "\(block): expected \(e) in \(r)") }
        if let name = block.output {
            #expect(r.stdout == FormatDoc.namedBlock(name, in: text), "\(block)")
        }
        if block.tamper {
            // Line 1's stated hash changed (breaks line 2's link) and line 2's amount changed
            // (breaks line 2's hash and signature).
            var lines = CLI.ledgerLines(ledger)
            lines[0][9] = lines[0][9] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            let s2 = String(decoding: lines[1], as: UTF8.self)
            #expect(s2.contains(#""amount":250,"#))
            lines[1] = Array(s2.replacingOccurrences(of: #""amount":250,"#, with: #""amount":251,"#).utf8)
            let bad = try dir.write("tampered.jsonl", lines.flatMap { $0 + [0x0a] })
            #expect(CLI.run(["verify", "--ledger", bad]).status == 1)
            let t = CLI.bash(block.script, env: env.merging(["LEDGER": bad]) { $1 }, cwd: dir.root)
            for e in block.expects { #expect(!t.stdout.contains(e), "\(block) on a tampered ledger: \(t)") }
        }
    }
}
