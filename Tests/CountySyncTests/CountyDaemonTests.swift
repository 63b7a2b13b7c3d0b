import CountySync
import Foundation
import ParcelDomain
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// The real daemon uploading to the real county, and the county's staff reading it with parcelctl.
@Suite(.serialized) struct CountyDaemonTests {
    @Test func theDaemonUploadsItsLedgerAndParcelctlReadsTheCounty() async throws {
        let owner = try await CountyTestServer.freshDatabase("daemon")
        let station = try await CountyTestServer.registerStation(owner, id: "cun-41", name: "四十一村服务站")
        let proxy = try LinkProxy(targetPort: station.port)
        let folder = try TemporaryDirectory(prefix: "county-daemon")
        let passwordFile = folder.file("county-password")
        proxy.send("down")
        let config = """
            {"station": {"id": "cun-41", "name": "四十一村服务站"},
             "county": {"host": "127.0.0.1", "port": \(proxy.port), "database": "\(station.database)", "user": "\(station.user)",
                        "passwordFile": "\(passwordFile)", "pollSeconds": 1, "retryMaxSeconds": 1, "timeoutSeconds": 5}}
            """
        let daemon = try DaemonProcess(config: config)
        defer { _ = daemon.terminate() }
        let connection = try daemon.connect()
        for n in 1...5 {
            let _: ParcelResult = try connection.call(
                Method.intake.rawValue, IntakeParams(tracking: "75" + String(format: "%012d", 4100 + n), phone: "13800138000"),
                as: ParcelResult.self)
        }
        // No password file yet: the daemon runs and scans all the same, and the status says what is missing.
        var status: SyncStatusResult = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        let deadline = Date().addingTimeInterval(30)
        while status.lastError == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        }
        // The class only: the file's path is in the daemon's log.
        #expect(status.lastError == SyncFailure.passwordFile.message)
        // The file arrives (no restart); the county is still unreachable: the status says so, and what waits.
        try (station.password ?? "").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        while status.lastError?.contains("password file") != false, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        }
        #expect(status.configured)
        #expect(status.target == "\(station.user)@127.0.0.1:\(proxy.port)/\(station.database)")
        // Each intake records its arrival and its shelving: two outbox records per parcel, none confirmed yet.
        #expect(status.pending == 10)
        #expect(status.head == 10)
        #expect(status.oldestPendingAt != nil)
        #expect(status.lastError == SyncFailure.linkLost.message, "\(status.lastError ?? "-")")
        #expect(status.state == "waiting" || status.state == "uploading")
        let text = try daemon.parcelctl(["sync"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("待上传 pending") && text.stdout.contains("10"))

        // The link comes back: everything arrives.
        proxy.send("up")
        while status.pending > 0 || status.state != "idle", Date() < deadline.addingTimeInterval(30) {
            try await Task.sleep(for: .milliseconds(100))
            status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        }
        #expect(status.pending == 0)
        #expect(status.acknowledged == 10)
        #expect(status.lastUploadAt != nil)

        // County staff: a reader role, and the report through parcelctl with the libpq variables.
        try await owner.withConnection(logger: CountyTestServer.logger) { connection in
            try await CountyAdmin.registerReader(
                connection, role: "staff_\(owner.database.split(separator: "_").last ?? "")", password: "staff-pw",
                logger: CountyTestServer.logger)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = "127.0.0.1"
        environment["PGPORT"] = String(station.port)
        environment["PGDATABASE"] = owner.database
        environment["PGUSER"] = "staff_\(owner.database.split(separator: "_").last ?? "")"
        environment["PGPASSWORD"] = "staff-pw"
        let csvPath = folder.file("backlog.csv")
        let csv = try runCommand(
            BuiltProducts.parcelctl, ["county", "report", "backlog", "--csv", "-o", csvPath], environment: environment)
        #expect(csv.status == 0, "\(csv.stderr)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: csvPath)))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let body = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(body.contains("四十一村服务站"))
        #expect(!body.contains("13800138000") && !body.contains("8000"))
        let json = try runCommand(BuiltProducts.parcelctl, ["county", "report", "backlog", "--json"], environment: environment)
        let report = try JSONDecoder().decode(CountyBacklogReport.self, from: Data(json.stdout.utf8))
        #expect(report.total == 5)
        let stations = try runCommand(BuiltProducts.parcelctl, ["county", "stations"], environment: environment)
        #expect(stations.stdout.contains("cun-41"))

        // A reader cannot write, and a wrong password is a clear error, not a hang.
        environment["PGPASSWORD"] = "wrong"
        let refused = try runCommand(BuiltProducts.parcelctl, ["county", "report", "backlog"], environment: environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("password authentication failed"))
    }

    @Test func aDaemonWhoseCountyIsBlackHoledStopsPromptlyOnSIGTERM() async throws {
        let owner = try await CountyTestServer.freshDatabase("sigterm")
        let station = try await CountyTestServer.registerStation(owner, id: "cun-42", name: "四十二村服务站")
        let proxy = try LinkProxy(targetPort: station.port)
        // A long deadline: the stop must not wait for it.
        let config = """
            {"station": {"id": "cun-42", "name": "四十二村服务站"},
             "county": {"host": "127.0.0.1", "port": \(proxy.port), "database": "\(station.database)", "user": "\(station.user)",
                        "pollSeconds": 1, "retryMaxSeconds": 1, "timeoutSeconds": 60}}
            """
        let daemon = try SpawnedDaemon(config: config, environment: ["PARCEL_STATION_COUNTY_PASSWORD": station.password ?? ""])
        defer { daemon.kill9() }
        let connection = try daemon.connect()
        let _: ParcelResult = try connection.call(
            Method.intake.rawValue, IntakeParams(tracking: "75" + String(format: "%012d", 4201), phone: "13800138000"),
            as: ParcelResult.self)
        var status: SyncStatusResult = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        let deadline = Date().addingTimeInterval(30)
        while status.pending > 0 || status.state != "idle", Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        }
        #expect(status.state == "idle" && status.pending == 0)

        // The network swallows everything: the next health check (within a second) waits on a reply that never
        // comes, and says so.
        proxy.send("blackhole")
        try await Task.sleep(for: .milliseconds(2500))
        status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        #expect(status.waitingOn == "query", "\(status)")
        #expect(status.waitingSince != nil && status.waitingUntil != nil)
        let text = try runCommand(BuiltProducts.parcelctl, ["sync", "--socket", daemon.socketPath])
        #expect(text.stdout.contains("正在等待 waiting on") && text.stdout.contains("county reply"), "\(text.stdout)")

        // SIGTERM: the daemon stops within a bound far below systemd's TimeoutStopSec, however the link is stuck.
        let signalled = Date()
        kill(daemon.pid, SIGTERM)
        let exited = daemon.waitForExit(seconds: 20)
        let took = Date().timeIntervalSince(signalled)
        #expect(exited != nil, "still running \(took) s after SIGTERM")
        #expect(took < 10)
        #expect(exited == 0)
        #expect(daemon.log.contains("shutting down"))
        proxy.send("forward")
    }
}

/// A daemon started with posix_spawn and reaped with waitpid, for a test that must time its exit and must not
/// hang when it does not come (Foundation's Process was seen to miss a SIGKILLed child's exit, leaving
/// `waitUntilExit` waiting for ever).
final class SpawnedDaemon: @unchecked Sendable {
    let launch: DaemonLaunch
    let pid: pid_t
    private var reaped = false

    init(config: String, environment: [String: String]) throws {
        launch = try DaemonLaunch(config: config, directory: TemporaryDirectory(prefix: "county-spawned"), environment: environment)
        pid = try Spawn.start([BuiltProducts.daemon] + launch.arguments, log: launch.logPath, environment: launch.environment)
        let deadline = Date().addingTimeInterval(20)
        while (try? StationConnection(socketPath: launch.socketPath, timeout: 5)) == nil {
            guard Date() < deadline, waitForExit(seconds: 0) == nil else { throw CountyError("the daemon did not start:\n\(log)") }
            usleep(20_000)
        }
    }

    var socketPath: String { launch.socketPath }
    var log: String { launch.log }
    func connect() throws -> StationConnection { try launch.connect() }

    /// The exit status once the daemon has exited (nil if it still runs after `seconds`).
    func waitForExit(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = true
                return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            usleep(10_000)
        } while Date() < deadline
        return nil
    }

    func kill9() {
        guard !reaped else { return }
        kill(pid, SIGKILL)
        _ = waitForExit(seconds: 10)
    }
}
