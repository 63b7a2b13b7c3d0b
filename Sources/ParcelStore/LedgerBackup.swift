public import Foundation
internal import GRDB

/// Copies of the ledger in a folder of their own (a second disk, a USB stick), taken while the daemon serves.
///
/// A copy is written under a temporary name, checked (`integrity_check` and the custody chain), flushed, and
/// only then renamed to `parcels-<UTC time>.sqlite` and the folder flushed: a file with the final name is a
/// complete, verified ledger, whatever happened to the machine while it was being written. Rotation then keeps
/// the newest `keep` of them.
public enum LedgerBackup {
    /// How the copy is taken. Both read one snapshot on a reader connection, so writers go on (WAL).
    public enum Method: String, Sendable, CaseIterable {
        /// SQLite's online backup API, every page in one step: a page-for-page copy.
        case onlineBackup = "backup-api"
        /// `VACUUM INTO`: the rows rebuilt into a compact new file (more CPU, a smaller file).
        case vacuumInto = "vacuum-into"
    }

    /// The daemon's choice; see README "Backups" for the measurement behind it.
    public static let standardMethod = Method.onlineBackup

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// A backup in the folder.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let path: String
        public let bytes: Int64
        /// When it was taken (ms since 1970, from its name).
        public let takenAt: Int64
    }

    /// A backup just written and verified.
    public struct Written: Sendable, Equatable {
        public let entry: Entry
        public let verification: LedgerIntegrity.Verification
        /// Copying, then checking (integrity_check and the custody chain) and flushing.
        public let copySeconds: Double
        public let verifySeconds: Double
        /// Older backups removed by rotation.
        public let removed: [String]
        /// Older backups rotation could not remove, with why: the folder fills up until someone sees to it.
        public let notRemoved: [String]
    }

    /// 16 MiB of 4 KiB pages per backup step.
    static let pagesPerStep: CInt = 4096

    static let prefix = "parcels-"
    static let suffix = ".sqlite"

    /// `parcels-20261203T075149.123Z.sqlite`: sorts by time, readable, and the time is in the name.
    public static func fileName(takenAt millis: Int64) -> String {
        let stamp = stampLock.withLock { stampFormat.string(from: Date(timeIntervalSince1970: Double(millis) / 1000)) }
        return "\(prefix)\(stamp)\(suffix)"
    }

    /// Used under `stampLock` only (DateFormatter is not thread-safe).
    nonisolated(unsafe) private static let stampFormat: DateFormatter = {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd'T'HHmmss.SSS'Z'"
        return format
    }()
    private static let stampLock = NSLock()

    static func takenAt(name: String) -> Int64? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let stamp = String(name.dropFirst(prefix.count).dropLast(suffix.count))
        let date = stampLock.withLock { stampFormat.date(from: stamp) }
        return date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    /// The backups in `folder`, newest first. Files being written (temporary names) are not listed.
    public static func list(folder: String) throws -> [Entry] {
        try checkFolder(folder)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            throw Failure("backup folder \(folder): \(Self.reason(error))")
        }
        return names.compactMap { name -> Entry? in
            guard let at = takenAt(name: name) else { return nil }
            let path = (folder as NSString).appendingPathComponent(name)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
            return Entry(name: name, path: path, bytes: bytes, takenAt: at)
        }.sorted { $0.takenAt > $1.takenAt }
    }

    /// Removes all but the newest `keep` backups; returns the names removed and, for those it could not remove,
    /// the name and the reason.
    public static func rotate(folder: String, keep: Int) throws -> (removed: [String], notRemoved: [String]) {
        var removed: [String] = []
        var notRemoved: [String] = []
        for entry in try list(folder: folder).dropFirst(max(1, keep)) {
            do {
                try FileManager.default.removeItem(atPath: entry.path)
                removed.append(entry.name)
            } catch {
                notRemoved.append("\(entry.name): \(error.localizedDescription)")
            }
        }
        return (removed, notRemoved)
    }

    /// Refuses a folder the daemon cannot write into, with a reason a person can act on.
    static func checkFolder(_ folder: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw Failure("backup folder \(folder) does not exist (is the disk or USB stick mounted?)")
        }
        guard isDirectory.boolValue else { throw Failure("backup folder \(folder) is not a folder") }
        guard access(folder, W_OK | X_OK) == 0 else {
            throw Failure("backup folder \(folder) is not writable by this user (uid \(getuid()))")
        }
    }

    /// Flushes `path` (a file or a folder) to its disk.
    static func fsync(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard Foundation.fsync(fd) == 0 else { throw Failure("flushing \(path): \(String(cString: strerror(errno)))") }
    }

    /// Makes `temporary` (complete and flushed) the file at `final`, durably: rename, then flush the folder.
    static func install(_ temporary: String, as final: String) throws {
        try fsync(path: temporary)
        guard rename(temporary, final) == 0 else {
            throw Failure("renaming \(temporary) to \(final): \(String(cString: strerror(errno)))")
        }
        let folder = (final as NSString).deletingLastPathComponent
        try fsync(path: folder.isEmpty ? "." : folder)
    }

    static func reason(_ error: any Error) -> String {
        if let failure = error as? Failure { return failure.description }
        if let error = error as? DatabaseError { return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "")" }
        if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError {
            return underlying.localizedDescription
        }
        return "\(error)"
    }

    /// A standalone single file: the copy keeps the source's WAL flag, so it is switched to a rollback journal
    /// (no -wal/-shm beside a backup, and a read-only check needs none).
    static func makeStandalone(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        try queue.close()
    }
}

extension ParcelStore {
    /// Writes a verified backup of the ledger into `folder` and keeps the newest `keep`.
    ///
    /// Runs for as long as the copy and the check take (seconds on a large ledger): call it off the
    /// concurrency pool. Writes go on meanwhile; the copy is the ledger as of the moment it started.
    public func backup(
        toFolder folder: String, keep: Int, method: LedgerBackup.Method = LedgerBackup.standardMethod, now: Date = Date(),
        cancelled: @escaping @Sendable () -> Bool = { false }
    ) throws -> LedgerBackup.Written {
        try LedgerBackup.checkFolder(folder)
        let millis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        let name = LedgerBackup.fileName(takenAt: millis)
        let final = (folder as NSString).appendingPathComponent(name)
        let temporary = (folder as NSString).appendingPathComponent(".\(name).partial")
        guard !FileManager.default.fileExists(atPath: final) else { throw LedgerBackup.Failure("\(final) exists already") }
        for leftover in [temporary, temporary + "-journal"] { try? FileManager.default.removeItem(atPath: leftover) }
        var installed = false
        defer {
            if !installed { for file in [temporary, temporary + "-journal"] { try? FileManager.default.removeItem(atPath: file) } }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            switch method {
            case .onlineBackup:
                let destination = try DatabaseQueue(path: temporary)
                // In steps, so a shutdown can stop it between two; the reader's transaction spans every step, so
                // the copy is one snapshot and writes meanwhile do not restart it.
                try pool.backup(to: destination, pagesPerStep: LedgerBackup.pagesPerStep) { _ in
                    if cancelled() { throw LedgerBackup.Failure("cancelled (the daemon is stopping)") }
                }
                try destination.close()
            case .vacuumInto:
                // VACUUM cannot run inside a transaction; a reader connection outside one still reads one snapshot.
                try pool.unsafeRead { db in try db.execute(sql: "VACUUM INTO ?", arguments: [temporary]) }
            }
            try LedgerBackup.makeStandalone(temporary)
        } catch {
            throw LedgerBackup.Failure("copying the ledger to \(temporary): \(LedgerBackup.reason(error))")
        }
        let copied = DispatchTime.now().uptimeNanoseconds
        if cancelled() { throw LedgerBackup.Failure("cancelled (the daemon is stopping)") }
        let verification: LedgerIntegrity.Verification
        do {
            verification = try LedgerIntegrity.verify(path: temporary, cancelled: cancelled)
        } catch {
            if cancelled() { throw LedgerBackup.Failure("cancelled (the daemon is stopping)") }
            throw LedgerBackup.Failure("checking the copy \(temporary): \(LedgerBackup.reason(error))")
        }
        guard verification.ok else {
            throw LedgerBackup.Failure(
                "the copy does not verify, so it was not kept: \(verification.summary.replacingOccurrences(of: "\n", with: "; "))")
        }
        try LedgerBackup.install(temporary, as: final)
        installed = true
        let verified = DispatchTime.now().uptimeNanoseconds
        // The backup is whole and verified whatever rotation then finds; what it cannot remove is reported.
        let rotation: (removed: [String], notRemoved: [String])
        do {
            rotation = try LedgerBackup.rotate(folder: folder, keep: keep)
        } catch {
            rotation = ([], ["listing \(folder): \(error.localizedDescription)"])
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: final)[.size] as? NSNumber)?.int64Value ?? 0
        return LedgerBackup.Written(
            entry: .init(name: name, path: final, bytes: bytes, takenAt: millis), verification: verification,
            copySeconds: Double(copied - start) / 1e9, verifySeconds: Double(verified - copied) / 1e9, removed: rotation.removed,
            notRemoved: rotation.notRemoved)
    }
}
