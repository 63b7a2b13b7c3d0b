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
