import Foundation
import HTTPTypes
import Hummingbird
internal import NIOCore

/// The first check on every request: the console serves this PC only, unless the configuration opens it to the
/// station's LAN, where a device must first be paired (`PairingRoutes`).
struct GuardMiddleware: RouterMiddleware {
    typealias Context = ConsoleContext
    static let deviceCookie = "ps_device"
    let allowLAN: Bool
    let pairing: DevicePairing

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.isLoopback || allowLAN else {
            return Responses.page(
                ErrorPages.plain("只允许本机访问", "控制台只对这台电脑开放。要在平板或第二块屏幕上使用，请在配置里打开 allowLAN 并配对设备。"),
                status: .forbidden)
        }
        if !context.isLoopback {
            // A pairing code is shown only on the PC: no LAN device, paired or not, may ask for one.
            guard request.uri.path != "/pair/new" else {
                return Responses.page(ErrorPages.plain("不能配对", "配对码只能由已登录的员工在站点电脑上生成。"), status: .forbidden)
            }
            if request.uri.path != "/pair", !request.uri.path.hasPrefix("/assets/"),
                await !pairing.isPaired(request.cookies[Self.deviceCookie]?.value)
            {
                return Responses.redirect("/pair")
            }
        }
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            // Hummingbird's and NIO's refusals (unknown page, a body over its limit) as pages in words, not bare
            // statuses: a form over 64 KiB on the sign-in page got an empty 413 before.
            return Responses.page(ErrorPages.forStatus(error.status), status: error.status)
        }
    }
}

/// Signed-in pages: the session cookie must name a live, unlocked session, and every write must carry the
/// session's CSRF token (a form field or the `X-CSRF-Token` header) and come from this console's own pages.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = ConsoleContext
    static let cookieName = "ps_session"
    let sessions: SessionStore
    let uploadLimit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        let isWrite = request.method == .post
        let isEventStream = request.uri.path == "/events"
        guard let id = request.cookies[Self.cookieName]?.value,
            let session = await sessions.session(id: id, touch: !isEventStream)
        else {
            let hadCookie = request.cookies[Self.cookieName] != nil
            return refuse(request, locked: false, staleCookie: hadCookie)
        }
        if session.locked {
            if isEventStream {
                return Responses.events(
                    AsyncStream {
                        $0.yield(.init(name: "locked", json: "{}")); $0.finish()
                    })
            }
            return refuse(request, locked: true, staleCookie: false)
        }
        if isWrite {
            guard Self.sameOrigin(request) else {
                return Responses.page(ErrorPages.plain("已拒绝", "这个请求不是从本控制台的页面发出的，已拒绝，没有做任何修改。"), status: .forbidden)
            }
            let limit = request.uri.path.hasPrefix("/handoffs/") ? uploadLimit : context.maxUploadSize
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: limit)
            } catch {
                let words = "上传的内容超过 \(limit / 1024) KB 的上限，没有做任何修改。"
                if request.wantsJSON { return Responses.json(WriteReply(ok: false, error: words), status: .contentTooLarge) }
                return Responses.page(ErrorPages.plain("文件太大", words), status: .contentTooLarge)
            }
            let token = request.headers[.csrfToken] ?? FormFields(body: body)["csrf"]
            guard let token, Secrets.equal(token, session.csrfToken) else {
                if request.wantsJSON {
                    return Responses.json(WriteReply(ok: false, error: "页面已过期（安全令牌不符），请刷新页面后重试。没有做任何修改。"), status: .forbidden)
                }
                return Responses.page(ErrorPages.plain("页面已过期", "安全令牌不符，没有做任何修改。请回到上一页，刷新后重试。"), status: .forbidden)
            }
        }
        context.session = session
        return try await next(request, context)
    }

    private func refuse(_ request: Request, locked: Bool, staleCookie: Bool) -> Response {
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        if request.wantsJSON || request.uri.path == "/events" || request.method == .post {
            return Responses.json(WriteReply(ok: false, error: locked ? "已锁屏，请输入 PIN 解锁。" : "请先登录。没有做任何修改。"), status: .unauthorized)
        }
        if locked { return Responses.redirect("/unlock", query: ["next": target]) }
        return staleCookie
            ? Responses.redirect("/signin", query: ["next": target, "stale": "1"]) : Responses.redirect("/signin", query: ["next": target])
    }

    /// Browsers say where a request comes from; a write from another site's page is refused even before the token.
    static func sameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[.secFetchSite] { return site == "same-origin" || site == "none" }
        if let origin = request.headers[.origin], let host = request.head.authority {
            return origin == "http://\(host)" || origin == "https://\(host)"
        }
        return true
    }
}

extension HTTPField.Name {
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
    /// A manifest upload's file name (percent-encoded), which tells CSV from JSON.
    static let filename = HTTPField.Name("X-Filename")!
}

/// `application/x-www-form-urlencoded` fields, repeated names kept in order (checkbox lists).
struct FormFields: Sendable {
    static let maximumBytes = 64 * 1024
    private(set) var pairs: [(String, String)] = []

    init(body: ByteBuffer) { self.init(text: String(buffer: body)) }

    init(text: String) {
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(halves[0])
            let value = halves.count > 1 ? Self.decode(halves[1]) : ""
            pairs.append((name, value))
        }
    }

    subscript(name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    /// A field as the staff typed it, trimmed; nil when empty.
    func text(_ name: String) -> String? {
        guard let value = self[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    private static func decode(_ text: Substring) -> String {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
    }
}

extension Request {
    /// The form of a POST, at most `FormFields.maximumBytes` (a manifest upload has its own limit where it is read),
    /// also on the pages outside the session middleware (sign-in, pairing), where anyone may post.
    func form() async throws -> FormFields {
        FormFields(body: try await body.collect(upTo: FormFields.maximumBytes))
    }
}
