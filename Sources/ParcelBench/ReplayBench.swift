import Foundation
import StationClient
import StationProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// `parcel-bench --replay`: a tool reconnecting with `since` and replaying what it missed, against the same bytes
/// served by an in-process thread over a Unix socket (the floor: what reading them costs the client alone); and
/// intake acks with station events interleaved (both tables drawing on the shared event counter) against plain
/// intakes, in the same run.
enum ReplayBench {
    struct Figures {
        var events: Int
        var replay: Samples
        var floor: Samples
        var replayBytes: Int
        var plainIntake: Samples
        var interleavedIntake: Samples
        /// With a baseline daemon: plain intake acks on it and on this daemon, in alternating blocks.
        var baseline: (this: Samples, other: Samples)?
    }

    /// Plain intakes, one client, on two daemons running side by side (this build and `baseline`, e.g. one built
    /// before the shared event counter), in alternating blocks so drift in the machine's load falls on both alike.
    static func compareIntakes(daemon: String, baseline: String, root: String, intakes: Int, blocks: Int = 10) throws -> (
        this: Samples, other: Samples
    ) {
        let config = root + "/compare-config.json"
        let layers = max(9, (intakes + 200) / 400 + 1)
        try #"{"shelves": [{"id": 1, "layers": \#(layers), "layerCapacity": 400}]}"#.write(
            toFile: config, atomically: true, encoding: .utf8)
        return try DaemonProcess.with(
            executable: daemon, stateDir: root + "/compare-this", socketPath: root + "/compare-this.sock", configPath: config,
            logPath: root + "/compare-this.log"
        ) { _ in
            try DaemonProcess.with(
                executable: baseline, stateDir: root + "/compare-other", socketPath: root + "/compare-other.sock", configPath: config,
                logPath: root + "/compare-other.log"
            ) { _ in
                let connections = try [root + "/compare-this.sock", root + "/compare-other.sock"].map { path in
                    let connection = try StationConnection(socketPath: path)
                    try connection.hello(client: "parcel-bench")
                    return connection
                }
                var spans: [[UInt64]] = [[], []]
                var next = [0, 0]
                func intake(_ which: Int) throws -> UInt64 {
                    let number = "SF" + digits(5_000_000_000_000 + next[which], 13)
                    next[which] += 1
                    let before = monotonicNanos()
                    let reply = try connections[which].callRaw(Method.intake.rawValue, IntakeParams(tracking: number))
                    let span = monotonicNanos() - before
                    try DaemonClient.check(intakeReply: reply, tracking: number)
                    return span
                }
                for which in [0, 1] { for _ in 0..<100 { _ = try intake(which) } }  // warm-up
                let start = monotonicNanos()
                for block in 0..<(2 * blocks) {
                    let which = block % 2
                    for _ in 0..<(intakes / blocks) { spans[which].append(try intake(which)) }
                }
                let elapsed = monotonicNanos() - start
                return (Samples(spans[0], elapsedNanos: elapsed / 2), Samples(spans[1], elapsedNanos: elapsed / 2))
            }
        }
    }

    static func run(daemon: String, baseline: String?, root: String, events: Int, rounds: Int, intakes: Int) throws -> Figures {
        var compared: (this: Samples, other: Samples)?
        if let baseline {
            print(
                "[R0] intake ack, one client each, on this daemon and on \(baseline), side by side, \(intakes) each in alternating blocks")
            fflush(nil)  // show progress when piped
            let pair = try compareIntakes(daemon: daemon, baseline: baseline, root: root, intakes: intakes)
            print(String(format: "    this daemon  ack p50 %.3f ms  p99 %.3f ms", pair.this.p50, pair.this.p99))
            print(String(format: "    baseline     ack p50 %.3f ms  p99 %.3f ms", pair.other.p50, pair.other.p99))
            compared = pair
        }
        let config = root + "/replay-config.json"
        let layers = max(9, (events / 2 + 2 * intakes + 1000) / 400 + 1)
        try #"{"shelves": [{"id": 1, "layers": \#(layers), "layerCapacity": 400}]}"#.write(
            toFile: config, atomically: true, encoding: .utf8)
        let socketPath = root + "/replay.sock"
        return try DaemonProcess.with(
            executable: daemon, stateDir: root + "/replay-state", socketPath: socketPath, configPath: config,
            logPath: root + "/replay-daemon.log"
        ) { _ in
            let desk = try StationConnection(socketPath: socketPath)
            try desk.hello(client: "parcel-bench")

            print("[R1] intake ack, one client: \(intakes) plain intakes, then \(intakes) with a station event between each two")
            print("     (a stocktake scan: its station event takes the next number of the shared sequence, as the intake's events do)")
            fflush(nil)  // show progress when piped
            var index = 0
            func intake() throws -> UInt64 {
                let number = "SF" + digits(6_000_000_000_000 + index, 13)
                index += 1
                let before = monotonicNanos()
                let reply = try desk.callRaw(Method.intake.rawValue, IntakeParams(tracking: number))
                let span = monotonicNanos() - before
                try DaemonClient.check(intakeReply: reply, tracking: number)
                return span
            }
            let plain = try measureSpans(warmup: 50, iterations: intakes) { _ in try intake() }
            let stocktake = try desk.call(Method.startStocktake, StocktakeStartParams()).id
            let interleaved = try measureSpans(warmup: 50, iterations: intakes) { scan in
                _ = try desk.call(
                    Method.scanStocktake, StocktakeScanParams(stocktake: stocktake, text: "YT" + digits(7_000_000_000_000 + scan, 13)))
                return try intake()
            }
            print(String(format: "    plain intakes        ack p50 %.3f ms  p99 %.3f ms", plain.p50, plain.p99))
            print(String(format: "    between station events ack p50 %.3f ms  p99 %.3f ms", interleaved.p50, interleaved.p99))

            // The events to replay: intakes, two events each.
            while index * 2 < events + 2 * (intakes + 50) { _ = try intake() }
            let latest = try StationConnection(socketPath: socketPath).call(Method.subscribe, SubscribeParams()).seq ?? 0
            let since = latest - Int64(events)
            print(
                "[R2] Events.Subscribe since \(since) on a ledger whose latest event is \(latest): \(events) events replayed, \(rounds) rounds"
            )
            print("     time = request sent → last replayed event line read and its head decoded, on a new connection")
            fflush(nil)  // show progress when piped
            var captured: [UInt8] = []
            let replay = try measureSpans(warmup: 1, iterations: rounds) { round in
                let tool = try StationConnection(socketPath: socketPath, timeout: 60)
                let before = monotonicNanos()
                let lines = try receive(events, from: tool, request: SubscribeParams(since: since), expectFirst: since + 1)
                let span = monotonicNanos() - before
                if round == 0 { captured = lines }
                return span
            }
            let floor = try floor(serving: captured, events: events, socketPath: root + "/replay-floor.sock", rounds: rounds)
            print(String(format: "    replay  p50 %.1f ms  max %.1f ms  (%d bytes)", replay.p50, replay.max, captured.count))
            print(
                String(
                    format: "    floor   p50 %.1f ms  max %.1f ms  (the same bytes from a thread over a Unix socket)", floor.p50, floor.max)
            )
            return Figures(
                events: events, replay: replay, floor: floor, replayBytes: captured.count, plainIntake: plain,
                interleavedIntake: interleaved, baseline: compared)
        }
    }

    /// Subscribes and reads `count` event lines, checking they are the durable events from `expectFirst` on, in
    /// order; returns their bytes (each with its newline). Each line's `seq` is found by a scan of its bytes (a
    /// tool that only keeps its cursor needs no more); the first and last lines are decoded in full.
    static func receive(_ count: Int, from tool: StationConnection, request: SubscribeParams, expectFirst: Int64) throws -> [UInt8] {
        try tool.send(try requestLine(request))
        var bytes: [UInt8] = []
        var expected = expectFirst
        var received = 0
        let reply = try tool.readLine()
        if let error = (try? JSONDecoder().decode(AnyServerMessage.self, from: Data(reply)))?.error {
            throw BenchError("Events.Subscribe: \(error.code.rawValue): \(error.message)")
        }
        while received < count {
            let line = try tool.readLine()
            guard let seq = seq(in: line), seq == expected else {
                throw BenchError("expected event \(expected), got \(String(decoding: line.prefix(200), as: UTF8.self))")
            }
            if received == 0 || received == count - 1 {
                guard (try? JSONDecoder().decode(AnyServerMessage.self, from: Data(line)))?.seq == seq else {
                    throw BenchError("event \(seq) does not decode")
                }
            }
            expected += 1
            received += 1
            bytes += line
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    /// The number after the first `"seq":` of a line.
    static func seq(in line: [UInt8]) -> Int64? {
        let key = Array(#""seq":"#.utf8)
        guard line.count > key.count else { return nil }
        for start in 0...(line.count - key.count) where line[start] == key[0] && Array(line[start..<(start + key.count)]) == key {
            var value: Int64 = 0
            var index = start + key.count
            while index < line.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(line[index]) {
                value = value * 10 + Int64(line[index] - UInt8(ascii: "0"))
                index += 1
            }
            return index > start + key.count ? value : nil
        }
        return nil
    }

    static func requestLine(_ params: SubscribeParams) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(Request(id: .number(1), method: Method.subscribe.rawValue, params: params))) + [10]
    }

    /// The floor: a thread accepts one connection, reads its request line, writes `bytes`; the client reads and
    /// decodes the heads of the `events` lines as it does from the daemon.
    static func floor(serving bytes: [UInt8], events: Int, socketPath: String, rounds: Int) throws -> Samples {
        unlink(socketPath)
        let listener = try unixSocket()
        defer {
            close(listener)
            unlink(socketPath)
        }
        try withSocketAddress(socketPath) { address, length in
            guard bind(listener, address, length) == 0, listen(listener, 4) == 0 else {
                throw BenchError("replay floor cannot listen on \(socketPath): \(String(cString: strerror(errno)))")
            }
        }
        // The subscription's reply, then the events, as the daemon sends them.
        let served = Array(#"{"id":1,"result":{"events":[]}}"#.utf8) + [UInt8(ascii: "\n")] + bytes
        let finished = DispatchSemaphore(value: 0)
        Thread {
            for _ in 0..<(rounds + 1) {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { break }
                var byte: UInt8 = 0
                while recv(connection, &byte, 1, 0) == 1 && byte != UInt8(ascii: "\n") {}
                try? sendAll(connection, served)
                close(connection)
            }
            finished.signal()
        }.start()
        let first = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 1).first.map(Array.init) ?? []
        let firstSeq = (try? JSONDecoder().decode(AnyServerMessage.self, from: Data(first)))?.seq ?? 1
        let samples = try measureSpans(warmup: 1, iterations: rounds) { _ in
            let tool = try StationConnection(socketPath: socketPath, timeout: 60)
            let before = monotonicNanos()
            _ = try receive(events, from: tool, request: SubscribeParams(since: firstSeq - 1), expectFirst: firstSeq)
            return monotonicNanos() - before
        }
        finished.wait()
        return samples
    }
}
