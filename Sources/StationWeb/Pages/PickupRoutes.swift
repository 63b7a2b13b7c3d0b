import Foundation
import Hummingbird
import StationProtocol

/// 取件: a phone tail or pickup code → every parcel waiting for it with its shelf code → hand out one, several or
/// all, for the recipient or someone collecting for them (代取). The lookup arms this counter's pickup scanners
/// for the recipient, so scanning each parcel hands it out too.
struct PickupRoutes {
    let console: Console

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/pickup") { request, context in
            let query = request.uri.queryParameters
            let session = context.session!
            var notices: [HTML] = []
            if let done = query["done"].map(String.init) {
                notices.append(PickupPage.handedOut(done.split(separator: ",").map(String.init), session: session))
            }
            guard let text = query["q"].map(String.init)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                return await console.page(
                    "取件", .pickup, context, PickupPage.render(session: session, query: "", notices: notices, found: nil))
            }
            guard let credential = PickupCredential(text) else {
                notices.append(Layout.notice("请输入手机尾号（4位）、手机号或取件码（例：3-2-0147）。", tone: "refused"))
                return await console.page(
                    "取件", .pickup, context, PickupPage.render(session: session, query: text, notices: notices, found: nil))
            }
            switch await console.call(Method.verifyPickup, credential.verify(counter: console.counter)) {
            case .success(let result):
                return await console.page(
                    "取件", .pickup, context, PickupPage.render(session: session, query: text, notices: notices, found: result.parcels))
            case .failure(let failure):
                notices.append(Layout.notice(failure.words, tone: "refused"))
                return await console.page(
                    "取件", .pickup, context, PickupPage.render(session: session, query: text, notices: notices, found: nil))
            }
        }
        router.post("/pickup/confirm") { request, context in
            let form = try await request.form()
            let query = form.text("q") ?? ""
            let trackings = form.all("tracking")
            guard let credential = PickupCredential(query), !trackings.isEmpty else {
                return await console.page(
                    "取件", .pickup, context, status: .badRequest,
                    PickupPage.render(
                        session: context.session!, query: query, notices: [Layout.notice("请至少选一个包裹。", tone: "refused")], found: nil))
            }
            var params = credential.confirm(trackings: trackings)
            params.staff = context.session!.staff
            params.collector = form.text("collector")
            switch await console.call(Method.confirmPickup, params) {
            case .success(let result):
                let done = result.parcels.map(\.tracking).joined(separator: ",")
                return Responses.redirect("/pickup", query: ["done": done])
            case .failure(let failure):
                return await console.page(
                    "取件", .pickup, context, status: failure.status,
                    PickupPage.render(
                        session: context.session!, query: query, notices: [Layout.notice(failure.words + " 没有出库。", tone: "refused")],
                        found: nil))
            }
        }
        router.get("/pickup/slip") { request, context in
            let text = request.uri.queryParameters["q"].map(String.init) ?? ""
            guard let credential = PickupCredential(text) else { return Responses.redirect("/pickup") }
            var params = credential.verify(counter: console.counter)
            params.counter = nil
            let station = await console.stationName()
            switch await console.call(Method.verifyPickup, params) {
            case .success(let result): return Responses.page(PickupPage.slip(station: station, parcels: result.parcels))
            case .failure(let failure): return Responses.page(ErrorPages.plain("无法打印", failure.words), status: .conflict)
            }
        }
    }
}

/// What a recipient gives at the counter: a phone tail, a full phone number or a pickup code.
struct PickupCredential {
    enum Kind { case tail, phone, code }
    let kind: Kind
    let text: String

    init?(_ raw: String) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let digits = text.allSatisfy { $0.isASCII && $0.isNumber }
        if digits && text.count == 4 {
            kind = .tail
        } else if digits && text.count == 11 {
            kind = .phone
        } else if text.contains("-"), text.count <= 16, text.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "-" }) {
            kind = .code
        } else {
            return nil
        }
        self.text = text
    }

    func verify(counter: String?) -> VerifyParams {
        switch kind {
        case .tail: VerifyParams(phoneTail: text, counter: counter)
        case .phone: VerifyParams(phone: text, counter: counter)
        case .code: VerifyParams(code: text, counter: counter)
        }
    }

    func confirm(trackings: [String]) -> ConfirmParams {
        switch kind {
        case .tail: ConfirmParams(trackings: trackings, phoneTail: text)
        case .phone: ConfirmParams(trackings: trackings, phone: text)
        case .code: ConfirmParams(trackings: trackings, code: text)
        }
    }
}

enum PickupPage {
    static func render(session: ConsoleSession, query: String, notices: [HTML], found: [ParcelDTO]?) -> HTML {
        """
        <h1>取件</h1>
        <form class="entry" method="get" action="/pickup">
          <input name="q" value="\(query)" autofocus autocomplete="off" inputmode="numeric" aria-label="手机尾号或取件码"
            placeholder="手机尾号（4位）或取件码，回车查询"\(found?.isEmpty == false ? " data-confirms=\"confirm\"" : "" as HTML)>
          <button class="primary" type="submit">查询</button>
        </form>
        \(notices)
        \(found.map { list($0, query: query, session: session) } ?? "")
        """
    }

    static func list(_ parcels: [ParcelDTO], query: String, session: ConsoleSession) -> HTML {
        guard !parcels.isEmpty else { return Layout.notice("没有待取的包裹。", tone: "refused") }
        // Shelf order: the member of staff walks the shelves once.
        let sorted = parcels.sorted { ($0.pickupCode ?? "") < ($1.pickupCode ?? "") }
        let rows = sorted.map { parcel in
            HTML(
                """
                <tr><td><input type="checkbox" name="tracking" value="\(parcel.tracking)" checked aria-label="\(parcel.tracking)"></td>
                <td class="shelf">\(parcel.pickupCode ?? "—")</td><td>\(parcel.couriers.first?.name ?? parcel.courier ?? "")</td>
                <td>\(Dates.local(parcel.receivedAt))\(parcel.overdue ? " · 滞留" : "" as HTML)</td>
                <td><a href="/parcel?t=\(parcel.tracking)">\(parcel.tracking)</a></td></tr>
                """)
        }
        return """
            <form id="confirm" method="post" action="/pickup/confirm">
            \(Layout.csrfField(session))<input type="hidden" name="q" value="\(query)">
            <p><b>\(query)</b>：待取 <b>\(parcels.count)</b> 件。取件扫描枪已对这位取件人开放，扫包裹也可出库。</p>
            <table class="parcels"><thead><tr><th>选</th><th>取件码</th><th>快递</th><th>到站</th><th>单号</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            <p class="row"><label>代取人（可选）<input name="collector" autocomplete="off" maxlength="32"></label></p>
            <p class="row"><button class="primary" type="submit">出库选中的包裹（再按回车）</button>
            <a class="button" href="/pickup/slip?q=\(query)" target="_blank">打印取件单</a>
            <a class="button" href="/pickup">取消（Esc）</a></p>
            </form>
            """
    }

    static func handedOut(_ trackings: [String], session: ConsoleSession) -> HTML {
        let undo = trackings.map { tracking in
            HTML(
                """
                <form method="post" action="/parcel/undo">\(Layout.csrfField(session))<input type="hidden" name="step" value="pickup">
                <input type="hidden" name="tracking" value="\(tracking)"><button class="danger" type="submit">撤销 \(tracking)</button></form>
                """)
        }
        return """
            <div class="notice ok" role="status">已出库 \(trackings.count) 件。交错了可以撤销：<div class="row">\(undo)</div></div>
            """
    }

    /// A 58 mm slip: the codes to fetch, for a recipient without a phone to show.
    static func slip(station: String, parcels: [ParcelDTO]) -> HTML {
        let lines = parcels.sorted { ($0.pickupCode ?? "") < ($1.pickupCode ?? "") }.map {
            HTML(
                "<div class=\"code\">\($0.pickupCode ?? "—")</div><div>\($0.couriers.first?.name ?? "") …\(String($0.tracking.suffix(4)))</div>"
            )
        }
        return Layout.document(
            title: "取件单",
            body: """
                <main class="slip"><div>\(station) 取件单</div>\(lines)<div>共 \(parcels.count) 件</div>
                <p class="noprint"><button data-print>打印</button></p></main>
                """)
    }
}
