import Foundation
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

/// Moments of November 2026 in the station's zone (Asia/Shanghai, UTC+8).
enum November {
    /// 2026-11-01 00:00 in Asia/Shanghai.
    static let first: Int64 = 1_793_462_400_000
    static func at(_ day: Int, _ hour: Int, _ minute: Int = 0) -> Int64 {
        first + Int64(day - 1) * 86_400_000 + Int64(hour) * 3_600_000 + Int64(minute) * 60_000
    }
}

extension FakeClock {
    /// Sets the clock to a moment of November 2026, station time.
    func set(_ day: Int, _ hour: Int, _ minute: Int = 0) { set(November.at(day, hour, minute)) }
}

/// The daily and monthly reports, the handoff ledger and the backlog's attention counts on a real SQLite ledger,
/// with a fixed week of station work and every expected figure worked out by hand below.
///
/// The data set (local times, hold period 48 h, commission ZTO 0.40 元, others 0.30 元):
/// - 11-02 09:00 intake A `SF1000000000001` (SF, full phone), B `75100000000011` (ZTO, full phone),
///   C `YT1000000000001` (YTO, tail only); 10:00 notify A and B; 11:00 A picked up (by full phone);
///   12:00 inbound handoff H1 (ZTO courier) listing 21 and 22; 12:10 21 scanned (taken in, ZTO); 12:30 H1 closed
///   by PIN: 22 missing (a discrepancy); 14:00 outgoing: 901 (ZTO, produce, 12.50 元), 902 (SF, 18.00 元);
///   15:00 complaint about C.
/// - 11-03 07:30 notify C (23:30 UTC of the 2nd: a UTC day would put it on the 2nd); 09:00 reminder to B;
///   10:00 B picked up (by phone tail); 11:00 C marked for return; 13:00 outbound outgoing handoff H2 takes
///   901; 13:20 H2 closed.
/// - 11-06 09:00 and 11:00 notify 21 twice; 10:00 the missing-22 discrepancy resolved (found); 16:00 H3 opened
///   (shuttle, transfer) and left open. Reports are generated at 11-06 18:00.
@Suite struct ReportTests: EngineSuite {
    let fixture: EngineFixture
    let staff = Caller(client: "test", uid: 1000, staff: "王芳")

    init() async throws {
        var settings = StationSettings(
            stationID: "cun-01", stationName: "李家村服务站", shelves: ShelfLayout(shelves: [.init(id: 1, layers: 3, layerCapacity: 30)]),
            holdHours: 48, storeFullPhone: true,
            parties: [
                Party(id: "zto-wang", name: "王师傅", company: "ZTO", badge: "BADGE-ZTO-0042", pin: "4826"),
                Party(id: "shuttle", name: "乡镇班车 李", company: nil, pin: "1357"),
            ])
        settings.commissionFen = ["ZTO": 40, "default": 30]
        settings.timeZone = "Asia/Shanghai"
        fixture = try await EngineFixture(prefix: "parcel-reports", settings: settings, clock: FakeClock(November.first))
    }

    func populate() async throws {
        clock.set(2, 9)
        _ = try await engine.intake(.init(scan: "SF1000000000001", phone: "13812345678"), by: staff)
        _ = try await engine.intake(.init(scan: "75100000000011", phone: "13900001111"), by: staff)
        _ = try await engine.intake(.init(scan: "YT1000000000001", phoneTail: "2222"), by: staff)
        clock.set(2, 10)
        _ = try await engine.apply(.notify, scan: "SF1000000000001", reason: nil, by: staff)
        _ = try await engine.apply(.notify, scan: "75100000000011", reason: nil, by: staff)
        clock.set(2, 11)
        _ = try await engine.confirmPickup(
            .init(trackings: ["SF1000000000001"], credential: .phone(try PhoneNumber(parsing: "13812345678"))), by: staff)
        clock.set(2, 12)
        let h1 = try await engine.openHandoff(
            .init(direction: .inbound, kind: .delivery, party: "zto-wang", node: "xiang-05", nodeTier: .township), by: staff)
        _ = try await engine.importManifest(
            handoff: h1.uid, data: Data("tracking,courier\n75100000000021,ZTO\n75100000000022,ZTO\n".utf8), format: .csv)
        clock.set(2, 12, 10)
        _ = try await engine.scanIntoHandoff(h1.uid, scan: "75100000000021", by: staff)
        clock.set(2, 12, 30)
        _ = try await engine.closeHandoff(h1.uid, confirmation: .pin("4826"), by: staff)
        clock.set(2, 14)
        _ = try await engine.acceptOutgoing(
            .init(
                waybill: "75100000000901", courier: "ZTO", destination: "云南昆明", weightGrams: 1200, feeFen: 1250, produce: true,
                senderPhone: "13700002222", idChecked: true), by: staff)
        _ = try await engine.acceptOutgoing(
            .init(waybill: "SF1000000000902", courier: "SF", destination: "广东广州", weightGrams: 500, feeFen: 1800, idChecked: true),
            by: staff)
        clock.set(2, 15)
        _ = try await engine.recordComplaint(about: .parcel("YT1000000000001"), text: "取件码短信没收到", source: "phone", by: staff)

        clock.set(3, 7, 30)
        _ = try await engine.apply(.notify, scan: "YT1000000000001", reason: nil, by: staff)
        clock.set(3, 9)
        _ = try await engine.apply(.notify, scan: "75100000000011", reason: nil, by: staff)
        clock.set(3, 10)
        _ = try await engine.confirmPickup(.init(trackings: ["75100000000011"], credential: .phoneTail("1111")), by: staff)
        clock.set(3, 11)
        _ = try await engine.returnParcel(scan: "YT1000000000001", reason: "overdue", handedOver: false, by: staff)
        clock.set(3, 13)
        let h2 = try await engine.openHandoff(.init(direction: .outbound, kind: .outgoing, party: "zto-wang"), by: staff)
        _ = try await engine.scanIntoHandoff(h2.uid, scan: "75100000000901", by: staff)
        clock.set(3, 13, 20)
        _ = try await engine.closeHandoff(h2.uid, confirmation: .pin("4826"), by: staff)

        clock.set(6, 9)
        _ = try await engine.apply(.notify, scan: "75100000000021", reason: nil, by: staff)
        clock.set(6, 10)
        let open = try await engine.openDiscrepancies()
        #expect(open.map(\.tracking) == ["75100000000022"])
        _ = try await engine.resolveDiscrepancy(open[0].id, resolution: .found, note: "在车上找到", by: staff)
        clock.set(6, 11)
        _ = try await engine.apply(.notify, scan: "75100000000021", reason: nil, by: staff)
        clock.set(6, 16)
        _ = try await engine.openHandoff(.init(direction: .inbound, kind: .transfer, party: "shuttle"), by: staff)
        clock.set(6, 18)
    }

    @Test func theDailyReportCountsTheLocalDayAndScoresAsOfItsEnd() async throws {
        try await populate()
        let day = try await engine.dailyReport(date: "2026-11-02")
        #expect(day.kind == .day)
        #expect(day.label == "2026-11-02")
        #expect(day.figures.window.from == November.at(2, 0))
        #expect(day.figures.window.to == November.at(3, 0))
        #expect(day.figures.window.asOf == November.at(3, 0))
        let t = day.figures.total
        #expect(t.received == 4)
        #expect(t.notified == 2)  // C's notice at 07:30 on the 3rd is 23:30 UTC on the 2nd: not this local day
        #expect(t.reminders == 0)
        #expect(t.pickedUp == 1)
        #expect(t.returnRequested == 0)
        #expect(t.returned == 0)
        #expect(t.outgoingAccepted == 1)
        #expect(t.produceAccepted == 1)
        #expect(t.outgoingFeesFen == 1800)
        #expect(t.produceFeesFen == 1250)
        #expect(t.outgoingHandedOver == 0)
        #expect(t.inboundHandoffs == 1)
        #expect(t.outboundHandoffs == 0)
        #expect(t.handoffsClosed == 1)
        #expect(t.complaints == 1)
        #expect(t.pickedUpByCourier == ["SF": 1])
        #expect(day.commissionFen == 30)  // SF at the default rate
        #expect(day.figures.discrepanciesOpened == [.missing: 1])
        #expect(day.figures.atStationAtEnd == 3)  // B, C, 21
        // The discrepancy was resolved on the 6th: at the end of the 2nd the ledger was incomplete.
        #expect(
            day.figures.assessment
                == ServiceAssessment.Inputs(
                    handoffs: 1, handoffsClosedWithReceipt: 1, handoffsWithOpenDiscrepancies: 1, parcelsShelved: 4, parcelsOnShelf: 4,
                    parcelsOverdue: 0, parcelsWaitingPastHold: 0, complaints: 1, holdHours: 48))
        #expect(day.assessment.ledgerPoints == 0)
        #expect(day.assessment.timelinessPoints == 10)
        #expect(day.assessment.points == 9)

        let next = try await engine.dailyReport(date: "2026-11-03")
        let n = next.figures.total
        #expect(n.received == 0)
        #expect(n.notified == 1)
        #expect(n.reminders == 1)
        #expect(n.pickedUp == 1)
        #expect(n.returnRequested == 1)
        #expect(n.outgoingAccepted + n.produceAccepted == 0)
        #expect(n.outgoingHandedOver == 1)
        #expect(n.outboundHandoffs == 1)
        #expect(n.handoffsClosed == 1)
        #expect(n.complaints == 0)
        #expect(next.commissionFen == 40)  // B is ZTO
        #expect(next.figures.atStationAtEnd == 2)  // C (marked for return) and 21
        #expect(
            next.figures.assessment
                == ServiceAssessment.Inputs(
                    handoffs: 1, handoffsClosedWithReceipt: 1, handoffsWithOpenDiscrepancies: 0, parcelsShelved: 0, parcelsOnShelf: 3,
                    parcelsOverdue: 0, parcelsWaitingPastHold: 0, complaints: 0, holdHours: 48))
        #expect(next.assessment.points == 15)

        // Today (the 6th) by default, reckoned as of now.
        let today = try await engine.dailyReport(date: nil)
        #expect(today.label == "2026-11-06")
        #expect(today.figures.window.asOf == November.at(6, 18) + 1)
        #expect(today.figures.total.notified == 1)
        #expect(today.figures.total.reminders == 1)
        #expect(today.figures.total.inboundHandoffs == 1)
        #expect(today.figures.assessment.handoffs == 1)
        #expect(today.figures.assessment.handoffsClosedWithReceipt == 0)
        #expect(today.figures.assessment.parcelsOnShelf == 2)
        #expect(today.figures.assessment.parcelsOverdue == 2)
        #expect(today.assessment.points == 0)  // 0 (H3 open) + 10 × 0/2
    }

    @Test func theMonthlyReportAddsItsDaysAndTheAssessmentOfTheMonthSoFar() async throws {
        try await populate()
        let month = try await engine.monthlyReport(month: "2026-11")
        #expect(month.kind == .month)
        #expect(month.label == "2026-11")
        #expect(month.days.count == 30)
        #expect(month.days.first == "2026-11-01")
        #expect(month.days.last == "2026-11-30")
        #expect(month.figures.intervals.count == 30)
        #expect(month.figures.window.to == November.at(31, 0))
        let t = month.figures.total
        #expect(t.received == 4)
        #expect(t.notified == 4)
        #expect(t.reminders == 2)
        #expect(t.pickedUp == 2)
        #expect(t.returnRequested == 1)
        #expect(t.returned == 0)
        #expect(t.outgoingAccepted == 1)
        #expect(t.produceAccepted == 1)
        #expect(t.outgoingFeesFen + t.produceFeesFen == 3050)
        #expect(t.outgoingHandedOver == 1)
        #expect(t.inboundHandoffs == 2)
        #expect(t.outboundHandoffs == 1)
        #expect(t.handoffsClosed == 2)
        #expect(t.complaints == 1)
        #expect(month.commissionFen == 70)
        #expect(month.commissionByInterval[1] == 30)
        #expect(month.commissionByInterval[2] == 40)
        #expect(month.commissionByInterval.reduce(0, +) == 70)
        // Day by day: the 2nd, the 3rd, the 6th; nothing on the others.
        let days = month.figures.intervals
        #expect(days[1].received == 4)
        #expect(days[1].notified == 2)
        #expect(days[2].notified == 1)
        #expect(days[2].reminders == 1)
        #expect(days[5].notified == 1)
        #expect(days[5].reminders == 1)
        #expect(days[5].inboundHandoffs == 1)
        for index in [0, 3, 4] + Array(6..<30) { #expect(days[index] == ActivityFigures(), "day \(index + 1)") }
        // Busiest courier first; rates from the settings.
        #expect(month.figures.byCourier.map(\.courier) == ["ZTO", "SF", "YTO"])
        let zto = try #require(month.figures.byCourier.first)
        #expect(zto == CourierActivity(courier: "ZTO", received: 2, pickedUp: 1, returned: 0, outgoing: 1, outgoingFeesFen: 1250))
        #expect(month.commissionRate(for: "ZTO") == 40)
        #expect(month.commissionRate(for: "YTO") == 30)
        #expect(month.figures.discrepanciesOpened == [.missing: 1])
        #expect(month.figures.atStationAtEnd == 2)
        // As of now: H1 and H2 complete, H3 open (5 × 2/3 = 3.33); C and 21 past the 48 h hold (10 × 2/4 = 5);
        // one complaint: 3.33 + 5 − 1 = 7.33.
        #expect(
            month.figures.assessment
                == ServiceAssessment.Inputs(
                    handoffs: 3, handoffsClosedWithReceipt: 2, handoffsWithOpenDiscrepancies: 0, parcelsShelved: 4, parcelsOnShelf: 4,
                    parcelsOverdue: 2, parcelsWaitingPastHold: 2, complaints: 1, holdHours: 48))
        #expect(month.assessment.ledgerPoints == 3.33)
        #expect(month.assessment.timelinessPoints == 5)
        #expect(month.assessment.points == 7.33)

        // A month without activity, and October (before any of it).
        let october = try await engine.monthlyReport(month: "2026-10")
        #expect(october.days.count == 31)
        #expect(october.figures.total == ActivityFigures())
        #expect(october.assessment.points == 15)
        // This month by default.
        #expect(try await engine.monthlyReport(month: nil).label == "2026-11")
    }

    @Test func theHandoffLedgerListsEveryHandoffWithItsCountsAndReceipt() async throws {
        try await populate()
        let ledger = try await engine.handoffLedger(from: nil, to: nil)
        #expect(ledger.label == "2026-11-01..2026-11-06")
        #expect(ledger.entries.count == 3)
        let h1 = ledger.entries[0]
        #expect(h1.handoff.direction == .inbound)
        #expect(h1.handoff.kind == .delivery)
        #expect(h1.handoff.party == "zto-wang")
        #expect(h1.handoff.company == "ZTO")
        #expect(h1.handoff.node == "xiang-05")
        #expect(h1.handoff.confirmedBy == "pin")
        #expect(h1.handoff.receiptSeq == 1)
        #expect(h1.handoff.receiptDigest?.count == 64)
        #expect(h1.handoff.receipt == nil)  // not loaded for the ledger
        #expect(
            [h1.listed, h1.scanned, h1.missing, h1.extra, h1.damaged, h1.misrouted, h1.pending, h1.total] == [2, 1, 1, 0, 0, 0, 0, 2]
                as [Int])
        #expect(h1.openDiscrepancies == 0)  // resolved on the 6th
        let h2 = ledger.entries[1]
        #expect(h2.handoff.direction == .outbound)
        #expect(h2.handoff.kind == .outgoing)
        #expect(h2.handoff.receiptSeq == 2)
        #expect([h2.listed, h2.scanned, h2.total] == [1, 1, 1] as [Int])
        let h3 = ledger.entries[2]
        #expect(h3.handoff.isOpen)
        #expect(h3.handoff.receiptSeq == nil)
        #expect(h3.total == 0)

        let one = try await engine.handoffLedger(from: "2026-11-03", to: "2026-11-03")
        #expect(one.entries.map(\.handoff.receiptSeq) == [2])
        #expect(one.from == November.at(3, 0))
        #expect(one.to == November.at(4, 0))
        #expect(try await engine.handoffLedger(from: nil, to: "2026-11-02").entries.count == 1)
        await #expect(throws: EngineError.invalidParameter(name: "from", reason: "must not be after to")) {
            _ = try await engine.handoffLedger(from: "2026-11-05", to: "2026-11-03")
        }
    }

    @Test func theBacklogSaysWhatNeedsAttention() async throws {
        try await populate()
        let overview = try await engine.backlogOverview(olderThanHours: 0)
        // Only 21 waits for pickup (C is marked for return): shelved 11-02 12:10, 101.8 h ago: 3–7 days.
        #expect(overview.report.total == 1)
        #expect(overview.report.buckets.map(\.count) == [0, 0, 0, 1, 0])
        #expect(overview.report.byCourier.map(\.courier) == ["ZTO"])
        #expect(overview.report.notified == 1)
        #expect(overview.report.overdue == 1)  // past the 48 h hold
        #expect(
            overview.attention
                == BacklogAttention(
                    reminded: 1, returnRequested: 1, openHandoffs: 1, handoffsWithOpenDiscrepancies: 0, openDiscrepancies: 0))
        // The parcel counts follow the age cutoff; returns and handoffs are station-wide.
        let older = try await engine.backlogOverview(olderThanHours: 200)
        #expect(older.report.total == 0)
        #expect(older.report.notified == 0)
        #expect(older.report.overdue == 0)
        #expect(
            older.attention
                == BacklogAttention(
                    reminded: 0, returnRequested: 1, openHandoffs: 1, handoffsWithOpenDiscrepancies: 0, openDiscrepancies: 0))
        // The status's backlog call asks for no overdue count.
        #expect(try await store.read { try $0.backlog(now: November.at(6, 18), olderThanHours: 0) }.overdue == nil)
        await #expect(throws: EngineError.self) { _ = try await engine.backlogOverview(olderThanHours: -1) }
    }

    @Test func anUnresolvedDiscrepancyMakesItsHandoffUnreconciled() async throws {
        clock.set(2, 12)
        let handoff = try await engine.openHandoff(.init(direction: .inbound, kind: .delivery, party: "zto-wang"), by: staff)
        _ = try await engine.importManifest(handoff: handoff.uid, data: Data("tracking\n75100000000031\n".utf8), format: .csv)
        _ = try await engine.scanIntoHandoff(handoff.uid, scan: "SF1000000000032", by: staff)  // extra
        _ = try await engine.closeHandoff(handoff.uid, confirmation: .badge("BADGE-ZTO-0042"), by: staff)
        let attention = try await engine.backlogOverview(olderThanHours: 0).attention
        #expect(attention.openHandoffs == 0)
        #expect(attention.handoffsWithOpenDiscrepancies == 1)
        #expect(attention.openDiscrepancies == 2)  // 31 missing, 32 extra
        let day = try await engine.dailyReport(date: nil)
        #expect(day.figures.discrepanciesOpened == [.missing: 1, .extra: 1])
        #expect(day.assessment.completeHandoffs == 0)
        #expect(day.assessment.ledgerPoints == 0)
    }

    @Test func datesAreCheckedAndReckonedInTheStationsZone() async throws {
        for bad in ["2026-13-01", "2026-02-30", "26-11-02", "2026-11-2", "", "1999-12-31", "2026/11/02"] {
            await #expect(throws: EngineError.self, "\(bad)") { _ = try await engine.dailyReport(date: bad) }
        }
        for bad in ["2026-1", "2026-13", "2026-11-01", "November"] {
            await #expect(throws: EngineError.self, "\(bad)") { _ = try await engine.monthlyReport(month: bad) }
        }
        #expect(try await engine.monthlyReport(month: "2028-02").days.count == 29)
        #expect(try await engine.monthlyReport(month: "2026-02").days.count == 28)
        // A station in UTC reckons the same moment on another day.
        var settings = engine.settings
        settings.timeZone = "UTC"
        let utc = try await fixture.restartedEngine(settings: settings)
        clock.set(3, 7, 30)  // 2026-11-02 23:30 UTC
        _ = try await utc.intake(.init(scan: "SF1000000000041"), by: staff)
        #expect(try await utc.dailyReport(date: "2026-11-02").figures.total.received == 1)
        #expect(try await engine.dailyReport(date: "2026-11-03").figures.total.received == 1)
        #expect(try await engine.dailyReport(date: "2026-11-02").figures.total.received == 0)
    }
}
