import ArgumentParser
import Foundation
import ReportRendering
import StationClient
import StationDocuments
import StationProtocol

/// `parcelctl report …`: the station's reports as a terminal table, CSV, a printable HTML page, or the wire JSON.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports: backlog (滞留), daily (日报), monthly (月报), handoff ledger (交接台账).",
        discussion: """
              parcelctl report backlog [--older-than-hours 48]
              parcelctl report daily [--date 2026-11-22] --html -o 日报.html
              parcelctl report monthly [--month 2026-11] --csv -o 月报.csv
              parcelctl report ledger [--from 2026-11-01] [--to 2026-11-30]
            Formats: a table on the terminal (default), --csv (UTF-8 with BOM, for Excel and WPS), --html (a printable \
            page), --json (the daemon's reply). -o FILE writes to a file; a name ending in .csv or .html picks that format.
            """,
        subcommands: [BacklogReportCommand.self, DailyReportCommand.self, MonthlyReportCommand.self, LedgerReportCommand.self])
}

/// Output options every report takes.
struct ReportOutput: ParsableArguments {
    @Flag(help: "CSV: UTF-8 with a byte-order mark, CRLF lines (opens in Excel and WPS).") var csv = false
    @Flag(help: "A complete HTML page to print or archive.") var html = false
    @Option(name: [.customShort("o"), .customLong("output")], help: "Write the report to this file instead of the terminal.")
    var output: String?

    enum Format { case text, csv, html, json }

    func validate() throws {
        if csv && html { throw ValidationError("give at most one of --csv and --html") }
    }

    func format(json: Bool) -> Format {
        if json { return .json }
        if csv { return .csv }
        if html { return .html }
        let name = output?.lowercased() ?? ""
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".html") || name.hasSuffix(".htm") { return .html }
        return .text
    }

    /// Calls `method` and writes its result in the chosen format. `csvDocument`, when given, is the document for
    /// CSV (e.g. with full digests instead of shortened ones).
    func run<P, R>(
        _ method: MethodDeclaration<P, R>, _ params: P, as type: R.Type, global: GlobalOptions, document: (R) -> ReportDocument,
        csvDocument: ((R) -> ReportDocument)? = nil
    ) throws {
        let connection = try global.connect(timeout: 300)
        let reply: [UInt8]
        do {
            reply = try connection.callRaw(method.rawValue, params)
        } catch let error as ClientError {
            throw CLIError(error.description, code: 69)
        }
        let result: R
        do {
            result = try StationConnection.decodeResult(reply, as: type)
        } catch let error as WireError {
            if global.json { print(String(decoding: reply, as: UTF8.self)) }
            throw CLIError("\(error.message) [\(error.code.rawValue)]", code: 1)
        }
        let chosen = format(json: global.json)
        let rendered: ReportDocument
        if chosen == .csv, let csvDocument { rendered = csvDocument(result) } else { rendered = document(result) }
        try write(json: global.json ? reply + [10] : nil, document: rendered)
    }

    /// Writes a report: `json` when given (the --json bytes), else `document` as CSV, HTML or a terminal table,
    /// to the -o file or to standard output.
    func write(json: [UInt8]?, document: ReportDocument) throws {
        let bytes: [UInt8]
        switch format(json: json != nil) {
        case .json: bytes = json ?? []
        case .csv: bytes = CSVRenderer.render(document)
        case .html: bytes = Array(HTMLRenderer.render(document).utf8)
        case .text: bytes = Array(TerminalReport.render(document).utf8)
        }
        if let output {
            do {
                try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CLIError("cannot write \(output): \(error.localizedDescription)", code: 73)  // EX_CANTCREAT
            }
            FileHandle.standardError.write(Data("report written to \(output)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }
}

struct BacklogReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backlog", abstract: "Parcels waiting on the shelf by age and courier, and what needs a decision (滞留).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: ReportOutput
    @Option(name: .customLong("older-than-hours"), help: "Only parcels waiting at least this long.") var olderThanHours: Int = 0

    func run() throws {
        try Self.run(global: global, output: output, olderThanHours: olderThanHours)
    }

    /// Also `parcelctl backlog`.
    static func run(global: GlobalOptions, output: ReportOutput, olderThanHours: Int) throws {
        try reporting {
            try output.run(
                Method.backlog, BacklogParams(olderThanHours: olderThanHours), as: BacklogResult.self, global: global,
                document: StationReportDocuments.backlog)
        }
    }
}

struct DailyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daily", abstract: "The daily report (日报): counts, fees, commissions, handoffs, complaints, the assessment item.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: ReportOutput
    @Option(help: "The day, YYYY-MM-DD in the station's time zone (default today).") var date: String?

    func run() throws {
        try reporting {
            try output.run(
                Method.dailyReport, DailyReportParams(date: date), as: StationReportResult.self, global: global,
                document: StationReportDocuments.period)
        }
    }
}

struct MonthlyReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monthly", abstract: "The monthly report (月报): the daily report's figures for a month, day by day.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: ReportOutput
    @Option(help: "The month, YYYY-MM (default this month).") var month: String?

    func run() throws {
        try reporting {
            try output.run(
                Method.monthlyReport, MonthlyReportParams(month: month), as: StationReportResult.self, global: global,
                document: StationReportDocuments.period)
        }
    }
}

struct LedgerReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger", abstract: "The handoff ledger (交接台账): every handoff of the period with its counts and receipt.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: ReportOutput
    @Option(help: "First day, YYYY-MM-DD (default the first of the month of --to).") var from: String?
    @Option(help: "Last day, YYYY-MM-DD, included (default today).") var to: String?

    func run() throws {
        try reporting {
            // CSV keeps each receipt's full digest (for checking); the page and the terminal show its first 16 digits.
            try output.run(
                Method.handoffLedger, HandoffLedgerParams(from: from, to: to), as: HandoffLedgerResult.self, global: global,
                document: { StationReportDocuments.ledger($0, fullDigests: false) },
                csvDocument: { StationReportDocuments.ledger($0, fullDigests: true) })
        }
    }
}

/// A report document as plain text for a terminal: each section's table with numbers right-aligned (CJK counted
/// as two columns), a short bar chart as bars of blocks, notes indented.
enum TerminalReport {
    static func render(_ document: ReportDocument) -> String {
        var lines: [String] = [document.title]
        var head: [String] = []
        if let subtitle = document.subtitle { head.append(subtitle) }
        if let period = document.period { head.append("统计期间 \(period)") }
        if let generated = document.generatedAt { head.append("生成时间 \(generated)") }
        if !head.isEmpty { lines.append(head.joined(separator: "   ")) }
        for section in document.sections {
            lines.append("")
            lines.append("【\(section.title)】")
            if let chart = section.chart, chart.labels.count <= 12, !chart.labels.isEmpty {
                lines.append(contentsOf: bars(chart))
                if !section.columns.isEmpty { lines.append("") }
            }
            if !section.columns.isEmpty {
                if section.rows.isEmpty && section.totals == nil {
                    lines.append(section.emptyText)
                } else {
                    let right = Set(section.columns.indices.filter { section.columns[$0].alignment == .trailing })
                    let rows = (section.rows + (section.totals.map { [$0] } ?? [])).map { $0.map(\.display) }
                    lines.append(Display.table(header: section.columns.map(\.title), rows: rows, alignRight: right))
                }
            }
            for note in section.notes { lines.append("  注：\(note)") }
        }
        if !document.notes.isEmpty {
            lines.append("")
            lines.append("说明：")
            for note in document.notes { lines.append("  · \(note)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func bars(_ chart: ReportChart) -> [String] {
        let width = chart.bars.map { Display.width($0.label) }.max() ?? 0
        let top = chart.bars.map(\.value).max() ?? 0
        return chart.bars.map { bar in
            let length = top > 0 ? Int((bar.value / top * 40).rounded()) : 0
            return Display.pad(bar.label, to: width) + "  " + String(repeating: "█", count: max(0, length))
                + (length > 0 ? " " : "") + ReportFormat.number(bar.value)
        }
    }
}
