public import Foundation
public import Logging
public import NIOCore
import NIOPosix
public import ServiceLifecycle
public import StationEngine
import StationProtocol
import Synchronization

/// Limits and the listening socket of the station server.
public struct ServerConfiguration: Sendable {
    /// Where to bind, when no socket was passed by systemd.
    public var socketPath: String
    /// A listening socket passed by systemd (`LISTEN_FDS`); when set, `socketPath` is informational.
    public var adoptedDescriptor: Int32?
    /// Longest request line accepted, in bytes.
    public var maximumLineLength: Int
    /// Connections served at once; one more is answered `server.busy` and closed.
    public var maximumConnections: Int
    /// Connections one user (peer uid) may hold at once; one more is answered `connection.tooMany` and closed,
    /// so one user's tools cannot take every connection from the others.
    public var maximumConnectionsPerUser: Int
    /// Longest a request line may take to arrive after its first byte (`request.lineTimeout`, then closed).
    public var lineTimeout: TimeAmount
    /// A connection with no request in progress and no subscription is closed after this long.
    public var idleTimeout: TimeAmount
    /// Permissions of a socket file the daemon binds itself (systemd's socket unit sets its own).
    public var socketMode: mode_t
    /// How long shutdown waits for requests in progress.
    public var drainTimeout: Duration

    public init(
        socketPath: String, adoptedDescriptor: Int32? = nil, maximumLineLength: Int = 64 * 1024, maximumConnections: Int = 256,
        maximumConnectionsPerUser: Int = 224, lineTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(300),
        socketMode: mode_t = 0o660, drainTimeout: Duration = .seconds(10)
    ) {
        self.socketPath = socketPath
        self.adoptedDescriptor = adoptedDescriptor
        self.maximumLineLength = maximumLineLength
        self.maximumConnections = maximumConnections
        self.maximumConnectionsPerUser = maximumConnectionsPerUser
        self.lineTimeout = lineTimeout
        self.idleTimeout = idleTimeout
        self.socketMode = socketMode
        self.drainTimeout = drainTimeout
    }
}

/// Errors starting the server.
public enum ServerError: Error, CustomStringConvertible {
    case socketInUse(String)
    case socketPathTooLong(String)

    public var description: String {
        switch self {
        case .socketInUse(let path): "another daemon is already listening on \(path)"
        case .socketPathTooLong(let path): "socket path is longer than 107 bytes: \(path)"
        }
    }
}

/// Counts requests in progress so shutdown can finish them before the store closes.
final class RequestTracker: Sendable {
    private struct State {
        var inFlight = 0
        var draining = false
    }
    private let state = Mutex(State())

    /// False once shutdown has begun: the request is refused.
    func begin() -> Bool {
        state.withLock { state in
            guard !state.draining else { return false }
            state.inFlight += 1
            return true
        }
    }

    func end() { state.withLock { $0.inFlight -= 1 } }

    func stopAccepting() { state.withLock { $0.draining = true } }

    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Waits until no request is in progress, or `timeout` passes.
    func waitUntilIdle(timeout: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while inFlight > 0 && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// The station's Unix-socket server: newline-delimited JSON over `AF_UNIX` (see Protocol.md).
///
/// Runs as a ServiceLifecycle service. On graceful shutdown it stops accepting, refuses new requests, lets
/// the requests in progress finish and reply, then closes every connection. The store is closed after this
/// service returns.
public final class StationServer: Service, Sendable {
    let configuration: ServerConfiguration
    let engine: StationEngine
    let policy: AccessPolicy
    let logger: Logger
    let onReady: @Sendable (String) -> Void
    let onShutdown: @Sendable () -> Void
    let tracker = RequestTracker()
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    /// Open connections per peer uid, for `maximumConnectionsPerUser`.
    private let perUser = Mutex<[UInt32: Int]>([:])

    public init(
        configuration: ServerConfiguration, engine: StationEngine, policy: AccessPolicy, logger: Logger,
        onReady: @escaping @Sendable (String) -> Void = { _ in }, onShutdown: @escaping @Sendable () -> Void = {}
    ) {
        self.configuration = configuration
        self.engine = engine
        self.policy = policy
        self.logger = logger
        self.onReady = onReady
        self.onShutdown = onShutdown
    }

    /// Open connections right now.
    public var connectionCount: Int { channels.withLock { $0.count } }

    public func run() async throws {
        let dispatcher = RequestDispatcher(
            engine: engine, serverName: "parcel-stationd \(StationServerVersion.string)", logger: logger,
            connections: { [weak self] in self?.connectionCount ?? 0 })
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 64 * 1024, high: 1024 * 1024))
            .childChannelInitializer { [self] channel in
                self.initialize(channel: channel, dispatcher: dispatcher)
            }
        let serverChannel: any Channel
        if let fd = configuration.adoptedDescriptor {
            serverChannel = try await bootstrap.withBoundSocket(fd).get()
            logger.info("listening on socket passed by systemd (fd \(fd))")
        } else {
            try Self.prepareSocketPath(configuration.socketPath)
            serverChannel = try await bootstrap.bind(unixDomainSocketPath: configuration.socketPath, cleanupExistingSocketFile: true).get()
            chmod(configuration.socketPath, configuration.socketMode)
            logger.info("listening on \(configuration.socketPath)")
        }
        onReady(configuration.socketPath)

        // Serve until SIGTERM / SIGINT (or cancellation).
        try? await gracefulShutdown()

        logger.info("shutting down: no new connections or requests")
        onShutdown()
        tracker.stopAccepting()
        try? await serverChannel.close()
        await tracker.waitUntilIdle(timeout: configuration.drainTimeout)
        if tracker.inFlight > 0 { logger.warning("\(tracker.inFlight) requests still running at shutdown") }
        // Let the last replies flush before closing.
        let open = channels.withLock { Array($0.values) }
        for channel in open { try? await channel.close() }
        engine.finishSubscriptions()
        if configuration.adoptedDescriptor == nil { unlink(configuration.socketPath) }
        logger.info("server stopped")
    }

    private func initialize(channel: any Channel, dispatcher: RequestDispatcher) -> EventLoopFuture<Void> {
        let id = ObjectIdentifier(channel)
        let admitted = channels.withLock { channels -> Bool in
            guard channels.count < configuration.maximumConnections else { return false }
            channels[id] = channel
            return true
        }
        guard admitted else {
            logger.warning("connection refused: \(configuration.maximumConnections) connections open")
            let line = RequestDispatcher.errorLine(
                id: nil, WireError(.busy, "too many connections (\(configuration.maximumConnections)); try again"))
            return channel.pipeline.addHandler(RejectHandler(line: line))
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.channels.withLock { $0.removeValue(forKey: id) }
        }
        let peerFuture: EventLoopFuture<PeerCredentials?>
        if let provider = channel as? any SocketOptionProvider {
            // SO_PEERCRED (17 on Linux) fills a `struct ucred { pid_t; uid_t; gid_t; }`, which `PeerCredentials`
            // mirrors field for field; Glibc's Swift overlay does not export `ucred` itself.
            peerFuture = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(17))
                .map { (cred: PeerCredentials) -> PeerCredentials? in cred }
                .recover { _ in nil }
        } else {
            peerFuture = channel.eventLoop.makeSucceededFuture(nil)
        }
        return peerFuture.flatMapThrowing { [self] peer in
            // On the channel's event loop here, so the handlers are added synchronously (they are not Sendable).
            if let uid = peer?.uid, !admit(uid: uid, channel: channel) {
                logger.warning("connection refused: uid \(uid) has \(configuration.maximumConnectionsPerUser) connections open")
                let line = RequestDispatcher.errorLine(
                    id: nil,
                    WireError(
                        .tooManyConnections,
                        "this user already has \(configuration.maximumConnectionsPerUser) connections open; close one and try again"))
                try channel.pipeline.syncOperations.addHandler(RejectHandler(line: line))
                return
            }
            let state = ConnectionState(peer: peer, mayWrite: policy.mayWrite(peer))
            let timeoutLine = RequestDispatcher.errorLine(
                id: nil,
                WireError(
                    .lineTimeout,
                    "a request line must arrive in full within \(configuration.lineTimeout.nanoseconds / 1_000_000_000) s; closing"))
            try channel.pipeline.syncOperations.addHandlers([
                LineDeadlineHandler(timeout: configuration.lineTimeout, reply: timeoutLine),
                IdleStateHandler(readTimeout: configuration.idleTimeout),
                ByteToMessageHandler(LineFrameDecoder(maximumLength: configuration.maximumLineLength)),
                ConnectionHandler(
                    state: state, dispatcher: dispatcher, tracker: tracker, maximumLineLength: configuration.maximumLineLength,
                    logger: logger),
            ])
        }
    }

    /// Counts the connection against its user's cap; false when the user is at the cap. The count drops when
    /// the connection closes.
    private func admit(uid: UInt32, channel: any Channel) -> Bool {
        let admitted = perUser.withLock { counts -> Bool in
            guard counts[uid, default: 0] < configuration.maximumConnectionsPerUser else { return false }
            counts[uid, default: 0] += 1
            return true
        }
        guard admitted else { return false }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.perUser.withLock { counts in
                counts[uid, default: 1] -= 1
                if counts[uid] == 0 { counts[uid] = nil }
            }
        }
        return true
    }

    /// Refuses to take over a socket another live daemon is serving; removes a stale one.
    static func prepareSocketPath(_ path: String) throws {
        guard path.utf8.count < 108 else { throw ServerError.socketPathTooLong(path) }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        guard FileManager.default.fileExists(atPath: path) else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected == 0 { throw ServerError.socketInUse(path) }
    }
}

/// The daemon's version string.
public enum StationServerVersion {
    public static let string = "0.1.0"
}
