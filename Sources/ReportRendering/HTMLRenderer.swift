/// A complete, printable HTML page: `lang="zh-CN"`, UTF-8, one stylesheet for screen and print (A4, header
/// rows repeated on every printed page, rows never split), tables with numbers right-aligned, charts as inline
/// SVG. No script, no external resource: the file can be mailed, archived and printed as it is. Every piece of
/// text is escaped.
public enum HTMLRenderer {
    public struct Options: Sendable {
        /// Print in landscape. Nil: landscape when some table has more than `wideColumns` columns (those tables
        /// also get a smaller font).
        public var landscape: Bool?
        public var wideColumns = 12
        public init(landscape: Bool? = nil) { self.landscape = landscape }
    }

    public static func render(_ document: ReportDocument, options: Options = Options()) -> String {
        let landscape = options.landscape ?? document.sections.contains { $0.columns.count > options.wideColumns }
        var html: [String] = []
        let pageTitle = [document.title, document.subtitle, document.period].compactMap { $0 }.joined(separator: " · ")
        html.append("<!DOCTYPE html>")
        html.append("<html lang=\"zh-CN\">")
        html.append("<head>")
        html.append("<meta charset=\"utf-8\">")
        html.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        html.append("<meta name=\"generator\" content=\"parcel-station ReportRendering\">")
        html.append("<title>\(escape(pageTitle))</title>")
        html.append("<style>\n\(stylesheet(landscape: landscape))\n</style>")
        html.append("</head>")
        html.append("<body>")
        html.append(content(document, options: options))
        html.append("</body>")
        html.append("</html>")
        return html.joined(separator: "\n") + "\n"
    }

    /// The report itself without the page around it: its heading, sections (tables and inline SVG charts) and
    /// notes, for a page that brings its own stylesheet (the console draws reports inside its frame). The charts
    /// use SVG presentation attributes only, never `style`, so a strict Content-Security-Policy shows them.
    public static func content(_ document: ReportDocument, options: Options = Options()) -> String {
        var html: [String] = []
        html.append("<header class=\"report-head\">")
        html.append("<h1>\(escape(document.title))</h1>")
        if let subtitle = document.subtitle { html.append("<p class=\"subtitle\">\(escape(subtitle))</p>") }
        var meta: [String] = []
        if let period = document.period { meta.append("<span><b>统计期间</b> \(escape(period))</span>") }
        if let generated = document.generatedAt { meta.append("<span><b>生成时间</b> \(escape(generated))</span>") }
        if !meta.isEmpty { html.append("<p class=\"meta\">\(meta.joined(separator: " "))</p>") }
        html.append("</header>")
        html.append("<main>")
        // Consecutive small two-column tables (named figures) sit side by side in a grid instead of each
        // stretching across the page.
        var index = 0
        let sections = document.sections
        while index < sections.count {
            var end = index
            while end < sections.count && isCompact(sections[end]) { end += 1 }
            if end - index >= 2 {
                html.append("<div class=\"grid\">")
                for section in sections[index..<end] { html.append(render(section, wide: false)) }
                html.append("</div>")
                index = end
            } else {
                html.append(render(sections[index], wide: sections[index].columns.count > options.wideColumns))
                index += 1
            }
        }
        html.append("</main>")
        if !document.notes.isEmpty {
            html.append("<footer class=\"notes\">")
            html.append("<h2>说明</h2>")
            html.append("<ul>")
            for note in document.notes { html.append("<li>\(escape(note))</li>") }
            html.append("</ul>")
            html.append("</footer>")
        }
        return html.joined(separator: "\n")
    }

    /// A short table of two columns without a chart.
    static func isCompact(_ section: ReportSection) -> Bool {
        section.columns.count == 2 && section.chart == nil && section.rows.count <= 16
    }

    static func render(_ section: ReportSection, wide: Bool) -> String {
        var html: [String] = ["<section>", "<h2>\(escape(section.title))</h2>"]
        if let chart = section.chart {
            html.append("<figure class=\"chart\">")
            html.append(SVGBarChart.render(chart))
            html.append("<figcaption>\(escape(chart.title))</figcaption>")
            html.append("</figure>")
        }
        if !section.columns.isEmpty {
            if section.rows.isEmpty && section.totals == nil {
                html.append("<p class=\"empty\">\(escape(section.emptyText))</p>")
            } else {
                let tableClass = wide ? " class=\"wide\"" : section.columns.count <= 3 ? " class=\"pair\"" : ""
                html.append("<table\(tableClass)>")
                html.append("<thead><tr>")
                for column in section.columns { html.append("<th\(alignClass(column.alignment))>\(escape(column.title))</th>") }
                html.append("</tr></thead>")
                html.append("<tbody>")
                for cells in section.rows { html.append(row(cells, columns: section.columns)) }
                html.append("</tbody>")
                if let totals = section.totals {
                    html.append("<tfoot>")
                    html.append(row(totals, columns: section.columns))
                    html.append("</tfoot>")
                }
                html.append("</table>")
            }
        }
        if !section.notes.isEmpty {
            html.append("<ul class=\"section-notes\">")
            for note in section.notes { html.append("<li>\(escape(note))</li>") }
            html.append("</ul>")
        }
        html.append("</section>")
        return html.joined(separator: "\n")
    }

    static func row(_ cells: [ReportCell], columns: [ReportColumn]) -> String {
        var html = "<tr>"
        for (index, cell) in cells.enumerated() {
            let alignment = index < columns.count ? columns[index].alignment : (cell.isNumeric ? .trailing : .leading)
            var classes: [String] = []
            if alignment != .leading { classes.append(alignment == .trailing ? "num" : "mid") }
            if case .timestamp = cell { classes.append("time") }
            html += "<td\(classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\"")>\(escape(cell.display))</td>"
        }
        return html + "</tr>"
    }

    static func alignClass(_ alignment: ReportAlignment) -> String {
        switch alignment {
        case .leading: ""
        case .trailing: " class=\"num\""
        case .center: " class=\"mid\""
        }
    }

    /// Text for HTML and XML alike: `& < > " '` as entities, and the control characters XML forbids dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let value = scalar.value
                // Not allowed in XML 1.0 (and meaningless in a report): C0 controls, DEL-C1, U+FFFE/U+FFFF.
                if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0xFFFE || value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func stylesheet(landscape: Bool) -> String {
        """
        @page { size: A4\(landscape ? " landscape" : ""); margin: 14mm 12mm; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body { margin: 0 auto; padding: 24px 28px 40px; max-width: \(landscape ? 1180 : 940)px; color: #1a1a1a; background: #ffffff;
          font: 14px/1.6 "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif; }
        .report-head { text-align: center; border-bottom: 2px solid #1a1a1a; padding-bottom: 10px; margin-bottom: 18px; }
        h1 { font-size: 24px; letter-spacing: 0.08em; margin: 0 0 4px; }
        .subtitle { font-size: 16px; margin: 0 0 4px; }
        .meta { font-size: 13px; color: #444444; margin: 0; }
        .meta span { margin: 0 12px; white-space: nowrap; }
        .meta b { font-weight: 600; margin-right: 4px; }
        section { margin: 0 0 22px; }
        h2 { font-size: 16px; margin: 0 0 8px; padding-left: 8px; border-left: 4px solid #3f6fa8; break-after: avoid; page-break-after: avoid; }
        table { width: 100%; border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
        table.wide { font-size: 11.5px; word-break: keep-all; }
        table.pair { width: auto; min-width: 50%; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 0 24px; align-items: start; }
        .grid table.pair { width: 100%; min-width: 0; }
        th, td { border: 1px solid #b8bec6; padding: 4px 8px; vertical-align: top; text-align: left; }
        table.wide th, table.wide td { padding: 3px 5px; }
        th { background: #eef2f7; font-weight: 600; white-space: nowrap; }
        table.wide th { white-space: normal; }
        tbody tr:nth-child(even) td { background: #f8f9fb; }
        tfoot td { font-weight: 700; border-top: 2px solid #1a1a1a; background: #eef2f7; }
        .num { text-align: right; white-space: nowrap; }
        .mid { text-align: center; }
        td.time { white-space: nowrap; }
        thead { display: table-header-group; }
        tr, figure { break-inside: avoid; page-break-inside: avoid; }
        figure.chart { margin: 0 0 10px; text-align: center; }
        figure.chart svg { max-width: 100%; height: auto; }
        figcaption { font-size: 12px; color: #555555; }
        .empty { color: #666666; margin: 4px 0 0; }
        .section-notes, .notes ul { font-size: 12px; color: #444444; margin: 6px 0 0; padding-left: 20px; }
        .notes { border-top: 1px solid #b8bec6; margin-top: 24px; padding-top: 8px; }
        .notes h2 { border-left: none; padding-left: 0; font-size: 14px; }
        @media print {
          body { max-width: none; padding: 0; font-size: 12px; }
          th, tfoot td, tbody tr:nth-child(even) td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          svg rect { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
        }
        """
    }
}
