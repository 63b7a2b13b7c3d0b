/// Whether a method may change records or how the station acts. Only peers allowed to write may call `.write`
/// methods; every method says which it is when it is declared (there is no default).
public enum Access: String, Sendable {
    case read
    case write
}

/// A socket method without its types: its wire name and access. The dispatcher, `Station.Hello` and the access
/// tests see methods this way.
public struct Method: Hashable, Sendable, CustomStringConvertible {
    /// The wire name, `Area.Verb`.
    public let rawValue: String
    public let access: Access
    /// The parameter and result types, for decoding a request once and for the golden-file tests.
    public let paramsType: any RequestParams.Type
    public let resultType: any (Codable & Sendable).Type

    /// True when the method writes to the ledger or changes how the station acts.
    public var mutates: Bool { access == .write }
    public var description: String { rawValue }

    /// The method with this wire name, if this build serves one.
    public init?(rawValue: String) {
        guard let method = Self.byName[rawValue] else { return nil }
        self = method
    }

    init(name: String, access: Access, paramsType: any RequestParams.Type, resultType: any (Codable & Sendable).Type) {
        self.rawValue = name
        self.access = access
        self.paramsType = paramsType
        self.resultType = resultType
    }

    public static func == (lhs: Method, rhs: Method) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// Every method served, area by area. Each area's file declares its methods and lists them; a method not
    /// listed here is not served (and the server's tests fail for a handler without a listed method).
    public static let allCases: [Method] =
        stationArea + eventArea + parcelArea + pickupArea + reportArea + scanningArea + handoffArea + stocktakeArea
        + complaintArea + problemArea + relayArea + outgoingArea + syncArea + backupArea
        + pickupProofArea + privacyArea

    static let byName: [String: Method] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })
}

/// One socket method, declared once, in its area's file: its wire name, the types of its params and result,
/// and whether it writes. Clients call it by its declaration (the result type follows), the server registers
/// its handler against it.
public struct MethodDeclaration<Params: RequestParams, Result: Codable & Sendable>: Sendable {
    public let method: Method
    public var rawValue: String { method.rawValue }

    init(_ name: String, _ access: Access) {
        method = Method(name: name, access: access, paramsType: Params.self, resultType: Result.self)
    }
}

/// A method's parameters. What their types cannot say (a range, one of two fields, a length) `validate`
/// checks, once, right after decoding: the server before any handler runs, a client before sending.
public protocol RequestParams: Codable, Sendable {
    func validate() throws(WireError)
}

extension RequestParams {
    public func validate() throws(WireError) {}
}

/// The params of the list methods (`Handoff.List`, `Complaint.List`, `Outgoing.List`): what `open` keeps is the
/// method's (open handoffs, unresolved complaints, parcels still waiting for their courier).
public struct ListParams: RequestParams, Equatable {
    /// Only the open ones (default false).
    public var open: Bool?
    /// At most this many, newest first (default 100, at most 1000).
    public var limit: Int?
    public init(open: Bool? = nil, limit: Int? = nil) {
        self.open = open
        self.limit = limit
    }

    public func validate() throws(WireError) { try ParamCheck.limit(limit) }
    /// `limit`, or the default when not given.
    public var effectiveLimit: Int { limit ?? ParamCheck.defaultLimit }
}

/// Checks shared by several methods' params.
public enum ParamCheck {
    /// The list methods' `limit` when none is given.
    public static let defaultLimit = 100

    /// `limit` of list methods: 1 to 1000.
    public static func limit(_ value: Int?) throws(WireError) {
        if let value, !(1...1000).contains(value) { throw WireError(.invalidParams, "limit: between 1 and 1000") }
    }

    /// A scanner id given by a client: 1 to 128 characters.
    public static func scannerID(_ value: String?) throws(WireError) {
        if let value, value.isEmpty || value.count > 128 { throw WireError(.invalidParams, "scanner: 1 to 128 characters") }
    }

    /// Exactly one of two alternatives (`badge` or `pin`, `path` or `data`…).
    public static func exactlyOne(_ first: (name: String, value: String?), _ second: (name: String, value: String?)) throws(WireError) {
        guard (first.value == nil) != (second.value == nil) else {
            throw WireError(.invalidParams, "give exactly one of \(first.name) or \(second.name)")
        }
    }
}
