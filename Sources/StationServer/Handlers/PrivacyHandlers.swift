import ParcelStore
import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerPrivacy() {
        on(Method.purge) { _, context in
            let summary = try await context.engine.purgePersonalData(trigger: "request")
            return PurgeResult(
                run: PurgeRunDTO(
                    startedAt: WireMapping.timestamp(summary.startedAt), finishedAt: WireMapping.timestamp(summary.finishedAt),
                    retentionDays: summary.retentionDays, trigger: "request", purged: Self.counts(summary.counts)),
                transactions: summary.transactions, walTruncated: summary.walTruncated)
        }

        on(Method.privacyStatus) { _, context in
            let status = try await context.engine.privacyStatus()
            return PrivacyStatusResult(
                retentionDays: status.retentionDays, purgedParcels: status.purgedParcels, due: status.due,
                runs: status.runs.map {
                    PurgeRunDTO(
                        startedAt: WireMapping.timestamp($0.startedAt), finishedAt: WireMapping.timestamp($0.finishedAt),
                        retentionDays: $0.retentionDays, trigger: $0.trigger, purged: Self.counts($0.counts))
                })
        }
    }

    static func counts(_ counts: PurgeCounts) -> PurgeCountsDTO {
        PurgeCountsDTO(
            parcels: counts.parcels, pickups: counts.pickups, handoffLines: counts.handoffLines, notices: counts.notices,
            outgoing: counts.outgoing)
    }
}
