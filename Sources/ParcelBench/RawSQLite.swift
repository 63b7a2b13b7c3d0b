internal import GRDBSQLite

/// A bare SQLite connection on the C API. The floors must not go through GRDB or the daemon, so that the
/// difference between a floor and the daemon's figure is the daemon's own cost.
final class RawDatabase {
    let handle: OpaquePointer
    let path: String

    init(path: String, readOnly: Bool = false) throws {
        var db: OpaquePointer?
        // NOMUTEX: each connection is used by one thread only; the serialized mode's mutex would be floor overhead.
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(code)"
            if let db { sqlite3_close_v2(db) }
            throw BenchError("cannot open \(path): \(message)")
        }
        handle = db
        self.path = path
        // The daemon may hold a lock briefly (its start-up write); wait like it does rather than fail.
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    var errorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs one or more statements, discarding rows.
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? errorMessage
            sqlite3_free(error)
            throw BenchError("SQLite: \(message) in: \(sql.prefix(120))")
        }
    }

    func prepare(_ sql: String) throws -> RawStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK, let statement else {
            throw BenchError("SQLite: \(errorMessage) preparing: \(sql.prefix(120))")
        }
        return RawStatement(handle: statement, db: self)
    }

    /// The first column of the first row as text (pragmas, counts).
    func text(_ sql: String) throws -> String? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.text(0) : nil
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A prepared statement. Steps, binds and reads map one-to-one to the C calls.
final class RawStatement {
    let handle: OpaquePointer
    let db: RawDatabase

    init(handle: OpaquePointer, db: RawDatabase) {
        self.handle = handle
        self.db = db
    }

    deinit { sqlite3_finalize(handle) }

    /// SQLITE_TRANSIENT: SQLite copies the bound bytes, so Swift strings may be temporaries.
    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
    func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(handle, index, Int64(value)) }
    func bind(_ index: Int32, _ value: String) { sqlite3_bind_text(handle, index, value, -1, Self.transient) }
    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }
    func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(handle, index) }
    }
    func bind(_ index: Int32, blob: [UInt8]?) {
        guard let blob else { sqlite3_bind_null(handle, index); return }
        blob.withUnsafeBytes { _ = sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
    }

    /// Advances; true when a row is available, false when done. Any other result is an error.
    @discardableResult
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw BenchError("SQLite: \(db.errorMessage) in: \(String(cString: sqlite3_sql(handle)).prefix(120))")
        }
    }

    /// Resets for the next execution; bindings are kept unless rebound.
    func reset() { sqlite3_reset(handle) }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws {
        defer { reset() }
        try step()
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func text(_ column: Int32) -> String? {
        sqlite3_column_text(handle, column).map { String(cString: $0) }
    }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func blobCount(_ column: Int32) -> Int {
        _ = sqlite3_column_blob(handle, column)
        return Int(sqlite3_column_bytes(handle, column))
    }
}

/// The SQLite library's version, for the header.
var sqliteVersion: String { String(cString: sqlite3_libversion()) }
