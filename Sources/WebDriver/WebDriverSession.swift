internal import AsyncHTTPClient
public import Foundation
internal import NIOCore
internal import NIOFoundationCompat
internal import NIOHTTP1
import StrictJSON

/// A W3C WebDriver client, just what the console's tests and `parcel-bench --web` need to drive a real Chromium:
/// open pages, find elements, type, click, run a script, take a screenshot. It speaks HTTP to `chromedriver`.
public final class WebDriverSession: @unchecked Sendable {
    public let driverURL: URL
    public let sessionID: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// An element reference as WebDriver returns it.
    public struct Element: Sendable {
        public let id: String
    }

    /// Starts a headless Chromium of `width`×`height`, with `language` as the browser's language.
    public init(driverURL: URL, width: Int = 1366, height: Int = 768, language: String = "zh-CN", binary: String? = nil) async throws {
        self.driverURL = driverURL
        var options: [String: Any] = [
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)",
                "--lang=\(language)", "--autoplay-policy=no-user-gesture-required", "--disable-background-timer-throttling",
                "--disable-renderer-backgrounding",
            ],
            "prefs": ["intl.accept_languages": language],
        ]
        if let binary { options["binary"] = binary }
        let body: [String: Any] = ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]]
        let reply = try await Self.send(driverURL.appendingPathComponent("session"), method: "POST", body: body)
        guard let value = reply["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw Failure(description: "no session in \(reply)")
        }
        sessionID = id
    }

    private var base: URL { driverURL.appendingPathComponent("session").appendingPathComponent(sessionID) }

    public func navigate(_ url: String) async throws {
        _ = try await command("url", body: ["url": url])
    }

    public func currentURL() async throws -> String {
        try await command("url", method: "GET") as? String ?? ""
    }

    public func find(_ css: String) async throws -> Element {
        let value = try await command("element", body: ["using": "css selector", "value": css])
        guard let object = value as? [String: Any], let id = object.values.first as? String else {
            throw Failure(description: "no element \(css)")
        }
        return Element(id: id)
    }

    public func findAll(_ css: String) async throws -> [Element] {
        let value = try await command("elements", body: ["using": "css selector", "value": css])
        return (value as? [[String: Any]] ?? []).compactMap { ($0.values.first as? String).map(Element.init) }
    }

    public func click(_ element: Element) async throws {
        _ = try await command("element/\(element.id)/click", body: [:])
    }

    public func type(_ text: String, into element: Element) async throws {
        _ = try await command("element/\(element.id)/value", body: ["text": text])
    }

    public func text(of element: Element) async throws -> String {
        try await command("element/\(element.id)/text", method: "GET") as? String ?? ""
    }

    public func attribute(_ name: String, of element: Element) async throws -> String? {
        try await command("element/\(element.id)/property/\(name)", method: "GET") as? String
    }

    /// Runs `script` in the page (a function body; `arguments` holds `args`) and returns its JSON result.
    @discardableResult
    public func execute(_ script: String, _ args: [Any] = []) async throws -> Any? {
        try await command("execute/sync", body: ["script": script, "args": args])
    }

    /// The visible page as PNG bytes.
    public func screenshot() async throws -> Data {
        guard let base64 = try await command("screenshot", method: "GET") as? String, let data = Data(base64Encoded: base64) else {
            throw Failure(description: "no screenshot")
        }
        return data
    }

    public func setWindow(width: Int, height: Int) async throws {
        _ = try await command("window/rect", body: ["width": width, "height": height])
    }

    public func quit() async {
        _ = try? await Self.send(base, method: "DELETE", body: nil)
    }

    /// Waits until `condition` holds, polling; fails with `what` after `timeout`.
    public func wait(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(description: "timed out waiting for \(what)")
    }

    private func command(_ path: String, method: String = "POST", body: [String: Any]? = nil) async throws -> Any? {
        let reply = try await Self.send(base.appendingPathComponent(path), method: method, body: method == "GET" ? nil : (body ?? [:]))
        if let value = reply["value"] as? [String: Any], let error = value["error"] as? String {
            throw Failure(description: "\(path): \(error): \(value["message"] as? String ?? "")")
        }
        return reply["value"] ?? nil
    }

    static func send(_ url: URL, method: String, body: [String: Any]?) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        guard let object = try? StrictJSONDecoder(refusesControlCharacters: false).jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "not JSON from chromedriver: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        return object
    }
}
