import Foundation
import Hummingbird
import StationDocuments
import StationProtocol

/// 站间签名交接: the signed manifest and receipts a handoff between two parcel-stations stands on. The sender signs
/// its manifest here and prints it as QR codes (or downloads the file for a USB stick); the receiver imports it on
/// the handoffs page, and the receipt goes back the same ways.
struct ExchangeRoutes {
    let console: Console

    static func roleWords(_ role: String) -> String {
        switch role {
        case "manifestSent": "本站签发的交接单"
        case "manifestReceived": "对方签发的交接单"
        case "receiptReceived": "对方签发的回执"
        case "receiptSent": "本站签发的回执（交给对方）"
        default: role
        }
    }

    func add(to router: RouterGroup<ConsoleContext>) {
        router.post("/handoffs/{id}/sign") { _, context in
            let id = try context.parameters.require("id")
            switch await console.call(Method.exportSignedManifest, HandoffRefParams(handoff: id)) {
            case .success: return Responses.redirect("/handoffs/\(id)/documents")
            case .failure(let failure):
                return await console.page(
                    "交接", .handoffs, context, status: .conflict,
                    Layout.outcome("没有签发交接单：" + failure.words, tone: "refused", back: "/handoffs/\(id)"))
            }
        }
        router.get("/handoffs/{id}/documents") { _, context in
            let id = try context.parameters.require("id")
            switch await console.call(Method.handoffDocuments, HandoffRefParams(handoff: id)) {
            case .success(let result):
                let rows = result.documents.enumerated().map { index, document in
                    HTML(
                        """
                        <tr><td>\(Self.roleWords(document.role))</td><td>\(document.station)</td><td>\(Dates.local(document.at))</td>
                        <td class="digest">\(String(document.document.digest.prefix(16)))…</td>
                        <td><a href="/handoffs/\(id)/documents/\(index)/file">下载文件</a> · <a href="/handoffs/\(id)/documents/\(index)/sheet">打印二维码</a></td></tr>
                        """)
                }
                let body: HTML = """
                    <h1>签名文件</h1>
                    <p>交给对方服务站：下载文件（U 盘）或打印二维码页，对方在“交接”页导入。<a href="/handoffs/\(id)">回到交接</a></p>
                    \(result.documents.isEmpty ? "<p>这次交接还没有签名文件。</p>" as HTML : "<table><thead><tr><th>文件</th><th>对方</th><th>时间</th><th>摘要</th><th></th></tr></thead><tbody>\(rows)</tbody></table>")
                    """
                return await console.page("签名文件", .handoffs, context, body)
            case .failure(let failure):
                return await console.page("签名文件", .handoffs, context, status: .notFound, Layout.notice(failure.words, tone: "refused"))
            }
        }
        router.get("/handoffs/{id}/documents/{index}/file") { _, context in
            let id = try context.parameters.require("id")
            guard let (document, role) = try await document(id, context) else { return Responses.redirect("/handoffs/\(id)/documents") }
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"\(role)-\(String(document.digest.prefix(12))).json\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: Self.text(document).utf8)))
        }
        router.get("/handoffs/{id}/documents/{index}/sheet") { _, context in
            let id = try context.parameters.require("id")
            guard let (document, role) = try await document(id, context) else { return Responses.redirect("/handoffs/\(id)/documents") }
            let sheet = DocumentQR.sheetHTML(
                title: Self.roleWords(role), subtitle: "摘要 \(document.digest.prefix(16))… · 交接 \(id)", document: Self.text(document))
            return Responses.page(HTML(raw: sheet))
        }
        router.post("/handoffs/import-signed") { request, context in
            let bytes = try await request.body.collect(upTo: console.configuration.uploadLimit)
            guard let document = try? JSONDecoder().decode(ReceiptDTO.self, from: Data(bytes.readableBytesView)) else {
                return Responses.json(
                    WriteReply(ok: false, error: "这不是服务站签名的交接单或回执文件（JSON）。没有导入。"), status: .unprocessableContent)
            }
            let params = SignedDocumentParams(document: document, counter: console.counter, staff: context.session!.staff)
            let isManifest = document.body.contains("\"parcel-station-manifest/")
            let result = await isManifest ? console.call(Method.importSignedManifest, params) : console.call(Method.importReceipt, params)
            switch result {
            case .success(let handoff):
                let words =
                    isManifest
                    ? "已导入 \(handoff.handoff.partyName) 的签名交接单：\(handoff.lines.count) 件，交接已开始。"
                    : "已用 \(handoff.handoff.node ?? handoff.handoff.partyName) 的签名回执结束转出交接，差异 \(handoff.discrepancies.count) 条。"
                return Responses.json(WriteReply(ok: true, message: words))
            case .failure(let failure):
                return Responses.json(
                    WriteReply(ok: false, error: failure.words + " 没有导入。", code: failure.code), status: .unprocessableContent)
            }
        }
    }

    /// The document file as the station keeps and sends it (stable key order, readable).
    static func text(_ document: ReceiptDTO) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(document), as: UTF8.self)) ?? ""
    }

    func document(_ id: String, _ context: ConsoleContext) async throws -> (ReceiptDTO, String)? {
        guard let index = Int(try context.parameters.require("index")),
            case .success(let result) = await console.call(Method.handoffDocuments, HandoffRefParams(handoff: id)),
            result.documents.indices.contains(index)
        else { return nil }
        return (result.documents[index].document, result.documents[index].role)
    }
}
