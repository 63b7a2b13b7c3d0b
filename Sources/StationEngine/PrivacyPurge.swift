import Foundation
import Logging
public import ParcelStore

/// One run of the privacy purge, as `Privacy.Purge` answers it.
public struct PurgeSummary: Sendable, Equatable {
    public let startedAt: Int64
    public let finishedAt: Int64
    public let retentionDays: Int
    public let counts: PurgeCounts
    /// The write transactions it took (one per batch).
    public let transactions: Int
    /// Whether the WAL was checkpointed and truncated afterwards (false: a reader held an old snapshot; the next
    /// run tries again).
    public let walTruncated: Bool
}

/// `Privacy.Status`: the retention in force, recent runs and what is due now.
public struct PrivacyStatus: Sendable, Equatable {
    public let retentionDays: Int
    public let purgedParcels: Int
    public let due: Int
    public let runs: [PurgeRun]
}

extension StationEngine {
    /// The pause between two purge batches.
    static let purgePause = Duration.milliseconds(10)

    /// Erases the personal fields of every stay that ended more than `retentionDays` ago (phone tail, hash and
    /// full number; the collector's name; the phones of manifest lines; the notices' recipients; outgoing
    /// senders' phones), in transactions of `purgeBatchSize` parcels each, so intake waits at most one short
    /// batch behind it. Then records the run and, when anything was erased, truncates the WAL so no page image
    /// of the erased values stays there (`secure_delete` already zeroes them in the database file).
    public nonisolated func purgePersonalData(trigger: String) async throws -> PurgeSummary {
        let started = clock.nowMillis()
        let retention = settings.retentionDays
        let cutoff = started - Int64(retention) * 86_400_000
        let batch = max(1, settings.purgeBatchSize)
        var counts = PurgeCounts()
        var transactions = 0
        while true {
            let step = try await store.write { tx in try tx.purgeEndedStays(releasedBefore: cutoff, now: started, limit: batch) }
            transactions += 1
            counts = counts + step
            if step.parcels < batch { break }
            // A breath between batches: the writer commits the scans that queued behind this batch on their own.
            try? await Task.sleep(for: Self.purgePause)
        }
        while true {
            let step = try await store.write { tx in try tx.purgeLooseRecords(before: cutoff, now: started, limit: batch) }
            transactions += 1
            counts = counts + step
            if step.pickups < batch && step.handoffLines < batch && step.outgoing < batch { break }
            // A breath between batches: the writer commits the scans that queued behind this batch on their own.
            try? await Task.sleep(for: Self.purgePause)
        }
        let finished = clock.nowMillis()
        let total = counts
        try await store.write { tx in
            try tx.recordPurgeRun(startedAt: started, finishedAt: finished, retentionDays: retention, trigger: trigger, counts: total)
        }
        let store = self.store
        // The writer is held while the checkpoint runs; off the concurrency pool, like every SQLite call. A run that
        // erased nothing has nothing to fold, unless asked for (`Privacy.Purge`).
        let truncated =
            counts.total == 0 && trigger != "request"
            ? false
            : try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, any Error>) in
                DispatchQueue.global().async { continuation.resume(with: Result { try store.truncateWAL() }) }
            }
        if counts.total > 0 || trigger != "schedule" {
            logger.info(
                "privacy purge",
                metadata: [
                    "trigger": "\(trigger)", "parcels": "\(counts.parcels)", "pickups": "\(counts.pickups)",
                    "handoffLines": "\(counts.handoffLines)", "notices": "\(counts.notices)", "outgoing": "\(counts.outgoing)",
                    "transactions": "\(transactions)", "walTruncated": "\(truncated)",
                ])
        }
        return PurgeSummary(
            startedAt: started, finishedAt: finished, retentionDays: retention, counts: counts, transactions: transactions,
            walTruncated: truncated)
    }

    public nonisolated func privacyStatus() async throws -> PrivacyStatus {
        let cutoff = clock.nowMillis() - Int64(settings.retentionDays) * 86_400_000
        let retention = settings.retentionDays
        return try await store.read { reader in
            PrivacyStatus(
                retentionDays: retention, purgedParcels: try reader.purgedParcelCount(),
                due: try reader.purgeDueCount(releasedBefore: cutoff), runs: try reader.purgeRuns(limit: 10))
        }
    }
}
