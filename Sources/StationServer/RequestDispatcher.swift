import Foundation
import Logging
import ParcelDomain
import ParcelStore
import StationEngine
import StationProtocol
import StrictJSON
import Synchronization

/// Per-connection state shared between the NIO handler and request tasks.
final class ConnectionState: Sendable {
    struct Values {
        var client = "unknown"
        var inFlight = 0
        var subscribed = false
        var inputClosed = false
        var scans: UInt64 = 0
    }

    let peer: PeerCredentials?
    let mayWrite: Bool
    private let values = Mutex(Values())

    init(peer: PeerCredentials?, mayWrite: Bool) {
        self.peer = peer
        self.mayWrite = mayWrite
    }

    var client: String { values.withLock { $0.client } }
    func setClient(_ name: String) { values.withLock { $0.client = name } }
    var isBusy: Bool { values.withLock { $0.inFlight > 0 || $0.subscribed } }
    func begin() { values.withLock { $0.inFlight += 1 } }
    /// Ends a request; true when the connection should now close (the client half-closed and nothing is left).
    func end() -> Bool {
        values.withLock { values in
            values.inFlight -= 1
            return values.inputClosed && values.inFlight == 0 && !values.subscribed
        }
    }
    /// Records the client's half-close; true when nothing is in progress, so the connection can close now.
    func closeInput() -> Bool {
        values.withLock { values in
            values.inputClosed = true
            return values.inFlight == 0 && !values.subscribed
        }
    }
    var isSubscribed: Bool { values.withLock { $0.subscribed } }
    func markSubscribed() { values.withLock { $0.subscribed = true } }
    /// Numbers `Scan.Submit` scans per connection, as a scanner numbers its own.
    func nextScanSequence() -> UInt64 {
        values.withLock { values in
            values.scans += 1
            return values.scans
        }
    }

    func caller(staff: String?) -> Caller {
        Caller(client: client, uid: peer?.uid, staff: staff?.isEmpty == false ? staff : nil)
    }
}

/// Turns one request line into one reply line: framing checks, one parse of the request (its params typed by
/// the method's declaration and validated), the access check, then the method's handler from the table the
/// area files build (`HandlerTable`). The engine does the work.
final class RequestDispatcher: Sendable {
    /// What to do after a request besides sending its reply.
    enum Outcome: Sendable {
        case reply([UInt8])
        /// Send the reply, then stream these events to this connection (replaying first what the subscriber
        /// missed). The stream exists before the reply is sent, so nothing committed after the client's
        /// "subscribed" is missed.
        case subscribe([UInt8], EventSubscription)
    }

    let engine: StationEngine
    let serverName: String
    let connections: @Sendable () -> Int
    let logger: Logger
    /// Each served method's handler, by wire name.
    let handlers: [String: MethodHandler]

    init(engine: StationEngine, serverName: String, logger: Logger, connections: @escaping @Sendable () -> Int) {
        self.engine = engine
        self.serverName = serverName
        self.logger = logger
        self.connections = connections
        self.handlers = HandlerTable.station.handlers
    }

    static let capabilities = ["events", "groupCommit", "phoneHash", "courierCandidates"]

    /// The request check: strict syntax, at most 32 levels, no control characters but tab, LF and CR in text.
    static let preflight = JSONPreflight()

    func handle(line: ByteBufferBytes, connection: ConnectionState) async -> Outcome {
        guard String(validating: line.bytes, as: UTF8.self) != nil else {
            return .reply(Self.errorLine(id: nil, WireError(.invalidUTF8, "the request is not valid UTF-8")))
        }
        let data = Data(line.bytes)
        // Nothing reaches Foundation's parser before this check: it crashes on deep nesting.
        var controlCharacter: JSONPreflightError?
        do {
            try Self.preflight.check(line.bytes)
        } catch .tooDeep(let limit, _) {
            return .reply(Self.errorLine(id: nil, WireError(.tooDeep, "the request nests arrays and objects deeper than \(limit) levels")))
        } catch .syntax(let offset, let expected) {
            return .reply(
                Self.errorLine(
                    id: nil,
                    WireError(
                        .malformed,
                        "a request is one JSON object per line: {\"id\":1,\"method\":\"…\",\"params\":{…}} (byte \(offset): expected \(expected))"
                    )))
        } catch {
            // Still read the head, so the refusal carries the request's id.
            controlCharacter = error
        }
        let decoder = JSONDecoder()
        let head: RequestLine
        do {
            head = try decoder.decode(RequestLine.self, from: data)
        } catch {
            let id = (try? decoder.decode(IDOnly.self, from: data))?.id
            let message =
                (try? JSONSerialization.jsonObject(with: data)) is [String: Any]
                ? "a request needs a string \"method\""
                : "a request is one JSON object per line: {\"id\":1,\"method\":\"…\",\"params\":{…}}"
            return .reply(Self.errorLine(id: id, WireError(.malformed, message)))
        }
        if let controlCharacter {
            return .reply(Self.errorLine(id: head.id, WireError(.controlCharacter, "\(controlCharacter)")))
        }
        guard let call = head.call else {
            return .reply(Self.errorLine(id: head.id, WireError(.unknownMethod, "no method \"\(head.name.prefix(64))\"")))
        }
        let method = call.method
        if method.mutates && !connection.mayWrite {
            let who = connection.peer.map { "uid \($0.uid)" } ?? "this peer"
            return .reply(Self.errorLine(id: head.id, WireError(.accessDenied, "\(who) may read but not change records")))
        }
        guard let handler = handlers[method.rawValue] else {
            // A declared method without a handler: StationServerTests fail first; refuse rather than guess.
            return .reply(Self.errorLine(id: head.id, WireError(.unknownMethod, "no method \"\(method.rawValue)\"")))
        }
        do {
            return try await handler.run(
                try call.params.get(), RequestContext(engine: engine, connection: connection, dispatcher: self), head.id)
        } catch {
            let wire = WireMapping.wireError(error)
            // The client only hears "see the daemon's log": the log must then say what happened.
            if wire.code == .internal || wire.code == .storeUnavailable {
                logger.error("\(method.rawValue) failed: \(error)")
            }
            return .reply(Self.errorLine(id: head.id, wire))
        }
    }

    // MARK: Encoding

    struct IDOnly: Decodable { let id: RequestID? }

    /// One encoder for every reply (JSONEncoder is thread-safe once configured). Keys are not sorted: order
    /// carries no meaning in JSON and sorting costs on every reply.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func replyLine<R: Codable & Sendable>(id: RequestID?, _ result: R) -> [UInt8] {
        line(Reply(id: id, result: result))
    }

    static func errorLine(id: RequestID?, _ error: WireError) -> [UInt8] {
        line(ErrorReply(id: id, error: error))
    }

    static func line<T: Encodable>(_ value: T) -> [UInt8] {
        do {
            var bytes = [UInt8](try encoder.encode(value))
            bytes.append(UInt8(ascii: "\n"))
            return bytes
        } catch {
            return Array(#"{"error":{"code":"internal","message":"could not encode the reply"},"id":null}"#.utf8) + [10]
        }
    }

    /// An event line for subscribers.
    static func eventLine(_ event: StationEvent, engine: StationEngine) -> [UInt8] {
        switch event {
        case .ledger(let event, let parcel):
            let name: String
            switch event.kind {
            case .intake: name = EventName.intake
            case .pickUp: name = EventName.pickup
            case .setPhone: name = EventName.updated
            default: name = EventName.stateChanged
            }
            return EventLineWriter.parcelEvent(
                name: name, seq: event.id,
                ParcelEventData(event: WireMapping.event(event), parcel: WireMapping.parcel(parcel, engine: engine)))
        case .station(let record):
            return EventLineWriter.stationEvent(
                name: record.name, seq: record.seq, at: WireMapping.timestamp(record.at), storedData: record.data)
        case .scan(let outcome):
            return line(EventMessage(event: EventName.scan, data: WireMapping.scanOutcome(outcome, engine: engine)))
        case .scanner(.attached(let status)):
            return line(EventMessage(event: EventName.scannerAttached, data: ScannerEventData(scanner: WireMapping.scanner(status))))
        case .scanner(.detached(let status)):
            return line(EventMessage(event: EventName.scannerDetached, data: ScannerEventData(scanner: WireMapping.scanner(status))))
        case .scanner(.partialDropped(let status, let bytes)):
            return line(
                EventMessage(
                    event: EventName.scannerPartialDropped,
                    data: ScannerEventData(scanner: WireMapping.scanner(status), droppedBytes: bytes)))
        }
    }
}

/// The bytes of one request line, copied out of NIO's buffer so the request task owns them.
struct ByteBufferBytes: Sendable {
    let bytes: [UInt8]
}

/// A request as the dispatcher reads it, in one parse: its id, its method name, the method this build serves
/// under that name (nil when none), and its params decoded as the method declares them and validated. A params
/// failure is kept (not thrown) so that the error reply still carries the request's id.
struct RequestLine: Decodable {
    let id: RequestID?
    let name: String
    /// The method served under `name` with its params, or the error that explains what is wrong with them; nil
    /// when this build serves no such method.
    let call: (method: Method, params: Result<any RequestParams, any Error>)?

    enum CodingKeys: String, CodingKey { case id, method, params }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(RequestID.self, forKey: .id)
        name = try container.decode(String.self, forKey: .method)
        call = Method(rawValue: name).map { method in
            (method, Result { try Self.decodeParams(method.paramsType, container) })
        }
    }

    /// A missing or null `params` is read as `{}`, so methods whose parameters are all optional can be called as
    /// `{"id":1,"method":"Station.Status"}`.
    private static func decodeParams<P: RequestParams>(_ type: P.Type, _ container: KeyedDecodingContainer<CodingKeys>) throws -> P {
        let params: P
        if let given = try container.decodeIfPresent(P.self, forKey: .params) {
            params = given
        } else {
            do {
                params = try JSONDecoder().decode(P.self, from: Data("{}".utf8))
            } catch let DecodingError.keyNotFound(key, _) {
                throw WireError(.invalidParams, "params.\(key.stringValue): required")
            }
        }
        try params.validate()
        return params
    }
}
