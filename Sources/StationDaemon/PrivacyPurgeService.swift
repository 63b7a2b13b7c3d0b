import Logging
import ServiceLifecycle
import StationEngine

/// The privacy purge (隐私) on a schedule: once at start-up, then every `interval`. Each run erases the personal
/// fields of stays that ended more than the retention ago, in short write transactions (see
/// `StationEngine.purgePersonalData`), so intake never waits long behind it. A failed run is logged and retried at
/// the next interval; it never stops the daemon.
struct PrivacyPurgeService: Service {
    let engine: StationEngine
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var trigger = "start"
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await engine.purgePersonalData(trigger: trigger)
            } catch {
                logger.error("privacy purge failed; retried in \(interval)", metadata: ["error": "\(error)"])
            }
            trigger = "schedule"
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
