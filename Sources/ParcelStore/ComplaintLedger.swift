import Foundation
internal import GRDB

/// A complaint (投诉) as the ledger holds it.
public struct ComplaintRecord: Sendable, Equatable {
    public let id: Int64
    /// The parcel's tracking number, or nil for a handoff complaint.
    public let tracking: String?
    /// The handoff's id, or nil for a parcel complaint.
    public let handoff: String?
    public let text: String
    /// How it came in: phone, counter, county, platform…
    public let source: String?
    public let at: Int64
    public let recordedBy: String
    public let resolution: String?
    public let resolvedAt: Int64?
    public let resolvedBy: String?
}

extension LedgerReader {
    static let complaintSelect = """
        SELECT c.*, p.tracking AS tracking, h.uid AS handoff_uid FROM complaint c
        LEFT JOIN parcel p ON p.id = c.parcel_id LEFT JOIN handoff h ON h.id = c.handoff_id
        """

    static func complaint(from row: Row) -> ComplaintRecord {
        ComplaintRecord(
            id: row["id"], tracking: row["tracking"], handoff: row["handoff_uid"], text: row["text"], source: row["source"], at: row["at"],
            recordedBy: row["recorded_by"], resolution: row["resolution"], resolvedAt: row["resolved_at"], resolvedBy: row["resolved_by"])
    }

    public func complaint(id: Int64) throws -> ComplaintRecord? {
        try Row.fetchOne(db, sql: Self.complaintSelect + " WHERE c.id = ?", arguments: [id]).map(Self.complaint)
    }

    /// Complaints, newest first; only open ones with `openOnly`.
    public func complaints(openOnly: Bool, limit: Int) throws -> [ComplaintRecord] {
        let filter = openOnly ? " WHERE c.resolution IS NULL" : ""
        return try Row.fetchAll(db, sql: Self.complaintSelect + filter + " ORDER BY c.id DESC LIMIT ?", arguments: [limit]).map(
            Self.complaint)
    }
}

extension LedgerTransaction {
    public func insertComplaint(parcelID: Int64?, handoffID: Int64?, text: String, source: String?, at: Int64, by: String) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO complaint (parcel_id, handoff_id, text, source, at, recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [parcelID, handoffID, text, source, at, by])
        return db.lastInsertedRowID
    }

    public func resolveComplaint(_ id: Int64, resolution: String, at: Int64, by: String) throws {
        try db.execute(
            sql: "UPDATE complaint SET resolution = ?, resolved_at = ?, resolved_by = ? WHERE id = ?", arguments: [resolution, at, by, id])
    }
}
