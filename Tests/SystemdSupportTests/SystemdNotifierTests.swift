import Foundation
import StationTestSupport
import SystemdSupport
import Testing

/// `sd_notify` without libsystemd, against a real datagram socket the test binds where systemd's would be.
@Suite struct SystemdNotifierTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "notify") }

    @Test func sendsEachNotificationAsOneDatagram() throws {
        let path = directory.file("notify.sock")
        let systemd = try DatagramListener(path: path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path])
        #expect(notifier.socketPath == path)
        notifier.ready(status: "serving 3 shelves")
        #expect(systemd.receive(timeout: 5) == "READY=1\nSTATUS=serving 3 shelves")
        notifier.watchdog()
        #expect(systemd.receive(timeout: 5) == "WATCHDOG=1")
        notifier.stopping()
        #expect(systemd.receive(timeout: 5) == "STOPPING=1\nSTATUS=shutting down")
        #expect(notifier.send("STATUS=已就绪"))
        #expect(systemd.receive(timeout: 5) == "STATUS=已就绪")
        #expect(systemd.queued() == nil)
    }

    @Test func reachesASocketInTheAbstractNamespace() throws {
        let name = "@parcel-station-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let systemd = try DatagramListener(path: name)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": name]).send("READY=1"))
        #expect(systemd.receive(timeout: 5) == "READY=1")
    }

    @Test func isANoOpOutsideSystemdAndReportsWhatItCouldNotSend() throws {
        for environment in [[:], ["NOTIFY_SOCKET": ""]] {
            let notifier = SystemdNotifier(environment: environment)
            #expect(notifier.socketPath == nil)
            #expect(!notifier.send("READY=1"))
        }
        // Nobody listening there.
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": directory.file("nobody.sock")]).send("READY=1"))
        // Longer than a socket address holds (108 bytes on Linux).
        let long = directory.path + "/" + String(repeating: "n", count: 120)
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": long]).send("READY=1"))
    }

    @Test func readsTheWatchdogIntervalMeantForThisProcess() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "3000000"]) == .seconds(3))
        #expect(
            SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "\(getpid())"]) == .milliseconds(200))
        // For another process (inherited from a parent), absent, zero or not a number: no watchdog.
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "\(getpid() + 1)"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "0"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "-5"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "3s"]) == nil)
    }

    @Test func readsTheProcessEnvironment() {
        let environment = SystemdNotifier.processEnvironment()
        #expect(environment["PATH"] == ProcessInfo.processInfo.environment["PATH"])
        #expect(environment.count == ProcessInfo.processInfo.environment.count)
    }
}
