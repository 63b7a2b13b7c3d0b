import Foundation
import StationClient
import StationProtocol
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The real `parcel-stationd` as a child process on a state folder and socket of the bench's work dir.
final class DaemonProcess {
    let process = Process()
    let socketPath: String
    let logPath: String

    /// Starts the daemon; returns once it answers `Station.Hello` on its socket.
    init(executable: String, stateDir: String, socketPath: String, configPath: String?, logPath: String) throws {
        self.socketPath = socketPath
        self.logPath = logPath
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchError(
                "no daemon binary at \(executable); build it (swift build -c release --scratch-path .build-bench --product parcel-stationd) or pass --daemon"
            )
        }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw BenchError("cannot write \(logPath)") }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--state-dir", stateDir, "--socket", socketPath] + (configPath.map { ["--config", $0] } ?? [])
        // The daemon logs one line per intake at its default level (info); a file keeps that out of the report
        // while the daemon still pays for writing it, as it does in production.
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        // A bench run from a systemd unit or shell with these set must not make the daemon adopt someone
        // else's socket, talk to the service manager or log at another level than the default.
        var environment = ProcessInfo.processInfo.environment
        for key in [
            "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "STATE_DIRECTORY",
            "RUNTIME_DIRECTORY", "PARCEL_STATION_LOG_LEVEL",
        ] {
            environment[key] = nil
        }
        process.environment = environment
        try process.run()
        try waitUntilReady(timeout: 60)
        // With --flush-latency the daemon inherits the preload; a daemon without it would be measured on the
        // fast disk against floors on the slow one.
        if FlushLatency.current != nil, !FlushLatency.isMapped(pid: String(pid)) {
            _ = try? stop()
            throw BenchError("parcel-stationd (pid \(pid)) runs without \(FlushLatency.libraryName) although --flush-latency is set")
        }
    }

    var pid: Int32 { process.processIdentifier }

    private func waitUntilReady(timeout: Double) throws {
        let deadline = monotonicNanos() + UInt64(timeout * 1e9)
        while monotonicNanos() < deadline {
            guard process.isRunning else {
                throw BenchError("parcel-stationd exited with status \(process.terminationStatus) before serving; its log:\n\(logTail())")
            }
            if let connection = try? StationConnection(socketPath: socketPath, timeout: 5),
                (try? connection.hello(client: "parcel-bench")) != nil
            {
                return
            }
            usleep(20_000)
        }
        _ = try? stop()
        throw BenchError("parcel-stationd did not answer on \(socketPath) within \(Int(timeout)) s; its log:\n\(logTail())")
    }

    /// SIGTERM (the daemon's graceful shutdown), then waits; SIGKILL after 30 s. Returns the exit status.
    @discardableResult
    func stop() throws -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(pid, SIGTERM)
        let deadline = monotonicNanos() + 30_000_000_000
        while process.isRunning && monotonicNanos() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            throw BenchError("parcel-stationd ignored SIGTERM for 30 s and was killed; its log:\n\(logTail())")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("parcel-stationd exited with status \(process.terminationStatus) after SIGTERM; its log:\n\(logTail())")
        }
        return process.terminationStatus
    }

    /// CPU seconds (user + system) the daemon has used so far, from /proc: tells daemon work from waiting.
    func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return .nan }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Starts a daemon, runs `body`, and stops the daemon whatever happens.
    static func with<T>(
        executable: String, stateDir: String, socketPath: String, configPath: String? = nil, logPath: String,
        _ body: (DaemonProcess) throws -> T
    ) throws -> T {
        let daemon = try DaemonProcess(
            executable: executable, stateDir: stateDir, socketPath: socketPath, configPath: configPath, logPath: logPath)
        let result: T
        do {
            result = try body(daemon)
        } catch {
            _ = try? daemon.stop()
            throw error
        }
        try daemon.stop()
        return result
    }
}

/// Intake and backlog through the socket, exactly as a station tool does it: `StationConnection.callRaw`.
enum DaemonClient {
    /// `SF` + 13 digits, unique per (phase, client, index) so no intake is a repeat scan.
    static func tracking(phase: Int, client: Int, index: Int) -> String {
        "SF" + digits(phase * 100_000_000_000 + client * 1_000_000_000 + index, 13)
    }

    /// Checks that an intake reply is a success for a new, shelved parcel; anything else (an error reply, a
    /// repeat) aborts the run. Callers check after their clock has stopped: decoding the whole reply is not
    /// part of the ack.
    static func check(intakeReply reply: [UInt8], tracking: String) throws {
        let result: ParcelResult
        do {
            result = try StationConnection.decodeResult(reply, as: ParcelResult.self)
        } catch let error as WireError {
            throw BenchError("Parcel.Intake \(tracking) failed: \(error.code.rawValue): \(error.message)")
        } catch {
            throw BenchError("Parcel.Intake \(tracking): unreadable reply \(String(decoding: reply.prefix(300), as: UTF8.self))")
        }
        guard !result.repeat, result.parcel.tracking == tracking, result.parcel.state == "shelved", result.parcel.pickupCode != nil else {
            throw BenchError(
                "Parcel.Intake \(tracking): expected a new shelved parcel, got \(String(decoding: reply.prefix(300), as: UTF8.self))")
        }
    }

    /// One client, `iterations` sequential intakes; each sample is send → reply line.
    ///
    /// Warm-up runs until the daemon's WAL file (`databasePath`-wal) has reached the size at which it is
    /// checkpointed and reused (at least `warmup` intakes, at most `maximumWarmup`), so the measured intakes
    /// see the steady state, as the floor commit does. The warm-up latencies are returned as `cold`, and
    /// `cpuSeconds` (the daemon's CPU clock) is read around the measured intakes only.
    static func sequentialIntakes(
        socketPath: String, databasePath: String, iterations: Int, warmup: Int, maximumWarmup: Int, cpuSeconds: () -> Double
    ) throws -> (cold: Samples, steady: Samples, warmups: Int, cpuMillisPerIntake: Double) {
        let connection = try StationConnection(socketPath: socketPath)
        try connection.hello(client: "parcel-bench")
        var index = 0
        func intake() throws -> UInt64 {
            let number = tracking(phase: 1, client: 0, index: index)
            index += 1
            let before = monotonicNanos()
            let reply = try connection.callRaw(Method.intake.rawValue, IntakeParams(tracking: number))
            let span = monotonicNanos() - before
            // Checked after the clock stopped: decoding the whole reply is not part of the ack.
            try check(intakeReply: reply, tracking: number)
            return span
        }
        var coldNanos: [UInt64] = []
        let coldStart = monotonicNanos()
        while coldNanos.count < maximumWarmup
            && (coldNanos.count < warmup || Floors.walBytes(databasePath: databasePath) < Floors.steadyWALBytes())
        {
            coldNanos.append(try intake())
        }
        let cold = Samples(coldNanos, elapsedNanos: monotonicNanos() - coldStart)
        let cpuBefore = cpuSeconds()
        let steady = try measureSpans(warmup: 0, iterations: iterations) { _ in try intake() }
        let cpu = (cpuSeconds() - cpuBefore) / Double(iterations) * 1000
        return (cold, steady, coldNanos.count, cpu)
    }

    /// `clients` threads, each with its own connection, each sending its share of `total` intakes one after
    /// another. All connect and warm up first, then start together on a barrier; the rate is over the time
    /// from that start to the last reply.
    static func concurrentIntakes(socketPath: String, clients: Int, total: Int, warmup: Int) throws -> Samples {
        let perClient = (total + clients - 1) / clients
        let latencies = Mutex<[UInt64]>([])
        let failures = Mutex<[String]>([])
        let ready = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for client in 1...clients {
            done.enter()
            // Real threads, not a dispatch pool: the daemon must see `clients` requests in flight at once even
            // on 2 cores, where concurrentPerform would run only 2.
            let thread = Thread {
                defer { done.leave() }
                var mine: [UInt64] = []
                do {
                    let connection = try StationConnection(socketPath: socketPath)
                    try connection.hello(client: "parcel-bench-\(client)")
                    for index in 0..<warmup {
                        let number = tracking(phase: 2, client: client, index: index)
                        try check(
                            intakeReply: try connection.callRaw(Method.intake.rawValue, IntakeParams(tracking: number)), tracking: number)
                    }
                    ready.signal()
                    go.wait()
                    mine.reserveCapacity(perClient)
                    for index in warmup..<(warmup + perClient) {
                        let number = tracking(phase: 2, client: client, index: index)
                        let before = monotonicNanos()
                        let reply = try connection.callRaw(Method.intake.rawValue, IntakeParams(tracking: number))
                        mine.append(monotonicNanos() - before)
                        try check(intakeReply: reply, tracking: number)
                    }
                } catch {
                    ready.signal()
                    failures.withLock { $0.append("client \(client): \(error)") }
                }
                latencies.withLock { $0 += mine }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in 1...clients { ready.wait() }
        let start = monotonicNanos()
        for _ in 1...clients { go.signal() }
        done.wait()
        let elapsed = monotonicNanos() - start
        if let failure = failures.withLock({ $0.first }) { throw BenchError(failure) }
        return Samples(latencies.withLock { $0 }, elapsedNanos: elapsed)
    }

    /// `Report.Backlog` with `olderThanHours: 0` on one connection, one call at a time.
    final class BacklogClient {
        let connection: StationConnection

        init(socketPath: String) throws {
            // A report on a large ledger takes a while; the default 30 s read timeout is kept well clear of.
            connection = try StationConnection(socketPath: socketPath, timeout: 120)
            try connection.hello(client: "parcel-bench")
        }

        /// One call: its send → reply span, the report's total, and the reply's size. An error reply aborts.
        func run() throws -> (nanos: UInt64, total: Int, replyBytes: Int) {
            let before = monotonicNanos()
            let reply = try connection.callRaw(Method.backlog.rawValue, BacklogParams(olderThanHours: 0))
            let span = monotonicNanos() - before
            do {
                let result = try StationConnection.decodeResult(reply, as: BacklogResult.self)
                return (span, result.total, reply.count)
            } catch let error as WireError {
                throw BenchError("Report.Backlog failed: \(error.code.rawValue): \(error.message)")
            }
        }
    }

    /// What `callRaw` itself costs per intake on the client (encoding the request, decoding the reply's
    /// head), so a reader can subtract it from the ack: it is in the daemon figure but not in either floor.
    static func clientOverheadMillis(sampleReply: [UInt8], iterations: Int = 2000) -> Double {
        let start = monotonicNanos()
        for index in 0..<iterations {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let request = Request(
                id: .number(Int64(index)), method: Method.intake.rawValue,
                params: IntakeParams(tracking: tracking(phase: 9, client: 0, index: index)))
            _ = try? encoder.encode(request)
            _ = try? JSONDecoder().decode(AnyServerMessage.self, from: Data(sampleReply))
        }
        return Double(monotonicNanos() - start) / 1e6 / Double(iterations)
    }

    /// One intake's raw reply (for the client-overhead estimate and to show the reply size).
    static func sampleIntakeReply(socketPath: String) throws -> [UInt8] {
        let connection = try StationConnection(socketPath: socketPath)
        let number = tracking(phase: 3, client: 0, index: 0)
        let reply = try connection.callRaw(Method.intake.rawValue, IntakeParams(tracking: number))
        try check(intakeReply: reply, tracking: number)
        return reply
    }
}
