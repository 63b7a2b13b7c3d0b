/// The protocol version this build speaks. Additive changes bump `minor`; anything else bumps `major`.
public struct ProtocolVersion: Codable, Sendable, Equatable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let current = ProtocolVersion(major: 1, minor: 8)
    public var description: String { "\(major).\(minor)" }
}

/// A request id: clients may use any JSON number or a string; the reply echoes it. Whole numbers that fit 64 bits
/// come back exactly as sent; any other number is read as a double and echoed as one (`1.5` as `1.5`).
public enum RequestID: Codable, Sendable, Hashable, CustomStringConvertible {
    case number(Int64)
    /// A number with a fraction or exponent, or beyond 64 bits.
    case fraction(Double)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            self = .number(number)
        } else if let number = try? container.decode(Double.self), number.isFinite {
            self = .fraction(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .fraction(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .number(let value): String(value)
        case .fraction(let value): Self.text(of: value)
        case .string(let value): value
        }
    }

    /// A finite double as JSON number text (Swift's shortest round-trip form is valid JSON).
    static func text(of value: Double) -> String { "\(value)" }
}

/// The part of every request that is read before its parameters: `{"id":…,"method":"…"}`.
public struct RequestHead: Decodable, Sendable {
    /// Optional: a request without an id still gets its reply, with `"id":null`.
    public let id: RequestID?
    public let method: String
}

/// A whole request with typed parameters; `params` may be omitted when every parameter is optional.
public struct Request<Params: Codable & Sendable>: Codable, Sendable {
    public var id: RequestID?
    public var method: String
    public var params: Params

    public init(id: RequestID?, method: String, params: Params) {
        self.id = id
        self.method = method
        self.params = params
    }
}

/// A successful reply: `{"id":…,"result":{…}}`.
public struct Reply<Result: Codable & Sendable>: Codable, Sendable {
    public var id: RequestID?
    public var result: Result

    public init(id: RequestID?, result: Result) {
        self.id = id
        self.result = result
    }

    enum CodingKeys: String, CodingKey { case id, result }

    /// An absent id is written as `null`, as Protocol.md promises (synthesised Codable would leave it out).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(result, forKey: .result)
    }
}

/// A failed reply: `{"id":…,"error":{"code":"…","message":"…"}}`.
public struct ErrorReply: Codable, Sendable {
    public var id: RequestID?
    public var error: WireError

    public init(id: RequestID?, error: WireError) {
        self.id = id
        self.error = error
    }

    enum CodingKeys: String, CodingKey { case id, error }

    /// An absent id is written as `null`, like `Reply`'s.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(error, forKey: .error)
    }
}

/// An error as clients see it: a stable code to branch on and a message for people.
public struct WireError: Codable, Sendable, Equatable, Error {
    public var code: ErrorCode
    /// One sentence, in English, safe to show; never SQL text, C messages or a full phone number.
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// An event pushed after `Events.Subscribe`: `{"event":"…","seq":12,"data":{…}}`. `seq` (1.7) is the durable
/// event's number in the station-wide sequence, the cursor a tool gives back as `since`; live-only events (a scan,
/// a scanner coming or going, `events.dropped`) have none and are never replayed.
public struct EventMessage<Data: Codable & Sendable>: Codable, Sendable {
    public var event: String
    public var seq: Int64?
    public var data: Data

    public init(event: String, seq: Int64? = nil, data: Data) {
        self.event = event
        self.seq = seq
        self.data = data
    }
}

/// Decodes any line the server sends: a reply, an error or an event.
public struct AnyServerMessage: Decodable, Sendable {
    public let id: RequestID?
    public let error: WireError?
    public let event: String?
    /// A durable event's sequence number (1.7); nil for replies and live-only events.
    public let seq: Int64?

    /// True for `{"event":…}` lines.
    public var isEvent: Bool { event != nil }
}

/// Parameters of methods that take none.
public struct NoParams: RequestParams, Equatable {
    public init() {}
}

extension Request: Equatable where Params: Equatable {}
extension Reply: Equatable where Result: Equatable {}
extension ErrorReply: Equatable {}
extension EventMessage: Equatable where Data: Equatable {}
