import Files
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Audit
import Client
import CanonicalJSON
import Contract
import LedgerCrypto
import Programs

struct Publish: AppendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish a task (the requester escrows the reward); prints the task id.",
        discussion: helpText(examples: #"P='{"iterations":100000}' T='--reward 20 --deposit 10 --workers 2'"#,
                             #"crowdledger publish --key r.pem --program hash-iterate --params "$P" $T"#,
                             #"crowdledger publish --key r.pem --program exec --exec p.sh --input x.txt $T"#))

    @OptionGroup var options: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("The requester's key file.", valueName: "K"), completion: .file(extensions: ["pem"])) var key: String
    @Option(name: .long, help: ArgumentHelp("A built-in program (\(Programs.all.map { $0.name }.joined(separator: ", "))) or exec.", valueName: "NAME"))
    var program: String
    @Option(name: .long, help: ArgumentHelp("For --program exec: the script or binary whose SHA-256 is the program's identity.", valueName: "FILE"), completion: .file())
    var exec: String?
    @Option(name: .long, help: ArgumentHelp("The program's parameters as a JSON object (integers only).", valueName: "JSON"))
    var params: String = "{}"
    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("An input file (repeatable, in order); stored in the blob store, recorded by digest and size.", valueName: "FILE"), completion: .file())
    var input: [String] = []
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The reward r, shared by the workers when they agree.", valueName: "R")) var reward: Int64
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The deposit d each worker escrows.", valueName: "D")) var deposit: Int64
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The number of workers n (at least 2).", valueName: "N")) var workers: Int64
    @Option(name: .customLong("join-window"), help: ArgumentHelp("Seconds the task stays open for joining, from publish.", valueName: "SECONDS")) var joinWindow: Int64 = 86400
    @Option(name: .customLong("coin-window"), help: ArgumentHelp("Seconds the requester has to release the coin once the task fills.", valueName: "SECONDS")) var coinWindow: Int64 = 3600
    @Option(name: .customLong("commit-window"), help: ArgumentHelp("Seconds the workers have to commit once the coin is out.", valueName: "SECONDS")) var commitWindow: Int64 = 86400
    @Option(name: .customLong("reveal-window"), help: ArgumentHelp("Seconds the workers have to reveal once the commit phase ends.", valueName: "SECONDS")) var revealWindow: Int64 = 86400
    @Option(name: .customLong("eck-file"), parsing: .singleValue, help: ArgumentHelp("A known trivial result (E_ck) by file (repeatable).", valueName: "FILE"), completion: .file())
    var eckFile: [String] = []
    @Option(name: .customLong("eck-digest"), parsing: .singleValue, help: ArgumentHelp("A known trivial result (E_ck) by SHA-256 hex (repeatable).", valueName: "HEX"))
    var eckDigest: [String] = []
    @Option(name: .long, help: ArgumentHelp("Where forfeited deposits go: burn or requester.", valueName: "burn|requester")) var forfeit: String = "burn"
    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("Only these accounts may join (repeatable).", valueName: "ID"))
    var allow: [String] = []
    @Option(name: .customLong("public-coin"), help: ArgumentHelp("Give the coin now instead of committing to one and opening it later.", valueName: "HEX"))
    var publicCoin: String?
    @Option(name: .customLong("max-result-size"), help: ArgumentHelp("The largest result a worker may reveal (default 64 MiB).", valueName: "BYTES")) var maxResultSize: Int64?
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("eval-classifier: the payment escrowed for the seller.", valueName: "N")) var payment: Int64?
    @Option(name: .long, help: ArgumentHelp("eval-classifier: the seller's account id.", valueName: "ID")) var seller: String?
    @Option(name: .long, help: ArgumentHelp("eval-classifier: the seller is paid iff correct/k >= NUM/DEN.", valueName: "NUM/DEN")) var threshold: String?
    @OptionGroup var output: AppendOutput

    func operation(keys: KeyLoader) throws -> LedgerClient.Operation {
        let key = try keys.load(self.key)
        let paramsValue: JSON
        do { paramsValue = try JSON.parse(params) } catch { throw ToolError.usage("--params is not valid JSON: \(error)") }
        guard case .object(let paramsObject) = paramsValue else { throw ToolError.usage("--params must be a JSON object") }
        var spec = PublishSpec(program: program, reward: reward, deposit: deposit, workers: workers)
        spec.params = paramsObject
        if let exec { spec.execProgram = try FileIO.readAll(exec) }
        for file in input {
            spec.inputs.append((name: String(file.split(separator: "/").last ?? Substring(file)), bytes: try FileIO.readAll(file)))
        }
        spec.windows = (join: joinWindow, coin: coinWindow, commit: commitWindow, reveal: revealWindow)
        for file in eckFile { spec.eck.append(SHA256.hex(try FileIO.readAll(file))) }
        for d in eckDigest {
            guard Hex.isCanonical(d, byteCount: 32) else { throw ToolError.usage("--eck-digest must be 64 lower-case hex digits, got \(d)") }
            spec.eck.append(d)
        }
        spec.forfeit = forfeit
        spec.allow = try allow.map { try Accounts.parse($0, what: "--allow") }
        if let publicCoin {
            guard Hex.isCanonical(publicCoin, byteCount: 32) else { throw ToolError.usage("--public-coin must be 64 lower-case hex digits") }
            spec.publicCoin = publicCoin
        }
        spec.maxResultSize = maxResultSize
        if payment != nil || seller != nil || threshold != nil {
            guard let payment, let seller, let threshold else {
                throw ToolError.usage("--payment, --seller and --threshold go together")
            }
            let parts = threshold.split(separator: "/")
            guard parts.count == 2, let num = Int64(parts[0]), let den = Int64(parts[1]) else {
                throw ToolError.usage("--threshold must be NUM/DEN with integers, e.g. 9/10; got \(threshold)")
            }
            spec.payment = (amount: payment, seller: try Accounts.parse(seller, what: "--seller"), num: num, den: den)
        }
        return try options.client(openings: Openings(keyFile: self.key).directory).publishOperation(key: key, spec)
    }

    func run() throws { Output.appended(try perform(), json: output.json) }
}

struct Join: AppendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join a task as a worker, escrowing its deposit.",
        discussion: helpText(examples: "crowdledger join \"$TASK\" --key w1.pem", "crowdledger join \"$TASK\" --key w1.pem --json"))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The task id (or a unique prefix of at least 6 hex digits).") var task: String
    @Option(name: .long, help: ArgumentHelp("The worker's key file.", valueName: "K"), completion: .file(extensions: ["pem"])) var key: String
    @OptionGroup var output: AppendOutput

    func operation(keys: KeyLoader) throws -> LedgerClient.Operation {
        try options.client(openings: Openings(keyFile: self.key).directory).joinOperation(key: try keys.load(key), task: task)
    }

    func run() throws { Output.appended(try perform(), json: output.json) }
}

struct CoinCommand: AppendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "coin", abstract: "Release the task's random coin (the requester opens its commitment).",
        discussion: helpText(examples: "crowdledger coin \"$TASK\" --key r.pem"))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The task id (or a unique prefix of at least 6 hex digits).") var task: String
    @Option(name: .long, help: ArgumentHelp("The requester's key file.", valueName: "K"), completion: .file(extensions: ["pem"])) var key: String
    @OptionGroup var output: AppendOutput

    func operation(keys: KeyLoader) throws -> LedgerClient.Operation {
        try options.client(openings: Openings(keyFile: self.key).directory).releaseCoinOperation(key: try keys.load(key), task: task)
    }

    func run() throws { Output.appended(try perform(), json: output.json) }
}

struct Commit: AppendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit",
        abstract: "Commit to a result. The opening is saved (0600, beside the key) before the commit is appended.",
        discussion: helpText(examples: "crowdledger commit \"$TASK\" --key w1.pem --result y.bin",
                             "crowdledger commit \"$TASK\" --key w1.pem --result y.bin --openings safe/"))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The task id (or a unique prefix of at least 6 hex digits).") var task: String
    @Option(name: .long, help: ArgumentHelp("The worker's key file.", valueName: "K"), completion: .file(extensions: ["pem"])) var key: String
    @Option(name: .long, help: ArgumentHelp("The result to commit to (e.g. from `run --out`).", valueName: "FILE"), completion: .file()) var result: String
    @Option(name: .long, help: ArgumentHelp("Where openings are kept (default KEYFILE.openings).", valueName: "DIR"), completion: .directory) var openings: String?
    @OptionGroup var output: AppendOutput

    func operation(keys: KeyLoader) throws -> LedgerClient.Operation {
        let bytes = try FileIO.readAll(result)
        return try options.client(openings: Openings(keyFile: key, override: openings).directory).commitOperation(
            key: try keys.load(key), task: task, result: bytes, openings: Openings(keyFile: key, override: openings))
    }

    func run() throws { Output.appended(try perform(), json: output.json) }
}

struct Reveal: AppendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "reveal",
        abstract: "Open the commitment. Uses the saved opening, or rebuilds it from the key and --result.",
        discussion: helpText(examples: "crowdledger reveal \"$TASK\" --key w1.pem",
                             "crowdledger reveal \"$TASK\" --key w1.pem --result y.bin   # opening lost"))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The task id (or a unique prefix of at least 6 hex digits).") var task: String
    @Option(name: .long, help: ArgumentHelp("The worker's key file.", valueName: "K"), completion: .file(extensions: ["pem"])) var key: String
    @Option(name: .long, help: ArgumentHelp("The committed result (rebuilds a lost opening).", valueName: "FILE"), completion: .file()) var result: String?
    @Option(name: .long, help: ArgumentHelp("Where openings are kept (default KEYFILE.openings).", valueName: "DIR"), completion: .directory) var openings: String?
    @OptionGroup var output: AppendOutput

    func operation(keys: KeyLoader) throws -> LedgerClient.Operation {
        let given = try result.map { try FileIO.readAll($0) }
        return try options.client(openings: Openings(keyFile: key, override: openings).directory).revealOperation(
            key: try keys.load(key), task: task, result: given, openings: Openings(keyFile: key, override: openings))
    }

    func run() throws { Output.appended(try perform(), json: output.json) }
}

struct Cancel: AppendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Withdraw a task that has not filled; everything escrowed is refunded.",
        discussion: helpText(examples: "crowdledger cancel \"$TASK\" --key r.pem"))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The task id (or a unique prefix of at least 6 hex digits).") var task: String
    @Option(name: .long, help: ArgumentHelp("The requester's key file.", valueName: "K"), completion: .file(extensions: ["pem"])) var key: String
    @OptionGroup var output: AppendOutput

    func operation(keys: KeyLoader) throws -> LedgerClient.Operation {
        try options.client(openings: Openings(keyFile: self.key).directory).cancelOperation(key: try keys.load(key), task: task)
    }

    func run() throws { Output.appended(try perform(), json: output.json) }
}

struct Settle: AppendingCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle",
        abstract: "Apply the clauses (or an abort rule) and record every payout; anyone may call it once its time has come.",
        discussion: helpText("Prints one line: `task ID OUTCOME` and every payout as ACCOUNT+AMOUNT(CLAUSE).",
                             examples: "crowdledger settle \"$TASK\"", "crowdledger settle \"$TASK\" --if-needed --json"))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The task id (or a unique prefix of at least 6 hex digits).") var task: String
    @Flag(name: .customLong("if-needed"), help: "Exit 0 without writing anything when the task is already closed (settled, aborted or cancelled).")
    var ifNeeded = false
    @OptionGroup var output: AppendOutput

    func run() throws {
        if ifNeeded {
            let state = try Session.state(path: options.path)
            let t = try Tasks.find(state, task, ledger: options.path)
            if let closed = t.closed {
                Output.err("crowdledger: task \(t.id) is already \(closed.rawValue); nothing was written")
                return
            }
        }
        let e = try options.client.settle(task: task, time: try Clock.now())
        Output.appended(e, json: output.json, text: Describe.closing(e.tx))
    }

    func operation(keys: KeyLoader) throws -> LedgerClient.Operation {
        // In a batch the task may close on an earlier line: --if-needed is for a command alone.
        if ifNeeded { throw ToolError.usage("settle --if-needed runs alone, not in a batch") }
        return options.client.settleOperation(task: task)
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Compute the task's result locally: its built-in program, or --exec CMD for an external one.",
        discussion: helpText(examples: "crowdledger run \"$TASK\" --out y.bin", "crowdledger run \"$TASK\" --exec ./prog.sh --timeout 600 --out y.bin"))
    @OptionGroup var options: LedgerOptions
    @Argument(help: "The task id (or a unique prefix of at least 6 hex digits).") var task: String
    @Option(name: .long, help: ArgumentHelp("Write the result here instead of standard output.", valueName: "FILE"), completion: .file()) var out: String?
    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("The task's input files (default: the blob store beside the ledger); each is checked against its published digest.", valueName: "FILE"), completion: .file())
    var input: [String] = []
    @Option(name: .long, help: ArgumentHelp("For an exec task: the program to run; its SHA-256 must be the published one.", valueName: "CMD"), completion: .file())
    var exec: String?
    @Option(name: .long, help: ArgumentHelp("For an exec task: stop the program after this many seconds (default: no limit).", valueName: "SECONDS"))
    var timeout: Int?
    @Option(name: .customLong("exec-output"), help: ArgumentHelp("For an exec task: take the result from this file the program writes ($CROWDLEDGER_OUTPUT) instead of its standard output; it must not exist beforehand.", valueName: "FILE"), completion: .file())
    var execOutput: String?

    func run() throws {
        if let timeout, timeout <= 0 { throw ToolError.usage("--timeout must be a positive number of seconds, got \(timeout)") }
        let request = exec == nil && timeout == nil && execOutput == nil ? nil : ExecRequest(program: exec, timeout: timeout, outputFile: execOutput)
        let bytes = try options.client.compute(task: task, inputFiles: input, exec: request)
        if let out {
            try Results.save(bytes, to: out)
            Output.line(SHA256.hex(bytes))
        } else {
            try Output.bytes(bytes)
        }
    }
}

struct Derive: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "derive",
        abstract: "Print h(r || ctr) = SHA-256(coin || counter as 8 bytes big-endian), in hex.",
        discussion: helpText(examples: "crowdledger derive --coin \"$CROWDLEDGER_COIN\" --counter 0   # in a program"))
    @Option(name: .long, help: ArgumentHelp("The task's coin r (64 hex digits).", valueName: "HEX")) var coin: String
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The counter (0 to 2^64-1).", valueName: "N")) var counter: UInt64

    func run() throws {
        guard Hex.isCanonical(coin, byteCount: 32), let r = Hex.decode(coin) else {
            throw ToolError.usage("--coin must be 64 lower-case hex digits")
        }
        Output.line(Hex.encode(Coin.derive(coin: r, counter: counter)))
    }
}

/// A private temporary directory (mkdtemp, 0700), removed with everything in it by `remove`.
enum TempDir {
    static func make() throws -> String {
        let dir: String
        do { dir = try FileIO.makePrivateTemporaryDirectory(prefix: "crowdledger") } catch {
            throw ToolError.usage("cannot create a temporary directory: \(error)")
        }
        return dir
    }

    static func remove(_ dir: String) { try? FileManager.default.removeItem(atPath: dir) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
