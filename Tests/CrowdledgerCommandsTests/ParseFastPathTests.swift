// Issue 12's start-up fast path (`Crowdledger.parsedLeaf`): a plain `crowdledger SUBCOMMAND ARGS`
// is parsed as that subcommand alone; anything else, and any error, takes the full path. Both
// paths must agree: the same parsed command for every example in every command's help, and the
// same stdout, stderr and exit status from the real binary for bad and unusual invocations.

import ArgumentParser
@testable import CrowdledgerCommands
import Foundation
import Testing

@Suite("Argument parsing: the fast path agrees with the full one (issue 12)") struct ParseFastPathTests {
    @Test func theTableNamesEverySubcommand() {
        let subcommands = Crowdledger.configuration.subcommands
        #expect(subcommands.count >= 29)
        for type in subcommands {
            let name = type.configuration.commandName ?? ""
            #expect(Crowdledger.subcommand(named: name).map { ObjectIdentifier($0) } == ObjectIdentifier(type), "\(name)")
            #expect(type.configuration.subcommands.isEmpty, "\(name) has subcommands: the fast path parses leaves only")
        }
        #expect(Crowdledger.subcommand(named: "help") == nil)
        #expect(Crowdledger.subcommand(named: "stauts") == nil)
    }

    @Test func everyHelpExampleParsesTheSameThroughBothPaths() throws {
        let dir = try TempDir()
        var fast = 0, total = 0
        for name in try ShellConventionsTests.commandNames() {
            for args in try ShellConventionsTests.exampleCalls(name, in: dir).calls {
                total += 1
                let full = Crowdledger.parseOutcome(args, fast: false)
                #expect(full?.hasPrefix("error") == false, "example `\(args)` does not parse: \(full ?? "")")
                guard let quick = Crowdledger.parseOutcome(args, fast: true) else { continue }
                fast += 1
                #expect(quick == full, "`crowdledger \(args.joined(separator: " "))`: fast path\n\(quick)\nfull path\n\(full ?? "")")
            }
        }
        // Most examples are plain invocations: the fast path must actually be taken.
        #expect(total >= 60 && fast * 10 >= total * 8, "fast path taken for \(fast) of \(total) examples")
    }

    /// Bad and unusual command lines; the fast path declines every one that does not parse, so
    /// the messages come from the full path.
    static let unusual: [[String]] = [
        [], ["help"], ["help", "transfer"], ["stauts"], ["--version"], ["--help"], ["-h"],
        ["transfer"], ["transfer", "--help"], ["transfer", "-h"], ["transfer", "help"], ["transfer", "--version"],
        ["transfer", "--amount", "x", "--to", "ab", "--key", "k"], ["transfer", "--amount"], ["transfer", "--bogus"],
        ["transfer", "--to", "ab", "--amount", "1", "--key", "k", "extra"], ["transfer", "-x"],
        ["transfer", "--amount=1", "--to=ab", "--key=/nonexistent/k.pem", "--ledger=/nonexistent/l.jsonl"],
        ["balances", "--ledger", "/nonexistent/l.jsonl"], ["--ledger", "/nonexistent/l.jsonl", "balances"],
        ["log", "-n", "x", "--ledger", "/nonexistent/l.jsonl"], ["log", "-hn", "1"], ["log", "-n"],
        ["status", "--generate-completion-script", "bash"], ["status", "--generate-completion-script"],
        ["status", "---completion", "--", "positional@0", "0", "0"], ["verify", "--experimental-dump-help"],
        ["verify", "--help-hidden"], ["verify", "-help"], ["verify", "--json", "--bogus"], ["verify", "--ledger"],
        ["keygen"], ["keygen", "--out"], ["init", "--fund", "nonsense", "--ledger", "/nonexistent/l.jsonl"],
        ["transfer", "--ledger", "-", "--key", "k", "--to", "ab", "--amount", "1"], ["batch", "--group-size", "0"],
        ["transfer", "--", "--help"], ["Transfer"], ["transfer", "--json", "--amount", "-1"],
    ]

    @Test func badAndUnusualInvocationsAreHandledByTheFullPath() {
        for args in Self.unusual {
            let full = Crowdledger.parseOutcome(args, fast: false)
            if let quick = Crowdledger.parseOutcome(args, fast: true) {
                #expect(quick == full, "`\(args)`: fast path\n\(quick)\nfull path\n\(full ?? "")")
            }
        }
    }

    @Test func theBinaryPrintsTheSameThroughBothPaths() throws {
        let dir = try TempDir()
        var cases = Self.unusual
        // A few that parse and then fail while running (no such ledger or key).
        cases += [
            ["transfer", "--ledger", dir.path("none.jsonl"), "--key", dir.path("k.pem"), "--to", String(repeating: "ab", count: 32), "--amount", "1"],
            ["verify", "--ledger", dir.path("none.jsonl")], ["status", "--ledger", dir.path("none.jsonl"), "--json"],
            ["log", "-n", "1", "--ledger", dir.path("none.jsonl")],
        ]
        for args in cases {
            let quick = CLI.run(args, cwd: dir.root)
            let full = CLI.run(args, env: ["CROWDLEDGER_PARSE": "full"], cwd: dir.root)
            #expect(quick.status == full.status && quick.stdoutBytes == full.stdoutBytes && quick.stderrBytes == full.stderrBytes,
                    "`crowdledger \(args.joined(separator: " "))`: fast path \(quick)\nfull path \(full)")
        }
    }
}
