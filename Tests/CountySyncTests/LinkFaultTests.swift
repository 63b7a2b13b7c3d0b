import CountySync
import Foundation
import LedgerSync
import Logging
import ParcelDomain
import StationTestSupport
import Testing

/// The county link as it fails in the field: a county restarted, a network that swallows packets, a failover to
/// a replica. Each must end in a caught-up station with no restart of the station. Each test has a PostgreSQL
/// of its own when it stops one (the other suites share the main one).
@Suite(.serialized) struct LinkFaultTests {
    static let start: Int64 = 1_793_462_400_000
    let logger = Logger(label: "county-test") { _ in SwiftLogNoOpLogHandler() }

    static func zto(_ n: Int) -> String { "75" + String(format: "%012d", n) }

    func syncer(_ station: TestStation, _ link: CountyLink, retryMin: Duration = .milliseconds(200)) -> CountySyncer {
        CountySyncer(
            link: link, stationID: station.id, source: LedgerOutboxSource(store: station.store),
            pacing: SyncPacing(pollInterval: .milliseconds(200), retryMin: retryMin, retryMax: max(retryMin, .milliseconds(500))),
            logger: logger, now: { Int64(Date().timeIntervalSince1970 * 1000) })
    }

    /// Waits (at most `seconds`) until `done` holds for the syncer's status; returns the last status seen.
    @discardableResult
    func waitFor(_ syncer: CountySyncer, seconds: Double = 30, _ done: (SyncStatus) -> Bool) async throws -> SyncStatus {
        let deadline = Date().addingTimeInterval(seconds)
        var status = await syncer.freshStatus()
        while !done(status), Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
            status = await syncer.freshStatus()
        }
        return status
    }

    func caughtUp(_ station: TestStation) async throws -> (SyncStatus) -> Bool {
        let head = try await station.outboxHead()
        return { $0.acknowledged == head && $0.state == .idle }
    }

    /// What the county holds for the station: rows, distinct seqs, lowest and highest seq.
    func held(_ owner: CountyLink, _ station: TestStation) async throws -> [String] {
        try await CountyTestServer.rows(
            owner, "SELECT count(*), count(DISTINCT seq), min(seq), max(seq) FROM county.station_event WHERE station_id = '\(station.id)'")[
                0]
    }

    @Test func aCountyRestartWhileTheStationIsIdleIsCaughtUpWithoutARestart() async throws {
        let county = try OwnCountyServer()
        let owner = try await CountyTestServer.freshDatabase("restart", on: county.server)
        let station = try await TestStation(id: "cun-51", name: "五十一村", start: Self.start)
        for n in 0..<5 { try await station.intake(Self.zto(n)) }
        let link = try await CountyTestServer.registerStation(owner, id: station.id, name: station.id)
        let syncer = syncer(station, link)
        let task = Task { await syncer.run() }
        defer { task.cancel() }
        #expect(try await waitFor(syncer, try await caughtUp(station)).state == .idle)

        // What an administrator's restart does: backends told to end, the server down a moment, back on the same
        // data and port. The station was idle all along; new parcels arrive meanwhile.
        try county.stop(mode: "fast")
        for n in 5..<10 { try await station.intake(Self.zto(n)) }
        try county.start()
        // A health check in flight as the server went down can go unanswered on a loaded machine (a CI run saw
        // it): the link's deadline ends it and the next session catches up, so the wait covers one deadline.
        let status = try await waitFor(syncer, seconds: 30 + Double(link.deadline / .seconds(1)), try await caughtUp(station))
        let head = try await station.outboxHead()
        #expect(status.acknowledged == head, "\(status)")
        #expect(status.state == .idle)
        #expect(try await held(owner, station) == [String(head), String(head), "1", String(head)])
    }

    @Test func aBlackHoledNetworkShowsAsWaitingWithinTheDeadlineAndCatchesUp() async throws {
        let owner = try await CountyTestServer.freshDatabase("blackhole")
        let station = try await TestStation(id: "cun-52", name: "五十二村", start: Self.start)
        for n in 0..<5 { try await station.intake(Self.zto(n)) }
        let direct = try await CountyTestServer.registerStation(owner, id: station.id, name: station.id)
        let proxy = try LinkProxy(targetPort: direct.port)
        var link = proxy.link(direct)
        link.timeoutSeconds = 1  // a deadline of 3 s
        // The first failure's status lasts its backoff: 2 s (±20 %), which a poll sees even on a loaded machine (a
        // CI run's polls missed a 0.2 s backoff and saw only the retry's failure).
        let syncer = syncer(station, link, retryMin: .seconds(2))
        let task = Task { await syncer.run() }
        defer { task.cancel() }
        _ = try await waitFor(syncer, try await caughtUp(station))

        // Packets vanish; the connection stays open. The health check's reply never comes: the status says what
        // it waits on, until when, and then that the link is lost.
        proxy.send("blackhole")
        let lostAt = Date()
        for n in 5..<10 { try await station.intake(Self.zto(n)) }
        let stuck = try await waitFor(syncer, seconds: 10) { $0.waitingOn == .query || $0.waitingOn == .connecting }
        #expect(stuck.waitingSince != nil)
        #expect(stuck.waitingUntil.map { $0 - stuck.waitingSince! } == 3000)
        let waiting = try await waitFor(syncer, seconds: 15) { $0.state == .waiting && $0.lastError != nil }
        #expect(waiting.state == .waiting)
        #expect(waiting.lastError == .timedOut, "\(waiting)")
        // Noticed within a poll, a deadline and a little slack for a loaded machine.
        #expect(Date().timeIntervalSince(lostAt) < 0.2 + 3 + 5)
        #expect(waiting.pending == 10)

        proxy.send("forward")
        let status = try await waitFor(syncer, try await caughtUp(station))
        let head = try await station.outboxHead()
        #expect(status.acknowledged == head, "\(status)")
        #expect(try await held(owner, station) == [String(head), String(head), "1", String(head)])
    }

    @Test func aFailoverToAReplicaThatMissedTheLastBatchesCatchesUpWithoutDuplicatesOrGaps() async throws {
        let primary = try OwnCountyServer()
        let owner = try await CountyTestServer.freshDatabase("failover", on: primary.server)
        let station = try await TestStation(id: "cun-53", name: "五十三村", start: Self.start)
        for n in 0..<5 { try await station.intake(Self.zto(n)) }
        let direct = try await CountyTestServer.registerStation(owner, id: station.id, name: station.id)
        let proxy = try LinkProxy(targetPort: direct.port)
        let syncer = syncer(station, proxy.link(direct))
        let task = Task { await syncer.run() }
        defer { task.cancel() }
        _ = try await waitFor(syncer, try await caughtUp(station))

        // A streaming replica follows the county, then falls behind (stopped) while the station uploads more:
        // the county confirms records the replica never gets.
        let replica = try OwnCountyServer(replicaOf: primary)
        for n in 5..<10 { try await station.intake(Self.zto(n)) }
        _ = try await waitFor(syncer, try await caughtUp(station))
        var onReplica = owner
        onReplica.port = replica.server.port
        let replicated = try await station.outboxHead()
        let deadline = Date().addingTimeInterval(30)
        while try await held(onReplica, station)[3] != String(replicated), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        try replica.stop()
        for n in 10..<15 { try await station.intake(Self.zto(n)) }
        _ = try await waitFor(syncer, try await caughtUp(station))
        #expect(try await held(owner, station)[3] == String(try await station.outboxHead()))

        // The primary dies; the replica is promoted and the county's address now leads to it.
        try primary.stop(mode: "immediate")
        try replica.start()
        try replica.promote()
        let confirmed = syncer.status.acknowledged
        #expect(try await held(onReplica, station)[3] == String(replicated))
        #expect(replicated < confirmed)
        proxy.send("target \(replica.server.port)")
        for n in 15..<20 { try await station.intake(Self.zto(n)) }
        let status = try await waitFor(syncer, seconds: 60, try await caughtUp(station))
        let head = try await station.outboxHead()
        #expect(status.acknowledged == head, "\(status)")
        // Everything once, from 1 to the head: the station resumed from what the new primary holds, not from what
        // the old one had confirmed (that would leave a gap the county refuses).
        #expect(try await held(onReplica, station) == [String(head), String(head), "1", String(head)])
        #expect(status.lastError != .batchRefused)
    }
}
