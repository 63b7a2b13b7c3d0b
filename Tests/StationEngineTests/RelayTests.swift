import Foundation
import ParcelDomain
import StationReceipts
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

/// The township relay (中转) and bags through the real engine and ledger: a township station takes in the county's
/// delivery, keeps its villages' parcels in transit in their relay bins, and sends them on.
@Suite struct RelayTests: EngineSuite {
    let fixture: EngineFixture
    let staff = Caller(client: "test", uid: 1000, staff: "赵敏")

    static let li = ChainStation(id: "cun-li", name: "李家村服务站", tier: .village, villages: ["李家村"], sortCodes: ["571-03"])
    static let wang = ChainStation(id: "cun-wang", name: "王家村服务站", tier: .village, villages: ["王家村"], sortCodes: ["571-04"])

    init() async throws {
        var settings = StationSettings(
            stationID: "xiang-05", stationName: "青山镇服务站", shelves: ShelfLayout(shelves: [.init(id: 1, layers: 3, layerCapacity: 30)]),
            parties: [
                Party(id: "county-bus", name: "县班车 陈", company: nil, pin: "2468"),
                Party(id: "shuttle", name: "村村通 李", company: nil, pin: "1357"),
            ])
        settings.chainStations = [
            ChainStation(id: "county", name: "县中心", tier: .county), Self.li, Self.wang,
        ]
        fixture = try await EngineFixture(prefix: "parcel-relay", settings: settings)
    }

    /// The county's bus: two bags, lines for the township itself, for 李家村 (by name and by sort code), for
    /// 王家村, and one for a village no station here serves.
    static let manifest = """
        tracking,bag,destination
        75100000000001,00106141411234567897,xiang-05
        75100000000002,00106141411234567897,青山镇服务站
        75100000000003,00106141411234567897,浙江省杭州市青山镇李家村3组
        75100000000004,00106141411234567897,571-03-12
        75100000000005,00106141411234567903,王家村
        75100000000006,00106141411234567903,王家村
        75100000000007,,北山村
        """

    func countyDelivery() async throws -> HandoffRecord {
        let handoff = try await engine.openHandoff(
            .init(direction: .inbound, kind: .transfer, party: "county-bus", node: "county", nodeTier: .county), by: staff)
        _ = try await engine.importManifest(handoff: handoff.uid, data: Data(Self.manifest.utf8), format: .csv)
        return handoff
    }

    @Test func linesForDownstreamStationsGoIntoTheirRelayBinsNotOntoTheShelf() async throws {
        let handoff = try await countyDelivery()
        let own = try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000001", by: staff)
        #expect(own.result == .scanned)
        #expect(own.parcel?.state == .shelved)
        #expect(own.parcel?.pickupCode != nil)
        #expect(try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000002", by: staff).parcel?.state == .shelved)

        let village = try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000003", by: staff)
        #expect(village.result == .relayed)
        #expect(village.parcel?.state == .inTransit)
        #expect(village.parcel?.pickupCode == nil)
        #expect(village.parcel?.relayTo == "cun-li")
        #expect(try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000004", by: staff).parcel?.relayTo == "cun-li")
        #expect(try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000005", by: staff).parcel?.relayTo == "cun-wang")
        let nowhere = try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000007", by: staff)
        #expect(nowhere.result == .misrouted)
        #expect(nowhere.parcel == nil)

        let bins = try await engine.relayBins()
        #expect(bins.map(\.station) == ["cun-li", "cun-wang"])
        #expect(bins.map { $0.parcels.map(\.tracking) } == [["75100000000003", "75100000000004"], ["75100000000005"]])
        #expect(bins.first?.name == "李家村服务站")

        // Only the township's own parcels wait for pickup here: the backlog and the assessment do not see the rest.
        let backlog = try await engine.backlog(olderThanHours: 0)
        #expect(backlog.total == 2)
        #expect(Set(backlog.oldest.map(\.tracking)) == ["75100000000001", "75100000000002"])
        let report = try await engine.dailyReport(date: nil)
        #expect(report.figures.assessment.parcelsShelved == 2)
        #expect(report.figures.relay.relayed == 3)
        #expect(report.figures.relay.bins.map(\.station) == ["cun-li", "cun-wang"])
        #expect(report.figures.relay.bins.map(\.waiting) == [2, 1])
        // A pickup by the recipient's code cannot reach a parcel in transit: it has none.
        let waiting = try await engine.search(ParcelQuery(states: [.inTransit], limit: 10))
        #expect(waiting.allSatisfy { $0.pickupCode == nil && $0.shelvedAt == nil })
    }

    @Test func anOutboundTransferTakesTheBinAndForwardsWhatLeftWhenItCloses() async throws {
        let inbound = try await countyDelivery()
        for tracking in ["75100000000003", "75100000000004", "75100000000005"] {
            _ = try await engine.scanIntoHandoff(inbound.uid, scan: tracking, by: staff)
        }
        let out = try await engine.openHandoff(
            .init(direction: .outbound, kind: .transfer, party: "shuttle", node: "cun-li", nodeTier: .village), by: staff)
        let listed = try await engine.handoff(out.uid).lines
        #expect(listed.map(\.tracking) == ["75100000000003", "75100000000004"])
        #expect(listed.allSatisfy { $0.destination == "cun-li" && $0.status == .expected })

        #expect(try await engine.scanIntoHandoff(out.uid, scan: "75100000000003", by: staff).result == .scanned)
        // 王家村's parcel is on the wrong bus.
        let wrong = try await engine.scanIntoHandoff(out.uid, scan: "75100000000005", by: staff)
        #expect(wrong.result == .misrouted)
        // A parcel of the township's own, put on the bus: sent on to 李家村 (it was misrouted to us).
        _ = try await engine.intake(.init(scan: "SF1000000000017"), by: staff)
        let sentOn = try await engine.scanIntoHandoff(out.uid, scan: "SF1000000000017", by: staff)
        #expect(sentOn.result == .extra)
        #expect(sentOn.parcel?.state == .inTransit)
        #expect(sentOn.parcel?.pickupCode == nil)

        _ = try await engine.closeHandoff(out.uid, confirmation: .pin("1357"), by: staff)
        let forwarded = try await engine.search(ParcelQuery(states: [.forwarded], limit: 10))
        #expect(Set(forwarded.map(\.tracking)) == ["75100000000003", "SF1000000000017"])
        #expect(forwarded.allSatisfy { $0.releasedAt != nil && $0.relayTo == "cun-li" })
        // What did not go stays in its bin; the missing line is a discrepancy.
        let bins = try await engine.relayBins()
        #expect(bins.map { $0.parcels.map(\.tracking) } == [["75100000000004"], ["75100000000005"]])
        let kinds = try await engine.handoff(out.uid).discrepancies.map(\.kind)
        #expect(Set(kinds) == [.missing, .extra, .misrouted])
        let report = try await engine.dailyReport(date: nil)
        #expect(report.figures.relay.forwarded == 2)
        // The same tracking number may come back later as a new stay: a forwarded stay is over.
        #expect(try await engine.intake(.init(scan: "75100000000003"), by: staff).isRepeat == false)
    }

    @Test func staffSendAParcelOnByHandAndPullOneBack() async throws {
        let local = try await engine.intake(.init(scan: "SF1000000000025", phoneTail: "0014"), by: staff)
        let code = try #require(local.parcel.pickupCode)
        let sent = try await engine.relayParcel(scan: "SF1000000000025", to: "王家村", reason: "错分", by: staff)
        #expect(sent.state == .inTransit)
        #expect(sent.relayTo == "cun-wang")
        #expect(sent.pickupCode == nil)
        // Its code no longer finds it.
        await #expect(throws: EngineError.self) {
            _ = try await engine.verifyPickup(.code(code))
        }
        // Re-routed to the other village, then pulled back into local pickup with a fresh code.
        #expect(try await engine.relayParcel(scan: "SF1000000000025", to: "571-03-99", reason: nil, by: staff).relayTo == "cun-li")
        let back = try await engine.pullBack(scan: "SF1000000000025", reason: "本镇收件人", by: staff)
        #expect(back.state == .shelved)
        #expect(back.pickupCode != nil)
        #expect(back.relayTo == nil)
        await #expect(throws: EngineError.notInTransit(tracking: "SF1000000000025", state: .shelved)) {
            _ = try await engine.pullBack(scan: "SF1000000000025", reason: nil, by: staff)
        }
        await #expect(throws: EngineError.unknownDestination("北山村")) {
            _ = try await engine.relayParcel(scan: "SF1000000000025", to: "北山村", reason: nil, by: staff)
        }
        // The custody log names each step and still verifies.
        let (_, events) = try await engine.parcel(scan: "SF1000000000025")
        #expect(events.map(\.kind) == [.intake, .shelve, .relay, .relay, .pullBack])
        #expect(events[2].details["to"] == "cun-wang")
        #expect(try await store.read { try $0.verifyCustodyChain() }.firstBroken == nil)
    }

    @Test func intakeWithADestinationRoutesIt() async throws {
        let relayed = try await engine.intake(.init(scan: "SF1000000000033", destination: "李家村"), by: staff)
        #expect(relayed.parcel.state == .inTransit)
        #expect(relayed.parcel.relayTo == "cun-li")
        #expect(try await engine.intake(.init(scan: "SF1000000000033", destination: "李家村"), by: staff).isRepeat)
        let here = try await engine.intake(.init(scan: "SF1000000000041", destination: "xiang-05"), by: staff)
        #expect(here.parcel.state == .shelved)
        await #expect(throws: EngineError.unknownDestination("火星")) {
            _ = try await engine.intake(.init(scan: "SF1000000000058", destination: "火星"), by: staff)
        }
        #expect(try await engine.search(ParcelQuery(tracking: "SF1000000000058", limit: 1)).isEmpty)
    }

    @Test func aBagScanTicksItsParcelsOnceAndLeavesTheAbsentOnesMissing() async throws {
        let handoff = try await countyDelivery()
        // Without its AIM prefix, with it, or with GS1 parentheses: the same bag.
        let bag = try await engine.scanIntoHandoff(handoff.uid, scan: "00106141411234567897", by: staff)
        #expect(bag.result == .bag)
        #expect(bag.bagLines == 4)
        #expect(bag.remaining == 3)
        #expect(try await engine.scanIntoHandoff(handoff.uid, scan: "]C100106141411234567897", by: staff).result == .repeatScan)
        // 李家村's two parcels went on into the relay bin with the bag; the township's own two wait to be unpacked.
        #expect(try await engine.relayBins().first?.parcels.count == 2)
        var lines = try await engine.handoff(handoff.uid).lines
        #expect(lines.filter { $0.status == .bagged }.map(\.tracking) == ["75100000000001", "75100000000002"])
        let unpacked = try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000001", by: staff)
        #expect(unpacked.result == .scanned)
        #expect(unpacked.parcel?.state == .shelved)
        #expect(unpacked.remaining == 3)
        // Scanned again out of the bag: not counted twice.
        #expect(try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000001", by: staff).result == .repeatScan)
        // A bag no line names is refused, and so is nothing else taken in by it.
        await #expect(throws: EngineError.unknownBag("00106141411234567910")) {
            _ = try await engine.scanIntoHandoff(handoff.uid, scan: "(00)106141411234567910", by: staff)
        }
        // 75100000000002 was not in the bag after all.
        _ = try await engine.closeHandoff(handoff.uid, confirmation: .pin("2468"), by: staff)
        lines = try await engine.handoff(handoff.uid).lines
        #expect(lines.first { $0.tracking == "75100000000002" }?.status == .missing)
        #expect(lines.filter { $0.status == .bagged }.isEmpty)
        #expect(try await engine.search(ParcelQuery(tracking: "75100000000002", limit: 1)).isEmpty)
    }

    @Test func anOutboundHandoffPacksParcelsIntoTheBagScannedBeforeThem() async throws {
        let inbound = try await countyDelivery()
        for tracking in ["75100000000003", "75100000000004"] {
            _ = try await engine.scanIntoHandoff(inbound.uid, scan: tracking, by: staff)
        }
        let out = try await engine.openHandoff(
            .init(direction: .outbound, kind: .transfer, party: "shuttle", node: "cun-li", nodeTier: .village), by: staff)
        let packing = try await engine.scanIntoHandoff(out.uid, scan: "00106141411234567927", by: staff)
        #expect(packing.result == .packing)
        #expect(try await engine.scanIntoHandoff(out.uid, scan: "00106141411234567927", by: staff).result == .repeatScan)
        #expect(try await engine.scanIntoHandoff(out.uid, scan: "75100000000003", by: staff).line?.bag == "00106141411234567927")
        #expect(try await engine.scanIntoHandoff(out.uid, scan: "75100000000004", by: staff).line?.bag == "00106141411234567927")
        let (_, receipt) = try await engine.closeHandoff(out.uid, confirmation: .pin("1357"), by: staff)
        let body = try Receipts.verify(receipt, trustedKey: engine.publicKey)
        #expect(body.lines.map(\.bag) == ["00106141411234567927", "00106141411234567927"])
        #expect(body.counts["scanned"] == 2)
    }
}
