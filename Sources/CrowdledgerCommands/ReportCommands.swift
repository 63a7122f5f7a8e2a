import ArgumentParser
import Audit
import Client
import Files
import LedgerModel
import Report

/// Writes `text` to `--out FILE` (a new or replaced regular file, whole) or to stdout.
func emit(_ text: String, out: String?) throws {
    guard let out, out != "-" else { Output.write(Array(text.utf8)); return }
    guard FileIO.isRegularOrAbsent(out) else {
        throw ToolError.usage("\(out): exists and is not a regular file (a link, device, FIFO or directory); --out writes a new regular file")
    }
    try FileIO.replaceAtomically(out, contents: Array(text.utf8), mode: 0o644)
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a report of every task (or one): parameters, phases and their times, workers by result, payouts and their clauses, the verdict and every finding.",
        discussion: """
        Formats: text (default), json (one canonical object), csv (one row per worker and payee), \
        html (one self-contained page: inline CSS and SVG, no script, no network; a timeline of \
        each task's phases and each account's balance over the ledger). Times are ISO 8601 UTC \
        (raw seconds in json). On an invalid ledger the report is still written, shows every \
        finding, and the command exits 1. Examples:
          crowdledger report "$TASK" --format html --out report.html
          crowdledger report --format csv > tasks.csv
        """)

    @OptionGroup var options: ReadLedgerOptions
    @Argument(help: "A task id (or a unique prefix of at least 6 hex digits); all tasks when omitted.") var task: String?
    @Option(name: .long, help: ArgumentHelp("text, json, csv or html.", valueName: "FORMAT")) var format: String = "text"
    @Option(name: .long, help: ArgumentHelp("Write the report to FILE (replaced whole) instead of standard output.", valueName: "FILE"), completion: .file()) var out: String?

    func run() throws {
        guard let f = LedgerReport.Format(rawValue: format) else {
            throw ToolError.usage("--format must be one of \(LedgerReport.Format.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(format)\"")
        }
        let (audit, history) = try options.reading { path in
            (try Auditor.verify(path: path, now: Clock.system()), try LedgerHistory.read(path: path))
        }
        var only: String?
        if let task {
            guard history.state != nil else { throw Diagnostic(.invalid, code: "empty-ledger", file: options.name, "no genesis") }
            only = try Tasks.find(among: history.tasks, task).id
        }
        let report = LedgerReport.make(history, audit: audit, only: only, now: try Clock.now())
        try emit(report.render(f), out: out)
        if let first = audit.findings.first {
            throw Diagnostic(first, file: options.name, note: "the report lists every finding")
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export every movement of money (genesis, transfers, escrow in and out, payouts, burns) as an hledger journal or CSV.",
        discussion: """
        hledger: accounts account:ID, escrow:TASK, burned and genesis (the source of the \
        allocations); one transaction per entry, dated by its UTC day, its line as the code, \
        its time and transaction id as tags. `hledger -f FILE balance` agrees with \
        `crowdledger balances`. csv: one row per movement (line,time,unix_time,kind,transaction,\
        task,from,to,amount,memo). An invalid ledger is refused (exit 1, nothing written). Examples:
          crowdledger export --format hledger --out ledger.journal
          crowdledger export --format csv > movements.csv
        """)

    @OptionGroup var options: ReadLedgerOptions
    @Option(name: .long, help: ArgumentHelp("hledger or csv.", valueName: "FORMAT")) var format: String
    @Option(name: .long, help: ArgumentHelp("Write to FILE (replaced whole) instead of standard output.", valueName: "FILE"), completion: .file()) var out: String?

    func run() throws {
        guard let f = Export.Format(rawValue: format) else {
            throw ToolError.usage("--format must be one of \(Export.Format.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(format)\"")
        }
        let history = try options.reading { try LedgerHistory.read(path: $0) }
        if let first = history.findings.first {
            throw Diagnostic(first, file: options.name, note: "the ledger is invalid, nothing was exported; `verify --json` lists every finding")
        }
        try emit(Export.render(history, format: f), out: out)
    }
}
