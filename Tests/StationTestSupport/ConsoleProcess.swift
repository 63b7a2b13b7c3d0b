public import Foundation

/// A real `parcel-station-web` on a free loopback port, talking to a test daemon's socket; its configuration
/// (staff with PIN hashes made by the console's own `hash-pin`) is written to `folder`, beside the daemon's files.
/// The console tests and `parcel-bench --web` start it the same way.
public final class ConsoleProcess: @unchecked Sendable {
    public let process: Process
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    public let baseURL: String
    public let logPath: String

    public struct Staff: Sendable {
        public var name: String
        public var pin: String
        public var role: String
        public init(name: String, pin: String, role: String = "staff") {
            self.name = name
            self.pin = pin
            self.role = role
        }
    }

    /// `listen` `0.0.0.0:0` serves the LAN too (with `extra` `allowLAN`); `baseURL` is then still the loopback one.
    public init(
        socketPath: String, folder: String, staff: [Staff], extra: [String: String] = [:], listen: String = "127.0.0.1:0",
        executable: String = BuiltProducts.path(of: "parcel-station-web")
    ) throws {
        var entries: [String] = []
        for member in staff {
            let hash = try Self.hashPIN(member.pin, executable: executable)
            entries.append(#"{"name":"\#(member.name)","pin":"\#(hash)","role":"\#(member.role)"}"#)
        }
        let more = extra.sorted { $0.key < $1.key }.map { #","\#($0.key)":\#($0.value)"# }.joined()
        let configPath = folder + "/console.json"
        try #"{"staff":[\#(entries.joined(separator: ","))],"listen":"\#(listen)"\#(more)}"#.write(
            toFile: configPath, atomically: true, encoding: .utf8)
        logPath = folder + "/console.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let output = Pipe()
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--config", configPath, "--socket", socketPath, "--state-dir", folder]
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        // The console prints its address once it listens: `parcel-station-web: serving http://127.0.0.1:PORT/ …`.
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning, !seen.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard let start = seen.range(of: "http://"), let end = seen[start.lowerBound...].firstIndex(of: " ") else {
            process.terminate()
            throw DaemonError.notReady(
                log: "parcel-station-web did not start: \(seen) \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
        }
        var url = String(seen[start.lowerBound..<end]).replacingOccurrences(of: "//0.0.0.0:", with: "//127.0.0.1:")
        if url.hasSuffix("/") { url.removeLast() }
        baseURL = url
    }

    /// `parcel-station-web hash-pin`, as an administrator would run it.
    public static func hashPIN(_ pin: String, executable: String = BuiltProducts.path(of: "parcel-station-web")) throws -> String {
        let result = try runCommand(executable, ["hash-pin"], input: pin + "\n")
        guard result.status == 0 else { throw DaemonError.notReady(log: "hash-pin failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then waits (polled: Foundation's waitUntilExit spins on Linux); SIGKILL after 10 s. Returns the
    /// exit status.
    @discardableResult
    public func terminate() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for _ in 0..<500 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
