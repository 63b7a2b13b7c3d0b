import Foundation
import Logging
public import PostgresNIO

/// What the county's database owner runs: schema migrations and the register of stations with their roles.
public enum CountyAdmin {
    /// Splits our own migration text into statements (the extended protocol takes one at a time): a statement
    /// ends with `;` at the end of a line outside a `$$` body. Only for the project's SQL, not arbitrary input.
    static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current: [Substring] = []
        var inBody = false
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            current.append(line)
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if !inBody, !trimmed.hasPrefix("--"), trimmed.hasSuffix(";") {
                statements.append(current.joined(separator: "\n"))
                current = []
            }
        }
        let rest = current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    static func run(_ connection: PostgresConnection, _ sql: String, logger: Logger) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }

    /// Applies every migration the database lacks, each in its own transaction, and returns the versions applied.
    /// Safe to run again: a version already recorded is skipped; two owners migrating at once serialise on an
    /// advisory lock.
    @discardableResult
    public static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        try await run(connection, "SELECT pg_advisory_lock(7405273)", logger: logger)
        do {
            try await run(connection, "BEGIN", logger: logger)
            for statement in statements(CountySchema.bootstrap) { try await run(connection, statement, logger: logger) }
            try await run(connection, "COMMIT", logger: logger)
            var applied: [Int] = []
            let rows = try await connection.query("SELECT version FROM county.schema_migration", logger: logger)
            var present = Set<Int>()
            for try await version in rows.decode(Int.self) { present.insert(version) }
            for migration in CountySchema.migrations where !present.contains(migration.version) {
                try await run(connection, "BEGIN", logger: logger)
                do {
                    for statement in statements(migration.sql) { try await run(connection, statement, logger: logger) }
                    try await connection.query(
                        "INSERT INTO county.schema_migration (version, name) VALUES (\(migration.version), \(migration.name))",
                        logger: logger)
                    try await run(connection, "COMMIT", logger: logger)
                } catch {
                    try? await run(connection, "ROLLBACK", logger: logger)
                    throw CountyError("migration \(migration.version) (\(migration.name)): \(CountyError.reason(error))")
                }
                applied.append(migration.version)
            }
            try await run(connection, "SELECT pg_advisory_unlock(7405273)", logger: logger)
            return applied
        } catch {
            try? await run(connection, "SELECT pg_advisory_unlock(7405273)", logger: logger)
            throw error
        }
    }

    /// The schema version the database is at (0 when never migrated).
    public static func schemaVersion(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            "SELECT coalesce((SELECT max(version) FROM county.schema_migration), 0) WHERE to_regclass('county.schema_migration') IS NOT NULL",
            logger: logger)
        for try await version in rows.decode(Int.self) { return version }
        return 0
    }

    public enum Tier: String, Sendable, CaseIterable { case county, township, village }

    /// Creates the login role when missing, or sets its password. Role names cannot be bound as parameters, so
    /// the name is checked first and the statement is built by the server's own `format` (%I, %L).
    static func ensureLoginRole(_ connection: PostgresConnection, role: String, password: String, logger: Logger) async throws {
        guard role.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw CountyError("a role name is lower-case letters, digits and _ (got \(role))")
        }
        let exists = try await connection.query("SELECT 1 FROM pg_roles WHERE rolname = \(role)", logger: logger)
        var found = false
        for try await _ in exists { found = true }
        let statement = try await connection.query(
            "SELECT format('\(unescaped: found ? "ALTER" : "CREATE") ROLE %I LOGIN PASSWORD %L', \(role)::text, \(password)::text)",
            logger: logger)
        var sql = ""
        for try await text in statement.decode(String.self) { sql = text }
        try await run(connection, sql, logger: logger)
    }

    /// Registers a station with its own login role, member of the station group, so it can upload only its own
    /// rows. Registering again updates the name, tier, township and password.
    public static func registerStation(
        _ connection: PostgresConnection, id: String, name: String, tier: Tier, township: String?, role: String, password: String,
        logger: Logger
    ) async throws {
        try await run(connection, "BEGIN", logger: logger)
        do {
            try await ensureLoginRole(connection, role: role, password: password, logger: logger)
            try await run(connection, "GRANT \(CountySchema.stationGroup) TO \(role)", logger: logger)
            try await connection.query(
                """
                INSERT INTO county.station (id, name, tier, township, db_role) VALUES (\(id), \(name), \(tier.rawValue), \(township), \(role))
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, tier = EXCLUDED.tier, township = EXCLUDED.township,
                    db_role = EXCLUDED.db_role
                """, logger: logger)
            try await run(connection, "COMMIT", logger: logger)
        } catch {
            try? await run(connection, "ROLLBACK", logger: logger)
            throw CountyError("registering station \(id): \(CountyError.reason(error))")
        }
    }

    /// Creates (or updates) a county staff login that may read every report.
    public static func registerReader(_ connection: PostgresConnection, role: String, password: String, logger: Logger) async throws {
        try await ensureLoginRole(connection, role: role, password: password, logger: logger)
        try await run(connection, "GRANT \(CountySchema.readerGroup) TO \(role)", logger: logger)
    }
}
