import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

public struct Crowdledger: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "crowdledger",
        abstract: "Run the crowdsourced-computation protocol on a signed, hash-chained JSON-lines ledger, and audit it.",
        discussion: """
        Exit status: 0 success; 1 the ledger is invalid or the contract rejected the transaction \
        (nothing was written); 2 usage, input or I/O error.
        New entries take the system clock, or $CROWDLEDGER_TIME (integer Unix seconds) when set.
        """,
        subcommands: [
            Keygen.self, AccountCommand.self, InitCommand.self, Transfer.self,
            Publish.self, Join.self, CoinCommand.self, Run.self, Commit.self, Reveal.self, Cancel.self, Settle.self,
            Status.self, Balances.self, Log.self, Verify.self, Repair.self, MechanismCommand.self, Derive.self, DemoCommand.self, MergeDriver.self,
            Head.self, Prove.self, CheckProof.self, CheckpointCommand.self, Cosign.self,
        ]
    )

    public init() {}

    /// Parses and runs, mapping every failure to one stderr line and the contract's exit status.
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(globalOptionsMoved(arguments ?? Array(CommandLine.arguments.dropFirst())))
            do { try command.run() } catch {
                if let failure = Output.writeFailure { Output.err("crowdledger: cannot write to standard output: \(failure)") }
                throw error
            }
            if let failure = Output.writeFailure {
                Output.err("crowdledger: cannot write to standard output: \(failure) (anything the command appended to the ledger stands)")
                Glibc.exit(2)
            }
            Glibc.exit(0)
        } catch {
            if let e = error as? ExitCode { Glibc.exit(e.rawValue) }
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            if isArgumentParserError(error) {
                // One line: the reason, and where to read more.
                let reason = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                Output.err("crowdledger: \(reason) (see `crowdledger help`)")
                Glibc.exit(2)
            }
            let d = Diagnostics.diagnostic(for: error)
            Output.err(Diagnostics.line(d))
            Glibc.exit(Diagnostics.exitStatus(d.kind))
        }
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

    static func isArgumentParserError(_ error: Error) -> Bool {
        let code = exitCode(for: error)
        return code == .validationFailure || String(reflecting: type(of: error)).contains("ArgumentParser")
    }
}
