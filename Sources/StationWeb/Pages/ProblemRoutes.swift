import Foundation
import Hummingbird
import StationProtocol

/// 问题件: record a lost, damaged, wrongly collected, refused or wrongly addressed parcel (with a note and a photo
/// reference), see the open ones (or all), and close one by how it ended. A stocktake's missing list is opened
/// here in one step from the stocktake page. The staff signed in is recorded with each.
struct ProblemRoutes {
    let console: Console
    static let kinds = [
        ("lost", "丢失"), ("damaged", "破损"), ("wrongCollected", "错拿/冒领"), ("refused", "拒收"), ("badAddress", "地址错误"),
    ]
    static let resolutions = [
        ("found", "已找到/已处理（放回货架）"), ("returnedToCourier", "退回快递"), ("compensated", "已赔付"), ("writtenOff", "核销"),
    ]

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/problems") { request, context in
            let query = request.uri.queryParameters
            var notices: [HTML] = []
            if let done = query["done"].map(String.init) { notices.append(Layout.notice(done, tone: "ok")) }
            if let error = query["error"].map(String.init) { notices.append(Layout.notice(error, tone: "refused")) }
            let prefill = query["tracking"].map(String.init)
            return await console.page(
                "问题件", .problems, context,
                await page(session: context.session!, all: query["all"] != nil, form: nil, tracking: prefill, notices: notices))
        }
        router.post("/problems") { request, context in
            let form = try await request.form()
            let session = context.session!
            guard let tracking = form.text("tracking"), let kind = form.text("kind") else {
                return await console.page(
                    "问题件", .problems, context, status: .badRequest,
                    await page(
                        session: session, all: false, form: form, tracking: nil,
                        notices: [Layout.notice("请填写单号并选择问题类别。没有登记。", tone: "refused")]))
            }
            let params = ProblemOpenParams(
                tracking: tracking, kind: kind, note: form.text("note"), photo: form.text("photo"), staff: session.staff)
            switch await console.call(Method.openProblem, params) {
            case .success(let result):
                return Responses.redirect(
                    "/problems", query: ["done": "已登记问题件 #\(result.problem.id)：\(result.parcel.tracking) \(result.problem.label)。"])
            case .failure(let failure):
                return await console.page(
                    "问题件", .problems, context, status: failure.status,
                    await page(
                        session: session, all: false, form: form, tracking: nil,
                        notices: [Layout.notice(failure.words + " 没有登记。", tone: "refused")]))
            }
        }
        router.post("/problems/missing") { request, context in
            let form = try await request.form()
            guard let stocktake = form.text("stocktake") else { return Responses.redirect("/problems") }
            let back = "/stocktake/\(StocktakeRoutes.escapePath(stocktake))"
            switch await console.call(
                Method.openMissingProblems, ProblemsFromStocktakeParams(stocktake: stocktake, staff: context.session!.staff))
            {
            case .success(let result):
                let words = result.problems.isEmpty ? "没有需要登记的短少包裹（已登记过或已找到）。" : "已把 \(result.problems.count) 件短少包裹登记为丢失问题件。"
                return Responses.redirect("/problems", query: ["done": words])
            case .failure(let failure): return Responses.redirect(back, query: ["error": "没有登记问题件：" + failure.words])
            }
        }
        router.post("/problems/:id/resolve") { request, context in
            guard let id = Int64(try context.parameters.require("id")) else { return Responses.redirect("/problems") }
            let form = try await request.form()
            guard let resolution = form.text("resolution") else {
                return Responses.redirect("/problems", query: ["error": "请选择问题件 #\(id) 的处理结果。"])
            }
            let params = ProblemResolveParams(id: id, resolution: resolution, note: form.text("note"), staff: context.session!.staff)
            switch await console.call(Method.resolveProblem, params) {
            case .success(let result):
                let code = result.parcel.pickupCode.map { "，取件码 \($0)" } ?? ""
                return Responses.redirect(
                    "/problems", query: ["done": "问题件 #\(id) 已处理：\(result.parcel.tracking) \(Wording.state(result.parcel.state))\(code)。"])
            case .failure(let failure): return Responses.redirect("/problems", query: ["error": "问题件 #\(id) 没有处理：" + failure.words])
            }
        }
    }

    func page(session: ConsoleSession, all: Bool, form: FormFields?, tracking: String?, notices: [HTML]) async -> HTML {
        let list: HTML =
            switch await console.call(Method.problems, ProblemListParams(open: all ? nil : true, limit: 300)) {
            case .success(let result): ProblemPage.list(result.problems, session: session, all: all)
            case .failure(let failure): Layout.notice("无法读取问题件：" + failure.words, tone: "refused")
            }
        return ProblemPage.render(session: session, all: all, form: form, tracking: tracking, notices: notices, list: list)
    }
}

enum ProblemPage {
    static func render(session: ConsoleSession, all: Bool, form: FormFields?, tracking: String?, notices: [HTML], list: HTML) -> HTML {
        let kinds = ProblemRoutes.kinds.map { kind in
            HTML("<option value=\"\(kind.0)\"\(form?["kind"] == kind.0 ? " selected" : "" as HTML)>\(kind.1)</option>")
        }
        return """
            <h1>问题件</h1>\(notices)
            <form class="grid-form" method="post" action="/problems">\(Layout.csrfField(session))
              <label>单号<input name="tracking" value="\(form?["tracking"] ?? tracking)" autocomplete="off" autofocus required></label>
              <label>问题<select name="kind">\(kinds)</select></label>
              <label>照片编号<input name="photo" value="\(form?["photo"])" autocomplete="off" placeholder="高拍仪照片文件名（可不填）"></label>
              <label class="wide">情况说明<textarea name="note" rows="2">\(form?["note"])</textarea></label>
              <p><button class="primary" type="submit">登记问题件</button></p>
            </form>
            <p class="muted">在站的包裹登记后暂停取件，处理后：找到的放回货架，退回的等快递员取走，赔付或核销的出账。</p>
            <h2>\(all ? "全部问题件" : "未处理的问题件")</h2>
            <p class="noprint">\(all ? "<a href=\"/problems\">只看未处理的</a>" : "<a href=\"/problems?all=1\">查看全部（含已处理）</a>" as HTML)</p>
            \(list)
            """
    }

    static func resolutionWords(_ resolution: String) -> String {
        ProblemRoutes.resolutions.first { $0.0 == resolution }?.1 ?? resolution
    }

    static func list(_ problems: [ProblemDTO], session: ConsoleSession, all: Bool) -> HTML {
        guard !problems.isEmpty else { return "<p>\(all ? "还没有问题件。" : "没有未处理的问题件。")</p>" }
        let options = ProblemRoutes.resolutions.map { HTML("<option value=\"\($0.0)\">\($0.1)</option>") }
        let rows = problems.map { problem in
            let id = String(problem.id)
            let source: HTML = problem.source.hasPrefix("stocktake ") ? "盘点短少" : "员工登记"
            let state: HTML =
                if let resolution = problem.resolution {
                    "<b class=\"ok\">\(resolutionWords(resolution))</b>\(problem.resolutionNote.map { "：\($0)" } ?? "")<br><span class=\"muted\">\(Dates.local(problem.resolvedAt)) \(problem.resolvedBy.map(Wording.staff))</span>"
                } else {
                    """
                    <form class="row" method="post" action="/problems/\(id)/resolve">\(Layout.csrfField(session))
                    <select name="resolution" aria-label="问题件 #\(id) 的处理结果">\(options)</select>
                    <input name="note" autocomplete="off" aria-label="问题件 #\(id) 的处理说明" placeholder="说明（可不填）">
                    <button type="submit">处理</button></form>
                    """
                }
            return HTML(
                """
                <tr id="problem-\(id)"><td class="num">#\(id)</td><td>\(problem.tracking)</td><td><b>\(problem.label)</b></td>
                <td>\(problem.note ?? "")\(problem.photo.map { "<br><span class=\"muted\">照片 \($0)</span>" as HTML } ?? "")</td>
                <td>\(source)<br>\(Dates.local(problem.openedAt)) \(Wording.staff(problem.openedBy))</td><td>\(state)</td></tr>
                """)
        }
        return """
            <table class="problems"><thead><tr><th class="num">编号</th><th>单号</th><th>问题</th><th>说明</th><th>登记</th><th>处理</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }
}
