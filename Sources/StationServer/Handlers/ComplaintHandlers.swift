import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerComplaints() {
        on(Method.recordComplaint) { params, context in
            // Validation left exactly one of the two.
            let subject: StationEngine.ComplaintSubject = params.tracking.map { .parcel($0) } ?? .handoff(params.handoff ?? "")
            return WireMapping.complaint(
                try await context.engine.recordComplaint(
                    about: subject, text: params.text, source: params.source, by: context.caller(staff: params.staff)))
        }

        on(Method.resolveComplaint) { params, context in
            WireMapping.complaint(
                try await context.engine.resolveComplaint(params.id, resolution: params.resolution, by: context.caller(staff: params.staff))
            )
        }

        on(Method.complaints) { params, context in
            ComplaintsResult(
                complaints: try await context.engine.complaints(openOnly: params.open ?? false, limit: params.effectiveLimit).map(
                    WireMapping.complaint))
        }
    }
}
