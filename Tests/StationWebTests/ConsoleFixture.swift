import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import WebDriver

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real daemon, a real `parcel-station-web` on its socket, and a real headless Chromium driven over WebDriver.
final class ConsoleFixture: @unchecked Sendable {
    static let staffName = "王芳"
    static let pin = "2468"

    let daemon: DaemonProcess
    let console: ConsoleProcess
    let driver: ChromeDriver
    let browser: WebDriverSession

    init(
        daemonConfig: String? = nil, consoleExtra: [String: String] = [:], listen: String = "127.0.0.1:0", width: Int = 1366,
        height: Int = 768
    ) async throws {
        daemon = try DaemonProcess(config: daemonConfig)
        console = try ConsoleProcess(
            socketPath: daemon.socketPath, folder: daemon.directory.path,
            staff: [.init(name: Self.staffName, pin: Self.pin, role: "head"), .init(name: "李强", pin: "1357")], extra: consoleExtra,
            listen: listen)
        driver = try await ChromeDriver()
        browser = try await WebDriverSession(driverURL: driver.url, width: width, height: height)
    }

    func url(_ path: String) -> String { console.baseURL + path }

    /// Runs `body`, then stops the browser, the console and the daemon before returning, also when it throws: the
    /// next test's browser must not start while this one's is still going down.
    func run(_ body: (ConsoleFixture) async throws -> Void) async throws {
        do {
            try await body(self)
        } catch {
            await stop()
            throw error
        }
        await stop()
    }

    func stop() async {
        await browser.quit()
        console.terminate()
        daemon.terminate()
    }

    /// Signs in through the page, as staff would.
    func signIn(name: String = staffName, pin: String = pin) async throws {
        try await browser.navigate(url("/signin"))
        try await browser.execute("document.getElementById('name').value = arguments[0];", [name])
        try await browser.type(pin, into: try await browser.find("#pin"))
        try await browser.click(try await browser.find("button[type=submit]"))
        try await browser.wait("the intake page after sign-in") { try await self.browser.currentURL().hasSuffix("/intake") }
    }

    func text(_ css: String) async throws -> String { try await browser.text(of: try await browser.find(css)) }

    func waitForText(_ css: String, _ expected: String, timeout: Duration = .seconds(10)) async throws {
        try await browser.wait("\(css) to read \(expected)", timeout: timeout) { try await self.text(css).contains(expected) }
    }

    /// Saves the visible page as `<name>.png` in the screenshot folder (`PARCEL_STATION_SCREENSHOTS`, default
    /// `.build/console-screenshots`), the tests' artifact for a person to look at.
    @discardableResult
    func screenshot(_ name: String) async throws -> String {
        let folder =
            ProcessInfo.processInfo.environment["PARCEL_STATION_SCREENSHOTS"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/console-screenshots").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/\(name).png"
        try await browser.screenshot().write(to: URL(fileURLWithPath: path))
        return path
    }

    func connect() throws -> StationConnection { try daemon.connect(client: "console-test") }

    /// A raw HTTP request from outside the browser (a forged write, a stale cookie).
    func http(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:], host: String? = nil) async throws -> (
        status: Int, body: String, headers: [String: String]
    ) {
        var target = url(path)
        if let host { target = target.replacingOccurrences(of: "127.0.0.1", with: host) }
        var request = URLRequest(url: URL(string: target)!)
        request.httpMethod = method
        request.httpBody = body.map { Data($0.utf8) }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        let fields = (http?.allHeaderFields ?? [:]).reduce(into: [String: String]()) { $0["\($1.key)".lowercased()] = "\($1.value)" }
        return (http?.statusCode ?? 0, String(decoding: data, as: UTF8.self), fields)
    }
}

/// Lets a test see a 303 as it is.
final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
