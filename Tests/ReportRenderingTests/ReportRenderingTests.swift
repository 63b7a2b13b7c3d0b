import Foundation
import Testing

@testable import ReportRendering

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The document model's renderers: CSV bytes as spreadsheets want them, HTML a printer and a browser take,
/// and the chart as SVG that parses as XML.
@Suite struct ReportRenderingTests {
    static let hostile = "王师傅 <script>alert(\"x\")</script> & 'co'"

    static let document = ReportDocument(
        title: "快递服务日报", subtitle: "李家村服务站（cun-01）", period: "2026-11-22", generatedAt: "2026-11-22 18:30 (Asia/Shanghai)",
        sections: [
            .figures("概况", [("入库", .integer(12)), ("寄件费（元）", .money(fen: 1250)), ("取件率", .percent(0.853))]),
            ReportSection(
                title: "交接", columns: [ReportColumn("对方"), ReportColumn("说明"), ReportColumn("件数", alignment: .trailing)],
                rows: [
                    [.text(hostile), .text("短少 1, 多发 \"2\"\n第二行"), .integer(3)],
                    [.text("=HYPERLINK(\"http://x\")"), .text(" 前后空格 "), .integer(-1)],
                ], totals: [.text("合计"), .empty, .integer(2)], notes: ["差异须在月底前处理"]),
            ReportSection(
                title: "滞留时长分布",
                chart: ReportChart(
                    title: "在架待取 <按时长>", labels: ["<24h", "1-2d", "2-3d", "3-7d", ">7d"], counts: [7, 3, 0, 2, 1], unit: "件",
                    labelAxisTitle: "滞留时长", valueAxisTitle: "包裹数")),
            ReportSection(title: "投诉", columns: [ReportColumn("内容")], rows: [], emptyText: "本期无投诉"),
        ], notes: ["按下列输入计算：交接 3 次", hostile])

    // MARK: Formats

    @Test func moneyIsYuanWithTwoDecimalsInIntegerArithmetic() {
        #expect(ReportFormat.yuan(fen: 1250) == "12.50")
        #expect(ReportFormat.yuan(fen: 5) == "0.05")
        #expect(ReportFormat.yuan(fen: 0) == "0.00")
        #expect(ReportFormat.yuan(fen: -5) == "-0.05")
        #expect(ReportFormat.yuan(fen: 123_456_789) == "1234567.89")
        #expect(ReportFormat.percent(0.853) == "85.3%")
        #expect(ReportFormat.percent(1) == "100.0%")
        #expect(ReportFormat.percent(0.00049) == "0.0%")
        #expect(ReportFormat.percent(.nan) == "-")
        #expect(ReportFormat.number(3) == "3")
        #expect(ReportFormat.number(2.5) == "2.5")
        #expect(ReportFormat.number(1 / 3) == "0.33")
        #expect(ReportCell.money(fen: 99).display == "0.99")
    }

    // MARK: CSV

    @Test func csvStartsWithTheBOMAndEndsEveryLineWithCRLF() throws {
        let bytes = CSVRenderer.render(Self.document)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = try #require(String(bytes: bytes.dropFirst(3), encoding: .utf8))
        #expect(text.hasSuffix("\r\n"))
        // Every line ends in CRLF; the one bare LF is the line break inside a quoted field.
        #expect(text.replacingOccurrences(of: "\r\n", with: "").filter { $0 == "\n" }.count == 1)
        #expect(text.replacingOccurrences(of: "\r\n", with: "").contains("多发 \"\"2\"\"\n第二行"))
        // Every LF is part of a CRLF (the quoted field's own line break is written as CRLF-free "\n" inside quotes).
        let records = CSVParser.parse(text)
        #expect(records.first == ["快递服务日报"])
        #expect(records.contains(["统计期间", "2026-11-22"]))
        #expect(records.contains(["寄件费（元）", "12.50"]))
        #expect(records.contains(["取件率", "85.3%"]))
        // A blank line, then the section's title row, then its header.
        let index = try #require(records.firstIndex(of: ["交接"]))
        #expect(records[index - 1] == [""])
        #expect(records[index + 1] == ["对方", "说明", "件数"])
        #expect(records[index + 2] == [Self.hostile, "短少 1, 多发 \"2\"\n第二行", "3"])
        // Formula-looking text is defused; spaces survive; negative numbers stay numbers.
        #expect(records[index + 3] == ["'=HYPERLINK(\"http://x\")", " 前后空格 ", "-1"])
        #expect(records[index + 4] == ["合计", "", "2"])
        #expect(records.contains(["注", "差异须在月底前处理"]))
        // A chart-only section is written as its data; an empty table says so.
        #expect(records.contains(["滞留时长", "包裹数"]))
        #expect(records.contains([">7d", "1"]))
        #expect(records.contains(["本期无投诉"]))
    }

    @Test func csvQuotingFollowsRFC4180() {
        #expect(CSVRenderer.field("plain") == "plain")
        #expect(CSVRenderer.field("a,b") == "\"a,b\"")
        #expect(CSVRenderer.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVRenderer.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVRenderer.field("crlf\r\nline") == "\"crlf\r\nline\"")
        #expect(CSVRenderer.field("") == "")
        #expect(CSVRenderer.row(["a", "b,c", ""]) == "a,\"b,c\",")
        #expect(CSVRenderer.value(.text("-")) == "-")
        #expect(CSVRenderer.value(.text("+86 138")) == "'+86 138")
        #expect(CSVRenderer.value(.integer(-3)) == "-3")
    }

    // MARK: HTML

    @Test func htmlIsACompletePrintablePageWithEverythingEscaped() throws {
        let html = HTMLRenderer.render(Self.document)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("@media print"))
        #expect(html.contains("@page { size: A4; "))
        #expect(html.contains("<thead>"))
        #expect(html.contains("<tfoot>"))
        #expect(html.contains("<td class=\"num\">3</td>"))
        #expect(html.contains("<h1>快递服务日报</h1>"))
        #expect(html.contains("本期无投诉"))
        #expect(html.hasSuffix("</html>\n"))
        // The hostile party name appears only escaped, wherever it is used.
        #expect(!html.contains("<script"))
        #expect(html.contains("王师傅 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;"))
        #expect(html.components(separatedBy: "&lt;script&gt;").count == 3)
        #expect(HTMLRenderer.escape("a\u{0}b\u{1B}c\td") == "abc\td")
    }

    @Test func wideTablesPrintInLandscape() {
        let wide = ReportDocument(
            title: "交接台账",
            sections: [ReportSection(title: "t", columns: (1...13).map { ReportColumn("c\($0)") }, rows: [(1...13).map { .integer($0) }])])
        let html = HTMLRenderer.render(wide)
        #expect(html.contains("@page { size: A4 landscape;"))
        #expect(html.contains("<table class=\"wide\">"))
    }

    @Test func smallFigureTablesSitSideBySide() {
        let figures = ReportDocument(
            title: "日报",
            sections: [
                .figures("业务量", [("入库", .integer(3))]), .figures("金额", [("服务费", .money(fen: 100))]),
                ReportSection(
                    title: "明细", columns: [ReportColumn("a"), ReportColumn("b"), ReportColumn("c"), ReportColumn("d")],
                    rows: [[.integer(1)]]),
                .figures("输入", [("交接", .integer(1))]),
            ])
        let html = HTMLRenderer.render(figures)
        #expect(html.components(separatedBy: "<div class=\"grid\">").count == 2)
        let grid = html.components(separatedBy: "<div class=\"grid\">")[1].components(separatedBy: "</div>")[0]
        #expect(grid.contains("业务量") && grid.contains("金额") && !grid.contains("明细"))
        #expect(html.contains("@page { size: A4; "))
    }

    // MARK: SVG

    @Test func theChartIsWellFormedSVGWithBarsValuesAndAxisTitles() throws {
        let chart = ReportChart(
            title: "滞留 <分布> & 'x'", labels: ["<24h", "1-2d", "2-3d", "3-7d", ">7d"], counts: [7, 3, 0, 2, 1], unit: "件",
            labelAxisTitle: "滞留时长", valueAxisTitle: "包裹数")
        let svg = SVGBarChart.render(chart)
        let parsed = try SVGSummary(svg)
        #expect(parsed.root == "svg")
        #expect(parsed.namespace == "http://www.w3.org/2000/svg")
        #expect(parsed.rects == 5)
        #expect(parsed.texts.contains("<24h"))
        #expect(parsed.texts.contains(">7d"))
        #expect(parsed.texts.contains("7"))
        #expect(parsed.texts.contains("滞留时长"))
        #expect(parsed.texts.contains("包裹数（件）"))
        #expect(parsed.titles.contains("滞留 <分布> & 'x'"))
        // The tallest bar reaches the top of the scale (7 → 8 with a step of 2: 0, 2, 4, 6, 8).
        #expect(parsed.texts.contains("8"))
        #expect(SVGBarChart.niceScale(7) == (8, 2))
        #expect(SVGBarChart.niceScale(0) == (1, 1))
        #expect(SVGBarChart.niceScale(1) == (1, 1))
        #expect(SVGBarChart.niceScale(95) == (100, 20))
        #expect(SVGBarChart.niceScale(2.4).top >= 2.4)
    }

    @Test func theChartInsideTheHTMLParsesToo() throws {
        let html = HTMLRenderer.render(Self.document)
        let start = try #require(html.range(of: "<svg "))
        let end = try #require(html.range(of: "</svg>"))
        let parsed = try SVGSummary(String(html[start.lowerBound..<end.upperBound]))
        #expect(parsed.rects == 5)
        #expect(html.contains("<figcaption>在架待取 &lt;按时长&gt;</figcaption>"))
    }

    @Test func aMonthOfBarsThinsItsLabelsAndAnEmptyChartSaysSo() throws {
        let days = ReportChart(title: "每日入库", labels: (1...31).map { "\($0)日" }, counts: (1...31).map { $0 % 7 })
        let parsed = try SVGSummary(SVGBarChart.render(days))
        #expect(parsed.rects == 31)
        #expect(parsed.texts.contains("1日"))
        #expect(!parsed.texts.contains("2日"))
        let empty = try SVGSummary(SVGBarChart.render(ReportChart(title: "空", labels: [], values: [])))
        #expect(empty.rects == 0)
        #expect(empty.texts.contains("无数据"))
    }
}

/// A strict parse of an SVG document: element names, text and title contents.
struct SVGSummary {
    var root = ""
    var namespace: String?
    var rects = 0
    var texts: [String] = []
    var titles: [String] = []

    init(_ svg: String) throws {
        let delegate = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.shouldProcessNamespaces = false
        parser.delegate = delegate
        guard parser.parse() else {
            throw ParseFailure(description: "\(parser.parserError.map { "\($0)" } ?? "unknown") in:\n\(svg)")
        }
        root = delegate.root ?? ""
        namespace = delegate.namespace
        rects = delegate.rects
        texts = delegate.texts
        titles = delegate.titles
    }

    struct ParseFailure: Error, CustomStringConvertible { let description: String }

    final class Collector: NSObject, XMLParserDelegate {
        var root: String?
        var namespace: String?
        var rects = 0
        var texts: [String] = []
        var titles: [String] = []
        var current: String?
        var buffer = ""

        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]
        ) {
            if root == nil {
                root = name
                namespace = attributes["xmlns"]
            }
            if name == "rect" { rects += 1 }
            if name == "text" || name == "title" {
                current = name
                buffer = ""
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { buffer += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" { texts.append(buffer) }
            if name == "title" { titles.append(buffer) }
            current = nil
        }
    }
}

/// RFC 4180 reader for the tests: quoted fields may hold commas, quotes and line breaks.
enum CSVParser {
    static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return iterator.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            quoted = false
                            pending = n
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                record.append(field)
                field = ""
            } else if c == "\r" {
                if let n = next(), n != "\n" { pending = n }
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
