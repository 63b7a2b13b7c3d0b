import Foundation
import ParcelDomain
import ParcelStore
import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerHandoffs() {
        on(Method.openHandoff) { params, context in
            let request = StationEngine.OpenHandoffRequest(
                direction: try Self.choice(params.direction, "direction", HandoffDirection.self),
                kind: try Self.choice(params.kind, "kind", HandoffKind.self), party: params.party, node: params.node,
                nodeTier: try params.nodeTier.map { try Self.choice($0, "nodeTier", NodeTier.self) }, vehicle: params.vehicle,
                counter: params.counter)
            let handoff = try await context.engine.openHandoff(request, by: context.caller(staff: params.staff))
            return WireMapping.handoffDetail(try await context.engine.handoff(handoff.uid))
        }

        on(Method.importManifest) { params, context in
            WireMapping.handoffDetail(
                try await context.engine.importManifest(
                    handoff: params.handoff, data: Data(params.content.utf8),
                    format: try Self.choice(params.format, "format", Manifest.Format.self)))
        }

        on(Method.scanHandoff) { params, context in
            let scan = try await context.engine.scanIntoHandoff(
                params.handoff, scan: params.text, damaged: params.damaged ?? false, note: params.note, photo: params.photo,
                by: context.caller(staff: params.staff))
            return WireMapping.handoffScan(scan, engine: context.engine)
        }

        on(Method.closeHandoff) { params, context in
            // Validation left exactly one of the two, not empty.
            let confirmation: StationEngine.Confirmation =
                params.signed == true ? .station : params.badge.map { .badge($0) } ?? .pin(params.pin ?? "")
            _ = try await context.engine.closeHandoff(params.handoff, confirmation: confirmation, by: context.caller(staff: params.staff))
            return WireMapping.handoffDetail(try await context.engine.handoff(params.handoff))
        }

        on(Method.exportSignedManifest) { params, context in
            let document = try await context.engine.exportManifest(handoff: params.handoff, by: context.caller(staff: nil))
            return SignedDocumentResult(document: WireMapping.document(document))
        }

        on(Method.importSignedManifest) { params, context in
            let detail = try await context.engine.importSignedManifest(
                WireMapping.signed(params.document), counter: params.counter, by: context.caller(staff: params.staff))
            return WireMapping.handoffDetail(detail)
        }

        on(Method.importReceipt) { params, context in
            let (handoff, _) = try await context.engine.importReceipt(
                WireMapping.signed(params.document), by: context.caller(staff: params.staff))
            return WireMapping.handoffDetail(try await context.engine.handoff(handoff.uid))
        }

        on(Method.handoffDocuments) { params, context in
            HandoffDocumentsResult(
                documents: try await context.engine.handoffDocuments(params.handoff).map {
                    HandoffDocumentDTO(
                        role: $0.role, station: $0.station, at: WireMapping.timestamp($0.at), document: WireMapping.document($0.document))
                })
        }

        on(Method.getHandoff) { params, context in
            WireMapping.handoffDetail(try await context.engine.handoff(params.handoff))
        }

        on(Method.listHandoffs) { params, context in
            HandoffsResult(
                handoffs: try await context.engine.handoffs(openOnly: params.open ?? false, limit: params.effectiveLimit).map(
                    WireMapping.handoff))
        }

        on(Method.parties) { _, context in
            PartiesResult(
                parties: context.engine.settings.parties.map {
                    PartyDTO(id: $0.id, name: $0.name, company: $0.company, confirmsByBadge: $0.badge != nil, confirmsByPIN: $0.pin != nil)
                })
        }

        on(Method.discrepancies) { _, context in
            DiscrepanciesResult(discrepancies: try await context.engine.openDiscrepancies().map(WireMapping.discrepancy))
        }

        on(Method.resolveDiscrepancy) { params, context in
            WireMapping.discrepancy(
                try await context.engine.resolveDiscrepancy(
                    params.id, resolution: try Self.choice(params.resolution, "resolution", DiscrepancyResolution.self), note: params.note,
                    by: context.caller(staff: params.staff)))
        }

        on(Method.receipts) { _, context in
            ReceiptsResult(
                publicKey: context.engine.publicKey, receipts: try await context.engine.receipts().compactMap(WireMapping.receipt))
        }
    }
}
