public import Foundation

/// A `chromedriver` process on a loopback port, for as long as this value lives.
public final class ChromeDriver: @unchecked Sendable {
    public let url: URL
    private let process: Process

    /// Debian's chromium-driver; `PARCEL_STATION_CHROMEDRIVER` names another.
    public static var executable: String? {
        let candidates = [
            ProcessInfo.processInfo.environment["PARCEL_STATION_CHROMEDRIVER"], "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver",
        ]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public init(port: Int) async throws {
        guard let executable = Self.executable else {
            throw WebDriverSession.Failure(description: "chromedriver not found: apt install chromium chromium-driver")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        url = URL(string: "http://127.0.0.1:\(port)")!
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if (try? await WebDriverSession.send(url.appendingPathComponent("status"), method: "GET", body: nil)) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(process.processIdentifier, SIGKILL)
        throw WebDriverSession.Failure(description: "chromedriver did not start on port \(port)")
    }

    deinit {
        // Polled rather than waitUntilExit, which spins a run loop on Linux; chromedriver takes its Chromium with it.
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
