import Foundation
import Logging
import StationTestSupport
import Synchronization
import SystemdSupport
import Testing

/// The watchdog pings a real datagram socket only once the daemon is ready and while it is healthy.
@Suite struct WatchdogServiceTests {
    let directory: TemporaryDirectory
    let systemd: DatagramListener
    let notifier: SystemdNotifier
    let log = CapturingLogHandler()
    let readiness = Readiness()
    let health = Health()

    /// What the health check answers, and how often it was asked.
    final class Health: Sendable {
        private let state = Mutex((healthy: true, asked: 0))
        var asked: Int { state.withLock { $0.asked } }
        func set(healthy: Bool) { state.withLock { $0.healthy = healthy } }
        func check() -> Bool {
            state.withLock { state in
                state.asked += 1
                return state.healthy
            }
        }
    }

    init() throws {
        directory = try TemporaryDirectory(prefix: "watchdog")
        systemd = try DatagramListener(path: directory.file("notify.sock"))
        notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": directory.file("notify.sock")])
    }

    /// Runs the service (a 40 ms watchdog: a check every 20 ms) while `body` runs, and waits for it to end.
    func running(_ body: () async throws -> Void) async throws {
        let service = WatchdogService(notifier: notifier, interval: .milliseconds(40), readiness: readiness, logger: log.logger()) {
            [health] in health.check()
        }
        let task = Task { try await service.run() }
        do {
            try await body()
        } catch {
            task.cancel()
            try? await task.value
            throw error
        }
        task.cancel()
        try await task.value
    }

    /// The next notification (nil if none comes within 60 s: the whole suite shares two cores), waited for without blocking a thread: the service
    /// runs on the same cooperative pool, which has only a thread per core.
    func nextNotification() async throws -> String? {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let message = systemd.queued() { return message }
            try await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Waits (up to 60 s) until the health check has been asked `count` more times.
    func healthAsked(_ count: Int) async throws {
        let target = health.asked + count
        let deadline = ContinuousClock.now + .seconds(60)
        while health.asked < target, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try #require(health.asked >= target)
    }

    @Test func pingsWhileHealthyAndWithholdsPingsWhileNot() async throws {
        readiness.markReady()
        try await running {
            #expect(try await nextNotification() == "WATCHDOG=1")
            #expect(try await nextNotification() == "WATCHDOG=1")
            health.set(healthy: false)
            // Let a check already past its answer send its ping, then drain.
            try await healthAsked(1)
            while systemd.queued() != nil {}
            try await healthAsked(3)
            #expect(systemd.queued() == nil)
            #expect(log.lines.contains { $0.contains("health check failed") })
            health.set(healthy: true)
            #expect(try await nextNotification() == "WATCHDOG=1")
        }
    }

    @Test func asksNothingAndPingsNothingBeforeTheDaemonIsReady() async throws {
        try await running {
            // Several periods pass while starting up.
            try await Task.sleep(for: .milliseconds(200))
            #expect(health.asked == 0)
            #expect(systemd.queued() == nil)
            readiness.markReady()
            #expect(try await nextNotification() == "WATCHDOG=1")
            #expect(health.asked >= 1)
        }
    }
}
