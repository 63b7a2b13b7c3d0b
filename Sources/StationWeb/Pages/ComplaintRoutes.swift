import Foundation
import Hummingbird
import StationProtocol

/// 投诉: record a complaint about a parcel (its tracking number) or a handoff (its number), see the open ones (or
/// all), and resolve one with what was done. The staff signed in is recorded with each.
struct ComplaintRoutes {
    let console: Console
    static let sources = [("counter", "柜台"), ("phone", "电话"), ("county", "县里转来"), ("platform", "平台")]

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/complaints") { request, context in
            let query = request.uri.queryParameters
            var notices: [HTML] = []
            if let done = query["done"].map(String.init) { notices.append(Layout.notice(done, tone: "ok")) }
            if let error = query["error"].map(String.init) { notices.append(Layout.notice(error, tone: "refused")) }
            return await console.page(
                "投诉", .complaints, context, await page(session: context.session!, all: query["all"] != nil, form: nil, notices: notices))
        }
        router.post("/complaints") { request, context in
            let form = try await request.form()
            let session = context.session!
            guard let about = form.text("about"), let text = form.text("text") else {
                return await console.page(
                    "投诉", .complaints, context, status: .badRequest,
                    await page(
                        session: session, all: false, form: form,
                        notices: [Layout.notice("请填写单号（或交接编号）和投诉内容。没有登记。", tone: "refused")]))
            }
            let handoff = form["kind"] == "handoff"
            let params = ComplaintParams(
                tracking: handoff ? nil : about, handoff: handoff ? about : nil, text: text, source: form.text("source"),
                staff: session.staff)
            switch await console.call(Method.recordComplaint, params) {
            case .success(let complaint):
                return Responses.redirect("/complaints", query: ["done": "已登记投诉 #\(complaint.id)。"])
            case .failure(let failure):
                return await console.page(
                    "投诉", .complaints, context, status: failure.status,
                    await page(
                        session: session, all: false, form: form, notices: [Layout.notice(failure.words + " 没有登记。", tone: "refused")]))
            }
        }
        router.post("/complaints/:id/resolve") { request, context in
            guard let id = Int64(try context.parameters.require("id")) else { return Responses.redirect("/complaints") }
            let form = try await request.form()
            guard let resolution = form.text("resolution") else {
                return Responses.redirect("/complaints", query: ["error": "请写明投诉 #\(id) 是怎样处理的。没有结案。"])
            }
            switch await console.call(
                Method.resolveComplaint, ComplaintResolveParams(id: id, resolution: resolution, staff: context.session!.staff))
            {
            case .success: return Responses.redirect("/complaints", query: ["done": "投诉 #\(id) 已处理。"])
            case .failure(let failure): return Responses.redirect("/complaints", query: ["error": "投诉 #\(id) 没有结案：" + failure.words])
            }
        }
    }

    func page(session: ConsoleSession, all: Bool, form: FormFields?, notices: [HTML]) async -> HTML {
        let list: HTML =
            switch await console.call(Method.complaints, ListParams(open: all ? nil : true, limit: 200)) {
            case .success(let result): ComplaintPage.list(result.complaints, session: session, all: all)
            case .failure(let failure): Layout.notice("无法读取投诉：" + failure.words, tone: "refused")
            }
        return ComplaintPage.render(session: session, all: all, form: form, notices: notices, list: list)
    }
}

enum ComplaintPage {
    static func render(session: ConsoleSession, all: Bool, form: FormFields?, notices: [HTML], list: HTML) -> HTML {
        let handoff = form?["kind"] == "handoff"
        let sources = ComplaintRoutes.sources.map { source in
            HTML("<option value=\"\(source.0)\"\(form?["source"] == source.0 ? " selected" : "" as HTML)>\(source.1)</option>")
        }
        return """
            <h1>投诉</h1>\(notices)
            <form class="grid-form" method="post" action="/complaints">\(Layout.csrfField(session))
              <label>关于<select name="kind"><option value="parcel">包裹（单号）</option>
                <option value="handoff"\(handoff ? " selected" : "" as HTML)>交接（交接编号）</option></select></label>
              <label>单号或交接编号<input name="about" value="\(form?["about"])" autocomplete="off" autofocus required></label>
              <label>来源<select name="source">\(sources)</select></label>
              <label class="wide">投诉内容<textarea name="text" rows="2" required>\(form?["text"])</textarea></label>
              <p><button class="primary" type="submit">登记投诉</button></p>
            </form>
            <h2>\(all ? "全部投诉" : "未处理的投诉")</h2>
            <p class="noprint">\(all ? "<a href=\"/complaints\">只看未处理的</a>" : "<a href=\"/complaints?all=1\">查看全部（含已处理）</a>" as HTML)</p>
            \(list)
            """
    }

    static func list(_ complaints: [ComplaintDTO], session: ConsoleSession, all: Bool) -> HTML {
        guard !complaints.isEmpty else { return "<p>\(all ? "还没有投诉。" : "没有未处理的投诉。")</p>" }
        let rows = complaints.map { complaint in
            let about: HTML =
                complaint.handoff.map { "交接 \($0)" } ?? "包裹 \(complaint.tracking ?? "")"
            let source = ComplaintRoutes.sources.first { $0.0 == complaint.source }?.1 ?? complaint.source ?? ""
            let state: HTML =
                if let resolution = complaint.resolution {
                    "<b class=\"ok\">已处理</b>：\(resolution)<br><span class=\"muted\">\(Dates.local(complaint.resolvedAt)) \(complaint.resolvedBy.map(Wording.staff))</span>"
                } else {
                    """
                    <form class="row" method="post" action="/complaints/\(String(complaint.id))/resolve">\(Layout.csrfField(session))
                    <input name="resolution" autocomplete="off" aria-label="投诉 #\(String(complaint.id)) 的处理结果" placeholder="处理结果">
                    <button type="submit">处理完毕</button></form>
                    """
                }
            return HTML(
                """
                <tr id="complaint-\(String(complaint.id))"><td class="num">#\(String(complaint.id))</td><td>\(about)</td><td>\(complaint.text)</td>
                <td>\(source)</td><td>\(Dates.local(complaint.at)) \(Wording.staff(complaint.recordedBy))</td><td>\(state)</td></tr>
                """)
        }
        return """
            <table class="complaints"><thead><tr><th class="num">编号</th><th>关于</th><th>内容</th><th>来源</th><th>登记</th><th>处理</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }
}
