import Foundation
import Hummingbird
import ReportRendering
import StationDocuments
import StationProtocol

/// 报表: 日报, 月报, 滞留 and 交接台账 as pages with their charts, and as the same CSV and HTML files parcelctl writes
/// (one mapping from the daemon's reply to a report document, `StationReportDocuments`, for both).
struct ReportRoutes {
    let console: Console

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/reports") { request, context in
            let choice = ReportChoice(request.uri.queryParameters)
            let shown: HTML
            switch await document(choice, forCSV: false) {
            case .success(let document):
                shown = "<article class=\"report\">\(HTML(raw: HTMLRenderer.content(document)))</article>"
            case .failure(let failure):
                shown = Layout.notice("报表无法生成：" + failure.words, tone: "refused")
            }
            return await console.page("报表", .reports, context, ReportPage.render(choice, report: shown))
        }
        router.get("/reports/download") { request, _ in
            let choice = ReportChoice(request.uri.queryParameters)
            let csv = request.uri.queryParameters["format"].map(String.init) != "html"
            switch await document(choice, forCSV: csv) {
            case .success(let document):
                if csv {
                    return Responses.download(
                        CSVRenderer.render(document), type: "text/csv; charset=utf-8", filename: choice.filename("csv"))
                }
                return Responses.download(
                    Array(HTMLRenderer.render(document).utf8), type: "text/html; charset=utf-8", filename: choice.filename("html"))
            case .failure(let failure):
                return Responses.page(
                    ErrorPages.plain("报表无法生成", failure.words), status: failure.unreachable ? .serviceUnavailable : .badRequest)
            }
        }
    }

    /// The report as a document; the ledger's CSV keeps each receipt's full digest (for checking), like parcelctl's.
    func document(_ choice: ReportChoice, forCSV: Bool) async -> Result<ReportDocument, CallFailure> {
        switch choice.kind {
        case .daily: await console.call(Method.dailyReport, DailyReportParams(date: choice.date)).map(StationReportDocuments.period)
        case .monthly: await console.call(Method.monthlyReport, MonthlyReportParams(month: choice.month)).map(StationReportDocuments.period)
        case .backlog:
            await console.call(Method.backlog, BacklogParams(olderThanHours: choice.olderThanHours)).map(StationReportDocuments.backlog)
        case .ledger:
            await console.call(Method.handoffLedger, HandoffLedgerParams(from: choice.from, to: choice.to)).map {
                StationReportDocuments.ledger($0, fullDigests: forCSV)
            }
        }
    }
}

/// Which report, for which period, as the page's query gives it (empty fields: the daemon's defaults, today or
/// this month).
struct ReportChoice {
    enum Kind: String, CaseIterable {
        case daily, monthly, backlog, ledger
        var title: String {
            switch self {
            case .daily: "日报"
            case .monthly: "月报"
            case .backlog: "滞留"
            case .ledger: "交接台账"
            }
        }
    }

    var kind: Kind
    var date: String?
    var month: String?
    var from: String?
    var to: String?
    var olderThanHours: Int?

    init(_ query: Parameters) {
        func field(_ name: String) -> String? {
            guard let value = query[Substring(name)].map(String.init)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                return nil
            }
            return value
        }
        kind = field("kind").flatMap(Kind.init(rawValue:)) ?? .daily
        date = field("date")
        month = field("month")
        from = field("from")
        to = field("to")
        olderThanHours = field("hours").flatMap { Int($0) }
    }

    /// The query that asks for this same report (for the download links).
    var query: String {
        var items = [URLQueryItem(name: "kind", value: kind.rawValue)]
        switch kind {
        case .daily: items.append(URLQueryItem(name: "date", value: date))
        case .monthly: items.append(URLQueryItem(name: "month", value: month))
        case .backlog: items.append(URLQueryItem(name: "hours", value: olderThanHours.map(String.init)))
        case .ledger: items += [URLQueryItem(name: "from", value: from), URLQueryItem(name: "to", value: to)]
        }
        var components = URLComponents()
        components.queryItems = items.filter { $0.value != nil }
        return components.percentEncodedQuery ?? ""
    }

    /// An ASCII file name (`daily-2026-12-03.csv`): every browser saves it as given.
    func filename(_ suffix: String) -> String {
        let period: String? =
            switch kind {
            case .daily: date
            case .monthly: month
            case .backlog: nil
            case .ledger: [from, to].compactMap { $0 }.joined(separator: "_")
            }
        let safe = (period ?? "").filter { $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "_") }
        return "\(kind.rawValue)\(safe.isEmpty ? "" : "-" + safe).\(suffix)"
    }
}

enum ReportPage {
    static func render(_ choice: ReportChoice, report: HTML) -> HTML {
        let tabs = ReportChoice.Kind.allCases.map { kind in
            HTML(
                "<a class=\"button\(kind == choice.kind ? " active" : "" as HTML)\" href=\"/reports?kind=\(kind.rawValue)\"\(kind == choice.kind ? " aria-current=\"page\"" : "" as HTML)>\(kind.title)</a>"
            )
        }
        let fields: HTML =
            switch choice.kind {
            case .daily: "<label>日期 <input type=\"date\" name=\"date\" value=\"\(choice.date)\" autofocus></label>"
            case .monthly:
                "<label>月份 <input type=\"month\" name=\"month\" value=\"\(choice.month)\" placeholder=\"2026-11\" autofocus></label>"
            case .backlog:
                "<label>滞留至少 <input type=\"number\" name=\"hours\" min=\"0\" value=\"\(choice.olderThanHours.map(String.init))\" autofocus> 小时</label>"
            case .ledger:
                """
                <label>从 <input type="date" name="from" value="\(choice.from)" autofocus></label>
                <label>到 <input type="date" name="to" value="\(choice.to)"></label>
                """
            }
        let query = choice.query
        return """
            <h1>报表</h1>
            <nav class="row tabs noprint" aria-label="报表种类">\(tabs)</nav>
            <form class="row filters noprint" method="get" action="/reports">
              <input type="hidden" name="kind" value="\(choice.kind.rawValue)">\(fields)
              <button class="primary" type="submit">查看</button>
              <a class="button" href="/reports/download?\(query)&amp;format=csv" download>下载 CSV（Excel/WPS）</a>
              <a class="button" href="/reports/download?\(query)&amp;format=html" download>下载 HTML</a>
              <button type="button" data-print>打印</button>
            </form>
            \(report)
            """
    }
}
