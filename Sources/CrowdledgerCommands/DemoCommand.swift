import Files
import ArgumentParser
import Client
import LedgerModel
import Demo
import LedgerCrypto

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole protocol end to end on the bundled digits data: training, a cheater, pay-per-precision, the audit.",
        discussion: helpText(examples: "crowdledger demo --dir /tmp/crowdledger-demo    # from the repository root"))

    @Option(name: .long, help: ArgumentHelp("An empty (or new) directory for the demo's files (default: a new temporary directory).", valueName: "DIR"), completion: .directory)
    var dir: String?
    @Option(name: .long, help: ArgumentHelp("The digits data set (gzip CSV).", valueName: "FILE"), completion: .file())
    var data: String = "fixtures/data/digits.csv.gz"

    func run() throws {
        let directory: String
        if let dir {
            try FileIO.makeDirectories(dir)
            directory = dir
        } else {
            directory = try TempDir.make()
        }
        guard FileIO.exists(data) else {
            throw ToolError.usage("\(data): no such file; run the demo from the repository root or pass --data FILE")
        }
        var demo = Demo(directory: directory, dataPath: data) { Output.line($0) }
        demo.command = CommandLine.arguments.first ?? "crowdledger"
        let summary = try demo.run()
        if let f = summary.report.findings.first {
            throw Diagnostic(f, file: summary.ledgerPath)
        }
    }
}
