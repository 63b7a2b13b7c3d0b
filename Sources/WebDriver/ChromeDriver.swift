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

    /// Starts chromedriver on `port`, or on a free loopback port.
    public init(port: Int? = nil) async throws {
        let port = try port ?? Self.freeLoopbackPort()
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

    /// A loopback port nobody listens on now.
    public static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WebDriverSession.Failure(description: "no socket for a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else { throw WebDriverSession.Failure(description: "no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        // Polled rather than waitUntilExit, which spins a run loop on Linux; chromedriver takes its Chromium with it.
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
