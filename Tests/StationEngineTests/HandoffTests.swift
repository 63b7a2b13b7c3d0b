import Foundation
import GRDB
import ParcelDomain
import StationReceipts
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

/// Handoffs through the real engine and ledger: manifests, scans, closing with badge or PIN, receipts.
@Suite struct HandoffTests: EngineSuite {
    let fixture: EngineFixture
    let staff = Caller(client: "test", uid: 1000, staff: "王芳")

    init() async throws {
        let settings = StationSettings(
            stationID: "cun-01", stationName: "李家村服务站", shelves: ShelfLayout(shelves: [.init(id: 1, layers: 3, layerCapacity: 30)]),
            scanners: ScannerSettings(assignments: [.init(match: "dock", role: .handoff, counter: "dock")]),
            parties: [
                Party(id: "zto-wang", name: "王师傅", company: "ZTO", badge: "BADGE-ZTO-0042", pin: "4826"),
                Party(id: "shuttle", name: "乡镇班车 李", company: nil, pin: "1357"),
            ],
            pinAttempts: 3, pinLockoutMinutes: 15)
        fixture = try await EngineFixture(prefix: "parcel-handoff", settings: settings)
    }

    static let manifest = """
        tracking,courier,bag,destination
        75100000000001,ZTO,BAG-A,cun-01
        75100000000002,ZTO,BAG-A,cun-01
        "75100000000003",ZTO,BAG-A,cun-01
        75100000000004,ZTO,BAG-B,cun-02
        """

    func inbound() async throws -> HandoffRecord {
        let handoff = try await engine.openHandoff(
            .init(direction: .inbound, kind: .delivery, party: "zto-wang", node: "xiang-05", nodeTier: .township, counter: "dock"),
            by: staff)
        _ = try await engine.importManifest(handoff: handoff.uid, data: Data(Self.manifest.utf8), format: .csv)
        return handoff
    }

    @Test func inboundHandoffReconcilesTakesInAndSignsAChainedReceipt() async throws {
        let handoff = try await inbound()
        #expect(try await engine.scanIntoHandoff(handoff.uid, scan: "BAG-A", by: staff).bagLines == 3)
        let first = try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000001", by: staff)
        #expect(first.result == .scanned)
        #expect(first.parcel?.state == .shelved)
        #expect(first.parcel?.pickupCode != nil)
        // The bag's three lines were ticked by its label: only BAG-B's line is left to scan.
        #expect(first.remaining == 1)
        #expect(try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000001", by: staff).result == .repeatScan)
        let broken = try await engine.scanIntoHandoff(
            handoff.uid, scan: "75100000000002", damaged: true, note: "箱角压坏", photo: "dmg-1.jpg", by: staff)
        #expect(broken.result == .damaged)
        #expect(broken.line?.photo == "dmg-1.jpg")
        let misrouted = try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000004", by: staff)
        #expect(misrouted.result == .misrouted)
        #expect(misrouted.parcel == nil)
        let extra = try await engine.scanIntoHandoff(handoff.uid, scan: "SF1000000000099", by: staff)
        #expect(extra.result == .extra)
        #expect(extra.parcel?.state == .shelved)
        // 75100000000003 is never scanned: missing.
        let (closed, receipt) = try await engine.closeHandoff(handoff.uid, confirmation: .pin("4826"), by: staff)
        #expect(!closed.isOpen)
        #expect(closed.receiptSeq == 1)
        let body = try Receipts.verify(receipt, trustedKey: engine.publicKey)
        #expect(body.counts["scanned"] == 1)
        #expect(body.counts["damaged"] == 1)
        #expect(body.counts["missing"] == 1)
        #expect(body.counts["extra"] == 1)
        #expect(body.counts["misrouted"] == 1)
        #expect(body.counts["expected"] == 4)
        #expect(body.party.name == "王师傅")
        #expect(body.previousDigest == nil)
        let detail = try await engine.handoff(handoff.uid)
        #expect(Set(detail.discrepancies.map(\.kind)) == [.missing, .extra, .damaged, .misrouted])
        // The parcels taken in name their handoff in the intake event.
        let (_, events) = try await engine.parcel(scan: "75100000000001")
        #expect(events.first?.details["handoff"] == handoff.uid)

        // Closing twice, scanning into a closed handoff, importing into it: all refused.
        await #expect(throws: EngineError.handoffClosed(handoff.uid)) {
            _ = try await engine.closeHandoff(handoff.uid, confirmation: .pin("4826"), by: staff)
        }
        await #expect(throws: EngineError.handoffClosed(handoff.uid)) {
            _ = try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000003", by: staff)
        }
        // The next receipt chains to this one.
        let second = try await engine.openHandoff(.init(direction: .inbound, kind: .transfer, party: "shuttle"), by: staff)
        _ = try await engine.scanIntoHandoff(second.uid, scan: "YT1000000000001", by: staff)
        let (_, next) = try await engine.closeHandoff(second.uid, confirmation: .pin("1357"), by: staff)
        let chain = try Receipts.verifyChain([receipt, next], trustedKey: engine.publicKey)
        #expect(chain.map(\.seq) == [1, 2])
        #expect(chain[1].previousDigest == receipt.digest)
    }

    @Test func discrepanciesStayOpenUntilResolvedOnce() async throws {
        let handoff = try await inbound()
        _ = try await engine.closeHandoff(handoff.uid, confirmation: .badge("]C0BADGE-ZTO-0042\r"), by: staff)
        let open = try await engine.openDiscrepancies()
        #expect(open.count == 4)
        let resolved = try await engine.resolveDiscrepancy(open[0].id, resolution: .found, note: "在车上找到", by: staff)
        #expect(resolved.resolution == .found)
        #expect(resolved.resolvedBy == staff.actor)
        await #expect(throws: EngineError.discrepancyResolved(open[0].id)) {
            _ = try await engine.resolveDiscrepancy(open[0].id, resolution: .writtenOff, note: nil, by: staff)
        }
        #expect(try await engine.openDiscrepancies().count == 3)
    }

    @Test func wrongPINsLockTheCourierOutAcrossRestarts() async throws {
        let handoff = try await inbound()
        await #expect(throws: EngineError.confirmationFailed(attemptsLeft: 2)) {
            _ = try await engine.closeHandoff(handoff.uid, confirmation: .pin("0000"), by: staff)
        }
        await #expect(throws: EngineError.confirmationFailed(attemptsLeft: 1)) {
            _ = try await engine.closeHandoff(handoff.uid, confirmation: .pin("1111"), by: staff)
        }
        await #expect(throws: EngineError.self) { _ = try await engine.closeHandoff(handoff.uid, confirmation: .pin("2222"), by: staff) }
        // Locked: even the right PIN is refused, also after a restart; a badge still works.
        await #expect(throws: EngineError.self) { _ = try await engine.closeHandoff(handoff.uid, confirmation: .pin("4826"), by: staff) }
        let restarted = try await fixture.restartedEngine()
        await #expect(throws: EngineError.self) { _ = try await restarted.closeHandoff(handoff.uid, confirmation: .pin("4826"), by: staff) }
        #expect(try await store.read { try $0.handoff(uid: handoff.uid) }?.isOpen == true)
        clock.advance(hours: 1)
        let (closed, _) = try await restarted.closeHandoff(handoff.uid, confirmation: .pin("4826"), by: staff)
        #expect(closed.confirmedBy == "pin")
    }

    @Test func malformedManifestsNameTheirLinesAndImportNothing() async throws {
        let handoff = try await engine.openHandoff(.init(direction: .inbound, kind: .delivery, party: "zto-wang"), by: staff)
        let bad = """
            tracking,courier
            75100000000001,ZTO
            EA123456784CN,EMS
            ,ZTO
            75100000000001,ZTO
            75100000000005
            """
        do {
            _ = try await engine.importManifest(handoff: handoff.uid, data: Data(bad.utf8), format: .csv)
            Issue.record("a bad manifest was imported")
        } catch let error as ManifestError {
            #expect(error.problems.map(\.line) == [6])
        }
        let fixedWidth = bad.replacingOccurrences(of: "75100000000005", with: "75100000000005,ZTO")
        do {
            _ = try await engine.importManifest(handoff: handoff.uid, data: Data(fixedWidth.utf8), format: .csv)
            Issue.record("a bad manifest was imported")
        } catch let error as ManifestError {
            #expect(error.problems.map(\.line) == [3, 4, 5])
            #expect(error.description.contains("check digit"))
        }
        #expect(try await engine.handoff(handoff.uid).lines.isEmpty)
        await #expect(throws: ManifestError.self) {
            _ = try await engine.importManifest(handoff: handoff.uid, data: Data("{\"lines\": 5}".utf8), format: .json)
        }
        let json = #"{"lines": [{"tracking": "75100000000001", "bag": "(00)006141411234567890"}, {"tracking": "JT1000000000001"}]}"#
        let imported = try await engine.importManifest(handoff: handoff.uid, data: Data(json.utf8), format: .json)
        #expect(imported.lines.map(\.tracking) == ["75100000000001", "JT1000000000001"])
        #expect(imported.lines.first?.bag == "00006141411234567890")
        await #expect(throws: ManifestError.self) {
            _ = try await engine.importManifest(handoff: handoff.uid, data: Data(json.utf8), format: .json)
        }
        await #expect(throws: EngineError.unknownParty("nobody")) {
            _ = try await engine.openHandoff(.init(direction: .inbound, kind: .delivery, party: "nobody"), by: staff)
        }
    }

    @Test func aManifestsRecipientPhonesGoWithTheParcelsItsScansTakeIn() async throws {
        let handoff = try await engine.openHandoff(.init(direction: .inbound, kind: .delivery, party: "zto-wang"), by: staff)
        // A bad number is named by its line, and never echoed (error text reaches logs).
        let bad = "tracking,courier,phone\n75100000000001,ZTO,138-1234-5678\n75100000000002,ZTO,1381234x678\n"
        do {
            _ = try await engine.importManifest(handoff: handoff.uid, data: Data(bad.utf8), format: .csv)
            Issue.record("a bad phone was imported")
        } catch let error as ManifestError {
            #expect(error.problems.map(\.line) == [3])
            #expect(!error.description.contains("1381234"))
        }
        let mismatch = #"[{"tracking": "75100000000001", "phone": "13812345678", "phoneTail": "0000"}]"#
        await #expect(throws: ManifestError.self) {
            _ = try await engine.importManifest(handoff: handoff.uid, data: Data(mismatch.utf8), format: .json)
        }
        let manifest = """
            tracking,courier,phone,phoneTail
            75100000000001,ZTO,+86 138 1234 5678,
            75100000000002,ZTO,,4321
            75100000000003,ZTO,,
            """
        _ = try await engine.importManifest(handoff: handoff.uid, data: Data(manifest.utf8), format: .csv)
        let full = try #require(try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000001", by: staff).parcel)
        let tailOnly = try #require(try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000002", by: staff).parcel)
        let none = try #require(try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000003", by: staff).parcel)
        #expect(full.phoneTail == "5678")
        #expect(full.hasPhoneHash)
        #expect(tailOnly.phoneTail == "4321")
        #expect(!tailOnly.hasPhoneHash)
        #expect(none.phoneTail == nil)
        // The recipient collects with the full number (matched on the salted hash) or the tail.
        #expect(try await engine.verifyPickup(.phone(try PhoneNumber(parsing: "13812345678"))).map(\.id) == [full.id])
        // Another number with the same last four digits does not match a parcel whose hash is known.
        await #expect(throws: EngineError.noParcelForCredential) {
            _ = try await engine.verifyPickup(.phone(try PhoneNumber(parsing: "13900005678")))
        }
        #expect(try await engine.verifyPickup(.phoneTail("4321")).map(\.id) == [tailOnly.id])
        // The full number is not kept (storeFullPhone is off), on the line or the parcel.
        let kept = try store.readNow { reader in
            try String.fetchAll(
                reader.db, sql: "SELECT ifnull(phone_full, '-') FROM handoff_line UNION ALL SELECT ifnull(phone_full, '-') FROM parcel")
        }
        #expect(kept.allSatisfy { $0 == "-" })
    }

    @Test func returnsJoinTheCouriersNextOutboundHandoffAndLeaveWithIt() async throws {
        _ = try await engine.intake(.init(scan: "75100000000011"), by: staff)
        _ = try await engine.intake(.init(scan: "75100000000012"), by: staff)
        _ = try await engine.intake(.init(scan: "SF1000000000013"), by: staff)
        _ = try await engine.returnParcel(scan: "75100000000011", reason: "overdue", handedOver: false, by: staff)
        _ = try await engine.returnParcel(scan: "SF1000000000013", reason: "refused", handedOver: false, by: staff)
        let handoff = try await engine.openHandoff(
            .init(direction: .outbound, kind: .return, party: "zto-wang", counter: "dock"), by: staff)
        // Only ZTO's return joins the ZTO courier's handoff.
        let detail = try await engine.handoff(handoff.uid)
        #expect(detail.lines.map(\.tracking) == ["75100000000011"])
        // A handoff-role scanner at the dock feeds it; the courier's badge closes it.
        let dock = ScannerDescriptor(id: "dock", source: "usb-keyboard")
        let scanned = await engine.handleScan(ScanInput(scanner: dock, text: "75100000000011", sequence: 1, monotonicNanos: 1))
        #expect(scanned.result == .handoff)
        #expect(scanned.handoffResult == "scanned")
        #expect(scanned.remaining == 0)
        let closed = await engine.handleScan(ScanInput(scanner: dock, text: "BADGE-ZTO-0042", sequence: 2, monotonicNanos: 2))
        #expect(closed.result == .handoffClosed)
        let (returned, events) = try await engine.parcel(scan: "75100000000011")
        #expect(returned.state == .returned)
        #expect(events.last?.details["handoff"] == handoff.uid)
        #expect(try await engine.parcel(scan: "SF1000000000013").0.state == .returnRequested)
        let none = await engine.handleScan(ScanInput(scanner: dock, text: "75100000000012", sequence: 3, monotonicNanos: 3))
        #expect(none.result == .noOpenHandoff)
    }
}

@Suite struct OutgoingTests {
    @Test func outgoingParcelsWaitForTheirCouriersOutgoingHandoffAndLeaveWithIt() async throws {
        var settings = StationSettings(parties: [Party(id: "zto", name: "王师傅", company: "ZTO", badge: "B-1")])
        settings.requireSenderIDCheck = true
        let fixture = try await EngineFixture(prefix: "parcel-outgoing", settings: settings)
        let engine = fixture.engine
        let staff = Caller(client: "t", staff: "王芳")
        await #expect(throws: EngineError.self) {
            _ = try await engine.acceptOutgoing(
                .init(waybill: "75100000000901", courier: "ZTO", destination: "云南昆明", weightGrams: 1200, feeFen: 1250), by: staff)
        }
        let first = try await engine.acceptOutgoing(
            .init(
                waybill: "75100000000901", courier: "zto", destination: "云南昆明", weightGrams: 1200, feeFen: 1250, produce: true,
                senderPhone: "13812345678", idChecked: true), by: staff)
        #expect(first.senderTail == "5678")
        #expect(first.courier == "ZTO")
        await #expect(throws: EngineError.outgoingDuplicate("75100000000901")) {
            _ = try await engine.acceptOutgoing(
                .init(waybill: "75100000000901", courier: "ZTO", destination: "x", weightGrams: 1, feeFen: 0, idChecked: true), by: staff)
        }
        _ = try await engine.acceptOutgoing(
            .init(waybill: "SF1000000000902", courier: "SF", destination: "广东", weightGrams: 500, feeFen: 1800, idChecked: true), by: staff)
        let handoff = try await engine.openHandoff(.init(direction: .outbound, kind: .outgoing, party: "zto"), by: staff)
        #expect(try await engine.handoff(handoff.uid).lines.map(\.tracking) == ["75100000000901"])
        _ = try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000901", by: staff)
        let (_, receipt) = try await engine.closeHandoff(handoff.uid, confirmation: .badge("B-1"), by: staff)
        #expect(try Receipts.verify(receipt).counts["scanned"] == 1)
        let all = try await engine.outgoing(waitingOnly: false, limit: 10)
        #expect(all.first { $0.waybill == "75100000000901" }?.handedOver == true)
        #expect(try await engine.outgoing(waitingOnly: true, limit: 10).map(\.waybill) == ["SF1000000000902"])
    }
}
