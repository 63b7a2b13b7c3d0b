public import Foundation
public import StationClient

/// Locates the binaries SwiftPM built next to the test bundle.
public enum BuiltProducts {
    /// The folder holding the built products (`.build/debug`), found from this test process's executable.
    public static var directory: String { URL(fileURLWithPath: path(of: "parcel-stationd")).deletingLastPathComponent().path }

    /// The built product `name`: in `$PARCEL_STATION_BIN_DIR` if set, else in the nearest folder above this
    /// process's executable that holds it.
    public static func path(of name: String) -> String {
        if let override = ProcessInfo.processInfo.environment["PARCEL_STATION_BIN_DIR"] { return "\(override)/\(name)" }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // The XCTest runner lives inside `<products>/parcel-stationPackageTests.xctest` on some layouts.
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) {
            url = url.deletingLastPathComponent()
        }
        return url.appendingPathComponent(name).path
    }

    public static var daemon: String { "\(directory)/parcel-stationd" }
    public static var parcelctl: String { "\(directory)/parcelctl" }
}

/// How a test starts `parcel-stationd`: state, socket and log in a temporary folder, the configuration written
/// there, and this process's environment without what systemd passes (a test daemon must not adopt the test
/// runner's sockets or notify its systemd). `DaemonProcess` runs it with Foundation's Process; a test that must
/// time the daemon's exit runs it with `Spawn` (CountySyncTests' SpawnedDaemon).
public struct DaemonLaunch: Sendable {
    public let directory: TemporaryDirectory
    public let stateDir: String
    public let socketPath: String
    public let logPath: String
    /// The daemon's arguments (without the executable).
    public let arguments: [String]
    public let environment: [String: String]

    public init(config: String? = nil, directory: TemporaryDirectory? = nil, environment: [String: String] = [:]) throws {
        let directory = try directory ?? TemporaryDirectory(prefix: "parcel-daemon")
        self.directory = directory
        stateDir = directory.file("state")
        socketPath = directory.file("s.sock")
        logPath = directory.file("daemon.log")
        var arguments = ["--state-dir", stateDir, "--socket", socketPath]
        if let config {
            let configPath = directory.file("config.json")
            try config.write(toFile: configPath, atomically: true, encoding: .utf8)
            arguments += ["--config", configPath]
        }
        self.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["LISTEN_FDS", "LISTEN_PID", "NOTIFY_SOCKET", "WATCHDOG_USEC", "STATE_DIRECTORY", "RUNTIME_DIRECTORY"] { env[key] = nil }
        env.merge(environment) { $1 }
        self.environment = env
    }

    /// A new client connection that has said hello.
    public func connect(client: String = "test") throws -> StationConnection {
        let connection = try StationConnection(socketPath: socketPath, timeout: 30)
        try connection.hello(client: client)
        return connection
    }

    /// The daemon's stderr so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// A real `parcel-stationd` process on a socket in a temporary folder.
public final class DaemonProcess: @unchecked Sendable {
    public let launch: DaemonLaunch
    public let process: Process
    public var directory: TemporaryDirectory { launch.directory }
    public var stateDir: String { launch.stateDir }
    public var socketPath: String { launch.socketPath }
    public var logPath: String { launch.logPath }

    /// Starts the daemon with an optional JSON configuration and waits until its socket accepts.
    public init(config: String? = nil, directory: TemporaryDirectory? = nil, environment: [String: String] = [:]) throws {
        launch = try DaemonLaunch(config: config, directory: directory, environment: environment)
        FileManager.default.createFile(atPath: launch.logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.daemon)
        process.arguments = launch.arguments
        process.environment = launch.environment
        process.standardError = FileHandle(forWritingAtPath: launch.logPath)
        process.standardOutput = FileHandle(forWritingAtPath: launch.logPath)
        try process.run()
        try waitUntilReady()
    }

    /// Restarts on the same state and socket (after a crash or a stop).
    public func restarted(config: String? = nil, environment: [String: String] = [:]) throws -> DaemonProcess {
        try DaemonProcess(config: config, directory: directory, environment: environment)
    }

    func waitUntilReady(timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !process.isRunning {
                throw DaemonError.exited(status: process.terminationStatus, log: log)
            }
            if let connection = try? StationConnection(socketPath: socketPath, timeout: 5) {
                _ = connection
                return
            }
            usleep(20_000)
        }
        throw DaemonError.notReady(log: log)
    }

    /// A new client connection that has said hello.
    public func connect(client: String = "test") throws -> StationConnection { try launch.connect(client: client) }

    /// Runs `parcelctl` on this daemon's socket (`--socket` after `arguments`) and returns its exit status and output.
    public func parcelctl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(BuiltProducts.parcelctl, arguments + ["--socket", socketPath])
    }

    /// The daemon's stderr so far.
    public var log: String { launch.log }

    public var pid: Int32 { process.processIdentifier }

    /// SIGTERM, then waits; returns the exit status.
    @discardableResult
    public func terminate() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL: no chance to clean up, as in a power cut for the process.
    public func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

public enum DaemonError: Error, CustomStringConvertible {
    case exited(status: Int32, log: String)
    case notReady(log: String)

    public var description: String {
        switch self {
        case .exited(let status, let log): "daemon exited with status \(status):\n\(log)"
        case .notReady(let log): "daemon did not open its socket:\n\(log)"
        }
    }
}

/// Runs a command and returns its exit status and output.
///
/// The output goes to files, not pipes: tests run in parallel, and a long-lived child another test spawns at the
/// same moment (a daemon, the county server's watcher) can inherit a pipe's write end, so its EOF would never
/// come and the test would wait forever (seen: a full run hung for 20 minutes on a `parcelctl` long gone).
public func runCommand(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil) throws -> (
    status: Int32, stdout: String, stderr: String
) {
    let directory = try TemporaryDirectory(prefix: "command")
    if let input {
        try input.write(toFile: directory.file("stdin"), atomically: true, encoding: .utf8)
    }
    let outPath = directory.file("stdout")
    let errPath = directory.file("stderr")
    FileManager.default.createFile(atPath: outPath, contents: nil)
    FileManager.default.createFile(atPath: errPath, contents: nil)
    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardOutput = out
    process.standardError = err
    if input != nil { process.standardInput = FileHandle(forReadingAtPath: directory.file("stdin")) }
    try process.run()
    process.waitUntilExit()
    try out.close()
    try err.close()
    let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    return (process.terminationStatus, stdout, stderr)
}
