import ArgumentParser
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
        subcommands: [
            Keygen.self, AccountCommand.self, InitCommand.self, Transfer.self,
            Publish.self, Join.self, CoinCommand.self, Run.self, Commit.self, Reveal.self, Cancel.self, Settle.self,
            Status.self, Balances.self, Log.self, Verify.self, Repair.self, MechanismCommand.self, Derive.self, DemoCommand.self, MergeDriver.self, GitSetup.self,
            Head.self, Prove.self, CheckProof.self, CheckpointCommand.self, Cosign.self,
        ]
    )

    public init() {}

    /// Parses and runs, mapping every failure to one stderr line and the contract's exit status.
    public static func runMain(_ arguments: [String]? = nil) -> Never {
        // A reader that closes the pipe (`crowdledger log | head -1`) must not kill us with
        // SIGPIPE (status 141): a handler that does nothing makes the write fail with EPIPE
        // instead, and unlike SIG_IGN it is not inherited by programs we run.
        signal(SIGPIPE, ignoreSignal)
        if arguments == nil, let problem = nonUTF8Input() {
            Output.err("crowdledger: \(problem)")
            Glibc.exit(2)
        }
        do {
            var command = try parseAsRoot(globalOptionsMoved(arguments ?? Array(CommandLine.arguments.dropFirst())))
            do { try command.run() } catch {
                if let failure = Output.writeFailure { Output.err("crowdledger: cannot write to standard output: \(failure)") }
                throw error
            }
            if let failure = Output.writeFailure {
                Output.err("crowdledger: cannot write to standard output: \(failure) (anything the command appended to the ledger stands)")
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
                Output.err("crowdledger: \(reason) (see `crowdledger help`)")
                terminate(2)
            }
            let d = Diagnostics.diagnostic(for: error)
            Output.err(Diagnostics.line(d))
            terminate(Diagnostics.exitStatus(d.kind))
        }
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

/// Ends the process with `status` (at file scope, so `exit` is the C library's, not
/// ParsableCommand's).
func terminate(_ status: Int32) -> Never { exit(status) }
