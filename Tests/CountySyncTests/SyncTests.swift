import CountySync
import Foundation
import LedgerSync
import Logging
import ParcelDomain
import ParcelStore
import PostgresNIO
import StationEngine
import StationTestSupport
import Testing

/// Upload of station outboxes to a real PostgreSQL. Serialized: the county's group roles are cluster-wide.
@Suite(.serialized) struct SyncTests {
    static let start: Int64 = 1_793_462_400_000  // 2026-11-01 00:00 in Asia/Shanghai
    let logger = Logger(label: "county-test") { _ in SwiftLogNoOpLogHandler() }

    static func zto(_ n: Int) -> String { "75" + String(format: "%012d", n) }

    func count(_ owner: CountyLink, _ sql: String) async throws -> Int {
        Int(try await CountyTestServer.rows(owner, sql)[0][0]) ?? -1
    }

    @Test func migrationsAreVersionedAndRunTwiceHarmlessly() async throws {
        let owner = try await CountyTestServer.freshDatabase()
        let again = try await owner.withConnection(logger: logger) { try await CountyAdmin.migrate($0, logger: logger) }
        #expect(again.isEmpty)
        let version = try await owner.withConnection(logger: logger) { try await CountyAdmin.schemaVersion($0, logger: logger) }
        #expect(version == CountySchema.migrations.last?.version)
        #expect(
            try await CountyTestServer.rows(owner, "SELECT version, name FROM county.schema_migration ORDER BY version").count
                == CountySchema.migrations.count)
    }

    @Test func threeStationsUploadTheirLedgersInOrder() async throws {
        let owner = try await CountyTestServer.freshDatabase()
        var stations: [TestStation] = []
        for (index, id) in ["cun-01", "cun-02", "xiang-05"].enumerated() {
            let station = try await TestStation(id: id, name: "站\(index)", start: Self.start)
            for n in 0..<(20 + 10 * index) {
                let parcel = try await station.intake(Self.zto(index * 1000 + n))
                if n % 3 == 0 { try await station.pickUp(parcel) }
                station.clock.advance(hours: 1)
            }
            stations.append(station)
        }
        for station in stations {
            let link = try await CountyTestServer.registerStation(owner, id: station.id, name: station.id)
            let status = try await station.syncUntilCaughtUp(link)
            #expect(status.pending == 0)
            #expect(status.uploaded == status.head)
        }
        for station in stations {
            let head = try await station.outboxHead()
            let counted = try await CountyTestServer.rows(
                owner, "SELECT count(*), max(seq), min(seq) FROM county.station_event WHERE station_id = '\(station.id)'")[0]
            #expect(counted == [String(head), String(head), "1"])
            let local = try await station.store.read { reader in
                (try reader.counts().byState[.shelved] ?? 0, try reader.counts().byState[.pickedUp] ?? 0)
            }
            let county = try await CountyTestServer.rows(
                owner,
                "SELECT count(*) FILTER (WHERE state = 'shelved'), count(*) FILTER (WHERE state = 'pickedUp') FROM county.parcel WHERE station_id = '\(station.id)'"
            )[0]
            #expect(county == [String(local.0), String(local.1)])
        }
        // Payloads carry no phone numbers and no tails (as a JSON value: a uid in hex may hold "5678" by chance).
        #expect(
            try await count(owner, #"SELECT count(*) FROM county.station_event WHERE payload::text ~ '"5678"' OR payload ? 'phoneTail'"#)
                == 0)
    }

    @Test func undoneIntakesEndTheirStayAndUndonePickupsKeepTheirWaitAtTheCounty() async throws {
        let owner = try await CountyTestServer.freshDatabase()
        let station = try await TestStation(id: "cun-09", name: "九村", start: Self.start)
        let kept = try await station.intake(Self.zto(1))
        let mistaken = try await station.intake(Self.zto(2))
        let link = try await CountyTestServer.registerStation(owner, id: station.id, name: station.id)
        _ = try await station.syncUntilCaughtUp(link)
        // Each undo reaches the county in a later batch than the step it undoes.
        station.clock.set(Self.start + 60_000)
        _ = try await station.engine.undo(.intake, scan: mistaken.tracking, reason: nil, by: station.staff)
        station.clock.advance(hours: 30)
        try await station.pickUp(kept)
        _ = try await station.syncUntilCaughtUp(link)
        _ = try await station.engine.undo(.pickup, scan: kept.tracking, reason: nil, by: station.staff)
        _ = try await station.syncUntilCaughtUp(link)

        let rows = try await CountyTestServer.rows(
            owner,
            """
            SELECT tracking, state, released_at IS NOT NULL, (extract(epoch FROM shelved_at) * 1000)::bigint
            FROM county.parcel WHERE station_id = 'cun-09' ORDER BY tracking
            """)
        #expect(
            rows == [
                [kept.tracking, "shelved", "false", String(Self.start)],  // still waiting since the first shelving
                [mistaken.tracking, "voided", "true", String(Self.start)],
            ])
        // A voided stay was never a transaction: the county's volume counts one parcel received.
        let volume = try await CountyTestServer.rows(
            owner,
            CountySQL.volume.replacingOccurrences(of: "$1", with: "'2026-10-01'").replacingOccurrences(of: "$2", with: "'2026-12-01'"))
        #expect(volume.first { $0[0] == "cun-09" }?[1] == "1")
    }

    @Test func aRepeatedBatchInsertsNothingTwiceAndAGapIsRefused() async throws {
        let owner = try await CountyTestServer.freshDatabase()
        let station = try await TestStation(id: "cun-07", name: "七村", start: Self.start)
        for n in 0..<12 { try await station.intake(Self.zto(n)) }
        let link = try await CountyTestServer.registerStation(owner, id: station.id, name: station.id)
        let records = try await LedgerOutboxSource(store: station.store).records(after: 0, limit: 100)
        try await link.withConnection(logger: logger) { connection in
            try await CountyUploader.upload(connection, stationID: "cun-07", records: Array(records[0..<8]), logger: logger)
            // The reply was "lost": the same batch again, and then one overlapping it.
            try await CountyUploader.upload(connection, stationID: "cun-07", records: Array(records[0..<8]), logger: logger)
            try await CountyUploader.upload(connection, stationID: "cun-07", records: Array(records[4..<10]), logger: logger)
        }
        #expect(try await count(owner, "SELECT count(*) FROM county.station_event") == 10)
        #expect(try await count(owner, "SELECT count(*) FROM county.parcel") == Set(records[0..<10].map(\.ref)).count)
        let error = await #expect(throws: PSQLError.self) {
            try await link.withConnection(logger: logger) { connection in
                try await CountyUploader.upload(connection, stationID: "cun-07", records: [records[11]], logger: logger)
            }
        }
        #expect(error.map(CountyError.reason)?.contains("without gaps") == true)
        #expect(error.map(CountyError.failure) == .batchRefused)
        #expect(try await count(owner, "SELECT max(seq) FROM county.station_event") == 10)
    }

    @Test func aStationCanWriteAndReadOnlyItsOwnRows() async throws {
        let owner = try await CountyTestServer.freshDatabase()
        let one = try await TestStation(id: "cun-11", name: "十一村", start: Self.start)
        let two = try await TestStation(id: "cun-12", name: "十二村", start: Self.start)
        try await one.intake(Self.zto(1))
        try await two.intake(Self.zto(2))
        let linkOne = try await CountyTestServer.registerStation(owner, id: "cun-11", name: "十一村")
        let linkTwo = try await CountyTestServer.registerStation(owner, id: "cun-12", name: "十二村")
        _ = try await two.syncUntilCaughtUp(linkTwo)
        let records = try await LedgerOutboxSource(store: one.store).records(after: 0, limit: 100)
        // Station one writing as station two: refused by row-level security.
        let refused = await #expect(throws: PSQLError.self) {
            try await linkOne.withConnection(logger: logger) { connection in
                try await CountyUploader.upload(connection, stationID: "cun-12", records: records, logger: logger)
            }
        }
        #expect(refused.map(CountyError.reason)?.contains("row-level security") == true)
        #expect(refused.map(CountyError.failure) == .batchRefused)
        // It sees none of station two's rows, and no projection at all.
        let seen = try await linkOne.withConnection(logger: logger) { connection in
            try await CountyUploader.acknowledged(connection, stationID: "cun-12", logger: logger)
        }
        #expect(seen == 0)
        await #expect(throws: PSQLError.self) {
            try await linkOne.withConnection(logger: logger) { connection in
                try await connection.query("SELECT count(*) FROM county.parcel", logger: logger)
            }
        }
        // Nor can it rewrite its own history.
        _ = try await one.syncUntilCaughtUp(linkOne)
        await #expect(throws: PSQLError.self) {
            try await linkOne.withConnection(logger: logger) { connection in
                try await connection.query("UPDATE county.station_event SET payload = '{}' WHERE station_id = 'cun-11'", logger: logger)
            }
        }
        #expect(
            try await count(owner, "SELECT count(*) FROM county.station_event WHERE station_id = 'cun-12'")
                == Int(try await two.outboxHead()))
    }

    @Test func aLinkCutInTheMiddleOfABatchLeavesNoGapAndNoDuplicate() async throws {
        let owner = try await CountyTestServer.freshDatabase()
        let station = try await TestStation(id: "cun-21", name: "二十一村", start: Self.start)
        for n in 0..<1500 {
            let parcel = try await station.intake(Self.zto(n))
            if n % 2 == 0 { try await station.pickUp(parcel) }
        }
        let direct = try await CountyTestServer.registerStation(owner, id: station.id, name: station.id)
        let proxy = try LinkProxy(targetPort: direct.port)
        // Cut after 150 kB: well inside the first 1000-record batch.
        proxy.send("cut-after 150000")
        let status = try await station.syncUntilCaughtUp(proxy.link(direct), batchSize: 1000)
        #expect(proxy.send("cuts") == "1")
        #expect(status.lastError != nil)
        let head = try await station.outboxHead()
        let counted = try await CountyTestServer.rows(
            owner, "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM county.station_event")[0]
        #expect(counted == [String(head), String(head), "1", String(head)])
        #expect(try await count(owner, "SELECT count(*) FROM county.parcel") == 1500)
        #expect(try await count(owner, "SELECT count(*) FROM county.parcel WHERE state = 'pickedUp'") == 750)
    }

    @Test func aStationOfflineForAWeekCatchesUp() async throws {
        let owner = try await CountyTestServer.freshDatabase()
        let station = try await TestStation(id: "cun-31", name: "三十一村", start: Self.start)
        let direct = try await CountyTestServer.registerStation(owner, id: station.id, name: station.id)
        let proxy = try LinkProxy(targetPort: direct.port)
        _ = try await station.syncUntilCaughtUp(proxy.link(direct))
        proxy.send("down")
        let syncer = CountySyncer(
            link: proxy.link(direct), stationID: station.id, source: LedgerOutboxSource(store: station.store),
            pacing: SyncPacing(pollInterval: .milliseconds(50), retryMin: .milliseconds(100), retryMax: .milliseconds(300)),
            logger: logger, now: { [clock = station.clock] in clock.nowMillis() })
        let task = Task { await syncer.run() }
        defer { task.cancel() }
        // A week of work: 7 days × 60 parcels taken in, a third picked up the next day.
        var n = 0
        for _ in 0..<7 {
            var today: [ParcelRecord] = []
            for _ in 0..<60 {
                today.append(try await station.intake(Self.zto(50_000 + n)))
                n += 1
                station.clock.advance(hours: 0.15)
            }
            station.clock.advance(hours: 24 - 9)
            for parcel in today where parcel.id % 3 == 0 { try await station.pickUp(parcel) }
        }
        // Meanwhile the syncer kept failing and says so. It retries every 100-300 ms, so a single look could
        // land in an attempt (`uploading`); on a loaded machine that attempt can take a while.
        var offline = await syncer.freshStatus()
        let offlineDeadline = Date().addingTimeInterval(10)
        while offline.state != .waiting || offline.lastError == nil, Date() < offlineDeadline {
            try await Task.sleep(for: .milliseconds(20))
            offline = await syncer.freshStatus()
        }
        #expect(offline.state == .waiting)
        #expect(offline.lastError == .linkLost, "\(offline)")
        #expect(offline.pending == Int64(try await station.outboxHead()) - offline.acknowledged)
        #expect(offline.pending >= 420)
        #expect(try await count(owner, "SELECT count(*) FROM county.parcel") == 0)
        proxy.send("up")
        let head = try await station.outboxHead()
        let deadline = Date().addingTimeInterval(60)
        while syncer.status.acknowledged < head, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(syncer.status.acknowledged == head)
        #expect(try await count(owner, "SELECT count(*) FROM county.parcel") == 420)
        #expect(try await count(owner, "SELECT max(seq) FROM county.station_event") == Int(head))
    }
}
