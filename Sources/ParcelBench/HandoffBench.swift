import Foundation
import StationClient
import StationProtocol
import StationReceipts

/// `parcel-bench --handoffs`: reconciling a large manifest by scanning, against plain intakes in the same run,
/// and verifying the resulting receipt offline.
enum HandoffBench {
    struct Figures {
        var intakeP50: Double
        var intakeCPU: Double
        var scanP50: Double
        var scanCPU: Double
        var importMillis: Double
        var closeMillis: Double
        var verifyP50: Double
        var lines: Int
    }

    static func run(daemon: String, root: String, lines: Int) throws -> Figures {
        let config = root + "/handoff-config.json"
        try
            #"{"handoffs": {"parties": [{"id": "bench", "name": "班车", "company": "ZTO", "pin": "2468"}]}, "shelves": [{"id": 1, "layers": 20, "layerCapacity": 500}]}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        return try DaemonProcess.with(
            executable: daemon, stateDir: root + "/handoff-state", socketPath: root + "/handoff.sock", configPath: config,
            logPath: root + "/handoff-daemon.log"
        ) { process in
            let connection = try StationConnection(socketPath: root + "/handoff.sock")
            try connection.hello(client: "parcel-bench")

            print("[H1] \(lines) plain intakes (the baseline), one client")
            var cpu = process.cpuSeconds()
            let intakes = try measureSpans(warmup: 20, iterations: lines) { index in
                let before = monotonicNanos()
                _ = try connection.call(
                    Method.intake.rawValue, IntakeParams(tracking: "SF" + digits(8_000_000_000_000 + index, 13)), as: ParcelResult.self)
                return monotonicNanos() - before
            }
            let intakeCPU = (process.cpuSeconds() - cpu) / Double(lines + 20) * 1000
            print(String(format: "    ack p50 %.3f ms  p99 %.3f ms; daemon CPU %.3f ms per intake", intakes.p50, intakes.p99, intakeCPU))

            print("[H2] a \(lines)-line manifest: import, then every line scanned (each scan also takes the parcel in), close, receipt")
            let opened = try connection.call(
                Method.openHandoff.rawValue, HandoffOpenParams(direction: "inbound", kind: "delivery", party: "bench"),
                as: HandoffResult.self)
            let id = opened.handoff.id
            let csv =
                "tracking,courier,bag\n"
                + (0..<lines).map { "75" + digits(9_000_000_000 + $0, 12) + ",ZTO,BAG-\($0 / 50)" }.joined(separator: "\n")
            var start = monotonicNanos()
            _ = try connection.call(
                Method.importManifest.rawValue, HandoffImportParams(handoff: id, format: "csv", content: csv), as: HandoffResult.self)
            let importMillis = Double(monotonicNanos() - start) / 1e6
            cpu = process.cpuSeconds()
            let scans = try measureSpans(warmup: 0, iterations: lines) { index in
                let before = monotonicNanos()
                let result = try connection.call(
                    Method.scanHandoff.rawValue, HandoffScanParams(handoff: id, text: "75" + digits(9_000_000_000 + index, 12)),
                    as: HandoffScanResult.self)
                guard result.result == "scanned" else { throw BenchError("line \(index) scanned as \(result.result)") }
                return monotonicNanos() - before
            }
            let scanCPU = (process.cpuSeconds() - cpu) / Double(lines) * 1000
            start = monotonicNanos()
            let closed = try connection.call(
                Method.closeHandoff.rawValue, HandoffCloseParams(handoff: id, pin: "2468"), as: HandoffResult.self)
            let closeMillis = Double(monotonicNanos() - start) / 1e6
            guard let dto = closed.receipt else { throw BenchError("no receipt") }
            let receipt = SignedReceipt(body: dto.body, digest: dto.digest, signature: dto.signature, publicKey: dto.publicKey)
            let verify = try measureSpans(warmup: 3, iterations: 30) { _ in
                let before = monotonicNanos()
                let body = try Receipts.verify(receipt, trustedKey: dto.publicKey)
                guard body.lines.count == lines else { throw BenchError("receipt has \(body.lines.count) lines") }
                return monotonicNanos() - before
            }
            print(
                String(
                    format: "    import %.1f ms; scan ack p50 %.3f ms  p99 %.3f ms; daemon CPU %.3f ms per scan", importMillis, scans.p50,
                    scans.p99, scanCPU))
            print(
                String(
                    format: "    close (missing lines, discrepancies, signed receipt of %d lines, %d KiB) %.1f ms", lines,
                    dto.body.utf8.count / 1024, closeMillis))
            print(String(format: "    receipt verification (digest + Ed25519 + decoding %d lines) p50 %.2f ms", lines, verify.p50))
            return Figures(
                intakeP50: intakes.p50, intakeCPU: intakeCPU, scanP50: scans.p50, scanCPU: scanCPU, importMillis: importMillis,
                closeMillis: closeMillis, verifyP50: verify.p50, lines: lines)
        }
    }
}
