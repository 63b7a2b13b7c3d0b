import Foundation
import StationTestSupport
import Synchronization

/// The project's USB test harness (`Tests/Fixtures/usb`) and the built `scanner-probe`.
enum USBFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/usb").path
    /// Debian's python: it has `gi`; a pyenv `python3` first on PATH may not.
    static let python = "/usr/bin/python3"
    static let wrapper = "/usr/bin/umockdev-wrapper"

    /// Why the umockdev tests cannot run here, or nil when they can. `scripts/deps.sh` installs everything, so in
    /// CI this is nil.
    static let unavailable: String? = {
        guard FileManager.default.isExecutableFile(atPath: wrapper) else { return "umockdev is not installed (apt-get install umockdev)" }
        guard
            let check = try? runCommand(
                python, ["-c", "import gi; gi.require_version('UMockdev', '1.0'); from gi.repository import UMockdev"]),
            check.status == 0
        else { return "Debian's python3 cannot import UMockdev (apt-get install python3-gi gir1.2-umockdev-1.0)" }
        return nil
    }()

    /// `scanner-probe` next to this test bundle (SwiftPM builds it: the test target depends on it).
    static var probe: String { BuiltProducts.path(of: "scanner-probe") }

    /// Runs `scanner-probe ARGUMENTS` under the harness with `scenario` (JSON steps; see harness.py).
    static func run(_ scenario: String, probeArguments: [String] = []) throws -> HarnessRun {
        let directory = try TemporaryDirectory(prefix: "usb-scenario")
        let path = directory.file("scenario.json")
        try scenario.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runCommand(
            "/usr/bin/timeout", ["120", wrapper, python, "\(folder)/harness.py", path, "--", probe] + probeArguments)
        return HarnessRun(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}

/// What a harness run printed: the probe's JSON lines and the harness's ioctl reports.
struct HarnessRun: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var lines: [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func events(_ name: String) -> [[String: Any]] { lines.filter { $0["event"] as? String == name } }

    var eventNames: [String] { lines.compactMap { $0["event"] as? String } }

    func ioctls(port: String) -> [String: Any]? { lines.last { $0["harness"] as? String == "ioctls" && $0["port"] as? String == port } }

    var description: String { "status \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

extension Dictionary where Key == String, Value == Any {
    var text: String? { self["text"] as? String }
    var scannerKey: String? { (self["scanner"] as? [String: Any])?["key"] as? String }
    var scannerField: [String: Any] { self["scanner"] as? [String: Any] ?? [:] }
}

/// `scanner-probe` run directly (serial tests), its stdout read line by line as it comes.
final class ProbeProcess: @unchecked Sendable {
    let process = Process()
    private let lines = Mutex<[String]>([])
    private let output = Pipe()
    private let done = DispatchSemaphore(value: 0)

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: USBFixtures.probe)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let fd = output.fileHandleForReading.fileDescriptor
        Thread { [self] in
            // Plain read(2): FileHandle.availableData traps on EINTR.
            var pending = Data()
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(fd, &chunk, chunk.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: chunk[0..<count])
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    lines.withLock { $0.append(line) }
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            done.signal()
        }.start()
    }

    var events: [[String: Any]] {
        lines.withLock { $0 }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    var transcript: String { lines.withLock { $0.joined(separator: "\n") } }

    /// Waits until an event passes `match`; returns it, or nil after `timeout` seconds.
    func wait(timeout: TimeInterval = 10, for match: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = events.first(where: match) { return found }
            usleep(10_000)
        }
        return nil
    }

    /// SIGTERM, then the exit status once stdout is drained.
    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        _ = done.wait(timeout: .now() + 5)
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
