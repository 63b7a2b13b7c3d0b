public import Foundation
public import Logging
public import ParcelDomain
import PostgresNIO
import Synchronization

/// The station side of the outbox, as the syncer needs it (the daemon adapts the ledger to it).
public protocol SyncOutboxSource: Sendable {
    /// Records after `seq`, oldest first.
    func records(after seq: Int64, limit: Int) async throws -> [SyncRecord]
    /// The newest seq in the outbox (0 when empty).
    func head() async throws -> Int64
    /// The county's confirmed seq as last recorded at the station.
    func acknowledged() async throws -> Int64
    func setAcknowledged(_ seq: Int64) async throws
}

/// How the syncer paces itself.
public struct SyncPacing: Sendable {
    /// Records per statement.
    public var batchSize: Int
    /// How often an idle link looks for new records.
    public var pollInterval: Duration
    /// Backoff after a failure: doubling from `retryMin` up to `retryMax`, with ±20 % jitter so a county coming
    /// back is not hit by every station at the same second.
    public var retryMin: Duration
    public var retryMax: Duration

    public init(
        batchSize: Int = 1000, pollInterval: Duration = .seconds(2), retryMin: Duration = .seconds(2), retryMax: Duration = .seconds(300)
    ) {
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.retryMin = retryMin
        self.retryMax = retryMax
    }

    /// The wait before try number `failures` (1-based), before jitter.
    public func backoff(failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 20)
        let millis = min(retryMin / .milliseconds(1) * pow(2, Double(exponent)), retryMax / .milliseconds(1))
        return .milliseconds(Int64(millis))
    }
}

/// Uploads the station's outbox to the county, in order, whenever the link is up; waits out failures with
/// backoff. It only reads the ledger (through `source`), so scanning never waits for it.
public final class CountySyncer: Sendable {
    let link: CountyLink
    let stationID: String
    let source: any SyncOutboxSource
    let pacing: SyncPacing
    let logger: Logger
    let now: @Sendable () -> Int64
    private let current: Mutex<SyncStatus>

    public init(
        link: CountyLink, stationID: String, source: any SyncOutboxSource, pacing: SyncPacing = .init(), logger: Logger,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.link = link
        self.stationID = stationID
        self.source = source
        self.pacing = pacing
        self.logger = logger
        self.now = now
        current = Mutex(SyncStatus(target: link.description, state: .starting))
    }

    /// What `Sync.Status` shows (the engine adds when the oldest pending record was written).
    public var status: SyncStatus { current.withLock { $0 } }

    /// The status with the outbox's head and the recorded acknowledgement read fresh, for `Sync.Status`.
    public func freshStatus() async -> SyncStatus {
        let head = try? await source.head()
        let acknowledged = try? await source.acknowledged()
        return current.withLock { status in
            if let head { status.head = head }
            if let acknowledged, status.state == .starting || status.state == .waiting { status.acknowledged = acknowledged }
            return status
        }
    }

    private func update(_ change: (inout SyncStatus) -> Void) {
        current.withLock { status in change(&status) }
    }

    /// Says what the syncer now waits on, for how long at most.
    private func wait(_ on: SyncStatus.Wait, for duration: Duration) {
        let start = now()
        update {
            $0.waitingOn = on
            $0.waitingSince = start
            $0.waitingUntil = start + Int64(duration / .milliseconds(1))
        }
    }

    /// Runs until cancelled. Every call to the county has a deadline and ends at once on cancellation, so a
    /// dead link (a county restart, a black-holed network) shows up as a failure and is retried with backoff,
    /// and a shutdown never waits for the county.
    public func run() async {
        if let acknowledged = try? await source.acknowledged() { update { $0.acknowledged = acknowledged } }
        while !Task.isCancelled {
            update {
                $0.lastAttemptAt = now()
                $0.state = .uploading
            }
            do {
                try await session()
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                // The status gets the class, safe to show any client; the log gets PostgreSQL's or the network's text.
                let reason = CountyError.reason(error)
                let failure = CountyError.failure(error)
                let failures = current.withLock { status -> Int in
                    status.consecutiveFailures += 1
                    return status.consecutiveFailures
                }
                let wait = pacing.backoff(failures: failures)
                let jitteredMillis = Int64(wait / .milliseconds(1) * Double.random(in: 0.8...1.2))
                let jittered = Duration.milliseconds(jitteredMillis)
                self.wait(.backoff, for: jittered)
                update {
                    $0.state = .waiting
                    $0.lastError = failure
                    $0.lastErrorAt = now()
                    $0.nextAttemptAt = now() + jitteredMillis
                }
                logger.warning(
                    "county sync failed; retrying",
                    metadata: ["failure": "\(failure.rawValue)", "error": "\(reason)", "retryInSeconds": "\(jitteredMillis / 1000)"])
                do { try await Task.sleep(for: jittered) } catch { return }
            }
        }
    }

    /// One connection's life: ask the county where it stands, then upload and poll until something fails.
    private func session() async throws {
        let stationID = stationID
        let logger = logger
        wait(.connecting, for: link.deadline)
        let connection = try await link.connect(logger: logger)
        // Closed whatever happens: the socket at once, no goodbye that a dead link would hold up.
        defer { CountyLink.drop(connection) }
        wait(.query, for: link.deadline)
        var acknowledged = try await link.guarded(connection, "reading the county's last seq") {
            try await CountyUploader.acknowledged($0, stationID: stationID, logger: logger)
        }
        try await source.setAcknowledged(acknowledged)
        update {
            $0.acknowledged = acknowledged
            $0.nextAttemptAt = nil
        }
        var batch = try await source.records(after: acknowledged, limit: pacing.batchSize)
        while !Task.isCancelled {
            if batch.isEmpty {
                let head = try await source.head()
                update {
                    $0.state = .idle
                    $0.head = head
                    $0.consecutiveFailures = 0
                }
                // The health check: a round trip within the deadline, so a dead link (a restarted county, a
                // black-holed network) cannot pass for an idle one.
                wait(.query, for: link.deadline)
                try await link.guarded(connection, "health check") { _ = try await $0.query("SELECT 1", logger: logger) }
                wait(.poll, for: pacing.pollInterval)
                try await Task.sleep(for: pacing.pollInterval)
                batch = try await source.records(after: acknowledged, limit: pacing.batchSize)
                continue
            }
            update { $0.state = .uploading }
            // The next batch is read from the ledger while this one travels and is inserted.
            let last = batch[batch.count - 1].seq
            let current = batch
            async let following = source.records(after: last, limit: pacing.batchSize)
            wait(.query, for: link.deadline)
            try await link.guarded(connection, "uploading \(current.count) records") {
                try await CountyUploader.upload($0, stationID: stationID, records: current, logger: logger)
            }
            acknowledged = last
            try await source.setAcknowledged(acknowledged)
            let head = try await source.head()
            let uploaded = current.count
            update {
                $0.acknowledged = acknowledged
                $0.head = head
                $0.uploaded += Int64(uploaded)
                $0.lastUploadAt = now()
                $0.consecutiveFailures = 0
            }
            batch = try await following
        }
    }
}
