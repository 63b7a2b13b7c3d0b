/// What the county sync is doing, as `Sync.Status` shows it: one type from the syncer (CountySync) through the
/// engine to the socket, which maps it to the wire's `SyncStatusResult`. Times are milliseconds since 1970.
public struct SyncStatus: Sendable, Equatable {
    /// `off`: no county link is configured (the ledger alone answers, with what is pending); `waiting`: after a
    /// failure, until the next try.
    public enum State: String, Sendable, CaseIterable { case off, starting, uploading, idle, waiting }

    /// What the syncer is waiting on right now: a connection (with its login), a statement's reply, the pause
    /// between idle polls, or the pause after a failure.
    public enum Wait: String, Sendable, CaseIterable { case connecting, query, poll, backoff }

    /// The county link without its password; nil when no county is configured.
    public var target: String?
    public var state: State
    public var configured: Bool { state != .off }
    /// The county's confirmed seq and the outbox head; pending is their difference.
    public var acknowledged: Int64
    public var head: Int64
    public var pending: Int64 { max(0, head - acknowledged) }
    public var lastUploadAt: Int64?
    public var lastAttemptAt: Int64?
    /// Why the last try failed, as one of a few classes safe to show any client; the full text (PostgreSQL's,
    /// the network's) is in the daemon's log.
    public var lastError: SyncFailure?
    public var lastErrorAt: Int64?
    /// When the next try is due while waiting out a failure.
    public var nextAttemptAt: Int64?
    /// Records uploaded since the daemon started.
    public var uploaded: Int64
    public var consecutiveFailures: Int
    /// When the oldest record still waiting for the county was written (how far behind the county is).
    public var oldestPendingAt: Int64?
    public var waitingOn: Wait?
    /// Since when, and when that wait ends by itself: the deadline of a connection or statement (then the link
    /// counts as lost), the next poll, or the next try.
    public var waitingSince: Int64?
    public var waitingUntil: Int64?

    public init(target: String?, state: State, acknowledged: Int64 = 0, head: Int64 = 0) {
        self.target = target
        self.state = state
        self.acknowledged = acknowledged
        self.head = head
        uploaded = 0
        consecutiveFailures = 0
    }
}

/// Why a county sync attempt failed, in words safe to show any client (`Sync.Status`, `parcelctl sync`).
/// PostgreSQL's and the network library's own text can name roles, tables, hosts and server internals: it goes to
/// the daemon's log, never to a client.
public enum SyncFailure: String, Sendable, CaseIterable {
    /// No connection: refused, no route, no such host.
    case unreachable
    /// The connection closed under a call (a county restart, a dropped link).
    case linkLost
    /// The login or the TLS handshake was refused (role, password, certificate, database name).
    case loginRefused
    /// The county server is in recovery, starting, shutting down or read-only: it takes no uploads now.
    case readOnly
    /// The county has too many connections or is out of resources.
    case busy
    /// The county refused a batch: its schema, a constraint, row-level security or its gap check.
    case batchRefused
    /// A connection or statement did not finish within the link's deadline.
    case timedOut
    /// The configured password file could not be read at the station.
    case passwordFile
    /// Anything else; the daemon's log has what it was.
    case other

    /// One sentence for the status; details are in the daemon's log.
    public var message: String {
        switch self {
        case .unreachable: "cannot reach the county server"
        case .linkLost: "the county closed the connection (link lost?)"
        case .loginRefused: "the county server refused the login or TLS (check the station's role, password and CA file)"
        case .readOnly: "the county server is in recovery or read-only and takes no uploads now"
        case .busy: "the county server is overloaded (too many connections or out of resources)"
        case .batchRefused: "the county refused a batch (its schema or a constraint); nothing of it was recorded"
        case .timedOut: "timed out waiting for the county"
        case .passwordFile: "cannot read the county password file"
        case .other: "the county sync failed"
        }
    }
}
