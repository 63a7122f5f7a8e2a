import ArgumentParser
import Client
import MergeDriver

struct GitSetup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git-setup",
        abstract: "Set up this git clone for the ledger: the merge driver, its .gitattributes line, and this clone's nonce lane.",
        discussion: """
        Idempotent. In the git work tree holding the ledger it:
          - adds `/PATH merge=crowdledger` (PATH: the ledger's path in the work tree) to the \
        top-level .gitattributes unless a line says so already (commit that file);
          - sets merge.crowdledger.name and merge.crowdledger.driver \
        ("'BINARY' merge-driver %O %A %B --path %P") in the clone's git config;
          - writes the clone's nonce lane, a random number from 1 to 8388607, to .NAME.lane \
        beside the ledger unless it is there (FORMAT.md 8.4), and lists `.*.lane` in the \
        clone's .git/info/exclude (the lane must never be committed).
        Exit 0 done; 2 not in a git work tree, or git or a file could not be written.
        Examples:
          crowdledger git-setup
          crowdledger git-setup --ledger ledger/ledger.jsonl --binary /usr/local/bin/crowdledger
        """)

    @OptionGroup var ledger: LedgerOptions
    @Option(name: .long, help: ArgumentHelp("The crowdledger the driver runs (default: this executable's absolute path).", valueName: "PATH"))
    var binary: String?

    func run() throws {
        let r = try GitSetupRun.run(ledger: ledger.path, binary: binary)
        Output.line(".gitattributes: \(r.attributesLine) (\(r.attributesAdded ? "added; commit it" : "already there"))")
        Output.line("git config merge.crowdledger.driver: \(r.driver)")
        Output.line("nonce lane: \(r.lane) (\(r.laneCreated ? "drawn now" : "kept")) in \(r.lanePath)")
    }
}
