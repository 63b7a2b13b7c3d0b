import Foundation
internal import GRDB
import ParcelDomain
import StrictJSON

/// What one purge step erased: rows whose personal fields were set to NULL (or, for notices, emptied).
public struct PurgeCounts: Sendable, Equatable {
    /// Parcels whose stay ended longer ago than the retention: phone tail, hash and full number erased.
    public var parcels = 0
    /// Pickups whose collector's name (代取) was erased.
    public var pickups = 0
    /// Manifest lines whose recipient's phone was erased (lines of purged parcels, and lines never taken in).
    public var handoffLines = 0
    /// Notices whose recipient was emptied (with their attempts' gateway replies).
    public var notices = 0
    /// Outgoing parcels whose sender's phone tail and hash were erased.
    public var outgoing = 0

    public init() {}

    public var total: Int { parcels + pickups + handoffLines + notices + outgoing }

    public static func + (a: Self, b: Self) -> Self {
        var sum = a
        sum.parcels += b.parcels
        sum.pickups += b.pickups
        sum.handoffLines += b.handoffLines
        sum.notices += b.notices
        sum.outgoing += b.outgoing
        return sum
    }
}

/// One recorded run of the purge job.
public struct PurgeRun: Sendable, Equatable {
    public let id: Int64
    public let startedAt: Int64
    public let finishedAt: Int64
    public let retentionDays: Int
    /// `start`, `schedule` or `request`.
    public let trigger: String
    public let counts: PurgeCounts
}

/// A proof (photo or signature) chained into the custody log by an `attachProof` event.
public struct ChainedProof: Sendable, Equatable {
    public let eventID: Int64
    public let tracking: String
    public let at: Int64
    public let kind: String
    public let sha256: String
    /// The file's name in the station's proof folder.
    public let file: String
    public let pickupID: Int64?
}

/// The privacy purge (隐私): personal fields of ended stays are erased once the retention has passed.
///
/// What is erased lives outside the custody chain: the chain covers event fields only (id, uid, tracking, kind,
/// states, time, actor, details), and no event carries a phone number, tail, hash or collector's name, so
/// erasing them leaves every digest as it was. Rows are marked (`purged_at`) so that a later run skips them.
extension LedgerTransaction {
    /// Erases the personal fields of at most `limit` parcels released at or before `cutoff` and not yet purged,
    /// with their pickup's collector, the manifest lines that name them, and their notices. One call is meant to be
    /// one short write transaction; the caller repeats it until it returns no parcel.
    public func purgeEndedStays(releasedBefore cutoff: Int64, now: Int64, limit: Int) throws -> PurgeCounts {
        var counts = PurgeCounts()
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, pickup_id FROM parcel INDEXED BY parcel_purge_due
                    WHERE released_at IS NOT NULL AND purged_at IS NULL AND released_at <= ? ORDER BY released_at LIMIT ?
                    """), arguments: [cutoff, limit])
        guard !rows.isEmpty else { return counts }
        let ids: [Int64] = rows.map { $0[0] }
        let pickups = Set(rows.compactMap { $0[1] as Int64? })
        let idList = ids.map(String.init).joined(separator: ",")
        try db.execute(
            sql: "UPDATE parcel SET phone_tail = NULL, phone_hash = NULL, phone_full = NULL, purged_at = ? WHERE id IN (\(idList))",
            arguments: [now])
        counts.parcels = db.changesCount
        if !pickups.isEmpty {
            try db.execute(
                sql:
                    "UPDATE pickup SET collector = NULL WHERE collector IS NOT NULL AND id IN (\(pickups.map(String.init).joined(separator: ",")))"
            )
            counts.pickups = db.changesCount
        }
        try db.execute(
            sql: """
                UPDATE handoff_line SET phone_tail = NULL, phone_hash = NULL, phone_full = NULL, purged_at = ?
                WHERE parcel_id IN (\(idList)) AND purged_at IS NULL
                """, arguments: [now])
        counts.handoffLines = db.changesCount
        // The attempts' stored gateway replies (`reason`) may echo the number; the notice's last reason is the same text.
        try db.execute(
            sql: """
                UPDATE notice_attempt SET outcome = json_remove(outcome, '$.reason')
                WHERE outcome IS NOT NULL AND key IN (SELECT key FROM notice WHERE parcel_id IN (\(idList)))
                """)
        try db.execute(
            sql: """
                UPDATE notice SET message = json_set(message, '$.recipient', json('{}')), last_reason = NULL
                WHERE parcel_id IN (\(idList)) AND json_extract(message, '$.recipient') <> '{}'
                """)
        counts.notices = db.changesCount
        return counts
    }

    /// Erases, at most `limit` rows of each: collectors' names of pickups made at or before `cutoff` (those no
    /// parcel refers to any more: undone pickups), the recipients' phones of manifest lines of handoffs closed
    /// at or before `handoffCutoff` that no scan took in, and the senders' phones of outgoing parcels handed over
    /// at or before `cutoff`.
    public func purgeLooseRecords(before cutoff: Int64, now: Int64, limit: Int) throws -> PurgeCounts {
        var counts = PurgeCounts()
        try db.execute(
            sql: """
                UPDATE pickup SET collector = NULL WHERE id IN (
                    SELECT id FROM pickup INDEXED BY pickup_collector_due WHERE collector IS NOT NULL AND at <= ? LIMIT ?)
                """, arguments: [cutoff, limit])
        counts.pickups = db.changesCount
        try db.execute(
            sql: """
                UPDATE handoff_line SET phone_tail = NULL, phone_hash = NULL, phone_full = NULL, purged_at = ? WHERE id IN (
                    SELECT l.id FROM handoff_line l INDEXED BY handoff_line_purge_due JOIN handoff h ON h.id = l.handoff_id
                    WHERE l.parcel_id IS NULL AND l.purged_at IS NULL AND (l.phone_tail IS NOT NULL OR l.phone_hash IS NOT NULL OR l.phone_full IS NOT NULL)
                      AND h.state = 'closed' AND h.closed_at <= ? LIMIT ?)
                """, arguments: [now, cutoff, limit])
        counts.handoffLines = db.changesCount
        try db.execute(
            sql: """
                UPDATE outgoing SET sender_tail = NULL, sender_hash = NULL, purged_at = ? WHERE id IN (
                    SELECT id FROM outgoing INDEXED BY outgoing_purge_due
                    WHERE purged_at IS NULL AND state = 'handedOver' AND handed_at <= ? LIMIT ?)
                """, arguments: [now, cutoff, limit])
        counts.outgoing = db.changesCount
        return counts
    }

    /// Records a finished run of the purge job.
    public func recordPurgeRun(startedAt: Int64, finishedAt: Int64, retentionDays: Int, trigger: String, counts: PurgeCounts) throws {
        try db.execute(
            sql: """
                INSERT INTO purge_run (started_at, finished_at, retention_days, trigger, parcels, pickups, handoff_lines, notices, outgoing)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                startedAt, finishedAt, retentionDays, trigger, counts.parcels, counts.pickups, counts.handoffLines, counts.notices,
                counts.outgoing,
            ])
    }
}

extension LedgerReader {
    /// The most recent purge runs, newest first.
    public func purgeRuns(limit: Int) throws -> [PurgeRun] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, started_at, finished_at, retention_days, trigger, parcels, pickups, handoff_lines, notices, outgoing
                FROM purge_run ORDER BY id DESC LIMIT ?
                """, arguments: [limit]
        ).map { row in
            var counts = PurgeCounts()
            counts.parcels = row[5]
            counts.pickups = row[6]
            counts.handoffLines = row[7]
            counts.notices = row[8]
            counts.outgoing = row[9]
            return PurgeRun(id: row[0], startedAt: row[1], finishedAt: row[2], retentionDays: row[3], trigger: row[4], counts: counts)
        }
    }

    /// Parcels purged so far (over every run).
    public func purgedParcelCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT ifnull(sum(parcels), 0) FROM purge_run") ?? 0
    }

    /// Ended stays still holding personal fields that are due at `cutoff`.
    public func purgeDueCount(releasedBefore cutoff: Int64) throws -> Int {
        try Int.fetchOne(
            db,
            sql: """
                SELECT count(*) FROM parcel INDEXED BY parcel_purge_due
                WHERE released_at IS NOT NULL AND purged_at IS NULL AND released_at <= ?
                """, arguments: [cutoff]) ?? 0
    }

    /// The pickup's time, if there is such a pickup.
    public func pickupTime(id: Int64) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT at FROM pickup WHERE id = ?", arguments: [id])
    }

    /// The most recent pickups (id and time), newest first.
    public func recentPickups(limit: Int) throws -> [(id: Int64, at: Int64)] {
        try Row.fetchAll(db, sql: "SELECT id, at FROM pickup ORDER BY id DESC LIMIT ?", arguments: [limit]).map { ($0[0], $0[1]) }
    }

    /// The parcels handed out by a pickup that still count it as theirs (an undone pickup has none).
    public func parcels(pickupID: Int64) throws -> [ParcelRecord] {
        try fetchParcels(
            "SELECT \(Self.parcelColumns) FROM parcel INDEXED BY parcel_pickup WHERE pickup_id = ? AND state = 'pickedUp' ORDER BY id",
            [pickupID])
    }

    /// Every proof the custody log names, oldest first.
    public func chainedProofs() throws -> [ChainedProof] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT e.id, p.tracking, e.at, e.details FROM parcel_event e JOIN parcel p ON p.id = e.parcel_id
                WHERE e.kind = 'attachProof' ORDER BY e.id
                """
        ).compactMap { row in
            let text: String = row[3]
            guard let details = try? Self.decoder.decode([String: String].self, from: Data(text.utf8)),
                let sha = details["sha256"], let file = details["file"]
            else { return nil }
            return ChainedProof(
                eventID: row[0], tracking: row[1], at: row[2], kind: details["proof"] ?? "photo", sha256: sha, file: file,
                pickupID: details["pickupId"].flatMap { Int64($0) })
        }
    }
}

extension ParcelStore {
    /// Folds the WAL into the database file and truncates it, so that page images holding erased values do not
    /// stay in the `-wal` file. Waits at most `busyMilliseconds` for readers on older snapshots (a backup, a
    /// report): the writer is held meanwhile, so intake would wait behind a long wait. Returns false when it could
    /// not finish (a reader was still busy); the next run tries again.
    public func truncateWAL(busyMilliseconds: Int = 20) throws -> Bool {
        do {
            return try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA busy_timeout = \(busyMilliseconds)")
                defer { try? db.execute(sql: "PRAGMA busy_timeout = 5000") }
                guard let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") else { return false }
                let busy: Int = row[0]
                return busy == 0
            }
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED { return false }
            throw StoreError(error)
        }
    }

    /// `PRAGMA secure_delete` on the writer connection (1 = ON, 2 = FAST).
    public func writerSecureDelete() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? -1 }
    }
}

/// The purge's schema: marks for purged rows, the indexes that find what is due without scanning, the run log,
/// and a frozen-lines rule that lets a closed handoff's lines lose their recipient's phone and nothing else.
enum PrivacySchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE parcel ADD COLUMN purged_at INTEGER;
                ALTER TABLE handoff_line ADD COLUMN purged_at INTEGER;
                ALTER TABLE outgoing ADD COLUMN purged_at INTEGER;
                -- Ended stays not yet purged, by release time: what the purge job reads, nothing else.
                CREATE INDEX parcel_purge_due ON parcel(released_at) WHERE released_at IS NOT NULL AND purged_at IS NULL;
                -- A pickup's parcels (proofs are linked to a pickup).
                CREATE INDEX parcel_pickup ON parcel(pickup_id) WHERE pickup_id IS NOT NULL;
                CREATE INDEX pickup_collector_due ON pickup(at) WHERE collector IS NOT NULL;
                CREATE INDEX handoff_line_purge_due ON handoff_line(handoff_id)
                    WHERE parcel_id IS NULL AND purged_at IS NULL AND (phone_tail IS NOT NULL OR phone_hash IS NOT NULL OR phone_full IS NOT NULL);
                CREATE INDEX outgoing_purge_due ON outgoing(handed_at) WHERE purged_at IS NULL AND state = 'handedOver';

                CREATE TABLE purge_run (
                    id INTEGER PRIMARY KEY,
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER NOT NULL,
                    retention_days INTEGER NOT NULL CHECK (retention_days >= 0),
                    trigger TEXT NOT NULL CHECK (trigger IN ('start', 'schedule', 'request')),
                    parcels INTEGER NOT NULL,
                    pickups INTEGER NOT NULL,
                    handoff_lines INTEGER NOT NULL,
                    notices INTEGER NOT NULL,
                    outgoing INTEGER NOT NULL
                ) STRICT;

                -- The lines of a closed handoff stay final, except that their recipient's phone may be erased.
                DROP TRIGGER handoff_line_frozen;
                CREATE TRIGGER handoff_line_frozen
                BEFORE UPDATE OF handoff_id, tracking, courier, bag, destination, manifest_line, expected, status, scanned_at, note, photo, parcel_id
                ON handoff_line
                WHEN (SELECT state FROM handoff WHERE id = OLD.handoff_id) = 'closed'
                BEGIN SELECT RAISE(ABORT, 'the lines of a closed handoff are final'); END;
                CREATE TRIGGER handoff_line_erase_only BEFORE UPDATE OF phone_tail, phone_hash, phone_full ON handoff_line
                WHEN (SELECT state FROM handoff WHERE id = OLD.handoff_id) = 'closed'
                    AND (NEW.phone_tail IS NOT NULL OR NEW.phone_hash IS NOT NULL OR NEW.phone_full IS NOT NULL)
                BEGIN SELECT RAISE(ABORT, 'the lines of a closed handoff are final'); END;
                """)
    }
}
