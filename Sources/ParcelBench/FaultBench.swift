import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `parcel-bench --faults`: the daemon under hostile input and at shutdown.
///
/// 1. Socket fuzz: mutated request lines (bytes flipped, inserted and cut, seeds spliced, deep nesting and
///    control characters injected) pipelined to a real daemon over several connections; every line must be
///    answered and the daemon must be alive at the end. Printed beside valid `Station.Status` lines through the
///    same pipeline in the same run.
/// 2. Shutdown: time from SIGTERM to exit for a daemon under intake load whose county is unreachable (a
///    listener that accepts and never answers) and whose notice channel hangs, beside an idle daemon with no
///    services in the same run.
enum FaultBench {
    struct Figures {
        var inputs = 0
        var fuzzPerSecond = 0.0
        var validPerSecond = 0.0
        var crashes = 0
        var daemonRSSMB = 0.0
        var errorCodes: [String: Int] = [:]
        var idleStopSeconds = 0.0
        var loadedStopSeconds = 0.0
        var answeredDuringStop = 0
        var unansweredDuringStop = 0
    }

    static let seeds: [String] = [
        #"{"id":1,"method":"Station.Hello","params":{"protocol":{"major":1,"minor":3},"client":"fuzz"}}"#,
        #"{"id":2,"method":"Station.Status"}"#,
        #"{"id":3,"method":"Parcel.Intake","params":{"tracking":"SF1234567890123","phoneTail":"5678","courier":"SF","staff":"王芳"}}"#,
        #"{"id":4,"method":"Parcel.Get","params":{"tracking":"SF1234567890123"}}"#,
        #"{"id":5,"method":"Parcel.Search","params":{"tracking":"SF1","code":"1-1-1","phoneTail":"5678","states":["shelved"],"limit":5}}"#,
        #"{"id":6,"method":"Pickup.Verify","params":{"code":"1-2-3","counter":"A"}}"#,
        #"{"id":7,"method":"Pickup.Confirm","params":{"trackings":["SF1234567890123"],"code":"1-1-1","collector":"李"}}"#,
        #"{"id":"x","method":"Scan.Submit","params":{"text":"]C1SF1234567890123\r","scanner":"gun","symbology":"]C1"}}"#,
        #"{"id":9,"method":"Handoff.Open","params":{"direction":"inbound","kind":"delivery","party":"zto"}}"#,
        #"{"id":10,"method":"Handoff.Import","params":{"handoff":"h","format":"csv","content":"tracking,bag\nSF1,B1\n"}}"#,
        #"{"id":11,"method":"Complaint.Record","params":{"tracking":"SF1234567890123","text":"没收到\n第二行","source":"phone"}}"#,
        #"{"id":12,"method":"Label.Decode","params":{"data":"iVBORw0KGgo=","act":false}}"#,
        #"{"id":13,"method":"Report.Daily","params":{"date":"2026-12-03"}}"#,
        #"{"id":14,"method":"Report.Backlog","params":{"olderThanHours":24}}"#,
        #"{"id":1.5,"method":"Outgoing.Accept","params":{"waybill":"YT1234567890123","destination":"县城","weightGrams":500,"feeFen":800}}"#,
        #"{"id":16,"method":"Stocktake.Start","params":{"shelf":1}}"#,
    ]

    /// A small deterministic generator (xorshift64*), so a run can be repeated exactly.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
    }

    /// One mutated line: never contains a newline (one line, one reply) and is never blank.
    static func mutate(_ generator: inout Generator) -> [UInt8] {
        var bytes = Array(seeds[generator.below(seeds.count)].utf8)
        for _ in 0...generator.below(4) {
            switch generator.below(8) {
            case 0, 1: if !bytes.isEmpty { bytes[generator.below(bytes.count)] = UInt8(truncatingIfNeeded: generator.next()) }
            case 2: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: generator.below(bytes.count + 1))
            case 3: if !bytes.isEmpty { bytes.removeSubrange(generator.below(bytes.count)..<bytes.count) }
            case 4:
                let other = Array(seeds[generator.below(seeds.count)].utf8)
                let cut = generator.below(bytes.count + 1)
                bytes = Array(bytes[..<cut]) + other[generator.below(other.count)...]
            case 5:
                let depth = [8, 40, 600, 5000][generator.below(4)]
                bytes.insert(
                    contentsOf: Array(repeating: UInt8(ascii: generator.below(2) == 0 ? "[" : "{"), count: depth),
                    at: generator.below(bytes.count + 1))
            case 6: bytes.insert(contentsOf: Array(#"\u0000"#.utf8), at: generator.below(bytes.count + 1))
            default: bytes.insert(contentsOf: Array(#"\ud800"#.utf8), at: generator.below(bytes.count + 1))
            }
        }
        for index in bytes.indices where bytes[index] == 0x0A { bytes[index] = 0x20 }
        // A final CR is dropped by the framing, and a blank line is not answered: keep one reply per line.
        if bytes.last == 0x0D || bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { bytes.append(UInt8(ascii: "x")) }
        return bytes
    }

    static func run(daemon daemonPath: String, root: String, inputs: Int, connections: Int) throws -> Figures {
        var figures = Figures()
        try fuzz(daemonPath: daemonPath, root: root, inputs: inputs, connections: connections, figures: &figures)
        try shutdown(daemonPath: daemonPath, root: root, figures: &figures)
        return figures
    }

    /// Sends `lines` on one connection in batches and reads one reply per line; returns the replies' error codes.
    static func pipeline(_ connection: StationConnection, _ lines: [[UInt8]], batch: Int = 64) throws -> [String: Int] {
        var codes: [String: Int] = [:]
        var index = 0
        while index < lines.count {
            let end = min(index + batch, lines.count)
            var chunk: [UInt8] = []
            for line in lines[index..<end] { chunk += line + [10] }
            try connection.send(chunk)
            for _ in index..<end {
                var reply = try connection.readLine()
                // A line that became Events.Subscribe makes the connection a subscriber: events are not replies.
                while reply.starts(with: Array(#"{"event""#.utf8)) || reply.starts(with: Array(#"{"data""#.utf8)) {
                    reply = try connection.readLine()
                }
                let code = (try? JSONDecoder().decode(AnyServerMessage.self, from: Data(reply)))?.error?.code.rawValue ?? "ok"
                codes[code, default: 0] += 1
            }
            index = end
        }
        return codes
    }

    static func fuzz(daemonPath: String, root: String, inputs: Int, connections: Int, figures: inout Figures) throws {
        let folder = "\(root)/fuzz"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Lines up to 64 KiB (the default) and enough connections for every client: the fuzz is about content.
        let config = "\(folder)/config.json"
        try #"{"server":{"maxLineBytes":65536},"pickupGuessing":{"clientFailures":10000,"counterFailures":10000,"cooldownSeconds":1}}"#
            .write(
                toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(
            executable: daemonPath, stateDir: "\(folder)/state", socketPath: "\(folder)/s.sock", configPath: config,
            logPath: "\(folder)/daemon.log")
        defer { _ = try? daemon.stop() }

        // Baseline: valid status lines through the same pipeline.
        let valid = Array(#"{"id":2,"method":"Station.Status"}"#.utf8)
        let baselineCount = max(1000, inputs / 20)
        var started = monotonicNanos()
        try runClients(connections, socketPath: daemon.socketPath) { client, connection in
            _ = try pipeline(connection, Array(repeating: valid, count: baselineCount / connections))
        }
        figures.validPerSecond = Double(baselineCount / connections * connections) / (Double(monotonicNanos() - started) / 1e9)

        print("[faults 1] socket fuzz: \(inputs) mutated request lines over \(connections) connections")
        let collected = Mutex<[String: Int]>([:])
        let daemonPID = daemon.pid
        started = monotonicNanos()
        try runClients(connections, socketPath: daemon.socketPath) { client, connection in
            var generator = Generator(state: 0x9E37_79B9_7F4A_7C15 &+ UInt64(client) &* 0xBF58_476D_1CE4_E5B9)
            let share = inputs / connections
            var done = 0
            while done < share {
                let count = min(4096, share - done)
                let lines = (0..<count).map { _ in mutate(&generator) }
                let codes = try pipeline(connection, lines)
                collected.withLock { total in for (code, n) in codes { total[code, default: 0] += n } }
                done += count
                guard kill(daemonPID, 0) == 0 else {
                    throw BenchError("parcel-stationd died during the socket fuzz (see its log in the work dir, --keep)")
                }
            }
        }
        let seconds = Double(monotonicNanos() - started) / 1e9
        figures.errorCodes = collected.withLock { $0 }
        figures.inputs = figures.errorCodes.values.reduce(0, +)
        figures.fuzzPerSecond = Double(figures.inputs) / seconds
        figures.crashes = daemon.process.isRunning ? 0 : 1
        figures.daemonRSSMB = rssMB(pid: daemon.pid)
        // Still serving after all of it.
        let after = try StationConnection(socketPath: daemon.socketPath, timeout: 10)
        try after.hello(client: "parcel-bench")
        _ = try after.call(Method.status.rawValue, NoParams(), as: StatusResult.self)
        print(
            String(
                format: "  %d lines answered in %.1f s: %.0f/s; valid Station.Status %.0f/s; daemon RSS %.0f MB", figures.inputs, seconds,
                figures.fuzzPerSecond, figures.validPerSecond, figures.daemonRSSMB))
        let top = figures.errorCodes.sorted { $0.value > $1.value }.prefix(8).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("  replies: \(top)")
    }

    static func runClients(_ count: Int, socketPath: String, _ body: @escaping @Sendable (Int, StationConnection) throws -> Void) throws {
        let failures = Mutex<[String]>([])
        onThreads(count) { client in
            do {
                try body(client, try StationConnection(socketPath: socketPath, timeout: 60))
            } catch {
                failures.withLock { $0.append("client \(client): \(error)") }
            }
        }
        if let first = failures.withLock({ $0.first }) { throw BenchError(first) }
    }

    static func shutdown(daemonPath: String, root: String, figures: inout Figures) throws {
        print("[faults 2] SIGTERM to exit: idle daemon, then a loaded one whose county and notice channel do not answer")
        let idleFolder = "\(root)/stop-idle"
        try FileManager.default.createDirectory(atPath: idleFolder, withIntermediateDirectories: true)
        let idle = try DaemonProcess(
            executable: daemonPath, stateDir: "\(idleFolder)/state", socketPath: "\(idleFolder)/s.sock", configPath: nil,
            logPath: "\(idleFolder)/daemon.log")
        var started = monotonicNanos()
        try idle.stop()
        figures.idleStopSeconds = Double(monotonicNanos() - started) / 1e9

        // The county: a listener that accepts and never says a word (a black-holed link looks the same).
        let county = try BlackHoleListener()

        let folder = "\(root)/stop-loaded"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let hang = "\(folder)/hang.sh"
        try "#!/bin/sh\nexec sleep 600\n".write(toFile: hang, atomically: true, encoding: .utf8)
        chmod(hang, 0o755)
        let config = "\(folder)/config.json"
        try """
        {"county":{"host":"127.0.0.1","port":\(county.port),"database":"county","user":"station","timeoutSeconds":30},
         "notices":{"exec":{"executable":"\(hang)","timeoutSeconds":600}}}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(
            executable: daemonPath, stateDir: "\(folder)/state", socketPath: "\(folder)/s.sock", configPath: config,
            logPath: "\(folder)/daemon.log")
        let answered = Mutex((answered: 0, unanswered: 0))
        let socketPath = daemon.socketPath
        let stopFlag = Mutex(false)
        let finished = DispatchSemaphore(value: 0)
        let clients = Thread {
            onThreads(8) { client in
                guard let connection = try? StationConnection(socketPath: socketPath, timeout: 60),
                    (try? connection.hello(client: "load")) != nil
                else { return }
                var index = 0
                while !stopFlag.withLock({ $0 }) {
                    index += 1
                    let tracking = DaemonClient.tracking(phase: 9, client: client, index: index)
                    guard let reply = try? connection.callRaw(Method.intake.rawValue, IntakeParams(tracking: tracking, phoneTail: "1234"))
                    else {
                        // Closed at shutdown, after its last reply: what was in flight was answered or never sent.
                        answered.withLock { $0.unanswered += 1 }
                        return
                    }
                    // Only a result is an acknowledged intake; server.shuttingDown answers the ones refused.
                    if (try? StationConnection.decodeResult(reply, as: ParcelResult.self)) != nil { answered.withLock { $0.answered += 1 } }
                }
            }
            finished.signal()
        }
        clients.start()
        // Let notices queue up and the county link reach its hung state.
        Thread.sleep(forTimeInterval: 3)
        started = monotonicNanos()
        kill(daemon.pid, SIGTERM)
        while daemon.process.isRunning && monotonicNanos() - started < 60_000_000_000 { usleep(5_000) }
        figures.loadedStopSeconds = Double(monotonicNanos() - started) / 1e9
        stopFlag.withLock { $0 = true }
        finished.wait()
        (figures.answeredDuringStop, figures.unansweredDuringStop) = answered.withLock { ($0.answered, $0.unanswered) }
        if daemon.process.isRunning {
            kill(daemon.pid, SIGKILL)
            throw BenchError("parcel-stationd ignored SIGTERM for 60 s; its log:\n\(daemon.logTail())")
        }
        print(
            String(
                format: "  idle, no services %.3f s; loaded, county black-holed, notice channel hung %.3f s (exit %d)",
                figures.idleStopSeconds,
                figures.loadedStopSeconds, daemon.process.terminationStatus))
    }

    static func rssMB(pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Double(line.split(separator: " ")[1]).map { $0 / 1024 } ?? .nan
        }
        return .nan
    }
}
