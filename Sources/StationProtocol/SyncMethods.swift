// The county sync as the station sees it.

extension Method {
    public static let syncStatus = MethodDeclaration<NoParams, SyncStatusResult>("Sync.Status", .read)

    static let syncArea: [Method] = [syncStatus.method]
}

// MARK: Sync.Status

/// The county sync as the station sees it. Times are ISO 8601 (UTC), like every time on the wire.
public struct SyncStatusResult: Codable, Sendable, Equatable {
    /// False when no county link is configured; the counts then still say what is waiting.
    public var configured: Bool
    /// The county link without its password (`user@host:port/database`).
    public var target: String?
    /// uploading | idle | waiting (after a failure, until `nextAttemptAt`) | starting | off
    public var state: String
    /// The last outbox record the county has confirmed, the newest record, and how many wait between them.
    public var acknowledged: Int64
    public var head: Int64
    public var pending: Int64
    /// When the oldest record still waiting was written: how far behind the county is.
    public var oldestPendingAt: String?
    public var lastUploadAt: String?
    public var lastAttemptAt: String?
    /// The last failure in one sentence (never PostgreSQL's text: that is in the daemon's log), its kind to branch on
    /// (unreachable | linkLost | loginRefused | readOnly | busy | batchRefused | timedOut | passwordFile | other;
    /// an open set, since 1.5), and when.
    public var lastError: String?
    public var lastErrorKind: String?
    public var lastErrorAt: String?
    public var nextAttemptAt: String?
    /// Records uploaded since the daemon started.
    public var uploaded: Int64
    /// What the syncer waits on now: connecting | query | poll (the pause between idle health checks) |
    /// backoff (after a failure); since when, and when that wait ends by itself (for connecting and query, the
    /// deadline after which the link counts as lost). Absent without a county link.
    public var waitingOn: String?
    public var waitingSince: String?
    public var waitingUntil: String?

    public init(
        configured: Bool, target: String?, state: String, acknowledged: Int64, head: Int64, pending: Int64, oldestPendingAt: String?,
        lastUploadAt: String?, lastAttemptAt: String?, lastError: String?, lastErrorAt: String?, nextAttemptAt: String?, uploaded: Int64,
        waitingOn: String? = nil, waitingSince: String? = nil, waitingUntil: String? = nil, lastErrorKind: String? = nil
    ) {
        self.lastErrorKind = lastErrorKind
        self.configured = configured
        self.target = target
        self.state = state
        self.acknowledged = acknowledged
        self.head = head
        self.pending = pending
        self.oldestPendingAt = oldestPendingAt
        self.lastUploadAt = lastUploadAt
        self.lastAttemptAt = lastAttemptAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.nextAttemptAt = nextAttemptAt
        self.uploaded = uploaded
        self.waitingOn = waitingOn
        self.waitingSince = waitingSince
        self.waitingUntil = waitingUntil
    }
}
