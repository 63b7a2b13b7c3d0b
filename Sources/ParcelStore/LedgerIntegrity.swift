import Foundation
internal import GRDB

/// Checks of a ledger file as a whole, on a connection of its own: before the daemon serves it, after a backup
/// or a recovery, before a restore. None of them writes to the file.
public enum LedgerIntegrity {
    /// How thoroughly to look.
    public enum Depth: String, Sendable {
        /// `PRAGMA quick_check`: every page and record is readable and well-formed, without comparing indexes with
        /// their tables (linear in the file; what the daemon runs at start-up).
        case quick
        /// `PRAGMA integrity_check`: also every index entry against its row (backups, recoveries, restores).
        case full
    }

    /// SQLite's problems with the file (empty when healthy) and how long the check took.
    public struct Check: Sendable, Equatable {
        public let problems: [String]
        public let seconds: Double
        public var ok: Bool { problems.isEmpty }
    }

    /// What a file holds and whether it can be trusted: the SQLite check and the custody chain.
    public struct Verification: Sendable, Equatable {
        public let integrity: Check
        /// Nil when the file is too damaged to read the log at all (`chainError` says why).
        public let chain: CustodyChain.Verification?
        public let chainError: String?
        public let parcels: Int
        /// Rows in `lost_and_found` (what a recovery could not place back in its table), 0 when there is none.
        public let lostAndFound: Int
        /// The file passes `integrity_check` and its custody chain verifies.
        public var ok: Bool { integrity.ok && chain != nil && chain?.firstBroken == nil }
    }

    /// The first lines SQLite reports; a badly damaged file can report thousands.
    static let maximumProblems = 20

    /// Runs `quick_check` or `integrity_check` on `path` through a read-only connection. Throws only when the
    /// file cannot be opened at all (a file SQLite does not recognise is a problem, not a throw).
    /// `cancelled` is polled while it runs: once true, SQLite is interrupted and the check throws (a backup's
    /// verification must not hold up a shutdown for the 18 s it takes on a million parcels).
    public static func check(path: String, depth: Depth, cancelled: (@Sendable () -> Bool)? = nil) throws -> Check {
        let start = DispatchTime.now().uptimeNanoseconds
        var problems: [String]
        do {
            let queue = try openReadOnly(path)
            defer { try? queue.close() }
            problems = try interrupting(queue, when: cancelled) {
                try queue.read { db in
                    try String.fetchAll(
                        db, sql: depth == .quick ? "PRAGMA quick_check(\(maximumProblems))" : "PRAGMA integrity_check(\(maximumProblems))")
                }
            }
        } catch let error as DatabaseError where [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(error.resultCode.primaryResultCode) {
            problems = [error.message ?? "SQLite error \(error.resultCode.rawValue)"]
        }
        if problems == ["ok"] { problems = [] }
        return Check(problems: problems, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// `integrity_check`, then the custody chain and a count of what the file holds.
    public static func verify(path: String, cancelled: (@Sendable () -> Bool)? = nil) throws -> Verification {
        let integrity = try check(path: path, depth: .full, cancelled: cancelled)
        let queue = try openReadOnly(path)
        defer { try? queue.close() }
        var chain: CustodyChain.Verification? = nil
        var chainError: String? = nil
        var parcels = 0
        var lost = 0
        do {
            try interrupting(queue, when: cancelled) {
                try queue.read { db in
                    chain = try LedgerReader(db: db).verifyCustodyChain()
                    parcels = try Int.fetchOne(db, sql: "SELECT count(*) FROM parcel") ?? 0
                    if try db.tableExists("lost_and_found") {
                        lost = try Int.fetchOne(db, sql: "SELECT count(*) FROM lost_and_found") ?? 0
                    }
                }
            }
        } catch let error as DatabaseError where error.resultCode != .SQLITE_INTERRUPT {
            chainError = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        }
        return Verification(integrity: integrity, chain: chain, chainError: chainError, parcels: parcels, lostAndFound: lost)
    }

    /// Runs `body`, interrupting `queue`'s statement once `cancelled` turns true (polled every 100 ms off the
    /// working thread: sqlite3_interrupt is safe to call from any thread).
    static func interrupting<T>(_ queue: DatabaseQueue, when cancelled: (@Sendable () -> Bool)?, _ body: () throws -> T) throws -> T {
        guard let cancelled else { return try body() }
        if cancelled() { throw DatabaseError(resultCode: .SQLITE_INTERRUPT, message: "interrupted: the daemon is stopping") }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler { if cancelled() { queue.interrupt() } }
        timer.resume()
        defer { timer.cancel() }
        return try body()
    }

    /// A read-only connection that never creates the file and leaves no journal behind.
    static func openReadOnly(_ path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.unavailable("\(path): no such file")
        }
        var config = Configuration()
        config.readonly = true
        config.label = "ledger-check"
        // Not the ledger's own pages in memory: a check reads the file once, start to end.
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA cache_size = -8192") }
        return try DatabaseQueue(path: path, configuration: config)
    }
}

extension LedgerIntegrity.Verification {
    /// One paragraph for a person: what was checked and what it means.
    public var summary: String {
        var lines: [String] = []
        lines.append(
            integrity.ok
                ? "integrity_check: ok"
                : "integrity_check: FAILED (\(integrity.problems.prefix(3).joined(separator: "; "))\(integrity.problems.count > 3 ? "; …" : ""))"
        )
        if let chain {
            if let broken = chain.firstBroken {
                lines.append(
                    "custody chain: BROKEN at event \(broken.id) (\(broken.uid)) of \(chain.events): the history from there on cannot be trusted as recorded"
                )
            } else {
                lines.append("custody chain: verifies (\(chain.events) events, head \(chain.head.map { String($0.prefix(16)) } ?? "-"))")
            }
        } else {
            lines.append("custody chain: cannot be read (\(chainError ?? "unknown error"))")
        }
        lines.append("parcels: \(parcels)")
        if lostAndFound > 0 { lines.append("lost_and_found: \(lostAndFound) rows SQLite could not put back in their tables") }
        return lines.joined(separator: "\n")
    }
}

extension LedgerIntegrity {
    /// The daemon's check before it serves `path`: `quick_check` (see README "Start-up integrity" for its cost on
    /// a large ledger). Nil when the ledger is healthy or does not exist yet; else the message to log: which
    /// file, what SQLite found, and what to do.
    public static func startupCheck(path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let check = try check(path: path, depth: .quick)
        guard !check.ok else { return nil }
        let folder = (path as NSString).deletingLastPathComponent
        return """
            the ledger \(path) is damaged, so it is not served and nothing is written to it (quick_check: \
            \(check.problems.prefix(3).joined(separator: "; "))\(check.problems.count > 3 ? "; …" : "")). \
            Keep the file. Salvage it into a new file: parcelctl ledger recover \(path) --out \(folder)/recovered.sqlite \
            (it reports what was recovered and whether the custody chain verifies), then put that in place: parcelctl ledger \
            install \(folder)/recovered.sqlite --state-dir \(folder) (the damaged file is kept aside); or restore the last \
            good backup instead: parcelctl backup list, then parcelctl backup restore BACKUP --state-dir \(folder)
            """
    }
}
