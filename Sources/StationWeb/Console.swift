import Foundation
public import Hummingbird
public import Logging
public import StationClient
import StationProtocol

/// The station console: pages for the counter, over the daemon's socket only. It keeps no records of its own:
/// sessions live in memory, everything else is asked of `parcel-stationd` when a page is drawn, and every write
/// is one socket call whose reply decides what the page says.
public struct Console: Sendable {
    public let configuration: ConsoleConfiguration
    public let link: StationLink
    public let events: DaemonEvents
    public let sessions: SessionStore
    public let pairing: DevicePairing
    /// The counter whose pickup scanners this console arms (configuration `counter`, default `1`).
    var counter: String { configuration.counter ?? "1" }

    /// `stateDirectory` keeps the paired LAN devices (nil: pairings last until the console stops).
    public init(configuration: ConsoleConfiguration, socketPath: String, stateDirectory: String? = nil, logger: Logger? = nil) {
        self.configuration = configuration
        link = StationLink(socketPath: socketPath, clientName: "parcel-station-web")
        events = logger.map { DaemonEvents(socketPath: socketPath, logger: $0) } ?? DaemonEvents(socketPath: socketPath)
        sessions = SessionStore(configuration: configuration)
        pairing = DevicePairing(stateDirectory: stateDirectory)
    }

    public func router() -> Router<ConsoleContext> {
        let router = Router(context: ConsoleContext.self)
        router.add(middleware: GuardMiddleware(allowLAN: configuration.allowLAN == true, pairing: pairing))
        router.get(RouterPath(stringLiteral: Assets.stylePath)) { _, _ in
            Responses.asset(Assets.styleBytes, type: "text/css; charset=utf-8")
        }
        router.get(RouterPath(stringLiteral: Assets.scriptPath)) { _, _ in
            Responses.asset(Assets.scriptBytes, type: "text/javascript; charset=utf-8")
        }
        router.get("/health") { _, _ in Responses.json(["daemon": await events.daemonUp]) }
        SignInRoutes(console: self).add(to: router)
        PairingRoutes(console: self).add(to: router)
        DisplayRoutes(console: self).add(to: router)

        let staff = router.group().add(middleware: SessionMiddleware(sessions: sessions, uploadLimit: configuration.uploadLimit))
        staff.get("/") { _, _ in Responses.redirect("/intake") }
        staff.get("/events") { _, _ in Responses.events(await events.subscribe(.staff)) }
        IntakeRoutes(console: self).add(to: staff)
        PickupRoutes(console: self).add(to: staff)
        ParcelRoutes(console: self).add(to: staff)
        StatusRoutes(console: self).add(to: staff)
        PairingRoutes(console: self).addCodeRoute(to: staff)
        HandoffRoutes(console: self).add(to: staff)
        ReportRoutes(console: self).add(to: staff)
        ScannerRoutes(console: self).add(to: staff)
        StocktakeRoutes(console: self).add(to: staff)
        OutgoingRoutes(console: self).add(to: staff)
        ComplaintRoutes(console: self).add(to: staff)
        ProblemRoutes(console: self).add(to: staff)
        RelayRoutes(console: self).add(to: staff)
        return router
    }

    /// The frame of a signed-in page.
    func frame(_ context: ConsoleContext) async -> Layout.Frame {
        Layout.Frame(station: await stationName(), session: context.session, daemonUp: await events.daemonUp)
    }

    /// The station's name as the daemon gave it at the connection's hello (the console may have started before it).
    func stationName() async -> String {
        (try? await link.connectedHello())?.station.name ?? "站点"
    }

    /// A whole page in the frame.
    func page(_ title: String, _ section: Layout.Section?, _ context: ConsoleContext, status: HTTPResponse.Status = .ok, _ body: HTML)
        async -> Response
    {
        Responses.page(Layout.page(title, section: section, frame: await frame(context), body: body), status: status)
    }

    /// Calls the daemon; a failure becomes the words to show instead.
    func call<P, R>(_ method: MethodDeclaration<P, R>, _ params: P) async -> Result<R, CallFailure> {
        do {
            return .success(try await link.call(method, params))
        } catch {
            return .failure(CallFailure(error: error))
        }
    }
}

/// A failed call as the console shows it.
struct CallFailure: Error {
    let error: any Error
    var words: String { Wording.error(error) }
    /// True when the daemon could not be reached at all (nothing happened).
    var unreachable: Bool { error is ClientError }
    /// The page's status: 503 when the daemon was not reached, 409 when it refused.
    var status: HTTPResponse.Status { unreachable ? .serviceUnavailable : .conflict }
    var code: String? { (error as? WireError)?.code.rawValue }
}

/// Answers the script with JSON and a plain form with a redirect, from the same handler.
extension Request {
    var wantsJSON: Bool { headers[.accept]?.contains("application/json") == true }
}

/// What the script gets back from a write.
struct WriteReply: Encodable {
    var ok: Bool
    var message: String?
    var error: String?
    var code: String?
    var outcome: ScanOutcomeDTO?
    var parcel: ParcelDTO?

    static func failed(_ failure: CallFailure) -> WriteReply {
        WriteReply(ok: false, error: failure.words, code: failure.code)
    }
}
