import StationEngine
import StationProtocol

/// What a handler has besides its params: the engine, the connection it answers and the dispatcher's facts.
struct RequestContext: Sendable {
    let engine: StationEngine
    let connection: ConnectionState
    let dispatcher: RequestDispatcher

    /// Who asks: the client's hello name, the peer's uid and the staff member named in the params.
    func caller(staff: String?) -> Caller { connection.caller(staff: staff) }
}

/// One method's handler with its params and result types erased: runs it and makes its reply line.
struct MethodHandler: Sendable {
    let method: Method
    let run: @Sendable (any RequestParams, RequestContext, RequestID?) async throws -> RequestDispatcher.Outcome
}

/// The dispatcher's table. Each area's file (`ParcelHandlers.swift`, `PickupHandlers.swift`…) registers the
/// handlers of the methods its protocol file declares; StationServerTests check that every declared method has
/// exactly one.
struct HandlerTable: Sendable {
    private(set) var handlers: [String: MethodHandler] = [:]

    /// Registers `declaration`'s handler: it gets the params decoded and validated, and its result is sent as the reply.
    mutating func on<P, R>(_ declaration: MethodDeclaration<P, R>, _ body: @escaping @Sendable (P, RequestContext) async throws -> R) {
        handle(declaration) { params, context, id in .reply(RequestDispatcher.replyLine(id: id, try await body(params, context))) }
    }

    /// The same for a result whose reply is written by hand (the scan replies, the daemon's most frequent:
    /// `ParcelReplyWriter`, which ParcelReplyWriterTests keep byte-equal to the Codable form); chosen at compile
    /// time, as the more specific overload.
    mutating func on<P, R: HandWrittenReply>(
        _ declaration: MethodDeclaration<P, R>, _ body: @escaping @Sendable (P, RequestContext) async throws -> R
    ) {
        handle(declaration) { params, context, id in .reply(try await body(params, context).replyLine(id: id)) }
    }

    /// Registers a handler that makes its outcome itself (`Events.Subscribe` streams after its reply).
    mutating func handle<P, R>(
        _ declaration: MethodDeclaration<P, R>,
        _ run: @escaping @Sendable (P, RequestContext, RequestID?) async throws -> RequestDispatcher.Outcome
    ) {
        precondition(handlers[declaration.rawValue] == nil, "two handlers for \(declaration.rawValue)")
        handlers[declaration.rawValue] = MethodHandler(method: declaration.method) { params, context, id in
            // The dispatcher decodes params with the same declaration, so this cast cannot fail.
            guard let params = params as? P else { throw WireError(.internal, "internal error; see the daemon's log") }
            return try await run(params, context, id)
        }
    }

    /// Every area's handlers.
    static let station: HandlerTable = {
        var table = HandlerTable()
        table.registerStation()
        table.registerEvents()
        table.registerParcels()
        table.registerPickup()
        table.registerReports()
        table.registerScanning()
        table.registerHandoffs()
        table.registerStocktake()
        table.registerComplaints()
        table.registerProblems()
        table.registerRelay()
        table.registerOutgoing()
        table.registerSyncAndBackups()
        table.registerPickupProofs()
        table.registerPrivacy()
        return table
    }()

    /// A string parameter that must name one of an enum's cases.
    static func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ name: String, _ type: T.Type) throws -> T
    where T.RawValue == String {
        guard let parsed = T(rawValue: value) else {
            throw WireError(.invalidParams, "\(name): one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }
}
