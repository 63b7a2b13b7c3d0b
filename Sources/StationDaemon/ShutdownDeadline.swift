import Foundation
import Logging
import ServiceLifecycle

/// How long a stop may take, whatever a service is doing.
///
/// ServiceGroup gives the services `graceful` to finish (the server answers the requests in progress), then
/// cancels them. A service stuck in a call that ignores both (a C library, a
/// network read with no deadline) would still hold the process until systemd's `TimeoutStopSec` kills it with
/// SIGKILL and no word about why; past `hard`, this service instead logs which stop overran and exits, so the
/// ledger (whose every acknowledged write is already committed) is left as a kill would leave it, but sooner
/// and with a reason.
struct ShutdownDeadline: Service {
    /// Fits inside the unit's TimeoutStopSec=30s with room to spare.
    static let graceful: Duration = .seconds(15)
    static let hard: Duration = .seconds(25)

    let logger: Logger

    func run() async throws {
        // Returns when SIGTERM/SIGINT starts the graceful shutdown; throws when the group is cancelled first.
        try await gracefulShutdown()
        let logger = self.logger
        let started = ContinuousClock.now
        // A plain thread, not a task: it must fire even if every cooperative thread is blocked.
        let thread = Thread {
            Thread.sleep(forTimeInterval: Double(Self.hard.components.seconds))
            logger.critical(
                "shutdown took longer than \(Self.hard) (since \(started)); exiting without waiting further: acknowledged writes are committed"
            )
            exit(1)
        }
        thread.start()
    }
}
