import Files
import ArgumentParser
import Client
import MergeDriver
import LedgerCrypto

struct MergeDriver: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-driver",
        abstract: "Git merge driver for ledgers: keep upstream's lines byte for byte and re-chain the other side's new entries after them.",
        discussion: """
        Set up once per clone with `crowdledger git-setup` (docs/WORKFLOW.md, section 6).
        The result is written to OURS (git's %A). BASE is accepted and not read. Upstream is \
        git's "theirs" in a merge and "ours" during a rebase (a rebase is in progress when the \
        repository has a rebase-merge directory, or a rebase-apply directory not made by git am). \
        Exit 0 merged; 1 conflict (OURS is left as it was); 2 usage or I/O error.
        Examples:
          crowdledger git-setup
          crowdledger merge-driver base.jsonl ours.jsonl theirs.jsonl --keep ours
        """)

    @Argument(help: ArgumentHelp("The common ancestor's version (git's %O); not read.", valueName: "BASE"), completion: .file()) var base: String
    @Argument(help: ArgumentHelp("Our version; receives the result (git's %A).", valueName: "OURS"), completion: .file()) var ours: String
    @Argument(help: ArgumentHelp("Their version (git's %B).", valueName: "THEIRS"), completion: .file()) var theirs: String
    @Option(name: .long, help: ArgumentHelp("Which side stays byte for byte: upstream (theirs, or ours during a rebase), theirs or ours.", valueName: "upstream|theirs|ours"))
    var keep: String = "upstream"
    @Option(name: .long, help: ArgumentHelp("The ledger's path in the repository, for messages (git's %P).", valueName: "PATH"), completion: .file())
    var path: String?

    func run() throws {
        let side: Merge.Keep
        var why = ""
        switch keep {
        case "upstream":
            if Git.rebaseInProgress() { side = .ours; why = " (upstream: a rebase is in progress)" } else { side = .theirs }
        case "theirs": side = .theirs
        case "ours": side = .ours
        default: throw ToolError.usage("--keep must be upstream, theirs or ours, got \(keep)")
        }
        let name = path ?? ours
        let result: Merge.Result
        do {
            result = try Merge.merge(ours: ours, theirs: theirs, keep: side, output: ours)
        } catch let c as Merge.Conflict {
            throw ToolError.invalid("\(name): merge conflict: \(c.message) (nothing was written)")
        }
        Output.line("\(name): merged: kept \(result.kept) lines of \(side.rawValue)\(why), re-chained \(result.rechained) new entries after them"
                    + (result.dropped > 0 ? ", dropped \(result.dropped) the kept side already had" : ""))
    }
}
