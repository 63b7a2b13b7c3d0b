import Foundation
import Hummingbird
import ReportRendering
import StationDocuments
import StationProtocol

/// 寄件: accept a parcel a villager sends (waybill, courier, destination, weight, fee in 元, 农产品上行, the sender's
/// phone tail and the ID check 实名寄递 when the station requires it), and the list of what waits for a courier.
/// Only the sender's tail is asked for: the console never takes or shows a full phone number.
struct OutgoingRoutes {
    let console: Console

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/outgoing") { request, context in
            var notices: [HTML] = []
            if let done = request.uri.queryParameters["done"].map(String.init) {
                notices.append(Layout.notice("已受理寄件 \(done)。", tone: "ok"))
            }
            return await console.page("寄件", .outgoing, context, await page(session: context.session!, form: nil, notices: notices))
        }
        router.post("/outgoing") { request, context in
            let form = try await request.form()
            let session = context.session!
            let params: OutgoingParams
            switch Self.params(form, staff: session.staff) {
            case .failure(let problem):
                return await console.page(
                    "寄件", .outgoing, context, status: .badRequest,
                    await page(session: session, form: form, notices: [Layout.notice(problem.text + " 没有受理。", tone: "refused")]))
            case .success(let value): params = value
            }
            switch await console.call(Method.acceptOutgoing, params) {
            case .success(let accepted):
                return Responses.redirect("/outgoing", query: ["done": accepted.waybill])
            case .failure(let failure):
                return await console.page(
                    "寄件", .outgoing, context, status: failure.status,
                    await page(session: session, form: form, notices: [Layout.notice(failure.words + " 没有受理。", tone: "refused")]))
            }
        }
    }

    struct Problem: Error { let text: String }

    /// The form's fields as the daemon's params: 元 to fen, 千克 to grams, a 4-digit tail only.
    static func params(_ form: FormFields, staff: String) -> Result<OutgoingParams, Problem> {
        guard let waybill = form.text("waybill") else { return .failure(Problem(text: "请扫描或输入运单号。")) }
        guard let courier = form.text("courier") else { return .failure(Problem(text: "请选择快递公司。")) }
        guard let destination = form.text("destination") else { return .failure(Problem(text: "请填写寄往地区（省、市）。")) }
        guard let grams = form.text("weight").flatMap({ Money.units($0, scale: 1000) }), grams > 0 else {
            return .failure(Problem(text: "重量请填千克数（例：1.5）。"))
        }
        guard let fen = form.text("fee").flatMap({ Money.units($0, scale: 100) }), fen >= 0 else {
            return .failure(Problem(text: "运费请填元（例：12.50）。"))
        }
        let tail = form.text("tail")
        if let tail, tail.count != 4 || !tail.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return .failure(Problem(text: "寄件人手机尾号请填 4 位数字。"))
        }
        return .success(
            OutgoingParams(
                waybill: waybill, courier: courier, destination: destination, weightGrams: grams, feeFen: fen,
                produce: form["produce"] != nil, senderTail: tail, idChecked: form["idChecked"] != nil, staff: staff))
    }

    func page(session: ConsoleSession, form: FormFields?, notices: [HTML]) async -> HTML {
        let list: HTML =
            switch await console.call(Method.listOutgoing, ListParams(limit: 100)) {
            case .success(let result): OutgoingPage.list(result.outgoing)
            case .failure(let failure): Layout.notice("无法读取寄件列表：" + failure.words, tone: "refused")
            }
        return OutgoingPage.render(session: session, form: form, notices: notices, list: list)
    }
}

/// Amounts typed as decimals (`12.5`, `12.50` 元; `1.25` 千克) as whole units of `1/scale`, without floating point.
enum Money {
    static func units(_ text: String, scale: Int) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = scale == 1000 ? 3 : 2
        guard let whole = Int(parts[0].isEmpty ? "0" : parts[0]), whole >= 0, whole < 1_000_000 else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let text = parts[1]
            guard text.count <= digits, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            fraction = Int(text.padding(toLength: digits, withPad: "0", startingAt: 0)) ?? 0
        }
        return whole * scale + fraction
    }
}

enum OutgoingPage {
    static let couriers = ["SF", "ZTO", "YTO", "STO", "YUNDA", "JD", "JT", "EMS", "POST"]

    static func render(session: ConsoleSession, form: FormFields?, notices: [HTML], list: HTML) -> HTML {
        let chosen = form?["courier"]
        let options = couriers.map { code in
            HTML(
                "<option value=\"\(code)\"\(chosen == code ? " selected" : "" as HTML)>\(StationReportDocuments.courierName(code))</option>"
            )
        }
        func value(_ name: String) -> String { form?[name] ?? "" }
        func checked(_ name: String) -> HTML { form?[name] != nil ? " checked" : "" }
        return """
            <h1>寄件</h1>\(notices)
            <form class="grid-form" method="post" action="/outgoing">\(Layout.csrfField(session))
              <label>运单号<input name="waybill" value="\(value("waybill"))" autocomplete="off" autofocus required></label>
              <label>快递公司<select name="courier" required><option value="">请选择</option>\(options)</select></label>
              <label>寄往（省、市）<input name="destination" value="\(value("destination"))" autocomplete="off" required></label>
              <label>重量（千克）<input name="weight" value="\(value("weight"))" inputmode="decimal" autocomplete="off" required></label>
              <label>运费（元）<input name="fee" value="\(value("fee"))" inputmode="decimal" autocomplete="off" placeholder="12.50" required></label>
              <label>寄件人手机尾号<input name="tail" value="\(value("tail"))" inputmode="numeric" maxlength="4" autocomplete="off"></label>
              <label class="check"><input type="checkbox" name="idChecked"\(checked("idChecked"))> 已核验寄件人身份证（实名寄递）</label>
              <label class="check"><input type="checkbox" name="produce"\(checked("produce"))> 农产品上行</label>
              <p><button class="primary" type="submit">受理寄件</button></p>
            </form>
            <h2>寄件记录</h2>
            \(list)
            """
    }

    static func list(_ items: [OutgoingDTO]) -> HTML {
        guard !items.isEmpty else { return "<p>还没有寄件。</p>" }
        let rows = items.map { item in
            HTML(
                """
                <tr><td>\(item.waybill)</td><td class="nowrap">\(StationReportDocuments.courierName(item.courier))</td><td>\(item.destination)</td>
                <td class="num">\(ReportFormat.number(Double(item.weightGrams) / 1000)) 千克</td><td class="num">\(ReportFormat.yuan(fen: item.feeFen)) 元</td>
                <td class="nowrap">\(item.produce ? "农产品上行" : "")</td><td>\(item.senderTail.map { "尾号 \($0)" } ?? "")\(item.idChecked ? " · 已验证件" : "" as HTML)</td>
                <td class="nowrap">\(item.state == "handedOver" ? "已交出 \(Dates.local(item.handedAt))" : "待交出")</td>
                <td>\(Dates.local(item.acceptedAt)) \(Wording.staff(item.acceptedBy))</td></tr>
                """)
        }
        return """
            <table class="outgoing"><thead><tr><th>运单号</th><th>快递</th><th>寄往</th><th class="num">重量</th><th class="num">运费</th>
            <th>上行</th><th>寄件人</th><th>状态</th><th>受理</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
