import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

/// Adding the recipient's phone after intake, through the real engine and ledger: what is stored, what pickup then
/// finds, the event and the chain, and which parcels refuse it. And the staff a scan names, recorded with what it does.
@Suite struct SetPhoneTests: EngineSuite {
    let fixture: EngineFixture
    let staff = Caller(client: "console", uid: 1000, staff: "王芳")

    init() async throws {
        let settings = StationSettings(
            stationID: "cun-01", stationName: "李家村服务站", shelves: ShelfLayout(shelves: [.init(id: 1, layers: 2, layerCapacity: 20)]))
        fixture = try await EngineFixture(prefix: "parcel-set-phone", settings: settings)
    }

    func storedPhone(_ id: Int64) throws -> (tail: String?, hash: Data?, full: String?) {
        try store.readNow { reader in
            (try reader.parcel(id: id)?.phoneTail, try reader.phoneHash(parcelID: id), try reader.fullPhone(parcelID: id))
        }
    }

    @Test func aTailAddedAfterIntakeIsWhatPickupByTailFindsAndOneChainedEventRecordsIt() async throws {
        let parcel = try await engine.intake(.init(scan: "SF1000000000001"), by: staff).parcel
        #expect(parcel.phoneTail == nil)
        await #expect(throws: EngineError.noParcelForCredential) { try await engine.verifyPickup(.phoneTail("5678")) }

        clock.advance(seconds: 30)
        let updated = try await engine.setPhone(scan: "sf1000000000001", phone: nil, phoneTail: "5678", by: staff)
        #expect(updated.phoneTail == "5678")
        #expect(updated.state == .shelved)
        #expect(updated.pickupCode == parcel.pickupCode)
        #expect(updated.shelvedAt == parcel.shelvedAt)  // its wait is not restarted
        #expect(!updated.hasPhoneHash)
        #expect(try store.readNow { try $0.parcel(id: parcel.id) } == updated)
        #expect(try await engine.verifyPickup(.phoneTail("5678")).map(\.id) == [parcel.id])

        let (_, events) = try await engine.parcel(scan: parcel.tracking)
        #expect(events.map(\.kind) == [.intake, .shelve, .setPhone])
        let event = try #require(events.last)
        #expect(event.fromState == .shelved)
        #expect(event.toState == .shelved)
        #expect(event.actor == "王芳@console(uid 1000)")
        #expect(event.details["given"] == "phoneTail")
        #expect(event.details["replaced"] == nil)
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken == nil)
    }

    @Test func aFullNumberIsKeptAsTailAndHashLikeIntakeKeepsItAndAReplacementDropsTheOldHash() async throws {
        let parcel = try await engine.intake(.init(scan: "SF1000000000002", phoneTail: "1111"), by: staff).parcel
        let updated = try await engine.setPhone(scan: parcel.tracking, phone: "138 1234 5678", phoneTail: nil, by: staff)
        #expect(updated.phoneTail == "5678")
        #expect(updated.hasPhoneHash)
        // The same hash intake would have stored for that number.
        let twin = try await engine.intake(.init(scan: "SF1000000000003", phone: "13812345678"), by: staff).parcel
        let stored = try storedPhone(parcel.id)
        #expect(stored.tail == "5678")
        #expect(stored.hash != nil)
        #expect(stored.hash == (try storedPhone(twin.id)).hash)
        #expect(stored.full == nil)  // storeFullPhone is off
        // The full number checks against the hash: another number with the same tail does not collect it.
        #expect(Set(try await engine.verifyPickup(.phone(try PhoneNumber(parsing: "13812345678"))).map(\.id)) == [parcel.id, twin.id])
        await #expect(throws: EngineError.noParcelForCredential) {
            try await engine.verifyPickup(.phone(try PhoneNumber(parsing: "13999995678")))
        }
        // The tail it replaced no longer names it.
        await #expect(throws: EngineError.noParcelForCredential) { try await engine.verifyPickup(.phoneTail("1111")) }

        // Nothing of the number is in the log: how it was given and the tail it replaced.
        let (_, events) = try await engine.parcel(scan: parcel.tracking)
        let event = try #require(events.last)
        #expect(event.kind == .setPhone)
        #expect(event.details == ["given": "phone", "replaced": "true", "pickupCode": try #require(parcel.pickupCode).description])
        #expect(!"\(event)".contains("1381234"))

        // Corrected to a tail only: the hash of the earlier number goes with it.
        let corrected = try await engine.setPhone(scan: parcel.tracking, phone: nil, phoneTail: "4321", by: staff)
        #expect(!corrected.hasPhoneHash)
        #expect(try storedPhone(parcel.id).hash == nil)
        #expect(try await engine.verifyPickup(.phoneTail("4321")).map(\.id) == [parcel.id])
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken == nil)
    }

    @Test func onlyAParcelStillWaitingHereTakesAPhone() async throws {
        await #expect(throws: EngineError.parcelNotFound("SF1000000000009")) {
            try await engine.setPhone(scan: "SF1000000000009", phone: nil, phoneTail: "5678", by: staff)
        }
        let collected = try await engine.intake(.init(scan: "SF1000000000004", phoneTail: "2222"), by: staff).parcel
        _ = try await engine.confirmPickup(.init(trackings: [collected.tracking], credential: .phoneTail("2222")), by: staff)
        let returning = try await engine.intake(.init(scan: "SF1000000000005"), by: staff).parcel
        _ = try await engine.returnParcel(scan: returning.tracking, reason: "refused", handedOver: false, by: staff)
        for (tracking, state) in [(collected.tracking, ParcelState.pickedUp), (returning.tracking, .returnRequested)] {
            await #expect(throws: DomainError.illegalTransition(from: state, action: .setPhone)) {
                try await engine.setPhone(scan: tracking, phone: nil, phoneTail: "5678", by: staff)
            }
        }
        let notified = try await engine.intake(.init(scan: "SF1000000000006"), by: staff).parcel
        _ = try await engine.apply(.notify, scan: notified.tracking, reason: nil, by: staff)
        #expect(try await engine.setPhone(scan: notified.tracking, phone: nil, phoneTail: "3333", by: staff).state == .notified)
        // Exactly one of the two, each well formed.
        for (phone, tail) in [(nil, nil), ("13812345678", "5678"), (nil, "12a4"), ("12345", nil)] as [(String?, String?)] {
            await #expect(throws: (any Error).self, "\(phone ?? "-") \(tail ?? "-")") {
                try await engine.setPhone(scan: notified.tracking, phone: phone, phoneTail: tail, by: staff)
            }
        }
        // Refusals wrote nothing.
        #expect(try await engine.parcel(scan: notified.tracking).1.map(\.kind) == [.intake, .shelve, .notify, .setPhone])
    }

    @Test func theStaffAScanNamesIsRecordedWithTheIntakeAndThePickupItDoes() async throws {
        let counter = ScannerDescriptor(id: "socket:console", source: "socket")
        let scanned = await engine.handleScan(
            ScanInput(scanner: counter, text: "SF1000000000007", sequence: 1, monotonicNanos: 1, staff: "王芳"))
        #expect(scanned.result == .intake)
        let (parcel, events) = try await engine.parcel(scan: "SF1000000000007")
        #expect(events.map(\.actor) == ["王芳@scanner socket:console", "王芳@scanner socket:console"])
        // Without a name the scanner alone is the actor, as before.
        _ = await engine.handleScan(ScanInput(scanner: counter, text: "SF1000000000008", sequence: 2, monotonicNanos: 2_000_000_000))
        #expect(try await engine.parcel(scan: "SF1000000000008").1.first?.actor == "scanner socket:console")

        _ = try await engine.setPhone(scan: parcel.tracking, phone: nil, phoneTail: "6666", by: staff)
        try await engine.setScannerRole(counter.id, role: .pickup)
        _ = try await engine.verifyPickup(.phoneTail("6666"), atCounter: ScannerSettings.defaultCounter, by: staff)
        let handed = await engine.handleScan(
            ScanInput(scanner: counter, text: "SF1000000000007", sequence: 3, monotonicNanos: 4_000_000_000, staff: "李四"))
        #expect(handed.result == .pickedUp, "\(handed.error.map { "\($0)" } ?? "")")
        let pickup = try #require(try await engine.parcel(scan: "SF1000000000007").1.last)
        #expect(pickup.kind == .pickUp)
        #expect(pickup.actor == "李四@scanner socket:console")
        let proofStaff = try await store.pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT staff FROM pickup JOIN parcel ON parcel.pickup_id = pickup.id WHERE parcel.id = ?", arguments: [parcel.id])
        }
        #expect(proofStaff == "李四")
    }
}
