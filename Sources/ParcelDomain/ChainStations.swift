/// Another parcel-station the station trades parcels with (county, township or village), from its configuration.
///
/// A station that names destinations (village names, sort-code prefixes) is downstream: a parcel for one of them
/// is relayed (中转) there, not shelved here. Its public key verifies the manifests and receipts it signs.
public struct ChainStation: Sendable, Equatable {
    public var id: String
    public var name: String
    public var tier: NodeTier
    /// Base64 raw Ed25519 public key (32 bytes); without it, its signed documents cannot be accepted.
    public var publicKey: String?
    /// Village (or place) names it serves: a destination equal to one, or an address containing one, goes there.
    public var villages: [String]
    /// Sort-code prefixes it serves (`571-03`): a destination starting with one goes there.
    public var sortCodes: [String]

    public init(
        id: String, name: String, tier: NodeTier, publicKey: String? = nil, villages: [String] = [], sortCodes: [String] = []
    ) {
        self.id = id
        self.name = name
        self.tier = tier
        self.publicKey = publicKey
        self.villages = villages
        self.sortCodes = sortCodes
    }

    /// A station that serves destinations of its own: parcels for them pass through here.
    public var isDownstream: Bool { !villages.isEmpty || !sortCodes.isEmpty }
}

/// Where a parcel for a destination goes: here, one downstream station, or nowhere we know.
///
/// Destinations are matched as staff and manifests write them: a station's id, a village name (also inside a
/// longer address, the longest name wins), or a sort code (the longest prefix wins). Two stations matching
/// equally well is ambiguous and routes nowhere, so a person decides.
public struct RelayRoutes: Sendable, Equatable {
    public enum Route: Sendable, Equatable {
        /// For this station: shelve it.
        case here
        /// For a downstream station: keep it in transit, in that station's relay bin.
        case relay(ChainStation)
        /// Neither: the destination names no station this one serves or serves through.
        case unknown
    }

    public let stationID: String
    public let stationName: String
    public let downstream: [ChainStation]
    /// The places this station serves itself (a village station's own village): they route here.
    public let own: ChainStation

    public init(
        stationID: String, stationName: String = "", stations: [ChainStation], ownVillages: [String] = [], ownSortCodes: [String] = []
    ) {
        self.stationID = stationID
        self.stationName = stationName
        self.downstream = stations.filter(\.isDownstream)
        self.own = ChainStation(id: stationID, name: stationName, tier: .village, villages: ownVillages, sortCodes: ownSortCodes)
    }

    /// The downstream station with this id.
    public func station(id: String) -> ChainStation? { downstream.first { $0.id == id } }

    public var isEmpty: Bool { downstream.isEmpty }

    public func route(_ destination: String) -> Route {
        let text = Self.normalise(destination)
        guard !text.isEmpty else { return .unknown }
        if text == Self.normalise(stationID) || (!stationName.isEmpty && text == Self.normalise(stationName)) { return .here }
        if let station = downstream.first(where: { Self.normalise($0.id) == text || Self.normalise($0.name) == text }) {
            return .relay(station)
        }
        // A downstream station's place is inside this station's own (a village in the township's addresses), so a
        // downstream match wins; this station's own places count only when no downstream station matches.
        func best(_ score: (ChainStation) -> Int) -> Route? {
            let scored = downstream.map { ($0, score($0)) }.filter { $0.1 > 0 }
            guard let top = scored.map(\.1).max() else { return score(own) > 0 ? .here : nil }
            let winners = scored.filter { $0.1 == top }
            return winners.count == 1 ? .relay(winners[0].0) : .unknown
        }
        // A sort code is the more exact of the two: try it first.
        if let route = best({ station in
            station.sortCodes.map(Self.normalise).filter { !$0.isEmpty && text.hasPrefix($0) }.map(\.count).max() ?? 0
        }) {
            return route
        }
        if let route = best({ station in
            station.villages.map(Self.normalise).filter { !$0.isEmpty && text.contains($0) }.map(\.count).max() ?? 0
        }) {
            return route
        }
        return .unknown
    }

    /// Spaces, full-width spaces and case do not tell destinations apart.
    static func normalise(_ text: String) -> String {
        String(text.filter { !$0.isWhitespace }).uppercased()
    }
}
