import Foundation
import StationClient
import StationProtocol

/// `parcel-bench --relay`: what the township relay costs per scan, against a plain intake on the same daemon in the
/// same run, and how fast a bag label that ticks a whole bag is acknowledged.
enum RelayBench {
    struct Figures {
        let plain: Samples
        let relayIntake: Samples
        let relayScan: Samples
        let localScan: Samples
        let bagRelay: Samples
        let bagLocal: Samples
        let bagSize: Int
    }

    static func run(daemon: String, root: String, scans: Int, bags: Int, bagSize: Int) throws -> Figures {
        let config = root + "/relay-config.json"
        let layers = max(9, (4 * scans + bags * bagSize + 1000) / 400 + 1)
        try """
        {"station": {"id": "xiang-05", "name": "青山镇服务站"},
         "shelves": [{"id": 1, "layers": \(layers), "layerCapacity": 400}],
         "handoffs": {"parties": [{"id": "bus", "name": "县乡班车", "pin": "2468"}]},
         "chain": {"stations": [{"id": "cun-li", "name": "李家村服务站", "tier": "village", "villages": ["李家村"], "sortCodes": ["571-03"]}]}}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let socketPath = root + "/relay.sock"
        return try DaemonProcess.with(
            executable: daemon, stateDir: root + "/relay-state", socketPath: socketPath, configPath: config,
            logPath: root + "/relay-daemon.log"
        ) { _ in
            let desk = try StationConnection(socketPath: socketPath)
            try desk.hello(client: "parcel-bench")
            var serial = 0
            func number(_ prefix: String) -> String {
                serial += 1
                return prefix + digits(4_000_000_000_000 + serial, 13)
            }
            func timed(_ body: () throws -> [UInt8]) throws -> UInt64 {
                let before = monotonicNanos()
                let reply = try body()
                let span = monotonicNanos() - before
                // A reply is `{"id":…,"result":…}` or `{"id":…,"error":…}`: the head tells which.
                if String(decoding: reply.prefix(48), as: UTF8.self).contains("\"error\":") {
                    throw BenchError("the daemon refused: \(String(decoding: reply.prefix(300), as: UTF8.self))")
                }
                return span
            }

            print("[Y1] intake ack, one client, interleaved: a plain intake, then one whose destination a downstream station serves")
            fflush(nil)
            var plainSpans: [UInt64] = []
            var relaySpans: [UInt64] = []
            let start = monotonicNanos()
            for round in 0..<(scans + 50) {
                let plain = try timed { try desk.callRaw(Method.intake.rawValue, IntakeParams(tracking: number("SF"))) }
                let relay = try timed {
                    try desk.callRaw(Method.intake.rawValue, IntakeParams(tracking: number("JT"), destination: "李家村"))
                }
                if round >= 50 {
                    plainSpans.append(plain)
                    relaySpans.append(relay)
                }
            }
            let elapsed = (monotonicNanos() - start) / 2
            let plain = Samples(plainSpans, elapsedNanos: elapsed)
            let relayIntake = Samples(relaySpans, elapsedNanos: elapsed)
            print(String(format: "    plain intake          ack p50 %.3f ms  p99 %.3f ms", plain.p50, plain.p99))
            print(String(format: "    relayed intake        ack p50 %.3f ms  p99 %.3f ms", relayIntake.p50, relayIntake.p99))

            print("[Y2] handoff scans of a county manifest, interleaved: a line for this station, a line for 李家村 (relayed)")
            fflush(nil)
            let handoff = try desk.call(
                Method.openHandoff, HandoffOpenParams(direction: "inbound", kind: "transfer", party: "bus")
            ).handoff.id
            var lines: [(String, String)] = []
            for _ in 0..<(scans + 50) {
                lines.append((number("YT"), "xiang-05"))
                lines.append((number("ZT"), "李家村"))
            }
            // In parts: a request line is at most 64 KiB.
            for start in stride(from: 0, to: lines.count, by: 1000) {
                let part = lines[start..<min(start + 1000, lines.count)]
                let csv = "tracking,destination\n" + part.map { "\($0.0),\($0.1)" }.joined(separator: "\n")
                _ = try desk.call(Method.importManifest, HandoffImportParams(handoff: handoff, format: "csv", content: csv))
            }
            var localSpans: [UInt64] = []
            var relayScanSpans: [UInt64] = []
            let scanStart = monotonicNanos()
            for (index, line) in lines.enumerated() {
                let span = try timed { try desk.callRaw(Method.scanHandoff.rawValue, HandoffScanParams(handoff: handoff, text: line.0)) }
                guard index >= 100 else { continue }
                if index % 2 == 0 { localSpans.append(span) } else { relayScanSpans.append(span) }
            }
            let scanElapsed = (monotonicNanos() - scanStart) / 2
            let localScan = Samples(localSpans, elapsedNanos: scanElapsed)
            let relayScan = Samples(relayScanSpans, elapsedNanos: scanElapsed)
            print(String(format: "    scan, shelved here    ack p50 %.3f ms  p99 %.3f ms", localScan.p50, localScan.p99))
            print(String(format: "    scan, relayed         ack p50 %.3f ms  p99 %.3f ms", relayScan.p50, relayScan.p99))

            print(
                "[Y3] a bag label that ticks \(bagSize) listed parcels: \(bags) bags for 李家村 (taken in transit), \(bags) of this station's")
            fflush(nil)
            var bagRelaySpans: [UInt64] = []
            var bagLocalSpans: [UInt64] = []
            for round in 0..<(2 * bags) {
                let relayed = round % 2 == 0
                let bagHandoff = try desk.call(
                    Method.openHandoff, HandoffOpenParams(direction: "inbound", kind: "transfer", party: "bus")
                ).handoff.id
                let bag = "BAG-\(round)"
                let rows = (0..<bagSize).map { _ in "\(number("EM")),\(bag),\(relayed ? "李家村" : "xiang-05")" }
                _ = try desk.call(
                    Method.importManifest,
                    HandoffImportParams(
                        handoff: bagHandoff, format: "csv", content: "tracking,bag,destination\n" + rows.joined(separator: "\n")))
                let span = try timed { try desk.callRaw(Method.scanHandoff.rawValue, HandoffScanParams(handoff: bagHandoff, text: bag)) }
                if relayed { bagRelaySpans.append(span) } else { bagLocalSpans.append(span) }
            }
            let bagRelay = Samples(bagRelaySpans, elapsedNanos: 0)
            let bagLocal = Samples(bagLocalSpans, elapsedNanos: 0)
            print(String(format: "    bag for 李家村         ack p50 %.1f ms  max %.1f ms", bagRelay.p50, bagRelay.max))
            print(String(format: "    bag of this station   ack p50 %.1f ms  max %.1f ms", bagLocal.p50, bagLocal.max))
            return Figures(
                plain: plain, relayIntake: relayIntake, relayScan: relayScan, localScan: localScan, bagRelay: bagRelay, bagLocal: bagLocal,
                bagSize: bagSize)
        }
    }
}
