import Files
import ArgumentParser
import Audit
import Client
import CanonicalJSON
import Contract
import LedgerModel
import LedgerStore
import LedgerCrypto
import LedgerTree
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the ledger with its genesis allocations; never overwrites.")

    @OptionGroup var options: LedgerOptions

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("An initial allocation (repeatable).", valueName: "ID=AMOUNT"))
    var fund: [String] = []

    @Option(name: .long, help: "A name for the ledger, recorded in genesis.")
    var name: String = "crowdledger"

    @Option(name: .long, help: ArgumentHelp("The genesis salt, 64 lower-case hex digits (default: 32 random bytes). Give one only for a reproducible record: two ledgers with the same salt, name, allocations and time have the same id.", valueName: "HEX"))
    var salt: String?

    func run() throws {
        var allocations: [String: Int64] = [:]
        var total: Int64 = 0
        for f in fund {
            let parts = f.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw ToolError.usage("--fund takes ID=AMOUNT, got \"\(f)\"") }
            let id = try Accounts.parse(String(parts[0]), what: "--fund account")
            guard let amount = Int64(parts[1]), amount > 0, String(amount) == parts[1] else {
                throw ToolError.usage("--fund amount must be a positive integer, got \"\(parts[1])\"")
            }
            guard allocations[id] == nil else { throw ToolError.usage("--fund names \(id) twice") }
            let (t, o) = total.addingReportingOverflow(amount)
            guard !o else { throw ToolError.usage("--fund amounts overflow a signed 64-bit total") }
            total = t
            allocations[id] = amount
        }
        var saltBytes: [UInt8]?
        if let salt {
            guard Hex.isCanonical(salt, byteCount: LedgerFormat.saltBytes), let b = Hex.decode(salt) else {
                throw ToolError.usage("--salt must be \(LedgerFormat.saltBytes * 2) lower-case hex digits, got \"\(salt)\"")
            }
            saltBytes = b
        }
        let genesis = try options.client.create(name: name, allocations: allocations, salt: saltBytes, time: try Clock.now())
        Output.line(genesis.hash)
    }
}

struct Transfer: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Move funds from the key's account to another account.")

    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("The sender's key file.", valueName: "K")) var key: String
    @Option(name: .long, help: ArgumentHelp("The recipient's account id.", valueName: "ID")) var to: String
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("A positive integer amount.", valueName: "N")) var amount: Int64

    func run() throws {
        let to = try Accounts.parse(to, what: "--to")
        guard amount > 0 else { throw ToolError.usage("--amount must be a positive integer, got \(amount)") }
        let entry = try options.client(openings: Openings(keyFile: key).directory).transfer(key: try KeyFile.load(key), to: to, amount: amount, time: try Clock.now())
        Output.line(entry.tx.id)
    }
}

struct Balances: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print every account's balance, the escrow and the burned total.")

    @OptionGroup var options: LedgerOptions
    @Flag(name: .long, help: "Print {\"accounts\":{ID:N,...},\"burned\":N,\"escrow\":N,\"total\":N}.") var json = false

    func run() throws {
        let state = try Session.state(path: options.path)
        if json {
            var accounts: [String: JSON] = [:]
            for (k, v) in state.balances { accounts[k] = .int(v) }
            Output.json(.object(["accounts": .object(accounts), "burned": .int(state.burned),
                                 "escrow": .int(state.escrow), "total": .int(state.genesisTotal)]))
            return
        }
        for (k, v) in state.balances.sorted(by: { $0.key < $1.key }) { Output.line("\(k)  \(v)") }
        Output.line("escrow  \(state.escrow)")
        Output.line("burned  \(state.burned)")
        Output.line("total  \(state.genesisTotal)")
    }
}

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the ledger's entries, one per line.")

    @OptionGroup var options: LedgerOptions
    @Flag(name: .long, help: "One JSON object per entry: {\"body\",\"hash\",\"id\",\"kind\",\"line\",\"party\",\"time\"}.") var json = false

    func run() throws {
        var replayOptions = Replay.Options()
        replayOptions.waitForWriters = true
        let result = try Replay.run(path: options.path, options: replayOptions) { entry, _ in
            let tx = entry.tx
            if json {
                var o: JSONObject = ["body": .object(tx.body), "hash": .string(entry.hash), "id": .string(tx.id),
                                     "kind": .string(tx.kind), "line": .int(entry.seq), "time": .int(entry.time)]
                o["party"] = tx.party.map(JSON.string) ?? .null
                Output.json(.object(o))
            } else {
                Output.line("\(entry.seq)  \(entry.time)  \(tx.kind)  \(tx.party.map { String($0.prefix(12)) } ?? "-")  \(Describe.body(tx))")
            }
        }
        if let f = result.findings.first {
            throw Diagnostic(f, file: options.path, note: "only the entries that apply were printed; `verify --json` lists every finding")
        }
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay the ledger and check every line, link, signature, phase, deadline, opening and payout.",
        discussion: "--state FILE saves the auditor's state after a verify without findings; --since CHECKPOINT --state FILE then checks only the lines appended after that state, which must match the checkpoint (docs/TRANSPARENCY.md §5).")

    @OptionGroup var options: LedgerOptions
    @Flag(name: .long, help: "Print a JSON report with every finding.") var json = false
    @Flag(name: .long, help: "Also re-run the built-in program of every settled task and compare the agreed result.") var recompute = false
    @Option(name: .long, help: ArgumentHelp("The auditor's clock, Unix seconds (default: the system clock; never $CROWDLEDGER_TIME). Entries more than 300 s later are future-time findings.", valueName: "T"))
    var now: Int64?
    @Option(name: .long, help: ArgumentHelp("A signed checkpoint the ledger must extend (repeatable; docs/TRANSPARENCY.md).", valueName: "FILE")) var checkpoint: [String] = []
    @Option(name: .long, help: ArgumentHelp("Accept checkpoint signatures only by this account id or verifier key (repeatable).", valueName: "ID")) var trust: [String] = []
    @Option(name: .long, help: ArgumentHelp("The auditor's state file: written after a verify without findings; read (and updated) by --since.", valueName: "FILE")) var state: String?
    @Option(name: .long, help: ArgumentHelp("Check only the lines after the --state, which must match this signed checkpoint (size and root).", valueName: "CHECKPOINT")) var since: String?

    func run() throws {
        if let now, now < 0 { throw ToolError.usage("--now must be a non-negative integer number of Unix seconds, got \(now)") }
        if since != nil && state == nil { throw ToolError.usage("--since CHECKPOINT needs --state FILE (the state a previous verify --state saved)") }
        let clock = now ?? Clock.system()
        var report: AuditReport
        var saved: AuditorState?
        if let since, let state {
            let previous = try AuditorState.load(path: state)
            switch try SinceAudit.start(ledger: options.path, checkpoint: since, state: previous, statePath: state, trust: trust) {
            case .failure(let f):
                report = AuditReport(findings: [f], lines: Int(previous.size), ledgerID: previous.ledger, head: previous.head, tasks: previous.state.tasks.count, recomputed: 0)
                report.since = Int(previous.size)
            case .success(let resume):
                (report, saved) = try IncrementalAudit.verify(ledger: options.path, from: previous, resume: resume, recompute: recompute, now: clock)
            }
        } else if let state {
            // Never replace a file that is not an auditor state (the ledger itself, a key, …).
            if FileIO.exists(state) {
                do { _ = try AuditorState.load(path: state) } catch {
                    throw ToolError.usage("--state \(state): the file exists and is not an auditor state file; not replacing it (remove it first): \(error)")
                }
            }
            (report, saved) = try IncrementalAudit.verify(ledger: options.path, from: nil, resume: nil, recompute: recompute, now: clock)
        } else {
            report = try Auditor.verify(path: options.path, recompute: recompute, now: clock)
        }
        if !checkpoint.isEmpty || (!trust.isEmpty && since == nil) {
            report.findings += try TransparencyAudit.findings(ledger: options.path, ledgerID: report.ledgerID, checkpoints: checkpoint, trust: trust)
        }
        // The state is written only after a verify without findings, before anything is printed.
        if let state, let saved, report.findings.isEmpty { try saved.save(path: state) }
        if json { Output.json(report.json) }
        if let first = report.findings.first {
            let more = report.findings.count > 1 ? "and \(report.findings.count - 1) more finding(s); verify --json lists them all" : nil
            throw Diagnostic(first, file: options.path, note: more)
        }
        if !json {
            Output.line(report.summary)
            if let state, let saved { Output.line("state \(state): size \(saved.size) root \(saved.root)") }
        }
    }
}

struct Repair: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a torn last line (an interrupted append), keeping a backup of the file first.")

    @OptionGroup var options: LedgerOptions

    func run() throws {
        let path = options.path
        let writer = try LedgerFile.Writer(path: path)
        defer { writer.close() }
        let replay = try Replay.run(path: path)
        let others = replay.findings.filter { $0.code != .tornTail }
        if let f = others.first {
            // Repair removes only what an interrupted append leaves; it never edits a ledger
            // with other problems (those need a trusted copy, not a truncation).
            throw Diagnostic(f, file: path, note: "repair only removes a torn last line, and this ledger has other problems; nothing was written")
        }
        guard let torn = replay.tornTail else {
            Output.line("nothing to repair: the last line of \(path) is complete")
            return
        }
        // Back up the whole file first (streamed: memory does not grow with the ledger), under a
        // name not yet taken (PATH.bak-TIME, then .1, .2, …).
        let base = Repair.backupBase(path: path, time: try Clock.now())
        var backup = base
        for n in 1... {
            do {
                try FileIO.copyExclusive(from: path, to: backup, mode: 0o644)
                break
            } catch let e as FileIO.Error where FileIO.exists(backup) && n < 1000 {
                _ = e
                backup = "\(base).\(n)"
            }
        }
        if torn.number == 1 {
            // Not even the genesis line is whole: nothing remains, so remove the file and let
            // `init` create the ledger again.
            writer.close()
            guard unlink(path) == 0 else { throw ToolError.usage("\(path): cannot remove: \(String(cString: strerror(errno)))") }
            Output.line("removed \(path): its only line, the genesis, was torn (\(torn.bytes.count) bytes); the original is kept at \(backup); run `crowdledger init` again")
            return
        }
        try writer.truncate(to: torn.offset)
        Output.line("removed the torn line \(torn.number) (\(torn.bytes.count) bytes); the original is kept at \(backup)")
    }

    /// `PATH.bak-T`, when its file name fits NAME_MAX (255 bytes) with room for a `.N` suffix;
    /// otherwise the ledger's file name is cut (at a character boundary) and the first 16 hex
    /// digits of the SHA-256 of the whole name are put in its place: `PREFIX~HASH16.bak-T`.
    static func backupBase(path: String, time: Int64) -> String {
        let dir = FileIO.directoryName(path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let suffix = ".bak-\(time)"
        let room = 255 - 4  // ".999"
        if name.utf8.count + suffix.utf8.count <= room { return path + suffix }
        let tag = "~" + String(SHA256.hex(Array(name.utf8)).prefix(16))
        var prefix = ""
        for c in name {
            guard prefix.utf8.count + String(c).utf8.count + tag.utf8.count + suffix.utf8.count <= room else { break }
            prefix.append(c)
        }
        let short = prefix + tag + suffix
        return dir == "." && !path.hasPrefix("./") ? short : (dir == "/" ? "/" : dir + "/") + short
    }
}
