import Logging
public import ParcelDomain
public import ParcelStore

/// The township relay (中转): parcels for downstream stations pass through in transit, in a relay bin named
/// after their station, with no pickup code and no notice, until an outbound transfer handoff takes them there.
extension StationEngine {
    /// What waits in one relay bin.
    public struct RelayBin: Sendable, Equatable {
        public let station: String
        /// The station's name from the configuration (its id when it is no longer configured).
        public let name: String
        public let parcels: [ParcelRecord]
    }

    /// Where `destination` (a station id or name, a village, a sort code) goes from here.
    public nonisolated func route(_ destination: String) -> RelayRoutes.Route { relayRoutes.route(destination) }

    /// The downstream station a destination is relayed to, or `EngineError.unknownDestination`.
    nonisolated func relayStation(for destination: String) throws -> ChainStation {
        guard case .relay(let station) = relayRoutes.route(destination) else { throw EngineError.unknownDestination(destination) }
        return station
    }

    /// The display name of a relay bin: its station's configured name.
    public nonisolated func relayName(_ station: String) -> String { relayRoutes.station(id: station)?.name ?? station }

    /// Sends a parcel at this station on to a downstream station by hand (misrouted to us, 错分; or a relayed
    /// parcel re-routed): into that station's relay bin; a pickup code it had is given up and its notices stop.
    public nonisolated func relayParcel(scan: String, to destination: String, reason: String?, by caller: Caller) async throws
        -> ParcelRecord
    {
        let station = try relayStation(for: destination)
        let parcel = try await changeActiveParcel(scan: scan, reason: reason, by: caller) { tx, parcel, now, actor, details in
            guard parcel.relayTo != station.id else { return parcel }
            return try tx.relay(parcel, to: station.id, destination: destination, at: now, actor: actor, details: details)
        }
        logger.info("relayed", metadata: ["tracking": "\(parcel.tracking)", "to": "\(station.id)"])
        return parcel
    }

    /// Takes an in-transit parcel back into local pickup: shelved with a fresh pickup code.
    public nonisolated func pullBack(scan: String, reason: String?, by caller: Caller) async throws -> ParcelRecord {
        let allocate = codeAllocation()
        return try await changeActiveParcel(scan: scan, reason: reason, by: caller) { tx, parcel, now, actor, details in
            guard parcel.state == .inTransit else { throw EngineError.notInTransit(tracking: parcel.tracking, state: parcel.state) }
            return try tx.apply(.pullBack, to: parcel, at: now, actor: actor, slot: try allocate(tx, now), details: details)
        }
    }

    /// Every relay bin with what waits in it, oldest first; bins in the configuration's order, then any other.
    public nonisolated func relayBins() async throws -> [RelayBin] {
        let waiting = try await store.read { try $0.inTransit() }
        let byStation = Dictionary(grouping: waiting) { $0.relayTo ?? "" }
        let configured = relayRoutes.downstream.map(\.id)
        let others = byStation.keys.filter { !configured.contains($0) }.sorted()
        return (configured + others).compactMap { id in
            guard let parcels = byStation[id] else { return nil }
            return RelayBin(station: id, name: relayName(id), parcels: parcels)
        }
    }

    /// Intake's write for a parcel another station of ours will hand out: a new stay put straight into the relay
    /// bin (intake, then relay), or the active stay when it is already here.
    static func takeInForRelay(
        _ new: NewParcel, to station: String, destination: String?, tx: LedgerTransaction, actor: String, details: [String: String] = [:]
    ) throws -> IntakeOutcome {
        if let existing = try tx.activeParcel(tracking: new.tracking.value) {
            return IntakeOutcome(parcel: existing, isRepeat: true)
        }
        let relayed = try tx.insertParcel(new, relayingTo: station, destination: destination, actor: actor, details: details)
        return IntakeOutcome(parcel: relayed, isRepeat: false)
    }
}
