import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Where the county's PostgreSQL is and who this side logs in as: a station's own role for uploads, a county
/// staff role for reports, the database owner for migrations.
public struct CountyLink: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Codable { case disable, require }

    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String?
    /// A file holding the password, read at every connection (so a station starts, and keeps scanning, even
    /// before the file is there, and a changed password needs no restart). Wins over `password`.
    public var passwordFile: String?
    public var tls: TLSMode
    /// PEM file of the county's CA, for `tls: require` with a private CA; the system roots otherwise.
    public var caFile: String?
    /// Seconds to wait for a connection or for one statement before giving up on this attempt.
    public var timeoutSeconds: Int

    public init(
        host: String, port: Int = 5432, database: String, user: String, password: String? = nil, passwordFile: String? = nil,
        tls: TLSMode = .disable, caFile: String? = nil, timeoutSeconds: Int = 30
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.passwordFile = passwordFile
        self.tls = tls
        self.caFile = caFile
        self.timeoutSeconds = timeoutSeconds
    }

    /// The link named by libpq's variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD), which county
    /// staff already use with psql; nil when PGHOST or PGUSER is missing.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> CountyLink? {
        guard let host = environment["PGHOST"], let user = environment["PGUSER"] else { return nil }
        return CountyLink(
            host: host, port: environment["PGPORT"].flatMap(Int.init) ?? 5432, database: environment["PGDATABASE"] ?? user,
            user: user, password: environment["PGPASSWORD"], tls: environment["PGSSLMODE"] == "require" ? .require : .disable)
    }

    /// A short description for logs and status, without the password.
    public var description: String { "\(user)@\(host):\(port)/\(database)" }

    func configuration() throws -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable:
            tlsSetting = .disable
        case .require:
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            if let caFile { tlsConfiguration.trustRoots = .file(caFile) }
            tlsSetting = .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
        var password = password
        if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                throw CountyError("cannot read the county password file \(passwordFile)")
            }
            password = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: tlsSetting)
        configuration.options.connectTimeout = .seconds(Int64(timeoutSeconds))
        return configuration
    }

    /// Opens one connection (no pool: the uploader wants one ordered stream and its own retry rules) and runs
    /// `body` on it, closing it afterwards whatever happens.
    public func withConnection<T: Sendable>(
        logger: Logger, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: try configuration(), id: 1, logger: logger)
        do {
            // A half-open link must not hang an upload forever: the server cancels any statement running longer.
            try await connection.query("SET statement_timeout = \(unescaped: String(timeoutSeconds * 1000))", logger: logger)
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// A county-side failure, with PostgreSQL's own message when there is one.
public struct CountyError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// A readable one-line reason for any error from the link (PSQLError's default text hides the server's message).
    public static func reason(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                let code = psql.serverInfo?[.sqlState].map { " [\($0)]" } ?? ""
                return message + code
            }
            switch psql.code {
            case .serverClosedConnection: return "the county closed the connection (link lost?)"
            case .connectionError: return "cannot reach the county" + (psql.underlying.map { ": \($0)" } ?? "")
            case .queryCancelled: return "the county cancelled the statement (timeout)"
            default: return "\(psql.code)" + (psql.underlying.map { ": \($0)" } ?? "")
            }
        }
        return "\(error)"
    }
}

/// Runs async work from a synchronous command-line tool (parcelctl and parcel-bench are synchronous, like
/// their socket client) and waits for it. Not for use inside async code: it blocks the calling thread.
public func runBlocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = BlockingResult<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.set(.success(try await work())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.get()
}

private final class BlockingResult<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    func set(_ value: Result<T, any Error>) { result.withLock { $0 = value } }
    func get() throws -> T { try result.withLock { $0! }.get() }
}

/// The county link as written in a JSON configuration (the daemon's `county` section, `parcelctl county
/// --config`): one shape for both.
public struct CountyLinkSettings: Decodable, Sendable, Equatable {
    public var host: String
    public var port: Int?
    public var database: String
    /// The role to log in as: a station's own role for uploads, a reader's for reports.
    public var user: String
    /// A file holding the password (e.g. a systemd credential), so the configuration can stay world-readable.
    public var passwordFile: String?
    public var tls: CountyLink.TLSMode?
    public var caFile: String?
    public var timeoutSeconds: Int?

    /// The link; `password` (from the environment) is used when there is no password file.
    public func link(password: String?) -> CountyLink {
        CountyLink(
            host: host, port: port ?? 5432, database: database, user: user, password: password, passwordFile: passwordFile,
            tls: tls ?? .disable, caFile: caFile, timeoutSeconds: timeoutSeconds ?? 30)
    }
}
