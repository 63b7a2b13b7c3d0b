import Foundation
internal import GRDB
internal import GRDBSQLite

/// A value bound to a hot statement.
enum HotValue {
    case integer(Int64)
    case text(String)
    case blob(Data)
    case null

    static func integer(_ value: Int?) -> HotValue { value.map { .integer(Int64($0)) } ?? .null }
    static func integer(_ value: Int64?) -> HotValue { value.map { .integer($0) } ?? .null }
    static func text(_ value: String?) -> HotValue { value.map { .text($0) } ?? .null }
    static func blob(_ value: Data?) -> HotValue { value.map { .blob($0) } ?? .null }
}

extension Database {
    /// Runs one of the scan's write statements (no rows returned) from GRDB's statement cache, binding
    /// through the C API. GRDB's `execute(arguments:)` boxes every argument as an existential and converts it
    /// to a `DatabaseValue` first, which cost about as much as SQLite's own work for these small inserts.
    /// Errors come back as the `DatabaseError` GRDB would throw (same result code and message), so the
    /// store's handling of constraint and disk errors is the same.
    func executeHot(_ sql: String, _ values: [HotValue]) throws {
        let handle = try cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .integer(let number): sqlite3_bind_int64(handle, index, number)
            case .null: sqlite3_bind_null(handle, index)
            case .text(let text):
                var text = text
                text.withUTF8 { bytes in
                    // A nil base address would bind NULL, not the empty string.
                    if let base = bytes.baseAddress, !bytes.isEmpty {
                        _ = sqlite3_bind_text(handle, index, base, Int32(bytes.count), hotTransient)
                    } else {
                        _ = sqlite3_bind_text(handle, index, "", 0, hotTransient)
                    }
                }
            case .blob(let data):
                data.withUnsafeBytes { bytes in
                    if let base = bytes.baseAddress, !bytes.isEmpty {
                        _ = sqlite3_bind_blob(handle, index, base, Int32(bytes.count), hotTransient)
                    } else {
                        _ = sqlite3_bind_zeroblob(handle, index, 0)
                    }
                }
            }
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let extended = sqlite3_extended_errcode(sqliteConnection)
            let message = sqlite3_errmsg(sqliteConnection).map { String(cString: $0) } ?? "SQLite error \(extended)"
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: sql)
        }
        sqlite3_reset(handle)
    }
}

/// SQLITE_TRANSIENT: SQLite copies the bytes before the call returns, so Swift's buffers may be temporary.
private let hotTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
