import Foundation
internal import GRDB

/// Copies what can still be read of a damaged SQLite file into a new one, table by table, skipping damaged pages.
///
/// Debian bookworm's SQLite has neither the `sqlite3_recover` API nor the `sqlite_dbpage` table the shell's
/// `.recover` needs (it prints only its header there), so the salvage is done here: the damaged file is attached
/// read-only; each table is created from its own schema text and its rows copied in rowid order, in chunks; where
/// a read fails, the rowids past the damaged page are found by seeking (doubling, then halving the step), and the
/// rows in between are reported lost. Indexes and triggers are created once the rows are in. Rows a table's
/// constraints refuse (damaged contents) are counted, not copied.
enum LedgerSalvage {
    struct Table: Sendable, Equatable {
        let name: String
        var copied = 0
        /// Rows the table's constraints refused.
        var refused = 0
        /// Rowid ranges that could not be read (the rows in them, if any, are lost).
        var unreadable: [ClosedRange<Int64>] = []
        /// The scan stopped early for good (a WITHOUT ROWID table, or nothing readable after the damage).
        var truncated = false
    }

    struct Result: Sendable, Equatable {
        var tables: [Table] = []
        /// Indexes, triggers or views that could not be created again, with SQLite's reason.
        var schemaProblems: [String] = []
    }

    static let chunk = 512

    static func copy(damaged: String, into output: String) throws -> Result {
        var config = Configuration()
        config.foreignKeysEnabled = false
        config.label = "ledger-salvage"
        let queue = try DatabaseQueue(path: output, configuration: config)
        defer { try? queue.close() }
        return try queue.writeWithoutTransaction { db in
            // A new file nobody uses yet: no flushes until it is complete (`install` flushes it), and the rollback
            // journal in memory (savepoints must still roll back: with journal_mode OFF they corrupt the file).
            try db.execute(sql: "PRAGMA journal_mode = MEMORY")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "ATTACH DATABASE ? AS damaged", arguments: ["file:\(uriPath(damaged))?mode=ro"])
            let schema: [Row]
            do {
                schema = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT type, name, sql FROM damaged.sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"
                )
            } catch {
                throw LedgerBackup.Failure(
                    "the damaged file's schema cannot be read (\(LedgerBackup.reason(error))): nothing can be salvaged; restore a backup")
            }
            for pragma in ["user_version", "application_id"] {
                if let value = try? Int.fetchOne(db, sql: "PRAGMA damaged.\(pragma)") {
                    try db.execute(sql: "PRAGMA main.\(pragma) = \(value)")
                }
            }
            var result = Result()
            for row in schema where (row["type"] as String) == "table" {
                let name: String = row["name"]
                try db.execute(sql: row["sql"])
                let sql: String = row["sql"]
                // Autocommit, one statement at a time: each is all or nothing, and a read error in the damaged file
                // ends only that statement (inside one transaction it made the COMMIT fail).
                result.tables.append(
                    sql.uppercased().contains("WITHOUT ROWID") ? try copyInOrder(db, table: name) : try copyByRowid(db, table: name))
            }
            if (try? db.tableExists("sqlite_sequence")) == true {
                try? db.execute(sql: "DELETE FROM main.sqlite_sequence")
                try? db.execute(sql: "INSERT INTO main.sqlite_sequence SELECT * FROM damaged.sqlite_sequence")
            }
            for row in schema where (row["type"] as String) != "table" {
                do {
                    try db.execute(sql: row["sql"])
                } catch {
                    result.schemaProblems.append("\(row["type"] as String) \(row["name"] as String): \(LedgerBackup.reason(error))")
                }
            }
            try db.execute(sql: "DETACH DATABASE damaged")
            return result
        }
    }

    /// A rowid table: chunks in rowid order; at a read error, row by row; past damage, a seek for the next
    /// readable rowid.
    static func copyByRowid(_ db: Database, table: String) throws -> Table {
        var report = Table(name: table)
        let quoted = table.quotedDatabaseIdentifier
        let columns = try Row.fetchAll(db, sql: "PRAGMA damaged.table_info(\(quoted))").map {
            ($0["name"] as String).quotedDatabaseIdentifier
        }
        let list = (["rowid"] + columns).joined(separator: ", ")
        let chunkSQL =
            "INSERT INTO main.\(quoted) (\(list)) SELECT \(list) FROM damaged.\(quoted) NOT INDEXED WHERE rowid > ? ORDER BY rowid LIMIT \(chunk)"
        let oneSQL = "INSERT INTO main.\(quoted) (\(list)) SELECT \(list) FROM damaged.\(quoted) NOT INDEXED WHERE rowid = ?"
        var last = Int64.min
        var rowByRow = 0
        /// The first readable rowid after `after`; nil when there is none; throws when the seek meets damage.
        func next(after: Int64) throws -> Int64? {
            try Int64.fetchOne(
                db, sql: "SELECT rowid FROM damaged.\(quoted) NOT INDEXED WHERE rowid > ? ORDER BY rowid LIMIT 1", arguments: [after])
        }
        while true {
            if rowByRow == 0 {
                do {
                    try db.execute(sql: chunkSQL, arguments: [last])
                    let copied = db.changesCount
                    if copied == 0 { return report }
                    report.copied += copied
                    last = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM main.\(quoted)") ?? last
                    continue
                } catch {
                    // Somewhere in this chunk: go row by row through it.
                    rowByRow = chunk
                }
            }
            let rowid: Int64?
            do {
                rowid = try next(after: last)
            } catch {
                guard let resume = try skipDamage(after: last, next) else {
                    report.unreadable.append(last == .min ? Int64.min...Int64.max : (last + 1)...Int64.max)
                    report.truncated = true
                    return report
                }
                report.unreadable.append((last == .min ? Int64.min : last + 1)...resume)
                last = resume
                continue
            }
            guard let rowid else { return report }
            do {
                try db.execute(sql: oneSQL, arguments: [rowid])
                report.copied += 1
            } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_CONSTRAINT {
                report.refused += 1
            } catch {
                report.unreadable.append(rowid...rowid)
            }
            last = rowid
            rowByRow -= 1
        }
    }

    /// The smallest bound past the damage after `last` from which a seek reads again (the rowids up to it are
    /// unreachable); nil when no seek past `last` succeeds.
    static func skipDamage(after last: Int64, _ next: (Int64) throws -> Int64?) throws -> Int64? {
        func readable(_ bound: Int64) -> Bool {
            do {
                _ = try next(bound)
                return true
            } catch {
                return false
            }
        }
        var step: Int64 = 1
        var low = last
        var high: Int64? = nil
        while true {
            let (bound, overflow) = last.addingReportingOverflow(step)
            if overflow { break }
            if readable(bound) {
                high = bound
                break
            }
            low = bound
            step = step.multipliedReportingOverflow(by: 2).overflow ? Int64.max : step * 2
        }
        guard var found = high else { return nil }
        while found - low > 1 {
            let middle = low + (found - low) / 2
            if readable(middle) { found = middle } else { low = middle }
        }
        return found
    }

    /// A WITHOUT ROWID table: rows in key order until the first read error.
    static func copyInOrder(_ db: Database, table: String) throws -> Table {
        var report = Table(name: table)
        let quoted = table.quotedDatabaseIdentifier
        do {
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM damaged.\(quoted)")
            while let row = try rows.next() {
                let values = Array(row.databaseValues)
                let marks = Array(repeating: "?", count: values.count).joined(separator: ", ")
                do {
                    try db.execute(sql: "INSERT INTO main.\(quoted) VALUES (\(marks))", arguments: StatementArguments(values))
                    report.copied += 1
                } catch {
                    report.refused += 1
                }
            }
        } catch {
            report.truncated = true
        }
        return report
    }

    /// A path as the path part of a `file:` URI.
    static func uriPath(_ path: String) -> String {
        var text = ""
        for character in path {
            switch character {
            case "%": text += "%25"
            case "?": text += "%3f"
            case "#": text += "%23"
            default: text.append(character)
            }
        }
        return text
    }
}

extension LedgerSalvage.Table {
    /// `parcel: 1000 rows` or `parcel: 940 rows; LOST rowids 412…470 (unreadable); 2 refused by its constraints`.
    var summary: String {
        var parts = ["\(copied) rows"]
        if !unreadable.isEmpty {
            let ranges = unreadable.prefix(5).map { range -> String in
                let upper = range.upperBound == .max ? "end" : String(range.upperBound)
                let lower = range.lowerBound == .min ? "start" : String(range.lowerBound)
                return range.count == 1 ? lower : "\(lower)…\(upper)"
            }
            parts.append("LOST rowids \(ranges.joined(separator: ", "))\(unreadable.count > 5 ? ", …" : "") (unreadable)")
        }
        if truncated && unreadable.isEmpty { parts.append("LOST whatever followed the first unreadable page") }
        if refused > 0 { parts.append("\(refused) refused by its constraints") }
        return "\(name): " + parts.joined(separator: "; ")
    }
}
