/// The frame every signed-in page shares: the station's name, the sections, who is signed in, the banner that
/// says when the daemon is unreachable, and the CSRF token the script sends with each write.
enum Layout {
    enum Section: String, CaseIterable {
        case intake, pickup, handoffs, relay, outgoing, complaints, problems, stocktake, scanners, reports, status

        var title: String {
            switch self {
            case .intake: "入库"
            case .pickup: "取件"
            case .handoffs: "交接"
            case .relay: "中转"
            case .outgoing: "寄件"
            case .complaints: "投诉"
            case .problems: "问题件"
            case .stocktake: "盘点"
            case .scanners: "扫描枪"
            case .reports: "报表"
            case .status: "状态"
            }
        }
        var path: String { "/" + rawValue }
    }

    struct Frame {
        var station: String
        var session: ConsoleSession?
        var daemonUp: Bool
    }

    static func page(_ title: String, section: Section?, frame: Frame, liveEvents: Bool = true, body: HTML) -> HTML {
        let nav = Section.allCases.map { item in
            HTML("<a href=\"\(item.path)\"\(item == section ? " class=\"active\" aria-current=\"page\"" : "" as HTML)>\(item.title)</a>")
        }
        let who: HTML =
            if let session = frame.session {
                """
                <span class="who">\(session.staff)</span>
                <form method="post" action="/signout"><input type="hidden" name="csrf" value="\(session.csrfToken)"><button>退出</button></form>
                """
            } else { "" }
        let banner: HTML = frame.daemonUp ? "" : "站点服务（parcel-stationd）未运行：扫描和操作暂时无法进行，恢复后页面会自动更新。"
        return document(
            title: "\(title) · \(frame.station)",
            csrf: frame.session?.csrfToken,
            bodyAttributes: liveEvents ? " data-events=\"/events\"" : "",
            body: """
                <header class="top"><span class="station">\(frame.station)</span><nav>\(nav)</nav>\(who)</header>
                <div id="banner" class="banner\(frame.daemonUp ? "" : " shown" as HTML)" role="alert">\(banner)</div>
                <main>\(body)</main>
                """)
    }

    /// A bare page (sign-in, the customer display, printable slips and receipts).
    static func document(title: String, csrf: String? = nil, bodyAttributes: HTML = "", body: HTML) -> HTML {
        let csrfMeta: HTML = csrf.map { "<meta name=\"csrf\" content=\"\($0)\">" } ?? ""
        return """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>\(csrfMeta)
            <link rel="stylesheet" href="\(Assets.stylePath)">
            <script src="\(Assets.scriptPath)" defer></script>
            </head><body\(bodyAttributes)>\(body)</body></html>
            """
    }

    /// A notice line: `ok`, `refused` or plain.
    static func notice(_ text: String, tone: String = "") -> HTML {
        "<div class=\"notice \(tone)\" role=\"status\">\(text)</div>"
    }

    /// A notice and the way back: what a write says when it is done or refused.
    static func outcome(_ text: String, tone: String, back: String) -> HTML {
        "\(notice(text, tone: tone))<p><a class=\"button\" href=\"\(back)\">返回</a></p>"
    }

    static func csrfField(_ session: ConsoleSession) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(session.csrfToken)\">"
    }
}
