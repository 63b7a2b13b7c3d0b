import Hummingbird

/// 配对: a LAN device (counter tablet, second screen) becomes trusted by typing a code shown on the station PC.
struct PairingRoutes {
    let console: Console

    func add(to router: Router<ConsoleContext>) {
        router.get("/pair") { _, context in
            Responses.page(page(notice: context.isLoopback ? Layout.notice("这台电脑本身不需要配对。", tone: "ok") : ""))
        }
        router.post("/pair") { request, context in
            guard SessionMiddleware.sameOrigin(request) else { return Responses.redirect("/pair") }
            let form = try await request.form()
            guard let token = await console.pairing.pair(code: form.text("code") ?? "") else {
                return Responses.page(page(notice: Layout.notice("配对码不对或已过期：请在站点电脑的“状态”页重新生成。", tone: "refused")), status: .unauthorized)
            }
            var response = Responses.redirect("/signin")
            response.setCookie(
                Cookie(name: GuardMiddleware.deviceCookie, value: token, maxAge: 400 * 86_400, path: "/", httpOnly: true, sameSite: .strict)
            )
            return response
        }
    }

    /// 配对新设备: a code for signed-in staff (the session middleware checks session and token) at the PC itself
    /// (`GuardMiddleware` refuses this path to every other address, paired or not).
    func addCodeRoute(to staff: RouterGroup<ConsoleContext>) {
        staff.post("/pair/new") { _, context in
            let code = await console.pairing.newCode()
            return await console.page(
                "配对新设备", .status, context,
                """
                <h1>配对新设备</h1><p>在平板或第二块屏幕上打开控制台地址，输入下面的配对码（5 分钟内有效，只能用一次）：</p>
                <div class="outcome info"><div class="code">\(code)</div></div><p><a class="button" href="/status">完成</a></p>
                """)
        }
    }

    private func page(notice: HTML) -> HTML {
        Layout.document(
            title: "配对设备",
            body: """
                <main class="signin"><h1>配对这台设备</h1>\(notice)
                <p>请在站点电脑上登录控制台，打开“状态”页，点“配对新设备”，把显示的 6 位配对码输入这里。</p>
                <form method="post" action="/pair"><label for="code">配对码</label>
                <input id="code" name="code" inputmode="numeric" autocomplete="off" maxlength="6" autofocus required>
                <p><button class="primary" type="submit">配对</button></p></form></main>
                """)
    }
}
