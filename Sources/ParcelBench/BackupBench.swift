import Foundation
import ParcelDomain
import ParcelStore
import StationClient
import StationProtocol
import Synchronization

/// `parcel-bench --backup`: a large ledger's backup while a client keeps taking parcels in, through the real
/// daemon: how long `Backup.Now` takes (copy, check, flush) and the longest intake during it, beside the intake
/// latency without a backup in the same run; for the online backup API and `VACUUM INTO` (the daemon's method is
/// chosen with `PARCEL_STATION_BACKUP_METHOD`, read for this benchmark); and the start-up check on that ledger.
enum BackupBench {
    struct Phase {
        let method: String
        let backupSeconds: Double
        let copySeconds: Double
        let verifySeconds: Double
        let bytes: Int64
        let baseline: Samples
        let during: Samples
    }

    struct Figures {
        var parcels = 0
        var events = 0
        var ledgerBytes: Int64 = 0
        var generateSeconds = 0.0
        var quickCheckSeconds = 0.0
        var integrityCheckSeconds = 0.0
        var phases: [Phase] = []
    }

    /// A ledger of `count` shelved parcels written through the store's own write path (each with its intake
    /// and shelve events, chained), 5,000 to a transaction: the custody chain a backup checks is a real one.
    static func generate(path: String, count: Int) async throws -> Int {
        let store = try ParcelStore(path: path)
        let batch = 5000
        var written = 0
        while written < count {
            let start = written
            let size = min(batch, count - written)
            try await store.write { tx in
                for index in start..<(start + size) {
                    _ = try tx.insertParcel(
                        NewParcel(
                            tracking: try TrackingNumber(raw: "SF" + String(2_000_000_000_000 + index)), courier: "SF",
                            phoneTail: String(format: "%04d", index % 10_000), phoneHash: nil, phoneFull: nil,
                            at: 1_790_000_000_000 + Int64(index) * 1000),
                        // Ten layers of 9,999 codes per shelf: every active parcel its own code.
                        shelving: PickupCode(shelf: 1 + index / 99_990, layer: 1 + (index / 9_999) % 10, sequence: index % 9_999 + 1),
                        actor: "bench@parcel-bench")
                }
            }
            written += size
        }
        try store.close()
        return written
    }

    static func run(daemon daemonPath: String, root: String, parcels: Int, baselineIntakes: Int) throws -> Figures {
        var figures = Figures()
        let folder = "\(root)/backup"
        let stateDir = "\(folder)/state"
        let backups = "\(folder)/backups"
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        let ledger = "\(stateDir)/parcels.sqlite"

        print("[backup] a ledger of \(parcels) parcels, written through ParcelStore (intake + shelve events, chained)")
        fflush(nil)
        let started = monotonicNanos()
        let box = Mutex<Result<Int, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<Int, any Error>
            do {
                result = .success(try await generate(path: ledger, count: parcels))
            } catch {
                result = .failure(error)
            }
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        figures.parcels = try box.withLock { $0! }.get()
        figures.events = 2 * figures.parcels
        figures.generateSeconds = Double(monotonicNanos() - started) / 1e9
        figures.ledgerBytes = (try? FileManager.default.attributesOfItem(atPath: ledger)[.size] as? NSNumber)?.int64Value ?? 0
        print(String(format: "    generated in %.1f s; ledger %.0f MiB", figures.generateSeconds, Double(figures.ledgerBytes) / 1_048_576))

        // The start-up check, cold-ish (the file was just written, so mostly in the page cache, as after a restart).
        figures.quickCheckSeconds = try LedgerIntegrity.check(path: ledger, depth: .quick).seconds
        figures.integrityCheckSeconds = try LedgerIntegrity.check(path: ledger, depth: .full).seconds
        print(
            String(
                format: "    PRAGMA quick_check %.2f s, integrity_check %.2f s (the daemon runs quick_check before serving)",
                figures.quickCheckSeconds, figures.integrityCheckSeconds))

        let configPath = "\(folder)/config.json"
        // A shelf of its own for the measured intakes: the generated parcels fill shelves 1-11.
        try
            #"{"backup": {"folder": "\#(backups)", "intervalMinutes": 10080, "keep": 2}, "shelves": [{"id": 50, "layers": 9, "layerCapacity": 9999}]}"#
            .write(
                toFile: configPath, atomically: true, encoding: .utf8)
        for (phase, method) in LedgerBackup.Method.allCases.enumerated() {
            setenv("PARCEL_STATION_BACKUP_METHOD", method.rawValue, 1)
            defer { unsetenv("PARCEL_STATION_BACKUP_METHOD") }
            let result = try DaemonProcess.with(
                executable: daemonPath, stateDir: stateDir, socketPath: "\(folder)/s.sock", configPath: configPath,
                logPath: "\(folder)/daemon-\(method.rawValue).log"
            ) { daemon in
                try measure(daemon: daemon, method: method.rawValue, phase: 7 + phase, baselineIntakes: baselineIntakes)
            }
            figures.phases.append(result)
        }
        return figures
    }

    /// A client takes parcels in one after another: `baselineIntakes` of them, then on until a `Backup.Now`
    /// sent from a second connection has returned.
    static func measure(daemon: DaemonProcess, method: String, phase: Int, baselineIntakes: Int) throws -> Phase {
        let connection = try StationConnection(socketPath: daemon.socketPath)
        try connection.hello(client: "parcel-bench")
        var index = 0
        func intake() throws -> UInt64 {
            let number = DaemonClient.tracking(phase: phase, client: 0, index: index)
            index += 1
            let before = monotonicNanos()
            let reply = try connection.callRaw(Method.intake.rawValue, IntakeParams(tracking: number))
            let span = monotonicNanos() - before
            try DaemonClient.check(intakeReply: reply, tracking: number)
            return span
        }
        for _ in 0..<50 { _ = try intake() }
        let baseline = try measureSpans(warmup: 0, iterations: baselineIntakes) { _ in try intake() }

        let outcome = Mutex<Result<(BackupNowResult, UInt64), any Error>?>(nil)
        let socketPath = daemon.socketPath
        let backupThread = Thread {
            let start = monotonicNanos()
            let result = Result { () throws -> (BackupNowResult, UInt64) in
                let control = try StationConnection(socketPath: socketPath, timeout: 3600)
                try control.hello(client: "parcel-bench")
                let reply = try control.callRaw(Method.backupNow.rawValue, NoParams())
                return (try StationConnection.decodeResult(reply, as: BackupNowResult.self), monotonicNanos() - start)
            }
            outcome.withLock { $0 = result }
        }
        let duringStart = monotonicNanos()
        backupThread.start()
        var during: [UInt64] = []
        while outcome.withLock({ $0 == nil }) { during.append(try intake()) }
        let elapsed = monotonicNanos() - duringStart
        let (result, nanos) = try outcome.withLock { $0! }.get()
        let phase = Phase(
            method: method, backupSeconds: Double(nanos) / 1e9, copySeconds: result.copySeconds, verifySeconds: result.verifySeconds,
            bytes: result.backup.bytes, baseline: baseline, during: Samples(during, elapsedNanos: elapsed))
        print(
            String(
                format:
                    "    %@: Backup.Now %.2f s (copy %.2f s, check + flush %.2f s, %.0f MiB); intakes during it: %d, p50 %.2f ms, p99 %.2f ms, max %.2f ms; without a backup: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                method, phase.backupSeconds, phase.copySeconds, phase.verifySeconds, Double(phase.bytes) / 1_048_576, phase.during.count,
                phase.during.p50, phase.during.p99, phase.during.max, baseline.p50, baseline.p99, baseline.max))
        fflush(nil)
        return phase
    }
}
