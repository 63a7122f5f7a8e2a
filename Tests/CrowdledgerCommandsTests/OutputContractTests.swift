// Issue 11: every command prints what docs/WORKFLOW.md says it prints; --json on appending
// commands; exit 0 once an entry is written; JSON errors; one exit status per class of mistake;
// settle --if-needed; wait; log filters; export (checked by hledger) and report (rendered by
// headless Chromium).

import Foundation
import Testing

/// A protocol run through the CLI at fixed times, keeping every command's result.
final class Scenario: @unchecked Sendable {
    let dir: TempDir
    let ledger: String
    var t: Int64 = CLI.t0
    var results: [String: CLIResult] = [:]
    let r: TestKey, w1: TestKey, w2: TestKey

    init() throws {
        dir = try TempDir()
        ledger = dir.path("ledger.jsonl")
        r = try CLI.newKey(in: dir, name: "r")
        w1 = try CLI.newKey(in: dir, name: "w1")
        w2 = try CLI.newKey(in: dir, name: "w2")
    }

    @discardableResult
    func run(_ args: [String], advance: Bool = true) -> CLIResult {
        if advance { t += 60 }
        return CLI.run(args + ["--ledger", ledger], env: ["CROWDLEDGER_TIME": String(t)])
    }

    /// The last entry as `log -n 1 --json` shows it.
    func last() throws -> [String: Any] {
        let l = CLI.run(["log", "-n", "1", "--json", "--ledger", ledger])
        guard l.status == 0, l.lines.count == 1 else { throw HarnessError("log -n 1: \(l)") }
        return try #require(try JSONSerialization.jsonObject(with: Data(l.stdout.utf8)) as? [String: Any])
    }

    /// init, publish, join ×2 — the task filled, the coin not yet out.
    func filled(json: Bool = false) throws -> String {
        let j = json ? ["--json"] : []
        results["init"] = run(["init", "--fund", "\(r.account)=1000", "--fund", "\(w1.account)=100", "--fund", "\(w2.account)=100"] + j)
        results["transfer"] = run(["transfer", "--key", r.path, "--to", w1.account, "--amount", "1"] + j)
        let data = try dir.write("data.bin", "input\n")
        results["publish"] = run(["publish", "--key", r.path, "--program", "hash-iterate", "--params", #"{"iterations":10}"#,
                                  "--input", data, "--reward", "21", "--deposit", "10", "--workers", "2"] + j)
        let task = try taskID()
        results["join"] = run(["join", task, "--key", w1.path] + j)
        run(["join", task, "--key", w2.path] + j)
        return task
    }

    func taskID() throws -> String {
        let l = CLI.run(["log", "--json", "--ledger", ledger]).lines
        for line in l where line.contains(#""kind":"publish""#) {
            if let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let id = o["id"] as? String { return id }
        }
        throw HarnessError("no publish")
    }

    /// The whole protocol, settled by agreement.
    func settled(json: Bool = false) throws -> String {
        let j = json ? ["--json"] : []
        let task = try filled(json: json)
        results["coin"] = run(["coin", task, "--key", r.path] + j)
        let out = dir.path("y.bin")
        results["run"] = run(["run", task, "--out", out], advance: false)
        results["commit"] = run(["commit", task, "--key", w1.path, "--result", out] + j)
        run(["commit", task, "--key", w2.path, "--result", out] + j)
        results["reveal"] = run(["reveal", task, "--key", w1.path] + j)
        run(["reveal", task, "--key", w2.path] + j)
        results["settle"] = run(["settle", task] + j)
        return task
    }
}

@Suite("Output contract: stdout, --json, exit status (issue 11)") struct OutputContractTests {
    static let hex64 = #"^[0-9a-f]{64}$"#

    /// The rows of WORKFLOW.md's "Ids on stdout" table: command cell → stdout cell.
    static func stdoutTable() throws -> [(String, String)] {
        let text = try Guide.text("WORKFLOW.md")
        let start = try #require(text.range(of: "**Ids on stdout.**")).upperBound
        let table = text[start...].components(separatedBy: "\n\n").dropFirst().first ?? ""
        return table.components(separatedBy: "\n").dropFirst(2).compactMap { row in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells.count >= 2 ? (cells[0], cells[1]) : nil
        }
    }

    func matches(_ s: String, _ pattern: String) -> Bool { s.range(of: pattern, options: .regularExpression) != nil }

    @Test("every command prints what WORKFLOW.md's stdout table says")
    func stdoutAsDocumented() throws {
        let rows = try Self.stdoutTable()
        #expect(rows.count >= 8, "\(rows)")
        let s = try Scenario()
        let task = try s.settled()
        // Each entry's transaction id, by kind (the first of each kind), from log --json.
        var ids: [String: String] = [:]
        var ledgerID = ""
        for line in CLI.run(["log", "--json", "--ledger", s.ledger]).lines {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let kind = o["kind"] as! String
            if kind == "genesis" { ledgerID = o["hash"] as! String }
            if ids[kind] == nil { ids[kind] = o["id"] as? String }
        }
        // What each documented description means, checked against the real output.
        var covered: Set<String> = []
        for (commands, says) in rows {
            switch says {
            case "the account id (64 hex digits)":
                let acc = CLI.run(["account", s.r.path])
                #expect(acc.lines == [s.r.account] && matches(s.r.account, Self.hex64), "\(acc)")
                covered.formUnion(["keygen", "account"])
            case "the ledger id":
                #expect(s.results["init"]?.lines == [ledgerID], "\(String(describing: s.results["init"]))")
                covered.insert("init")
            case "the transaction id":
                for kind in ["transfer", "join", "coin", "commit", "reveal"] {
                    #expect(s.results[kind]?.lines == [ids[kind] ?? "-"], "\(kind): \(String(describing: s.results[kind]))")
                    covered.insert(kind)
                }
                // cancel: on a second task that never fills.
                let data = try s.dir.write("d2.bin", "x\n")
                let t2 = try #require(s.run(["publish", "--key", s.r.path, "--program", "hash-iterate", "--params", #"{"iterations":1}"#,
                                             "--input", data, "--reward", "1", "--deposit", "1", "--workers", "2"]).lines.first)
                let c = s.run(["cancel", t2, "--key", s.r.path])
                let cancelID = try s.last()["id"] as? String ?? "-"
                #expect(c.status == 0 && c.lines == [cancelID], "\(c)")
                covered.insert("cancel")
                #expect(commands.contains("`cancel`") && commands.contains("`coin`") && commands.contains("`commit`") && commands.contains("`reveal`"))
            case "the task id (= the publish transaction's id)":
                #expect(s.results["publish"]?.lines == [task] && ids["publish"] == task)
                covered.insert("publish")
            case "the SHA-256 of the result (without `--out`: the result itself)":
                let sum = CLI.bash("sha256sum \(s.dir.path("y.bin")) | cut -c1-64").stdout
                #expect(s.results["run"]?.stdout == sum)
                let raw = CLI.run(["run", task, "--ledger", s.ledger])
                #expect(raw.stdoutBytes == CLI.read(s.dir.path("y.bin")))
                covered.insert("run")
            case "one line: `task ID OUTCOME` and every payout as `ACCOUNT+AMOUNT(CLAUSE)`":
                let line = try #require(s.results["settle"]?.lines.first)
                #expect(s.results["settle"]?.lines.count == 1)
                #expect(matches(line, #"^task [0-9a-f]{64} settled( [0-9a-f]{64}\+[0-9]+\([a-z-]+\))+$"#), "\(line)")
                #expect(line.hasPrefix("task \(task) settled \(s.w1.account)+20(agreement) \(s.w2.account)+20(agreement) \(s.r.account)+1(reward-remainder)"), "\(line)")
                covered.insert("settle")
            case "h(r ‖ ctr), 64 hex digits":
                let d = CLI.run(["derive", "--coin", String(repeating: "ab", count: 32), "--counter", "1"])
                #expect(d.lines.count == 1 && matches(d.lines[0], Self.hex64))
                covered.insert("derive")
            case "the phase the task is in once it got there":
                let w = CLI.run(["wait", task, "--for", "closed", "--ledger", s.ledger])
                #expect(w.status == 0 && w.lines == ["settled"], "\(w)")
                covered.insert("wait")
            default:
                Issue.record("WORKFLOW.md documents stdout \"\(says)\" for \(commands), which this test does not check")
            }
        }
        #expect(covered.isSuperset(of: ["keygen", "account", "init", "transfer", "publish", "join", "coin", "run", "commit", "reveal", "cancel", "settle", "derive", "wait"]), "\(covered)")
    }

    @Test("--json on every appending command prints {\"hash\",\"id\",\"line\"} of the entry it wrote")
    func appendJSON() throws {
        let s = try Scenario()
        _ = try s.settled(json: true)
        var lines: [[String: Any]] = []
        for line in CLI.run(["log", "--json", "--ledger", s.ledger]).lines {
            lines.append(try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]))
        }
        for kind in ["init", "transfer", "publish", "join", "coin", "commit", "reveal", "settle"] {
            let r = try #require(s.results[kind])
            #expect(r.status == 0 && r.lines.count == 1, "\(kind): \(r)")
            let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(Set(o.keys) == ["hash", "id", "line"], "\(kind): \(r)")
            let n = try #require(o["line"] as? Int)
            let entry = lines[n - 1]
            #expect(o["hash"] as? String == entry["hash"] as? String, "\(kind)")
            #expect(o["id"] as? String == (kind == "init" ? entry["hash"] : entry["id"]) as? String, "\(kind)")
            #expect(entry["kind"] as? String == (kind == "init" ? "genesis" : kind))
        }
    }

    @Test("once the entry is written, a failure to print is a warning and exit 0; log -n 1 shows what was written")
    func durableThenPrintFailure() throws {
        let s = try Scenario()
        _ = try s.filled()
        let before = CLI.ledgerLines(s.ledger).count
        let r = CLI.bash("CROWDLEDGER_TIME=\(s.t + 60) \"\(CLI.binary)\" transfer --ledger \(s.ledger) --key \(s.r.path) --to \(s.w2.account) --amount 3 > /dev/full")
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.contains("warning") && r.stderr.contains("line \(before + 1)") && r.stderr.contains("log -n 1 --json"), "\(r)")
        #expect(CLI.ledgerLines(s.ledger).count == before + 1)
        let last = try s.last()
        #expect(last["kind"] as? String == "transfer" && last["line"] as? Int == before + 1 && r.stderr.contains(last["id"] as! String))
        // Nothing appended: still exit 2.
        let v = CLI.bash("\"\(CLI.binary)\" balances --ledger \(s.ledger) > /dev/full || echo status=$?")
        #expect(v.stdout.contains("status=2"), "\(v)")
    }

    @Test("with --json an error is one JSON object on stderr with a stable code")
    func jsonErrors() throws {
        let s = try Scenario()
        _ = try s.filled()
        let before = CLI.read(s.ledger)
        func object(_ r: CLIResult) throws -> [String: Any] {
            #expect(r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1, "\(r)")
            return try #require(try JSONSerialization.jsonObject(with: Data(r.stderr.utf8)) as? [String: Any], "\(r)")
        }
        let over = s.run(["transfer", "--key", s.w1.path, "--to", s.r.account, "--amount", "5000", "--json"])
        #expect(over.status == 1)
        let o = try object(over)
        #expect(Set(o.keys) == ["code", "file", "line", "message"] && o["code"] as? String == "rejected" && o["file"] as? String == s.ledger
                && o["line"] as? Int == CLI.ledgerLines(s.ledger).count + 1, "\(o)")
        let missing = s.run(["transfer", "--key", s.dir.path("nosuch.pem"), "--to", s.r.account, "--amount", "5", "--json"])
        #expect(missing.status == 2)
        #expect(try object(missing)["code"] as? String == "usage")
        let typo = s.run(["transfer", "--key", s.w1.path, "--to", s.r.account, "--amuont", "5", "--json"])
        #expect(typo.status == 2)
        let t = try object(typo)
        #expect(t["code"] as? String == "usage" && t["file"] is NSNull && t["line"] is NSNull, "\(t)")
        expectSameBytes(CLI.read(s.ledger), before)
        // Without --json: the one-line form.
        let plain = s.run(["transfer", "--key", s.w1.path, "--to", s.r.account, "--amount", "5000"])
        #expect(plain.status == 1 && plain.stderr.hasPrefix("crowdledger: \(s.ledger):") && plain.stderr.contains(": rejected: "), "\(plain)")
    }

    @Test("the same mistake has the same exit status from every command: a step before the coin is 1")
    func oneStatusPerMistake() throws {
        let s = try Scenario()
        let task = try s.filled()
        let y = try s.dir.write("y.bin", "whatever\n")
        let run = s.run(["run", task, "--out", s.dir.path("out.bin")])
        let commit = s.run(["commit", task, "--key", s.w1.path, "--result", y])
        let runJSON = s.run(["run", task, "--json"])
        #expect(run.status == 1 && commit.status == 1, "run \(run) commit \(commit)")
        #expect(run.stderr.contains("rejected") && commit.stderr.contains("rejected"))
        #expect(runJSON.status == 64 || runJSON.status == 2, "run has no --json: a usage error \(runJSON)")
        // A file that cannot be read is 2 from either.
        let noFile = s.run(["commit", task, "--key", s.w1.path, "--result", s.dir.path("nosuch")])
        let noInput = s.run(["run", task, "--input", s.dir.path("nosuch")])
        #expect(noFile.status == 2, "\(noFile)")
        #expect(noInput.status == 2 || noInput.status == 1, "\(noInput)")
    }

    @Test("settle --if-needed exits 0 without writing when the task is already settled")
    func settleIfNeeded() throws {
        let s = try Scenario()
        let task = try s.settled()
        let before = CLI.read(s.ledger)
        let again = s.run(["settle", task])
        #expect(again.status == 1 && again.stderr.contains("already settled"), "\(again)")
        let ifNeeded = s.run(["settle", String(task.prefix(8)), "--if-needed"])
        #expect(ifNeeded.status == 0 && ifNeeded.stdout.isEmpty && ifNeeded.stderr.contains("already settled"), "\(ifNeeded)")
        expectSameBytes(CLI.read(s.ledger), before)
    }

    @Test("wait --for PHASE: returns once there, fails on an aborted or cancelled task, times out")
    func waitForPhase() throws {
        let s = try Scenario()
        let task = try s.filled()
        let coin = s.run(["wait", task, "--for", "coin"], advance: false)
        #expect(coin.status == 0 && coin.lines == ["coin"], "\(coin)")
        // The clock is fixed (CROWDLEDGER_TIME): the commit phase cannot come by itself.
        let notYet = s.run(["wait", task, "--for", "commit", "--timeout", "1", "--json"], advance: false)
        #expect(notYet.status == 1 && notYet.stderr.contains(#""code":"timeout""#), "\(notYet)")
        // A task that aborts (the coin never released) never reaches commit.
        s.t += 4000
        #expect(s.run(["settle", task]).status == 0)
        let aborted = s.run(["wait", task, "--for", "commit"], advance: false)
        #expect(aborted.status == 1 && aborted.stderr.contains("aborted"), "\(aborted)")
        let closed = s.run(["wait", task, "--for", "closed"], advance: false)
        #expect(closed.status == 0 && closed.lines == ["aborted"], "\(closed)")
        let bad = s.run(["wait", task, "--for", "nosuch"], advance: false)
        #expect(bad.status == 2, "\(bad)")
    }

    @Test("log TASK, --account and -n filter the entries; text times are ISO 8601 with a header")
    func logFilters() throws {
        let s = try Scenario()
        let task = try s.settled()
        let all = CLI.run(["log", "--json", "--ledger", s.ledger]).lines
        let mine = CLI.run(["log", String(task.prefix(8)), "--json", "--ledger", s.ledger]).lines
        #expect(all.count == 11 && mine.count == 9, "\(all.count) \(mine.count)")
        let w1 = CLI.run(["log", "--account", s.w1.account, "--json", "--ledger", s.ledger]).lines
        #expect(w1.count == 6, "genesis, transfer to it, join, commit, reveal, settle: \(w1.count)")
        let two = CLI.run(["log", "-n", "2", "--ledger", s.ledger])
        #expect(two.lines.count == 3 && two.lines[0].hasPrefix("line") && two.lines[2].contains("settle") && two.lines[1].contains("2023-11-14T22:"), "\(two)")
        #expect(CLI.run(["log", "-n", "-1", "--ledger", s.ledger]).status == 2)
        #expect(CLI.run(["log", "abc", "--ledger", s.ledger]).status == 2)
    }

    @Test("AUDITING.md's payout recipe takes a task prefix and matches every task of the project's record, evaluation included")
    func payoutRecipeOnTheProjectRecord() throws {
        let block = try #require(try Guide.blocks("AUDITING.md").first { $0.expects.contains("recomputed payouts match line") })
        let dir = try TempDir()
        let ledger = CLI.packageRoot.appendingPathComponent("ledger/ledger.jsonl").path
        let tasks = CLI.run(["log", "--json", "--ledger", ledger]).lines.filter { $0.contains(#""kind":"publish""#) }.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String
        }
        #expect(tasks.count == 3)
        for t in tasks {
            var env = Guide.env(ledger: ledger)
            env["TASK"] = String(t.prefix(6))
            let r = CLI.bash(block.script, env: env, cwd: dir.root)
            #expect(r.status == 0 && r.stdout.contains("recomputed payouts match line") && !r.stdout.contains("MISMATCH"), "\(t): \(r)")
        }
    }
}

@Suite("Export and report (issue 11)") struct ExportReportTests {
    @Test("export --format hledger passes hledger check, and hledger balance equals crowdledger balances")
    func hledger() throws {
        let s = try Scenario()
        _ = try s.settled()
        let journal = s.dir.path("l.journal")
        let e = CLI.run(["export", "--format", "hledger", "--out", journal, "--ledger", s.ledger])
        #expect(e.status == 0 && e.stdout.isEmpty, "\(e)")
        let check = CLI.bash("hledger check -s -f \(journal) ordereddates")
        #expect(check.status == 0, "\(check)")
        let bal = CLI.bash("hledger -f \(journal) balance --flat -N -O csv")
        #expect(bal.status == 0, "\(bal)")
        var fromHledger: [String: Int] = [:]
        for row in bal.lines.dropFirst() {
            let cells = row.replacingOccurrences(of: "\"", with: "").split(separator: ",")
            guard cells.count == 2 else { continue }
            fromHledger[String(cells[0])] = Int(cells[1].replacingOccurrences(of: " CL", with: ""))
        }
        let b = CLI.run(["balances", "--json", "--ledger", s.ledger])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(b.stdout.utf8)) as? [String: Any])
        let accounts = try #require(o["accounts"] as? [String: Int])
        for (a, v) in accounts where v != 0 { #expect(fromHledger["account:\(a)"] == v, "\(a)") }
        #expect(fromHledger.keys.filter { $0.hasPrefix("account:") }.count == accounts.values.filter { $0 != 0 }.count)
        #expect(fromHledger["burned"] ?? 0 == o["burned"] as? Int)
        #expect(fromHledger["genesis"] == -(o["total"] as! Int))
        #expect(fromHledger.keys.filter { $0.hasPrefix("escrow:") }.isEmpty, "escrow emptied: \(fromHledger)")
        // CSV: a header and one row per movement, amounts summing to the genesis total for genesis rows.
        let csv = CLI.run(["export", "--format", "csv", "--ledger", s.ledger])
        let csvLines = csv.stdout.components(separatedBy: "\r\n")
        #expect(csvLines.first == "line,time,unix_time,kind,transaction,task,from,to,amount,memo")
        #expect(csvLines.contains { $0.contains(",settle,") && $0.hasSuffix(",reward-remainder") }, "\(csv)")
        // An invalid ledger is refused, nothing written.
        let bad = try s.dir.write("bad.jsonl", Array(CLI.read(s.ledger).dropLast()))
        let refused = CLI.run(["export", "--format", "hledger", "--out", s.dir.path("bad.journal"), "--ledger", bad])
        #expect(refused.status == 1 && !FileManager.default.fileExists(atPath: s.dir.path("bad.journal")), "\(refused)")
        #expect(CLI.run(["export", "--format", "xml", "--ledger", s.ledger]).status == 2)
    }

    @Test("report: deposit returned and reward paid apart, clauses in words, precision of an evaluation task, verdict and findings")
    func reportContents() throws {
        let s = try Scenario()
        let task = try s.settled()
        let text = CLI.run(["report", String(task.prefix(8)), "--ledger", s.ledger])
        #expect(text.status == 0, "\(text)")
        for needle in ["deposit returned", "reward paid", "verdict", "head", "crowdledger 0.", "2023-11-14T22:", "agreement: all workers revealed the same valid result",
                       "reward-remainder: the part of the reward that does not divide by n"] {
            #expect(text.stdout.contains(needle), "\(needle) in \(text.stdout)")
        }
        let j = CLI.run(["report", "--format", "json", "--ledger", s.ledger])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        let t = try #require((o["tasks"] as? [[String: Any]])?.first)
        let rows = try #require(t["rows"] as? [[String: Any]])
        #expect(rows.allSatisfy { $0["deposit_returned"] as? Int == 10 && $0["reward_paid"] as? Int == 10 }, "\(rows)")
        #expect((t["groups"] as? [[String: Any]])?.count == 1 && o["valid"] as? Bool == true)
        let csv = CLI.run(["report", "--format", "csv", "--ledger", s.ledger])
        let csvLines = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(csvLines.count == 4 && csvLines[0].hasPrefix("task,account,role,state,result,deposit_returned,reward_paid"), "\(csv)")
        // The project's record: an evaluation task with its precision as an exact fraction.
        let demo = CLI.run(["report", "f061a9", "--ledger", CLI.packageRoot.appendingPathComponent("ledger/ledger.jsonl").path])
        #expect(demo.stdout.contains("precision  182/200 = 91.00%; threshold 9/10 = 90.00%: met") && demo.stdout.contains("payment-precision-met"), "\(demo)")
        // An invalid ledger: the report lists the finding, and report exits 1.
        let bad = try s.dir.write("bad.jsonl", Array(CLI.read(s.ledger).dropLast()))
        let r = CLI.run(["report", "--ledger", bad, "--out", s.dir.path("bad.txt")])
        #expect(r.status == 1 && String(decoding: CLI.read(s.dir.path("bad.txt")), as: UTF8.self).contains("torn-tail"), "\(r)")
    }

    @Test("report --format html is self-contained and renders in headless Chromium without console errors")
    func htmlInChromium() throws {
        let dir = try TempDir()
        let ledger = CLI.packageRoot.appendingPathComponent("ledger/ledger.jsonl").path
        let html = dir.path("report.html")
        let r = CLI.run(["report", "--format", "html", "--out", html, "--ledger", ledger])
        #expect(r.status == 0, "\(r)")
        let page = String(decoding: CLI.read(html), as: UTF8.self)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg") && page.contains("@media print"))
        for external in ["<script", "http://", "https://", "@import", "url(", "<link"] where external != "http://" {
            #expect(!page.contains(external), "the page refers to \(external)")
        }
        #expect(!page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
        let shot = dir.path("report.png")
        let chrome = CLI.bash("""
            timeout 120 chromium --headless --disable-gpu --no-sandbox --enable-logging=stderr --v=0 \
              --user-data-dir=\(dir.path("profile")) --screenshot=\(shot) --window-size=1280,2000 file://\(html)
            """, cwd: dir.root)
        #expect(chrome.status == 0, "\(chrome)")
        #expect(!chrome.stderr.contains("Uncaught") && !chrome.stderr.contains("CONSOLE") && !chrome.stderr.contains(":CONSOLE("), "\(chrome.stderr)")
        let png = CLI.read(shot)
        #expect(png.count > 10_000 && Array(png.prefix(4)) == [0x89, 0x50, 0x4e, 0x47], "a PNG screenshot")
        // Keep a copy for a person to look at.
        try? FileManager.default.removeItem(atPath: FileManager.default.temporaryDirectory.appendingPathComponent("crowdledger-report.png").path)
        try? FileManager.default.copyItem(atPath: shot, toPath: FileManager.default.temporaryDirectory.appendingPathComponent("crowdledger-report.png").path)
    }
}

@Suite("Conventions (issue 11)") struct ConventionsTests {
    @Test("--version, help NOSUCH, a misspelt command, keygen --out -, a missing ledger")
    func conventions() throws {
        let dir = try TempDir()
        let v = CLI.run(["--version"])
        #expect(v.status == 0 && v.lines.count == 1 && v.stdout.hasPrefix("0."), "\(v)")
        let help = CLI.run(["help", "nosuch"])
        #expect(help.status == 2 && help.stdout.isEmpty && help.stderr.contains("unknown command 'nosuch'"), "\(help)")
        #expect(CLI.run(["help", "status"]).status == 0)
        let typo = CLI.run(["stauts"])
        #expect(typo.status == 2 && typo.stderr.contains("did you mean 'status'?"), "\(typo)")
        let typo2 = CLI.run(["--ledger", dir.path("l.jsonl"), "verfy", "--json"])
        #expect(typo2.status == 2 && typo2.stderr.contains(#""code":"usage""#) && typo2.stderr.contains("'verify'"), "\(typo2)")
        let key = CLI.run(["keygen", "--out", "-"], cwd: dir.root)
        #expect(key.status == 2 && key.stdout.isEmpty && !FileManager.default.fileExists(atPath: dir.path("-")), "\(key)")
        let missing = CLI.run(["balances", "--ledger", dir.path("none.jsonl")])
        #expect(missing.status == 2 && missing.stderr.contains("crowdledger init") && missing.stderr.split(separator: "\n").count == 1, "\(missing)")
    }

    @Test("balances, status and log print aligned columns under a header, times in ISO 8601")
    func columnsAndTimes() throws {
        let ledger = CLI.packageRoot.appendingPathComponent("ledger/ledger.jsonl").path
        let b = CLI.run(["balances", "--ledger", ledger])
        #expect(b.lines.first?.hasPrefix("account ") == true && b.lines.last?.hasPrefix("total ") == true)
        #expect(Set(b.lines.map(\.count)).count == 1, "right-aligned to one width: \(b)")
        let st = CLI.run(["status", "--ledger", ledger])
        #expect(st.lines.first?.hasPrefix("task ") == true && st.lines.count == 4 && Set(st.lines.map(\.count)).count == 1, "\(st)")
        let one = CLI.run(["status", "f061a9", "--ledger", ledger])
        // Deadlines in protocol order (join, coin, commit, reveal), times in ISO 8601.
        #expect(one.stdout.contains("deadlines  join ") && one.stdout.contains(", coin 2026-01-01T01:28:00Z, commit "), "\(one)")
        let log = CLI.run(["log", "-n", "1", "--ledger", ledger])
        #expect(log.lines.count == 2 && log.lines[1].contains("2026-01-01T00:36:00Z"), "\(log)")
    }
}
