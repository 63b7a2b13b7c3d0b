/// CSV for spreadsheets (Excel, WPS, LibreOffice): UTF-8 with a byte-order mark (without it Excel on a Chinese
/// Windows reads the file as GBK and shows mojibake), RFC 4180 quoting, CRLF line ends.
///
/// Layout: the document's title, subtitle, period and generation time, one per row; then each section after a
/// blank line: its title in a row of its own, the column header, the rows, the totals row, and the section's
/// notes. A section without columns but with a chart writes the chart's labels and values as a two-column
/// table. Money is written as plain yuan (`12.50`), percentages as `85.3%`, so both stay numbers in a
/// spreadsheet. A text cell that would start a formula (`=`, `+`, `-`, `@` followed by more) gets a leading
/// apostrophe, so a party name cannot run in the reader's spreadsheet.
public enum CSVRenderer {
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The whole file's bytes, BOM first.
    public static func render(_ document: ReportDocument) -> [UInt8] {
        byteOrderMark + Array(renderText(document).utf8)
    }

    /// The file's text without the BOM.
    public static func renderText(_ document: ReportDocument) -> String {
        var lines: [String] = [row([document.title])]
        if let subtitle = document.subtitle { lines.append(row([subtitle])) }
        if let period = document.period { lines.append(row(["统计期间", period])) }
        if let generated = document.generatedAt { lines.append(row(["生成时间", generated])) }
        for section in document.sections {
            lines.append("")
            lines.append(row([section.title]))
            if !section.columns.isEmpty {
                lines.append(row(section.columns.map(\.title)))
                if section.rows.isEmpty && section.totals == nil { lines.append(row([section.emptyText])) }
                for cells in section.rows { lines.append(row(cells.map(value))) }
                if let totals = section.totals { lines.append(row(totals.map(value))) }
            } else if let chart = section.chart {
                lines.append(row([chart.labelAxisTitle ?? "项目", chart.valueAxisTitle ?? "数值"]))
                for bar in chart.bars { lines.append(row([bar.label, ReportFormat.number(bar.value)])) }
            }
            for note in section.notes { lines.append(row(["注", note])) }
        }
        if !document.notes.isEmpty {
            lines.append("")
            lines.append(row(["说明"]))
            for note in document.notes { lines.append(row([note])) }
        }
        return lines.map { $0 + "\r\n" }.joined()
    }

    /// One record: fields joined by commas, each quoted when it needs to be.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// RFC 4180: a field holding a comma, a quote, CR or LF is enclosed in quotes, its quotes doubled.
    /// Leading or trailing spaces are quoted too, so no reader trims them.
    public static func field(_ text: String) -> String {
        let needsQuotes =
            text.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
            || text.first == " " || text.last == " "
        guard needsQuotes else { return text }
        var quoted = "\""
        for character in text {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        return quoted + "\""
    }

    /// A cell's CSV text: numbers plain, text guarded against formula injection.
    public static func value(_ cell: ReportCell) -> String {
        switch cell {
        case .text(let text):
            if let first = text.first, "=+-@".contains(first), text.count > 1 { return "'" + text }
            return text
        default:
            return cell.display
        }
    }
}
