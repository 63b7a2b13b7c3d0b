import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `parcel-bench --scanners`: the daemon reading an emulated USB scanner through its real libusb path
/// (umockdev and the project's fake scanner, `Tests/Fixtures/usb`), and the daemon idling with no scanner.
///
/// Latency is measured inside the daemon from the moment a code's last report reaches its libusb thread to the
/// moment the code's outcome (a committed intake) is known, so the emulator's own time per transfer is not in
/// it; the emulator's time per code is printed beside it for reference.
enum ScannerBench {
    struct Figures {
        var idleCPUPercent: Double
        var idleSeconds: Double
        var p50: Double
        var p99: Double
        var samples: Int
        var emulatorMillisPerCode: Double
    }

    static func run(daemon: String, parcelctl: String, harness: String, root: String, scans: Int, idleSeconds: Int) throws -> Figures {
        for (path, what) in [
            (daemon, "parcel-stationd"), (parcelctl, "parcelctl (build it: --product parcelctl)"), (harness, "the USB harness"),
        ] {
            guard FileManager.default.fileExists(atPath: path) else { throw BenchError("no \(what) at \(path)") }
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/umockdev-wrapper") else {
            throw BenchError("umockdev is not installed (apt-get install umockdev gir1.2-umockdev-1.0 python3-gi)")
        }

        print("[S1] Idle daemon, USB scanning on, no scanner attached, \(idleSeconds) s")
        let idleDir = root + "/idle"
        try FileManager.default.createDirectory(atPath: idleDir, withIntermediateDirectories: true)
        let (cpu, wall) = try DaemonProcess.with(
            executable: daemon, stateDir: idleDir + "/state", socketPath: idleDir + "/s.sock", logPath: idleDir + "/daemon.log"
        ) { process -> (Double, Double) in
            let before = process.cpuSeconds()
            let start = monotonicNanos()
            sleep(UInt32(idleSeconds))
            return (process.cpuSeconds() - before, Double(monotonicNanos() - start) / 1e9)
        }
        let idlePercent = cpu / wall * 100
        print(String(format: "    daemon CPU %.3f s over %.1f s = %.3f%% of one core", cpu, wall, idlePercent))

        print("[S2] \(scans) codes typed by an emulated USB keyboard scanner (intake role), one after another")
        let dir = root + "/usb"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let socket = dir + "/s.sock"
        var steps: [String] = [
            #"{"plug": "keyboard", "serial": "BENCH"}"#,
            #"{"start": ["--state-dir", "\#(dir)/state", "--socket", "\#(socket)"], "stderr": true}"#,
            #"{"expectText": "scanner attached", "timeout": 60}"#, #"{"sleep": 0.5}"#,
        ]
        for index in 0..<scans {
            steps.append(#"{"scan": "SF\#(digits(7_000_000_000_000 + index, 13))"}"#)
            steps.append(#"{"idle": "1", "timeout": 30}"#)
        }
        steps += [#"{"sleep": 1}"#, #"{"run": ["\#(parcelctl)", "scanners", "--json", "--socket", "\#(socket)"]}"#, #"{"stop": true}"#]
        let scenario = dir + "/scenario.json"
        try ("[" + steps.joined(separator: ",\n") + "]").write(toFile: scenario, atomically: true, encoding: .utf8)
        let start = monotonicNanos()
        let output = try runAndCapture(
            "/usr/bin/timeout", ["3600", "/usr/bin/umockdev-wrapper", "/usr/bin/python3", harness, scenario, "--", daemon])
        let elapsed = Double(monotonicNanos() - start) / 1e6
        guard output.status == 0 else {
            throw BenchError("the USB harness failed (\(output.status)):\n\(output.stdout.suffix(2000))\n\(output.stderr.suffix(2000))")
        }
        guard let line = output.stdout.split(separator: "\n").first(where: { $0.contains("\"scanners\"") }),
            let reply = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let scanners = (reply["result"] as? [String: Any])?["scanners"] as? [[String: Any]],
            let scanner = scanners.first(where: { ($0["id"] as? String)?.contains("BENCH") == true }),
            let latency = scanner["latencyMs"] as? [String: Any]
        else { throw BenchError("no scanner latency in the daemon's Scanner.List reply:\n\(output.stdout.suffix(1500))") }
        let p50 = latency["p50"] as? Double ?? .nan
        let p99 = latency["p99"] as? Double ?? .nan
        let samples = latency["samples"] as? Int ?? 0
        let intakes = scanner["scans"] as? Int ?? 0
        print(
            String(
                format: "    daemon-side latency (last report → committed intake): p50 %.3f ms  p99 %.3f ms over %d scans", p50, p99,
                samples))
        print(
            String(
                format: "    emulator + daemon wall time per code (typing %d keys, reading, committing): %.1f ms", 15 * 2 + 2,
                elapsed / Double(scans)))
        print("    scans counted by the daemon: \(intakes)")
        return Figures(
            idleCPUPercent: idlePercent, idleSeconds: wall, p50: p50, p99: p99, samples: samples,
            emulatorMillisPerCode: elapsed / Double(scans))
    }

    static func runAndCapture(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the process runs, so neither fills up and blocks it.
        let errData = Mutex(Data())
        let reader = Thread { errData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return (
            process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.withLock { $0 }, as: UTF8.self)
        )
    }
}
