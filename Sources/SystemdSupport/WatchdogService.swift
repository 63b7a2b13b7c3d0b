public import Logging
public import ServiceLifecycle
import Synchronization

/// Set once the daemon has told systemd READY=1; watchdog pings start only then.
public final class Readiness: Sendable {
    private let ready = Mutex(false)
    public init() {}
    public func markReady() { ready.withLock { $0 = true } }
    public var isReady: Bool { ready.withLock { $0 } }
}

/// Pings systemd's watchdog at half the configured interval while the daemon is healthy. `isHealthy` is asked
/// each time, so a wedged store or event loop stops the pings and systemd restarts the daemon.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration
    let readiness: Readiness
    let isHealthy: @Sendable () async -> Bool
    let logger: Logger

    public init(
        notifier: SystemdNotifier, interval: Duration, readiness: Readiness, logger: Logger,
        isHealthy: @escaping @Sendable () async -> Bool
    ) {
        self.notifier = notifier
        self.interval = interval
        self.readiness = readiness
        self.logger = logger
        self.isHealthy = isHealthy
    }

    public func run() async throws {
        let period = interval / 2
        logger.info("watchdog pings every \(period)")
        // Sleeping is cancelled as soon as shutdown begins, so the watchdog never delays it.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if !readiness.isReady {
                    // Still starting: systemd's start timeout covers this phase, not the watchdog.
                } else if await isHealthy() {
                    notifier.watchdog()
                } else {
                    logger.error("health check failed; withholding watchdog ping")
                }
                try await Task.sleep(for: period)
            }
        }
    }
}
