import ParcelDomain
import ParcelStore
import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerStation() {
        on(Method.hello) { params, context in
            guard params.protocol.major == ProtocolVersion.current.major else {
                throw WireError(
                    .unsupportedVersion, "this server speaks protocol \(ProtocolVersion.current); client asked for \(params.protocol)")
            }
            if let client = params.client, !client.isEmpty { context.connection.setClient(String(client.prefix(64))) }
            let settings = context.engine.settings
            return HelloResult(
                protocol: .current, server: context.dispatcher.serverName,
                station: StationInfo(id: settings.stationID, name: settings.stationName),
                capabilities: RequestDispatcher.capabilities, methods: Method.allCases.map(\.rawValue),
                access: context.connection.mayWrite ? "write" : "read")
        }

        on(Method.status) { _, context in
            let engine = context.engine
            let status = try await engine.status()
            let byState = Dictionary(uniqueKeysWithValues: ParcelState.allCases.map { ($0.rawValue, status.counts.byState[$0] ?? 0) })
            let active = ParcelState.active.reduce(0) { $0 + (status.counts.byState[$1] ?? 0) }
            return StatusResult(
                station: StationInfo(id: status.settings.stationID, name: status.settings.stationName), protocol: .current,
                startedAt: WireMapping.timestamp(status.startedAt), now: WireMapping.timestamp(status.now), parcels: byState,
                active: active, overdue: status.overdue, events: status.counts.events,
                lastEventAt: status.counts.lastEventAt.map(WireMapping.timestamp), connections: context.dispatcher.connections(),
                subscribers: status.subscribers, database: status.databasePath, holdHours: status.settings.holdHours,
                codeCooldownHours: status.settings.codeCooldownHours, publicKey: engine.publicKey,
                backup: (await engine.backupSource.current?.report()).map(WireMapping.backup) ?? BackupStatus(configured: false),
                disk: status.disk.map { DiskDTO(path: $0.path, freeBytes: $0.freeBytes, totalBytes: $0.totalBytes) })
        }

        on(Method.verifyAudit) { _, context in
            let result = try await context.engine.verifyCustodyLog()
            return AuditResult(
                events: result.events, valid: result.firstBroken == nil, head: result.head,
                firstBroken: result.firstBroken.map { .init(seq: $0.id, uid: $0.uid) })
        }
    }
}
