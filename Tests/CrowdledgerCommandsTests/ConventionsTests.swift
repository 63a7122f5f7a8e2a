// Issue 11's command-line conventions, each through the built executable: the man page generated
// from the command definitions (docs/crowdledger.1, kept current), examples in every command's
// help (each a real command line), `--ledger -` for the read commands, shell completion of file
// paths, progress and colour only on a terminal (never with NO_COLOR).

import ArgumentParser
import CrowdledgerCommands
import Foundation
import Testing

@Suite("Conventions: man page, examples, --ledger -, completion, terminal (issue 11)") struct ShellConventionsTests {
    static let env = ["CROWDLEDGER_TIME": String(CLI.t0 + 600)]

    // MARK: The man page

    /// The scratch directory of the build under test (`<scratch>/<triple>/debug/crowdledger`).
    static var scratch: URL {
        URL(fileURLWithPath: CLI.binary).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// swift-argument-parser's generate-manual tool: the one the `generate-manual` plugin built
    /// beside the executable, else built here from the resolved swift-argument-parser checkout
    /// (a package of its own, so no lock on the package's build directory is needed).
    static func generateManualTool() throws -> String {
        let beside = URL(fileURLWithPath: CLI.binary).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("generate-manual-tool").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let checkout = scratch.appendingPathComponent("checkouts/swift-argument-parser").path
        guard FileManager.default.fileExists(atPath: checkout + "/Package.swift") else {
            throw HarnessError("no swift-argument-parser checkout at \(checkout): run `swift build` first")
        }
        let out = scratch.appendingPathComponent("generate-manual").path
        let b = CLI.start(["swift", "build", "--package-path", checkout, "--scratch-path", out, "--product", "generate-manual"],
                          executable: "/usr/bin/env").wait()
        let tool = out + "/debug/generate-manual"
        guard b.status == 0, FileManager.default.isExecutableFile(atPath: tool) else {
            throw HarnessError("cannot build swift-argument-parser's generate-manual: \(b)")
        }
        return tool
    }

    @Test func manPageIsCurrent() throws {
        let committed = CLI.packageRoot.appendingPathComponent("docs/crowdledger.1").path
        let old = String(decoding: CLI.read(committed), as: UTF8.self)
        // Regenerate with the committed page's date, so only a change of content counts.
        let record = ProcessInfo.processInfo.environment["CROWDLEDGER_RECORD"] == "1"
        var date = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        if !record, let line = old.split(separator: "\n").first(where: { $0.hasPrefix(".Dd ") }) {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "MMMM d, yyyy"
            if let d = f.date(from: String(line.dropFirst(4))) {
                date = ISO8601DateFormatter.string(from: d, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
            }
        }
        let dir = try TempDir()
        let tool = try Self.generateManualTool()
        let g = CLI.start([CLI.binary, "--output-directory", dir.root, "--date", date], executable: tool).wait()
        try #require(g.status == 0, "generate-manual failed: \(g)")
        let fresh = CLI.read(dir.path("crowdledger.1"))
        try #require(!fresh.isEmpty, "generate-manual wrote no crowdledger.1: \(g)")
        if record {
            try Data(fresh).write(to: URL(fileURLWithPath: committed))
            Issue.record("wrote a new docs/crowdledger.1; review it and run the tests again without CROWDLEDGER_RECORD")
            return
        }
        if fresh != Array(old.utf8) {
            let a = String(decoding: fresh, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let b = old.split(separator: "\n", omittingEmptySubsequences: false)
            let i = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            Issue.record("""
                docs/crowdledger.1 is stale: the commands changed since it was generated; run scripts/man \
                (or CROWDLEDGER_RECORD=1 swift test --filter manPageIsCurrent) and commit it. First difference at line \(i + 1): \
                committed \(i < b.count ? String(b[i]).debugDescription : "(end)"), generated \(i < a.count ? String(a[i]).debugDescription : "(end)")
                """)
        }
        // It documents every command, with its examples.
        for name in try Self.commandNames() { #expect(old.contains(".It Em \(name)\n"), "no \(name) in the man page") }
        #expect(old.contains("crowdledger transfer --key alice.pem --to \"$BOB\" --amount 5"))
    }

    /// Every command names itself (`commandName:`): without one, swift-argument-parser derives the
    /// name from the type with `String(describing:)` each time it builds the command tree, which
    /// was most of the instructions of every start-up (issue 12).
    @Test func everyCommandHasAnExplicitName() {
        var missing: [String] = []
        func walk(_ command: any ParsableCommand.Type) {
            if command.configuration.commandName == nil { missing.append(String(describing: command)) }
            for sub in command.configuration.subcommands { walk(sub) }
        }
        walk(Crowdledger.self)
        #expect(missing.isEmpty, "commands without commandName: \(missing)")
        #expect(Crowdledger.configuration.subcommands.count >= 31)
    }

    // MARK: Examples in the help

    /// The subcommands, from the root help's SUBCOMMANDS section.
    static func commandNames() throws -> [String] {
        let h = CLI.run(["--help"])
        try #require(h.status == 0)
        var names: [String] = []
        var inList = false
        for line in h.lines {
            if line.hasPrefix("SUBCOMMANDS:") { inList = true; continue }
            if inList {
                if line.isEmpty || !line.hasPrefix("  ") { if !names.isEmpty { break } else { continue } }
                if line.hasPrefix("   ") { continue }  // a wrapped abstract
                if let w = line.split(separator: " ").first { names.append(String(w)) }
            }
        }
        return names.filter { $0 != "help" }
    }

    /// The lines of the Examples section of `crowdledger NAME --help` at `columns`.
    static func examples(_ name: String, columns: Int? = nil) -> [String] {
        let h = CLI.run([name, "--help"], env: columns.map { ["COLUMNS": String($0)] } ?? [:])
        var out: [String] = []
        var inSection = false
        for line in h.lines {
            if line.hasSuffix("Examples:") { inSection = true; continue }
            if inSection {
                guard line.hasPrefix("  ") else { break }
                out.append(String(line.dropFirst(2)))
            }
        }
        return out
    }

    /// The examples in `crowdledger NAME --help` (at 1000 columns, so none is wrapped), run under
    /// bash with a stand-in `crowdledger` that records its arguments: the lines, and each call's
    /// arguments.
    static func exampleCalls(_ name: String, in dir: TempDir) throws -> (lines: [String], calls: [[String]]) {
        // Run the examples under bash with a stand-in `crowdledger` that records its
        // arguments; each must parse (and validate) with the real argument parser.
        let lines = Self.examples(name, columns: 1000)
        let record = dir.path("args-\(name)")
        let script = """
            set +e +o pipefail
            crowdledger() { local a; for a in "$@"; do printf '%s\\037' "$a"; done >> "$RECORD"; printf '\\036' >> "$RECORD"; echo \(String(repeating: "ab", count: 32)); }
            git() { :; }; hledger() { :; }; openssl() { :; }
            ALICE=\(String(repeating: "a1", count: 32)) BOB=\(String(repeating: "b2", count: 32)) TASK=\(String(repeating: "c3", count: 32))
            CROWDLEDGER_COIN=\(String(repeating: "d4", count: 32))
            cd "$WORK"
            \(lines.joined(separator: "\n"))
            """
        let work = dir.path("work-\(name)")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        _ = CLI.bash(script, env: ["RECORD": record, "WORK": work])
        let calls = String(decoding: CLI.read(record), as: UTF8.self).split(separator: "\u{1e}").map {
            $0.split(separator: "\u{1f}", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
        return (lines, calls)
    }

    @Test func everySubcommandHelpHasExamplesThatParse() throws {
        let names = try Self.commandNames()
        #expect(names.count >= 29 && names.contains("transfer") && names.contains("verify") && names.contains("cosign"), "\(names)")
        let dir = try TempDir()
        for name in names {
            // At the usual 80 columns: an Examples section, each line indented (none wrapped).
            let narrow = Self.examples(name)
            #expect(!narrow.isEmpty, "`crowdledger \(name) --help` has no Examples section")
            let (lines, calls) = try Self.exampleCalls(name, in: dir)
            #expect(calls.contains { $0.first == name }, "no example of `crowdledger \(name)` in its help: \(lines)")
            for args in calls {
                #expect(Crowdledger.parseProblem(args) == nil, "example `crowdledger \(args.joined(separator: " "))` does not parse: \(Crowdledger.parseProblem(args) ?? "")")
            }
        }
    }

    // MARK: --ledger - (standard input)

    @Test func readCommandsReadTheLedgerFromStandardInput() throws {
        let dir = try TempDir()
        let a = try CLI.newKey(in: dir, name: "a"), b = try CLI.newKey(in: dir, name: "b")
        let ledger = try CLI.makeLedger(in: dir, keys: [a, b], transfers: 3)
        let bytes = CLI.read(ledger.path)
        let tmp = try TempDir("crowdledger-spool")
        var env = Self.env
        env["TMPDIR"] = tmp.root
        let commands: [[String]] = [
            ["verify"], ["verify", "--json"], ["balances", "--json"], ["balances"], ["status", "--json"], ["log", "--json"],
            ["log", "-n", "1"], ["report", "--format", "json"], ["export", "--format", "csv"], ["head", "--json"],
        ]
        for c in commands {
            let file = CLI.run(c + ["--ledger", ledger.path], env: env)
            try #require(file.status == 0, "\(c): \(file)")
            let redirected = CLI.run(c + ["--ledger", "-"], env: env, stdin: bytes)
            #expect(redirected.status == 0 && redirected.stdout == file.stdout && redirected.stderr.isEmpty, "\(c) < file: \(redirected)")
            // A pipe: `cat ledger | crowdledger CMD --ledger -`.
            var penv = env
            penv["L"] = ledger.path
            penv["BIN"] = CLI.binary
            let piped = CLI.bash("cat \"$L\" | \"$BIN\" \(c.joined(separator: " ")) --ledger -", env: penv)
            #expect(piped.status == 0 && piped.stdout == file.stdout, "cat | \(c): \(piped)")
            // Also through CROWDLEDGER_LEDGER=-.
            var e = env
            e["CROWDLEDGER_LEDGER"] = "-"
            let viaEnv = CLI.run(c, env: e, stdin: bytes)
            #expect(viaEnv.stdout == file.stdout, "CROWDLEDGER_LEDGER=- \(c): \(viaEnv)")
        }
        // The private copies are gone, and no cache was written beside the file either way.
        let left = try FileManager.default.contentsOfDirectory(atPath: tmp.root)
        #expect(left.isEmpty, "left in TMPDIR: \(left)")

        // An invalid ledger from stdin: the finding names `-`, exit 1, one line.
        var bad = bytes
        let text = String(decoding: bad, as: UTF8.self).replacingOccurrences(of: "\"amount\":2,", with: "\"amount\":7,")
        bad = Array(text.utf8)
        for c in [["verify"], ["balances"]] {
            let r = CLI.run(c + ["--ledger", "-"], env: env, stdin: bad)
            #expect(r.status == 1 && r.stderr.hasPrefix("crowdledger: -:3: ") && r.stderr.split(separator: "\n").count == 1, "\(c): \(r)")
            #expect(!r.stderr.contains(tmp.root), "the temporary path leaked: \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.root).isEmpty)
        // Empty standard input is an empty ledger.
        let empty = CLI.run(["verify", "--ledger", "-"], env: env, stdin: [])
        #expect(empty.status == 1 && empty.stderr.contains("empty-ledger"), "\(empty)")
    }

    @Test func appendsAndOtherCommandsRefuseStandardInput() throws {
        let dir = try TempDir()
        let a = try CLI.newKey(in: dir, name: "a"), b = try CLI.newKey(in: dir, name: "b")
        let ledger = try CLI.makeLedger(in: dir, keys: [a, b])
        let before = CLI.read(ledger.path)
        let refused: [[String]] = [
            ["transfer", "--key", a.path, "--to", b.account, "--amount", "1"], ["init", "--fund", "\(a.account)=1"],
            ["settle", "abcdef"], ["repair"], ["wait", "abcdef", "--for", "coin"], ["prove", "--index", "0"],
        ]
        for c in refused {
            for (args, env) in [(c + ["--ledger", "-"], Self.env), (c, Self.env.merging(["CROWDLEDGER_LEDGER": "-"]) { $1 })] {
                let r = CLI.run(args, env: env, stdin: before)
                #expect(r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1
                        && r.stderr.contains("only verify, log, balances, status, report, export and head read a ledger from standard input"), "\(args): \(r)")
            }
        }
        let recompute = CLI.run(["verify", "--recompute", "--ledger", "-"], env: Self.env, stdin: before)
        #expect(recompute.status == 2 && recompute.stderr.contains("--recompute needs"), "\(recompute)")
        expectSameBytes(CLI.read(ledger.path), before)
    }

    // MARK: Shell completion

    @Test func bashCompletionCompletesFilePaths() throws {
        let dir = try TempDir()
        for f in ["k.pem", "l.jsonl", "notes.txt"] { _ = try dir.write(f, "x") }
        try FileManager.default.createDirectory(atPath: dir.path("keys"), withIntermediateDirectories: false)
        let script = """
            cd "$DIR"
            source <("$BIN" --generate-completion-script bash)
            complete_line() {
              COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
              read -ra COMP_WORDS <<<"$COMP_LINE"; COMP_WORDS+=("")
              COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
              _crowdledger crowdledger "" "${COMP_WORDS[COMP_CWORD-1]}"
              echo "$2: $(printf '%s\\n' "${COMPREPLY[@]}" | sort | tr '\\n' ' ')"
            }
            complete_line "crowdledger transfer --key" key
            complete_line "crowdledger verify --ledger" ledger
            complete_line "crowdledger report --out" out
            complete_line "crowdledger commit abcdef --openings" openings
            """
        let r = CLI.bash(script, env: ["DIR": dir.root, "BIN": CLI.binary])
        try #require(r.status == 0, "\(r)")
        let got = Dictionary(uniqueKeysWithValues: r.lines.compactMap { l -> (String, String)? in
            let p = l.split(separator: ":", maxSplits: 1)
            return p.count == 2 ? (String(p[0]), String(p[1]).trimmingCharacters(in: .whitespaces)) : nil
        })
        #expect(got["key"] == "k.pem keys", "--key completes key files (and directories): \(r.stdout)")
        #expect(got["ledger"] == "keys l.jsonl", "--ledger completes ledgers (and directories): \(r.stdout)")
        #expect(got["out"] == "k.pem keys l.jsonl notes.txt", "--out completes any file: \(r.stdout)")
        #expect(got["openings"] == "keys", "--openings completes directories: \(r.stdout)")
        for shell in ["zsh", "fish"] {
            let s = CLI.run(["--generate-completion-script", shell])
            #expect(s.status == 0 && s.stdout.contains("pem") && s.stdout.contains("jsonl"), "\(shell): status \(s.status)")
        }
    }

    // MARK: Terminal: progress and colour

    /// Runs `crowdledger ARGS` on a terminal (util-linux `script`), stdout and stderr both to it;
    /// returns what the terminal received and the exit status.
    static func onTerminal(_ args: [String], env: [String: String] = [:], noColor: String? = nil) -> CLIResult {
        var e = env
        e["TERM"] = "xterm"
        e["CMD"] = ([CLI.binary] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        if let noColor { e["NO_COLOR"] = noColor }
        return CLI.bash((noColor == nil ? "unset NO_COLOR; " : "") + "script -qec \"$CMD\" /dev/null", env: e)
    }

    @Test func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        let dir = try TempDir()
        let a = try CLI.newKey(in: dir, name: "a"), b = try CLI.newKey(in: dir, name: "b")
        let ledger = try CLI.makeLedger(in: dir, keys: [a, b], transfers: 1)
        let esc = "\u{1b}["
        // Piped (the harness's stdout and stderr are files): no escape codes, nothing extra.
        let piped = CLI.run(["verify", "--ledger", ledger.path], env: ["TERM": "xterm"])
        #expect(piped.status == 0 && piped.stdout.hasPrefix("ok: ") && !piped.stdout.contains(esc) && piped.stderr.isEmpty, "\(piped)")

        let tty = Self.onTerminal(["verify", "--ledger", ledger.path])
        #expect(tty.status == 0 && tty.stdout.contains("\(esc)32mok\(esc)0m: 2 entries"), "verify on a terminal: \(tty.stdout.debugDescription)")
        for value in ["1", "true"] {
            let off = Self.onTerminal(["verify", "--ledger", ledger.path], noColor: value)
            #expect(off.status == 0 && off.stdout.hasPrefix("ok: 2 entries") && !off.stdout.contains(esc), "NO_COLOR=\(value): \(off.stdout.debugDescription)")
        }
        // NO_COLOR set but empty does not disable colour (no-color.org).
        let empty = Self.onTerminal(["verify", "--ledger", ledger.path], noColor: "")
        #expect(empty.stdout.contains("\(esc)32mok"), "NO_COLOR='': \(empty.stdout.debugDescription)")

        // A finding on a terminal is red; piped it is the plain line.
        var bad = String(decoding: CLI.read(ledger.path), as: UTF8.self)
        bad = bad.replacingOccurrences(of: "\"amount\":1,", with: "\"amount\":9,")
        let badPath = try dir.write("bad.jsonl", bad)
        let red = Self.onTerminal(["verify", "--ledger", badPath])
        #expect(red.status == 1 && red.stdout.contains("\(esc)31mcrowdledger: \(badPath):2: bad-hash"), "\(red.stdout.debugDescription)")
        let plain = CLI.run(["verify", "--ledger", badPath], env: ["TERM": "xterm"])
        #expect(plain.status == 1 && plain.stderr.hasPrefix("crowdledger: \(badPath):2: bad-hash") && !plain.stderr.contains(esc))
        // --json never colours, even on a terminal.
        let json = Self.onTerminal(["verify", "--json", "--ledger", badPath])
        #expect(json.status == 1 && !json.stdout.contains(esc), "\(json.stdout.debugDescription)")

        // status: the phase column in colour on a terminal, the same columns when piped.
        let s = try Scenario()
        let task = try s.filled()
        let statusTTY = Self.onTerminal(["status", "--ledger", s.ledger], env: ["CROWDLEDGER_TIME": String(s.t)])
        let statusPiped = CLI.run(["status", "--ledger", s.ledger], env: ["CROWDLEDGER_TIME": String(s.t), "TERM": "xterm"])
        #expect(statusTTY.stdout.contains("\(task)  \(esc)33mcoin\(esc)0m  "), "\(statusTTY.stdout.debugDescription)")
        #expect(statusPiped.status == 0 && statusPiped.stdout.contains("\(task)  coin   hash-iterate") && !statusPiped.stdout.contains(esc), "\(statusPiped)")
        let stripped = statusTTY.stdout.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\(esc)33m", with: "").replacingOccurrences(of: "\(esc)0m", with: "")
        #expect(stripped == statusPiped.stdout, "colour changes nothing but the escape codes")
    }

    @Test func noProgressWhenStderrIsNotATerminal() throws {
        let dir = try TempDir()
        let a = try CLI.newKey(in: dir, name: "a"), b = try CLI.newKey(in: dir, name: "b")
        let ledger = try CLI.makeLedger(in: dir, keys: [a, b], transfers: 20)
        // The demo's record with --recompute re-runs training: long enough to draw progress on a terminal.
        let demo = CLI.packageRoot.appendingPathComponent("ledger/ledger.jsonl").path
        for args in [["verify", "--ledger", ledger.path], ["verify", "--recompute", "--ledger", demo], ["verify", "--json", "--ledger", demo]] {
            let r = CLI.run(args, env: ["TERM": "xterm"])
            #expect(r.status == 0 && r.stderr.isEmpty && !r.stdout.contains("\r"), "\(args): \(r)")
        }
        // On a terminal, --json never shows progress either.
        let json = Self.onTerminal(["verify", "--json", "--recompute", "--ledger", demo])
        #expect(json.status == 0 && !json.stdout.contains("\u{1b}[K"), "\(json.stdout.debugDescription)")
        // A quick verify on a terminal prints its result only (progress waits a second first).
        let quick = Self.onTerminal(["verify", "--ledger", ledger.path], noColor: "1")
        #expect(quick.stdout.hasPrefix("ok: 21 entries"), "\(quick.stdout.debugDescription)")
    }
}
