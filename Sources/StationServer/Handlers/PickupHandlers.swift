import ParcelStore
import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerPickup() {
        on(Method.verifyPickup) { params, context in
            let credential = try StationEngine.Credential.from(code: params.code, phoneTail: params.phoneTail, phone: params.phone)
            let parcels = try await context.engine.verifyPickup(credential, atCounter: params.counter, by: context.caller(staff: nil))
            return ParcelsResult(parcels: parcels.map { WireMapping.parcel($0, engine: context.engine) })
        }

        on(Method.confirmPickup) { params, context in
            let credential = try StationEngine.Credential.from(code: params.code, phoneTail: params.phoneTail, phone: params.phone)
            let (pickupID, parcels) = try await context.engine.confirmPickup(
                .init(trackings: params.trackings, credential: credential, collector: params.collector),
                by: context.caller(staff: params.staff))
            return ConfirmResult(
                pickupId: pickupID, at: parcels.first.flatMap { $0.releasedAt.map(WireMapping.timestamp) } ?? "",
                parcels: parcels.map { WireMapping.parcel($0, engine: context.engine) })
        }
    }
}
