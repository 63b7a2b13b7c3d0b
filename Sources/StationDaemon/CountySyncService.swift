import CountySync
import Foundation
import LedgerSync
import Logging
import ParcelStore
import ServiceLifecycle
import StationConfiguration
import StationEngine

/// Runs the county syncer for the daemon's lifetime and shows its status on `Sync.Status`.
struct CountySyncService: Service {
    let syncer: CountySyncer

    init(_ county: DaemonConfiguration.County, store: ParcelStore, engine: StationEngine, logger: Logger) {
        let link = county.link.link(password: ProcessInfo.processInfo.environment["PARCEL_STATION_COUNTY_PASSWORD"])
        let pacing = SyncPacing(
            batchSize: county.batchSize ?? 1000, pollInterval: .seconds(county.pollSeconds ?? 2), retryMin: .seconds(2),
            retryMax: .seconds(county.retryMaxSeconds ?? 300))
        let syncer = CountySyncer(
            link: link, stationID: engine.settings.stationID, source: LedgerOutboxSource(store: store), pacing: pacing,
            logger: logger)
        self.syncer = syncer
        // The syncer's status is the engine's: passed through as it is.
        engine.syncStatusSource.set { await syncer.freshStatus() }
    }

    func run() async throws {
        // Cancelled on shutdown, and returns at once whatever the link is doing (every county call races its
        // deadline and the cancellation): an upload in flight is one statement, so it is either in or out.
        try await cancelWhenGracefulShutdown { await syncer.run() }
    }
}
