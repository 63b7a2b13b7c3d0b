import Foundation
public import ParcelStore
import Synchronization

/// The ledger backups as `Station.Status`, `Backup.Now` and `Backup.List` show them. The engine does not take
/// backups itself: the daemon's backup service plugs in here when a backup folder is configured.
public protocol BackupPort: Sendable {
    /// Where backups go and how the last ones went.
    func report() async -> BackupReport
    /// Takes a backup now (waiting for one already running, then taking a fresh one) and returns it, verified.
    func backupNow() async throws -> LedgerBackup.Written
    /// The backups in the folder, newest first.
    func list() async throws -> [LedgerBackup.Entry]
}

public struct BackupReport: Sendable, Equatable {
    public struct Success: Sendable, Equatable {
        public var at: Int64
        public var entry: LedgerBackup.Entry
        public var events: Int
        public var seconds: Double
        public init(at: Int64, entry: LedgerBackup.Entry, events: Int, seconds: Double) {
            self.at = at
            self.entry = entry
            self.events = events
            self.seconds = seconds
        }
    }

    public struct Failure: Sendable, Equatable {
        public var at: Int64
        public var reason: String
        public init(at: Int64, reason: String) {
            self.at = at
            self.reason = reason
        }
    }

    public var folder: String
    public var intervalMinutes: Int
    public var keep: Int
    public var running: Bool
    public var lastSuccess: Success?
    /// The last backup that failed (kept after later successes, so an intermittent disk shows).
    public var lastFailure: Failure?
    public var nextDueAt: Int64?

    public init(
        folder: String, intervalMinutes: Int, keep: Int, running: Bool = false, lastSuccess: Success? = nil, lastFailure: Failure? = nil,
        nextDueAt: Int64? = nil
    ) {
        self.folder = folder
        self.intervalMinutes = intervalMinutes
        self.keep = keep
        self.running = running
        self.lastSuccess = lastSuccess
        self.lastFailure = lastFailure
        self.nextDueAt = nextDueAt
    }
}

/// Where the daemon plugs in its backup service.
public typealias BackupSource = AdapterSlot<any BackupPort>

/// A place where the daemon plugs in an adapter the engine does not own (the county syncer's status, the backup
/// service) after the engine is made; empty when the daemon runs without it.
public final class AdapterSlot<Adapter: Sendable>: Sendable {
    private let adapter = Mutex<Adapter?>(nil)
    public init() {}
    public func set(_ value: Adapter) { adapter.withLock { $0 = value } }
    public var current: Adapter? { adapter.withLock { $0 } }
}
