public import Foundation
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
public import ParcelDomain
public import PostgresNIO
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

    /// The settings for a connection on `channel` (already connected, with keepalive on).
    func configuration(on channel: any Channel) throws -> PostgresConnection.Configuration {
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
                throw CountyError("cannot read the county password file \(passwordFile)", failure: .passwordFile)
            }
            password = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var configuration = PostgresConnection.Configuration(
            establishedChannel: channel, tls: tlsSetting, username: user, password: password, database: database)
        // The handshake's own deadline; and the name TLS checks, which a bare channel does not carry.
        configuration.options.connectTimeout = .seconds(Int64(timeoutSeconds))
        if !Self.isIPAddress(host) { configuration.options.tlsServerName = host }
        return configuration
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// How long one statement (or the connection with its login) may take before the station gives up on the
    /// link: the server's statement_timeout plus a margin, so a slow statement still ends with the server's own
    /// error and only a silent link ends here.
    public var deadline: Duration { .seconds(timeoutSeconds) + .seconds(2) }

    /// TCP keepalive on the county socket: a link that died while waiting for a reply (a report's long query, a
    /// dropped mobile network) is noticed by the kernel after about `timeoutSeconds` even where no deadline
    /// of ours is running; TCP_USER_TIMEOUT does the same for data the county never acknowledges.
    func keepaliveOptions() -> [(ChannelOptions.Types.SocketOption, SocketOptionValue)] {
        func option(_ level: Int32, _ name: Int32) -> ChannelOptions.Types.SocketOption {
            .init(level: SocketOptionLevel(level), name: SocketOptionName(name))
        }
        let idle = SocketOptionValue(max(5, timeoutSeconds / 2))
        return [
            (option(SOL_SOCKET, SO_KEEPALIVE), 1),
            (option(Int32(IPPROTO_TCP), TCP_KEEPIDLE), idle),
            (option(Int32(IPPROTO_TCP), TCP_KEEPINTVL), max(1, idle / 3)),
            (option(Int32(IPPROTO_TCP), TCP_KEEPCNT), 3),
            (option(Int32(IPPROTO_TCP), TCP_USER_TIMEOUT), SocketOptionValue(timeoutSeconds * 1000)),
        ]
    }

    /// Opens one connection and logs in, all within `deadline`; `SET statement_timeout` makes the server end
    /// any statement that runs longer than `timeoutSeconds`.
    public func connect(logger: Logger) async throws -> PostgresConnection {
        let link = self
        return try await withCountyDeadline(
            deadline, "connecting to \(host):\(port)",
            late: { connection in Self.drop(connection) }
        ) {
            var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(Int64(link.timeoutSeconds)))
            for (option, value) in link.keepaliveOptions() { bootstrap = bootstrap.channelOption(option, value: value) }
            let channel = try await bootstrap.connect(host: link.host, port: link.port).get()
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(
                    on: channel.eventLoop, configuration: try link.configuration(on: channel), id: 1, logger: logger)
            } catch {
                channel.close(promise: nil)
                throw error
            }
            do {
                try await connection.query("SET statement_timeout = \(unescaped: String(link.timeoutSeconds * 1000))", logger: logger)
            } catch {
                Self.drop(connection)
                throw error
            }
            return connection
        }
    }

    /// Closes the socket at once, without the goodbye a dead link would never carry (the connection is kept
    /// until its channel has closed: PostgresNIO insists on that before it goes).
    static func drop(_ connection: PostgresConnection) {
        let closed: EventLoopFuture<Void> = connection.close()
        closed.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Runs one call on `connection` within `deadline`. When the deadline (or the caller's cancellation) comes
    /// first the connection is closed, so the abandoned call fails instead of waiting for ever, and the caller
    /// gets `CountyTimeout` (or `CancellationError`) at once: the connection is then of no further use.
    public func guarded<T: Sendable>(
        _ connection: PostgresConnection, _ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        // A query written to a channel that has already closed is never answered (PostgresNIO drops it).
        guard !connection.isClosed else { throw CountyError.linkLost }
        return try await withCountyDeadline(deadline, what, giveUp: { Self.drop(connection) }) {
            try await body(connection)
        }
    }

    /// Opens one connection (no pool: the uploader wants one ordered stream and its own retry rules) and runs
    /// `body` on it, closing it afterwards whatever happens.
    public func withConnection<T: Sendable>(
        logger: Logger, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await connect(logger: logger)
        do {
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
    /// The class a sync status shows for it, when this side knows it (an unreadable password file, a lost link).
    public let failure: SyncFailure?

    public init(_ description: String, failure: SyncFailure? = nil) {
        self.description = description
        self.failure = failure
    }

    static let linkLost = CountyError(SyncFailure.linkLost.message, failure: .linkLost)

    /// A readable one-line reason for any error from the link (PSQLError's default text hides the server's message).
    public static func reason(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                let code = psql.serverInfo?[.sqlState].map { " [\($0)]" } ?? ""
                return message + code
            }
            switch psql.code {
            case .serverClosedConnection, .uncleanShutdown: return linkLost.description
            case .connectionError:
                // Our own socket (opened for keepalive) can be closed by the far end before the login starts.
                if let channel = psql.underlying as? ChannelError, channel == .alreadyClosed || channel == .ioOnClosedChannel {
                    return linkLost.description
                }
                return "cannot reach the county" + (psql.underlying.map { ": \($0)" } ?? "")
            case .queryCancelled: return "the county cancelled the statement (timeout)"
            default: return "\(psql.code)" + (psql.underlying.map { ": \($0)" } ?? "")
            }
        }
        return "\(error)"
    }

    /// The class of any error from the link, for `Sync.Status`: a sentence safe to show any client, where `reason`
    /// (PostgreSQL's message, the network's error) is for the daemon's log and for county staff's own tools.
    public static func failure(_ error: any Error) -> SyncFailure {
        switch error {
        case let county as CountyError: return county.failure ?? .other
        case is CountyTimeout: return .timedOut
        case let psql as PSQLError: return failure(psql)
        case is NIOSSLError, is BoringSSLError: return .loginRefused
        case let channel as ChannelError: return failure(channel)
        case is NIOConnectionError, is IOError, is SocketAddressError: return .unreachable
        default: return .other
        }
    }

    static func failure(_ psql: PSQLError) -> SyncFailure {
        if let state = psql.serverInfo?[.sqlState] { return failure(sqlState: state) }
        switch psql.code {
        case .serverClosedConnection, .uncleanShutdown: return .linkLost
        case .queryCancelled: return .timedOut
        case .sslUnsupported, .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest, .unsupportedAuthMechanism,
            .authMechanismRequiresPassword, .saslError:
            return .loginRefused
        case .connectionError:
            guard let underlying = psql.underlying else { return .unreachable }
            let inner = failure(underlying)
            return inner == .other ? .unreachable : inner
        default: return .other
        }
    }

    static func failure(_ channel: ChannelError) -> SyncFailure {
        switch channel {
        // Our own socket (opened for keepalive) can be closed by the far end before the login starts.
        case .alreadyClosed, .ioOnClosedChannel, .eof, .outputClosed, .inputClosed: .linkLost
        default: .unreachable
        }
    }

    /// By PostgreSQL's SQLSTATE (its manual's Appendix A): the code, never the server's text, decides.
    static func failure(sqlState: String) -> SyncFailure {
        switch sqlState {
        case "57014": return .timedOut  // query_canceled: the statement_timeout the link sets
        case "25006", "57P03": return .readOnly  // read-only transaction (a standby); cannot connect now (recovery, start-up)
        case "57P01", "57P02": return .linkLost  // the server ended the session (shutdown, crash)
        case "3D000": return .loginRefused  // no such database
        default: break
        }
        switch sqlState.prefix(2) {
        case "28": return .loginRefused  // role, password, pg_hba.conf
        case "53": return .busy  // too many connections, disk full, out of memory
        case "08": return .unreachable  // connection exceptions
        // Data, constraints, schema and privileges (row-level security), triggers' RAISE (the gap check's PS001).
        case "22", "23", "42", "44", "P0", "PS": return .batchRefused
        default: return .other
        }
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
