import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerRelay() {
        on(Method.relaySend) { params, context in
            let parcel = try await context.engine.relayParcel(
                scan: params.tracking, to: params.to, reason: params.reason, by: context.caller(staff: params.staff))
            return ParcelResult(parcel: WireMapping.parcel(parcel, engine: context.engine), repeat: false)
        }

        on(Method.relayPullBack) { params, context in
            let parcel = try await context.engine.pullBack(
                scan: params.tracking, reason: params.reason, by: context.caller(staff: params.staff))
            return ParcelResult(parcel: WireMapping.parcel(parcel, engine: context.engine), repeat: false)
        }

        on(Method.relayBins) { _, context in
            RelayBinsResult(
                bins: try await context.engine.relayBins().map { bin in
                    RelayBinDTO(
                        station: bin.station, name: bin.name, parcels: bin.parcels.map { WireMapping.parcel($0, engine: context.engine) })
                })
        }
    }
}
