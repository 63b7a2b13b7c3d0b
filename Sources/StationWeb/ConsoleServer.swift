import Hummingbird
public import Logging
internal import NIOCore
public import ServiceLifecycle
import UnixSignals

/// The console as a running service: the HTTP server and the daemon event hub, stopped together on SIGTERM.
public enum ConsoleServer {
    /// The server and the hub in one service group. The hub comes after the server so that it stops first (a
    /// group stops its services in reverse order): ending every page's event stream lets the server's graceful
    /// shutdown finish, where it would otherwise wait for those endless responses until systemd's SIGKILL.
    public static func serviceGroup(console: Console, logger: Logger, onRunning: @escaping @Sendable (String) async -> Void) throws
        -> ServiceGroup
    {
        let address = try console.configuration.listenAddress
        let app = Application(
            router: console.router(),
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: "parcel-station-web"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                let host = address.host.contains(":") ? "[\(address.host)]" : address.host
                await onRunning("http://\(host):\(port)/")
            },
            logger: logger)
        return ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: app), .init(service: EventHubService(events: console.events))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}

/// Runs the event hub's reconnect loop for as long as the console runs, and ends every page's stream at shutdown.
struct EventHubService: Service {
    let events: DaemonEvents

    func run() async throws {
        // Cancelled at shutdown, the loop ends and closes every page's stream.
        await cancelWhenGracefulShutdown { await events.run() }
    }
}
