import Foundation
import Hummingbird
import StationProtocol

/// 入库: the live outcome of every scan from every scanner, the pickup code in the largest type on the page, a
/// box for a number the scanner cannot read (or the phone tail of the parcel just scanned), and undo.
struct IntakeRoutes {
    let console: Console

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/intake") { _, context in
            let today = await console.call(Method.dailyReport, DailyReportParams())
            return await console.page(
                "入库", .intake, context, IntakePage.render(session: context.session!, today: try? today.get().totals.received))
        }
        router.post("/intake") { request, context in
            let form = try await request.form()
            let reply = await submit(form, staff: context.session!.staff)
            if request.wantsJSON { return Responses.json(reply) }
            return Responses.redirect("/intake")
        }
    }

    /// One box does both: four digits with a parcel selected are its phone tail; anything else is a number to
    /// take in (tracking numbers are never four digits, so a tail cannot be taken for one).
    func submit(_ form: FormFields, staff: String) async -> WriteReply {
        guard let text = form.text("text") else { return WriteReply(ok: false, error: "请扫描或输入单号") }
        if let selected = form.text("selected"), text.count == 4, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            return await setTail(text, of: selected, staff: staff)
        }
        // 仍然入库: staff confirmed that a refused number is a waybill after all; the daemon records it as forced.
        let force = form["force"] == "1"
        switch await console.call(Method.intake, IntakeParams(tracking: text, staff: staff, force: force ? true : nil)) {
        case .success(let result):
            let line = IntakePage.line(result.parcel, isRepeat: result.repeat)
            let outcome = ScanOutcomeDTO(
                scanner: "console", role: "intake", counter: console.counter, result: result.repeat ? "repeatIntake" : "intake",
                message: result.forced.map { "已强制入库（\($0)）：" + line } ?? line, text: text, symbology: nil, sequence: 0,
                at: result.parcel.receivedAt, parcel: result.parcel, error: nil, remaining: nil)
            return WriteReply(ok: true, outcome: outcome)
        case .failure(let failure):
            let outcome = ScanOutcomeDTO(
                scanner: "console", role: "intake", counter: console.counter, result: "rejected", message: failure.words, text: text,
                symbology: nil, sequence: 0, at: "", parcel: nil, error: failure.error as? WireError, remaining: nil)
            return WriteReply(ok: false, error: failure.words, code: failure.code, outcome: outcome)
        }
    }

    func setTail(_ tail: String, of tracking: String, staff: String) async -> WriteReply {
        switch await console.call(Method.setPhone, SetPhoneParams(tracking: tracking, phoneTail: tail, staff: staff)) {
        case .success(let result): WriteReply(ok: true, message: "已录入尾号 \(tail)（\(result.parcel.tracking)）", parcel: result.parcel)
        case .failure(let failure): .failed(failure)
        }
    }
}

enum IntakePage {
    static func render(session: ConsoleSession, today: Int?) -> HTML {
        """
        <div class="row">
          <section id="outcome" class="outcome grow" aria-live="assertive">
            <div id="result" class="result">等待扫描</div>
            <div id="code" class="code">—</div>
            <div class="details"><span id="courier"></span> <span id="tracking"></span> <span id="tail"></span></div>
            <div id="message" class="message">扫描枪扫描包裹即可入库；扫不出的单号在下面输入。</div>
          </section>
          <aside class="today">今日入库<b id="today">\(today.map(String.init) ?? "—")</b></aside>
        </div>
        <form id="entryform" class="entry" method="post" action="/intake" data-async>
          \(Layout.csrfField(session))
          <input id="selected" type="hidden" name="selected" value="">
          <input id="entry" name="text" autocomplete="off" autofocus aria-label="单号或尾号"
            placeholder="输入单号后按回车；刚扫的包裹可直接输入尾号（4位）">
          <button class="primary" type="submit">确定</button>
        </form>
        <form id="forceform" class="entry" method="post" action="/intake" data-async hidden>
          \(Layout.csrfField(session))
          <input id="force-text" type="hidden" name="text" value=""><input type="hidden" name="force" value="1">
          <button class="danger" type="submit">确认是运单号，仍然入库（记录为强制入库）</button>
        </form>
        <div class="row toggles noprint">
          <form id="undoform" method="post" action="/parcel/undo" data-async>
            \(Layout.csrfField(session))<input type="hidden" name="step" value="intake">
            <input id="undo-tracking" type="hidden" name="tracking" value="">
            <button id="undo" class="danger" type="submit" hidden>撤销刚才的入库</button>
          </form>
          <label><input type="checkbox" data-setting="sound" checked> 提示音</label>
          <label><input type="checkbox" data-setting="speech"> 语音播报取件码</label>
        </div>
        <h2>最近扫描</h2>
        <ol id="feed" class="feed"></ol>
        <script type="application/json" id="words">\(HTML(raw: wordsJSON))</script>
        """
    }

    /// The display line of a typed intake, like the engine's for a scan.
    static func line(_ parcel: ParcelDTO, isRepeat: Bool) -> String {
        let courier = parcel.couriers.first?.name ?? ""
        let code = parcel.pickupCode.map { "取件码 \($0)" } ?? "未上架"
        return (isRepeat ? "已在站，" : "") + code + (courier.isEmpty ? "" : " · \(courier)")
    }

    /// Result words and tones for the script, so the page and the server say the same thing.
    static let wordsJSON: String = {
        let results = [
            "intake", "repeatIntake", "duplicate", "pickedUp", "verifyFirst", "notThisRecipient", "roleChanged", "forceArmed", "rejected",
            "failed",
            "ignored", "noOpenHandoff", "noOpenStocktake", "handoff", "stocktake",
        ]
        struct Words: Encodable {
            let results: [String: String]
            let tones: [String: String]
        }
        let words = Words(
            results: Dictionary(uniqueKeysWithValues: results.map { ($0, Wording.scanResult($0)) }),
            tones: Dictionary(uniqueKeysWithValues: results.map { ($0, Wording.scanTone($0)) }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // `<` cannot close the script block: JSONEncoder escapes `/`, and the words hold no `<`.
        return String(decoding: (try? encoder.encode(words)) ?? Data("{}".utf8), as: UTF8.self)
    }()
}
