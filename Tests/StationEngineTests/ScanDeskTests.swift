import Foundation
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

/// Scans from scanners of each role, through the real engine and ledger.
@Suite struct ScanDeskTests: EngineSuite {
    let fixture: EngineFixture
    let desk = ScannerDescriptor(
        id: "usb:0c2e:0b61:SN-DESK", source: "usb-keyboard", vendorID: 0x0C2E, productID: 0x0B61, serial: "SN-DESK")
    let counter = ScannerDescriptor(id: "usb:0c2e:0b62@1-1.3", source: "usb-pos", vendorID: 0x0C2E, productID: 0x0B62, port: "1-1.3")
    let staff = Caller(client: "test", uid: 1000, staff: "王芳")

    init() async throws {
        let settings = StationSettings(
            stationID: "t", stationName: "测试站", shelves: ShelfLayout(shelves: [.init(id: 1, layers: 2, layerCapacity: 20)]),
            scanners: ScannerSettings(
                defaultRole: .intake,
                assignments: [
                    .init(match: "1-1.3", role: .pickup, counter: "A", name: "取件台"),
                    .init(match: "SN-NEVER-SEEN", role: .stocktake),
                ],
                duplicateWindowMillis: 1500, verificationSeconds: 120))
        fixture = try await EngineFixture(prefix: "parcel-scan", settings: settings)
    }

    /// Scans at a steady monotonic time, `gapMillis` apart, numbered per scanner.
    final class Scanner: @unchecked Sendable {
        let descriptor: ScannerDescriptor
        var nanos: UInt64 = 1_000_000_000
        var sequence: UInt64 = 0
        init(_ descriptor: ScannerDescriptor) { self.descriptor = descriptor }
        func scan(_ text: String, after gapMillis: UInt64 = 2_000) -> ScanInput {
            nanos += gapMillis * 1_000_000
            sequence += 1
            return ScanInput(scanner: descriptor, text: text, symbology: "]C0", sequence: sequence, monotonicNanos: nanos)
        }
    }

    @Test func intakeScansTakeParcelsInAndRepeatsWriteNothing() async throws {
        let scanner = Scanner(desk)
        engine.scannerAttached(desk)
        let first = await engine.handleScan(scanner.scan("SF1000000000001\r"))
        #expect(first.result == .intake)
        #expect(first.role == .intake)
        #expect(first.parcel?.state == .shelved)
        #expect(first.parcel?.pickupCode != nil)
        // The same code again at once: a suppressed duplicate, not an action.
        let bounce = await engine.handleScan(scanner.scan("SF1000000000001\r", after: 300))
        #expect(bounce.result == .duplicate)
        #expect(bounce.parcel == nil)
        // Later, a deliberate rescan: a repeat, still one row.
        let again = await engine.handleScan(scanner.scan("SF1000000000001\r"))
        #expect(again.result == .repeatIntake)
        #expect(again.parcel?.id == first.parcel?.id)
        #expect(try await engine.search(ParcelQuery(tracking: "SF1000000000001")).count == 1)
        let status = try #require(engine.scanners().first { $0.descriptor.id == desk.id })
        #expect(status.scans == 3)
        #expect(status.duplicates == 1)
        #expect(status.attached)
        #expect(status.lastResult == .repeatIntake)
    }

    @Test func unusableScansAreRejectedAndCounted() async throws {
        let scanner = Scanner(desk)
        let misread = await engine.handleScan(scanner.scan("EA123456784CN"))
        #expect(misread.result == .rejected)
        #expect(misread.error as? DomainError == .checkDigitMismatch(format: CourierRule.table[0].format, expected: "5", found: "4"))
        let garbage = await engine.handleScan(scanner.scan("http://example.com/?a=1"))
        #expect(garbage.result == .rejected)
        let command = await engine.handleScan(scanner.scan("PSCMD:DANCE"))
        #expect(command.result == .rejected)
        #expect(command.error as? DomainError == .unknownCommand("PSCMD:DANCE"))
        #expect(engine.scanners().first { $0.descriptor.id == desk.id }?.rejected == 3)
        #expect(try await engine.status().counts.events == 0)
    }

    @Test func commandBarcodesSwitchRolesAndTheSwitchSurvivesARestart() async throws {
        let scanner = Scanner(desk)
        let switched = await engine.handleScan(scanner.scan("]C0PSCMD:OFF\r"))
        #expect(switched.result == .roleChanged)
        #expect(switched.role == .off)
        let ignored = await engine.handleScan(scanner.scan("SF1000000000002"))
        #expect(ignored.result == .ignored)
        #expect(try await engine.status().counts.events == 0)
        #expect(engine.scanners().first { $0.descriptor.id == desk.id }?.roleSource == .command)

        let restarted = try await fixture.restartedEngine()
        restarted.scannerAttached(desk)
        #expect(restarted.scanners().first { $0.descriptor.id == desk.id }?.role == .off)
        #expect(await restarted.handleScan(scanner.scan("SF1000000000002")).result == .ignored)
        // Back to the configured role through the socket's path.
        try await restarted.setScannerRole(desk.id, role: nil)
        #expect(await restarted.handleScan(scanner.scan("SF1000000000002")).result == .intake)
        await #expect(throws: EngineError.scannerNotFound("usb:nope")) { try await restarted.setScannerRole("usb:nope", role: .off) }
    }

    @Test func pickupCounterHandsOutOnlyTheVerifiedRecipientsParcels() async throws {
        for (tracking, tail) in [("SF1000000000011", "1111"), ("SF1000000000012", "1111"), ("SF1000000000013", "2222")] {
            _ = try await engine.intake(.init(scan: tracking, phoneTail: tail), by: staff)
        }
        let pickup = Scanner(counter)
        engine.scannerAttached(counter)
        #expect(engine.scanners().first { $0.descriptor.id == counter.id }?.role == .pickup)
        #expect(await engine.handleScan(pickup.scan("SF1000000000011")).result == .verifyFirst)
        // Verified at another counter: not this one.
        _ = try await engine.verifyPickup(.phoneTail("1111"), atCounter: "B", by: Caller(client: "test"))
        #expect(await engine.handleScan(pickup.scan("SF1000000000011")).result == .verifyFirst)

        let waiting = try await engine.verifyPickup(.phoneTail("1111"), atCounter: "A", by: Caller(client: "test"))
        #expect(waiting.count == 2)
        let wrong = await engine.handleScan(pickup.scan("SF1000000000013"))
        #expect(wrong.result == .notThisRecipient)
        let first = await engine.handleScan(pickup.scan("SF1000000000011"))
        #expect(first.result == .pickedUp)
        #expect(first.parcel?.state == .pickedUp)
        #expect(first.remaining == 1)
        let second = await engine.handleScan(pickup.scan("SF1000000000012"))
        #expect(second.result == .pickedUp)
        #expect(second.remaining == 0)
        // Everything handed out closes the verification.
        #expect(await engine.handleScan(pickup.scan("SF1000000000013")).result == .verifyFirst)
        #expect(try await engine.parcel(scan: "SF1000000000013").0.state == .shelved)
    }

    @Test func aCounterVerificationExpires() async throws {
        _ = try await engine.intake(.init(scan: "SF1000000000021", phoneTail: "3333"), by: staff)
        _ = try await engine.verifyPickup(.phoneTail("3333"), atCounter: "A", by: Caller(client: "test"))
        clock.advance(hours: 1)
        let late = await engine.handleScan(Scanner(counter).scan("SF1000000000021"))
        #expect(late.result == .verifyFirst)
        #expect(try await engine.parcel(scan: "SF1000000000021").0.state == .shelved)
    }

    @Test func twoScannersWithDifferentRolesAtOnce() async throws {
        let intake = Scanner(desk)
        let pickup = Scanner(counter)
        async let a = engine.handleScan(intake.scan("YT1000000000031"))
        async let b = engine.handleScan(pickup.scan("YT1000000000031"))
        let (taken, counterScan) = await (a, b)
        #expect(taken.result == .intake)
        #expect(counterScan.result == .verifyFirst)
        #expect(counterScan.counter == "A")
    }

    @Test func inventoryListsSeenAndConfiguredScannersAndSubscribersHearEverything() async throws {
        let stream = try await engine.subscribe()
        engine.scannerAttached(desk)
        _ = await engine.handleScan(Scanner(desk).scan("JT1000000000041"))
        engine.scanDropped(desk, bytes: 5)
        engine.scannerDetached(desk)
        var seen: [String] = []
        for await event in stream {
            switch event {
            case .ledger(let event, _): seen.append("ledger.\(event.kind.rawValue)")
            case .station(let record): seen.append(record.name)
            case .scan(let outcome): seen.append("scan.\(outcome.result.rawValue)")
            case .scanner(.attached(let status)): seen.append("attached.\(status.role.rawValue)")
            case .scanner(.detached(let status)): seen.append("detached.\(status.attached)")
            case .scanner(.partialDropped(_, let bytes)): seen.append("dropped.\(bytes)")
            }
            if seen.last?.hasPrefix("detached") == true { break }
        }
        #expect(seen == ["attached.intake", "ledger.intake", "ledger.shelve", "scan.intake", "dropped.5", "detached.false"])
        let list = engine.scanners()
        // The desk scanner (seen, now away), then the configured ones never seen.
        #expect(list.map(\.descriptor.id) == [desk.id, "1-1.3", "SN-NEVER-SEEN"])
        #expect(list.last?.role == .stocktake)
        #expect(list.last?.attached == false)
        #expect(list.first?.attached == false)
    }
}
