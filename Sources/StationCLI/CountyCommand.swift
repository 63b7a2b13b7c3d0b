import ArgumentParser
import CountySync
import Foundation
import Logging
import PostgresNIO
import ReportRendering
import StrictJSON

/// `parcelctl county …`: the county side, straight on the county's PostgreSQL (no station daemon involved):
/// schema migrations and the register of stations for the database owner, reports for county staff.
struct County: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The county's PostgreSQL: migrate, register stations, and county-wide reports.",
        discussion: """
            The connection is --config FILE (JSON: host, port, database, user, passwordFile, tls, caFile), else the \
            libpq variables PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD (and PGSSLMODE=require), as for psql.
              parcelctl county migrate                                   (database owner)
              parcelctl county add-station cun-01 --name 李家村服务站 --tier village --township xiang-05 --role st_cun01 --password-file pw
              parcelctl county add-reader county_staff --password-file pw
              parcelctl county stations                                  (who uploaded what, and when)
              parcelctl county report backlog|overdue|handoffs|ranking|inactive|produce|assessment|problems [--csv|--html|--json] [-o FILE]
            """,
        subcommands: [
            CountyMigrate.self, CountyAddStation.self, CountyAddReader.self, CountyStations.self, CountyReport.self,
        ])
}

/// How `parcelctl county` reaches the county database.
struct CountyConnectionOptions: ParsableArguments {
    @Option(help: "JSON file with host, port, database, user, passwordFile, tls (disable|require), caFile, timeoutSeconds.")
    var config: String?

    func link() throws -> CountyLink {
        if let config {
            do {
                let settings = try StrictJSONDecoder().decode(CountyLinkSettings.self, from: Data(contentsOf: URL(fileURLWithPath: config)))
                return settings.link(password: ProcessInfo.processInfo.environment["PGPASSWORD"])
            } catch {
                throw CLIError("county configuration \(config): \(error)", code: 78)
            }
        }
        guard let link = CountyLink.fromEnvironment() else {
            throw CLIError("no county database: give --config FILE or set PGHOST, PGUSER (and PGDATABASE, PGPASSWORD)", code: 64)
        }
        return link
    }
}

extension CountyLink {
    /// Runs `body` on a connection, turning county failures into one readable line.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws -> T {
        let logger = Logger(label: "parcelctl") { _ in SwiftLogNoOpLogHandler() }
        do {
            return try runBlocking { try await self.withConnection(logger: logger) { try await body($0, logger) } }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("county \(description): \(CountyError.reason(error))", code: 69)
        }
    }
}

struct CountyMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or upgrade the county schema (as the database owner); safe to run again.")
    @OptionGroup var connection: CountyConnectionOptions

    func run() throws {
        let link = try connection.link()
        let (applied, version) = try link.run { connection, logger in
            let applied = try await CountyAdmin.migrate(connection, logger: logger)
            return (applied, try await CountyAdmin.schemaVersion(connection, logger: logger))
        }
        print(
            applied.isEmpty
                ? "county schema already at version \(version)"
                : "applied \(applied.map(String.init).joined(separator: ", ")); schema at version \(version)")
    }
}

func readPassword(_ path: String?) throws -> String {
    if let path {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError("cannot read \(path)", code: 66) }
        let password = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !password.isEmpty else { throw CLIError("\(path) is empty", code: 65) }
        return password
    }
    if let password = ProcessInfo.processInfo.environment["PARCEL_STATION_NEW_PASSWORD"], !password.isEmpty { return password }
    throw CLIError("give --password-file FILE (or PARCEL_STATION_NEW_PASSWORD) with the new role's password", code: 64)
}

struct CountyAddStation: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-station", abstract: "Register a station and its own database role (it may write only its own rows).")
    @OptionGroup var connection: CountyConnectionOptions
    @Argument(help: "The station's id, as in its configuration (station.id).") var id: String
    @Option(help: "The station's name.") var name: String
    @Option(help: "county, township or village.") var tier: String = "village"
    @Option(help: "The township station it belongs to.") var township: String?
    @Option(help: "The login role the station uploads with (lower-case letters, digits, _).") var role: String
    @Option(name: .customLong("password-file"), help: "File holding the role's password.") var passwordFile: String?

    func run() throws {
        guard let tier = CountyAdmin.Tier(rawValue: tier) else { throw ValidationError("--tier is county, township or village") }
        let password = try readPassword(passwordFile)
        let (id, name, township, role) = (id, name, township, role)
        try connection.link().run { connection, logger in
            try await CountyAdmin.registerStation(
                connection, id: id, name: name, tier: tier, township: township, role: role, password: password, logger: logger)
        }
        print("station \(id) registered; it uploads as \(role)")
    }
}

struct CountyAddReader: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-reader", abstract: "Create a county staff login that reads every report.")
    @OptionGroup var connection: CountyConnectionOptions
    @Argument(help: "The login role (lower-case letters, digits, _).") var role: String
    @Option(name: .customLong("password-file"), help: "File holding the role's password.") var passwordFile: String?

    func run() throws {
        let password = try readPassword(passwordFile)
        let role = role
        try connection.link().run { connection, logger in
            try await CountyAdmin.registerReader(connection, role: role, password: password, logger: logger)
        }
        print("\(role) may read the county reports")
    }
}

struct CountyStations: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stations", abstract: "Registered stations, what each has uploaded and when it was last heard from.")
    @OptionGroup var connection: CountyConnectionOptions
    @Flag(help: "JSON lines instead of a table.") var json = false

    struct Row: Codable, Sendable {
        let id: String
        let name: String
        let tier: String
        let events: Int64
        let lastSeq: Int64
        let lastEventAt: String?
        let lastUploadAt: String?
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    func run() throws {
        let rows = try connection.link().run { connection, logger in
            let sequence = try await connection.query(
                """
                SELECT s.id, s.name, s.tier, count(e.seq), coalesce(max(e.seq), 0)::bigint, max(e.at), max(e.received_at)
                FROM county.station s LEFT JOIN county.station_event e ON e.station_id = s.id
                GROUP BY s.id, s.name, s.tier ORDER BY s.id
                """, logger: logger)
            var rows: [Row] = []
            for try await (id, name, tier, events, last, at, received) in sequence.decode(
                (String, String, String, Int64, Int64, Date?, Date?).self)
            {
                rows.append(
                    Row(
                        id: id, name: name, tier: tier, events: events, lastSeq: last, lastEventAt: at.map(Self.iso),
                        lastUploadAt: received.map(Self.iso)))
            }
            return rows
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for row in rows { print(String(decoding: try encoder.encode(row), as: UTF8.self)) }
            return
        }
        guard !rows.isEmpty else { return print("no stations registered (parcelctl county add-station)") }
        print(
            Display.table(
                header: ["STATION", "NAME", "TIER", "EVENTS", "LAST EVENT", "LAST UPLOAD"],
                rows: rows.map {
                    [$0.id, $0.name, $0.tier, String($0.events), Display.time($0.lastEventAt), Display.time($0.lastUploadAt)]
                }))
    }
}

struct CountyReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "County-wide reports over every station's uploaded ledger.",
        discussion: """
              backlog      parcels on the shelf per station and courier, by age
              overdue      parcels past the hold period, and the stations holding them
              handoffs     unreconciled handoffs, and parcels handed on between stations but never scanned in
              ranking      monthly volume ranking; stations last three months running
              inactive     stations under 100 transactions in half a year
              produce      share of stations shipping produce up the chain (target 20 %)
              assessment   each station's 快递代办服务 item (15 points) with its inputs
              problems     problem parcels (问题件) per station and kind: open, opened and resolved in the period
            """)

    @OptionGroup var connection: CountyConnectionOptions
    @OptionGroup var output: ReportOutput
    @Argument(help: "backlog, overdue, handoffs, ranking, inactive, produce, assessment or problems.") var report: String
    @Option(help: "Month for ranking, inactive, produce and assessment (yyyy-MM; default this month).") var month: String?
    @Option(help: "First day (yyyy-MM-dd) for produce, assessment and problems instead of --month.") var from: String?
    @Option(help: "Last day (yyyy-MM-dd), with --from.") var to: String?
    @Option(name: .customLong("hold-hours"), help: "Hours on the shelf before a parcel is overdue.") var holdHours: Int = 168
    @Option(name: .customLong("grace-hours"), help: "Hours a handoff may stay open, or a parcel in transit, before it is listed.")
    var graceHours: Int = 24
    @Option(name: .customLong("time-zone"), help: "Time zone of days and months.") var timeZone: String = "Asia/Shanghai"
    @Option(name: .customLong("county-name"), help: "Shown under the title.") var countyName: String = "县级物流中心"
    @Flag(help: "The report as JSON.") var json = false

    func run() throws {
        guard let zone = TimeZone(identifier: timeZone) else { throw ValidationError("unknown time zone \(timeZone)") }
        guard ["backlog", "overdue", "handoffs", "ranking", "inactive", "produce", "assessment", "problems"].contains(report) else {
            throw ValidationError(
                "unknown report \(report): backlog, overdue, handoffs, ranking, inactive, produce, assessment or problems")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let formatter = DateFormatter()
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM"
        let month = month ?? formatter.string(from: Date())
        let period: CountyPeriod
        if let from {
            period = try CountyPeriod.days(from: from, to: to ?? from, zone: zone)
        } else {
            period = try CountyPeriod.months(ending: month, zone: zone)
        }
        let (report, holdHours, graceHours, countyName) = (report, holdHours, graceHours, countyName)
        let (encoded, document): (Data, ReportDocument) = try connection.link().run { connection, logger in
            let reports = CountyReports(connection: connection, logger: logger, timeZone: zone, countyName: countyName)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            switch report {
            case "backlog":
                let value = try await reports.backlog(now: now, holdHours: holdHours)
                return (try encoder.encode(value), reports.document(value))
            case "overdue":
                let value = try await reports.overdue(now: now, holdHours: holdHours)
                return (try encoder.encode(value), reports.document(value))
            case "handoffs":
                let value = try await reports.handoffs(now: now, graceHours: graceHours)
                return (try encoder.encode(value), reports.document(value, stations: try await reports.stations()))
            case "ranking":
                let value = try await reports.ranking(month: month, now: now)
                return (try encoder.encode(value), reports.document(value))
            case "inactive":
                let value = try await reports.inactive(month: month, now: now)
                return (try encoder.encode(value), reports.document(value))
            case "produce":
                let value = try await reports.produce(period: period, now: now)
                return (try encoder.encode(value), reports.document(value))
            case "problems":
                let value = try await reports.problems(period: period, now: now)
                return (try encoder.encode(value), reports.document(value))
            default:
                let value = try await reports.assessment(period: period, holdHours: holdHours, now: now)
                return (try encoder.encode(value), reports.document(value))
            }
        }
        try output.write(json: json ? Array(encoded) + [10] : nil, document: document)
    }
}
