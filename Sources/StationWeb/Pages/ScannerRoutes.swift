import Foundation
import Hummingbird
import StationDocuments
import StationProtocol

/// 扫描枪: every scanner the daemon knows with its role, counter, connection, last scan, counts and latency; the
/// 站长 (a `head` sign-in) switches a role here as scanning a command barcode would; and the command sheet to
/// print (the same barcodes as `parcelctl scanners print-commands`).
struct ScannerRoutes {
    let console: Console
    /// The roles a scanner can be switched to, and `configured` (back to the configuration's role).
    static let roles = ["intake", "pickup", "handoff", "stocktake", "off"]

    func add(to router: RouterGroup<ConsoleContext>) {
        router.get("/scanners") { request, context in
            let session = context.session!
            var notices: [HTML] = []
            if let done = request.uri.queryParameters["done"].map(String.init) {
                notices.append(Layout.notice("已更改扫描枪 \(done) 的用途。", tone: "ok"))
            }
            return await console.page(
                "扫描枪", .scanners, context,
                """
                <h1>扫描枪</h1>\(notices)
                <p class="row noprint"><a class="button" href="/scanners/commands" target="_blank">打印用途切换码</a>
                <span class="muted">扫描枪扫一下切换码即可切换用途\(session.role == .head ? "；也可以在下面直接更改。" : "。只有站长可以在这里更改用途。" as HTML)</span></p>
                <div id="live" data-refresh-url="/scanners/live" data-refresh-on="scanner.attached scanner.detached">\(await live(session))</div>
                """)
        }
        router.get("/scanners/live") { _, context in Responses.page(await live(context.session!)) }
        router.post("/scanners/role") { request, context in
            let session = context.session!
            guard session.role == .head else {
                return await console.page(
                    "扫描枪", .scanners, context, status: .forbidden,
                    """
                    <h1>扫描枪</h1>
                    \(Layout.notice("只有站长可以更改扫描枪的用途。\(session.staff) 的账号没有这个权限，没有做任何修改。", tone: "refused"))
                    <p><a class="button" href="/scanners">回到扫描枪</a></p>
                    """)
            }
            let form = try await request.form()
            guard let scanner = form.text("scanner"), let role = form.text("role"), role == "configured" || Self.roles.contains(role) else {
                return Responses.redirect("/scanners")
            }
            switch await console.call(Method.setScannerRole, SetRoleParams(scanner: scanner, role: role == "configured" ? nil : role)) {
            case .success:
                return Responses.redirect("/scanners", query: ["done": scanner])
            case .failure(let failure):
                return await console.page(
                    "扫描枪", .scanners, context, status: failure.status,
                    """
                    <h1>扫描枪</h1>\(Layout.notice("用途没有更改：" + failure.words, tone: "refused"))
                    <div id="live">\(await live(session))</div>
                    """)
            }
        }
        router.get("/scanners/commands") { _, _ in
            let station = await console.stationName()
            guard let entries = try? CommandSheet.entries(moduleWidth: 2, height: 80) else {
                return Responses.page(ErrorPages.plain("无法生成", "用途切换码无法生成。"), status: .internalServerError)
            }
            let blocks = entries.map { entry in
                HTML(
                    "<section class=\"command\"><h2>\(entry.label) <small>\(entry.role)</small></h2>\(HTML(raw: entry.svg))<p>\(entry.text)</p></section>"
                )
            }
            return Responses.page(
                Layout.document(
                    title: "扫描枪用途切换码",
                    body: """
                        <main class="commands"><h1>\(station) 扫描枪用途切换码</h1>
                        <p>用扫描枪扫描下面的条码，即可切换这把扫描枪的用途。按 100% 比例打印，贴在扫描枪旁。</p>
                        <p class="noprint"><button data-print autofocus>打印</button> <a class="button" href="/scanners">回到扫描枪</a></p>
                        \(blocks)</main>
                        """))
        }
    }

    func live(_ session: ConsoleSession) async -> HTML {
        switch await console.call(Method.scanners, NoParams()) {
        case .failure(let failure): return Layout.notice("无法读取扫描枪：" + failure.words, tone: "refused")
        case .success(let result):
            guard !result.scanners.isEmpty else {
                return Layout.notice("还没有见到扫描枪：插上扫描枪，或检查站点服务的日志和 udev 规则。")
            }
            let head = session.role == .head
            let rows = result.scanners.map { scanner in
                let latency: HTML = scanner.latencyMs.map { "\(Self.ms($0.p50)) / \(Self.ms($0.p99)) 毫秒" } ?? "—"
                return HTML(
                    """
                    <tr><td><b>\(scanner.name ?? scanner.product ?? scanner.id)</b>\((scanner.name ?? scanner.product) == nil ? "" : "<br><span class=\"muted\">\(scanner.id)</span>" as HTML)</td>
                    <td>\(Wording.role(scanner.role))\(scanner.roleSource == "command" ? "（已切换）" : "" as HTML)</td><td>\(scanner.counter)</td>
                    <td class="\(scanner.attached ? "ok" : "muted")">\(scanner.attached ? "已连接" : "未连接")</td>
                    <td>\(scanner.lastSeen.map { Dates.local($0) } ?? "—")</td>
                    <td class="num">\(scanner.scans)</td><td class="num">\(scanner.duplicates)</td><td class="num">\(scanner.rejected)</td>
                    <td class="num">\(latency)</td>\(head ? Self.roleForm(scanner, session: session) : "")</tr>
                    """)
            }
            return """
                <table class="scanners"><thead><tr><th>扫描枪</th><th>用途</th><th>柜台</th><th>连接</th><th>最近使用</th>
                <th class="num">扫描</th><th class="num">重复</th><th class="num">拒收</th><th class="num">延迟 中位/最慢</th>\(head ? "<th>更改用途</th>" : "" as HTML)</tr></thead>
                <tbody>\(rows)</tbody></table>
                """
        }
    }

    static func roleForm(_ scanner: ScannerDTO, session: ConsoleSession) -> HTML {
        let options = (roles + ["configured"]).map { role in
            HTML(
                "<option value=\"\(role)\"\(role == scanner.role ? " selected" : "" as HTML)>\(role == "configured" ? "按配置" : Wording.role(role))</option>"
            )
        }
        return """
            <td><form class="row" method="post" action="/scanners/role">\(Layout.csrfField(session))
            <input type="hidden" name="scanner" value="\(scanner.id)">
            <select name="role" aria-label="\(scanner.id) 的用途">\(options)</select><button type="submit">更改</button></form></td>
            """
    }

    static func ms(_ value: Double) -> String { String(format: value < 10 ? "%.1f" : "%.0f", value) }
}
