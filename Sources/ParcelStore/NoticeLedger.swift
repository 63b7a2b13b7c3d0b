import Foundation
internal import GRDB

/// A queued pickup notice as stored: the message is the notice module's JSON, kept opaque here.
public struct NoticeRow: Sendable, Equatable {
    public let key: String
    public let parcelID: Int64
    public let message: String
    public let status: String
    public let queuedAt: Int64
    public let nextAttemptAt: Int64
    public let attempts: Int
    public let leaseHolder: String?
    public let leaseUntil: Int64?
    public let lastReason: String?
}

public struct NoticeAttemptRow: Sendable, Equatable {
    public let key: String
    public let number: Int
    public let holder: String
    public let startedAt: Int64
    public let finishedAt: Int64?
    public let outcome: String?
}

extension LedgerReader {
    static func noticeRow(_ row: Row) -> NoticeRow {
        NoticeRow(
            key: row["key"], parcelID: row["parcel_id"], message: row["message"], status: row["status"], queuedAt: row["queued_at"],
            nextAttemptAt: row["next_attempt_at"], attempts: row["attempts"], leaseHolder: row["lease_holder"],
            leaseUntil: row["lease_until"], lastReason: row["last_reason"])
    }

    public func notice(key: String) throws -> NoticeRow? {
        try Row.fetchOne(db, sql: "SELECT * FROM notice WHERE key = ?", arguments: [key]).map(Self.noticeRow)
    }

    /// Notices a sender may take now: pending and due, or sending under a lease that has run out (its sender died).
    public func dueNotices(now: Int64, limit: Int) throws -> [NoticeRow] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM notice
                WHERE status IN ('pending', 'sending') AND (lease_until IS NULL OR lease_until <= ?)
                  AND (status = 'sending' OR next_attempt_at <= ?)
                ORDER BY next_attempt_at, key LIMIT ?
                """, arguments: [now, now, limit]
        ).map(Self.noticeRow)
    }

    public func notices(parcelID: Int64) throws -> [NoticeRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM notice WHERE parcel_id = ? ORDER BY queued_at, key", arguments: [parcelID]).map(
            Self.noticeRow)
    }

    public func noticeAttempts(key: String) throws -> [NoticeAttemptRow] {
        try Row.fetchAll(db, sql: "SELECT * FROM notice_attempt WHERE key = ? ORDER BY number", arguments: [key]).map { row in
            NoticeAttemptRow(
                key: row["key"], number: row["number"], holder: row["holder"], startedAt: row["started_at"], finishedAt: row["finished_at"],
                outcome: row["outcome"])
        }
    }

    /// The parcel an event belongs to.
    public func parcelID(eventUID: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT parcel_id FROM parcel_event WHERE uid = ?", arguments: [eventUID])
    }

    /// The full recipient number, when the station keeps it (`storeFullPhone`).
    public func fullPhone(parcelID: Int64) throws -> String? {
        try String.fetchOne(db, sql: "SELECT phone_full FROM parcel WHERE id = ?", arguments: [parcelID])
    }
}

extension LedgerTransaction {
    /// Queues a notice; false when its key is queued already.
    public func insertNotice(key: String, parcelID: Int64, message: String, dueAt: Int64, now: Int64) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO notice (key, parcel_id, message, status, queued_at, next_attempt_at) VALUES (?, ?, ?, 'pending', ?, ?)
                ON CONFLICT DO NOTHING
                """, arguments: [key, parcelID, message, now, dueAt])
        return db.changesCount > 0
    }

    /// Takes a lease on a claimable notice; nil when someone else holds it or it is not claimable.
    public func claimNotice(key: String, holder: String, now: Int64, leaseUntil: Int64) throws -> NoticeRow? {
        try db.execute(
            sql: """
                UPDATE notice SET lease_holder = ?, lease_until = ?
                WHERE key = ? AND status IN ('pending', 'sending') AND (lease_until IS NULL OR lease_until <= ?)
                  AND (status = 'sending' OR next_attempt_at <= ?)
                """, arguments: [holder, leaseUntil, key, now, now])
        return db.changesCount > 0 ? try notice(key: key) : nil
    }

    /// Records an attempt as started (before the channel is called); false unless `holder` holds the lease.
    public func beginNoticeAttempt(key: String, number: Int, holder: String, at: Int64) throws -> Bool {
        try db.execute(
            sql: "UPDATE notice SET status = 'sending', attempts = ? WHERE key = ? AND lease_holder = ? AND lease_until > ?",
            arguments: [number, key, holder, at])
        guard db.changesCount > 0 else { return false }
        try db.execute(
            sql: "INSERT INTO notice_attempt (key, number, holder, started_at) VALUES (?, ?, ?, ?)", arguments: [key, number, holder, at])
        return true
    }

    /// Finishes an attempt and moves the notice on, together; false unless `holder` holds the lease (an
    /// interrupted attempt, found by another sender after the lease ran out, is finished by that sender).
    public func finishNoticeAttempt(
        key: String, number: Int, holder: String, at: Int64, outcome: String, status: String, nextAttemptAt: Int64?, reason: String?
    ) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE notice SET status = ?, next_attempt_at = ifnull(?, next_attempt_at), last_reason = ?, lease_holder = NULL,
                                  lease_until = NULL
                WHERE key = ? AND lease_holder = ?
                """, arguments: [status, nextAttemptAt, reason, key, holder])
        guard db.changesCount > 0 else { return false }
        try db.execute(
            sql: "UPDATE notice_attempt SET finished_at = ?, outcome = ? WHERE key = ? AND number = ? AND finished_at IS NULL",
            arguments: [at, outcome, key, number])
        return true
    }

    public func rescheduleNotice(key: String, holder: String, to: Int64) throws -> Bool {
        try db.execute(
            sql: "UPDATE notice SET next_attempt_at = ?, lease_holder = NULL, lease_until = NULL WHERE key = ? AND lease_holder = ?",
            arguments: [to, key, holder])
        return db.changesCount > 0
    }

    /// Puts back the notices a pickup cancelled, when that pickup is undone: the parcel waits again, so its
    /// reminders are due again. Returns how many.
    public func reopenNotices(parcelID: Int64, cancelledBecause reason: String) throws -> Int {
        try db.execute(
            sql:
                "UPDATE notice SET status = 'pending', last_reason = NULL WHERE parcel_id = ? AND status = 'cancelled' AND last_reason = ?",
            arguments: [parcelID, reason])
        return db.changesCount
    }

    /// Replaces the message of a notice still pending (its recipient changed); false when it is no longer pending.
    /// A sender that has claimed it meanwhile keeps the message it read.
    public func replacePendingNotice(key: String, message: String) throws -> Bool {
        try db.execute(sql: "UPDATE notice SET message = ? WHERE key = ? AND status = 'pending'", arguments: [message, key])
        return db.changesCount > 0
    }

    /// Cancels a parcel's notices not yet sent (it was collected or is going back).
    public func cancelNotices(parcelID: Int64, reason: String) throws {
        try db.execute(
            sql: "UPDATE notice SET status = 'cancelled', last_reason = ? WHERE parcel_id = ? AND status = 'pending'",
            arguments: [reason, parcelID])
    }
}
