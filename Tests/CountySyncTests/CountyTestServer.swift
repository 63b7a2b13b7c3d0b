import CountySync
import Foundation
import Logging
import PostgresNIO
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
        let log = "/tmp/county-test-\(UUID().uuidString).log"
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, &argv, environ)
        guard spawned == 0 else { throw CountyError("cannot run \(arguments[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard status == 0 else { throw CountyError("\(arguments.joined(separator: " ")) failed (\(status)): \(text)") }
        return text
    }

    private static let groupRoles = Mutex<Task<Void, any Error>?>(nil)

    /// The county's group roles are cluster-wide: made once, before suites running side by side migrate their
    /// own databases (two migrations creating the same role at the same moment would collide).
    static func ensureGroupRoles(_ server: Server) async throws {
        let task = groupRoles.withLock { existing -> Task<Void, any Error> in
            if let existing { return existing }
            let task = Task {
                let admin = CountyLink(host: server.host, port: server.port, database: "postgres", user: server.owner, password: server.password)
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
            existing = task
            return task
        }
        try await task.value
    }

    /// A new database on the test server, migrated, with its owner's link.
    static func freshDatabase(_ name: String = "county") async throws -> CountyLink {
        let server = try server()
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
