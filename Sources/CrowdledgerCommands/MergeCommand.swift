import Files
import ArgumentParser
import Client
import MergeDriver
import LedgerCrypto

struct MergeDriver: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-driver",
        abstract: "Git merge driver for ledgers: keep one side byte for byte and re-chain the other side's new entries after it.",
        discussion: """
        The result is written to OURS (git's %A). Exit 0 merged; 1 conflict (OURS is left as it \
        was). Git runs it once it is set up (once per repository); it can also be run by hand. Examples:
          git config merge.crowdledger.name "crowdledger ledger merge"
          git config merge.crowdledger.driver "crowdledger merge-driver %O %A %B --path %P"
          echo '*.jsonl merge=crowdledger' >> .gitattributes
          crowdledger merge-driver base.jsonl ours.jsonl theirs.jsonl --keep ours
        """)

    @Argument(help: ArgumentHelp("The common ancestor's version (git's %O).", valueName: "BASE"), completion: .file()) var base: String
    @Argument(help: ArgumentHelp("Our version; receives the result (git's %A).", valueName: "OURS"), completion: .file()) var ours: String
    @Argument(help: ArgumentHelp("Their version (git's %B).", valueName: "THEIRS"), completion: .file()) var theirs: String
    @Option(name: .long, help: ArgumentHelp("Which side stays byte for byte: theirs (the upstream in a pull) or ours.", valueName: "theirs|ours"))
    var keep: String = "theirs"
    @Option(name: .long, help: ArgumentHelp("The ledger's path in the repository, for messages (git's %P).", valueName: "PATH"), completion: .file())
    var path: String?

    func run() throws {
        guard let side = Merge.Keep(rawValue: keep) else { throw ToolError.usage("--keep must be theirs or ours, got \(keep)") }
        let name = path ?? ours
        let baseBytes = try FileIO.readAll(base)  // git always passes a file (empty without a common ancestor)
        let result: Merge.Result
        do {
            result = try Merge.merge(base: baseBytes, ours: try FileIO.readAll(ours), theirs: try FileIO.readAll(theirs), keep: side)
        } catch let c as Merge.Conflict {
            throw ToolError.invalid("\(name): merge conflict: \(c.message) (nothing was written)")
        }
        try FileIO.replaceAtomically(ours, contents: result.bytes, mode: 0o644)
        Output.line("\(name): merged: kept \(result.kept) lines of \(keep == "theirs" ? "theirs" : "ours"), re-chained \(result.rechained) new entries after them" + (result.dropped > 0 ? ", dropped \(result.dropped) settle(s) the kept side had already made" : ""))
    }
}
