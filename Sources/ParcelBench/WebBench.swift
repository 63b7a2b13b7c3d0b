import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import StrictJSON
import WebDriver

/// `parcel-bench --web`: the console in a real Chromium. Scan-to-screen (a scan submitted → its code in the intake
/// page's DOM, read from the page's own clock) beside scan-to-event (the same scan → its event on a plain socket
/// subscriber) in the same run; the intake page's first load beside loading one embedded asset; the console's
/// idle RSS beside the daemon's.
enum WebBench {
    static let pin = "2468"

    struct Figures {
        var socket: Samples
        var screen: Samples
        var firstLoad: Samples
        var assetLoad: Samples
        var webRSSKiB: Int
        /// Of it, anonymous memory (heap, stacks): what the console itself costs; the rest is code pages of the binary
        /// and the Swift libraries, file-backed and shared with every Swift process.
        var webAnonKiB: Int
        var daemonRSSKiB: Int
    }

    static func run(daemon: String, web: String, root: String, scans: Int) throws -> Figures {
        try DaemonProcess.with(
            executable: daemon, stateDir: root + "/web-state", socketPath: root + "/web.sock", logPath: root + "/web-daemon.log"
        ) { process in
            let console = try ConsoleProcess(
                socketPath: root + "/web.sock", folder: root, staff: [.init(name: "王芳", pin: pin)], executable: web)
            defer { console.terminate() }
            let daemonPID = process.pid
            return try blocking { try await measure(console: console, daemonPID: daemonPID, socketPath: root + "/web.sock", scans: scans) }
        }
    }

    private static func measure(console: ConsoleProcess, daemonPID: Int32, socketPath: String, scans: Int) async throws -> Figures {
        let driver = try await ChromeDriver()
        let browser = try await WebDriverSession(driverURL: driver.url)
        defer { Task { await browser.quit() } }
        try await browser.navigate(console.baseURL + "/signin")
        try await browser.type(pin, into: try await browser.find("#pin"))
        try await browser.click(try await browser.find("button[type=submit]"))
        try await browser.wait("the intake page") { try await browser.currentURL().hasSuffix("/intake") }
        try await browser.wait("the live stream") { try await browser.execute("return document.body.dataset.live;") as? String == "up" }
        // Sound would only cost the page time a station does not spend on a silent PC.
        try await browser.execute("localStorage.setItem('sound', 'off');")

        // A plain subscriber: the daemon's own scan-to-event time, the floor the console adds to.
        let subscriber = try StationConnection(socketPath: socketPath, timeout: 30)
        try subscriber.hello(client: "bench-subscriber")
        _ = try subscriber.call(Method.subscribe, SubscribeParams())
        let scanner = try StationConnection(socketPath: socketPath, timeout: 30)
        try scanner.hello(client: "bench-scanner")

        print("[W1] \(scans) scans through the socket: their event on a subscriber, their code in the intake page")
        var sent: [UInt64: Double] = [:]
        var socketNanos: [UInt64] = []
        let start = monotonicNanos()
        for index in 0..<scans {
            let tracking = "SF1" + String(format: "%012d", 600_000_000_000 + index)
            let wall = Date().timeIntervalSince1970 * 1000
            let before = monotonicNanos()
            let outcome = try scanner.call(Method.submitScan, SubmitScanParams(text: tracking))
            sent[outcome.sequence] = wall
            // The event may have come before the reply; either way it is timed from the same start.
            while true {
                let line = try subscriber.nextEvent()
                if let event = try? StrictJSONDecoder.ownOutput.decode(EventMessage<ScanOutcomeDTO>.self, from: Data(line)),
                    event.event == EventName.scan, event.data.sequence == outcome.sequence
                {
                    socketNanos.append(monotonicNanos() - before)
                    break
                }
            }
            // A counter's pace, not a flood: the next parcel comes after this one is on screen.
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = monotonicNanos() - start
        try await browser.wait("every code on the page", timeout: .seconds(30)) {
            (try await browser.execute("return Object.keys(window.__seen).length;") as? Int ?? 0) >= scans
        }
        let seen = try await browser.execute("return window.__seen;") as? [String: Any] ?? [:]
        var screenNanos: [UInt64] = []
        for (sequence, wall) in sent {
            guard let shown = (seen[String(sequence)] as? NSNumber)?.doubleValue else { throw BenchError("scan \(sequence) never shown") }
            screenNanos.append(UInt64(max(0, shown - wall) * 1e6))
        }

        print("[W2] first load of the intake page, 30 times, beside loading the embedded stylesheet alone")
        func navigationMillis(_ path: String) async throws -> UInt64 {
            try await browser.navigate(console.baseURL + path)
            let millis =
                try await browser.execute(
                    "const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime;") as? NSNumber
            return UInt64((millis?.doubleValue ?? .nan) * 1e6)
        }
        let stylesheet =
            try await browser.execute("return document.querySelector('link[rel=stylesheet]').getAttribute('href');") as? String ?? ""
        var loads: [UInt64] = []
        var assets: [UInt64] = []
        for _ in 0..<30 {
            loads.append(try await navigationMillis("/intake"))
            assets.append(try await navigationMillis(stylesheet))
        }

        print("[W3] idle memory after 3 s with the intake page open")
        try await browser.navigate(console.baseURL + "/intake")
        try await Task.sleep(for: .seconds(3))
        return Figures(
            socket: Samples(socketNanos, elapsedNanos: elapsed), screen: Samples(screenNanos, elapsedNanos: elapsed),
            firstLoad: Samples(loads, elapsedNanos: 1), assetLoad: Samples(assets, elapsedNanos: 1),
            webRSSKiB: residentKiB(console.process.processIdentifier),
            webAnonKiB: residentKiB(console.process.processIdentifier, field: "RssAnon:"),
            daemonRSSKiB: residentKiB(daemonPID))
    }

    /// VmRSS (or another field of /proc/PID/status) of a process, in KiB.
    static func residentKiB(_ pid: Int32, field: String = "VmRSS:") -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return -1 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// Runs async work from the benchmark's synchronous phases.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<T, any Error>?
        Task {
            do { result = .success(try await body()) } catch { result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try result!.get()
    }
}
