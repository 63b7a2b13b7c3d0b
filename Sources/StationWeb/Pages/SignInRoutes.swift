import Foundation
import Hummingbird

/// 登录, 锁屏 and 退出. The session cookie is HttpOnly and SameSite=Strict: no script reads it and no other
/// site's page sends it.
struct SignInRoutes {
    let console: Console

    func add(to router: Router<ConsoleContext>) {
        router.get("/signin") { request, context in
            let query = request.uri.queryParameters
            let notice: HTML =
                query["stale"] != nil ? Layout.notice("登录已失效（控制台重启过，或这个会话属于另一个站点），请重新登录。", tone: "refused") : ""
            return Responses.page(await signInPage(next: query["next"].map(String.init), notice: notice))
        }
        router.post("/signin") { request, context in
            guard SessionMiddleware.sameOrigin(request) else {
                return Responses.page(ErrorPages.plain("已拒绝", "这个请求不是从本控制台的页面发出的。"), status: .forbidden)
            }
            let form = try await request.form()
            let next = Self.safeNext(form["next"])
            do {
                let session = try await console.sessions.signIn(
                    name: form.text("name") ?? "", pin: form["pin"] ?? "", address: context.remoteAddress)
                var response = Responses.redirect(next)
                response.setCookie(Self.cookie(session.id))
                return response
            } catch {
                return Responses.page(
                    await signInPage(next: next, notice: Layout.notice(Self.words(error), tone: "refused")), status: .unauthorized)
            }
        }
        router.post("/signout") { request, context in
            if let id = request.cookies[SessionMiddleware.cookieName]?.value {
                let form = try await request.form()
                if let session = await console.sessions.session(id: id, touch: false),
                    Secrets.equal(form["csrf"] ?? "", session.csrfToken)
                {
                    await console.sessions.signOut(id: id)
                }
            }
            var response = Responses.redirect("/signin")
            response.setCookie(Self.cookie("", maxAge: 0))
            return response
        }
        router.get("/unlock") { request, context in
            guard let id = request.cookies[SessionMiddleware.cookieName]?.value,
                let session = await console.sessions.session(id: id, touch: false)
            else { return Responses.redirect("/signin") }
            return Responses.page(unlockPage(staff: session.staff, next: request.uri.queryParameters["next"].map(String.init), notice: ""))
        }
        router.post("/unlock") { request, context in
            guard SessionMiddleware.sameOrigin(request), let id = request.cookies[SessionMiddleware.cookieName]?.value,
                let session = await console.sessions.session(id: id, touch: false)
            else { return Responses.redirect("/signin") }
            let form = try await request.form()
            do {
                _ = try await console.sessions.unlock(id: id, pin: form["pin"] ?? "", address: context.remoteAddress)
                return Responses.redirect(Self.safeNext(form["next"]))
            } catch {
                return Responses.page(
                    unlockPage(staff: session.staff, next: form["next"], notice: Layout.notice(Self.words(error), tone: "refused")),
                    status: .unauthorized)
            }
        }
    }

    private func signInPage(next: String?, notice: HTML) async -> HTML {
        let names = await console.sessions.staffNames
        let options = names.map { HTML("<option>\($0)</option>") }
        let picker: HTML =
            names.isEmpty
            ? Layout.notice("还没有配置员工。请在 console.json 的 staff 里加入姓名和 PIN（parcel-station-web hash-pin 生成）。", tone: "refused")
            : """
            <label for="name">姓名</label><select id="name" name="name" autofocus>\(options)</select>
            <label for="pin">PIN</label><input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" required>
            """
        return Layout.document(
            title: "登录 · 站点控制台",
            body: """
                <main class="signin"><h1>站点控制台 · 登录</h1>\(notice)
                <form method="post" action="/signin">\(picker)
                <input type="hidden" name="next" value="\(Self.safeNext(next))">
                <p><button class="primary" type="submit">登录</button></p></form>
                <p class="muted"><a href="/display">顾客屏（无需登录）</a></p></main>
                """)
    }

    private func unlockPage(staff: String, next: String?, notice: HTML) -> HTML {
        Layout.document(
            title: "已锁屏",
            body: """
                <main class="signin"><h1>已锁屏</h1><p>\(staff)，请输入 PIN 继续。</p>\(notice)
                <form method="post" action="/unlock">
                <label for="pin">PIN</label><input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" autofocus required>
                <input type="hidden" name="next" value="\(Self.safeNext(next))">
                <p><button class="primary" type="submit">解锁</button></p></form>
                <p>不是 \(staff)？<a href="/signin">换人登录</a></p></main>
                """)
    }

    static func words(_ error: any Error) -> String {
        switch error as? SignInRefusal {
        case .coolingDown(let seconds)?: "PIN 错误次数太多，请 \(max(1, seconds / 60)) 分钟后再试。"
        default: "姓名或 PIN 不对。"
        }
    }

    static func cookie(_ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(name: SessionMiddleware.cookieName, value: value, maxAge: maxAge, path: "/", httpOnly: true, sameSite: .strict)
    }

    /// Only a path on this console: `next` never sends a signed-in browser elsewhere.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), !next.hasPrefix("/signin") else {
            return "/intake"
        }
        return next
    }
}
