public import Foundation
internal import GRDB

/// Offline work on ledger files, with the daemon stopped: salvaging a damaged ledger into a new file, and
/// putting a backup in place of the current ledger. Neither ever writes to the file it reads.
public enum LedgerFiles {
    /// What a recovery produced.
    public struct Recovered: Sendable, Equatable {
        public let output: String
        public let verification: LedgerIntegrity.Verification
        /// Per table: rows copied, and what was lost or refused (one line each).
        public let tables: [String]
        /// Indexes or triggers that could not be created again.
        public let schemaProblems: [String]
        public let seconds: Double
        /// Rows lost or refused anywhere.
        public var complete: Bool { !tables.contains { $0.contains("LOST") || $0.contains("refused") } && schemaProblems.isEmpty }
    }

    /// What a restore did.
    public struct Restored: Sendable, Equatable {
        public let ledger: String
        /// Where the ledger that was replaced now is (nil when there was none).
        public let keptAside: String?
        public let verification: LedgerIntegrity.Verification
    }

    /// Salvages what SQLite can still read of `damaged` into the new file `output` (see `LedgerSalvage`; the
    /// damaged file is only read), then checks the result: `integrity_check`, the custody chain. `output` must not
    /// exist yet; it appears only once complete (temporary name, flushed, renamed).
    public static func recover(damaged: String, output: String) throws -> Recovered {
        guard FileManager.default.fileExists(atPath: damaged) else { throw LedgerBackup.Failure("\(damaged): no such file") }
        guard !FileManager.default.fileExists(atPath: output) else {
            throw LedgerBackup.Failure("\(output) exists already; name a new file")
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let temporary = output + ".partial"
        for file in [temporary, temporary + "-journal"] { try? FileManager.default.removeItem(atPath: file) }
        var installed = false
        defer { if !installed { for file in [temporary, temporary + "-journal"] { try? FileManager.default.removeItem(atPath: file) } } }
        let salvage = try LedgerSalvage.copy(damaged: damaged, into: temporary)
        let verification = try LedgerIntegrity.verify(path: temporary)
        try LedgerBackup.install(temporary, as: output)
        installed = true
        return Recovered(
            output: output, verification: verification, tables: salvage.tables.map(\.summary), schemaProblems: salvage.schemaProblems,
            seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// Refuses when another process has `ledger` open (the daemon): it holds a lock that an exclusive
    /// transaction cannot get past.
    public static func ensureNotInUse(_ ledger: String) throws {
        guard FileManager.default.fileExists(atPath: ledger) else { return }
        var config = Configuration()
        config.busyMode = .immediateError
        config.label = "ledger-in-use"
        do {
            let queue = try DatabaseQueue(path: ledger, configuration: config)
            defer { try? queue.close() }
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
                try db.execute(sql: "BEGIN EXCLUSIVE")
                try db.execute(sql: "COMMIT")
                try db.execute(sql: "PRAGMA locking_mode = NORMAL")
            }
        } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_BUSY {
            throw LedgerBackup.Failure("\(ledger) is in use (is parcel-stationd running? stop it first: systemctl stop parcel-stationd)")
        } catch let error as DatabaseError {
            // A damaged ledger is exactly what a restore replaces; only a lock is a reason to stop.
            _ = error
        }
    }

    /// Puts the backup `backup` in place of `stateDir/parcels.sqlite`, offline: verifies the backup first
    /// (refusing one that does not verify), keeps the current ledger (and its -wal/-shm) aside under a dated
    /// name, installs a copy of the backup under a temporary name, flushes it, renames it into place.
    ///
    /// `acceptBrokenChain` installs a file that passes `integrity_check` although its custody chain does not
    /// verify (a salvaged ledger that lost events, when no better copy exists): `Audit.Verify` will say so.
    public static func restore(backup: String, stateDir: String, now: Date = Date(), acceptBrokenChain: Bool = false) throws -> Restored {
        let ledger = (stateDir as NSString).appendingPathComponent("parcels.sqlite")
        guard FileManager.default.fileExists(atPath: backup) else { throw LedgerBackup.Failure("\(backup): no such file") }
        let verification = try LedgerIntegrity.verify(path: backup)
        guard verification.ok || (acceptBrokenChain && verification.integrity.ok && verification.chain != nil) else {
            throw LedgerBackup.Failure(
                "\(backup) does not verify, so it was not restored:\n\(verification.summary)")
        }
        try ensureNotInUse(ledger)
        let temporary = ledger + ".restoring"
        for file in [temporary, temporary + "-journal"] { try? FileManager.default.removeItem(atPath: file) }
        do {
            try FileManager.default.copyItem(atPath: backup, toPath: temporary)
        } catch {
            throw LedgerBackup.Failure("copying \(backup) to \(temporary): \(LedgerBackup.reason(error))")
        }
        var keptAside: String? = nil
        if FileManager.default.fileExists(atPath: ledger) {
            let stamp = LedgerBackup.fileName(takenAt: Int64(now.timeIntervalSince1970 * 1000)).dropFirst(LedgerBackup.prefix.count)
                .dropLast(
                    LedgerBackup.suffix.count)
            let aside = "\(ledger).replaced-\(stamp)"
            // The -wal goes along under the matching name, so the file kept aside still opens with its last writes.
            for suffix in ["-wal", "-shm", ""] where FileManager.default.fileExists(atPath: ledger + suffix) {
                guard rename(ledger + suffix, aside + suffix) == 0 else {
                    throw LedgerBackup.Failure("moving \(ledger + suffix) aside: \(String(cString: strerror(errno)))")
                }
            }
            keptAside = aside
        }
        try LedgerBackup.install(temporary, as: ledger)
        return Restored(ledger: ledger, keptAside: keptAside, verification: verification)
    }
}
