// Ledger backups.

extension Method {
    public static let backupNow = MethodDeclaration<NoParams, BackupNowResult>("Backup.Now", .write)
    public static let backupList = MethodDeclaration<NoParams, BackupListResult>("Backup.List", .read)

    static let backupArea: [Method] = [backupNow.method, backupList.method]
}

// MARK: Backups (Backup.Now, Backup.List, and `backup` in Station.Status)

/// The scheduled ledger backups. Times are ISO 8601 (UTC), like every time on the wire.
public struct BackupStatus: Codable, Sendable, Equatable {
    /// False when no backup folder is configured (the other fields are then absent).
    public var configured: Bool
    public var folder: String?
    public var intervalMinutes: Int?
    /// How many backups are kept (older ones are removed after each new one).
    public var keep: Int?
    /// A backup is being written now.
    public var running: Bool
    /// The last backup that was written and verified.
    public var lastOk: BackupEntry?
    /// The last failure and its reason (a missing or unwritable folder, a full disk, a copy that did not verify);
    /// kept after later successes, so an unreliable disk shows.
    public var lastFailureAt: String?
    public var lastFailure: String?
    public var nextDueAt: String?

    public init(
        configured: Bool, folder: String? = nil, intervalMinutes: Int? = nil, keep: Int? = nil, running: Bool = false,
        lastOk: BackupEntry? = nil,
        lastFailureAt: String? = nil, lastFailure: String? = nil, nextDueAt: String? = nil
    ) {
        self.configured = configured
        self.folder = folder
        self.intervalMinutes = intervalMinutes
        self.keep = keep
        self.running = running
        self.lastOk = lastOk
        self.lastFailureAt = lastFailureAt
        self.lastFailure = lastFailure
        self.nextDueAt = nextDueAt
    }
}

/// One backup file in the folder.
public struct BackupEntry: Codable, Sendable, Equatable {
    /// `parcels-20261203T075149.123Z.sqlite`
    public var name: String
    public var path: String
    public var bytes: Int64
    public var takenAt: String

    public init(name: String, path: String, bytes: Int64, takenAt: String) {
        self.name = name
        self.path = path
        self.bytes = bytes
        self.takenAt = takenAt
    }
}

/// `Backup.Now`: the backup just written, and what its check found.
public struct BackupNowResult: Codable, Sendable, Equatable {
    public var backup: BackupEntry
    public var parcels: Int
    /// Custody-log events in the copy, and the chain's head digest (hex): the copy verified up to there.
    public var events: Int
    public var head: String?
    public var copySeconds: Double
    public var verifySeconds: Double
    /// Older backups removed to keep `keep`.
    public var removed: [String]

    public init(
        backup: BackupEntry, parcels: Int, events: Int, head: String?, copySeconds: Double, verifySeconds: Double, removed: [String]
    ) {
        self.backup = backup
        self.parcels = parcels
        self.events = events
        self.head = head
        self.copySeconds = copySeconds
        self.verifySeconds = verifySeconds
        self.removed = removed
    }
}

/// `Backup.List`: the schedule's state and the backups in the folder, newest first.
public struct BackupListResult: Codable, Sendable, Equatable {
    public var status: BackupStatus
    public var backups: [BackupEntry]

    public init(status: BackupStatus, backups: [BackupEntry]) {
        self.status = status
        self.backups = backups
    }
}
