import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

@Suite struct StationEngineTests: EngineSuite {
    /// This test's own log: what the engine logged for it and nothing else.
    let log = CapturingLogHandler()
    let fixture: EngineFixture
    let staff = Caller(client: "test", uid: 1000, staff: "王芳")

    init() async throws {
        let settings = StationSettings(
            stationID: "t", stationName: "测试站",
            shelves: ShelfLayout(shelves: [.init(id: 1, layers: 2, layerCapacity: 3), .init(id: 2, layers: 1, layerCapacity: 3)]),
            codeCooldownHours: 24, holdHours: 168)
        fixture = try await EngineFixture(prefix: "parcel-engine", settings: settings, logger: log.logger())
    }

    @Test func intakeShelvesWithACodeAndRankedCouriers() async throws {
        let outcome = try await engine.intake(.init(scan: "]C0sf1234567890123\r\n", phoneTail: "5678"), by: staff)
        #expect(!outcome.isRepeat)
        #expect(outcome.parcel.state == .shelved)
        #expect(outcome.parcel.tracking == "SF1234567890123")
        #expect(outcome.parcel.rawScan == "]C0sf1234567890123\r\n")
        #expect(outcome.parcel.pickupCode == PickupCode(shelf: 1, layer: 1, sequence: 1))
        #expect(outcome.parcel.courier == "SF")
        #expect(outcome.parcel.phoneTail == "5678")
        let (_, events) = try await engine.parcel(scan: "SF1234567890123")
        #expect(events.map(\.kind) == [.intake, .shelve])
        #expect(events.allSatisfy { $0.actor == "王芳@test(uid 1000)" })
    }

    @Test func rescanningAnActiveParcelIsARepeatNotASecondRow() async throws {
        let first = try await engine.intake(.init(scan: "YT1234567890123"), by: staff)
        let second = try await engine.intake(.init(scan: "yt1234567890123\n"), by: staff)
        #expect(second.isRepeat)
        #expect(second.parcel.id == first.parcel.id)
        #expect(try await engine.search(ParcelQuery(tracking: "YT1234567890123")).count == 1)
    }

    @Test func codesSpreadOverLayersAndStayTwoDigitsApart() async throws {
        var codes: [PickupCode] = []
        for index in 0..<9 {
            let outcome = try await engine.intake(.init(scan: "JT10000000000\(10 + index)"), by: staff)
            codes.append(try #require(outcome.parcel.pickupCode))
        }
        #expect(Set(codes).count == 9)
        // Three layers of capacity 3: emptiest layer first, so each layer gets three.
        let perLayer = Dictionary(grouping: codes) { "\($0.shelf)-\($0.layer)" }.mapValues(\.count)
        #expect(perLayer == ["1-1": 3, "1-2": 3, "2-1": 3])
        for (_, group) in Dictionary(grouping: codes, by: { "\($0.shelf)-\($0.layer)" }) {
            for a in group { for b in group where a != b { #expect(PickupCode.digitDistance(a.sequence, b.sequence) >= 2) } }
        }
    }

    @Test func pickupByPhoneTailHandsOutSeveralParcelsWithProof() async throws {
        _ = try await engine.intake(.init(scan: "SF1000000000001", phone: "+86 138-1234-5678"), by: staff)
        _ = try await engine.intake(.init(scan: "SF1000000000002", phoneTail: "5678"), by: staff)
        _ = try await engine.intake(.init(scan: "SF1000000000003", phoneTail: "1111"), by: staff)
        let waiting = try await engine.verifyPickup(.phoneTail("5678"))
        #expect(Set(waiting.map(\.tracking)) == ["SF1000000000001", "SF1000000000002"])
        let (pickupID, parcels) = try await engine.confirmPickup(
            .init(trackings: ["SF1000000000001", "SF1000000000002"], credential: .phoneTail("5678"), collector: "李四"), by: staff)
        #expect(parcels.allSatisfy { $0.state == .pickedUp && $0.pickupID == pickupID && $0.releasedAt == clock.nowMillis() })
        let (_, events) = try await engine.parcel(scan: "SF1000000000001")
        #expect(events.last?.kind == .pickUp)
        #expect(events.last?.details["byProxy"] == "true" && events.last?.details["collector"] == nil)
        #expect(events.last?.details["method"] == "phoneTail")
        await #expect(throws: EngineError.noParcelForCredential) { _ = try await engine.verifyPickup(.phoneTail("5678")) }
    }

    @Test func pickupRefusesAParcelOfSomeoneElseAndChangesNothing() async throws {
        let mine = try await engine.intake(.init(scan: "SF1000000000001", phoneTail: "5678"), by: staff)
        _ = try await engine.intake(.init(scan: "SF1000000000002", phoneTail: "9999"), by: staff)
        let code = try #require(mine.parcel.pickupCode)
        await #expect(throws: EngineError.credentialMismatch(tracking: "SF1000000000002")) {
            _ = try await engine.confirmPickup(
                .init(trackings: ["SF1000000000001", "SF1000000000002"], credential: .code(code)), by: staff)
        }
        // All or nothing: the parcel that did match was not handed out either.
        #expect(try await engine.parcel(scan: "SF1000000000001").0.state == .shelved)
        await #expect(throws: EngineError.parcelNotFound("SF1000000000009")) {
            _ = try await engine.confirmPickup(.init(trackings: ["SF1000000000009"], credential: .code(code)), by: staff)
        }
    }

    @Test func fullPhoneNumberIsHashedNotStoredAndNeverLogged() async throws {
        _ = try await engine.intake(.init(scan: "SF1000000000001", phone: "13812345678"), by: staff)
        let stored = try store.readNow { reader in
            (try reader.activeParcel(tracking: "SF1000000000001"), try reader.phoneHash(parcelID: 1))
        }
        #expect(stored.0?.phoneTail == "5678")
        #expect(stored.1?.count == 32)
        let full = try await store.pool.read { db in try String.fetchOne(db, sql: "SELECT phone_full FROM parcel") }
        #expect(full == nil)
        // The full number finds the parcel through the hash; a different number with the same tail does not.
        #expect(try await engine.verifyPickup(.phone(PhoneNumber(parsing: "13812345678"))).count == 1)
        await #expect(throws: EngineError.noParcelForCredential) {
            _ = try await engine.verifyPickup(.phone(PhoneNumber(parsing: "13900005678")))
        }
        // The intake was logged (so the log is really captured), without the number.
        #expect(log.lines.contains { $0.contains("SF1000000000001") })
        #expect(log.lines.allSatisfy { !$0.contains("13812345678") && !$0.contains("1381234") })
    }

    @Test func returnFlowAndIllegalTransitions() async throws {
        _ = try await engine.intake(.init(scan: "ZTO123456789012"), by: staff)
        let requested = try await engine.returnParcel(scan: "ZTO123456789012", reason: "overdue", handedOver: false, by: staff)
        #expect(requested.state == .returnRequested)
        await #expect(throws: DomainError.illegalTransition(from: .returnRequested, action: .pickUp)) {
            _ = try await engine.apply(.pickUp, scan: "ZTO123456789012", reason: nil, by: staff)
        }
        let returned = try await engine.returnParcel(scan: "ZTO123456789012", reason: nil, handedOver: true, by: staff)
        #expect(returned.state == .returned)
        #expect(returned.releasedAt != nil)
        await #expect(throws: EngineError.parcelNotFound("ZTO123456789012")) {
            _ = try await engine.returnParcel(scan: "ZTO123456789012", reason: nil, handedOver: true, by: staff)
        }
    }

    @Test func releasedCodesCoolDownBeforeReuse() async throws {
        let first = try await engine.intake(.init(scan: "SF1000000000001", phoneTail: "1234"), by: staff)
        let code = try #require(first.parcel.pickupCode)
        _ = try await engine.confirmPickup(.init(trackings: ["SF1000000000001"], credential: .code(code)), by: staff)
        // Fill the station past one round of layers: the released code must not come back within 24 h.
        var seen: [PickupCode] = []
        for index in 0..<8 {
            seen.append(try #require(try await engine.intake(.init(scan: "SF20000000000\(10 + index)"), by: staff).parcel.pickupCode))
        }
        #expect(!seen.contains(code))
        clock.advance(hours: 25)
        let allocator = PickupCodeAllocator()
        let occupancy = try store.readNow {
            try $0.occupancy(of: LayerKey(shelf: 1, layer: 1), capacity: 3, releasedSince: clock.nowMillis() - 24 * 3_600_000)
        }
        #expect(!occupancy.coolingSequences.contains(code.sequence))
        #expect(allocator.sequence(on: occupancy) != nil)
    }

    @Test func backlogAgesWithTheClock() async throws {
        _ = try await engine.intake(.init(scan: "SF1000000000001"), by: staff)
        clock.advance(hours: 30)
        _ = try await engine.intake(.init(scan: "YT1000000000001"), by: staff)
        clock.advance(hours: 150)
        let report = try await engine.backlog(olderThanHours: 0)
        #expect(report.total == 2)
        #expect(report.buckets.map(\.count) == [0, 0, 0, 1, 1])
        let overdueOnly = try await engine.backlog(olderThanHours: 168)
        #expect(overdueOnly.total == 1)
        #expect(overdueOnly.oldest.first?.tracking == "SF1000000000001")
        #expect(engine.isOverdue(try #require(overdueOnly.oldest.first)))
        let status = try await engine.status()
        #expect(status.overdue == 1)
        #expect(status.counts.byState[.shelved] == 2)
        await #expect(throws: EngineError.self) { _ = try await engine.backlog(olderThanHours: -1) }
    }

    @Test func subscribersSeeCommittedEventsInOrder() async throws {
        let stream = try await engine.subscribe()
        _ = try await engine.intake(.init(scan: "SF1000000000001", phoneTail: "5678"), by: staff)
        _ = try await engine.confirmPickup(.init(trackings: ["SF1000000000001"], credential: .phoneTail("5678")), by: staff)
        var kinds: [ParcelEventKind] = []
        for await case .ledger(let event, _) in stream {
            kinds.append(event.kind)
            if kinds.count == 3 { break }
        }
        #expect(kinds == [.intake, .shelve, .pickUp])
    }

    @Test func malformedScansAreRejectedBeforeAnyWrite() async throws {
        await #expect(throws: DomainError.emptyScan) { _ = try await engine.intake(.init(scan: "\r\n\t"), by: staff) }
        await #expect(throws: DomainError.self) { _ = try await engine.intake(.init(scan: "SF12345#67890"), by: staff) }
        await #expect(throws: DomainError.checkDigitMismatch(format: CourierRule.table[0].format, expected: "5", found: "4")) {
            _ = try await engine.intake(.init(scan: "EA123456784CN"), by: staff)
        }
        await #expect(throws: EngineError.self) {
            _ = try await engine.intake(.init(scan: "SF1000000000001", phone: "13812345678", phoneTail: "0000"), by: staff)
        }
        #expect(try await engine.status().counts.events == 0)
    }

    @Test func concurrentIntakesShareCommitsAndAllLand() async throws {
        let settings = StationSettings(shelves: ShelfLayout(shelves: (1...5).map { .init(id: $0, layers: 5, layerCapacity: 50) }))
        let wide = try await fixture.restartedEngine(settings: settings)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<300 {
                group.addTask { _ = try await wide.intake(.init(scan: "JD00\(String(1_000_000_000 + index))"), by: staff) }
            }
            try await group.waitForAll()
        }
        let active = try await wide.search(ParcelQuery(activeOnly: true, limit: 1000))
        #expect(active.count == 300)
        #expect(Set(active.compactMap(\.pickupCode)).count == 300)
    }

    @Test func concurrentWritesPublishEachEventExactlyOnce() async throws {
        let stream = try await engine.subscribe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask { _ = try await engine.intake(.init(scan: "YT20000000000\(10 + index)"), by: staff) }
            }
            try await group.waitForAll()
        }
        // One more write afterwards marks the end: everything before it must have been delivered once.
        _ = try await engine.intake(.init(scan: "JT9999999999999"), by: staff)
        var ids: [Int64] = []
        for await case .ledger(let event, let parcel) in stream {
            ids.append(event.id)
            if parcel.tracking == "JT9999999999999" && event.kind == .shelve { break }
        }
        #expect(ids.count == 82)
        #expect(Set(ids).count == ids.count)
        #expect(ids == ids.sorted())
    }
}
