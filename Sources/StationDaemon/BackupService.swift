import Dispatch
import Foundation
import Logging
import ParcelStore
import ServiceLifecycle
import StationEngine
import Synchronization

/// Scheduled backups of the ledger into `backup.folder`, and `Backup.Now` / `Backup.List` through the engine.
///
/// Backups run one at a time on a queue of their own (SQLite blocks its thread for the whole copy), never on the
/// concurrency pool. A backup that fails (folder missing, stick pulled out, disk full, a copy that does not
/// verify) is logged and shown on `Station.Status`; scanning never waits for it or stops because of it.
final class BackupService: Service, BackupPort {
    struct Schedule: Sendable {
        var folder: String
        var interval: Duration
        var keep: Int
        /// The earliest first backup after start, so a restart loop does not also copy the ledger every time.
        var startDelay: Duration = .seconds(60)
    }

    private struct State {
        var running = false
        var lastSuccess: BackupReport.Success?
        var lastFailure: BackupReport.Failure?
        var nextDueAt: Int64?
    }

    let store: ParcelStore
    let schedule: Schedule
    /// The copy method: the standard one; `PARCEL_STATION_BACKUP_METHOD` (backup-api, vacuum-into) is read for
    /// `parcel-bench --backup`, which compares them.
    let method =
        ProcessInfo.processInfo.environment["PARCEL_STATION_BACKUP_METHOD"].flatMap(LedgerBackup.Method.init) ?? LedgerBackup.standardMethod
    let logger: Logger
    private let state = Mutex(State())
    private let stopping = Atomic<Bool>(false)
    private let queue = DispatchQueue(label: "parcel-station.backup")

    init(store: ParcelStore, schedule: Schedule, engine: StationEngine, logger: Logger) {
        self.store = store
        self.schedule = schedule
        self.logger = logger
        // Before the socket serves: a missing folder shows on the first Station.Status, not only later.
        let due = firstDue()
        state.withLock { $0.nextDueAt = due }
        engine.backupSource.set(self)
    }

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    func report() async -> BackupReport {
        let state = state.withLock { $0 }
        return BackupReport(
            folder: schedule.folder, intervalMinutes: Int(schedule.interval.components.seconds / 60), keep: schedule.keep,
            running: state.running,
            lastSuccess: state.lastSuccess, lastFailure: state.lastFailure, nextDueAt: state.nextDueAt)
    }

    func list() async throws -> [LedgerBackup.Entry] {
        try LedgerBackup.list(folder: schedule.folder)
    }

    func backupNow() async throws -> LedgerBackup.Written {
        try await enqueue(reason: "requested")
    }

    /// Runs a backup after any already queued (one at a time: a request during a scheduled backup waits for it,
    /// then takes its own).
    private func enqueue(reason: String) async throws -> LedgerBackup.Written {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.runBackup(reason: reason) }) }
        }
    }

    /// One backup on the backup queue, recorded for `Station.Status` and the log.
    private func runBackup(reason: String) throws -> LedgerBackup.Written {
        state.withLock { $0.running = true }
        defer { state.withLock { $0.running = false } }
        let started = Self.nowMillis()
        do {
            let written = try store.backup(
                toFolder: schedule.folder, keep: schedule.keep, method: method, cancelled: { self.stopping.load(ordering: .relaxed) })
            let success = BackupReport.Success(
                at: Self.nowMillis(), entry: written.entry, events: written.verification.chain?.events ?? 0,
                seconds: written.copySeconds + written.verifySeconds)
            // Any backup, requested or scheduled, restarts the interval.
            let rotationProblem =
                written.notRemoved.isEmpty
                ? nil : "old backups could not be removed, so the folder keeps filling up: " + written.notRemoved.joined(separator: "; ")
            state.withLock {
                $0.lastSuccess = success
                $0.nextDueAt = success.at + Int64(schedule.interval.components.seconds * 1000)
                if let rotationProblem { $0.lastFailure = .init(at: success.at, reason: rotationProblem) }
            }
            if let rotationProblem { logger.warning("backup rotation: \(rotationProblem)", metadata: ["folder": "\(schedule.folder)"]) }
            logger.info(
                "backup written and verified",
                metadata: [
                    "file": "\(written.entry.path)", "bytes": "\(written.entry.bytes)", "events": "\(success.events)",
                    "copySeconds": "\(String(format: "%.2f", written.copySeconds))",
                    "verifySeconds": "\(String(format: "%.2f", written.verifySeconds))", "removed": "\(written.removed.count)",
                    "why": "\(reason)",
                ])
            return written
        } catch {
            let message = (error as? LedgerBackup.Failure)?.description ?? "\(error)"
            state.withLock {
                $0.lastFailure = .init(at: started, reason: message)
                $0.nextDueAt = Self.nowMillis() + min(Self.retryMillis, Int64(schedule.interval.components.seconds * 1000))
            }
            logger.error("backup failed: \(message)", metadata: ["folder": "\(schedule.folder)", "why": "\(reason)"])
            throw error
        }
    }

    /// The first backup is due one interval after the newest already in the folder (a restart does not take
    /// another), and not before `startDelay`.
    private func firstDue() -> Int64 {
        let now = Self.nowMillis()
        let earliest = now + Int64(schedule.startDelay.components.seconds * 1000)
        let newest: Int64?
        do {
            newest = try LedgerBackup.list(folder: schedule.folder).first?.takenAt
        } catch {
            // Shown at once, not only when the first backup fails.
            let message = (error as? LedgerBackup.Failure)?.description ?? "\(error)"
            state.withLock { $0.lastFailure = .init(at: now, reason: message) }
            logger.warning("backups: \(message); scanning goes on, backups fail until it is fixed")
            newest = nil
        }
        return max(earliest, (newest ?? 0) + Int64(schedule.interval.components.seconds * 1000))
    }

    func run() async throws {
        logger.info("backups", metadata: ["folder": "\(schedule.folder)", "every": "\(schedule.interval)", "keep": "\(schedule.keep)"])
        try await withGracefulShutdownHandler {
            try await cancelWhenGracefulShutdown { await self.loop() }
        } onGracefulShutdown: {
            // A copy in progress stops at its next step; the ledger closes after this service has returned.
            self.stopping.store(true, ordering: .relaxed)
        }
    }

    /// After a failure (a stick not plugged in yet), the next try comes sooner than a whole interval.
    static let retryMillis: Int64 = 15 * 60 * 1000

    /// Sleeps until the backup due (re-read at least every minute: `Backup.Now` moves it), takes it.
    private func loop() async {
        while !Task.isCancelled {
            let due = state.withLock { $0.nextDueAt } ?? Self.nowMillis()
            let wait = due - Self.nowMillis()
            if wait > 0 {
                do {
                    try await Task.sleep(for: .milliseconds(min(wait, 60_000)))
                } catch {
                    return
                }
                continue
            }
            _ = try? await enqueue(reason: "scheduled")
        }
    }
}
