import ParcelDomain
import StationProtocol

/// What the handoff pages draw.
enum HandoffPage {
    static let directions = [("inbound", "收（对方交给本站）"), ("outbound", "发（本站交给对方）")]
    static let kinds = [("delivery", "派件到站"), ("return", "退回快递"), ("outgoing", "寄件发出"), ("transfer", "中转")]

    static func direction(_ value: String) -> String { value == "inbound" ? "收件" : value == "outbound" ? "发件" : value }
    static func kind(_ value: String) -> String { kinds.first { $0.0 == value }?.1 ?? value }

    /// A line's or a discrepancy's state in the words staff use.
    static func status(_ value: String) -> String {
        switch value {
        case "expected": "待扫"
        case "scanned": "已扫"
        case "missing": "短少"
        case "extra": "多发"
        case "damaged": "破损"
        case "misrouted": "错分"
        case "bagged": "随袋到，待拆袋扫描"
        default: value
        }
    }

    static func scanWords(_ result: String) -> String {
        switch result {
        case "scanned": "已扫到"
        case "extra": "多发（清单上没有）"
        case "damaged": "已记破损"
        case "misrouted": "错分（不是本站的）"
        case "repeatScan": "重复扫描"
        case "bag": "袋已扫"
        case "relayed": "中转（放入中转区，不上架）"
        case "packing": "开始装袋：接下来扫描的包裹装入此袋"
        default: result
        }
    }

    static func resolution(_ value: String?) -> String {
        switch value {
        case "found"?: "已找到"
        case "writtenOff"?: "已核销"
        case "returned"?: "已退回"
        case nil: "未处理"
        case let other?: other
        }
    }

    static func refusal(_ error: ManifestText.Refusal) -> String {
        switch error {
        case .empty: "文件是空的。"
        case .binary: "这不是文本文件（可能是 .xlsx 或图片）：请在 Excel/WPS 里“另存为 CSV”。"
        case .utf16: "文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8”或普通 CSV。"
        case .unknownEncoding: "文件编码无法识别（既不是 UTF-8，也不是 GB18030/GBK）：请另存为“CSV UTF-8”。"
        }
    }

    static func index(
        session: ConsoleSession, open: [HandoffDTO], recent: [HandoffDTO], parties: [PartyDTO], discrepancies: [DiscrepancyDTO],
        notice: HTML
    ) -> HTML {
        let partyOptions = parties.map { HTML("<option value=\"\($0.id)\">\($0.name)\($0.company.map { "（\($0)）" } ?? "")</option>") }
        let openForm: HTML =
            parties.isEmpty
            ? Layout.notice("还没有配置交接对象（快递员、司机）：请在站点配置的 handoffs.parties 里加入。", tone: "refused")
            : """
            <form class="row" method="post" action="/handoffs">\(Layout.csrfField(session))
            <label>对方 <select name="party" required>\(partyOptions)</select></label>
            <label>方向 <select name="direction">\(directions.map { HTML("<option value=\"\($0.0)\">\($0.1)</option>") })</select></label>
            <label>类型 <select name="kind">\(kinds.map { HTML("<option value=\"\($0.0)\">\($0.1)</option>") })</select></label>
            <label>车牌（可选）<input name="vehicle" maxlength="16" autocomplete="off"></label>
            <button class="primary" type="submit">开始交接</button></form>
            """
        return """
            <h1>交接</h1>\(notice)
            \(openForm)
            <form class="noprint" id="signedform" data-upload="/handoffs/import-signed">
              <h2>站间签名交接</h2><p>导入上级或下级服务站签名的交接单（开始收货）或回执（结束本站的转出交接）：U 盘里的 JSON 文件，或扫描二维码页得到的文件。</p>
              <input id="manifest" type="file" accept=".json,application/json" required>
              <button type="submit">导入签名文件</button><div id="manifest-result" role="status"></div>
            </form>
            <h2>进行中</h2>\(table(open, empty: "没有进行中的交接。"))
            <h2>最近结束</h2>\(table(recent, empty: "还没有结束的交接。"))
            <h2>未处理的差异</h2>\(discrepancyTable(discrepancies.filter { $0.resolution == nil }, session: session, back: "/handoffs"))
            """
    }

    static func table(_ handoffs: [HandoffDTO], empty: String) -> HTML {
        guard !handoffs.isEmpty else { return "<p>\(empty)</p>" }
        let rows = handoffs.map { handoff in
            HTML(
                """
                <tr><td><a href="/handoffs/\(handoff.id)">\(handoff.partyName)</a></td><td>\(direction(handoff.direction)) · \(kind(handoff.kind))</td>
                <td>\(Dates.local(handoff.openedAt))</td><td>\(handoff.state == "open" ? "进行中" : "已结束")</td>
                <td>\(handoff.receiptSeq.map { HTML("<a href=\"/handoffs/\(handoff.id)/receipt\">回执 #\(Int($0))</a>") } ?? "")</td></tr>
                """)
        }
        return "<table><thead><tr><th>对方</th><th>交接</th><th>开始</th><th>状态</th><th>回执</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    static func confirmation(_ method: String?) -> String {
        switch method {
        case "badge"?: "工牌"
        case "pin"?: "PIN"
        case "station"?: "本站签收（对方签名交接单）"
        case "receiver"?: "对方服务站签名回执"
        default: method ?? ""
        }
    }

    /// Between two parcel-stations: sign the outbound manifest (file and QR sheet), or close an inbound one from a
    /// signed manifest by signing the receipt here.
    static func exchangeControls(_ handoff: HandoffDTO, session: ConsoleSession) -> HTML {
        if handoff.direction == "inbound", handoff.manifestDigest != nil {
            return """
                <form class="close" method="post" action="/handoffs/\(handoff.id)/close">\(Layout.csrfField(session))
                  <h2>对方服务站的签名交接单</h2><p>扫描完毕后由本站确认：短少、破损照实记录，本站签发的回执带回给对方。</p>
                  <input type="hidden" name="signed" value="1"><button class="primary" type="submit">确认收货并签发回执</button>
                </form>
                """
        }
        if handoff.direction == "outbound", handoff.kind == "transfer", handoff.node != nil {
            return """
                <form class="row noprint" method="post" action="/handoffs/\(handoff.id)/sign">\(Layout.csrfField(session))
                  <button type="submit">签名交接单（下载文件、打印二维码给对方）</button>
                  \(handoff.manifestDigest == nil ? "" : "<a href=\"/handoffs/\(handoff.id)/documents\">已签的交接单</a>" as HTML)
                </form>
                """
        }
        return ""
    }

    static func detail(_ result: HandoffResult, session: ConsoleSession) -> HTML {
        let handoff = result.handoff
        let open = handoff.state == "open"
        let controls: HTML =
            open
            ? """
            <div class="row noprint">
            <form id="manifestform" class="grow" data-upload="/handoffs/\(handoff.id)/manifest">
              <h2>导入清单</h2><p>CSV（Excel/WPS 另存，UTF-8 或 GBK 均可）或 JSON；\(Int(4))MB 以内。</p>
              <input id="manifest" type="file" accept=".csv,.json,.txt,text/csv,application/json" required>
              <button class="primary" type="submit">导入</button><div id="manifest-result" role="status"></div>
            </form>
            <form id="handoffscan" class="grow" method="post" action="/handoffs/\(handoff.id)/scan" data-async data-refreshes>
              <h2>扫描或输入单号</h2>\(Layout.csrfField(session))
              <div class="entry"><input name="text" autocomplete="off" autofocus aria-label="单号"><button type="submit">确定</button></div>
              <label><input type="checkbox" name="damaged"> 破损</label> <label>备注 <input name="note" maxlength="200"></label>
              <div class="reply" role="status"></div>
            </form>
            </div>
            \(exchangeControls(handoff, session: session))
            <form class="close" method="post" action="/handoffs/\(handoff.id)/close">\(Layout.csrfField(session))
              <h2>对方确认，结束交接</h2>
              <div class="row"><label>对方输入 PIN <input name="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="12"></label>
              <label>或扫描/输入工牌 <input name="badge" autocomplete="off" maxlength="64"></label>
              <button class="primary" type="submit">确认并生成回执</button></div>
            </form>
            """
            : """
            <p><a class="button primary" href="/handoffs/\(handoff.id)/receipt">打印回执 #\(handoff.receiptSeq.map { String($0) } ?? "")</a>
            确认方式：\(confirmation(handoff.confirmedBy))，\(Dates.local(handoff.closedAt))\(handoff.manifestDigest == nil ? "" : " · <a href=\"/handoffs/\(handoff.id)/documents\">签名文件</a>" as HTML)</p>
            """
        return """
            <h1>交接：\(handoff.partyName)\(handoff.company.map { "（\($0)）" } ?? "") · \(direction(handoff.direction)) · \(kind(handoff.kind))</h1>
            <p>开始 \(Dates.local(handoff.openedAt))，\(handoff.openedBy)\(handoff.vehicle.map { "，车牌 \($0)" } ?? "")。\(open ? "进行中：交接扫描枪扫到的包裹会实时出现在下面。" : "已结束。")</p>
            \(controls)
            <section id="live" data-refresh-url="/handoffs/\(handoff.id)/live" data-follow="handoff:\(handoff.id)">\(live(result))</section>
            <h2>差异</h2>\(discrepancyTable(result.discrepancies, session: session, back: "/handoffs/\(handoff.id)"))
            """
    }

    /// The reconciliation: counts in large type, then every line.
    static func live(_ result: HandoffResult) -> HTML {
        let lines = result.lines
        let expected = lines.filter(\.expected).count
        func count(_ status: String) -> Int { lines.filter { $0.status == status }.count }
        let scanned = lines.filter { $0.scannedAt != nil }.count
        let waiting = count("expected")
        let counts: [(key: String, words: String, count: Int, tone: String)] = [
            ("expected", "清单", expected, ""), ("scanned", "已扫", scanned, "ok"),
            ("missing", result.handoff.state == "open" ? "未到" : "短少", waiting + count("missing"), "refused"),
            ("extra", "多发", count("extra"), "repeat"), ("damaged", "破损", count("damaged"), "refused"),
            ("misrouted", "错分", count("misrouted"), "repeat"),
        ]
        let tiles = counts.map { HTML("<div id=\"tile-\($0.key)\" class=\"tile \($0.tone)\"><b>\($0.count)</b>\($0.words)</div>") }
        let rows = lines.sorted { ($0.scannedAt ?? "~") > ($1.scannedAt ?? "~") }.prefix(500).map { line in
            HTML(
                """
                <tr class="\(line.status)"><td><a href="/parcel?t=\(line.tracking)">\(line.tracking)</a></td><td>\(status(line.status))</td><td>\(line.bag ?? "")</td>
                <td>\(line.destination ?? "")</td><td>\(Dates.local(line.scannedAt))</td><td>\(line.note ?? "")</td></tr>
                """)
        }
        return """
            <div class="tiles">\(tiles)</div>
            \(lines.isEmpty ? "<p>还没有清单，也还没有扫描。</p>" : "<table><thead><tr><th>单号</th><th>状态</th><th>袋</th><th>目的地</th><th>扫描时间</th><th>备注</th></tr></thead><tbody>\(rows)</tbody></table>" as HTML)
            """
    }

    static func discrepancyTable(_ discrepancies: [DiscrepancyDTO], session: ConsoleSession, back: String) -> HTML {
        guard !discrepancies.isEmpty else { return "<p>没有差异。</p>" }
        let rows = discrepancies.map { item in
            let action: HTML =
                item.resolution == nil
                ? """
                <form class="row" method="post" action="/discrepancies/\(Int(item.id))/resolve">\(Layout.csrfField(session))
                <input type="hidden" name="back" value="\(back)">
                <select name="resolution"><option value="found">已找到</option><option value="returned">已退回</option><option value="writtenOff">核销</option></select>
                <input name="note" placeholder="说明" maxlength="200"><button type="submit">处理</button></form>
                """
                : "\(resolution(item.resolution))（\(item.resolvedBy ?? "")，\(Dates.local(item.resolvedAt))）\(item.note.map { "：\($0)" } ?? "")"
            return HTML(
                "<tr><td>\(item.tracking)</td><td>\(status(item.kind))</td><td>\(Dates.local(item.openedAt))</td><td>\(action)</td></tr>")
        }
        return "<table><thead><tr><th>单号</th><th>差异</th><th>发现</th><th>处理</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    /// The signed receipt as a printable page; the QR code carries its digest, so a photo of the page can be
    /// checked against the station's ledger (`parcelctl receipt verify`).
    static func receipt(_ result: HandoffResult, station: String) -> HTML {
        let handoff = result.handoff
        guard let receipt = result.receipt else {
            return ErrorPages.plain("还没有回执", "这次交接还没有结束：对方确认后才会生成签名回执。")
        }
        func count(_ status: String) -> Int { result.lines.filter { $0.status == status }.count }
        let qr = QRCode.svg("parcel-station-receipt:\(receipt.digest)", label: "回执摘要二维码") ?? ""
        let problems = result.discrepancies.map { HTML("<li>\($0.tracking) \(status($0.kind))</li>") }
        return Layout.document(
            title: "交接回执 #\(handoff.receiptSeq.map { String($0) } ?? "")",
            body: """
                <main class="receipt"><h1>\(station) 交接回执 #\(handoff.receiptSeq.map { String($0) } ?? "")</h1>
                <table><tbody>
                <tr><th>对方</th><td>\(handoff.partyName)\(handoff.company.map { "（\($0)）" } ?? "")\(handoff.vehicle.map { "，车牌 \($0)" } ?? "")</td></tr>
                <tr><th>交接</th><td>\(direction(handoff.direction)) · \(kind(handoff.kind))</td></tr>
                <tr><th>时间</th><td>\(Dates.local(handoff.openedAt)) — \(Dates.local(handoff.closedAt))</td></tr>
                <tr><th>确认</th><td>\(handoff.confirmedBy == "badge" ? "工牌" : "PIN")</td></tr>
                <tr><th>清单</th><td>\(result.lines.filter(\.expected).count) 件；已扫 \(result.lines.filter { $0.scannedAt != nil }.count) 件；短少 \(count("missing"))，多发 \(count("extra"))，破损 \(count("damaged"))，错分 \(count("misrouted"))</td></tr>
                </tbody></table>
                \(problems.isEmpty ? "" : "<h2>差异</h2><ul>\(problems)</ul>" as HTML)
                <div class="row"><div>\(qr)</div><div><p>摘要（SHA-256）：</p><p class="digest">\(receipt.digest)</p>
                <p>本回执由站点密钥签名，可用 <code>parcelctl receipt verify</code> 核验。</p></div></div>
                <p class="noprint"><button data-print>打印</button> <a class="button" href="/handoffs/\(handoff.id)">返回</a></p></main>
                """)
    }
}
