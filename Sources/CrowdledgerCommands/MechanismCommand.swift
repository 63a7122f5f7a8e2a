import ArgumentParser
import CanonicalJSON
import Incentives
import Mechanism

struct MechanismCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mechanism",
        abstract: "The payoff tables and the IEWDS analysis of the incentive clauses for these parameters.",
        discussion: helpText("Utilities are computed through the same settlement function the contract uses (integer money, its rounding). docs/PROTOCOL.md explains every field.",
                             examples: "crowdledger mechanism --workers 3 --reward 30 --deposit 10", "crowdledger mechanism --workers 2 --reward 20 --deposit 10 --cost 4 --json"))

    @Option(name: .long, help: ArgumentHelp("The number of workers n (2 to 64).", valueName: "N")) var workers: Int
    @Option(name: .long, help: ArgumentHelp("The reward r.", valueName: "R")) var reward: Int64
    @Option(name: .long, help: ArgumentHelp("The deposit d.", valueName: "D")) var deposit: Int64
    @Option(name: .long, help: ArgumentHelp("Each worker's cost of computing the true result (default 0, as in the paper).", valueName: "C")) var cost: Int64 = 0
    @Flag(name: .long, help: "Print the report as JSON (fields as in docs/PROTOCOL.md).") var json = false

    func run() throws {
        let report: MechanismReport
        do { report = try MechanismReport.analyze(workers: workers, reward: reward, deposit: deposit, cost: cost) } catch {
            throw ToolError.usage("mechanism: \(error)")
        }
        if json {
            Output.json(report.json)
        } else {
            let text = report.renderText()
            Output.write(Array((text.hasSuffix("\n") ? text : text + "\n").utf8))
        }
    }
}

