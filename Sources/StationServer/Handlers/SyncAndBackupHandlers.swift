import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerSyncAndBackups() {
        on(Method.syncStatus) { _, context in
            WireMapping.sync(try await context.engine.syncStatus())
        }

        on(Method.backupNow) { _, context in
            WireMapping.backupWritten(try await WireMapping.backupPort(context.engine).backupNow())
        }

        on(Method.backupList) { _, context in
            guard let port = context.engine.backupSource.current else {
                return BackupListResult(status: BackupStatus(configured: false), backups: [])
            }
            let backups = try await port.list()
            return BackupListResult(status: WireMapping.backup(await port.report()), backups: backups.map(WireMapping.backupEntry))
        }
    }
}
