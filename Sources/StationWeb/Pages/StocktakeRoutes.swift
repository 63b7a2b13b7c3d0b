import Foundation
import Hummingbird
import StationProtocol

/// 盘点: start a sweep of one shelf (or the whole station) for this counter, watch it fill in as the stocktake
/// scanner sweeps the shelf, type a number the scanner cannot read, and close it with its report: 在架 (found),
/// 错架 (misplaced), 未扫到 (missing), 不在账上 (unknown) and 滞留 (long stay).
struct StocktakeRoutes {
    let console: Console

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/stocktake") { request, context in
            if let id = request.uri.queryParameters["id"].map(String.init)?.trimmingCharacters(in: .whitespaces), !id.isEmpty {
                return Responses.redirect("/stocktake/\(Self.escapePath(id))")
            }
            return await console.page("盘点", .stocktake, context, StocktakePage.start(session: context.session!, notice: nil))
        }
        router.post("/stocktake/start") { request, context in
            let form = try await request.form()
            let shelfText = form.text("shelf")
            let shelf = shelfText.flatMap { Int($0) }
            guard shelfText == nil || shelf != nil else {
                return await console.page(
                    "盘点", .stocktake, context, status: .badRequest,
                    StocktakePage.start(session: context.session!, notice: Layout.notice("货架号请填数字（例：3），或留空盘点全站。", tone: "refused")))
            }
            switch await console.call(Method.startStocktake, StocktakeStartParams(shelf: shelf, counter: console.counter)) {
            case .success(let stocktake): return Responses.redirect("/stocktake/\(Self.escapePath(stocktake.id))")
            case .failure(let failure):
                return await console.page(
                    "盘点", .stocktake, context, status: failure.status,
                    StocktakePage.start(session: context.session!, notice: Layout.notice("没有开始盘点：" + failure.words, tone: "refused")))
            }
        }
        router.get("/stocktake/:id") { request, context in
            let id = try context.parameters.require("id")
            let last = request.uri.queryParameters["last"].map(String.init)
            let error = request.uri.queryParameters["error"].map(String.init)
            switch await console.call(Method.getStocktake, StocktakeRefParams(stocktake: id)) {
            case .success(let report):
                return await console.page(
                    "盘点", .stocktake, context, StocktakePage.sweep(report, session: context.session!, last: last, error: error))
            case .failure(let failure):
                return await console.page(
                    "盘点", .stocktake, context, status: failure.unreachable ? .serviceUnavailable : .notFound,
                    StocktakePage.start(session: context.session!, notice: Layout.notice(failure.words, tone: "refused")))
            }
        }
        router.get("/stocktake/:id/live") { _, context in
            let id = try context.parameters.require("id")
            switch await console.call(Method.getStocktake, StocktakeRefParams(stocktake: id)) {
            case .success(let report): return Responses.page(StocktakePage.live(report))
            case .failure(let failure): return Responses.page(Layout.notice(failure.words, tone: "refused"))
            }
        }
        router.post("/stocktake/:id/scan") { request, context in
            let id = try context.parameters.require("id")
            let form = try await request.form()
            let back = "/stocktake/\(Self.escapePath(id))"
            guard let text = form.text("text") else { return Responses.redirect(back) }
            switch await console.call(Method.scanStocktake, StocktakeScanParams(stocktake: id, text: text)) {
            case .success(let scan):
                let line = "\(text)：\(StocktakePage.resultWords(scan.result))"
                return Responses.redirect(back, query: ["last": line])
            case .failure(let failure):
                return Responses.redirect(back, query: ["error": "\(text)：\(failure.words)"])
            }
        }
        router.post("/stocktake/:id/close") { _, context in
            let id = try context.parameters.require("id")
            switch await console.call(Method.closeStocktake, StocktakeRefParams(stocktake: id)) {
            case .success: return Responses.redirect("/stocktake/\(Self.escapePath(id))")
            case .failure(let failure):
                return Responses.redirect("/stocktake/\(Self.escapePath(id))", query: ["error": "没有结束盘点：" + failure.words])
            }
        }
    }

    static func escapePath(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? ""
    }
}

enum StocktakePage {
    static func start(session: ConsoleSession, notice: HTML?) -> HTML {
        """
        <h1>盘点</h1>\(notice ?? "")
        <form class="row filters" method="post" action="/stocktake/start">\(Layout.csrfField(session))
          <label>货架号 <input name="shelf" inputmode="numeric" autocomplete="off" autofocus placeholder="留空＝全站"></label>
          <button class="primary" type="submit">开始盘点</button>
        </form>
        <p>开始后，把扫描枪切换到「盘点」用途（扫用途切换码或在「扫描枪」页更改），逐件扫货架上的包裹，本页会随扫随更新。</p>
        <form class="row filters" method="get" action="/stocktake">
          <label>继续进行中的盘点：编号 <input name="id" autocomplete="off"></label><button type="submit">打开</button>
        </form>
        """
    }

    static func sweep(_ report: StocktakeReportDTO, session: ConsoleSession, last: String?, error: String?) -> HTML {
        let open = report.closedAt == nil
        let id = report.stocktake
        let path = "/stocktake/\(StocktakeRoutes.escapePath(id))"
        let heading: HTML =
            "<h1>盘点 \(report.shelf.map { "\($0) 号货架" } ?? "全站")\(open ? "（进行中）" : "（已结束）" as HTML)</h1>"
        let notices: HTML =
            (last.map { Layout.notice($0, tone: "ok") } ?? "") + (error.map { Layout.notice($0, tone: "refused") } ?? "")
        let controls: HTML =
            open
            ? """
            <form class="entry" method="post" action="\(path)/scan">\(Layout.csrfField(session))
              <input name="text" autocomplete="off" autofocus aria-label="单号" placeholder="扫不出的单号在这里输入，回车">
              <button class="primary" type="submit">盘点此件</button>
            </form>
            <form method="post" action="\(path)/close">\(Layout.csrfField(session))
              <button class="danger" type="submit">结束盘点，出报告</button></form>
            """
            : """
            <p class="noprint"><button data-print>打印报告</button> <a class="button" href="/stocktake">新的盘点</a></p>
            \(report.missing.isEmpty ? "" : missingForm(id, count: report.missing.count, session: session))
            """
        return """
            \(heading)
            <p class="muted">编号 \(id) · 开始于 \(Dates.local(report.startedAt))\(report.closedAt.map { " · 结束于 \(Dates.local($0))" } ?? "")</p>
            \(notices)\(controls)
            <section id="sweep" data-refresh-url="\(path)/live"\(open ? " data-follow=\"stocktake:\(id)\"" : "" as HTML)>\(live(report))</section>
            """
    }

    /// One step from a closed stocktake's missing list to problem parcels (丢失), each still missing once.
    static func missingForm(_ id: String, count: Int, session: ConsoleSession) -> HTML {
        """
        <form class="noprint" method="post" action="/problems/missing">\(Layout.csrfField(session))
          <input type="hidden" name="stocktake" value="\(id)">
          <button class="danger" type="submit">把 \(String(count)) 件未扫到的包裹登记为丢失问题件</button>
        </form>
        """
    }

    /// The counts and the lists; refetched on every scan for this stocktake while it is open.
    static func live(_ report: StocktakeReportDTO) -> HTML {
        let open = report.closedAt == nil
        let groups: [(String, String, [StocktakeReportDTO.Item], String)] = [
            ("在架", "ok", report.found, "found"),
            ("错架", "repeat", report.misplaced, "misplaced"),
            (open ? "尚未扫到" : "未扫到（短少）", "refused", report.missing, "missing"),
            ("不在账上", "refused", report.unknown, "unknown"),
            ("滞留", "repeat", report.longStay, "long"),
        ]
        let counts = groups.map { group in
            HTML("<div class=\"count \(group.1)\" data-count=\"\(group.3)\"><b>\(group.2.count)</b>\(group.0)</div>")
        }
        let lists = groups.filter { !$0.2.isEmpty }.map { group in
            let rows = group.2.map { item in
                HTML(
                    "<tr><td class=\"shelfcode\">\(item.pickupCode ?? "—")</td><td>\(item.tracking)</td><td>\(item.state.map(Wording.state) ?? "")</td><td>\(Dates.local(item.shelvedAt))</td></tr>"
                )
            }
            return HTML(
                """
                <h2>\(group.0)（\(group.2.count) 件）</h2>
                <table class="\(group.3)"><thead><tr><th>取件码</th><th>单号</th><th>状态</th><th>上架时间</th></tr></thead><tbody>\(rows)</tbody></table>
                """)
        }
        return """
            <div class="counts"><div class="count"><b id="scanned">\(report.scanned)</b>已扫</div>\(counts)</div>
            \(lists)
            """
    }

    static func resultWords(_ result: String) -> String {
        switch result {
        case "found": "在架"
        case "misplaced": "错架，请放回原货架"
        case "unknown": "不在账上（本站没有这个在站包裹）"
        case "repeatScan": "已扫过"
        default: result
        }
    }
}
