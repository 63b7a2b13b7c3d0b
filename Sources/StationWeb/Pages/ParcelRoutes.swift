import Foundation
import Hummingbird
import StationProtocol

/// One parcel (查询): where it is, its history and its notices; and undo (撤销) of an intake or a pickup within
/// the daemon's undo window.
struct ParcelRoutes {
    let console: Console

    func add(to router: RouterGroup<ConsoleContext>) {
        router.post("/parcel/undo") { request, context in
            let form = try await request.form()
            guard let tracking = form.text("tracking"), let step = form.text("step"), ["intake", "pickup"].contains(step) else {
                return request.wantsJSON
                    ? Responses.json(WriteReply(ok: false, error: "缺少单号"), status: .badRequest) : Responses.redirect("/intake")
            }
            let reason = form.text("reason") ?? (step == "intake" ? "扫错了" : "交错了")
            let result = await console.call(
                Method.undo, UndoParams(tracking: tracking, step: step, reason: reason, staff: context.session!.staff))
            let back = step == "intake" ? "/intake" : "/pickup"
            switch result {
            case .success(let reply):
                let message = step == "intake" ? "已撤销入库 \(tracking)，取件码已释放。" : "已撤销取件，\(tracking) 放回 \(reply.parcel.pickupCode ?? "货架")。"
                if request.wantsJSON { return Responses.json(WriteReply(ok: true, message: message, parcel: reply.parcel)) }
                return await console.page(
                    "撤销", step == "intake" ? .intake : .pickup, context, Layout.outcome(message, tone: "ok", back: back))
            case .failure(let failure):
                if request.wantsJSON { return Responses.json(WriteReply.failed(failure)) }
                return await console.page(
                    "撤销", step == "intake" ? .intake : .pickup, context, status: .conflict,
                    Layout.outcome("没有撤销：" + failure.words, tone: "refused", back: back))
            }
        }
        router.get("/parcel") { request, context in
            guard let tracking = request.uri.queryParameters["t"].map(String.init), !tracking.isEmpty else {
                return Responses.redirect("/intake")
            }
            async let parcel = console.call(Method.get, GetParams(tracking: tracking))
            async let notices = console.call(Method.notices, GetParams(tracking: tracking))
            switch await parcel {
            case .success(let found):
                return await console.page(
                    "包裹 \(tracking)", nil, context, ParcelPage.render(found, notices: try? await notices.get().notices))
            case .failure(let failure):
                return await console.page(
                    "包裹", nil, context, status: .notFound, Layout.outcome(failure.words, tone: "refused", back: "/intake"))
            }
        }
    }
}

enum ParcelPage {
    /// What an event was, in words, with the facts staff check later: a forced intake's rule, a problem's kind and
    /// resolution, a pickup proof's file and the start of its SHA-256 (the digest `audit verify` re-checks).
    static func eventWords(_ event: EventDTO) -> String {
        let details = event.details
        switch event.kind {
        case "intake": return "入库" + (details["forced"].map { "（强制入库：\($0)）" } ?? "")
        case "attachProof":
            let kind = details["proof"] == "signature" ? "签名" : "出库照片"
            return "\(kind) \(details["file"] ?? "")（SHA-256 \(details["sha256"].map { String($0.prefix(12)) } ?? "?")…）"
        case "flagException", "reportProblem":
            guard let kind = details["problemKind"] else { return event.kind }
            let label = ProblemRoutes.kinds.first { $0.0 == kind }?.1 ?? kind
            return "问题件 #\(details["problem"] ?? "")：\(label)"
        case "resolveException", "resolveProblem", "writeOff", "requestReturn":
            guard let resolution = details["resolution"] else { return event.kind }
            return "问题件 #\(details["problem"] ?? "") 处理：\(ProblemPage.resolutionWords(resolution))"
        default: return event.kind
        }
    }

    static func render(_ found: GetResult, notices: [NoticeDTO]?) -> HTML {
        let parcel = found.parcel
        let history = found.events.map { event in
            HTML(
                "<tr><td>\(Dates.local(event.at))</td><td>\(Wording.state(event.from ?? ""))→\(Wording.state(event.to))</td><td>\(eventWords(event))</td><td>\(event.actor)</td></tr>"
            )
        }
        let noticeRows = (notices ?? []).map { notice in
            HTML(
                "<tr><td>\(Dates.local(notice.queuedAt))</td><td>\(notice.status)</td><td>\(notice.attempts.count)</td><td>\(notice.lastReason ?? "")</td></tr>"
            )
        }
        return """
            <h1>包裹 \(parcel.tracking)</h1>
            <table><tbody>
            <tr><th>状态</th><td>\(Wording.state(parcel.state))\(parcel.overdue ? "（滞留）" : "" as HTML)</td></tr>
            <tr><th>取件码</th><td class="shelf">\(parcel.pickupCode ?? "—")</td></tr>
            <tr><th>快递</th><td>\(parcel.couriers.first?.name ?? parcel.courier ?? "未知")</td></tr>
            <tr><th>手机尾号</th><td>\(parcel.phoneTail ?? "未录入")</td></tr>
            <tr><th>到站</th><td>\(Dates.local(parcel.receivedAt))</td></tr>
            <tr><th>出站</th><td>\(Dates.local(parcel.releasedAt))</td></tr>
            </tbody></table>
            <h2>经过</h2><table><thead><tr><th>时间</th><th>状态</th><th>事件</th><th>操作人</th></tr></thead><tbody>\(history)</tbody></table>
            <h2>取件通知</h2>\(noticeRows.isEmpty ? "<p>没有通知。</p>" : "<table><thead><tr><th>时间</th><th>状态</th><th>尝试</th><th>原因</th></tr></thead><tbody>\(noticeRows)</tbody></table>" as HTML)
            """
    }
}
