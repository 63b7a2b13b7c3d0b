import Foundation
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

/// A shelf sweep against the real ledger.
@Suite struct StocktakeTests: EngineSuite {
    let fixture: EngineFixture
    let staff = Caller(client: "test", staff: "王芳")

    init() async throws {
        // One layer per shelf, so each parcel's shelf is known from the intake order.
        let settings = StationSettings(
            shelves: ShelfLayout(shelves: [.init(id: 1, layers: 1, layerCapacity: 50), .init(id: 2, layers: 1, layerCapacity: 50)]),
            holdHours: 48, scanners: ScannerSettings(assignments: [.init(match: "sweeper", role: .stocktake)]))
        fixture = try await EngineFixture(prefix: "parcel-stocktake", settings: settings)
    }

    @Test func aSweepFindsMissingMisplacedUnknownAndLongStayParcels() async throws {
        var onShelf: [Int: [String]] = [:]
        for index in 0..<6 {
            let parcel = try await engine.intake(.init(scan: "SF10000000000\(10 + index)"), by: staff).parcel
            onShelf[parcel.pickupCode!.shelf, default: []].append(parcel.tracking)
        }
        _ = try await engine.confirmPickup(
            .init(
                trackings: [onShelf[1]![0]],
                credential: .code(
                    try #require(
                        try await engine.parcel(scan: onShelf[1]![0]).0.pickupCode))), by: staff)
        clock.advance(hours: 72)
        let stocktake = try await engine.startStocktake(shelf: 1, counter: nil, by: staff)
        let sweeper = ScannerDescriptor(id: "sweeper", source: "usb-keyboard")
        var sequence: UInt64 = 0
        func sweep(_ text: String) async -> ScanOutcome {
            sequence += 1
            return await engine.handleScan(
                ScanInput(scanner: sweeper, text: text, sequence: sequence, monotonicNanos: sequence * 10_000_000_000))
        }
        // Shelf 1: the picked-up parcel is still physically there (a ghost), one is found, one is not scanned.
        #expect(await sweep(onShelf[1]![0]).stocktakeResult == "unknown")
        #expect(await sweep(onShelf[1]![1]).stocktakeResult == "found")
        // A shelf-2 parcel sitting on shelf 1, and a parcel the station never had.
        #expect(await sweep(onShelf[2]![0]).stocktakeResult == "misplaced")
        #expect(await sweep("JT9999999999999").stocktakeResult == "unknown")
        #expect(try await engine.scanStocktake(stocktake.uid, scan: onShelf[1]![1]).result == .repeatScan)

        let report = try await engine.closeStocktake(stocktake.uid)
        #expect(report.scanned == 4)
        #expect(report.found.map(\.tracking) == [onShelf[1]![1]])
        #expect(report.misplaced.map(\.tracking) == [onShelf[2]![0]])
        #expect(Set(report.unknown.map(\.tracking)) == [onShelf[1]![0], "JT9999999999999"])
        #expect(report.unknown.first { $0.tracking == onShelf[1]![0] }?.state == "pickedUp")
        #expect(Set(report.missing.map(\.tracking)) == Set(onShelf[1]!.dropFirst(2)))
        #expect(report.longStay.count == 2)
        // Closed: final, and scanners at that counter have nothing open.
        await #expect(throws: EngineError.stocktakeClosed(stocktake.uid)) {
            _ = try await engine.scanStocktake(stocktake.uid, scan: onShelf[1]![2])
        }
        #expect(try await engine.stocktakeReport(stocktake.uid) == report)
        #expect(await sweep(onShelf[1]![2]).result == .noOpenStocktake)
        await #expect(throws: EngineError.self) { _ = try await engine.startStocktake(shelf: 9, counter: nil, by: staff) }
    }
}
