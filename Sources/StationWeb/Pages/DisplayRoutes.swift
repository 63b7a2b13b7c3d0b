import Hummingbird

/// 顾客屏: a read-only screen facing the customers ("请取件 3-2-0147"). No sign-in, nothing it can change, and
/// its event stream carries only a scan's result, pickup code and display line: no number, no tail, no name.
struct DisplayRoutes {
    let console: Console

    func add(to router: Router<ConsoleContext>) {
        router.get("/display") { _, _ in
            let station = await console.stationName()
            return Responses.page(
                Layout.document(
                    title: "取件 · \(station)", bodyAttributes: " class=\"display\" data-events=\"/display/events\"",
                    body: """
                        <div id="banner" class="banner" role="alert"></div>
                        <div class="say">请取件</div><div id="display-code" class="code">—</div>
                        <div id="display-line" class="line">\(station)</div>
                        """))
        }
        router.get("/display/events") { _, _ in Responses.events(await console.events.subscribe(.display)) }
        // The display has no session and so no token: every write from it is refused, by construction.
        router.post("/display/{any}") { _, _ in
            Responses.json(WriteReply(ok: false, error: "顾客屏只能查看，不能修改。"), status: .forbidden)
        }
    }
}
