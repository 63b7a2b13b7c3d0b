import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Synchronization
import Testing

/// SIGTERM stops the daemon within a bound whatever its services are doing: requests in flight from several
/// clients, a county that accepts connections and never answers, a notice channel that hangs, a photo being
/// decoded, USB scanning, a camera spool folder and scheduled backups, all at once. Nothing is killed by the test.
@Suite(.serialized, .waitsOnProcesses) struct ShutdownBoundTests {
    @Test func everyServiceStopsWithinTheBound() throws {
        let directory = try TemporaryDirectory(prefix: "stop")
        let county = try BlackHoleListener()
        let hang = try directory.script("hang.sh", "exec sleep 600")
        try FileManager.default.createDirectory(atPath: directory.file("camera"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("backups"), withIntermediateDirectories: true)
        let config = """
            {"county":{"host":"127.0.0.1","port":\(county.port),"database":"county","user":"station","timeoutSeconds":60},
             "notices":{"exec":{"executable":"\(hang)","timeoutSeconds":600}},
             "labels":{"spool":[{"path":"\(directory.file("camera"))","role":"intake"}]},
             "backup":{"folder":"\(directory.file("backups"))","intervalMinutes":1}}
            """
        let daemon = try DaemonProcess(config: config, directory: directory)
        // Clients taking parcels in, each until the daemon stops answering it.
        let answered = Collected<Int>()
        let stop = Mutex(false)
        let socketPath = daemon.socketPath
        let clients = Thread {
            onThreads(4) { client in
                guard let connection = try? StationConnection(socketPath: socketPath, timeout: 30),
                    (try? connection.hello(client: "load")) != nil
                else { return }
                var index = 0
                while !stop.withLock({ $0 }) {
                    index += 1
                    let tracking = "SF" + String(format: "%013d", client * 1_000_000 + index)
                    guard let reply = try? connection.callRaw(Method.intake.rawValue, IntakeParams(tracking: tracking, phoneTail: "1234"))
                    else {
                        return
                    }
                    // Only a result acknowledges the intake (server.shuttingDown answers the ones refused).
                    if (try? StationConnection.decodeResult(reply, as: ParcelResult.self)) != nil { answered.append(1) }
                }
            }
        }
        clients.start()
        // A photo in the spool folder and one decoded over the socket, both in flight at the stop.
        let photo = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("label_0033.pgm")))
        try photo.write(to: URL(fileURLWithPath: directory.file("camera/label.pgm")))
        let decoding = Thread {
            let connection = try? daemon.connect(client: "camera")
            _ = try? connection?.callRaw(Method.decodeLabel.rawValue, LabelDecodeParams(data: photo.base64EncodedString()))
        }
        decoding.start()
        // Long enough for notices to be due and the county link to be stuck in its first exchange.
        Thread.sleep(forTimeInterval: 3)
        #expect(answered.all.count > 0)
        let started = Date()
        kill(daemon.pid, SIGTERM)
        daemon.process.waitUntilExit()
        let took = Date().timeIntervalSince(started)
        stop.withLock { $0 = true }
        // Far inside the unit's TimeoutStopSec=30s, and no service needed the last-resort exit.
        #expect(took < 20, "stop took \(took) s:\n\(daemon.log.suffix(3000))")
        #expect(daemon.process.terminationStatus == 0, "\(daemon.log.suffix(3000))")
        #expect(daemon.log.contains("shutting down"))
        #expect(!daemon.log.contains("shutdown took longer"))
        // Every acknowledged intake is in the ledger.
        let count = answered.all.count
        let restarted = try daemon.restarted()
        let status = try restarted.connect().call(Method.status.rawValue, NoParams(), as: StatusResult.self)
        #expect(status.active >= count)
        #expect(restarted.terminate() == 0)
    }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LabelDecodingTests/Fixtures/labels/\(name)").path
    }
}
