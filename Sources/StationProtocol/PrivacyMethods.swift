// Privacy (隐私): erasing the personal fields of ended stays once the retention has passed.

extension Method {
    /// Runs the purge now (it also runs at start-up and every `privacy.intervalMinutes`).
    public static let purge = MethodDeclaration<NoParams, PurgeResult>("Privacy.Purge", .write)
    /// The retention in force, the recent purge runs and what is due.
    public static let privacyStatus = MethodDeclaration<NoParams, PrivacyStatusResult>("Privacy.Status", .read)

    static let privacyArea: [Method] = [purge.method, privacyStatus.method]
}

/// What one purge run erased.
public struct PurgeCountsDTO: Codable, Sendable, Equatable {
    public var parcels: Int
    public var pickups: Int
    public var handoffLines: Int
    public var notices: Int
    public var outgoing: Int

    public init(parcels: Int, pickups: Int, handoffLines: Int, notices: Int, outgoing: Int) {
        self.parcels = parcels
        self.pickups = pickups
        self.handoffLines = handoffLines
        self.notices = notices
        self.outgoing = outgoing
    }
}

public struct PurgeRunDTO: Codable, Sendable, Equatable {
    public var startedAt: String
    public var finishedAt: String
    public var retentionDays: Int
    /// `start`, `schedule` or `request`.
    public var trigger: String
    public var purged: PurgeCountsDTO

    public init(startedAt: String, finishedAt: String, retentionDays: Int, trigger: String, purged: PurgeCountsDTO) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.retentionDays = retentionDays
        self.trigger = trigger
        self.purged = purged
    }
}

public struct PurgeResult: Codable, Sendable, Equatable {
    public var run: PurgeRunDTO
    /// Write transactions it took (one per batch of `privacy.batchSize` parcels).
    public var transactions: Int
    /// The WAL was checkpointed and truncated afterwards (false: a reader held an old snapshot; retried next run).
    public var walTruncated: Bool

    public init(run: PurgeRunDTO, transactions: Int, walTruncated: Bool) {
        self.run = run
        self.transactions = transactions
        self.walTruncated = walTruncated
    }
}

public struct PrivacyStatusResult: Codable, Sendable, Equatable {
    public var retentionDays: Int
    /// Parcels purged over every run.
    public var purgedParcels: Int
    /// Ended stays past the retention still holding personal fields (the next run erases them).
    public var due: Int
    /// The last runs, newest first.
    public var runs: [PurgeRunDTO]

    public init(retentionDays: Int, purgedParcels: Int, due: Int, runs: [PurgeRunDTO]) {
        self.retentionDays = retentionDays
        self.purgedParcels = purgedParcels
        self.due = due
        self.runs = runs
    }
}
