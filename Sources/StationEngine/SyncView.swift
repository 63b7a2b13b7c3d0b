import Foundation
public import ParcelDomain
import ParcelStore

/// Where the daemon plugs in its syncer's status. The engine does not know how uploads happen: the daemon hands
/// it a provider when a county link is configured; without one the ledger alone answers.
public typealias SyncStatusSource = AdapterSlot<@Sendable () async -> SyncStatus>

extension StationEngine {
    /// The county sync's status, as `Sync.Status` shows it: the daemon's syncer when configured, else what the
    /// ledger knows (what is pending since the county's last confirmation); with when the oldest pending record
    /// was written either way.
    public nonisolated func syncStatus() async throws -> SyncStatus {
        var status: SyncStatus
        if let provider = syncStatusSource.current {
            status = await provider()
        } else {
            let (acknowledged, head) = try await store.read { reader in (try reader.syncAcknowledged(), try reader.outboxHead()) }
            status = SyncStatus(target: nil, state: .off, acknowledged: acknowledged, head: head)
        }
        let acknowledged = status.acknowledged
        status.oldestPendingAt = try await store.read { reader in try reader.outboxTime(after: acknowledged) }
        return status
    }
}
