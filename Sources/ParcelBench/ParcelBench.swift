import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `parcel-bench`: measures the daemon against the floors of the machine it runs on, in one run and on one
/// disk, so that every figure is printed beside the cost it cannot go below.
///
/// 1. Floor commit: raw SQLite, WAL, synchronous=FULL, one single-row transaction per iteration.
/// 2. Floor round trip: a ~150-byte line to an in-process echo thread over a Unix socket and back.
/// 3. Intake through the real daemon: one client, then several concurrent clients (group commit).
/// 4. `Report.Backlog` on a generated ledger of a million parcels, against the same SQL on the raw C API.
@main
struct ParcelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parcel-bench",
        abstract: "Benchmark parcel-stationd against raw SQLite and raw socket floors on this machine.")

    @Option(
        name: .customLong("work-dir"),
        help:
            "Folder in which a fresh temporary folder is made for the run (default: $TMPDIR or /tmp). Put it on the disk you want to measure."
    )
    var workDir: String?

    @Option(help: "The parcel-stationd binary (default: the one next to this executable).")
    var daemon: String?

    @Option(
        name: [.customShort("n"), .long],
        help:
            "N: commits (floor 1), round trips (floor 2), intakes with 1 client, and intakes in total across the concurrent clients (default 2000; --quick 200)."
    )
    var iterations: Int?

    @Option(help: "Concurrent intake clients.")
    var clients: Int = 8

    @Option(help: "Parcels in the generated backlog ledger (default 1000000; --quick 20000).")
    var parcels: Int?

    @Option(name: .customLong("backlog-iterations"), help: "M: Report.Backlog calls, and as many floor queries (default 30; --quick 10).")
    var backlogIterations: Int?

    @Option(
        name: .customLong("flush-latency"),
        help:
            "MS: emulate a disk whose cache flush takes MS milliseconds (a spinning disk ~10, a cheap SSD ~2): every fsync of the floors and the daemon first waits that long (libFlushLatency.so, preloaded)."
    )
    var flushLatency: Double?

    @Flag(help: "Small sizes for a CI smoke run (a few seconds).")
    var quick = false

    @Flag(help: "Keep the run's temporary folder (databases, daemon logs) instead of deleting it.")
    var keep = false

    @Flag(help: "Measure scanners instead: an idle daemon's CPU, and scan-to-commit latency of an emulated USB scanner (umockdev).")
    var scanners = false

    @Flag(
        help:
            "Measure backups instead: Backup.Now on a generated ledger (--parcels, default 1000000) and the longest intake while it runs, beside intakes without a backup; the start-up quick_check."
    )
    var backup = false

    @Flag(
        help:
            "Measure the privacy purge instead: the start-up purge of a generated ledger of picked-up parcels (--parcels, default 100000) and the longest intake while it runs, beside intakes after it; per secure_delete mode."
    )
    var purge = false

    @Flag(help: "Measure handoffs instead: scanning a large manifest against plain intakes, and verifying its receipt.")
    var handoffs = false

    @Flag(
        help:
            "Measure the station-to-station pair check instead: verifying a --manifest-lines manifest and its receipt offline (target ≤ 50 ms), beside verifying the receipt alone and decoding both bodies, in the same run. No daemon."
    )
    var exchange = false

    @Flag(help: "Measure the console instead, in a real Chromium: scan-to-screen beside scan-to-event, first load, idle RSS.")
    var web = false

    @Option(name: .customLong("web-scans"), help: "With --web: scans to time (default 500; --quick 50).")
    var webScans: Int?

    @Option(name: .customLong("web-binary"), help: "With --web: the parcel-station-web binary (default: the one next to this executable).")
    var webBinary: String?

    @Flag(
        help:
            "Measure the county side instead: sync throughput against COPY, and the county backlog report against psql (needs PostgreSQL: scripts/county-bench.sh)."
    )
    var county = false

    @Flag(
        help:
            "Measure faults instead: a socket fuzz against a real daemon (inputs per second, crashes), and SIGTERM to exit under load with the county unreachable."
    )
    var faults = false

    @Option(name: .customLong("fuzz-inputs"), help: "With --faults: mutated request lines to send (default 1000000; --quick 20000).")
    var fuzzInputs: Int?

    @Option(name: .customLong("per-day"), help: "With --county: parcels a day in the station's week (default 1000; --quick 100).")
    var perDay: Int?

    @Option(name: .customLong("county-stations"), help: "With --county: stations in the generated county (default 300; --quick 30).")
    var countyStations: Int?

    @Option(name: .customLong("manifest-lines"), help: "With --handoffs or --exchange: manifest lines (default 2000; --quick 200).")
    var manifestLines: Int?

    @Option(help: "With --scanners: codes to scan (default 1000; --quick 100).")
    var scans: Int?

    @Option(name: .customLong("idle-seconds"), help: "With --scanners: how long to watch the idle daemon (default 60; --quick 5).")
    var idleSeconds: Int?

    @Option(name: .customLong("usb-harness"), help: "With --scanners: the fake-scanner harness (default Tests/Fixtures/usb/harness.py).")
    var usbHarness = "Tests/Fixtures/usb/harness.py"

    @Option(help: "With --scanners: the parcelctl binary (default: the one next to this executable).")
    var parcelctl: String?

    @Flag(
        help:
            "Measure event replay instead: Events.Subscribe with since, replaying --replay-events events to a reconnecting tool, against the same bytes from a socket floor; intake acks with station events interleaved against plain ones."
    )
    var replay = false

    @Flag(
        help:
            "Measure the township relay instead: intakes and handoff scans taken in transit for a downstream station beside plain ones (target ≤ 1.2×), and a bag label ticking --bag-size parcels (target ≤ 20 ms)."
    )
    var relay = false

    @Option(name: .customLong("bag-size"), help: "With --relay: parcels in each bag (default 200).")
    var bagSize: Int?

    @Flag(
        help:
            "Measure intake's plausibility check instead: its CPU per scan over a mix of courier numbers and refused scans, against the daemon's CPU per intake in the same run (target ≤ 5 %)."
    )
    var plausibility = false

    @Option(name: .customLong("replay-events"), help: "With --replay: events to replay (default 10000; --quick 1000).")
    var replayEvents: Int?

    @Option(
        name: .customLong("baseline-daemon"),
        help:
            "With --replay: another parcel-stationd (say, one built before a change) whose plain intake acks are measured beside this one's."
    )
    var baselineDaemon: String?

    func validate() throws {
        for (name, value) in [("--iterations", iterations), ("--parcels", parcels), ("--backlog-iterations", backlogIterations)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1") }
        }
        guard (1...256).contains(clients) else { throw ValidationError("--clients: 1…256") }
        if let flushLatency, !(flushLatency > 0 && flushLatency <= 1000) {
            throw ValidationError("--flush-latency: more than 0, at most 1000 ms")
        }
    }

    func run() throws {
        // Before anything is measured: this either returns with the library in place or runs the program anew.
        if let flushLatency { try FlushLatency.preload(millis: flushLatency) }
        do {
            try runPhases()
        } catch {
            // Print what was measured before the error message (stdout is block-buffered into a pipe).
            fflush(nil)
            throw error
        }
    }

    func runPhases() throws {
        let n = iterations ?? (quick ? 200 : 2000)
        let parcelCount = parcels ?? (quick ? 20_000 : 1_000_000)
        let m = backlogIterations ?? (quick ? 10 : 30)
        // Warm-ups: first-touch costs (page cache, statement preparation, connection set-up) stay out of p50.
        let warmup = min(20, max(2, n / 20))
        let daemonPath = daemon ?? Self.siblingDaemon()

        let base = workDir ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let root = try Self.makeTemporaryFolder(in: base)
        defer {
            if keep {
                print("kept \(root)")
            } else {
                try? FileManager.default.removeItem(atPath: root)
            }
        }

        print("parcel-bench: parcel-stationd against its floors")
        print(
            "  machine     \(Self.command(["nproc"]) ?? "?") cores (nproc), \(Self.command(["uname", "-srm"]) ?? "?"), SQLite \(sqliteVersion) (system library, as the daemon links)"
        )
        print("  work dir    \(root)")
        if let df = Self.command(["df", "-hT", root]) {
            for line in df.split(separator: "\n") { print("              \(line)") }
        }
        print("  daemon      \(daemonPath)")
        if let flushLatency {
            let flush = try FlushLatency.measuredFlush(in: root)
            guard flush >= flushLatency else {
                throw BenchError("--flush-latency \(flushLatency): a flush took only \(ms(flush)); the preloaded library is not in effect")
            }
            print(
                "  disk flush  EMULATED: \(FlushLatency.libraryName) makes every fsync/fdatasync of the floors and the daemon wait \(flushLatency) ms first (one flush here: \(ms(flush)))"
            )
            print("              figures are for a disk with that flush latency, not for this machine's disk")
        }
        print("  load        \(Self.loadAverage()) (1/5/15 min) before the run; other work on the machine inflates every figure")
        print("  options     N=\(n) clients=\(clients) parcels=\(parcelCount) M=\(m) warm-up=\(warmup)\(quick ? " (--quick)" : "")")
        print("  latencies are wall time per operation in ms; rates are over the measured loop")
        print("")

        if exchange {
            let figures = try ExchangeBench.run(lines: manifestLines ?? (quick ? 200 : 2000), iterations: quick ? 20 : 100)
            print("")
            print(
                "Summary (exchange: a \(figures.lines)-line signed manifest, \(figures.manifestBytes / 1024) KiB, and its receipt, \(figures.receiptBytes / 1024) KiB; \(figures.pair.count) rounds, interleaved)"
            )
            print(
                String(
                    format:
                        "  Exchange.verifyPair (both documents)         wall p50 %7.2f ms  p95 %7.2f ms  max %7.2f ms   CPU p50 %7.2f ms  p95 %7.2f ms   target ≤ 50 ms   %@",
                    figures.pair.p50, figures.pair.percentile(95), figures.pair.max, figures.pairCPU.p50, figures.pairCPU.percentile(95),
                    figures.pair.percentile(95) <= 50 ? "PASS (wall p95)" : "FAIL (wall p95)"))
            print(
                String(
                    format:
                        "  baseline: Receipts.verify, receipt alone     wall p50 %7.2f ms  p95 %7.2f ms                    CPU p50 %7.2f ms  p95 %7.2f ms",
                    figures.receiptAlone.p50, figures.receiptAlone.percentile(95), figures.receiptAloneCPU.p50,
                    figures.receiptAloneCPU.percentile(95)))
            print(
                String(
                    format:
                        "  baseline: JSON decoding of both bodies only  wall p50 %7.2f ms  p95 %7.2f ms                    CPU p50 %7.2f ms  p95 %7.2f ms",
                    figures.decodeOnly.p50, figures.decodeOnly.percentile(95), figures.decodeOnlyCPU.p50,
                    figures.decodeOnlyCPU.percentile(95)))
            print(
                "  (\(figures.differences) differences listed; wall time counts waiting for the CPU on a loaded machine, CPU time does not)"
            )
            return
        }
        if county {
            let figures = try CountyBench.run(
                root: root, perDay: perDay ?? (quick ? 100 : 1000), days: 7, stations: countyStations ?? (quick ? 30 : 300),
                parcels: parcels ?? (quick ? 20_000 : 1_000_000), rounds: quick ? 1 : 3, iterations: backlogIterations ?? (quick ? 5 : 20))
            let sync = median(figures.syncPerSecond)
            let copy = median(figures.copyPerSecond)
            let report = median(figures.reportMillis)
            let viaPsql = median(figures.psqlMillis)
            print("")
            print("Summary (county)")
            print(
                String(
                    format: "  sync upload (%d records)       %8.0f records/s   COPY %8.0f records/s   ratio %.2f   target ≥ 0.5   %@",
                    figures.records, sync, copy, sync / copy, sync / copy >= 0.5 ? "PASS" : "FAIL"))
            print(
                String(
                    format:
                        "  county backlog report p50      %8.1f ms   psql %8.1f ms   ratio %.2f×   target ≤ 1.5×   %@ (%d stations, %d parcels, %d waiting)",
                    report, viaPsql, report / viaPsql, report / viaPsql <= 1.5 ? "PASS" : "FAIL", figures.stations, figures.parcels,
                    figures.waiting))
            return
        }
        if web {
            let figures = try WebBench.run(
                daemon: daemonPath, web: webBinary ?? Self.sibling("parcel-station-web"), root: root, scans: webScans ?? (quick ? 50 : 500))
            let extra = figures.screen.p99 - figures.socket.p99
            print("")
            print("Summary (console)")
            print(
                String(
                    format:
                        "  scan-to-screen p50 %7.2f ms  p99 %7.2f ms   scan-to-event p50 %7.2f ms  p99 %7.2f ms   p99 +%.2f ms   target ≤ +50 ms   %@",
                    figures.screen.p50, figures.screen.p99, figures.socket.p50, figures.socket.p99, extra, extra <= 50 ? "PASS" : "FAIL"))
            print(
                String(
                    format: "  first load of 入库 p50 %7.1f ms  max %7.1f ms   (one embedded asset p50 %.1f ms)   target ≤ 300 ms   %@",
                    figures.firstLoad.p50, figures.firstLoad.max, figures.assetLoad.p50, figures.firstLoad.p50 <= 300 ? "PASS" : "FAIL"))
            print(
                String(
                    format:
                        "  idle RSS parcel-station-web %6.1f MiB, of it anonymous %.1f MiB   (parcel-stationd %.1f MiB)   target ≤ 30 MiB   %@",
                    Double(figures.webRSSKiB) / 1024, Double(figures.webAnonKiB) / 1024, Double(figures.daemonRSSKiB) / 1024,
                    figures.webRSSKiB <= 30 * 1024 ? "PASS" : "FAIL")
            )
            return
        }
        if faults {
            let figures = try FaultBench.run(
                daemon: daemonPath, root: root, inputs: fuzzInputs ?? (quick ? 20_000 : 1_000_000), connections: 4)
            print("")
            print("Summary (faults)")
            print(
                String(
                    format:
                        "  socket fuzz                   %8d lines   %8.0f lines/s   valid Station.Status %8.0f lines/s   crashes %d   %@",
                    figures.inputs, figures.fuzzPerSecond, figures.validPerSecond, figures.crashes, figures.crashes == 0 ? "PASS" : "FAIL"))
            print(
                String(
                    format: "  SIGTERM → exit, loaded, county unreachable %6.3f s   idle daemon %6.3f s   TimeoutStopSec 30 s   %@",
                    figures.loadedStopSeconds, figures.idleStopSeconds, figures.loadedStopSeconds < 30 ? "PASS" : "FAIL"))
            print(
                "  requests answered while stopping: \(figures.answeredDuringStop) answered, \(figures.unansweredDuringStop) connections closed after their last reply"
            )
            return
        }
        if purge {
            let phases = try PurgeBench.run(
                daemon: daemonPath, root: root, parcels: parcels ?? (quick ? 20_000 : 100_000), baselineIntakes: n)
            print("")
            print("Summary (privacy purge of \(phases.first?.purged ?? 0) picked-up parcels at start-up, intake from one client meanwhile)")
            let idle = phases.first { $0.mode == "none" }
            if let idle {
                print(
                    String(
                        format:
                            "  baseline, the same start with nothing due, first %d intakes: max %7.2f ms (from intake %d on: max %7.2f ms, p99 %6.2f ms), p50 %5.2f ms",
                        idle.during.count, idle.during.max, PurgeBench.warmUp + 1, idle.warmDuring.max, idle.warmDuring.p99, idle.during.p50
                    ))
            }
            for phase in phases where phase.mode != "none" {
                print(
                    String(
                        format:
                            "  secure_delete=%-4@ purge %6.2f s   intake during it: max %7.2f ms (from intake %d on: max %7.2f ms, p99 %6.2f ms; %d intakes)   after it: max %6.2f ms, p50 %5.2f ms   %@",
                        phase.mode, phase.purgeSeconds, phase.during.max, PurgeBench.warmUp + 1, phase.warmDuring.max, phase.warmDuring.p99,
                        phase.during.count, phase.after.max, phase.after.p50,
                        phase.warmDuring.max <= 50 ? "PASS (≤ 50 ms once warm)" : "FAIL (> 50 ms)"))
            }
            return
        }
        if backup {
            let figures = try BackupBench.run(daemon: daemonPath, root: root, parcels: parcelCount, baselineIntakes: n)
            print("")
            print(
                "Summary (backup of a \(figures.parcels)-parcel ledger, \(figures.events) events, \(figures.ledgerBytes / 1_048_576) MiB)")
            for phase in figures.phases {
                print(
                    String(
                        format:
                            "  %-12@ Backup.Now %6.2f s   longest intake during it %8.2f ms (p99 %6.2f ms, %d intakes)   without a backup: max %6.2f ms, p99 %6.2f ms, p50 %5.2f ms",
                        phase.method, phase.backupSeconds, phase.during.max, phase.during.p99, phase.during.count, phase.baseline.max,
                        phase.baseline.p99, phase.baseline.p50))
            }
            print(
                String(
                    format: "  start-up check: quick_check %.2f s, integrity_check %.2f s", figures.quickCheckSeconds,
                    figures.integrityCheckSeconds))
            return
        }
        if handoffs {
            let figures = try HandoffBench.run(daemon: daemonPath, root: root, lines: manifestLines ?? (quick ? 200 : 2000))
            let ratio = figures.scanP50 / figures.intakeP50
            print("")
            print("Summary (handoffs)")
            print(String(format: "  plain intake ack p50          %8.3f ms   daemon CPU %.3f ms", figures.intakeP50, figures.intakeCPU))
            print(
                String(
                    format: "  manifest scan ack p50         %8.3f ms   daemon CPU %.3f ms   ratio %.2f×   target ≤ 2×   %@",
                    figures.scanP50,
                    figures.scanCPU, ratio, ratio <= 2 ? "PASS" : "FAIL"))
            print(
                String(
                    format: "  receipt verification (%d lines) p50 %.2f ms   target < 50 ms   %@", figures.lines, figures.verifyP50,
                    figures.verifyP50 < 50 ? "PASS" : "FAIL"))
            return
        }
        if plausibility {
            let dbPath = root + "/plausibility-state/parcels.sqlite"
            let config = root + "/plausibility-config.json"
            try #"{"shelves": [{"id": 1, "layers": 20, "layerCapacity": 400}]}"#.write(toFile: config, atomically: true, encoding: .utf8)
            let cpu = try DaemonProcess.with(
                executable: daemonPath, stateDir: root + "/plausibility-state", socketPath: root + "/plausibility.sock", configPath: config,
                logPath: root + "/plausibility.log"
            ) { process in
                try DaemonClient.sequentialIntakes(
                    socketPath: process.socketPath, databasePath: dbPath, iterations: n, warmup: 200, maximumWarmup: 2000,
                    cpuSeconds: process.cpuSeconds
                ).cpuMillisPerIntake
            }
            let figures = try PlausibilityBench.run(intakeCPUMillis: cpu)
            let share = figures.checkMicros / (figures.intakeCPUMillis * 1000) * 100
            print("")
            print("Summary (intake plausibility check, \(figures.scans) scans of a mix, \(figures.refused) refused)")
            print(
                String(
                    format:
                        "  check %.2f µs per scan (TrackingNumber it runs on: %.2f µs)   daemon CPU per intake %.3f ms   share %.2f %%   %@",
                    figures.checkMicros, figures.trackingMicros, figures.intakeCPUMillis, share,
                    share <= 5 ? "PASS (≤ 5 %)" : "FAIL (> 5 %)"))
            return
        }
        if relay {
            let figures = try RelayBench.run(
                daemon: daemonPath, root: root, scans: quick ? 200 : 2000, bags: quick ? 3 : 10, bagSize: bagSize ?? 200)
            print("")
            print("Summary (relay)")
            let intakeRatio = figures.relayIntake.p50 / figures.plain.p50
            let scanRatio = figures.relayScan.p50 / figures.localScan.p50
            print(
                String(
                    format: "  relayed intake ack p50 %.3f ms   plain intake %.3f ms   %.2f×   target ≤ 1.2×   %@", figures.relayIntake.p50,
                    figures.plain.p50, intakeRatio, intakeRatio <= 1.2 ? "PASS" : "FAIL"))
            print(
                String(
                    format: "  relayed handoff scan ack p50 %.3f ms   shelved handoff scan %.3f ms   %.2f×   target ≤ 1.2×   %@",
                    figures.relayScan.p50, figures.localScan.p50, scanRatio, scanRatio <= 1.2 ? "PASS" : "FAIL"))
            print(
                String(
                    format:
                        "  bag label ticking %d parcels in transit ack p50 %.1f ms  max %.1f ms   (own parcels %.1f ms)   target ≤ 20 ms   %@",
                    figures.bagSize, figures.bagRelay.p50, figures.bagRelay.max, figures.bagLocal.p50,
                    figures.bagRelay.p50 <= 20 ? "PASS" : "FAIL"))
            return
        }
        if replay {
            let figures = try ReplayBench.run(
                daemon: daemonPath, baseline: baselineDaemon, root: root, events: replayEvents ?? (quick ? 1000 : 10_000),
                rounds: quick ? 3 : 10,
                intakes: iterations ?? (quick ? 200 : 1000))
            let ratio = figures.interleavedIntake.p50 / figures.plainIntake.p50
            print("")
            print("Summary (replay)")
            print(
                String(
                    format:
                        "  replay %d events to a reconnecting tool p50 %7.1f ms   floor (same %d bytes, socket) %6.1f ms   %.1f×   target ≤ 200 ms   %@",
                    figures.events, figures.replay.p50, figures.replayBytes, figures.floor.p50, figures.replay.p50 / figures.floor.p50,
                    figures.replay.p50 <= 200 ? "PASS" : "FAIL"))
            print(
                String(
                    format: "  intake ack p50 between station events %.3f ms   plain intakes %.3f ms   ratio %.2f×",
                    figures.interleavedIntake.p50, figures.plainIntake.p50, ratio))
            if let pair = figures.baseline {
                print(
                    String(
                        format: "  intake ack p50 this daemon %.3f ms   baseline daemon %.3f ms   ratio %.2f×   (p99 %.3f against %.3f ms)",
                        pair.this.p50, pair.other.p50, pair.this.p50 / pair.other.p50, pair.this.p99, pair.other.p99))
            }
            return
        }
        if scanners {
            let figures = try ScannerBench.run(
                daemon: daemonPath,
                parcelctl: parcelctl
                    ?? URL(fileURLWithPath: daemonPath).deletingLastPathComponent().appendingPathComponent("parcelctl").path,
                harness: usbHarness, root: root, scans: scans ?? (quick ? 100 : 1000), idleSeconds: idleSeconds ?? (quick ? 5 : 60))
            print("")
            print("Summary (scanners)")
            print(String(format: "  scan → committed intake p50   %8.3f ms", figures.p50))
            print(
                String(
                    format: "  scan → committed intake p99   %8.3f ms   target ≤ 5 ms      %@", figures.p99,
                    figures.p99 <= 5 ? "PASS" : "FAIL"))
            print(
                String(
                    format: "  idle daemon CPU               %8.3f %%    target < 0.1 %%     %@", figures.idleCPUPercent,
                    figures.idleCPUPercent < 0.1 ? "PASS" : "FAIL"))
            print(String(format: "  emulator wall time per code   %8.1f ms   (not in the latency above)", figures.emulatorMillisPerCode))
            return
        }

        let cpuAtStart = MachineCPU.now()
        let wallAtStart = monotonicNanos()
        var targets: [Target] = []
        var rows: [SummaryRow] = []

        // 1. Floor commit.
        print("[1] Floor commit: raw SQLite C API, WAL, synchronous=FULL, single-row INSERT + COMMIT per transaction, N=\(n)")
        fflush(nil)  // show progress when piped
        let (coldCommit, commit) = try Floors.commit(path: "\(root)/floor-commit.sqlite", iterations: n, warmup: warmup)
        print(
            "    first \(coldCommit.count) commits on the new file, WAL growing: p50 \(ms(coldCommit.p50))   p99 \(ms(coldCommit.p99)) (not the floor)"
        )
        print("    steady state (WAL at working size, overwritten in place), the floor:")
        printSamples(commit, unit: "commits")
        rows.append(
            SummaryRow(measure: "floor commit", value: "p50 \(ms(commit.p50))", floor: "-", ratio: "-", verdict: rate(commit.perSecond)))
        print("")

        // 2. Floor round trip.
        print("[2] Floor round trip: Unix socket, in-process echo thread, 150-byte line, N=\(n)")
        fflush(nil)  // show progress when piped
        let roundTrip = try Floors.roundTrip(socketPath: "\(root)/echo.sock", iterations: n, warmup: warmup)
        printSamples(roundTrip, unit: "round trips")
        rows.append(
            SummaryRow(
                measure: "floor round trip", value: "p50 \(ms(roundTrip.p50))", floor: "-", ratio: "-", verdict: rate(roundTrip.perSecond)))
        print("")

        // 2b. The ledger's own intake statements: not a target's floor, the part of the gap the schema makes.
        print("[2b] Ledger floor: one intake's own statements (the daemon's SQL and schema) on the raw C API, one transaction each, N=\(n)")
        fflush(nil)  // show progress when piped
        let ledgerIntake = try Floors.ledgerIntake(path: "\(root)/floor-ledger.sqlite", iterations: n, warmup: warmup)
        printSamples(ledgerIntake, unit: "intakes")
        printVersus("intake SQL p50", ms(ledgerIntake.p50), floor: ms(commit.p50), ratio: ledgerIntake.p50 / commit.p50)
        print("      (what the ledger writes per scan: the parcel row and its indexes, two chained events with their outbox")
        print("       rows, the layer cursor; against floor 1's one row. No JSON, socket, courier rules or code allocation.)")
        rows.append(
            SummaryRow(
                measure: "ledger intake SQL", value: "p50 \(ms(ledgerIntake.p50))", floor: ms(commit.p50),
                ratio: times(ledgerIntake.p50 / commit.p50), verdict: "-"))
        // The same statements, `clients` intakes per transaction: a perfect group commit's ceiling.
        let ledgerBatched = try Floors.ledgerIntake(
            path: "\(root)/floor-ledger-batched.sqlite", iterations: max(1, n / clients), warmup: warmup, perTransaction: clients)
        let batchedRate = ledgerBatched.perSecond * Double(clients)
        print("    the same, \(clients) intakes per transaction (what a perfect group commit of \(clients) clients could reach):")
        printVersus("intakes/s", rate(batchedRate), floor: rate(commit.perSecond), ratio: batchedRate / commit.perSecond)
        rows.append(
            SummaryRow(
                measure: "ledger SQL, \(clients)/commit", value: rate(batchedRate), floor: rate(commit.perSecond),
                ratio: times(batchedRate / commit.perSecond), verdict: "-"))
        print("")

        // 3. Intake through the daemon.
        let intakeDir = "\(root)/intake"
        try FileManager.default.createDirectory(atPath: intakeDir, withIntermediateDirectories: true)
        // The default layout (4 shelves × 4 layers × 40) holds 640 parcels; the run shelves about 2N, so the
        // bench configures room for all of them at under half full, as a station sized for its traffic is.
        let maximumWarmup = 1000
        let totalIntakes = maximumWarmup + n + n + clients * 2 + 1
        let shelfCount = max(4, (totalIntakes * 2 + 9 * 400 - 1) / (9 * 400))
        let configPath = "\(root)/intake-config.json"
        let shelves = (1...shelfCount).map { #"{"id":\#($0),"layers":9,"layerCapacity":400}"# }.joined(separator: ",")
        try #"{"shelves":[\#(shelves)]}"#.write(toFile: configPath, atomically: true, encoding: .utf8)
        let floorAck = commit.p50 + roundTrip.p50

        try DaemonProcess.with(
            executable: daemonPath, stateDir: "\(intakeDir)/state", socketPath: "\(intakeDir)/s.sock", configPath: configPath,
            logPath: "\(intakeDir)/daemon.log"
        ) { daemon in
            print(
                "[3] Intake through parcel-stationd (pid \(daemon.pid)), shelves \(shelfCount) × 9 layers × 400, log at info level to a file"
            )
            print("[3a] 1 client, N=\(n) sequential Parcel.Intake (SF + 13 digits, all new), ack = send → reply line")
            fflush(nil)  // show progress when piped
            let (coldIntakes, single, warmups, cpuSingle) = try DaemonClient.sequentialIntakes(
                socketPath: daemon.socketPath, databasePath: "\(intakeDir)/state/parcels.sqlite", iterations: n, warmup: warmup,
                maximumWarmup: maximumWarmup, cpuSeconds: daemon.cpuSeconds)
            print(
                "    warm-up: \(warmups) intakes until the daemon's WAL reached its working size: p50 \(ms(coldIntakes.p50))   p99 \(ms(coldIntakes.p99)) (not measured)"
            )
            printSamples(single, unit: "intakes")
            printVersus("ack p50", ms(single.p50), floor: ms(floorAck), ratio: single.p50 / floorAck)
            print("      (floor = floor commit p50 \(ms(commit.p50)) + floor round trip p50 \(ms(roundTrip.p50)))")
            let ledgerAck = ledgerIntake.p50 + roundTrip.p50
            printVersus("ack p50 vs ledger", ms(single.p50), floor: ms(ledgerAck), ratio: single.p50 / ledgerAck)
            print("      (ledger floor [2b] + round trip: what the daemon itself adds on top of the statements it must run)")
            printVersus("intakes/s", rate(single.perSecond), floor: rate(commit.perSecond), ratio: single.perSecond / commit.perSecond)
            print(
                "    daemon CPU \(ms(cpuSingle)) per intake (user+sys of all its threads, from /proc); the rest of the ack is fsync and hand-offs"
            )
            let sample = try DaemonClient.sampleIntakeReply(socketPath: daemon.socketPath)
            let overhead = DaemonClient.clientOverheadMillis(sampleReply: sample)
            print(
                "    client side of callRaw (encode request, decode reply head of \(sample.count) bytes): \(ms(overhead)) per call, included in the ack"
            )
            let ackTarget = Target(
                name: "1-client ack p50 ≤ 1.5 × (commit p50 + round trip p50)", measured: ms(single.p50), bound: ms(1.5 * floorAck),
                comparison: "≤", ratioToBound: single.p50 / (1.5 * floorAck))
            ackTarget.printLine()
            targets.append(ackTarget)
            rows.append(
                SummaryRow(
                    measure: "intake 1 client ack", value: "p50 \(ms(single.p50))", floor: ms(floorAck),
                    ratio: times(single.p50 / floorAck),
                    verdict: ackTarget.pass ? "PASS" : "FAIL"))
            print("")

            print(
                "[3b] \(clients) concurrent clients (threads, one connection each), \(n) intakes in total, \((n + clients - 1) / clients) per client"
            )

            fflush(nil)  // show progress when piped
            let cpuBeforeMany = daemon.cpuSeconds()
            let many = try DaemonClient.concurrentIntakes(socketPath: daemon.socketPath, clients: clients, total: n, warmup: 2)
            let cpuMany = (daemon.cpuSeconds() - cpuBeforeMany) / Double(many.count + 2 * clients) * 1000
            printSamples(many, unit: "intakes in total")
            printVersus("throughput", rate(many.perSecond), floor: rate(commit.perSecond), ratio: many.perSecond / commit.perSecond)
            printVersus("throughput vs ledger", rate(many.perSecond), floor: rate(batchedRate), ratio: many.perSecond / batchedRate)
            print("      (the ledger's own statements, \(clients) per transaction [2b]: the ceiling for one writer on this machine)")
            printVersus("ack p50", ms(many.p50), floor: ms(floorAck), ratio: many.p50 / floorAck)
            printVersus("ack p99", ms(many.p99), floor: ms(commit.p99 + roundTrip.p99), ratio: many.p99 / (commit.p99 + roundTrip.p99))
            // CPU per intake × intakes per second = cores the daemon kept busy: near the core count means
            // the daemon, not the disk, sets the rate.
            print(
                "    daemon CPU \(ms(cpuMany)) per intake: \(String(format: "%.2f", cpuMany / 1000 * many.perSecond)) of \(ProcessInfo.processInfo.activeProcessorCount) cores busy at this rate"
            )
            let throughputTarget = Target(
                name: "\(clients)-client throughput ≥ 2 × floor commit rate", measured: rate(many.perSecond),
                bound: rate(2 * commit.perSecond),
                comparison: "≥", ratioToBound: many.perSecond / (2 * commit.perSecond))
            throughputTarget.printLine()
            targets.append(throughputTarget)
            rows.append(
                SummaryRow(
                    measure: "intake \(clients) clients", value: rate(many.perSecond), floor: rate(commit.perSecond),
                    ratio: times(many.perSecond / commit.perSecond), verdict: throughputTarget.pass ? "PASS" : "FAIL"))
            rows.append(
                SummaryRow(
                    measure: "intake \(clients) clients ack", value: "p50 \(ms(many.p50))", floor: ms(floorAck),
                    ratio: times(many.p50 / floorAck), verdict: "-"))
            rows.append(
                SummaryRow(
                    measure: "intake \(clients) clients ack", value: "p99 \(ms(many.p99))", floor: ms(commit.p99 + roundTrip.p99),
                    ratio: times(many.p99 / (commit.p99 + roundTrip.p99)), verdict: "-"))
        }
        print("    daemon stopped (SIGTERM, exit 0)")
        print("")

        // 4. Backlog on a generated ledger.
        let backlogDir = "\(root)/backlog"
        try FileManager.default.createDirectory(atPath: backlogDir, withIntermediateDirectories: true)
        let stateDir = "\(backlogDir)/state"
        let databasePath = "\(stateDir)/parcels.sqlite"
        print("[4] Report.Backlog on a generated ledger of \(parcelCount) parcels, M=\(m)")
        fflush(nil)  // show progress when piped
        // The daemon creates the schema (its migration) and station_meta; the bench only adds rows.
        try DaemonProcess.with(
            executable: daemonPath, stateDir: stateDir, socketPath: "\(backlogDir)/s.sock", logPath: "\(backlogDir)/daemon-init.log"
        ) { _ in }
        let generated = try Backlog.generate(path: databasePath, count: parcelCount, now: wallMillis())
        let states = generated.byState.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print(
            "    generated in \(String(format: "%.1f", generated.seconds)) s (\(rate(Double(generated.parcels) / generated.seconds)) rows): \(states); \(generated.pickups) pickups"
        )
        let size = (try? FileManager.default.attributesOfItem(atPath: databasePath)[.size] as? Int) ?? 0
        print("    database \(String(format: "%.0f", Double(size) / 1_048_576)) MiB")
        print("    EXPLAIN QUERY PLAN (backlog SQL, raw connection):")
        for line in try Backlog.queryPlan(path: databasePath, sql: Backlog.backlogSQL) { print("      \(line)") }
        print("    EXPLAIN QUERY PLAN (oldest 20):")
        for line in try Backlog.queryPlan(path: databasePath, sql: Backlog.oldestSQL) { print("      \(line)") }

        let backlogWarmup = 2
        try DaemonProcess.with(
            executable: daemonPath, stateDir: stateDir, socketPath: "\(backlogDir)/s.sock", logPath: "\(backlogDir)/daemon.log"
        ) { daemon in
            // Floor and daemon take turns, each going first every other round, so both see the same page cache,
            // CPU and neighbours; the daemon is idle while the floor runs (WAL readers do not block each other).
            let floor = try Backlog.Floor(path: databasePath)
            let client = try DaemonClient.BacklogClient(socketPath: daemon.socketPath)
            var floorNanos: [UInt64] = []
            var daemonNanos: [UInt64] = []
            var replyBytes = 0
            let cpuBefore = daemon.cpuSeconds()
            for round in 0..<(backlogWarmup + m) {
                for turn in round % 2 == 0 ? [0, 1] : [1, 0] {
                    if turn == 0 {
                        let before = monotonicNanos()
                        let total = try floor.run()
                        let span = monotonicNanos() - before
                        guard total == generated.waiting else {
                            throw BenchError("backlog floor counted \(total) waiting parcels, the generator wrote \(generated.waiting)")
                        }
                        if round >= backlogWarmup { floorNanos.append(span) }
                    } else {
                        let (span, total, bytes) = try client.run()
                        guard total == generated.waiting else {
                            throw BenchError("Report.Backlog reported \(total) waiting parcels, the ledger has \(generated.waiting)")
                        }
                        replyBytes = bytes
                        if round >= backlogWarmup { daemonNanos.append(span) }
                    }
                }
            }
            // The floor runs in this process, so the daemon's CPU clock counts only its own reports.
            let cpu = (daemon.cpuSeconds() - cpuBefore) / Double(m + backlogWarmup) * 1000
            let floorBacklog = Samples(floorNanos, elapsedNanos: floorNanos.reduce(0, +))
            let viaDaemon = Samples(daemonNanos, elapsedNanos: daemonNanos.reduce(0, +))
            print(
                "    floor (raw C API, backlog SQL + oldest 20, same file): p50 \(ms(floorBacklog.p50))   p90 \(ms(floorBacklog.p90))   max \(ms(floorBacklog.max))"
            )
            print(
                "    daemon (pid \(daemon.pid), via socket, olderThanHours 0): p50 \(ms(viaDaemon.p50))   p90 \(ms(viaDaemon.p90))   max \(ms(viaDaemon.max))   reply \(replyBytes) bytes, total \(generated.waiting) waiting"
            )
            print("    daemon CPU \(ms(cpu)) per report (M=\(m) calls, alternating with the floor's)")
            printVersus("backlog p50", ms(viaDaemon.p50), floor: ms(floorBacklog.p50), ratio: viaDaemon.p50 / floorBacklog.p50)
            let backlogTarget = Target(
                name: "Report.Backlog p50 ≤ 1.5 × raw query p50", measured: ms(viaDaemon.p50), bound: ms(1.5 * floorBacklog.p50),
                comparison: "≤", ratioToBound: viaDaemon.p50 / (1.5 * floorBacklog.p50))
            backlogTarget.printLine()
            targets.append(backlogTarget)
            rows.append(
                SummaryRow(
                    measure: "backlog (\(parcelCount / 1000)k parcels)", value: "p50 \(ms(viaDaemon.p50))", floor: ms(floorBacklog.p50),
                    ratio: times(viaDaemon.p50 / floorBacklog.p50), verdict: backlogTarget.pass ? "PASS" : "FAIL"))
        }
        print("    daemon stopped (SIGTERM, exit 0)")
        print("")

        print("Summary (ratio = measured / floor)")
        printTable(["measure", "value", "floor", "ratio", "target"], rows.map { [$0.measure, $0.value, $0.floor, $0.ratio, $0.verdict] })
        print("")
        for target in targets { target.printLine() }
        let cpuAtEnd = MachineCPU.now()
        let others = max(0, (cpuAtEnd.busy - cpuAtStart.busy) - (cpuAtEnd.ours - cpuAtStart.ours))
        let available = Double(monotonicNanos() - wallAtStart) / 1e9 * Double(ProcessInfo.processInfo.activeProcessorCount)
        print(
            String(
                format: "other processes used %.1f CPU-s of the %.1f available during the run (%.0f%%; near 0 means a quiet machine)",
                others, available, 100 * others / available))
        let failed = targets.filter { !$0.pass }.count
        print(failed == 0 ? "all \(targets.count) targets met" : "\(failed) of \(targets.count) targets missed")
    }

    /// `parcel-stationd` in the folder of this executable (SwiftPM builds products side by side).
    static func siblingDaemon() -> String { sibling("parcel-stationd") }

    /// A product built next to this executable.
    static func sibling(_ name: String) -> String {
        URL(fileURLWithPath: ownExecutable()).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// The path of this executable.
    static func ownExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// A new, empty folder `parcel-bench.XXXXXX` inside `base`.
    static func makeTemporaryFolder(in base: String) throws -> String {
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        var template = Array("\(base)/parcel-bench.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw BenchError("cannot create a folder in \(base): \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    /// `/proc/loadavg`'s three averages, to show whether something else was using the machine.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// The trimmed output of a small command (`nproc`, `df`), or nil.
    static func command(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
