import ArgumentParser
import CanonicalJSON
import Client
import Files
import LedgerCrypto
import LedgerModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A command that appends one transaction: it can run alone (`run`: lock, replay, append, fsync)
/// or as one line of `batch` (its operation joins the batch's group).
protocol AppendingCommand: ParsableCommand {
    var options: LedgerOptions { get set }
    /// The transaction to append (read the files it names, check its arguments; nothing written).
    func operation(keys: KeyLoader) throws -> LedgerClient.Operation
}

extension AppendingCommand {
    /// Appends this command's operation alone.
    func perform() throws -> Entry {
        try options.client.perform(try operation(keys: KeyLoader()), time: Clock.now)
    }
}

/// Loads key files, each once per process (a batch names the same few keys on many lines).
final class KeyLoader {
    private var keys: [String: Ed25519.PrivateKey] = [:]
    func load(_ path: String) throws -> Ed25519.PrivateKey {
        if let k = keys[path] { return k }
        let k = try KeyFile.load(path)
        keys[path] = k
        return k
    }
}

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Append many transactions under one lock, written and fsynced once per group; one result line per command.",
        discussion: helpText("""
        Each line of FILE (or standard input) is one appending command with the same arguments as \
        on the command line, e.g. `transfer --key K --to ID --amount 5` or `join TASK --key K` \
        (transfer, publish, join, coin, commit, reveal, cancel, settle; words split on blanks, \
        with '...', "..." and \\ quoting). Blank lines and lines starting with # are skipped.

        The input is read to its end; then the ledger is locked once and replayed once, and each \
        command is built on the state after the ones accepted before it, at the time read then \
        (with the same future-time limit as one command). A command that fails (bad arguments, \
        refused by the contract) changes nothing and the others still apply. The accepted entries \
        are written in order, in one write and one fsync per group of --group-size commands; a \
        group whose write fails is removed whole (nothing half-written). Each signer gets one \
        receipt, the checkpoint after the batch. When the input cannot be read, or the ledger \
        cannot be locked or does not verify, nothing is applied: one line on stderr, no output, \
        exit 2 or 1.

        Standard output: one line per command, in order: the transaction id (a task's id for \
        publish), or `error: ` and the diagnostic; with --json, {"hash","id","line"} or \
        {"error":{"code","file","line","message"}}. Exit status: 0 when every command was \
        appended; otherwise the largest status of a failed command (1 refused by the contract or \
        the ledger is invalid; 2 usage, input or I/O), with one summary line on stderr.
        """, examples: "crowdledger batch commands.txt",
        "printf 'join %s --key w1.pem\\njoin %s --key w2.pem\\n' \"$TASK\" \"$TASK\" | crowdledger batch --json"))

    @OptionGroup var options: LedgerOptions
    @Argument(help: ArgumentHelp("The commands, one per line ('-' or none: standard input).", valueName: "FILE"), completion: .file()) var file: String = "-"
    @Option(name: .customLong("group-size"), help: ArgumentHelp("Commands per write and fsync.", valueName: "N")) var groupSize: Int = 4096
    @OptionGroup var output: AppendOutput

    static let commands: [String: any AppendingCommand.Type] = [
        "transfer": Transfer.self, "publish": Publish.self, "join": Join.self, "coin": CoinCommand.self,
        "commit": Commit.self, "reveal": Reveal.self, "cancel": Cancel.self, "settle": Settle.self,
    ]

    func run() throws {
        guard groupSize >= 1 else { throw ToolError.usage("--group-size must be at least 1, got \(groupSize)") }
        let input = file == "-" ? try Self.readStandardInput() : try readUserFile(file)
        var results: [Result<Entry, BatchFailure>?] = []   // nil: waiting for its operation's outcome
        var ops: [LedgerClient.Operation] = []
        var opLine: [Int] = []
        let keys = KeyLoader()
        for (number, raw) in input.split(separator: 0x0a, omittingEmptySubsequences: false).enumerated() {
            let text = String(decoding: raw, as: UTF8.self).trimmingBlanks
            if text.isEmpty || text.hasPrefix("#") { continue }
            do {
                let words = try Self.words(text)
                guard let name = words.first, let type = Self.commands[name] else {
                    throw ToolError.usage("batch runs \(Self.commands.keys.sorted().joined(separator: ", ")); got \"\(words.first ?? "")\"")
                }
                var command: any AppendingCommand
                do {
                    command = try type.parse(Array(words.dropFirst()))
                } catch {
                    let reason = Crowdledger.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                    throw ToolError.usage("\(name): \(reason)")
                }
                if let l = command.options.ledger, l != options.path {
                    throw ToolError.usage("--ledger \(l): a batch appends to its own ledger (\(options.path)); give --ledger to batch")
                }
                // Everything the line's operation finds beside its ledger (a publish's blobs, the
                // closed-task archive) is the batch's ledger's, not the default one's.
                command.options.ledger = options.path
                ops.append(try command.operation(keys: keys))
                opLine.append(results.count)
                results.append(nil)
            } catch {
                results.append(.failure(BatchFailure(error, line: number + 1)))
            }
        }
        if !ops.isEmpty {
            let outcomes = try options.client.perform(ops, time: Clock.now, groupSize: groupSize)
            for (i, outcome) in outcomes.enumerated() {
                switch outcome {
                case .success(let e): results[opLine[i]] = .success(e)
                case .failure(let error): results[opLine[i]] = .failure(BatchFailure(error, line: nil))
                }
            }
        }
        var status: Int32 = 0
        var failed = 0
        for r in results {
            switch r! {
            case .success(let entry): Output.appended(entry, json: output.json)
            case .failure(let f):
                failed += 1
                status = max(status, Diagnostics.exitStatus(f.diagnostic.kind))
                if output.json {
                    var d = f.diagnostic
                    if let line = f.line { d.message = "input line \(line): " + d.message }
                    Output.json(.object(["error": Diagnostics.json(d)]))
                } else {
                    Output.line("error: \(f.text)")
                }
            }
        }
        if failed > 0 {
            Output.err("crowdledger: batch: \(failed) of \(results.count) command(s) failed (their `error` lines say why); the others were appended")
            throw ExitCode(status)
        }
    }

    struct BatchFailure: Error {
        let diagnostic: Diagnostic
        let line: Int?
        init(_ error: any Error, line: Int?) {
            diagnostic = Diagnostics.diagnostic(for: error)
            self.line = line
        }
        var text: String { (line.map { "input line \($0): " } ?? "") + diagnostic.description }
    }

    /// Splits a line into words: blanks separate; '...' is literal; "..." and bare words take
    /// \ escapes.
    static func words(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in line {
            if escaped { current.append(c); escaped = false; continue }
            if let q = quote {
                if c == q { quote = nil } else if c == "\\" && q == "\"" { escaped = true } else { current.append(c) }
                continue
            }
            switch c {
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'", "\"":
                quote = c; inWord = true
            case "\\":
                escaped = true; inWord = true
            default:
                current.append(c); inWord = true
            }
        }
        if quote != nil || escaped { throw ToolError.usage("unbalanced quote or trailing \\ in: \(line)") }
        if inWord { words.append(current) }
        return words
    }

    static func readStandardInput() throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n == 0 { return out }
            if n < 0 {
                if errno == EINTR { continue }
                throw ToolError.usage("cannot read standard input: \(String(cString: strerror(errno)))")
            }
            out += buffer[0..<n]
            if out.count > 1 << 30 { throw ToolError.usage("standard input: more than 1 GiB of commands") }
        }
    }
}

extension String {
    var trimmingBlanks: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
