import Foundation
internal import GRDB
import ParcelDomain

public struct StocktakeRecord: Sendable, Equatable {
    public let id: Int64
    public let uid: String
    /// The shelf swept, or nil for the whole station.
    public let shelf: Int?
    public let counter: String
    public let isOpen: Bool
    public let startedAt: Int64
    public let startedBy: String
    public let closedAt: Int64?
    /// The final report (JSON), once closed.
    public let report: String?
}

extension LedgerReader {
    static func stocktake(from row: Row) -> StocktakeRecord {
        StocktakeRecord(
            id: row["id"], uid: row["uid"], shelf: row["shelf"], counter: row["counter"], isOpen: (row["state"] as String) == "open",
            startedAt: row["started_at"], startedBy: row["started_by"], closedAt: row["closed_at"], report: row["report"])
    }

    public func stocktake(uid: String) throws -> StocktakeRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM stocktake WHERE uid = ?", arguments: [uid]).map(Self.stocktake)
    }

    public func openStocktakes(counter: String) throws -> [StocktakeRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM stocktake WHERE state = 'open' AND counter = ? ORDER BY id", arguments: [counter])
            .map(Self.stocktake)
    }

    /// Tracking numbers scanned in a stocktake, in scan order.
    public func stocktakeScans(_ id: Int64) throws -> [(tracking: String, at: Int64)] {
        try Row.fetchAll(
            db, sql: "SELECT tracking, scanned_at FROM stocktake_scan WHERE stocktake_id = ? ORDER BY scanned_at, tracking", arguments: [id]
        )
        .map { ($0[0], $0[1]) }
    }

    /// Parcels the ledger says are on `shelf` (or anywhere at the station): active and holding a code.
    public func parcelsOnShelf(_ shelf: Int?) throws -> [ParcelRecord] {
        let filter = shelf == nil ? "" : " AND shelf = ?"
        return try Row.fetchAll(
            db,
            sql:
                "SELECT \(Self.parcelColumns) FROM parcel WHERE released_at IS NULL AND seq IS NOT NULL\(filter) ORDER BY shelf, layer, seq",
            arguments: StatementArguments(shelf.map { [$0] } ?? [])
        ).map(Self.parcel)
    }

    /// The latest stay of each number (active or not), for classifying what a sweep found.
    public func latestParcels(trackings: [String]) throws -> [String: ParcelRecord] {
        var found: [String: ParcelRecord] = [:]
        for tracking in trackings {
            if let parcel = try latestParcel(tracking: tracking) { found[tracking] = parcel }
        }
        return found
    }
}

extension LedgerTransaction {
    public func insertStocktake(uid: String, shelf: Int?, counter: String, at: Int64, by: String) throws -> StocktakeRecord {
        try db.execute(
            sql: "INSERT INTO stocktake (uid, shelf, counter, state, started_at, started_by) VALUES (?, ?, ?, 'open', ?, ?)",
            arguments: [uid, shelf, counter, at, by])
        guard let record = try stocktake(uid: uid) else { throw StoreError.unavailable("stocktake vanished") }
        return record
    }

    /// Records a scan; false when the number was scanned before in this stocktake.
    public func insertStocktakeScan(_ id: Int64, tracking: String, at: Int64) throws -> Bool {
        try db.execute(
            sql: "INSERT INTO stocktake_scan (stocktake_id, tracking, scanned_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            arguments: [id, tracking, at])
        return db.changesCount > 0
    }

    public func closeStocktake(_ id: Int64, at: Int64, report: String) throws {
        try db.execute(
            sql: "UPDATE stocktake SET state = 'closed', closed_at = ?, report = ? WHERE id = ? AND state = 'open'",
            arguments: [at, report, id])
    }
}
