public import ArgumentParser
import Files
import Report
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGPIPE's handler: nothing (the write then fails with EPIPE, which `Output` handles).
private func ignoreSignal(_: Int32) {}

public struct Crowdledger: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "crowdledger",
        abstract: "Run the crowdsourced-computation protocol on a signed, hash-chained JSON-lines ledger, and audit it.",
        discussion: """
        Exit status: 0 success; 1 the ledger is invalid or the contract rejected the transaction \
        (nothing was written); 2 usage, input or I/O error.
        New entries take the system clock, or $CROWDLEDGER_TIME (integer Unix seconds) when set.
        """,
        version: ToolVersion.current,
        subcommands: [
            Keygen.self, AccountCommand.self, InitCommand.self, Transfer.self,
            Publish.self, Join.self, CoinCommand.self, Run.self, Commit.self, Reveal.self, Cancel.self, Settle.self, Batch.self,
            WaitCommand.self, Status.self, Balances.self, Log.self, Verify.self, ReportCommand.self, ExportCommand.self, Repair.self,
            MechanismCommand.self, Derive.self, DemoCommand.self, MergeDriver.self, GitSetup.self,
            Head.self, Prove.self, CheckProof.self, CheckpointCommand.self, Cosign.self,
        ]
    )

    public init() {}

    /// Parses and runs, mapping every failure to one stderr line (one JSON object with `--json`)
    /// and the contract's exit status.
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        // A reader that closes the pipe (`crowdledger log | head -1`) must not kill us with
        // SIGPIPE (status 141): a handler that does nothing makes the write fail with EPIPE
        // instead, and unlike SIG_IGN it is not inherited by programs we run.
        signal(SIGPIPE, ignoreSignal)
        let args = arguments ?? Array(CommandLine.arguments.dropFirst())
        let json = wantsJSON(args)
        if arguments == nil, let problem = nonUTF8Input() {
            Diagnostics.report(.usage(problem), json: json)
            terminate(2)
        }
        let leaf = fullParseForced() ? nil : parsedLeaf(args)
        if leaf == nil, let unknown = unknownCommand(args) {
            Diagnostics.report(.usage(unknown), json: json)
            terminate(2)
        }
        do {
            var command = try leaf ?? parseAsRoot(globalOptionsMoved(args))
            do { try command.run() } catch {
                if let failure = Output.writeFailure { Output.err("crowdledger: cannot write to standard output: \(failure)") }
                throw error
            }
            if let failure = Output.writeFailure {
                if let entry = Output.appendedEntry {
                    // The entry is durably on the ledger: the command succeeded; only its report
                    // to stdout was lost. A script finds it with `log -n 1 --json`.
                    Output.err("crowdledger: warning: cannot write to standard output: \(failure); line \(entry.seq) (transaction \(entry.tx.id), hash \(entry.hash)) was appended and stands; `crowdledger log -n 1 --json` shows it")
                    terminate(0)
                }
                Output.err("crowdledger: cannot write to standard output: \(failure)")
                terminate(2)
            }
            terminate(0)
        } catch {
            if let e = error as? ExitCode { terminate(e.rawValue) }
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                terminate(0)
            }
            if isArgumentParserError(error) {
                // One line: the reason, and where to read more.
                let reason = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                Diagnostics.report(.usage(json ? reason : "\(reason) (see `crowdledger help`)"), json: json)
                terminate(2)
            }
            var d = Diagnostics.diagnostic(for: error)
            if d.kind == .usage, let ledger = LedgerOptions.pathInUse, d.description.contains("\(ledger): no such file"), !FileIO.exists(ledger) {
                d.message += " (there is no ledger at \(ledger): create one with `crowdledger init --fund ID=AMOUNT`, or name another with --ledger PATH or $CROWDLEDGER_LEDGER)"
            }
            Diagnostics.report(d, json: json)
            terminate(Diagnostics.exitStatus(d.kind))
        }
    }

    /// The subcommand called `name`, found without evaluating any command's configuration
    /// (swift-argument-parser's full parse builds the whole tree: every command's configuration,
    /// and the root's arguments). Every subcommand is a leaf (none has subcommands of its own).
    /// A test checks this table against `configuration.subcommands`.
    static func subcommand(named name: String) -> ParsableCommand.Type? {
        switch name {
        case "keygen": Keygen.self
        case "account": AccountCommand.self
        case "init": InitCommand.self
        case "transfer": Transfer.self
        case "publish": Publish.self
        case "join": Join.self
        case "coin": CoinCommand.self
        case "run": Run.self
        case "commit": Commit.self
        case "reveal": Reveal.self
        case "cancel": Cancel.self
        case "settle": Settle.self
        case "batch": Batch.self
        case "wait": WaitCommand.self
        case "status": Status.self
        case "balances": Balances.self
        case "log": Log.self
        case "verify": Verify.self
        case "report": ReportCommand.self
        case "export": ExportCommand.self
        case "repair": Repair.self
        case "mechanism": MechanismCommand.self
        case "derive": Derive.self
        case "demo": DemoCommand.self
        case "merge-driver": MergeDriver.self
        case "git-setup": GitSetup.self
        case "head": Head.self
        case "prove": Prove.self
        case "check-proof": CheckProof.self
        case "checkpoint": CheckpointCommand.self
        case "cosign": Cosign.self
        default: nil
        }
    }

    /// The start-up fast path: `crowdledger SUBCOMMAND ARGS...` with nothing unusual is parsed by
    /// swift-argument-parser as that subcommand alone (`SUBCOMMAND.parseAsRoot(ARGS)`, which also
    /// runs its `validate()`), without building the whole command tree first. nil, and the caller
    /// takes the full path (`parseAsRoot` on the root, which makes every message, help text and
    /// exit status), whenever the first argument is not a subcommand's name (`help`, an option,
    /// `--ledger` before the subcommand, a misspelling), when any argument could be a built-in
    /// request (help, version, completion script, `---completion`, `--experimental-dump-help`, a
    /// short-option cluster with `h`), and on any error. The parsed command is the same value the
    /// full path gives (tests compare both paths on every help example and on bad invocations).
    static func parsedLeaf(_ args: [String]) -> ParsableCommand? {
        guard let first = args.first, let type = subcommand(named: first) else { return nil }
        let rest = Array(args.dropFirst())
        for a in rest {
            let bytes = Array(a.utf8)
            if contains(bytes, "help") || contains(bytes, "version") || contains(bytes, "completion") || a.hasPrefix("---") { return nil }
            if a.hasPrefix("-"), !a.hasPrefix("--"), bytes.contains(UInt8(ascii: "h")) { return nil }
        }
        return parsedAlone(type, rest)
    }

    /// Whether `word` occurs in `bytes` (a plain byte scan: `String.contains(String)` comes from
    /// _StringProcessing, whose generic set-up costs more than this whole check).
    private static func contains(_ bytes: [UInt8], _ word: StaticString) -> Bool {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard bytes.count >= w.count else { return false }
        for i in 0...(bytes.count - w.count) where bytes[i..<(i + w.count)].elementsEqual(w) { return true }
        return false
    }

    private static func parsedAlone<C: ParsableCommand>(_ type: C.Type, _ args: [String]) -> ParsableCommand? {
        guard let parsed = try? C.parseAsRoot(args), parsed is C else { return nil }
        return parsed
    }

    /// `CROWDLEDGER_PARSE=full` turns the fast path off (for the tests that compare both paths
    /// through the real binary).
    static func fullParseForced() -> Bool {
        guard let v = getenv("CROWDLEDGER_PARSE") else { return false }
        return strcmp(v, "full") == 0
    }

    /// How `args` parse, through the fast path (`fast`) or the full one: the parsed command's
    /// every stored value (`dump`), or the parser's error message and exit code. How the tests
    /// check that both paths agree; nil when the fast path declines (it then takes the full path).
    public static func parseOutcome(_ args: [String], fast: Bool) -> String? {
        let parsed: ParsableCommand
        if fast {
            guard let leaf = parsedLeaf(args) else { return nil }
            parsed = leaf
        } else {
            do { parsed = try parseAsRoot(globalOptionsMoved(args)) } catch {
                return "error \(exitCode(for: error).rawValue): \(fullMessage(for: error))"
            }
        }
        var out = "\(Swift.type(of: parsed)): "
        dump(parsed, to: &out)
        return out
    }

    /// Arguments and `CROWDLEDGER_*` variables must be valid UTF-8: Swift would otherwise repair
    /// the bytes (a different file name) or ignore the variable (the default ledger, the system
    /// clock). Refused with one line and exit 2.
    static func nonUTF8Input() -> String? {
        for i in 1..<Int(CommandLine.argc) {
            guard let arg = CommandLine.unsafeArgv[i] else { continue }
            if String(validatingCString: arg) == nil {
                return "argument \(i) is not valid UTF-8; file names and values must be UTF-8 (nothing was done)"
            }
        }
        var env = environ
        while let p = env.pointee {
            let raw = UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self)
            let bytes = UnsafeBufferPointer(start: raw, count: strlen(p))
            if bytes.starts(with: Array("CROWDLEDGER_".utf8)), String(validatingCString: p) == nil {
                let name = String(decoding: bytes.prefix(while: { $0 != UInt8(ascii: "=") }), as: UTF8.self)
                return "\(name) is not valid UTF-8; it must name the value as UTF-8 text (nothing was done)"
            }
            env += 1
        }
        return nil
    }

    /// The names of the subcommands.
    static var commandNames: [String] {
        configuration.subcommands.map { $0.configuration.commandName ?? "" }  // every command names itself (a test checks it)
    }

    /// A misspelt subcommand (`stauts`) or `help NOSUCH`: the error line, with the nearest names.
    static func unknownCommand(_ args: [String]) -> String? {
        let moved = globalOptionsMoved(args)
        guard let first = moved.first, !first.hasPrefix("-") else { return nil }
        let names = commandNames + ["help"]
        var word = first
        if first == "help" {
            guard moved.count >= 2, !moved[1].hasPrefix("-") else { return nil }
            word = moved[1]
        }
        guard !names.contains(word) else { return nil }
        let near = names.filter { $0 != "help" && (editDistance($0, word) <= 2 || ($0.hasPrefix(word) && word.count >= 2)) }
        let hint = near.isEmpty ? "" : "; did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))?"
        return "unknown command '\(word)'\(hint) (`crowdledger help` lists them)"
    }

    /// Levenshtein distance, with a swap of two neighbours counting as one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    /// Whether `--json` was given (before any `--`): errors are then one JSON object on stderr.
    static func wantsJSON(_ args: [String]) -> Bool {
        for a in args {
            if a == "--" { return false }
            if a == "--json" { return true }
        }
        return false
    }

    /// `--ledger PATH` is global: given before the subcommand (`crowdledger --ledger L verify`),
    /// it is moved after the subcommand's name, where the subcommands declare it.
    static func globalOptionsMoved(_ args: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < args.count {
            if args[i] == "--ledger", i + 1 < args.count {
                leading += [args[i], args[i + 1]]
                i += 2
            } else if args[i].hasPrefix("--ledger=") {
                leading.append(args[i])
                i += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, i < args.count else { return args }
        return [args[i]] + leading + args[(i + 1)...]
    }

    /// nil when `args` parse (and validate) as a command line, else the parser's message: how the
    /// tests check that every example in the help is a real command line.
    public static func parseProblem(_ args: [String]) -> String? {
        do { _ = try parseAsRoot(globalOptionsMoved(args)); return nil } catch { return message(for: error) }
    }

    static func isArgumentParserError(_ error: Error) -> Bool {
        let code = exitCode(for: error)
        return code == .validationFailure || String(reflecting: type(of: error)).contains("ArgumentParser")
    }
}

/// Ends the process with `status` (at file scope, so `exit` is the C library's, not
/// ParsableCommand's).
func terminate(_ status: Int32) -> Never { exit(status) }
