import Files
import ArgumentParser
import Audit
import Client
import CanonicalJSON
import Contract
import LedgerModel
import LedgerStore
import LedgerCrypto
import Report
import LedgerTree
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the ledger with its genesis allocations; never overwrites.",
        discussion: helpText(examples: "crowdledger init --fund \"$ALICE=1000\" --fund \"$BOB=100\"",
                             "crowdledger init --ledger team.jsonl --name team --fund \"$ALICE=500\" --json"))

    @OptionGroup var options: LedgerOptions

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("An initial allocation (repeatable).", valueName: "ID=AMOUNT"))
    var fund: [String] = []

    @Option(name: .long, help: "A name for the ledger, recorded in genesis.")
    var name: String = "crowdledger"

    @Option(name: .long, help: ArgumentHelp("The genesis salt, 64 lower-case hex digits (default: 32 random bytes). Give one only for a reproducible record: two ledgers with the same salt, name, allocations and time have the same id.", valueName: "HEX"))
    var salt: String?
    @OptionGroup var output: AppendOutput

    func run() throws {
        let request = try GenesisRequest(funds: fund, salt: salt)
        let genesis = try options.client.create(name: name, allocations: request.allocations, salt: request.salt, time: try Clock.now())
        Output.appended(genesis, json: output.json, id: genesis.hash)
    }
}

struct Transfer: AppendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Move funds from the key's account to another account.",
        discussion: helpText(examples: "crowdledger transfer --key alice.pem --to \"$BOB\" --amount 5",
                             "crowdledger transfer --key alice.pem --to \"$BOB\" --amount 5 --json"))

    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("The sender's key file.", valueName: "K"), completion: .file(extensions: ["pem"])) var key: String
    @Option(name: .long, help: ArgumentHelp("The recipient's account id.", valueName: "ID")) var to: String
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("A positive integer amount.", valueName: "N")) var amount: Int64
    @OptionGroup var output: AppendOutput

    func operation(keys: KeyLoader) throws -> LedgerClient.Operation {
        let to = try Accounts.parse(to, what: "--to")
        guard amount > 0 else { throw ToolError.usage("--amount must be a positive integer, got \(amount)") }
        return try options.client(openings: Openings(keyFile: key).directory).transferOperation(key: try keys.load(key), to: to, amount: amount)
    }

    func run() throws { Output.appended(try perform(), json: output.json) }
}

struct Balances: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "balances",
        abstract: "Print every account's balance, the escrow and the burned total.",
        discussion: helpText(examples: "crowdledger balances", "crowdledger balances --json",
                             "git show HEAD:ledger.jsonl | crowdledger balances --ledger -"))

    @OptionGroup var options: ReadLedgerOptions
    @Flag(name: .long, help: "Print {\"accounts\":{ID:N,...},\"burned\":N,\"escrow\":N,\"total\":N}.") var json = false

    func run() throws {
        let state = try options.reading { try Session.state(path: $0, cache: !options.isStandardInput) }
        if json {
            var accounts: [String: JSON] = [:]
            for (k, v) in state.balances { accounts[k] = .int(v) }
            Output.json(.object(["accounts": .object(accounts), "burned": .int(state.burned),
                                 "escrow": .int(state.escrow), "total": .int(state.genesisTotal)]))
            return
        }
        let rows = [["account", "balance"]] + state.balances.sorted(by: { $0.key < $1.key }).map { [$0.key, String($0.value)] }
            + [["escrow", String(state.escrow)], ["burned", String(state.burned)], ["total", String(state.genesisTotal)]]
        for l in columns(rows, right: [1]) { Output.line(l) }
    }
}

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print the ledger's entries, one per line (times in ISO 8601 UTC; raw seconds with --json).",
        discussion: helpText(examples: "crowdledger log \"$TASK\"", "crowdledger log --account \"$BOB\" -n 5 --json",
                             "crowdledger log -n 1 --json          # what the last append wrote"))

    @OptionGroup var options: ReadLedgerOptions
    @Argument(help: "Only the entries of this task (its id, or a prefix of at least 6 hex digits).") var task: String?
    @Option(name: .long, help: ArgumentHelp("Only the entries this account signed, receives or is paid by (genesis, transfers, payouts).", valueName: "ID"))
    var account: String?
    @Option(name: .short, help: ArgumentHelp("Only the last N entries (after the other filters).", valueName: "N")) var n: Int?
    @Flag(name: .long, help: "One JSON object per entry: {\"body\",\"hash\",\"id\",\"kind\",\"line\",\"party\",\"time\"}.") var json = false

    func run() throws {
        if let n, n < 0 { throw ToolError.usage("-n must be a non-negative number of entries, got \(n)") }
        if let task {
            guard task.count >= 6, task.count <= 64, task.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw ToolError.usage("a task is named by its id or a prefix of at least 6 lower-case hex digits, got \"\(task)\"")
            }
        }
        let account = try account.map { try Accounts.parse($0, what: "--account") }
        var kept: [[String]] = []
        var jsonLines: [JSON] = []
        let limit = n
        let result = try options.reading { path in try Session.read(path: path, cache: !options.isStandardInput) { entry, _ in
            let tx = entry.tx
            if let task {
                guard Describe.task(of: tx)?.hasPrefix(task) == true else { return }
            }
            if let account, !Describe.concerns(tx, account) { return }
            if json {
                var o: JSONObject = ["body": .object(tx.body), "hash": .string(entry.hash), "id": .string(tx.id),
                                     "kind": .string(tx.kind), "line": .int(entry.seq), "time": .int(entry.time)]
                o["party"] = tx.party.map(JSON.string) ?? .null
                if limit == nil { Output.json(.object(o)) } else { jsonLines.append(.object(o)) }
            } else {
                kept.append([String(entry.seq), ISOTime.format(entry.time), tx.kind, tx.party.map { String($0.prefix(12)) } ?? "-", Describe.body(tx)])
            }
            if let limit {
                if jsonLines.count > limit { jsonLines.removeFirst(jsonLines.count - limit) }
                if kept.count > limit { kept.removeFirst(kept.count - limit) }
            }
        } }
        for j in jsonLines { Output.json(j) }
        if !json && !kept.isEmpty {
            for l in columns([["line", "time", "kind", "party", "what"]] + kept, right: [0]) { Output.line(l) }
        }
        if let f = result.findings.first {
            throw Diagnostic(f, file: options.name, note: "only the entries that apply were printed; `verify --json` lists every finding")
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Replay the ledger and check every line, link, signature, phase, deadline, opening and payout.",
        discussion: helpText(
            """
            Prints `ok: ...` (exit 0) or the first finding on stderr (exit 1). On a terminal, a \
            long run shows its progress on stderr, and the result is in colour (never with \
            NO_COLOR set, nor when piped). --state FILE saves the auditor's state after a verify \
            without findings; --since CHECKPOINT --state FILE then checks only the lines appended \
            after that state, which must match the checkpoint (docs/TRANSPARENCY.md §5).
            """,
            examples: "crowdledger verify --recompute", "cat ledger.jsonl | crowdledger verify --ledger - --json",
            "crowdledger verify --checkpoint cp.txt --trust \"$ALICE\"",
            "crowdledger verify --state audit.state --since cp.txt"))

    @OptionGroup var options: ReadLedgerOptions
    @Flag(name: .long, help: "Print a JSON report with every finding.") var json = false
    @Flag(name: .long, help: "Also re-run the built-in program of every settled task and compare the agreed result.") var recompute = false
    @Option(name: .long, help: ArgumentHelp("The auditor's clock, Unix seconds (default: the system clock; never $CROWDLEDGER_TIME). Entries more than 300 s later are future-time findings.", valueName: "T"))
    var now: Int64?
    @Option(name: .long, help: ArgumentHelp("A signed checkpoint the ledger must extend (repeatable; docs/TRANSPARENCY.md).", valueName: "FILE"), completion: .file()) var checkpoint: [String] = []
    @Option(name: .long, help: ArgumentHelp("Accept checkpoint signatures only by this account id or verifier key (repeatable).", valueName: "ID")) var trust: [String] = []
    @Option(name: .long, help: ArgumentHelp("The auditor's state file: written after a verify without findings; read (and updated) by --since.", valueName: "FILE")) var state: String?
    @Option(name: .long, help: ArgumentHelp("Check only the lines after the --state, which must match this signed checkpoint (size and root).", valueName: "CHECKPOINT")) var since: String?

    func run() throws {
        if let now, now < 0 { throw ToolError.usage("--now must be a non-negative integer number of Unix seconds, got \(now)") }
        if since != nil && state == nil { throw ToolError.usage("--since CHECKPOINT needs --state FILE (the state a previous verify --state saved)") }
        if recompute && options.isStandardInput {
            throw ToolError.usage("--recompute needs the task inputs in the blob store beside a ledger file; --ledger - has none (give the file)")
        }
        let clock = now ?? Clock.system()
        var saved: AuditorState?
        let report = try options.reading { path in
            // Progress only for a person at a terminal: never with --json.
            let progress = json ? nil : Progress.start(label: "verify \(options.name)", path: path)
            defer { progress?.stop() }
            let (report, state) = try Verification.run(ledger: path, recompute: recompute, now: clock, checkpoints: checkpoint,
                                                       trust: trust, state: state, since: since)
            saved = state
            return report
        }
        // The state is written only after a verify without findings, before anything is printed.
        if let state, let saved, report.findings.isEmpty { try saved.save(path: state) }
        if json { Output.json(report.json) }
        if let first = report.findings.first {
            let more = report.findings.count > 1 ? "and \(report.findings.count - 1) more finding(s); verify --json lists them all" : nil
            throw Diagnostic(first, file: options.name, note: more)
        }
        if !json {
            let summary = report.summary
            Output.line(summary.hasPrefix("ok:") ? Terminal.paint("ok", .green) + summary.dropFirst(2) : summary)
            if let state, let saved { Output.line("state \(state): size \(saved.size) root \(saved.root)") }
        }
    }
}

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Remove a torn last line (an interrupted append), keeping a backup of the file first.",
        discussion: helpText(examples: "crowdledger repair --ledger ledger.jsonl"))

    @OptionGroup var options: LedgerOptions

    func run() throws {
        let path = options.path
        switch try LedgerRepair.repair(path: path, time: try Clock.now()) {
        case .nothingToRepair:
            Output.line("nothing to repair: the last line of \(path) is complete")
        case .removedFile(let bytes, let backup):
            Output.line("removed \(path): its only line, the genesis, was torn (\(bytes) bytes); the original is kept at \(backup); run `crowdledger init` again")
        case .truncated(let line, let bytes, let backup):
            Output.line("removed the torn line \(line) (\(bytes) bytes); the original is kept at \(backup)")
        }
    }
}
