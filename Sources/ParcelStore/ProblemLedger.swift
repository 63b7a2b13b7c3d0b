import Foundation
internal import GRDB
public import ParcelDomain

/// A problem parcel (问题件) as the ledger holds it: what went wrong, who recorded it, and how it was closed.
public struct ProblemRecord: Sendable, Equatable {
    public let id: Int64
    public let parcelID: Int64
    public let tracking: String
    public let kind: ProblemKind
    public let note: String?
    /// A reference to a photo of it (a file name in the station's photo folder, a camera's id).
    public let photo: String?
    /// Where it came from: `staff`, or `stocktake <uid>` for one opened from a stocktake's missing list.
    public let source: String
    public let openedAt: Int64
    public let openedBy: String
    public let resolution: ProblemResolution?
    public let resolutionNote: String?
    public let resolvedAt: Int64?
    public let resolvedBy: String?
}

/// Problem parcels counted by kind, for reports and the county.
public struct ProblemCounts: Sendable, Equatable {
    /// Still open now, by kind.
    public var open: [ProblemKind: Int] = [:]
    /// Opened within the period, by kind.
    public var opened: [ProblemKind: Int] = [:]
    /// Resolved within the period, by resolution.
    public var resolved: [ProblemResolution: Int] = [:]
    public init() {}
}

enum ProblemSchema {
    static func migrate(_ db: Database) throws {
        let kinds = Schema.sqlList(ProblemKind.allCases)
        let resolutions = Schema.sqlList(ProblemResolution.allCases)
        try db.execute(
            sql: """
                CREATE TABLE problem (
                    id INTEGER PRIMARY KEY,
                    parcel_id INTEGER NOT NULL REFERENCES parcel(id),
                    kind TEXT NOT NULL CHECK (kind IN (\(kinds))),
                    note TEXT CHECK (note IS NULL OR length(note) BETWEEN 1 AND 2000),
                    photo TEXT CHECK (photo IS NULL OR length(photo) BETWEEN 1 AND 256),
                    source TEXT NOT NULL,
                    opened_at INTEGER NOT NULL,
                    opened_by TEXT NOT NULL,
                    resolution TEXT CHECK (resolution IS NULL OR resolution IN (\(resolutions))),
                    resolution_note TEXT CHECK (resolution_note IS NULL OR length(resolution_note) BETWEEN 1 AND 2000),
                    resolved_at INTEGER,
                    resolved_by TEXT,
                    CHECK ((resolution IS NULL) = (resolved_at IS NULL) AND (resolved_at IS NULL) = (resolved_by IS NULL))
                ) STRICT;
                -- One open problem per parcel; its history keeps every closed one.
                CREATE UNIQUE INDEX problem_open ON problem(parcel_id) WHERE resolution IS NULL;
                CREATE INDEX problem_parcel ON problem(parcel_id);
                CREATE INDEX problem_opened ON problem(opened_at);
                CREATE INDEX problem_resolved ON problem(resolved_at) WHERE resolved_at IS NOT NULL;
                CREATE TRIGGER problem_resolved_is_final BEFORE UPDATE ON problem WHEN OLD.resolution IS NOT NULL
                BEGIN SELECT RAISE(ABORT, 'a resolved problem is final'); END;
                CREATE TRIGGER problem_no_delete BEFORE DELETE ON problem
                BEGIN SELECT RAISE(ABORT, 'problems are never deleted'); END;
                """)
        // The county counts problem parcels by kind: a snapshot per change, without the note, photo or names.
        try TableRebuild.widenInPlace(
            "sync_outbox",
            [
                "kind IN ('parcel', 'handoff', 'discrepancy', 'outgoing', 'complaint')":
                    "kind IN ('parcel', 'handoff', 'discrepancy', 'outgoing', 'complaint', 'problem')"
            ],
            in: db)
        let snapshot = """
            json_object('tracking', (SELECT tracking FROM parcel WHERE id = NEW.parcel_id), 'kind', NEW.kind, 'openedAt', NEW.opened_at,
                'resolution', NEW.resolution, 'resolvedAt', NEW.resolved_at)
            """
        try db.execute(
            sql: """
                CREATE TRIGGER sync_problem_opened AFTER INSERT ON problem
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('problem', NEW.id, NEW.opened_at, \(snapshot)); END;
                CREATE TRIGGER sync_problem_resolved AFTER UPDATE OF resolution ON problem WHEN NEW.resolution IS NOT NULL
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('problem', NEW.id, NEW.resolved_at, \(snapshot)); END;
                """)
    }
}

extension LedgerReader {
    static let problemSelect = "SELECT r.*, p.tracking AS tracking FROM problem r JOIN parcel p ON p.id = r.parcel_id"

    static func problem(from row: Row) -> ProblemRecord {
        ProblemRecord(
            id: row["id"], parcelID: row["parcel_id"], tracking: row["tracking"],
            kind: ProblemKind(rawValue: row["kind"]) ?? .lost, note: row["note"], photo: row["photo"], source: row["source"],
            openedAt: row["opened_at"], openedBy: row["opened_by"],
            resolution: (row["resolution"] as String?).flatMap(ProblemResolution.init(rawValue:)), resolutionNote: row["resolution_note"],
            resolvedAt: row["resolved_at"], resolvedBy: row["resolved_by"])
    }

    public func problem(id: Int64) throws -> ProblemRecord? {
        try Row.fetchOne(db, sql: Self.problemSelect + " WHERE r.id = ?", arguments: [id]).map(Self.problem)
    }

    /// The parcel's open problem, if it has one.
    public func openProblem(parcelID: Int64) throws -> ProblemRecord? {
        try Row.fetchOne(db, sql: Self.problemSelect + " WHERE r.parcel_id = ? AND r.resolution IS NULL", arguments: [parcelID]).map(
            Self.problem)
    }

    /// Every problem of a parcel's stay, oldest first.
    public func problems(parcelID: Int64) throws -> [ProblemRecord] {
        try Row.fetchAll(db, sql: Self.problemSelect + " WHERE r.parcel_id = ? ORDER BY r.id", arguments: [parcelID]).map(Self.problem)
    }

    /// Problems, newest first; only open ones with `openOnly`, only of `kind` when given.
    public func problems(openOnly: Bool, kind: ProblemKind?, limit: Int) throws -> [ProblemRecord] {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if openOnly { clauses.append("r.resolution IS NULL") }
        if let kind {
            clauses.append("r.kind = ?")
            arguments.append(kind.rawValue)
        }
        let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        arguments.append(limit)
        return try Row.fetchAll(
            db, sql: Self.problemSelect + filter + " ORDER BY r.id DESC LIMIT ?", arguments: StatementArguments(arguments)
        ).map(Self.problem)
    }

    /// Open problems now, and those opened and resolved within `[from, to)`.
    public func problemCounts(from: Int64, to: Int64) throws -> ProblemCounts {
        var counts = ProblemCounts()
        for row in try Row.fetchAll(db, sql: "SELECT kind, count(*) FROM problem WHERE resolution IS NULL GROUP BY kind") {
            if let kind = ProblemKind(rawValue: row[0]) { counts.open[kind] = row[1] }
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT kind, count(*) FROM problem WHERE opened_at >= ? AND opened_at < ? GROUP BY kind", arguments: [from, to])
        {
            if let kind = ProblemKind(rawValue: row[0]) { counts.opened[kind] = row[1] }
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT resolution, count(*) FROM problem WHERE resolved_at >= ? AND resolved_at < ? GROUP BY resolution",
            arguments: [from, to])
        {
            if let resolution = ProblemResolution(rawValue: row[0]) { counts.resolved[resolution] = row[1] }
        }
        return counts
    }
}

extension LedgerTransaction {
    public func insertProblem(
        parcelID: Int64, kind: ProblemKind, note: String?, photo: String?, source: String, at: Int64, by: String
    ) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO problem (parcel_id, kind, note, photo, source, opened_at, opened_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [parcelID, kind.rawValue, note, photo, source, at, by])
        return db.lastInsertedRowID
    }

    public func resolveProblem(_ id: Int64, resolution: ProblemResolution, note: String?, at: Int64, by: String) throws {
        try db.execute(
            sql: "UPDATE problem SET resolution = ?, resolution_note = ?, resolved_at = ?, resolved_by = ? WHERE id = ?",
            arguments: [resolution.rawValue, note, at, by, id])
    }
}
