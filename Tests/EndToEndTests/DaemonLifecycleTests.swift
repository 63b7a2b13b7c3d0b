import Foundation
import ParcelStore
import StationClient
import StationProtocol
import StationTestSupport
import Synchronization
import Testing

/// Crashes, shutdown and systemd integration of the real daemon process.
@Suite(.serialized, .waitsOnProcesses) struct DaemonLifecycleTests {
    @Test func killDashNineLosesNoAcknowledgedIntake() throws {
        let daemon = try DaemonProcess(config: #"{"shelves":[{"id":1,"layers":20,"layerCapacity":500}]}"#)
        let acknowledged = Collected<String>()
        let stop = Mutex(false)
        let path = daemon.socketPath
        let killer = Thread {
            usleep(1_500_000)
            daemon.kill9()
            stop.withLock { $0 = true }
        }
        killer.start()
        onThreads(4) { writer in
            guard let client = try? StationConnection(socketPath: path) else { return }
            _ = try? client.hello(client: "writer\(writer)")
            var sequence = 0
            while !stop.withLock({ $0 }) {
                let tracking = "SF\(writer)\(String(100_000_000_000 + sequence))"
                sequence += 1
                // Only a success reply counts as acknowledged; a cut connection mid-request does not.
                guard let result = try? client.intake(tracking), !result.repeat else { break }
                acknowledged.append(result.parcel.tracking)
            }
        }
        while !stop.withLock({ $0 }) { usleep(10_000) }
        #expect(acknowledged.all.count > 20, "too few intakes before the kill to prove anything")

        // Straight from the file, as the restarted daemon will see it.
        let store = try ParcelStore(path: "\(daemon.stateDir)/parcels.sqlite")
        #expect(try store.integrityCheck() == ["ok"])
        let missing = try store.readNow { reader in
            try acknowledged.all.filter { try reader.activeParcel(tracking: $0) == nil }
        }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(5))")
        try store.close()

        let restarted = try daemon.restarted()
        let client = try restarted.connect()
        let last = try #require(acknowledged.all.last)
        #expect(try client.call(Method.get.rawValue, GetParams(tracking: last), as: GetResult.self).parcel.state == "shelved")
        #expect(restarted.terminate() == 0)
    }

    @Test func sigtermFinishesRequestsAndRemovesTheSocket() throws {
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        _ = try client.intake("SF1000000000001")
        #expect(daemon.terminate() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
        #expect(daemon.log.contains("stopped"))
        // The ledger survived the stop.
        let restarted = try daemon.restarted()
        #expect(try restarted.connect().intake("SF1000000000001").repeat)
        #expect(restarted.terminate() == 0)
    }

    @Test func aSecondDaemonDoesNotStealALiveSocket() throws {
        let daemon = try DaemonProcess()
        let second = Process()
        second.executableURL = URL(fileURLWithPath: BuiltProducts.daemon)
        second.arguments = ["--state-dir", daemon.directory.file("other"), "--socket", daemon.socketPath]
        second.standardError = FileHandle.nullDevice
        try second.run()
        second.waitUntilExit()
        #expect(second.terminationStatus != 0)
        #expect(try daemon.connect().intake("SF1000000000002").parcel.state == "shelved")
        #expect(daemon.terminate() == 0)
    }

    @Test func notifiesSystemdReadyWatchdogAndStopping() throws {
        let directory = try TemporaryDirectory(prefix: "notify")
        let notifyPath = directory.file("notify.sock")
        let listener = try DatagramListener(path: notifyPath)
        // A 200 ms watchdog: the daemon must ping at half that while its ledger answers.
        let daemon = try DaemonProcess(environment: ["NOTIFY_SOCKET": notifyPath, "WATCHDOG_USEC": "200000"])
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, messages.filter({ $0.contains("WATCHDOG=1") }).count < 3, let message = listener.receive(timeout: 2) {
            messages.append(message)
        }
        #expect(messages.first?.contains("READY=1") == true, "\(messages)")
        #expect(messages.filter { $0.contains("WATCHDOG=1") }.count >= 3, "\(messages)")
        #expect(daemon.terminate() == 0)
        var stopping = false
        while let message = listener.receive(timeout: 5) {
            if message.contains("STOPPING=1") {
                stopping = true
                break
            }
        }
        #expect(stopping)
    }

    @Test func adoptsASocketPassedBySystemd() throws {
        let activator = "/usr/bin/systemd-socket-activate"
        try #require(FileManager.default.isExecutableFile(atPath: activator), "systemd-socket-activate is part of the systemd package")
        let directory = try TemporaryDirectory(prefix: "activate")
        let socketPath = directory.file("activated.sock")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: activator)
        // systemd-socket-activate binds the socket, then execs the daemon with LISTEN_FDS=1 on the first connection.
        process.arguments = [
            "-l", socketPath, BuiltProducts.daemon, "--state-dir", directory.file("state"), "--socket", directory.file("unused.sock"),
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        var client: StationConnection?
        for _ in 0..<100 where client == nil {
            client = try? StationConnection(socketPath: socketPath)
            if client == nil { usleep(50_000) }
        }
        let connection = try #require(client)
        try connection.hello(client: "activated")
        #expect(try connection.intake("SF1000000000007").parcel.state == "shelved")
        // It served the adopted socket, not a path of its own.
        #expect(!FileManager.default.fileExists(atPath: directory.file("unused.sock")))
    }

    @Test(.enabled(if: getuid() == 0, "needs root to run a client as another user"))
    func peersThatAreNotWritersMayOnlyRead() throws {
        let directory = try TemporaryDirectory(prefix: "access")
        chmod(directory.path, 0o755)
        let daemon = try DaemonProcess(config: #"{"server":{"socketMode":"0666"}}"#, directory: directory)
        _ = try daemon.connect().intake("SF1000000000008")
        let asNobody = { (arguments: [String]) in
            try runCommand("/usr/sbin/runuser", ["-u", "nobody", "--", BuiltProducts.parcelctl, "--socket", daemon.socketPath] + arguments)
        }
        let status = try asNobody(["status", "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\"active\":1"))
        let intake = try asNobody(["intake", "SF1000000000009"])
        #expect(intake.status == 1)
        #expect(intake.stdout.contains("access.denied") || intake.stderr.contains("access.denied"))
        #expect(daemon.terminate() == 0)
    }
}
