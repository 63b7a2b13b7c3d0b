import CountySync
import Foundation
import Logging
import PostgresNIO
import StationTestSupport
import Synchronization

/// The real PostgreSQL the county tests run against: the one `scripts/test.sh` started (PARCEL_STATION_TEST_PG_*),
/// or, when the tests run alone, one started here with the same script and stopped when the process exits.
enum CountyTestServer {
    struct Server: Sendable {
        let host: String
        let port: Int
        let owner: String
        let password: String
        let bin: String
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    private static let started = Mutex<Server?>(nil)
    static let logger = Logger(label: "county-test")

    static func server() throws -> Server {
        try started.withLock { cached in
            if let cached { return cached }
            var environment = ProcessInfo.processInfo.environment
            if environment["PARCEL_STATION_TEST_PG_PORT"] == nil {
                let folder = "/tmp/parcel-county-test-\(getpid())"
                let script = "\(repositoryRoot)/scripts/county-test-db.sh"
                // The script's watcher stops the server once this test process has gone, however it ends.
                try run(["/bin/bash", script, "start", folder, String(getpid())])
                let text = try String(contentsOfFile: "\(folder)/env", encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let pair = line.replacingOccurrences(of: "export ", with: "").split(separator: "=", maxSplits: 1).map(String.init)
                    if pair.count == 2 { environment[pair[0]] = pair[1] }
                }
            }
            guard let port = environment["PARCEL_STATION_TEST_PG_PORT"].flatMap(Int.init),
                let password = environment["PARCEL_STATION_TEST_PG_PASSWORD"]
            else { throw CountyError("no test PostgreSQL: run scripts/test.sh or scripts/county-test-db.sh start DIR") }
            let server = Server(
                host: environment["PARCEL_STATION_TEST_PG_HOST"] ?? "127.0.0.1", port: port,
                owner: environment["PARCEL_STATION_TEST_PG_USER"] ?? "county_owner", password: password,
                bin: environment["PARCEL_STATION_TEST_PG_BIN"] ?? "/usr/lib/postgresql/15/bin")
            cached = server
            return server
        }
    }

    /// Runs a command with its output in a file, not a pipe, through posix_spawn and waitpid: other tests spawn
    /// processes at the same time, and one of them inheriting a pipe's write end would keep a read to the end
    /// waiting for as long as it lives; and this runs under a lock on a test thread, where Foundation's Process
    /// did not always notice its child's exit.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let (status, text) = try Spawn.run(arguments)
        guard status == 0 else { throw CountyError("\(arguments.joined(separator: " ")) failed (\(status)): \(text)") }
        return text
    }

    private static let groupRoles = Mutex<[Int: Task<Void, any Error>]>([:])

    /// The county's group roles are cluster-wide: made once, before suites running side by side migrate their
    /// own databases (two migrations creating the same role at the same moment would collide).
    static func ensureGroupRoles(_ server: Server) async throws {
        let task = groupRoles.withLock { tasks -> Task<Void, any Error> in
            if let existing = tasks[server.port] { return existing }
            let task = Task {
                let admin = CountyLink(
                    host: server.host, port: server.port, database: "postgres", user: server.owner, password: server.password)
                try await admin.withConnection(logger: logger) { connection in
                    for role in [CountySchema.stationGroup, CountySchema.readerGroup] {
                        try await connection.query(
                            """
                            DO $$ BEGIN
                                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(unescaped: role)') THEN CREATE ROLE \(unescaped: role) NOLOGIN; END IF;
                            END $$
                            """, logger: logger)
                    }
                }
            }
            tasks[server.port] = task
            return task
        }
        try await task.value
    }

    /// A new database on the test server, migrated, with its owner's link.
    static func freshDatabase(_ name: String = "county", on own: Server? = nil) async throws -> CountyLink {
        let server = try own ?? server()
        try await ensureGroupRoles(server)
        let database = "\(name)_\(UInt32.random(in: 0...UInt32.max))"
        let admin = CountyLink(host: server.host, port: server.port, database: "postgres", user: server.owner, password: server.password)
        try await admin.withConnection(logger: logger) { connection in
            try await connection.query("CREATE DATABASE \(unescaped: database)", logger: logger)
        }
        let owner = CountyLink(host: server.host, port: server.port, database: database, user: server.owner, password: server.password)
        try await owner.withConnection(logger: logger) { connection in
            _ = try await CountyAdmin.migrate(connection, logger: logger)
        }
        return owner
    }

    /// Registers a station on the owner's database and returns the link the station uploads with.
    static func registerStation(
        _ owner: CountyLink, id: String, name: String, tier: CountyAdmin.Tier = .village, township: String? = "xiang-05"
    ) async throws -> CountyLink {
        let role = "st_\(id.replacingOccurrences(of: "-", with: "_"))_\(owner.database.split(separator: "_").last ?? "")"
        let password = "pw-\(UInt64.random(in: 0...UInt64.max))"
        try await owner.withConnection(logger: logger) { connection in
            try await CountyAdmin.registerStation(
                connection, id: id, name: name, tier: tier, township: township, role: role, password: password, logger: logger)
        }
        var link = owner
        link.user = role
        link.password = password
        return link
    }

    static func text(_ cell: PostgresCell) -> String {
        if cell.bytes == nil { return "∅" }
        switch cell.dataType {
        case .int2, .int4, .int8: return (try? cell.decode(Int64.self)).map { String($0) } ?? "?"
        case .bool: return (try? cell.decode(Bool.self)).map { String($0) } ?? "?"
        case .float4, .float8: return (try? cell.decode(Double.self)).map { String($0) } ?? "?"
        default: return (try? cell.decode(String.self)) ?? "? (cast \(cell.dataType) to text)"
        }
    }

    /// Rows of a query on the owner's link, each column as text (NULL as "∅"), for checks.
    static func rows(_ link: CountyLink, _ sql: String) async throws -> [[String]] {
        try await link.withConnection(logger: logger) { connection in
            let result = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            var rows: [[String]] = []
            for try await row in result {
                rows.append(row.makeRandomAccess().map(text))
            }
            return rows
        }
    }
}

/// A PostgreSQL of one test's own, for what must not disturb the suites sharing the main one: a restart, a
/// failover. Started with the same script; stopped and removed when the test lets go of it.
final class OwnCountyServer: @unchecked Sendable {
    let folder: String
    let server: CountyTestServer.Server

    init() throws {
        folder = "/tmp/parcel-county-own-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try CountyTestServer.run([
            "/bin/bash", "\(CountyTestServer.repositoryRoot)/scripts/county-test-db.sh", "start", folder, String(getpid()),
        ])
        var values: [String: String] = [:]
        for line in try String(contentsOfFile: "\(folder)/env", encoding: .utf8).split(separator: "\n") {
            let pair = line.replacingOccurrences(of: "export ", with: "").split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { values[pair[0]] = pair[1] }
        }
        guard let port = values["PARCEL_STATION_TEST_PG_PORT"].flatMap(Int.init), let password = values["PARCEL_STATION_TEST_PG_PASSWORD"],
            let bin = values["PARCEL_STATION_TEST_PG_BIN"]
        else { throw CountyError("the own test PostgreSQL did not start") }
        server = .init(host: "127.0.0.1", port: port, owner: "county_owner", password: password, bin: bin)
    }

    /// A streaming replica of `primary` (pg_basebackup -R), started on a port of its own.
    init(replicaOf primary: OwnCountyServer) throws {
        folder = "/tmp/parcel-county-own-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let source = primary.server
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if getuid() == 0 { try CountyTestServer.run(["/bin/chown", "postgres:", folder]) }
        try Self.asServer([
            "/usr/bin/env", "PGPASSWORD=\(source.password)", "\(source.bin)/pg_basebackup", "-h", source.host, "-p", String(source.port),
            "-U", source.owner, "-D", "\(folder)/data", "-R", "-X", "stream", "-c", "fast",
        ])
        let port = try Self.freePort()
        server = .init(host: "127.0.0.1", port: port, owner: source.owner, password: source.password, bin: source.bin)
        try start()
        // Like the script's own servers: stopped by a watcher once this test process has gone, however it ends.
        try CountyTestServer.run([
            "/bin/bash", "-c",
            "setsid bash -c 'while kill -0 \"$1\" 2>/dev/null; do sleep 2; done; exec \"$2\" stop \"$3\"' watcher \(getpid()) "
                + "'\(CountyTestServer.repositoryRoot)/scripts/county-test-db.sh' '\(folder)' </dev/null >/dev/null 2>&1 &",
        ])
    }

    static func freePort() throws -> Int {
        let text = try CountyTestServer.run([
            "/usr/bin/python3", "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])",
        ])
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw CountyError("no free port") }
        return port
    }

    /// Runs a command as the `postgres` user when the tests run as root (initdb and postgres refuse root).
    @discardableResult
    static func asServer(_ arguments: [String]) throws -> String {
        try CountyTestServer.run(getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments)
    }

    /// `pg_ctl stop` in the given mode: `fast` (what an administrator's restart does) or `immediate` (a crash).
    func stop(mode: String = "fast") throws {
        try Self.asServer(["\(server.bin)/pg_ctl", "-D", "\(folder)/data", "-m", mode, "-w", "stop"])
    }

    /// Starts it again on the same data folder and port.
    func start() throws {
        try Self.asServer([
            "\(server.bin)/pg_ctl", "-D", "\(folder)/data", "-l", "\(folder)/server.log", "-w", "-t", "60", "-o",
            "-c listen_addresses=127.0.0.1 -c port=\(server.port) -c unix_socket_directories='\(folder)' -c max_connections=200", "start",
        ])
    }

    /// Ends recovery on a replica: it becomes a primary taking writes.
    func promote() throws {
        try Self.asServer(["\(server.bin)/pg_ctl", "-D", "\(folder)/data", "-w", "promote"])
    }

    deinit {
        _ = try? CountyTestServer.run(["/bin/bash", "\(CountyTestServer.repositoryRoot)/scripts/county-test-db.sh", "stop", folder])
    }
}
