import CountySync
import Foundation
import Logging
import ParcelDomain
import ParcelStore
import ReportRendering
import StationEngine
import StationTestSupport
import Testing

/// County reports on a fixed data set of three stations, uploaded for real, against figures worked out by hand
/// (each expectation says how).
@Suite(.serialized) struct CountyReportTests {
    /// 2026-11-01 00:00 in Asia/Shanghai.
    static let t0: Int64 = 1_793_462_400_000
    static func at(_ hours: Double) -> Int64 { t0 + Int64(hours * 3_600_000) }
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    static let logger = Logger(label: "county-report-test")
    static let driver = Party(id: "bus", name: "乡镇班车", company: nil, pin: "1357")

    /// The data set, as a timeline (hours after t0):
    /// - cun-01 (village): +10 takes in A1–A4 (ZTO); +12 A1 picked up; +20 takes in S1, S2 (SF); +30 S1 picked up;
    ///   +40 a complaint about A2; +50 sends a produce parcel (3 kg, 12.00 元), +51 an ordinary one;
    ///   +60 inbound handoff from xiang-05 listing T1, T2: only T1 arrives; closed +61 (T2 missing).
    /// - cun-02 (village): +1 opens a handoff and never closes it; +5 takes in B1–B3 (ZTO).
    /// - xiang-05 (township): +50 outbound transfer to cun-01 listing T1–T3, scans T1 and T2, closed +55 (T3
    ///   missing); +190 takes in X1 (SF).
    static func buildCounty() async throws -> (owner: CountyLink, stations: [TestStation]) {
        let owner = try await CountyTestServer.freshDatabase("report")
        let cun1 = try await TestStation(id: "cun-01", name: "李家村服务站", start: at(0), parties: [driver])
        let cun2 = try await TestStation(id: "cun-02", name: "王庄村服务站", start: at(0), parties: [driver])
        let xiang = try await TestStation(id: "xiang-05", name: "马集镇服务站", start: at(0), parties: [driver])
        let zto = { (n: Int) in "75" + String(format: "%012d", n) }
        let sf = { (n: Int) in "SF" + String(format: "%013d", n) }

        cun2.clock.set(at(1))
        _ = try await cun2.engine.openHandoff(
            .init(direction: .inbound, kind: .delivery, party: "bus", node: "xiang-05", nodeTier: .township), by: cun2.staff)
        cun2.clock.set(at(5))
        for n in 1...3 { try await cun2.intake(zto(200 + n)) }

        cun1.clock.set(at(10))
        var a: [ParcelRecord] = []
        for n in 1...4 { a.append(try await cun1.intake(zto(100 + n))) }
        cun1.clock.set(at(12))
        try await cun1.pickUp(a[0])
        cun1.clock.set(at(20))
        let s1 = try await cun1.intake(sf(1001))
        try await cun1.intake(sf(1002))
        cun1.clock.set(at(30))
        try await cun1.pickUp(s1)
        cun1.clock.set(at(40))
        _ = try await cun1.engine.recordComplaint(about: .parcel(a[1].tracking), text: "通知太晚", source: "电话", by: cun1.staff)
        cun1.clock.set(at(50))
        _ = try await cun1.engine.acceptOutgoing(
            .init(waybill: sf(2001), courier: "SF", destination: "杭州", weightGrams: 3000, feeFen: 1200, produce: true, senderTail: "4321"),
            by: cun1.staff)
        cun1.clock.set(at(51))
        _ = try await cun1.engine.acceptOutgoing(
            .init(waybill: sf(2002), courier: "SF", destination: "合肥", weightGrams: 500, feeFen: 800, senderTail: "4321"), by: cun1.staff)

        let t = (1...3).map { zto(300 + $0) }
        xiang.clock.set(at(50))
        let out = try await xiang.engine.openHandoff(
            .init(direction: .outbound, kind: .transfer, party: "bus", node: "cun-01", nodeTier: .village), by: xiang.staff)
        _ = try await xiang.engine.importManifest(
            handoff: out.uid, data: Data("tracking,courier\n\(t[0]),ZTO\n\(t[1]),ZTO\n\(t[2]),ZTO\n".utf8), format: .csv)
        _ = try await xiang.engine.scanIntoHandoff(out.uid, scan: t[0], by: xiang.staff)
        _ = try await xiang.engine.scanIntoHandoff(out.uid, scan: t[1], by: xiang.staff)
        xiang.clock.set(at(55))
        _ = try await xiang.engine.closeHandoff(out.uid, confirmation: .pin("1357"), by: xiang.staff)

        cun1.clock.set(at(60))
        let inbound = try await cun1.engine.openHandoff(
            .init(direction: .inbound, kind: .delivery, party: "bus", node: "xiang-05", nodeTier: .township), by: cun1.staff)
        _ = try await cun1.engine.importManifest(
            handoff: inbound.uid, data: Data("tracking,courier\n\(t[0]),ZTO\n\(t[1]),ZTO\n".utf8), format: .csv)
        _ = try await cun1.engine.scanIntoHandoff(inbound.uid, scan: t[0], by: cun1.staff)
        cun1.clock.set(at(61))
        _ = try await cun1.engine.closeHandoff(inbound.uid, confirmation: .pin("1357"), by: cun1.staff)

        xiang.clock.set(at(190))
        try await xiang.intake(sf(3001))

        let stations = [cun1, cun2, xiang]
        for (station, tier) in zip(stations, [CountyAdmin.Tier.village, .village, .township]) {
            let link = try await CountyTestServer.registerStation(
                owner, id: station.id, name: station.engine.settings.stationName, tier: tier)
            _ = try await station.syncUntilCaughtUp(link)
        }
        return (owner, stations)
    }

    func reports<T: Sendable>(_ owner: CountyLink, _ body: @Sendable (CountyReports) async throws -> T) async throws -> T {
        try await owner.withConnection(logger: Self.logger) { connection in
            try await body(CountyReports(connection: connection, logger: Self.logger, timeZone: Self.zone))
        }
    }

    @Test func countyReportsMatchTheFiguresWorkedOutByHand() async throws {
        let (owner, stations) = try await Self.buildCounty()
        let now = Self.at(200)

        // Backlog at +200 h, hold 168 h. cun-01: A2–A4 (ZTO, 190 h) and S2 (SF, 180 h) are over 7 days and overdue;
        // T1 (ZTO, shelved +60, 140 h) is 3–7 days. cun-02: B1–B3, 195 h. xiang-05: X1, 10 h.
        let backlog = try await reports(owner) { try await $0.backlog(now: now, holdHours: 168) }
        #expect(backlog.total == 9)
        #expect(backlog.overdue == 7)
        let byStation = Dictionary(uniqueKeysWithValues: backlog.stations.map { ($0.station.id, $0) })
        #expect(byStation["cun-01"]?.counts == [0, 0, 0, 1, 4])
        #expect(byStation["cun-01"]?.couriers.map(\.courier) == ["ZTO", "SF"])
        #expect(byStation["cun-01"]?.couriers.first?.counts == [0, 0, 0, 1, 3])
        #expect(byStation["cun-02"]?.counts == [0, 0, 0, 0, 3])
        #expect(byStation["xiang-05"]?.counts == [1, 0, 0, 0, 0])
        #expect(backlog.stations.map(\.station.id) == ["cun-01", "cun-02", "xiang-05"])  // most overdue first

        // Overdue: the 7 above, cun-01 holding 4 and cun-02 3; oldest first (B at +5 before A at +10).
        let overdue = try await reports(owner) { try await $0.overdue(now: now, holdHours: 168) }
        #expect(overdue.total == 7)
        #expect(overdue.stations.map(\.station.id) == ["cun-01", "cun-02"])
        #expect(overdue.stations.map(\.overdue) == [4, 3])
        #expect(overdue.parcels.first?.stationID == "cun-02")
        #expect(overdue.parcels.map(\.tracking).contains("SF0000000001002"))
        #expect(!overdue.truncated)

        // Handoffs, grace 24 h: cun-02's never-closed handoff, xiang-05's outbound (T3 missing) and cun-01's inbound
        // (T2 missing), by opening time. T2 was handed on by xiang-05 and never scanned in at cun-01; T1 was.
        let handoffs = try await reports(owner) { try await $0.handoffs(now: now, graceHours: 24) }
        #expect(handoffs.unreconciled.map(\.stationID) == ["cun-02", "xiang-05", "cun-01"])
        #expect(handoffs.unreconciled.map(\.openDiscrepancies) == [0, 1, 1])
        #expect(handoffs.sentNotReceived.map(\.tracking) == ["75000000000302"])
        #expect(handoffs.sentNotReceived.first?.from == "xiang-05")
        #expect(handoffs.sentNotReceived.first?.to == "cun-01")

        // Ranking for 2026-11 over Sep–Nov: transactions in Nov are cun-01 7 received + 2 sent = 9, cun-02 3,
        // xiang-05 1; everyone is tied last (0) in Sep and Oct, so xiang-05 is last three months running.
        let ranking = try await reports(owner) { try await $0.ranking(month: "2026-11", now: now) }
        #expect(ranking.months == ["2026-09", "2026-10", "2026-11"])
        #expect(ranking.stations.map(\.station.id) == ["cun-01", "cun-02", "xiang-05"])
        #expect(ranking.stations.map { $0.volumes.last?.transactions } == [9, 3, 1])
        #expect(ranking.stations.map { $0.ranks.last } == [1, 2, 3])
        #expect(ranking.stations.filter(\.bottomEveryMonth).map(\.station.id) == ["xiang-05"])

        // Half a year to 2026-11: everyone is under 100.
        let inactive = try await reports(owner) { try await $0.inactive(month: "2026-11", now: now) }
        #expect(inactive.stations.filter(\.below).count == 3)
        #expect(inactive.period.label == "2026-06 至 2026-11")

        // Produce: only cun-01 shipped produce (3 kg): 1 of 3 stations, 33.3 % ≥ 20 %.
        let period = try CountyPeriod.months(ending: "2026-11", zone: Self.zone)
        let produce = try await reports(owner) { try await $0.produce(period: period, now: now) }
        #expect(produce.shippingProduce == 1)
        #expect(produce.stationCount == 3)
        #expect(produce.stations.first?.volume.produceGrams == 3000)

        // Assessment for 1–8 November (end +192 h), hold 168 h:
        // cun-01: 1 handoff, closed, with an open discrepancy → ledger 0; on shelf 7 (A1–A4, S1, S2, T1), overdue 4
        //   (A2–A4 from +178 h, S2 from +188 h) → 10 × 3 ÷ 7 = 4.29; one complaint → 3.29.
        // cun-02: 1 handoff never closed → 0; 3 on shelf, all overdue from +173 h → 0; total 0.
        // xiang-05: 1 handoff closed with T3 missing (open) → 0; X1 on shelf, not overdue → 10; total 10.
        let days = try CountyPeriod.days(from: "2026-11-01", to: "2026-11-08", zone: Self.zone)
        #expect(days.to == Self.at(192))
        let assessment = try await reports(owner) { try await $0.assessment(period: days, holdHours: 168, now: now) }
        let scores = Dictionary(uniqueKeysWithValues: assessment.stations.map { ($0.station.id, $0.assessment) })
        #expect(
            scores["cun-01"]?.inputs
                == .init(
                    handoffs: 1, handoffsClosedWithReceipt: 1, handoffsWithOpenDiscrepancies: 1, parcelsShelved: 7, parcelsOnShelf: 7,
                    parcelsOverdue: 4, parcelsWaitingPastHold: 4, complaints: 1, holdHours: 168))
        #expect(scores["cun-01"]?.points == 3.29)
        #expect(scores["cun-02"]?.points == 0)
        #expect(scores["xiang-05"]?.points == 10)
        #expect(assessment.stations.map(\.station.id) == ["cun-02", "cun-01", "xiang-05"])

        // The county scores each station exactly as the station scores itself, day by day and for the month.
        for station in stations {
            station.clock.set(now)
            for day in ["2026-11-01", "2026-11-03", "2026-11-05", "2026-11-08"] {
                let own = try await station.engine.dailyReport(date: day).assessment
                let period = try CountyPeriod.days(from: day, to: day, zone: Self.zone)
                let county = try await reports(owner) { try await $0.assessment(period: period, holdHours: 168, now: now) }
                    .stations.first { $0.station.id == station.id }?.assessment
                #expect(county == own, "\(station.id) \(day)")
            }
            let own = try await station.engine.monthlyReport(month: "2026-11").assessment
            let county = try await reports(owner) { try await $0.assessment(period: period, holdHours: 168, now: now) }
                .stations.first { $0.station.id == station.id }?.assessment
            #expect(county == own, "\(station.id) 2026-11")
        }

        // Every report renders, and no phone digits reach the county at all.
        let documents = try await reports(owner) { reports in
            [
                reports.document(backlog), reports.document(overdue), reports.document(handoffs, stations: try await reports.stations()),
                reports.document(ranking), reports.document(inactive), reports.document(produce), reports.document(assessment),
            ]
        }
        for document in documents {
            let html = HTMLRenderer.render(document)
            #expect(html.contains("<table"))
            // As a number of its own: a uid or digest in hex may hold these digits by chance.
            #expect(html.range(of: "(?<![0-9A-Fa-f])(5678|4321)(?![0-9A-Fa-f])", options: .regularExpression) == nil)
        }
        #expect(HTMLRenderer.render(documents[0]).contains("<svg"))
        let leaked = try await CountyTestServer.rows(
            owner, "SELECT count(*) FROM county.station_event WHERE payload::text ~ '(\"(5678|4321)\"|通知太晚|杭州|班车)'")
        #expect(leaked == [["0"]])
    }
}
