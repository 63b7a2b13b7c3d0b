import Foundation
internal import GRDB

/// Wrong pickup codes and phone numbers, one row each, so reports can count guessing after a restart. The row
/// holds when, where and whether it started a cool-down, never what was tried.
enum PickupMissSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE pickup_miss (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    counter TEXT,
                    cooldown INTEGER NOT NULL CHECK (cooldown IN (0, 1))
                ) STRICT;
                CREATE INDEX pickup_miss_at ON pickup_miss(at);
                """)
    }
}

extension LedgerReader {
    /// Wrong pickup credentials in `[from, to)`, and how many of them started a cool-down.
    public func pickupMisses(from: Int64, to: Int64) throws -> (misses: Int, cooldowns: Int) {
        let row = try Row.fetchOne(
            db, sql: "SELECT count(*), ifnull(sum(cooldown), 0) FROM pickup_miss WHERE at >= ? AND at < ?", arguments: [from, to])
        return (row?[0] ?? 0, row?[1] ?? 0)
    }
}

extension LedgerTransaction {
    public func recordPickupMiss(at: Int64, counter: String?, cooldown: Bool) throws {
        try db.execute(
            sql: "INSERT INTO pickup_miss (at, counter, cooldown) VALUES (?, ?, ?)", arguments: [at, counter, cooldown ? 1 : 0])
    }
}
