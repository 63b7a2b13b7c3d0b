import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerOutgoing() {
        on(Method.acceptOutgoing) { params, context in
            WireMapping.outgoing(
                try await context.engine.acceptOutgoing(
                    .init(
                        waybill: params.waybill, courier: params.courier, destination: params.destination, weightGrams: params.weightGrams,
                        feeFen: params.feeFen, produce: params.produce ?? false, senderPhone: params.senderPhone,
                        senderTail: params.senderTail,
                        idChecked: params.idChecked ?? false), by: context.caller(staff: params.staff)))
        }

        on(Method.listOutgoing) { params, context in
            OutgoingListResult(
                outgoing: try await context.engine.outgoing(waitingOnly: params.open ?? false, limit: params.effectiveLimit).map(
                    WireMapping.outgoing))
        }
    }
}
