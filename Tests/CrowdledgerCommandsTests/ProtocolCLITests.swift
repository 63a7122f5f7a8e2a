import CanonicalJSON
import Foundation
import Testing

/// The protocol through the real binary: publish → join → coin → run → commit → reveal → settle,
/// built-in and external programs, and the read commands' JSON.
@Suite struct ProtocolCLITests {
    struct World {
        let dir: TempDir
        let ledger: String
        let requester: TestKey
        let workers: [TestKey]

        func run(_ args: [String], time: Int64) -> CLIResult {
            CLI.run(args + ["--ledger", ledger], env: ["CROWDLEDGER_TIME": String(time)], cwd: dir.path("."))
        }
    }

    func world(workers n: Int) throws -> World {
        let dir = try TempDir()
        let requester = try CLI.newKey(in: dir, name: "requester")
        let workers = try (0..<n).map { try CLI.newKey(in: dir, name: "w\($0)") }
        let (ledger, _) = try CLI.makeLedger(in: dir, keys: [requester] + workers, fund: 1000)
        return World(dir: dir, ledger: ledger, requester: requester, workers: workers)
    }

    @Test func hashIterateEndToEnd() throws {
        let w = try world(workers: 2)
        let input = try w.dir.write("in.txt", "some input\n")
        let pub = w.run(["publish", "--key", w.requester.path, "--program", "hash-iterate", "--params", #"{"iterations":100}"#,
                         "--input", input, "--reward", "20", "--deposit", "10", "--workers", "2"], time: 1_700_000_010)
        #expect(pub.status == 0, "\(pub)")
        let task = try #require(pub.lines.first)
        #expect(task.count == 64)
        for k in w.workers { #expect(w.run(["join", task, "--key", k.path], time: 1_700_000_020).status == 0) }
        // run before the coin: the protocol says not yet, exit 1 (as commit before the coin).
        let early = w.run(["run", task], time: 1_700_000_021)
        #expect(early.status == 1 && early.stderr.contains("no coin yet"), "\(early)")
        let coin = w.run(["coin", String(task.prefix(10)), "--key", w.requester.path], time: 1_700_000_030)
        #expect(coin.status == 0, "\(coin)")
        let out = w.dir.path("y.bin")
        let ran = w.run(["run", task, "--out", out], time: 1_700_000_031)
        #expect(ran.status == 0, "\(ran)")
        #expect(CLI.read(out).count == 65)
        for k in w.workers {
            #expect(w.run(["commit", task, "--key", k.path, "--result", out], time: 1_700_000_040).status == 0)
        }
        // The opening is private: kept beside the key, 0600.
        let opening = w.workers[0].path + ".openings/\(task).json"
        let attrs = try FileManager.default.attributesOfItem(atPath: opening)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        for k in w.workers { #expect(w.run(["reveal", task, "--key", k.path], time: 1_700_000_050).status == 0) }
        let settled = w.run(["settle", task], time: 1_700_000_060)
        #expect(settled.status == 0 && settled.stdout.contains("agreement"), "\(settled)")
        let again = w.run(["settle", task], time: 1_700_000_061)
        #expect(again.status == 1 && again.stderr.contains("already settled"), "\(again)")

        let balances = try JSON.parse(w.run(["balances", "--json"], time: 1_700_000_070).stdout.trimmingCharacters(in: .newlines))
        for k in w.workers { #expect(balances["accounts"]?[k.account]?.intValue == 1010) }
        #expect(balances["accounts"]?[w.requester.account]?.intValue == 980)
        let status = try JSON.parse(w.run(["status", task, "--json"], time: 1_700_000_070).stdout.trimmingCharacters(in: .newlines))
        #expect(status["phase"]?.stringValue == "settled")
        #expect(status["result"]?.stringValue == CLI.bash("sha256sum \(out) | cut -c1-64").stdout.trimmingCharacters(in: .newlines))
        let verify = w.run(["verify", "--recompute", "--json"], time: 1_700_000_070)
        #expect(verify.status == 0, "\(verify)")
        #expect(try JSON.parse(verify.stdout.trimmingCharacters(in: .newlines))["recomputed"]?.intValue == 1)
    }

    @Test func externalProgramByDigest() throws {
        let w = try world(workers: 2)
        let script = try w.dir.write("prog.sh", "#!/bin/sh\nset -e\nprintf 'task=%s coin=%s\\n' \"$CROWDLEDGER_TASK\" \"$CROWDLEDGER_COIN\"\nsha256sum \"$CROWDLEDGER_INPUT_0\" | cut -c1-64\n", mode: 0o755)
        let input = try w.dir.write("in.txt", "external input\n")
        let pub = w.run(["publish", "--key", w.requester.path, "--program", "exec", "--exec", script, "--input", input,
                         "--reward", "20", "--deposit", "10", "--workers", "2"], time: 1_700_000_010)
        #expect(pub.status == 0, "\(pub)")
        let task = try #require(pub.lines.first)
        for k in w.workers { #expect(w.run(["join", task, "--key", k.path], time: 1_700_000_020).status == 0) }
        #expect(w.run(["coin", task, "--key", w.requester.path], time: 1_700_000_030).status == 0)
        let statusJSON = w.run(["status", task, "--json"], time: 1_700_000_030).stdout
        let coin = try #require(statusJSON.range(of: #""coin":"[0-9a-f]{64}""#, options: .regularExpression)
            .map { String(statusJSON[$0].dropFirst(8).dropLast()) })
        let ran = w.run(["run", task, "--exec", script], time: 1_700_000_031)
        #expect(ran.status == 0, "\(ran)")
        let inputDigest = CLI.bash("sha256sum \(input) | cut -c1-64").stdout
        #expect(ran.stdout == "task=\(task) coin=\(coin)\n" + inputDigest)
        // A program whose digest is not the published one is refused.
        let other = try w.dir.write("other.sh", "#!/bin/sh\necho hi\n", mode: 0o755)
        let refused = w.run(["run", task, "--exec", other], time: 1_700_000_032)
        #expect(refused.status == 2 && refused.stderr.contains("refused"), "\(refused)")
        // A different input file than the published one is refused.
        let wrongInput = try w.dir.write("wrong.txt", "not the input\n")
        let refusedInput = w.run(["run", task, "--exec", script, "--input", wrongInput], time: 1_700_000_032)
        #expect(refusedInput.status == 2 && refusedInput.stderr.contains("refused"), "\(refusedInput)")
        // The result may come from a file the program writes.
        let writer = try w.dir.write("writer.sh", "#!/bin/sh\necho from-file > \"$CROWDLEDGER_OUTPUT\"\necho ignored\n", mode: 0o755)
        _ = writer
        let pub2 = w.run(["publish", "--key", w.requester.path, "--program", "exec", "--exec", writer, "--public-coin", String(repeating: "ab", count: 32),
                          "--reward", "0", "--deposit", "0", "--workers", "2"], time: 1_700_000_040)
        let task2 = try #require(pub2.lines.first, "\(pub2)")
        for k in w.workers { #expect(w.run(["join", task2, "--key", k.path], time: 1_700_000_041).status == 0) }
        let viaFile = w.run(["run", task2, "--exec", writer, "--exec-output", w.dir.path("out.txt")], time: 1_700_000_042)
        #expect(viaFile.status == 0 && viaFile.stdout == "from-file\n", "\(viaFile)")
        // The full protocol with the external result.
        let out = w.dir.path("r.bin")
        #expect(FileManager.default.createFile(atPath: out, contents: Data(ran.stdoutBytes)))
        for k in w.workers { #expect(w.run(["commit", task, "--key", k.path, "--result", out], time: 1_700_000_050).status == 0) }
        for k in w.workers { #expect(w.run(["reveal", task, "--key", k.path], time: 1_700_000_060).status == 0) }
        #expect(w.run(["settle", task], time: 1_700_000_070).status == 0)
        // recompute cannot re-run an external program, and says so.
        let audit = w.run(["verify", "--recompute", "--json"], time: 1_700_000_070)
        #expect(audit.status == 0)
        let report = try JSON.parse(audit.stdout.trimmingCharacters(in: .newlines))
        #expect(report["skipped"]?.intValue == 1 && report["recomputed"]?.intValue == 0, "\(audit.stdout)")
        #expect(w.run(["verify", "--recompute"], time: 1_700_000_070).stdout.contains("skipped 1 external-program task"))
    }

    @Test func roughEdges() throws {
        let w = try world(workers: 2)
        let pub = w.run(["publish", "--key", w.requester.path, "--program", "hash-iterate", "--params", #"{"iterations":5}"#,
                         "--reward", "20", "--deposit", "10", "--workers", "2"], time: 1_700_000_010)
        let task = try #require(pub.lines.first)
        // A too-short prefix says so.
        let short = w.run(["status", String(task.prefix(4))], time: 1_700_000_011)
        #expect(short.status == 2 && short.stderr.contains("too short"), "\(short)")
        // status --json: worker state and digest apart, the task's parameters shown.
        for k in w.workers { #expect(w.run(["join", task, "--key", k.path], time: 1_700_000_012).status == 0) }
        let status = try JSON.parse(w.run(["status", task, "--json"], time: 1_700_000_013).stdout.trimmingCharacters(in: .newlines))
        #expect(status["joined"]?.arrayValue?.first?["state"]?.stringValue == "joined")
        #expect(status["forfeit"]?.stringValue == "burn" && status["params"]?["iterations"]?.intValue == 5)
        // A negative amount is read as a value, and refused as one.
        let negative = w.run(["transfer", "--key", w.requester.path, "--to", w.workers[0].account, "--amount", "-5"], time: 1_700_000_014)
        #expect(negative.status == 2 && negative.stderr.contains("positive"), "\(negative)")
        // An invalid ledger: verify prints nothing on stdout and one line on stderr; read-only
        // commands do not claim to have written anything.
        var bytes = CLI.read(w.ledger)
        let at = bytes.count - 10
        bytes[at] = bytes[at] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        #expect(FileManager.default.createFile(atPath: w.ledger, contents: Data(bytes)))
        let verify = w.run(["verify"], time: 1_700_000_015)
        #expect(verify.status == 1 && verify.stdout.isEmpty && verify.stderr.split(separator: "\n").count == 1, "\(verify)")
        let balances = w.run(["balances"], time: 1_700_000_015)
        #expect(balances.status == 1 && !balances.stderr.contains("nothing was written") && balances.stderr.contains("verify --json"), "\(balances)")
    }

    @Test func deriveMatchesSha256sum() throws {
        let coin = String(repeating: "0", count: 63) + "7"
        let r = CLI.run(["derive", "--coin", coin, "--counter", "258"])
        #expect(r.status == 0)
        let expected = CLI.bash("{ printf '%s' \(coin) | xxd -r -p; printf '%016x' 258 | xxd -r -p; } | sha256sum | cut -c1-64")
        #expect(r.stdout == expected.stdout)
        #expect(CLI.run(["derive", "--coin", "xyz", "--counter", "1"]).status == 2)
    }

    @Test func mechanismJSONReproducesThePaperForSmallN() throws {
        for n in 2...5 {
            let r = CLI.run(["mechanism", "--workers", String(n), "--reward", String(12 * n), "--deposit", "10", "--json"])
            #expect(r.status == 0)
            let report = try JSON.parse(r.stdout.trimmingCharacters(in: .newlines))
            #expect(report["verdicts"]?["allTrueOnlySurvivor"]?.boolValue == true, "n=\(n): \(r.stdout.prefix(300))")
        }
        #expect(CLI.run(["mechanism", "--workers", "1", "--reward", "1", "--deposit", "1"]).status == 2)
    }
}
