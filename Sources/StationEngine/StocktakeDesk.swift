import Foundation
import Logging
import ParcelDomain
public import ParcelStore
import StationReceipts
import StrictJSON

/// What a stocktake found, and what the ledger expected that it did not find.
public struct StocktakeReport: Sendable, Codable, Equatable {
    public struct Item: Sendable, Codable, Equatable {
        public var tracking: String
        public var pickupCode: String?
        /// The ledger's state of the parcel's latest stay (null: the station never had it).
        public var state: String?
        public var shelvedAt: String?
    }

    public var stocktake: String
    /// The shelf swept, or null for the whole station.
    public var shelf: Int?
    public var startedAt: String
    public var closedAt: String?
    public var scanned: Int
    /// On this shelf, where the ledger has it.
    public var found: [Item]
    /// At the station, but its pickup code names another shelf.
    public var misplaced: [Item]
    /// Not at the station according to the ledger (never arrived, or already picked up or returned).
    public var unknown: [Item]
    /// The ledger has it on this shelf; the sweep did not find it.
    public var missing: [Item]
    /// Found or misplaced, and waiting longer than the hold period.
    public var longStay: [Item]
}

extension StationEngine {
    public struct StocktakeScan: Sendable {
        public enum Result: String, Sendable {
            case found, misplaced, unknown, repeatScan
        }
        public let result: Result
        public let stocktake: String
        public let parcel: ParcelRecord?
        public let scanned: Int
    }

    public nonisolated func startStocktake(shelf: Int?, counter: String?, by caller: Caller) async throws -> StocktakeRecord {
        if let shelf, !settings.shelves.shelves.contains(where: { $0.id == shelf }) {
            throw EngineError.invalidParameter(name: "shelf", reason: "no shelf \(shelf) is configured")
        }
        let now = clock.nowMillis()
        let actor = caller.actor
        let record = try await store.write { tx in
            let record = try tx.insertStocktake(
                uid: EventID.make(at: now), shelf: shelf, counter: counter ?? ScannerSettings.defaultCounter, at: now, by: actor)
            try tx.appendStationEvent(
                name: StationEventName.stocktakeOpened, at: now,
                data: StocktakeEventData(stocktake: record.uid, shelf: record.shelf, counter: record.counter, actor: actor))
            return record
        }
        await publishStationEvents()
        return record
    }

    static func openStocktake(_ uid: String, in reader: LedgerReader) throws -> StocktakeRecord {
        guard let record = try reader.stocktake(uid: uid) else { throw EngineError.stocktakeNotFound(uid) }
        guard record.isOpen else { throw EngineError.stocktakeClosed(uid) }
        return record
    }

    public nonisolated func scanStocktake(_ uid: String, scan text: String) async throws -> StocktakeScan {
        let tracking = try TrackingNumber(raw: text).value
        let now = clock.nowMillis()
        let done = try await store.write { tx in
            let record = try Self.openStocktake(uid, in: tx)
            let new = try tx.insertStocktakeScan(record.id, tracking: tracking, at: now)
            let scanned = try tx.stocktakeScans(record.id).count
            let parcel = try tx.activeParcel(tracking: tracking)
            let result: StocktakeScan.Result
            if !new {
                result = .repeatScan
            } else if let parcel, let code = parcel.pickupCode {
                result = record.shelf == nil || code.shelf == record.shelf ? .found : .misplaced
            } else {
                result = parcel == nil ? .unknown : .misplaced
            }
            if new {
                try tx.appendStationEvent(
                    name: StationEventName.stocktakeScanned, at: now,
                    data: StocktakeEventData(
                        stocktake: uid, shelf: record.shelf, tracking: tracking, result: result.rawValue, scanned: scanned))
            }
            return StocktakeScan(result: result, stocktake: uid, parcel: parcel, scanned: scanned)
        }
        await publishStationEvents()
        return done
    }

    /// Closes the sweep and keeps its report.
    public nonisolated func closeStocktake(_ uid: String) async throws -> StocktakeReport {
        let now = clock.nowMillis()
        let holdHours = settings.holdHours
        let (report, record) = try await store.write { tx -> (StocktakeReport, StocktakeRecord) in
            let record = try Self.openStocktake(uid, in: tx)
            let report = try Self.report(for: record, in: tx, now: now, holdHours: holdHours, closing: true)
            let text = String(decoding: try JSONEncoder.receipt.encode(report), as: UTF8.self)
            try tx.closeStocktake(record.id, at: now, report: text)
            try tx.appendStationEvent(
                name: StationEventName.stocktakeClosed, at: now,
                data: StocktakeEventData(
                    stocktake: record.uid, shelf: record.shelf, scanned: report.scanned, found: report.found.count,
                    misplaced: report.misplaced.count, unknown: report.unknown.count, missing: report.missing.count,
                    longStay: report.longStay.count))
            return (report, record)
        }
        await publishStationEvents()
        logger.info(
            "stocktake closed",
            metadata: [
                "stocktake": "\(uid)", "shelf": "\(record.shelf.map(String.init) ?? "all")", "missing": "\(report.missing.count)",
                "misplaced": "\(report.misplaced.count)", "unknown": "\(report.unknown.count)",
            ])
        return report
    }

    /// The report so far (open) or as closed.
    public nonisolated func stocktakeReport(_ uid: String) async throws -> StocktakeReport {
        let now = clock.nowMillis()
        let holdHours = settings.holdHours
        return try await store.read { reader in
            guard let record = try reader.stocktake(uid: uid) else { throw EngineError.stocktakeNotFound(uid) }
            if let stored = record.report,
                let report = try? StrictJSONDecoder.ownOutput.decode(StocktakeReport.self, from: Data(stored.utf8))
            {
                return report
            }
            return try Self.report(for: record, in: reader, now: now, holdHours: holdHours, closing: false)
        }
    }

    static func report(for record: StocktakeRecord, in reader: LedgerReader, now: Int64, holdHours: Int, closing: Bool) throws
        -> StocktakeReport
    {
        let scans = try reader.stocktakeScans(record.id)
        let scannedSet = Set(scans.map(\.tracking))
        let latest = try reader.latestParcels(trackings: scans.map(\.tracking))
        func item(_ tracking: String, _ parcel: ParcelRecord?) -> StocktakeReport.Item {
            .init(
                tracking: tracking, pickupCode: parcel?.pickupCode?.description, state: parcel?.state.rawValue,
                shelvedAt: parcel?.shelvedAt.map(Receipts.timestamp))
        }
        var found: [StocktakeReport.Item] = []
        var misplaced: [StocktakeReport.Item] = []
        var unknown: [StocktakeReport.Item] = []
        var longStay: [StocktakeReport.Item] = []
        for scan in scans {
            let parcel = latest[scan.tracking]
            guard let parcel, parcel.releasedAt == nil else {
                unknown.append(item(scan.tracking, parcel))
                continue
            }
            if let code = parcel.pickupCode, record.shelf == nil || code.shelf == record.shelf {
                found.append(item(scan.tracking, parcel))
            } else {
                misplaced.append(item(scan.tracking, parcel))
            }
            if ParcelLifecycle.isOverdue(state: parcel.state, shelvedAt: parcel.shelvedAt, now: now, holdHours: holdHours) {
                longStay.append(item(scan.tracking, parcel))
            }
        }
        let missing = try reader.parcelsOnShelf(record.shelf).filter { !scannedSet.contains($0.tracking) }.map { item($0.tracking, $0) }
        return StocktakeReport(
            stocktake: record.uid, shelf: record.shelf, startedAt: Receipts.timestamp(record.startedAt),
            closedAt: closing ? Receipts.timestamp(now) : record.closedAt.map(Receipts.timestamp), scanned: scans.count, found: found,
            misplaced: misplaced, unknown: unknown, missing: missing, longStay: longStay)
    }
}
