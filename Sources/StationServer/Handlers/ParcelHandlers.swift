import ParcelDomain
import ParcelStore
import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerParcels() {
        on(Method.intake) { params, context in
            let outcome = try await context.engine.intake(
                .init(
                    scan: params.tracking, phone: params.phone, phoneTail: params.phoneTail, courier: params.courier,
                    force: params.force ?? false, destination: params.destination),
                by: context.caller(staff: params.staff))
            return ParcelResult(
                parcel: WireMapping.parcel(outcome.parcel, engine: context.engine), repeat: outcome.isRepeat, forced: outcome.forced)
        }

        on(Method.get) { params, context in
            let (parcel, events) = try await context.engine.parcel(scan: params.tracking)
            return GetResult(parcel: WireMapping.parcel(parcel, engine: context.engine), events: events.map(WireMapping.event))
        }

        on(Method.search) { params, context in
            var query = ParcelQuery(activeOnly: params.active ?? false, limit: params.effectiveLimit)
            if let tracking = params.tracking, !tracking.isEmpty { query.tracking = try ScanText(raw: tracking).text }
            if let code = params.code, !code.isEmpty { query.pickupCode = try PickupCode(parsing: code) }
            if let tail = params.phoneTail, !tail.isEmpty { query.phoneTail = try PhoneNumber.validateTail(tail) }
            if let states = params.states {
                query.states = try states.map { name in
                    guard let state = ParcelState(rawValue: name) else {
                        throw WireError(
                            .invalidParams,
                            "states: \"\(name.prefix(32))\" is not one of \(ParcelState.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return state
                }
            }
            let parcels = try await context.engine.search(query)
            return ParcelsResult(parcels: parcels.map { WireMapping.parcel($0, engine: context.engine) })
        }

        on(Method.returnParcel) { params, context in
            let parcel = try await context.engine.returnParcel(
                scan: params.tracking, reason: params.reason, handedOver: params.handedOver ?? false,
                by: context.caller(staff: params.staff))
            return ParcelResult(parcel: WireMapping.parcel(parcel, engine: context.engine), repeat: false)
        }

        on(Method.undo) { params, context in
            let step = try Self.choice(params.step, "step", StationEngine.UndoStep.self)
            let parcel = try await context.engine.undo(
                step, scan: params.tracking, reason: params.reason, by: context.caller(staff: params.staff))
            return ParcelResult(parcel: WireMapping.parcel(parcel, engine: context.engine), repeat: false)
        }

        on(Method.setPhone) { params, context in
            let parcel = try await context.engine.setPhone(
                scan: params.tracking, phone: params.phone, phoneTail: params.phoneTail, by: context.caller(staff: params.staff))
            return ParcelResult(parcel: WireMapping.parcel(parcel, engine: context.engine), repeat: false)
        }

        on(Method.notices) { params, context in
            NoticesResult(notices: try await context.engine.notices(scan: params.tracking).map(WireMapping.notice))
        }
    }
}
