import Foundation
import ParcelDomain
import ParcelStore
import StationClient
import StationProtocol
import Synchronization

/// `parcel-bench --purge`: the privacy purge of a ledger of picked-up parcels while a client keeps taking parcels
/// in, through the real daemon: the longest intake stall (ack latency max and p99) while the start-up purge runs,
/// beside the same intakes once it has finished, in the same run; once per `PRAGMA secure_delete` mode (ON, the
/// daemon's; FAST; OFF), each on a fresh copy of the same generated ledger (`PARCEL_STATION_SECURE_DELETE`, read
/// for this benchmark).
enum PurgeBench {
    struct Phase {
        let mode: String
        let purgeSeconds: Double
        let purged: Int
        let during: Samples
        /// `during` without the first `warmUp` intakes of the freshly started daemon, whose first statements, caches
        /// and start-up work (notice catch-up, integrity check) stall it for 100–170 ms with nothing to purge too.
        let warmDuring: Samples
        let after: Samples
    }

    static let warmUp = 100

    /// `count` parcels taken in with a phone (tail and salted-hash-sized bytes), shelved and picked up, every tenth
    /// by a collector (代取), through the store's own write path, 5,000 to a transaction, all released
    /// `daysAgo` days before now.
    static func generate(path: String, count: Int, releasedAt: Int64) async throws -> Int {
        let store = try ParcelStore(path: path)
        let batch = 5000
        var written = 0
        while written < count {
            let start = written
            let size = min(batch, count - written)
            try await store.write { tx in
                for index in start..<(start + size) {
                    let at = releasedAt - Int64(count - index) * 10
                    let parcel = try tx.insertParcel(
                        NewParcel(
                            tracking: try TrackingNumber(raw: "SF" + String(3_000_000_000_000 + index)), courier: "SF",
                            phoneTail: String(format: "%04d", index % 10_000), phoneHash: Data(repeating: UInt8(index % 251), count: 32),
                            phoneFull: nil, at: at - 3_600_000),
                        shelving: PickupCode(shelf: 1 + index / 99_990, layer: 1 + (index / 9_999) % 10, sequence: index % 9_999 + 1),
                        actor: "bench@parcel-bench")
                    let pickup = try tx.insertPickup(
                        PickupProof(
                            at: at, staff: "bench", client: "parcel-bench", method: "phoneTail", collector: index % 10 == 0 ? "代取人" : nil))
                    try tx.apply(
                        .pickUp, to: parcel, at: at, actor: "bench@parcel-bench", pickupID: pickup, details: ["method": "phoneTail"])
                }
            }
            written += size
        }
        try store.close()
        return written
    }

    static func run(daemon daemonPath: String, root: String, parcels: Int, baselineIntakes: Int) throws -> [Phase] {
        let folder = "\(root)/purge"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let template = "\(folder)/generated.sqlite"
        print("[purge] a ledger of \(parcels) picked-up parcels (tail, hash, every tenth with a collector), released 40 days ago")
        fflush(nil)
        let started = monotonicNanos()
        let box = Mutex<Result<Int, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let releasedAt = Int64(Date().timeIntervalSince1970 * 1000) - 40 * 86_400_000
        Task {
            let result: Result<Int, any Error>
            do {
                result = .success(try await generate(path: template, count: parcels, releasedAt: releasedAt))
            } catch {
                result = .failure(error)
            }
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        _ = try box.withLock { $0! }.get()
        print(String(format: "    generated in %.1f s", Double(monotonicNanos() - started) / 1e9))

        let configPath = "\(folder)/config.json"
        // A shelf of its own for the measured intakes: the generated parcels used shelves 1-2. The scheduled run
        // waits a week: only the start-up run is measured.
        try #"{"privacy": {"retentionDays": 30, "intervalMinutes": 10080}, "shelves": [{"id": 50, "layers": 9, "layerCapacity": 9999}]}"#
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        var phases: [Phase] = []
        // The baseline: the same ledger started with nothing due (a retention of ten years), and as many intakes from
        // its start as the purge phase took: what a freshly started daemon's first intakes cost without any purge.
        let idleConfig = "\(folder)/config-idle.json"
        try #"{"privacy": {"retentionDays": 3650, "intervalMinutes": 10080}, "shelves": [{"id": 50, "layers": 9, "layerCapacity": 9999}]}"#
            .write(toFile: idleConfig, atomically: true, encoding: .utf8)
        for (index, mode) in ["ON", "FAST", "OFF"].enumerated() {
            let stateDir = "\(folder)/state-\(mode)"
            try? FileManager.default.removeItem(atPath: stateDir)
            try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: template, toPath: "\(stateDir)/parcels.sqlite")
            setenv("PARCEL_STATION_SECURE_DELETE", mode, 1)
            defer { unsetenv("PARCEL_STATION_SECURE_DELETE") }
            let phase = try DaemonProcess.with(
                executable: daemonPath, stateDir: stateDir, socketPath: "\(folder)/s.sock", configPath: configPath,
                logPath: "\(folder)/daemon-\(mode).log"
            ) { daemon in
                try measure(daemon: daemon, mode: mode, phase: 20 + index, baselineIntakes: baselineIntakes)
            }
            phases.append(phase)
            if mode == "ON" {
                try FileManager.default.removeItem(atPath: stateDir)
                try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: template, toPath: "\(stateDir)/parcels.sqlite")
                let idle = try DaemonProcess.with(
                    executable: daemonPath, stateDir: stateDir, socketPath: "\(folder)/s.sock", configPath: idleConfig,
                    logPath: "\(folder)/daemon-idle.log"
                ) { daemon in
                    try measure(daemon: daemon, mode: "none", phase: 30, baselineIntakes: baselineIntakes, fixed: phase.during.count)
                }
                phases.append(idle)
            }
        }
        return phases
    }

    /// Intakes one after another from the moment the daemon answers, until `Privacy.Status` (polled from a second
    /// connection) shows the start-up run; then `baselineIntakes` more with nothing to purge.
    static func measure(daemon: DaemonProcess, mode: String, phase: Int, baselineIntakes: Int, fixed: Int? = nil) throws -> Phase {
        let connection = try StationConnection(socketPath: daemon.socketPath)
        try connection.hello(client: "parcel-bench")
        var index = 0
        func intake() throws -> UInt64 {
            let number = DaemonClient.tracking(phase: phase, client: 0, index: index)
            index += 1
            let before = monotonicNanos()
            let reply = try connection.callRaw(Method.intake.rawValue, IntakeParams(tracking: number, phoneTail: "1234"))
            let span = monotonicNanos() - before
            try DaemonClient.check(intakeReply: reply, tracking: number)
            return span
        }
        let finished = Mutex<Result<PurgeRunDTO, any Error>?>(nil)
        let socketPath = daemon.socketPath
        let watcher = Thread {
            let result = Result { () throws -> PurgeRunDTO in
                let control = try StationConnection(socketPath: socketPath, timeout: 3600)
                try control.hello(client: "parcel-bench")
                while true {
                    let status = try control.call(Method.privacyStatus, NoParams())
                    if let run = status.runs.first(where: { $0.trigger == "start" }) { return run }
                    usleep(20_000)
                }
            }
            finished.withLock { $0 = result }
        }
        watcher.start()
        let duringStart = monotonicNanos()
        var during: [UInt64] = []
        if let fixed {
            // No purge to wait for: a fixed number of intakes from the start.
            for _ in 0..<fixed { during.append(try intake()) }
        } else {
            while finished.withLock({ $0 == nil }) { during.append(try intake()) }
        }
        let elapsed = monotonicNanos() - duringStart
        while finished.withLock({ $0 == nil }) { usleep(10_000) }
        let run = try finished.withLock { $0! }.get()
        let after = try measureSpans(warmup: 0, iterations: baselineIntakes) { _ in try intake() }
        let seconds = Self.seconds(run.finishedAt) - Self.seconds(run.startedAt)
        let result = Phase(
            mode: mode, purgeSeconds: seconds, purged: run.purged.parcels,
            during: Samples(during, elapsedNanos: elapsed), warmDuring: Samples(Array(during.dropFirst(warmUp)), elapsedNanos: elapsed),
            after: after)
        print(
            String(
                format:
                    "    secure_delete=%@: purge of %d parcels %.2f s; intakes during it: %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms; after it: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                mode, result.purged, seconds, result.during.count, result.during.p50, result.during.p99, result.during.max,
                after.p50, after.p99, after.max))
        // Where the longest waits fell: the first intakes of a freshly started daemon, or inside the purge.
        let slowest = during.enumerated().sorted { $0.element > $1.element }.prefix(5)
        print(
            "      slowest during it (intake #: ms): "
                + slowest.map { String(format: "#%d: %.1f", $0.offset + 1, Double($0.element) / 1e6) }.joined(separator: ", ")
                + String(format: "; first intake %.1f ms", Double(during.first ?? 0) / 1e6))
        fflush(nil)
        return result
    }

    /// Seconds since 1970 of a protocol time (`2026-12-03T19:44:58.123Z`).
    static func seconds(_ text: String) -> Double {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)?.timeIntervalSince1970 ?? 0
    }
}
