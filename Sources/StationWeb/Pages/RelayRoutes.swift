import Foundation
import Hummingbird
import StationProtocol

/// 中转: the relay bins of a township station. What waits for each village station, oldest first; a parcel of
/// ours that belongs to a village is sent on (错分) here, and one in a bin that is for us after all is pulled back
/// onto the shelf. A bin leaves on an outbound transfer handoff to its station (交接 page).
struct RelayRoutes {
    let console: Console

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/relay") { request, context in
            let query = request.uri.queryParameters
            var notices: [HTML] = []
            if let done = query["done"].map(String.init) { notices.append(Layout.notice(done, tone: "ok")) }
            if let error = query["error"].map(String.init) { notices.append(Layout.notice(error, tone: "refused")) }
            return await console.page("中转", .relay, context, await page(session: context.session!, notices: notices))
        }
        router.post("/relay/send") { request, context in
            let form = try await request.form()
            guard let tracking = form.text("tracking"), let to = form.text("to") else {
                return Responses.redirect("/relay", query: ["error": "请填写单号和目的村（或目的站）。没有转出。"])
            }
            let params = RelaySendParams(tracking: tracking, to: to, reason: form.text("reason"), staff: context.session!.staff)
            switch await console.call(Method.relaySend, params) {
            case .success(let result):
                return Responses.redirect(
                    "/relay", query: ["done": "\(result.parcel.tracking) → \(result.parcel.relayName ?? to)：已放入中转区，随下一趟转运交接送出。"])
            case .failure(let failure): return Responses.redirect("/relay", query: ["error": "\(tracking) 没有转出：" + failure.words])
            }
        }
        router.post("/relay/pullback") { request, context in
            let form = try await request.form()
            guard let tracking = form.text("tracking") else { return Responses.redirect("/relay") }
            let params = RelayPullBackParams(tracking: tracking, reason: form.text("reason"), staff: context.session!.staff)
            switch await console.call(Method.relayPullBack, params) {
            case .success(let result):
                return Responses.redirect(
                    "/relay", query: ["done": "\(result.parcel.tracking) 已拉回本站上架，取件码 \(result.parcel.pickupCode ?? "-")。"])
            case .failure(let failure): return Responses.redirect("/relay", query: ["error": "\(tracking) 没有拉回：" + failure.words])
            }
        }
    }

    func page(session: ConsoleSession, notices: [HTML]) async -> HTML {
        let bins: HTML =
            switch await console.call(Method.relayBins, NoParams()) {
            case .success(let result): RelayPage.bins(result.bins, session: session, now: Date())
            case .failure(let failure): Layout.notice("无法读取中转区：" + failure.words, tone: "refused")
            }
        return RelayPage.render(session: session, notices: notices, bins: bins)
    }
}

enum RelayPage {
    static func render(session: ConsoleSession, notices: [HTML], bins: HTML) -> HTML {
        """
        <h1>中转</h1>\(notices)
        <p class="muted">下级服务站的包裹不上架、不发取件通知、不计入本站滞留：按目的站放在中转区，随“转出 · 转运”交接（对方节点填该站编号）送出，交接确认后记为已转发。</p>
        \(bins)
        <h2>转出错分包裹</h2>
        <form class="grid-form" method="post" action="/relay/send">\(Layout.csrfField(session))
          <label>单号<input name="tracking" autocomplete="off" required></label>
          <label>目的地<input name="to" autocomplete="off" required placeholder="村名、分拣码或服务站编号"></label>
          <label class="wide">原因<input name="reason" autocomplete="off" placeholder="例如：错分到本站"></label>
          <p><button class="primary" type="submit">放入中转区</button></p>
        </form>
        """
    }

    static func bins(_ bins: [RelayBinDTO], session: ConsoleSession, now: Date) -> HTML {
        guard !bins.isEmpty else { return "<p>中转区是空的。</p>" }
        let sections = bins.map { bin -> HTML in
            let rows = bin.parcels.map { parcel -> HTML in
                let hours = Dates.date(parcel.receivedAt).map { Int(now.timeIntervalSince($0) / 3600) } ?? 0
                return """
                    <tr><td><a href="/parcel?t=\(parcel.tracking)">\(parcel.tracking)</a></td><td>\(parcel.courier ?? "")</td>
                    <td>\(Dates.local(parcel.receivedAt))</td><td class="num\(hours >= 24 ? " late" : "" as HTML)">\(hours) 小时</td>
                    <td><form class="row" method="post" action="/relay/pullback">\(Layout.csrfField(session))
                    <input type="hidden" name="tracking" value="\(parcel.tracking)">
                    <button type="submit" aria-label="把 \(parcel.tracking) 拉回本站上架">拉回本站</button></form></td></tr>
                    """
            }
            return """
                <section class="relay-bin" id="bin-\(bin.station)"><h2>→ \(bin.name) <span class="muted">（\(bin.station)）</span> \(bin.parcels.count) 件</h2>
                <table><thead><tr><th>单号</th><th>快递</th><th>到站</th><th class="num">已等</th><th></th></tr></thead><tbody>\(rows)</tbody></table></section>
                """
        }
        return "\(sections)"
    }
}
