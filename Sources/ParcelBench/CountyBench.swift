import CountySync
import Foundation
import LedgerSync
import Logging
import NIOCore
import ParcelDomain
import ParcelStore
import PostgresNIO
import StationClient
import StationEngine
import StationProtocol
import StationTestSupport
import Synchronization

/// `parcel-bench --county`: the county sync and the county backlog report, each beside its floor on the same
/// PostgreSQL server in the same run:
/// - C1: a station with a week's backlog uploads its outbox through the real syncer, against a plain `COPY` of
///   the same rows into the same table (same triggers, same server).
/// - C2: the county backlog report over generated projections (stations × parcels) through `CountyReports`,
///   against the same SQL run by psql in one session (`\timing`).
/// - C3: the link's faults: time from a county restart (`pg_ctl -m fast stop`, start) to a caught-up idle
///   station, beside the syncer's own pacing (the poll interval, the first retry) and a fresh connection; and
///   time from SIGTERM to exit for a daemon whose county is black-holed, beside the same daemon with the
///   county reachable.
enum CountyBench {
    struct Server {
        let host: String
        let port: Int
        let owner: String
        let password: String
        let psql: String
    }

    struct Figures {
        var records = 0
        var syncPerSecond: [Double] = []
        var copyPerSecond: [Double] = []
        var reportMillis: [Double] = []
        var psqlMillis: [Double] = []
        var parcels = 0
        var stations = 0
        var waiting = 0
    }

    static let logger = Logger(label: "county-bench") { _ in SwiftLogNoOpLogHandler() }

    /// The server from PARCEL_STATION_TEST_PG_* (what scripts/county-test-db.sh writes) or libpq's PG* variables.
    static func server() throws -> Server {
        let environment = ProcessInfo.processInfo.environment
        let host = environment["PARCEL_STATION_TEST_PG_HOST"] ?? environment["PGHOST"]
        let port = (environment["PARCEL_STATION_TEST_PG_PORT"] ?? environment["PGPORT"]).flatMap(Int.init)
        let user = environment["PARCEL_STATION_TEST_PG_USER"] ?? environment["PGUSER"]
        let password = environment["PARCEL_STATION_TEST_PG_PASSWORD"] ?? environment["PGPASSWORD"]
        guard let host, let port, let user, let password else {
            throw BenchError(
                "--county needs a PostgreSQL superuser: run scripts/county-bench.sh, or set PGHOST, PGPORT, PGUSER, PGPASSWORD")
        }
        let bin = environment["PARCEL_STATION_TEST_PG_BIN"].map { "\($0)/psql" } ?? "/usr/bin/psql"
        return Server(host: host, port: port, owner: user, password: password, psql: bin)
    }

    static func link(_ server: Server, database: String) -> CountyLink {
        CountyLink(
            host: server.host, port: server.port, database: database, user: server.owner, password: server.password, timeoutSeconds: 600)
    }

    /// A new, migrated database.
    static func freshDatabase(_ server: Server, _ name: String) throws -> CountyLink {
        let database = "\(name)_\(UInt32.random(in: 0...UInt32.max))"
        try runBlocking {
            try await link(server, database: "postgres").withConnection(logger: logger) { connection in
                try await connection.query("CREATE DATABASE \(unescaped: database)", logger: logger)
            }
            try await link(server, database: database).withConnection(logger: logger) { connection in
                _ = try await CountyAdmin.migrate(connection, logger: logger)
            }
        }
        return link(server, database: database)
    }

    static func dropDatabase(_ server: Server, _ link: CountyLink) {
        _ = try? runBlocking {
            try await self.link(server, database: "postgres").withConnection(logger: logger) { connection in
                try await connection.query("DROP DATABASE IF EXISTS \(unescaped: link.database) WITH (FORCE)", logger: logger)
            }
        }
    }

    final class BenchClock: StationClock {
        let millis: Mutex<Int64>
        init(_ start: Int64) { millis = Mutex(start) }
        func nowMillis() -> Int64 { millis.withLock { $0 } }
        func set(_ value: Int64) { millis.withLock { $0 = value } }
    }

    static func run(root: String, perDay: Int, days: Int, stations: Int, parcels: Int, rounds: Int, iterations: Int) throws -> Figures {
        let server = try server()
        var figures = Figures()
        print("  server      PostgreSQL on \(server.host):\(server.port), psql \(server.psql)")

        // C1. A station's week, made through the real engine (so the outbox is what a station really writes).
        print("[C1] a week of a station's work: \(days) days × \(perDay) parcels taken in, 60 % picked up the next day")
        fflush(nil)
        let store = try ParcelStore(path: "\(root)/county-station.sqlite")
        let start: Int64 = 1_793_462_400_000
        let clock = BenchClock(start)
        let shelves = ShelfLayout(shelves: (1...20).map { .init(id: $0, layers: 10, layerCapacity: 999) })
        let engine = try runBlocking {
            try await StationEngine(
                store: store, settings: StationSettings(stationID: "bench-01", stationName: "基准站", shelves: shelves, codeCooldownHours: 0),
                clock: clock, logger: logger)
        }
        let staff = Caller(client: "parcel-bench", uid: 0, staff: "bench")
        try runBlocking {
            var previous: [ParcelRecord] = []
            for day in 0..<days {
                var today: [ParcelRecord] = []
                for index in 0..<perDay {
                    clock.set(start + Int64(day) * 86_400_000 + Int64(index) * 40_000)
                    let tracking = "75" + String(format: "%012d", day * 100_000 + index)
                    today.append(try await engine.intake(.init(scan: tracking, phoneTail: "0000"), by: staff).parcel)
                }
                for (index, parcel) in previous.enumerated() where index % 5 < 3 {
                    clock.set(start + Int64(day) * 86_400_000 + 40_000_000 + Int64(index) * 1000)
                    _ = try await engine.confirmPickup(
                        .init(trackings: [parcel.tracking], credential: .code(parcel.pickupCode!)), by: staff)
                }
                previous = today
            }
        }
        let source = LedgerOutboxSource(store: store)
        let records = try runBlocking { try await source.records(after: 0, limit: Int.max) }
        figures.records = records.count
        let payloadBytes = records.reduce(0) { $0 + $1.payload.utf8.count }
        print("    outbox: \(records.count) records, \(payloadBytes / 1024) KiB of JSON")

        // The COPY text is made before the clock starts, so the floor is only the transfer and the insert.
        let isoFormatter = ISO8601DateFormatter()
        isoFormatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let copyLines = records.map { record in
            "bench-01\t\(record.seq)\t\(record.kind)\t\(record.ref)\t"
                + isoFormatter.string(from: Date(timeIntervalSince1970: Double(record.at) / 1000)) + "\t" + copyText(record.payload) + "\n"
        }
        for round in 1...rounds {
            // The real syncer, as the daemon runs it, from the ledger file to a fresh county database.
            let county = try freshDatabase(server, "bench_sync")
            let stationLink = try runBlocking {
                try await county.withConnection(logger: logger) { connection in
                    try await CountyAdmin.registerStation(
                        connection, id: "bench-01", name: "基准站", tier: .village, township: nil, role: "bench_station",
                        password: "bench-station-pw", logger: logger)
                }
                var link = county
                link.user = "bench_station"
                link.password = "bench-station-pw"
                return link
            }
            try runBlocking { try await store.write { try $0.setSyncAcknowledged(0) } }
            // The daemon's default batch size.
            let syncer = CountySyncer(
                link: stationLink, stationID: "bench-01", source: source, pacing: SyncPacing(pollInterval: .milliseconds(5)),
                logger: logger)
            let head = records.last?.seq ?? 0
            let began = monotonicNanos()
            let elapsed = try runBlocking { () -> UInt64 in
                let task = Task { await syncer.run() }
                defer { task.cancel() }
                while syncer.status.acknowledged < head {
                    if syncer.status.consecutiveFailures > 0 { throw BenchError("sync failed: \(syncer.status.lastError?.message ?? "?")") }
                    try await Task.sleep(for: .milliseconds(1))
                }
                return monotonicNanos() - began
            }
            figures.syncPerSecond.append(Double(records.count) / (Double(elapsed) / 1e9))
            dropDatabase(server, county)

            // The floor: one COPY of the same rows into the same table of a fresh database.
            let floor = try freshDatabase(server, "bench_copy")
            let copyNanos = try runBlocking {
                try await floor.withConnection(logger: logger) { connection in
                    try await connection.query(
                        "INSERT INTO county.station (id, name, tier, db_role) VALUES ('bench-01', '基准站', 'village', 'bench_station')",
                        logger: logger)
                    try await connection.query("SET search_path = county", logger: logger)
                    let began = monotonicNanos()
                    try await connection.copyFrom(
                        table: "station_event", columns: ["station_id", "seq", "kind", "ref", "at", "payload"], logger: logger
                    ) { writer in
                        var buffer = ByteBuffer()
                        for line in copyLines {
                            buffer.writeString(line)
                            if buffer.readableBytes > 256 * 1024 {
                                try await writer.write(buffer)
                                buffer.clear()
                            }
                        }
                        if buffer.readableBytes > 0 { try await writer.write(buffer) }
                    }
                    return monotonicNanos() - began
                }
            }
            figures.copyPerSecond.append(Double(records.count) / (Double(copyNanos) / 1e9))
            dropDatabase(server, floor)
            print(
                String(
                    format: "    round %d: syncer %.0f records/s (%.2f s)   COPY %.0f records/s (%.2f s)", round,
                    figures.syncPerSecond.last!,
                    Double(elapsed) / 1e9, figures.copyPerSecond.last!, Double(copyNanos) / 1e9))
            fflush(nil)
        }
        try store.close()

        // C2. The county backlog report on generated projections.
        print("[C2] county backlog report: \(stations) stations, \(parcels) parcels, M=\(iterations)")
        fflush(nil)
        let county = try freshDatabase(server, "bench_report")
        defer { dropDatabase(server, county) }
        let now = Date()
        figures.stations = stations
        figures.parcels = parcels
        figures.waiting = try runBlocking {
            try await county.withConnection(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO county.station (id, name, tier, township, db_role)
                    SELECT 'st-' || lpad(i::text, 3, '0'), '服务站' || i, CASE WHEN i % 20 = 0 THEN 'township' ELSE 'village' END,
                           'xiang-' || (i % 20), 'bench_role_' || i
                    FROM generate_series(1, \(stations)) AS i
                    """, logger: logger)
                // A fifth of the parcels wait on a shelf, aged over 30 days; the rest were picked up or returned.
                try await connection.query(
                    """
                    INSERT INTO county.parcel (station_id, parcel_ref, tracking, courier, state, received_at, shelved_at, released_at,
                                               notices, last_seq)
                    SELECT 'st-' || lpad((1 + i % \(stations))::text, 3, '0'), i, '75' || lpad(i::text, 12, '0'),
                           (ARRAY['ZTO', 'YTO', 'STO', 'YUNDA', 'JT', 'SF', 'EMS', 'JD'])[1 + (i * 7) % 8],
                           CASE WHEN i % 10 = 0 THEN 'shelved' WHEN i % 10 = 1 THEN 'notified' WHEN i % 10 = 2 THEN 'returned' ELSE 'pickedUp' END,
                           \(now) - (i % 43200) * interval '1 minute', \(now) - (i % 43200) * interval '1 minute',
                           CASE WHEN i % 10 >= 2 THEN \(now) - (i % 43200) * interval '1 minute' + interval '20 hours' END,
                           i % 3, i
                    FROM generate_series(1, \(parcels)) AS i
                    """, logger: logger)
                try await connection.query("VACUUM ANALYZE county.parcel", logger: logger)
                try await connection.query("ANALYZE county.station", logger: logger)
                let rows = try await connection.query(
                    "SELECT count(*) FROM county.parcel WHERE state IN ('shelved', 'notified')", logger: logger)
                for try await count in rows.decode(Int64.self) { return Int(count) }
                return 0
            }
        }
        print("    generated: \(figures.waiting) parcels waiting")
        fflush(nil)
        let nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        let waiting = figures.waiting
        figures.reportMillis = try runBlocking {
            try await county.withConnection(logger: logger) { connection in
                let reports = CountyReports(connection: connection, logger: logger, timeZone: TimeZone(identifier: "Asia/Shanghai")!)
                var samples: [Double] = []
                for index in 0..<(iterations + 3) {
                    let began = monotonicNanos()
                    let report = try await reports.backlog(now: nowMillis, holdHours: 168)
                    if index >= 3 { samples.append(Double(monotonicNanos() - began) / 1e6) }
                    guard report.total == waiting else { throw BenchError("the report counted \(report.total) waiting parcels") }
                }
                return samples
            }
        }
        // The same SQL in psql, the same number of times in one session; psql's \timing is what it waits for.
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let literal = CountySQL.backlog.replacingOccurrences(of: "$1", with: "timestamptz '\(iso.string(from: now))'")
            .replacingOccurrences(of: "$2::int", with: "168")
        var script = "\\o /dev/null\n\\timing on\n"
        for _ in 0..<(iterations + 3) { script += literal + ";\n" + CountySQL.stations + ";\n" }
        try script.write(toFile: "\(root)/backlog.sql", atomically: true, encoding: .utf8)
        let output = try psql(server, database: county.database, file: "\(root)/backlog.sql")
        let times = output.split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix("Time: ") else { return nil }
            return Double(line.dropFirst(6).split(separator: " ").first ?? "")
        }
        // Each run is two statements (the backlog and the station list, as the report reads both).
        var pairs: [Double] = []
        var index = 0
        while index + 1 < times.count {
            pairs.append(times[index] + times[index + 1])
            index += 2
        }
        figures.psqlMillis = Array(pairs.dropFirst(3))
        try faults(server, root: root, rounds: rounds)
        return figures
    }

    static func psql(_ server: Server, database: String, file: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: server.psql)
        process.arguments = ["-X", "-q", "-h", server.host, "-p", String(server.port), "-U", server.owner, "-d", database, "-f", file]
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = server.password
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("psql failed: \(String(decoding: data, as: UTF8.self))") }
        return String(decoding: data, as: UTF8.self)
    }

    /// COPY's text format: backslash, tab and line ends escaped.
    static func copyText(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\t": escaped += "\\t"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    // MARK: C3, the link's faults

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Runs a command to its end (as `postgres` for PostgreSQL's own tools when this runs as root), through
    /// posix_spawn and waitpid: Foundation's Process was seen to miss a child's exit here and wait for ever.
    @discardableResult
    static func shell(_ arguments: [String], asServer: Bool = false) throws -> String {
        let full = asServer && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments
        let (status, text) = try Spawn.run(full)
        guard status == 0 else { throw BenchError("\(arguments.joined(separator: " ")) failed: \(text)") }
        return text
    }

    static func seconds(_ since: UInt64) -> Double { Double(monotonicNanos() - since) / 1e9 }

    /// A station registered on a fresh county database of `server`: its ledger, its engine and its link.
    static func station(_ server: Server, root: String, name: String) throws -> (CountyLink, StationEngine, ParcelStore) {
        let county = try freshDatabase(server, "bench_\(name)")
        let role = "bench_\(name)_\(county.database.split(separator: "_").last ?? "")"
        try runBlocking {
            try await county.withConnection(logger: logger) { connection in
                try await CountyAdmin.registerStation(
                    connection, id: "bench-01", name: "基准站", tier: .village, township: nil, role: role, password: "bench-pw", logger: logger
                )
            }
        }
        var link = county
        link.user = role
        link.password = "bench-pw"
        link.timeoutSeconds = 30  // the daemon's default
        let store = try ParcelStore(path: "\(root)/\(name).sqlite")
        let shelves = ShelfLayout(shelves: (1...4).map { .init(id: $0, layers: 4, layerCapacity: 999) })
        let engine = try runBlocking {
            try await StationEngine(
                store: store, settings: StationSettings(stationID: "bench-01", stationName: "基准站", shelves: shelves, codeCooldownHours: 0),
                clock: SystemClock(), logger: logger)
        }
        return (link, engine, store)
    }

    static func faults(_ server: Server, root: String, rounds: Int) throws {
        let script = "\(repositoryRoot)/scripts/county-test-db.sh"
        let proxyScript = "\(repositoryRoot)/Tests/Fixtures/county/link_proxy.py"
        guard FileManager.default.fileExists(atPath: script), FileManager.default.fileExists(atPath: proxyScript) else {
            print("[C3] skipped: needs the source tree (scripts/county-test-db.sh, Tests/Fixtures/county/link_proxy.py)")
            return
        }
        let pacing = SyncPacing()  // the daemon's: a poll every 2 s, the first retry after 2 s (±20 %)
        print(
            "[C3] county faults, with the daemon's pacing (poll \(pacing.pollInterval), first retry \(pacing.retryMin) ±20 %, deadline 32 s)"
        )
        fflush(nil)

        // C3a. A county of its own, restarted under an idle station.
        // Outside the work folder: PostgreSQL runs as its own user, which may not enter a folder made by root.
        let folder = "/tmp/parcel-county-restart-\(getpid())"
        try shell(["/bin/bash", script, "start", folder, String(getpid())])
        defer { _ = try? shell(["/bin/bash", script, "stop", folder]) }
        let env = try String(contentsOfFile: "\(folder)/env", encoding: .utf8)
        var values: [String: String] = [:]
        for line in env.split(separator: "\n") {
            let pair = line.replacingOccurrences(of: "export ", with: "").split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { values[pair[0]] = pair[1] }
        }
        guard let port = values["PARCEL_STATION_TEST_PG_PORT"].flatMap(Int.init), let password = values["PARCEL_STATION_TEST_PG_PASSWORD"],
            let bin = values["PARCEL_STATION_TEST_PG_BIN"]
        else { throw BenchError("the restartable PostgreSQL did not start") }
        let own = Server(host: "127.0.0.1", port: port, owner: "county_owner", password: password, psql: "\(bin)/psql")
        let pgctl = ["\(bin)/pg_ctl", "-D", "\(folder)/data"]
        let startOptions = "-c listen_addresses=127.0.0.1 -c port=\(port) -c unix_socket_directories='\(folder)' -c max_connections=200"
        let (link, engine, store) = try station(own, root: root, name: "restart")
        defer { try? store.close() }
        let staff = Caller(client: "parcel-bench", uid: 0, staff: "bench")
        var serial = 0
        func intake() throws {
            serial += 1
            let tracking = "75" + String(format: "%012d", 900_000 + serial)
            _ = try runBlocking { try await engine.intake(.init(scan: tracking, phoneTail: "0000"), by: staff) }
        }
        try intake()
        let source = LedgerOutboxSource(store: store)
        let syncer = CountySyncer(link: link, stationID: "bench-01", source: source, pacing: pacing, logger: logger)
        let task = Task { await syncer.run() }
        defer { task.cancel() }
        func caughtUp(within limit: Double) throws {
            let head = try runBlocking { try await source.head() }
            let began = monotonicNanos()
            while syncer.status.acknowledged < head || syncer.status.state != .idle {
                if seconds(began) > limit { throw BenchError("not caught up after \(limit) s: \(syncer.status)") }
                usleep(2_000)
            }
        }
        try caughtUp(within: 60)
        var connectMillis: [Double] = []
        var restartSeconds: [Double] = []
        var outageSeconds: [Double] = []
        for round in 1...rounds {
            // The baseline: a fresh connection and the county's last seq, as a session begins.
            let began = monotonicNanos()
            _ = try runBlocking {
                try await link.withConnection(logger: logger) {
                    try await CountyUploader.acknowledged($0, stationID: "bench-01", logger: logger)
                }
            }
            connectMillis.append(seconds(began) * 1000)
            try shell(pgctl + ["-m", "fast", "-w", "stop"], asServer: true)
            let stopped = monotonicNanos()
            try intake()
            try shell(pgctl + ["-l", "\(folder)/server.log", "-w", "-t", "60", "-o", startOptions, "start"], asServer: true)
            let back = monotonicNanos()
            try caughtUp(within: 120)
            restartSeconds.append(seconds(back))
            outageSeconds.append(seconds(stopped))
            print(
                String(
                    format:
                        "    round %d: server down %.2f s; caught up %.2f s after it accepted again (%.2f s after the stop); fresh connection %.1f ms",
                    round, Double(back - stopped) / 1e9, restartSeconds.last!, outageSeconds.last!, connectMillis.last!))
            fflush(nil)
        }
        task.cancel()

        // C3b. SIGTERM to a real daemon, its county reachable, then black-holed with a health check waiting.
        let daemon = ParcelBench.siblingDaemon()
        guard FileManager.default.isExecutableFile(atPath: daemon) else {
            print("[C3] SIGTERM part skipped: no parcel-stationd beside parcel-bench (swift build -c release --product parcel-stationd)")
            return
        }
        var reachableStop: [Double] = []
        var blackHoledStop: [Double] = []
        for round in 1...rounds {
            for blackHoled in [false, true] {
                let took = try stopDaemon(
                    daemon, server, root: "\(root)/sigterm-\(round)-\(blackHoled)", proxyScript: proxyScript, blackHole: blackHoled)
                if blackHoled { blackHoledStop.append(took) } else { reachableStop.append(took) }
            }
            print(
                String(
                    format: "    round %d: SIGTERM to exit %.3f s with the county black-holed, %.3f s with it reachable", round,
                    blackHoledStop.last!, reachableStop.last!))
            fflush(nil)
        }
        print("")
        print("Summary (county faults)")
        print(
            String(
                format:
                    "  county restart → caught up     %6.2f s (median; %.2f s after the stop)   baseline: first retry %.1f s ±20 %%, poll %.1f s, fresh connection %.1f ms",
                median(restartSeconds), median(outageSeconds), Double(pacing.retryMin / .milliseconds(1)) / 1000,
                Double(pacing.pollInterval / .milliseconds(1)) / 1000, median(connectMillis)))
        print(
            String(
                format:
                    "  SIGTERM → exit, county black-holed %6.3f s (median, max %.3f s)   baseline: county reachable %.3f s   bound 10 s   %@",
                median(blackHoledStop), blackHoledStop.max() ?? 0, median(reachableStop),
                (blackHoledStop.max() ?? 99) < 10 ? "PASS" : "FAIL"))
    }

    /// Starts a daemon uploading through the link proxy, waits until it is idle (and, with `blackHole`, until a
    /// health check waits on a black-holed link), sends SIGTERM and returns the seconds until it exited.
    static func stopDaemon(_ executable: String, _ server: Server, root: String, proxyScript: String, blackHole: Bool) throws -> Double {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let (link, _, store) = try station(server, root: root, name: "sigterm")
        try store.close()
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        proxy.arguments = [proxyScript, String(link.port)]
        let toProxy = Pipe()
        let fromProxy = Pipe()
        proxy.standardInput = toProxy
        proxy.standardOutput = fromProxy
        try proxy.run()
        defer {
            toProxy.fileHandleForWriting.write(Data("forward\nquit\n".utf8))
            proxy.waitUntilExit()
        }
        func readLine() -> String {
            var bytes: [UInt8] = []
            while let byte = fromProxy.fileHandleForReading.readData(ofLength: 1).first, byte != UInt8(ascii: "\n") { bytes.append(byte) }
            return String(decoding: bytes, as: UTF8.self)
        }
        guard let proxyPort = Int(readLine()) else { throw BenchError("the link proxy did not start") }
        let config = """
            {"station": {"id": "bench-01", "name": "基准站"},
             "county": {"host": "127.0.0.1", "port": \(proxyPort), "database": "\(link.database)", "user": "\(link.user)"}}
            """
        try config.write(toFile: "\(root)/config.json", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--state-dir", "\(root)/state", "--socket", "\(root)/s.sock", "--config", "\(root)/config.json"]
        var environment = ProcessInfo.processInfo.environment
        environment["PARCEL_STATION_COUNTY_PASSWORD"] = link.password
        for key in ["LISTEN_FDS", "LISTEN_PID", "NOTIFY_SOCKET", "WATCHDOG_USEC"] { environment[key] = nil }
        process.environment = environment
        FileManager.default.createFile(atPath: "\(root)/daemon.log", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: "\(root)/daemon.log")
        process.standardOutput = process.standardError
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        var connection: StationConnection?
        let began = monotonicNanos()
        while connection == nil, seconds(began) < 30 {
            connection = try? StationConnection(socketPath: "\(root)/s.sock", timeout: 30)
            if connection == nil { usleep(20_000) }
        }
        guard let connection else { throw BenchError("the daemon did not start") }
        _ = try connection.hello(client: "parcel-bench")
        func status() throws -> SyncStatusResult { try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self) }
        while try status().state != "idle" {
            if seconds(began) > 60 { throw BenchError("the daemon's sync did not become idle") }
            usleep(20_000)
        }
        if blackHole {
            toProxy.fileHandleForWriting.write(Data("blackhole\n".utf8))
            _ = readLine()
            // The next health check (within the 2 s poll) is sent and never answered.
            usleep(2_500_000)
            let stuck = try status()
            guard stuck.waitingOn == "query" else { throw BenchError("no health check waiting on the black hole: \(stuck)") }
        }
        let signalled = monotonicNanos()
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning {
            if seconds(signalled) > 60 { throw BenchError("the daemon was still running 60 s after SIGTERM") }
            usleep(1_000)
        }
        return seconds(signalled)
    }
}
