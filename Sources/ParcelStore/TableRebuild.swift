import Foundation
internal import GRDB

/// SQLite cannot alter a CHECK constraint, so a table whose constraints change is rebuilt the way SQLite's
/// documentation prescribes ("Making Other Kinds Of Table Schema Changes"): create the new table, copy the
/// rows, drop the old one, rename, then recreate its indexes and triggers. The new definition is the stored
/// one with exact text replacements, so the columns, their order and everything not replaced stay as they
/// were; a replacement that finds nothing is an error rather than a silent no-op.
enum TableRebuild {
    struct MissingText: Error, CustomStringConvertible {
        let table: String
        let text: String
        var description: String { "the stored schema of \(table) has no \"\(text)\" to replace" }
    }

    /// Widens CHECK constraints of `table` without copying a row: each key of `replacements` is replaced by its
    /// value in the stored CREATE TABLE statement, through `writable_schema` as SQLite's documentation allows for
    /// changes that leave the stored rows as they are ("Making Other Kinds Of Table Schema Changes", the simpler
    /// procedure). Only for loosening: every row that met the old constraint must meet the new one (a value
    /// added to an IN list), which is why no row is checked. Instant on a ledger of millions of events, where a
    /// rebuild took 40 s of the daemon's start.
    static func widenInPlace(_ table: String, _ replacements: [String: String], in db: Database) throws {
        guard
            var definition = try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", arguments: [table])
        else { throw MissingText(table: table, text: "CREATE TABLE") }
        for (old, new) in replacements.sorted(by: { $0.key < $1.key }) {
            guard definition.contains(old) else { throw MissingText(table: table, text: old) }
            definition = definition.replacingOccurrences(of: old, with: new)
        }
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        defer { try? db.execute(sql: "PRAGMA writable_schema = OFF") }
        try db.execute(
            sql: "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?", arguments: [definition, table])
        // A new schema version makes every connection re-read the schema before its next statement.
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        db.clearSchemaCache()
    }

    /// Rebuilds `table` with each key of `replacements` replaced by its value in its CREATE TABLE statement.
    /// Must run with foreign keys off (a GRDB migration with deferred checks).
    static func widen(_ table: String, _ replacements: [String: String], in db: Database) throws {
        guard
            var definition = try String.fetchOne(
                db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", arguments: [table])
        else { throw MissingText(table: table, text: "CREATE TABLE") }
        for (old, new) in replacements.sorted(by: { $0.key < $1.key }) {
            guard definition.contains(old) else { throw MissingText(table: table, text: old) }
            definition = definition.replacingOccurrences(of: old, with: new)
        }
        let rebuilt = "\(table)_rebuilt"
        // A table rebuilt before is stored as SQLite's rename wrote it, with its name quoted.
        let prefixes = ["CREATE TABLE \(table) (", "CREATE TABLE \"\(table)\" ("]
        guard let prefix = prefixes.first(where: definition.hasPrefix) else { throw MissingText(table: table, text: prefixes[0]) }
        definition = "CREATE TABLE \(rebuilt) (" + definition.dropFirst(prefix.count)
        // Indexes and triggers go with the dropped table; those SQLite made for UNIQUE constraints have no SQL
        // and come back with the new table's definition.
        let dependents = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            arguments: [table])
        try db.execute(sql: definition)
        try db.execute(sql: "INSERT INTO \(rebuilt) SELECT * FROM \(table)")
        try db.execute(sql: "DROP TABLE \(table)")
        // Legacy renaming leaves the rest of the schema alone: other tables' triggers and foreign keys name
        // `table`, which exists again as soon as the rename is done.
        try db.execute(sql: "PRAGMA legacy_alter_table = ON")
        defer { try? db.execute(sql: "PRAGMA legacy_alter_table = OFF") }
        try db.execute(sql: "ALTER TABLE \(rebuilt) RENAME TO \(table)")
        for statement in dependents { try db.execute(sql: statement) }
    }
}
