import Foundation
import LedgerSync
import Logging
import ParcelDomain
import StationClient
import StationProtocol
import StationTestSupport
import Synchronization
import Testing

@testable import CountySync

/// A failed upload is shown to clients as one of a few classes; what PostgreSQL said (which names roles, tables and
/// server internals) reaches the daemon's log and nothing else.
@Suite(.serialized) struct SyncFailureTests {
    static let serverText = "password authentication failed for user"

    @Test func aRefusedLoginIsAClassInTheStatusAndPostgreSQLsTextIsOnlyLogged() async throws {
        let owner = try await CountyTestServer.freshDatabase("login")
        let station = try await TestStation(id: "cun-61", name: "六十一村", start: 1_793_462_400_000)
        try await station.intake("75" + String(format: "%012d", 6101))
        var link = try await CountyTestServer.registerStation(owner, id: station.id, name: "六十一村")
        link.password = "not-the-password"
        let log = CapturingLogHandler()
        let syncer = CountySyncer(
            link: link, stationID: station.id, source: LedgerOutboxSource(store: station.store),
            pacing: SyncPacing(retryMin: .milliseconds(100), retryMax: .milliseconds(300)), logger: log.logger())
        let task = Task { await syncer.run() }
        defer { task.cancel() }
        var status = await syncer.freshStatus()
        let deadline = Date().addingTimeInterval(30)
        while status.lastError == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            status = await syncer.freshStatus()
        }
        #expect(status.lastError == .loginRefused, "\(status)")
        #expect(!"\(status)".contains(Self.serverText))
        #expect(log.lines.contains { $0.contains(Self.serverText) && $0.contains("loginRefused") }, "\(log.lines)")
    }

    @Test func theDaemonShowsTheClassOnSyncStatusAndParcelctlAndLogsTheServersText() async throws {
        let owner = try await CountyTestServer.freshDatabase("loginwire")
        let station = try await CountyTestServer.registerStation(owner, id: "cun-62", name: "六十二村服务站")
        let config = """
            {"station": {"id": "cun-62", "name": "六十二村服务站"},
             "county": {"host": "127.0.0.1", "port": \(station.port), "database": "\(station.database)", "user": "\(station.user)",
                        "pollSeconds": 1, "retryMaxSeconds": 1, "timeoutSeconds": 5}}
            """
        let daemon = try DaemonProcess(config: config, environment: ["PARCEL_STATION_COUNTY_PASSWORD": "not-the-password"])
        defer { _ = daemon.terminate() }
        let connection = try daemon.connect()
        var status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        let deadline = Date().addingTimeInterval(30)
        while status.lastError == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        }
        #expect(status.lastError == SyncFailure.loginRefused.message)
        #expect(status.state == "waiting" || status.state == "uploading")
        let shown = try runCommand(BuiltProducts.parcelctl, ["sync", "--socket", daemon.socketPath])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains(SyncFailure.loginRefused.message))
        #expect(!shown.stdout.contains(Self.serverText))
        let json = try runCommand(BuiltProducts.parcelctl, ["sync", "--json", "--socket", daemon.socketPath])
        #expect(!json.stdout.contains(Self.serverText) && !json.stdout.contains("28P01"))
        #expect(daemon.log.contains(Self.serverText), "\(daemon.log.suffix(2000))")
    }

    /// PostgreSQL's SQLSTATE decides the class (its manual, Appendix A), never its message text.
    @Test(arguments: [
        ("28P01", SyncFailure.loginRefused), ("28000", .loginRefused), ("3D000", .loginRefused), ("25006", .readOnly), ("57P03", .readOnly),
        ("57P01", .linkLost), ("57014", .timedOut), ("53300", .busy), ("08006", .unreachable), ("23505", .batchRefused),
        ("42501", .batchRefused), ("P0001", .batchRefused), ("PS001", .batchRefused), ("XX000", .other),
    ])
    func theServersCodeDecidesTheClass(_ sqlState: String, _ failure: SyncFailure) {
        #expect(CountyError.failure(sqlState: sqlState) == failure)
    }

    @Test func thisSidesOwnFailuresKeepTheirClass() {
        #expect(CountyError.failure(CountyTimeout(what: "health check", seconds: 3)) == .timedOut)
        #expect(CountyError.failure(CountyError.linkLost) == .linkLost)
        #expect(CountyError.failure(CountyError("cannot read the county password file /x", failure: .passwordFile)) == .passwordFile)
        #expect(CountyError.failure(CountyError("a month is written yyyy-MM")) == .other)
        #expect(CountyError.failure(CancellationError()) == .other)
    }
}
