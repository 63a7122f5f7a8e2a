import ArgumentParser
import CanonicalJSON
import Incentives
import Mechanism

struct MechanismCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mechanism",
        abstract: "The payoff tables and the IEWDS analysis of the incentive clauses for these parameters.",
        discussion: "Utilities are computed through the same settlement function the contract uses (integer money, its rounding). docs/PROTOCOL.md explains every field.")

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
            Output.json(Reflected.json(report))
        } else {
            let text = report.renderText()
            Output.write(Array((text.hasSuffix("\n") ? text : text + "\n").utf8))
        }
    }
}

/// Turns the report's plain data (structs of Int64, String, Bool, String-backed enums and arrays)
/// into canonical JSON, field names as keys.
enum Reflected {
    static func json(_ value: Any) -> JSON {
        switch value {
        case let v as Int64: return .int(v)
        case let v as Int: return .int(Int64(v))
        case let v as Bool: return .bool(v)
        case let v as String: return .string(v)
        case let v as any RawRepresentable:
            if let s = v.rawValue as? String { return .string(s) }
            return .string("\(v.rawValue)")
        default: break
        }
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .collection {
            return .array(mirror.children.map { json($0.value) })
        }
        var o = JSONObject()
        for child in mirror.children {
            guard let label = child.label else { continue }
            o[label] = json(child.value)
        }
        return .object(o)
    }
}
