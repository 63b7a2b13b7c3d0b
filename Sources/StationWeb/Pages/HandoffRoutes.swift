import Foundation
import Hummingbird
import ParcelDomain
import StationProtocol

/// 交接: open a handoff with a courier or driver, load the manifest (CSV as Excel and WPS save it, UTF-8 or
/// GB18030, or JSON), watch the reconciliation fill in as the handoff scanner ticks lines, and let the courier
/// close it on the same screen with a PIN or a badge; the signed receipt prints as a page with a QR code of
/// its digest. Discrepancies (短少/多发/破损/错分) are resolved here too.
struct HandoffRoutes {
    let console: Console

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/handoffs") { request, context in
            async let open = console.call(Method.listHandoffs, ListParams(open: true, limit: 50))
            async let recent = console.call(Method.listHandoffs, ListParams(open: false, limit: 20))
            async let parties = console.call(Method.parties, NoParams())
            async let discrepancies = console.call(Method.discrepancies, NoParams())
            let notice = request.uri.queryParameters["error"].map { Layout.notice(String($0), tone: "refused") } ?? ""
            return await console.page(
                "交接", .handoffs, context,
                HandoffPage.index(
                    session: context.session!, open: (try? await open.get().handoffs) ?? [],
                    recent: (try? await recent.get().handoffs) ?? [],
                    parties: (try? await parties.get().parties) ?? [], discrepancies: (try? await discrepancies.get().discrepancies) ?? [],
                    notice: notice))
        }
        router.post("/handoffs") { request, context in
            let form = try await request.form()
            let params = HandoffOpenParams(
                direction: form.text("direction") ?? "", kind: form.text("kind") ?? "", party: form.text("party") ?? "",
                vehicle: form.text("vehicle"), counter: console.counter, staff: context.session!.staff)
            switch await console.call(Method.openHandoff, params) {
            case .success(let result): return Responses.redirect("/handoffs/\(result.handoff.id)")
            case .failure(let failure): return Responses.redirect("/handoffs", query: ["error": failure.words])
            }
        }
        router.get("/handoffs/{id}") { _, context in
            let id = try context.parameters.require("id")
            switch await console.call(Method.getHandoff, HandoffRefParams(handoff: id)) {
            case .success(let result):
                return await console.page(
                    "交接 \(result.handoff.partyName)", .handoffs, context, HandoffPage.detail(result, session: context.session!))
            case .failure(let failure):
                return await console.page("交接", .handoffs, context, status: .notFound, Layout.notice(failure.words, tone: "refused"))
            }
        }
        router.get("/handoffs/{id}/live") { _, context in
            let id = try context.parameters.require("id")
            switch await console.call(Method.getHandoff, HandoffRefParams(handoff: id)) {
            case .success(let result): return Responses.page(HandoffPage.live(result))
            case .failure(let failure): return Responses.page(Layout.notice(failure.words, tone: "refused"), status: .conflict)
            }
        }
        router.post("/handoffs/{id}/manifest") { request, context in
            let id = try context.parameters.require("id")
            let bytes = try await request.body.collect(upTo: console.configuration.uploadLimit)
            let name = request.headers[.filename].flatMap { $0.removingPercentEncoding } ?? ""
            let decoded: Result<(text: String, encoding: ManifestText.Encoding), ManifestText.Refusal> = Result {
                () throws(ManifestText.Refusal) in
                try ManifestText.decode(Data(bytes.readableBytesView))
            }
            guard case .success(let (text, encoding)) = decoded else {
                if case .failure(let refusal) = decoded {
                    return Responses.json(
                        WriteReply(ok: false, error: HandoffPage.refusal(refusal) + " 没有导入任何一行。"), status: .unprocessableContent)
                }
                return Responses.redirect("/handoffs")
            }
            let format = name.lowercased().hasSuffix(".json") || text.drop { $0.isWhitespace }.first == "[" ? "json" : "csv"
            switch await console.call(Method.importManifest, HandoffImportParams(handoff: id, format: format, content: text)) {
            case .success(let result):
                let expected = result.lines.filter(\.expected).count
                return Responses.json(WriteReply(ok: true, message: "已导入清单：\(expected) 件（\(encoding.rawValue)）"))
            case .failure(let failure):
                return Responses.json(
                    WriteReply(ok: false, error: failure.words + " 没有导入任何一行。", code: failure.code), status: .unprocessableContent)
            }
        }
        router.post("/handoffs/{id}/scan") { request, context in
            let id = try context.parameters.require("id")
            let form = try await request.form()
            guard let text = form.text("text") else { return Responses.json(WriteReply(ok: false, error: "请扫描或输入单号")) }
            let params = HandoffScanParams(
                handoff: id, text: text, damaged: form["damaged"] == "on" ? true : nil, note: form.text("note"),
                staff: context.session!.staff)
            switch await console.call(Method.scanHandoff, params) {
            case .success(let result):
                return Responses.json(
                    WriteReply(ok: true, message: "\(HandoffPage.scanWords(result.result))：\(text)（还差 \(result.remaining) 件）"))
            case .failure(let failure): return Responses.json(WriteReply.failed(failure))
            }
        }
        router.post("/handoffs/{id}/close") { request, context in
            let id = try context.parameters.require("id")
            let form = try await request.form()
            let pin = form.text("pin")
            let badge = form.text("badge")
            if form.text("signed") != nil {
                // Another station's signed manifest: this station confirms and signs the receipt that goes back.
                switch await console.call(Method.closeHandoff, HandoffCloseParams(handoff: id, signed: true, staff: context.session!.staff))
                {
                case .success: return Responses.redirect("/handoffs/\(id)/documents")
                case .failure(let failure):
                    return await console.page(
                        "交接", .handoffs, context, status: .conflict,
                        Layout.outcome("没有结束交接：" + failure.words, tone: "refused", back: "/handoffs/\(id)"))
                }
            }
            guard (pin == nil) != (badge == nil) else {
                return await console.page(
                    "交接", .handoffs, context, status: .badRequest,
                    Layout.outcome("请由快递员输入 PIN，或扫描/输入工牌（二选一）。", tone: "refused", back: "/handoffs/\(id)"))
            }
            switch await console.call(
                Method.closeHandoff, HandoffCloseParams(handoff: id, badge: badge, pin: pin, staff: context.session!.staff))
            {
            case .success: return Responses.redirect("/handoffs/\(id)/receipt")
            case .failure(let failure):
                return await console.page(
                    "交接", .handoffs, context, status: .conflict,
                    Layout.outcome("没有结束交接：" + failure.words, tone: "refused", back: "/handoffs/\(id)"))
            }
        }
        router.get("/handoffs/{id}/receipt") { _, context in
            let id = try context.parameters.require("id")
            switch await console.call(Method.getHandoff, HandoffRefParams(handoff: id)) {
            case .success(let result):
                return Responses.page(HandoffPage.receipt(result, station: await console.stationName()))
            case .failure(let failure):
                return await console.page("回执", .handoffs, context, status: .notFound, Layout.notice(failure.words, tone: "refused"))
            }
        }
        ExchangeRoutes(console: console).add(to: router)
        router.post("/discrepancies/{id}/resolve") { request, context in
            guard let id = Int64(try context.parameters.require("id")) else { return Responses.redirect("/handoffs") }
            let form = try await request.form()
            let params = ResolveParams(
                id: id, resolution: form.text("resolution") ?? "", note: form.text("note"), staff: context.session!.staff)
            switch await console.call(Method.resolveDiscrepancy, params) {
            case .success: return Responses.redirect(form.text("back").map(SignInRoutes.safeNext) ?? "/handoffs")
            case .failure(let failure): return Responses.redirect("/handoffs", query: ["error": failure.words])
            }
        }
    }
}
