import Foundation
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

/// Undoing an intake or a pickup through the real engine and ledger: the window, the states, the codes, the log.
@Suite struct UndoTests: EngineSuite {
    let fixture: EngineFixture
    let staff = Caller(client: "test", uid: 1000, staff: "王芳")

    init() async throws {
        var settings = StationSettings(
            stationID: "cun-01", stationName: "李家村服务站", shelves: ShelfLayout(shelves: [.init(id: 1, layers: 2, layerCapacity: 20)]),
            parties: [Party(id: "zto-wang", name: "王师傅", company: "ZTO", pin: "4826")])
        settings.undoWindowMinutes = 10
        fixture = try await EngineFixture(prefix: "parcel-undo", settings: settings)
    }

    func intake(_ tracking: String, tail: String = "5678") async throws -> ParcelRecord {
        try await engine.intake(.init(scan: tracking, phoneTail: tail), by: staff).parcel
    }

    func pickUp(_ parcel: ParcelRecord) async throws -> Int64 {
        try await engine.confirmPickup(.init(trackings: [parcel.tracking], credential: .code(try #require(parcel.pickupCode))), by: staff)
            .pickupID
    }

    @Test func anUndonePickupPutsTheParcelBackOnItsShelfWithItsCodeAndWaitAndLogsBothSteps() async throws {
        let parcel = try await intake("SF1000000000001")
        let notified = try await engine.apply(.notify, scan: parcel.tracking, reason: nil, by: staff)
        clock.advance(hours: 5)
        let pickupID = try await pickUp(parcel)
        clock.advance(seconds: 120)
        let back = try await engine.undo(.pickup, scan: parcel.tracking, reason: "给错人了", by: staff)
        // Back where the pickup took it from: notified, as the recipient was told.
        #expect(back.state == .notified)
        #expect(back.pickupCode == parcel.pickupCode)
        #expect(back.shelvedAt == notified.shelvedAt)  // its wait goes on, it does not start again
        #expect(back.releasedAt == nil)
        #expect(back.pickupID == nil)
        #expect(try store.readNow { try $0.parcel(id: parcel.id) } == back)
        let (_, events) = try await engine.parcel(scan: parcel.tracking)
        #expect(events.map(\.kind) == [.intake, .shelve, .notify, .pickUp, .undoPickup])
        let undo = try #require(events.last)
        #expect(undo.fromState == .pickedUp)
        #expect(undo.toState == .notified)
        #expect(undo.details["undoesPickupId"] == String(pickupID))
        #expect(undo.details["reason"] == "给错人了")
        #expect(undo.actor.contains("王芳"))
        // The right recipient collects it with the same code.
        #expect(try await engine.verifyPickup(.code(try #require(parcel.pickupCode))).map(\.id) == [parcel.id])
        _ = try await pickUp(parcel)
        #expect(try await engine.parcel(scan: parcel.tracking).0.state == .pickedUp)
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken == nil)
    }

    @Test func aPickupFromTheShelfGoesBackToShelvedAndSeveralParcelsOfOnePickupAreUndoneOneByOne() async throws {
        let first = try await intake("SF1000000000002", tail: "1111")
        let second = try await intake("SF1000000000003", tail: "1111")
        _ = try await engine.confirmPickup(.init(trackings: [first.tracking, second.tracking], credential: .phoneTail("1111")), by: staff)
        let back = try await engine.undo(.pickup, scan: second.tracking, reason: nil, by: staff)
        #expect(back.state == .shelved)
        #expect(try await engine.parcel(scan: first.tracking).0.state == .pickedUp)
    }

    @Test func anUndoneIntakeVoidsTheStayAndFreesTheTrackingNumber() async throws {
        let parcel = try await intake("SF1000000000004")
        clock.advance(seconds: 30)
        let voided = try await engine.undo(.intake, scan: parcel.tracking, reason: "扫错件", by: staff)
        #expect(voided.state == .voided)
        #expect(voided.releasedAt == clock.nowMillis())
        #expect(try store.readNow { try $0.activeParcel(tracking: parcel.tracking) } == nil)
        await #expect(throws: EngineError.noParcelForCredential) {
            _ = try await engine.verifyPickup(.code(try #require(parcel.pickupCode)))
        }
        // Scanned again later (the parcel does arrive): a new stay, not a repeat.
        let again = try await engine.intake(.init(scan: parcel.tracking), by: staff)
        #expect(!again.isRepeat)
        #expect(again.parcel.id != parcel.id)
        #expect(try await engine.search(ParcelQuery(tracking: parcel.tracking, limit: 10)).map(\.state) == [.shelved, .voided])
    }

    @Test func theWindowIsEnforcedForBothSteps() async throws {
        let kept = try await intake("SF1000000000005")
        let picked = try await intake("SF1000000000006")
        _ = try await pickUp(picked)
        clock.advance(seconds: 10 * 60 + 1)
        await #expect(throws: EngineError.self) { _ = try await engine.undo(.intake, scan: kept.tracking, reason: nil, by: staff) }
        do {
            _ = try await engine.undo(.pickup, scan: picked.tracking, reason: nil, by: staff)
            Issue.record("undo after the window")
        } catch let EngineError.undoWindowPassed(step, at, minutes) {
            #expect(step == "pickup")
            #expect(minutes == 10)
            #expect(at == clock.nowMillis() - 601_000)
        }
        // Nothing was written by the refusals.
        #expect(try await engine.parcel(scan: kept.tracking).1.count == 2)
        #expect(try await engine.parcel(scan: picked.tracking).1.count == 3)
    }

    @Test func undoingWhatDidNotHappenIsAnIllegalTransition() async throws {
        let parcel = try await intake("SF1000000000007")
        await #expect(throws: DomainError.illegalTransition(from: .shelved, action: .undoPickup)) {
            _ = try await engine.undo(.pickup, scan: parcel.tracking, reason: nil, by: staff)
        }
        _ = try await pickUp(parcel)
        await #expect(throws: DomainError.illegalTransition(from: .pickedUp, action: .undoIntake)) {
            _ = try await engine.undo(.intake, scan: parcel.tracking, reason: nil, by: staff)
        }
        _ = try await engine.undo(.pickup, scan: parcel.tracking, reason: nil, by: staff)
        await #expect(throws: DomainError.illegalTransition(from: .shelved, action: .undoPickup)) {
            _ = try await engine.undo(.pickup, scan: parcel.tracking, reason: nil, by: staff)
        }
        await #expect(throws: EngineError.parcelNotFound("SF1999999999999")) {
            _ = try await engine.undo(.intake, scan: "SF1999999999999", reason: nil, by: staff)
        }
    }

    @Test func aCodeHandedToAnotherParcelMeanwhileGivesTheUndonePickupANewCode() async throws {
        let parcel = try await intake("SF1000000000008")
        _ = try await pickUp(parcel)
        let code = try #require(parcel.pickupCode)
        // With a cool-down shorter than the undo window the code can be reused at once; write that directly.
        try await store.write { tx in
            _ = try tx.insertParcel(
                NewParcel(
                    tracking: try TrackingNumber(raw: "SF1000000000009"), courier: "SF", phoneTail: nil, phoneHash: nil, phoneFull: nil,
                    at: clock.nowMillis()),
                shelving: code, actor: "t")
        }
        let back = try await engine.undo(.pickup, scan: parcel.tracking, reason: nil, by: staff)
        #expect(back.state == .shelved)
        let newCode = try #require(back.pickupCode)
        #expect(newCode != code)
        #expect(try store.readNow { try $0.activeParcel(code: newCode)?.id } == parcel.id)
        #expect(try store.readNow { try $0.activeParcel(code: code)?.tracking } == "SF1000000000009")
        #expect(try await engine.parcel(scan: parcel.tracking).1.last?.details["pickupCode"] == newCode.description)
    }

    @Test func anIntakeRecordedOnAHandoffIsNotUndone() async throws {
        let handoff = try await engine.openHandoff(
            .init(direction: .inbound, kind: .delivery, party: "zto-wang", node: "xiang-05", nodeTier: .township, counter: "dock"),
            by: staff)
        let scanned = try await engine.scanIntoHandoff(handoff.uid, scan: "75100000000001", by: staff)
        let parcel = try #require(scanned.parcel)
        await #expect(throws: EngineError.undoOnHandoff(tracking: parcel.tracking, handoff: handoff.uid)) {
            _ = try await engine.undo(.intake, scan: parcel.tracking, reason: nil, by: staff)
        }
    }

    @Test func undoneStepsLeaveTheDaysFiguresAsIfTheyHadNotHappened() async throws {
        let kept = try await intake("SF1000000000010")
        let mistaken = try await intake("SF1000000000011")
        _ = try await engine.undo(.intake, scan: mistaken.tracking, reason: nil, by: staff)
        _ = try await pickUp(kept)
        _ = try await engine.undo(.pickup, scan: kept.tracking, reason: nil, by: staff)
        let day = try await engine.dailyReport(date: nil)
        #expect(day.figures.total.received == 1)
        #expect(day.figures.total.pickedUp == 0)
        #expect(day.figures.total.pickedUpByCourier["SF", default: 0] == 0)
        #expect(day.figures.byCourier.first { $0.courier == "SF" }?.received == 1)
        #expect(day.figures.atStationAtEnd == 1)
    }

    @Test func aStationWithUndoTurnedOffRefusesIt() async throws {
        var settings = engine.settings
        settings.undoWindowMinutes = 0
        let strict = try await fixture.restartedEngine(settings: settings)
        let parcel = try await strict.intake(.init(scan: "SF1000000000012"), by: staff).parcel
        await #expect(throws: EngineError.undoWindowPassed(step: "intake", at: parcel.receivedAt, windowMinutes: 0)) {
            _ = try await strict.undo(.intake, scan: parcel.tracking, reason: nil, by: staff)
        }
    }
}
