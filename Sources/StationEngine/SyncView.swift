import Foundation
import ParcelStore
import Synchronization

/// What the county sync is doing, as `Sync.Status` shows it. The engine does not know how uploads happen: the
/// daemon hands it a provider when a county link is configured; without one the ledger alone answers (what is
/// pending since the county's last confirmation).
public struct SyncReport: Sendable, Equatable {
    public var configured: Bool
    public var target: String?
    /// uploading | idle | waiting (after a failure) | starting | off
    public var state: String
    public var acknowledged: Int64
    public var head: Int64
    public var pending: Int64 { max(0, head - acknowledged) }
    public var lastUploadAt: Int64?
    public var lastAttemptAt: Int64?
    public var lastError: String?
    public var lastErrorAt: Int64?
    public var nextAttemptAt: Int64?
    public var uploaded: Int64
    /// When the oldest record still waiting for the county was written (how far behind the county is).
    public var oldestPendingAt: Int64?
    /// connecting | query | poll | backoff: what the syncer waits on now, since when, and when that wait ends
    /// by itself (a connection's or statement's deadline, the next poll, the next try).
    public var waitingOn: String?
    public var waitingSince: Int64?
    public var waitingUntil: Int64?

    public init(
        configured: Bool, target: String?, state: String, acknowledged: Int64, head: Int64, lastUploadAt: Int64? = nil,
        lastAttemptAt: Int64? = nil, lastError: String? = nil, lastErrorAt: Int64? = nil, nextAttemptAt: Int64? = nil, uploaded: Int64 = 0,
        oldestPendingAt: Int64? = nil, waitingOn: String? = nil, waitingSince: Int64? = nil, waitingUntil: Int64? = nil
    ) {
        self.configured = configured
        self.target = target
        self.state = state
        self.acknowledged = acknowledged
        self.head = head
        self.lastUploadAt = lastUploadAt
        self.lastAttemptAt = lastAttemptAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.nextAttemptAt = nextAttemptAt
        self.uploaded = uploaded
        self.oldestPendingAt = oldestPendingAt
        self.waitingOn = waitingOn
        self.waitingSince = waitingSince
        self.waitingUntil = waitingUntil
    }
}

/// Where the daemon plugs in its syncer's status.
public typealias SyncStatusSource = AdapterSlot<@Sendable () async -> SyncReport>

extension StationEngine {
    /// The county sync's status: the daemon's syncer when configured, else what the ledger knows.
    public nonisolated func syncStatus() async throws -> SyncReport {
        var report: SyncReport
        if let provider = syncStatusSource.current {
            report = await provider()
        } else {
            let (acknowledged, head) = try await store.read { reader in (try reader.syncAcknowledged(), try reader.outboxHead()) }
            report = SyncReport(configured: false, target: nil, state: "off", acknowledged: acknowledged, head: head)
        }
        let acknowledged = report.acknowledged
        report.oldestPendingAt = try await store.read { reader in try reader.outboxTime(after: acknowledged) }
        return report
    }
}
