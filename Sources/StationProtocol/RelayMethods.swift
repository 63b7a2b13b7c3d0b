// The township relay (中转, since 1.8): parcels for downstream stations pass through in transit, in relay bins.

extension Method {
    /// Sends a parcel at the station on to a downstream station (misrouted to us, 错分): into its relay bin.
    public static let relaySend = MethodDeclaration<RelaySendParams, ParcelResult>("Relay.Send", .write)
    /// Takes an in-transit parcel back into local pickup, shelved with a pickup code.
    public static let relayPullBack = MethodDeclaration<RelayPullBackParams, ParcelResult>("Relay.PullBack", .write)
    /// What waits in each relay bin, oldest first.
    public static let relayBins = MethodDeclaration<NoParams, RelayBinsResult>("Relay.Bins", .read)

    static let relayArea: [Method] = [relaySend.method, relayPullBack.method, relayBins.method]
}

public struct RelaySendParams: RequestParams, Equatable {
    /// The parcel: its active stay.
    public var tracking: String
    /// Where it goes: a downstream station's id or name, one of its villages, or a sort code it serves.
    public var to: String
    public var reason: String?
    public var staff: String?

    public init(tracking: String, to: String, reason: String? = nil, staff: String? = nil) {
        self.tracking = tracking
        self.to = to
        self.reason = reason
        self.staff = staff
    }

    public func validate() throws(WireError) {
        guard !to.isEmpty, to.count <= 64 else { throw WireError(.invalidParams, "to: a station, village or sort code (1…64 characters)") }
    }
}

public struct RelayPullBackParams: RequestParams, Equatable {
    public var tracking: String
    public var reason: String?
    public var staff: String?

    public init(tracking: String, reason: String? = nil, staff: String? = nil) {
        self.tracking = tracking
        self.reason = reason
        self.staff = staff
    }
}

/// One relay bin: the downstream station and what waits for it.
public struct RelayBinDTO: Codable, Sendable, Equatable {
    /// The station's id, as configured under `chain.stations`.
    public var station: String
    public var name: String
    public var parcels: [ParcelDTO]

    public init(station: String, name: String, parcels: [ParcelDTO]) {
        self.station = station
        self.name = name
        self.parcels = parcels
    }
}

public struct RelayBinsResult: Codable, Sendable, Equatable {
    public var bins: [RelayBinDTO]
    public init(bins: [RelayBinDTO]) { self.bins = bins }
}
