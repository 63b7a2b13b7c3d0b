import CountySync
import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// Problem parcels (问题件) through a real daemon: a stocktake's missing list opened as lost in one step, each
/// resolved its own way, counted by the daily report, and counted by kind in the real county database.
@Suite(.serialized) struct ProblemParcelCountyTests {
    func waitForUpload(_ connection: StationConnection) async throws {
        let deadline = Date().addingTimeInterval(60)
        var status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        while (status.pending > 0 || status.state != "idle") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        }
        #expect(status.pending == 0, "\(status.lastError ?? "-")")
    }

    @Test func aStocktakesMissingListBecomesProblemsResolvedAtTheStationAndCountedByTheCounty() async throws {
        let owner = try await CountyTestServer.freshDatabase("problems")
        let station = try await CountyTestServer.registerStation(owner, id: "cun-17", name: "十七村服务站")
        let folder = try TemporaryDirectory(prefix: "county-problems")
        let passwordFile = folder.file("county-password")
        try (station.password ?? "").write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let config = """
            {"station": {"id": "cun-17", "name": "十七村服务站"},
             "shelves": [{"id": 1, "layers": 2, "layerCapacity": 50}],
             "county": {"host": "127.0.0.1", "port": \(station.port), "database": "\(station.database)", "user": "\(station.user)",
                        "passwordFile": "\(passwordFile)", "pollSeconds": 1, "retryMaxSeconds": 1, "timeoutSeconds": 5}}
            """
        let daemon = try DaemonProcess(config: config)
        defer { _ = daemon.terminate() }
        let client = try daemon.connect()
        let trackings = (1...5).map { "SF12345678901\($0)0" }
        for tracking in trackings { _ = try client.intake(tracking) }
        let picked = "YT1234567890123"
        let pickedCode = try #require(try client.intake(picked).parcel.pickupCode)
        _ = try client.call(Method.confirmPickup.rawValue, ConfirmParams(trackings: [picked], code: pickedCode), as: ConfirmResult.self)

        // A stocktake of shelf 1 finds three of the five.
        let stocktake = try client.call(Method.startStocktake.rawValue, StocktakeStartParams(shelf: 1), as: StocktakeDTO.self)
        for tracking in trackings.prefix(3) {
            _ = try client.call(
                Method.scanStocktake.rawValue, StocktakeScanParams(stocktake: stocktake.id, text: tracking), as: StocktakeScanResult.self)
        }
        let report = try client.call(
            Method.closeStocktake.rawValue, StocktakeRefParams(stocktake: stocktake.id), as: StocktakeReportDTO.self)
        #expect(Set(report.missing.map(\.tracking)) == Set(trackings.suffix(2)))

        // One step: the missing list becomes lost problems; a second time opens nothing more.
        let opened = try client.call(
            Method.openMissingProblems.rawValue, ProblemsFromStocktakeParams(stocktake: stocktake.id, staff: "王芳"), as: ProblemsResult.self)
        #expect(Set(opened.problems.map(\.tracking)) == Set(trackings.suffix(2)))
        #expect(opened.problems.allSatisfy { $0.kind == "lost" && $0.source == "stocktake \(stocktake.id)" && $0.openedBy.contains("王芳") })
        #expect(
            try client.call(
                Method.openMissingProblems.rawValue, ProblemsFromStocktakeParams(stocktake: stocktake.id), as: ProblemsResult.self
            )
            .problems.isEmpty)
        // Out of the pickup backlog while open: a recipient cannot be handed what the station cannot find.
        let missing = try client.call(Method.get.rawValue, GetParams(tracking: trackings[4]), as: GetResult.self)
        #expect(missing.parcel.state == "exception")
        #expect(missing.events.last?.details["problemKind"] == "lost")
        #expect(try client.call(Method.backlog.rawValue, BacklogParams(), as: BacklogResult.self).total == 3)

        // A damaged parcel with a photo reference, a second problem on it refused, a picked-up parcel collected by the
        // wrong person: noted, its stay stays ended.
        let damaged = try client.call(
            Method.openProblem.rawValue, ProblemOpenParams(tracking: trackings[0], kind: "damaged", note: "外箱破损", photo: "IMG_0042.jpg"),
            as: ProblemResult.self)
        #expect(damaged.parcel.state == "exception")
        #expect(damaged.problem.photo == "IMG_0042.jpg")
        let second = try client.callRaw(Method.openProblem.rawValue, ProblemOpenParams(tracking: trackings[0], kind: "lost"))
        #expect(StationConnection.errorCode(of: second) == "problem.alreadyOpen")
        let badPhoto = try client.callRaw(
            Method.openProblem.rawValue, ProblemOpenParams(tracking: trackings[1], kind: "damaged", photo: "../../etc/passwd"))
        #expect(StationConnection.errorCode(of: badPhoto) == "request.invalidParams")
        let wrong = try client.call(
            Method.openProblem.rawValue, ProblemOpenParams(tracking: picked, kind: "wrongCollected", note: "邻居拿错"), as: ProblemResult.self)
        #expect(wrong.parcel.state == "pickedUp")

        // Resolved each its own way: found goes back on its shelf with its code, written off ends the stay, returned
        // waits for the courier.
        let lostIDs = Dictionary(uniqueKeysWithValues: opened.problems.map { ($0.tracking, $0.id) })
        let found = try client.call(
            Method.resolveProblem.rawValue, ProblemResolveParams(id: try #require(lostIDs[trackings[3]]), resolution: "found"),
            as: ProblemResult.self)
        #expect(found.parcel.state == "shelved")
        #expect(found.parcel.pickupCode != nil)
        let writtenOff = try client.call(
            Method.resolveProblem.rawValue,
            ProblemResolveParams(id: try #require(lostIDs[trackings[4]]), resolution: "compensated", note: "赔付 20 元", staff: "站长"),
            as: ProblemResult.self)
        #expect(writtenOff.parcel.state == "writtenOff")
        #expect(writtenOff.problem.resolvedBy?.contains("站长") == true)
        let returned = try client.call(
            Method.resolveProblem.rawValue, ProblemResolveParams(id: damaged.problem.id, resolution: "returnedToCourier"),
            as: ProblemResult.self)
        #expect(returned.parcel.state == "returnRequested")
        let again = try client.callRaw(Method.resolveProblem.rawValue, ProblemResolveParams(id: damaged.problem.id, resolution: "found"))
        #expect(StationConnection.errorCode(of: again) == "problem.resolved")
        #expect(
            try client.call(Method.problems.rawValue, ProblemListParams(open: true), as: ProblemsResult.self).problems.map(\.kind) == [
                "wrongCollected"
            ])
        // The written-off parcel's tracking number is free again: it can come back as a new stay.
        #expect(try client.intake(trackings[4]).repeat == false)

        // The daily report counts them by kind.
        let daily = try client.call(Method.dailyReport.rawValue, DailyReportParams(), as: StationReportResult.self)
        let problems = try #require(daily.problems)
        #expect(problems.opened == ["lost": 2, "damaged": 1, "wrongCollected": 1])
        #expect(problems.open == ["wrongCollected": 1])
        #expect(problems.resolved == ["found": 1, "compensated": 1, "returnedToCourier": 1])
        let cli = try daemon.parcelctl(["problem", "list"])
        #expect(cli.status == 0)
        #expect(cli.stdout.contains("错拿/冒领") && cli.stdout.contains("IMG") == false)
        #expect(cli.stdout.contains("✓ compensated"))
        #expect(try daemon.parcelctl(["audit", "verify"]).status == 0)

        // Problem changes are durable events: a tool that connects now replays them, with no note in them.
        let watcher = try daemon.connect(client: "watcher")
        _ = try watcher.call(Method.subscribe.rawValue, SubscribeParams(since: 0), as: SubscribeResult.self)
        var seen: [String] = []
        while seen.count < 7 {
            let line = String(decoding: try watcher.nextEvent(), as: UTF8.self)
            for name in ["problem.opened", "problem.resolved"] where line.contains("\"event\":\"\(name)\"") {
                seen.append(name)
                #expect(!line.contains("外箱破损") && !line.contains("IMG_0042"))
            }
        }
        #expect(seen.filter { $0 == "problem.opened" }.count == 4)

        // The county: problems by kind, and the written-off stay ended rather than waiting on a shelf.
        try await waitForUpload(client)
        let county = try await CountyTestServer.rows(
            owner, "SELECT kind, count(*) FILTER (WHERE resolution IS NULL), count(*) FROM county.problem GROUP BY kind ORDER BY kind")
        #expect(county == [["damaged", "0", "1"], ["lost", "0", "2"], ["wrongCollected", "1", "1"]])
        let stays = try await CountyTestServer.rows(
            owner, "SELECT state, released_at IS NOT NULL FROM county.parcel WHERE tracking = '\(trackings[4])' ORDER BY parcel_ref")
        #expect(stays == [["writtenOff", "true"], ["shelved", "false"]])
        let byKind = try await owner.withConnection(logger: CountyTestServer.logger) { connection in
            try await CountyReports(
                connection: connection, logger: CountyTestServer.logger, timeZone: TimeZone(identifier: "Asia/Shanghai")!
            )
            .problems(
                period: try CountyPeriod.days(from: "2000-01-01", to: "2100-01-01", zone: TimeZone(identifier: "Asia/Shanghai")!), now: 0)
        }
        #expect(
            byKind.rows.map { "\($0.station.id) \($0.kind) \($0.open)/\($0.opened)/\($0.resolved)" } == [
                "cun-17 damaged 0/1/1", "cun-17 lost 0/2/2", "cun-17 wrongCollected 1/1/0",
            ])
    }
}

extension StationConnection {
    fileprivate func intake(_ tracking: String) throws -> ParcelResult {
        try call(Method.intake.rawValue, IntakeParams(tracking: tracking), as: ParcelResult.self)
    }

    fileprivate static func errorCode(of reply: [UInt8]) -> String? {
        (try? JSONDecoder().decode(AnyServerMessage.self, from: Data(reply)))?.error?.code.rawValue
    }
}
