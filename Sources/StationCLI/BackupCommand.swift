import ArgumentParser
import Foundation
import ParcelStore
import StationProtocol

/// `parcelctl backup`: the daemon's ledger backups (now, list), and putting one back (restore, offline).
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Ledger backups: take one now, list them, restore one (offline).",
        subcommands: [BackupNow.self, BackupList.self, BackupRestore.self])
}

struct BackupNow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "now", abstract: "Have the daemon write a backup now, verified, into its backup folder.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.backupNow, NoParams(), as: BackupNowResult.self) else { return }
            print("backup written and verified: \(result.backup.path)")
            print(
                "  \(result.parcels) parcels, \(result.events) events, chain head \(result.head.map { String($0.prefix(16)) } ?? "-"), "
                    + "\(Self.size(result.backup.bytes)), copy \(String(format: "%.2f", result.copySeconds)) s, check \(String(format: "%.2f", result.verifySeconds)) s"
            )
            if !result.removed.isEmpty { print("  removed (rotation): \(result.removed.joined(separator: ", "))") }
        }
    }

    static func size(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
}

struct BackupList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The backups in the daemon's backup folder, newest first, and how the last ones went.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.backupList, NoParams(), as: BackupListResult.self) else { return }
            let status = result.status
            guard status.configured else {
                print("backups are not configured (\"backup\": {\"folder\": …} in the daemon's configuration)")
                return
            }
            var rows: [[String]] = [
                ["文件夹 folder", status.folder ?? "-"],
                ["间隔 every", status.intervalMinutes.map { "\($0) min" } ?? "-"],
                ["保留 keep", status.keep.map(String.init) ?? "-"],
                ["上次成功 last ok", status.lastOk.map { "\(Display.time($0.takenAt)) \($0.name)" } ?? "-"],
            ]
            if let failure = status.lastFailure { rows.append(["上次失败 last failure", "\(Display.time(status.lastFailureAt)) \(failure)"]) }
            rows.append(["下次 next due", Display.time(status.nextDueAt)])
            if status.running { rows.append(["进行中 running", "yes"]) }
            print(Display.table(header: ["", ""], rows: rows))
            print("")
            print(
                Display.table(
                    header: ["时间 TAKEN", "大小 SIZE", "文件 FILE"],
                    rows: result.backups.map { [Display.time($0.takenAt), BackupNow.size($0.bytes), $0.path] }))
        }
    }
}

struct BackupRestore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup in place of the ledger, offline (stop the daemon first).",
        discussion: """
            parcelctl backup restore /mnt/backup/parcels-20261203T060000.000Z.sqlite --state-dir /var/lib/parcel-station. \
            Verifies the backup (integrity_check, custody chain) and refuses one that does not verify; refuses while the \
            daemon has the ledger open; keeps the current ledger aside as parcels.sqlite.replaced-<time> (with its -wal); \
            then installs the backup (temporary name, flushed, renamed). Start the daemon afterwards. Parcels taken in \
            after the backup are not in it: the ledger kept aside still has them.
            """)
    @Argument(help: "The backup file to restore.")
    var backup: String
    @Option(
        name: .customLong("state-dir"), help: "The daemon's state folder holding parcels.sqlite (/var/lib/parcel-station on a station PC).")
    var stateDir: String

    func run() throws {
        let restored: LedgerFiles.Restored
        do {
            restored = try LedgerFiles.restore(backup: backup, stateDir: stateDir)
        } catch {
            FileHandle.standardError.write(Data("parcelctl: restore refused: \(error)\n".utf8))
            throw ExitCode(LedgerExit.failed)
        }
        print("restored \(backup) as \(restored.ledger)")
        print(restored.verification.summary)
        if let aside = restored.keptAside { print("the ledger it replaced is kept as \(aside)") }
        print("start the daemon now (systemctl start parcel-stationd)")
    }
}
