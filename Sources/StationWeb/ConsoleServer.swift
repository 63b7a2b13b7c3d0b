public import Hummingbird
public import Logging
internal import NIOCore
public import ServiceLifecycle

/// The console as a running service: the HTTP server and the daemon event hub, stopped together on SIGTERM.
public enum ConsoleServer {
    public static func application(console: Console, logger: Logger, onRunning: @escaping @Sendable (String) async -> Void)
        throws -> some ApplicationProtocol
    {
        let address = try console.configuration.listenAddress
        return Application(
            router: console.router(),
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: "parcel-station-web"),
            services: [EventHubService(events: console.events)],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                let host = address.host.contains(":") ? "[\(address.host)]" : address.host
                await onRunning("http://\(host):\(port)/")
            },
            logger: logger)
    }
}

/// Runs the event hub's reconnect loop for as long as the console runs.
struct EventHubService: Service {
    let events: DaemonEvents

    func run() async throws {
        await cancelWhenGracefulShutdown { await events.run() }
    }
}
