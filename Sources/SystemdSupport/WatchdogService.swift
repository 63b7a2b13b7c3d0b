import Logging
import ServiceLifecycle

/// Pings systemd's watchdog at half the configured interval while the daemon is healthy. `isHealthy` is asked
/// each time, so a wedged store or event loop stops the pings and systemd restarts the daemon.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration
    let isHealthy: @Sendable () async -> Bool
    let logger: Logger

    public init(notifier: SystemdNotifier, interval: Duration, logger: Logger, isHealthy: @escaping @Sendable () async -> Bool) {
        self.notifier = notifier
        self.interval = interval
        self.logger = logger
        self.isHealthy = isHealthy
    }

    public func run() async throws {
        let period = interval / 2
        logger.info("watchdog pings every \(period)")
        // Sleeping is cancelled as soon as shutdown begins, so the watchdog never delays it.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if await isHealthy() {
                    notifier.watchdog()
                } else {
                    logger.error("health check failed; withholding watchdog ping")
                }
                try await Task.sleep(for: period)
            }
        }
    }
}
