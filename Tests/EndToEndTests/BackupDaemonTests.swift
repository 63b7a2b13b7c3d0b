import Foundation
import GRDB
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// Fault 9 and its remedies, with the real daemon and parcelctl: a damaged ledger is refused (exit 73) with what to
/// do, `parcelctl ledger recover` gives a file it starts on, a clean stop leaves no WAL, and a restore drill.
@Suite(.serialized, .waitsOnProcesses) struct BackupDaemonTests {
    static func parcelctl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(BuiltProducts.parcelctl, arguments)
    }

    static func walBytes(_ ledger: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: ledger + "-wal"))?[.size] as? NSNumber)?.intValue ?? 0
    }

    static func intakes(_ daemon: DaemonProcess, _ range: Range<Int>) throws {
        let connection = try daemon.connect()
        for index in range { _ = try connection.intake("SF" + String(1_000_000_000_000 + index), phoneTail: "5678") }
    }

    static func found(_ daemon: DaemonProcess, _ index: Int) throws -> Bool {
        let reply = try daemon.connect().callRaw(Method.get.rawValue, GetParams(tracking: "SF" + String(1_000_000_000_000 + index)))
        return StationConnection.errorCode(of: reply) == nil
    }

    static func auditIsIntact(_ daemon: DaemonProcess) throws -> AuditResult {
        try daemon.connect().call(Method.verifyAudit.rawValue, NoParams(), as: AuditResult.self)
    }

    /// Overwrites a leaf page in the middle of `name` (a table or index) of the stopped daemon's ledger.
    static func damage(_ name: String, in ledger: String) throws {
        let queue = try DatabaseQueue(path: ledger)
        let pages = try queue.read { db in
            try Int.fetchAll(db, sql: "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", arguments: [name])
        }
        try queue.close()
        try #require(pages.count >= 3)
        let handle = try #require(FileHandle(forUpdatingAtPath: ledger))
        try handle.seek(toOffset: UInt64((pages[pages.count / 2] - 1) * 4096))
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 4096))
        try handle.close()
    }

    @Test func aCleanStopLeavesNoWAL() throws {
        let daemon = try DaemonProcess()
        try Self.intakes(daemon, 0..<100)
        let ledger = "\(daemon.stateDir)/parcels.sqlite"
        #expect(Self.walBytes(ledger) > 0)
        #expect(daemon.terminate() == 0)
        #expect(Self.walBytes(ledger) == 0, "\(Self.walBytes(ledger)) bytes of WAL left after a clean stop")
    }

    @Test func aDamagedLedgerIsRefusedAndTheRecoveredOneIsServed() throws {
        let daemon = try DaemonProcess()
        try Self.intakes(daemon, 0..<1200)
        #expect(daemon.terminate() == 0)
        let ledger = "\(daemon.stateDir)/parcels.sqlite"
        try Self.damage("sqlite_autoindex_parcel_event_1", in: ledger)
        let damagedBytes = try Data(contentsOf: URL(fileURLWithPath: ledger))

        // Refused: exit 73, the file named, the recovery command given; nothing written to it.
        do {
            _ = try daemon.restarted()
            Issue.record("the daemon served a ledger whose quick_check fails")
        } catch DaemonError.exited(let status, let log) {
            #expect(status == 73)
            #expect(log.contains("the ledger \(ledger) is damaged"), "\(log)")
            #expect(log.contains("parcelctl ledger recover \(ledger) --out"), "\(log)")
            #expect(log.contains("parcelctl ledger install"), "\(log)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == damagedBytes)

        let recovered = daemon.directory.file("recovered.sqlite")
        let recover = try Self.parcelctl(["ledger", "recover", ledger, "--out", recovered])
        #expect(recover.status == 0, "\(recover.stdout)\(recover.stderr)")
        #expect(recover.stdout.contains("custody chain: verifies (2400 events"), "\(recover.stdout)")
        #expect(recover.stdout.contains("VERIFIES"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == damagedBytes, "recover changed the damaged file")

        // The documented swap: the recovered file in place, the damaged one kept aside.
        let install = try Self.parcelctl(["ledger", "install", recovered, "--state-dir", daemon.stateDir])
        #expect(install.status == 0, "\(install.stdout)\(install.stderr)")
        #expect(install.stdout.contains("kept as \(ledger).replaced-"))
        let again = try daemon.restarted()
        #expect(try Self.found(again, 0) && Self.found(again, 1199))
        try Self.intakes(again, 1200..<1201)
        let audit = try Self.auditIsIntact(again)
        #expect(audit.valid && audit.events == 2402)
        #expect(again.terminate() == 0)
    }

    @Test func recoveringADamagedTableSaysTheChainIsBroken() throws {
        let daemon = try DaemonProcess()
        try Self.intakes(daemon, 0..<1200)
        #expect(daemon.terminate() == 0)
        let ledger = "\(daemon.stateDir)/parcels.sqlite"
        try Self.damage("parcel_event", in: ledger)
        let recover = try Self.parcelctl(["ledger", "recover", ledger, "--out", daemon.directory.file("recovered.sqlite")])
        #expect(recover.status == 3, "\(recover.stdout)\(recover.stderr)")
        #expect(recover.stdout.contains("parcel_event:") && recover.stdout.contains("LOST rowids"), "\(recover.stdout)")
        #expect(recover.stdout.contains("custody chain: BROKEN"), "\(recover.stdout)")
        #expect(recover.stdout.contains("DOES NOT VERIFY"))
    }

    @Test func restoreDrill() throws {
        let backups = try TemporaryDirectory(prefix: "parcel-backups")
        let config = #"{"backup": {"folder": "\#(backups.path)", "intervalMinutes": 600, "keep": 3}}"#
        let daemon = try DaemonProcess(config: config)
        try Self.intakes(daemon, 0..<40)

        let now = try Self.parcelctl(["--socket", daemon.socketPath, "backup", "now"])
        #expect(now.status == 0, "\(now.stdout)\(now.stderr)")
        #expect(now.stdout.contains("40 parcels, 80 events"), "\(now.stdout)")
        let list = try daemon.connect().call(Method.backupList.rawValue, NoParams(), as: BackupListResult.self)
        let backup = try #require(list.backups.first)
        #expect(list.backups.count == 1)
        let status = try daemon.connect().call(Method.status.rawValue, NoParams(), as: StatusResult.self)
        #expect(status.backup?.configured == true)
        #expect(status.backup?.lastOk?.name == backup.name)
        #expect(status.backup?.lastFailure == nil)
        #expect(status.backup?.nextDueAt != nil)

        try Self.intakes(daemon, 40..<60)
        // Offline only: refused while the daemon has the ledger open.
        let early = try Self.parcelctl(["backup", "restore", backup.path, "--state-dir", daemon.stateDir])
        #expect(early.status == 1 && early.stderr.contains("in use"), "\(early.stdout)\(early.stderr)")
        #expect(daemon.terminate() == 0)

        let restore = try Self.parcelctl(["backup", "restore", backup.path, "--state-dir", daemon.stateDir])
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        #expect(restore.stdout.contains("kept as \(daemon.stateDir)/parcels.sqlite.replaced-"), "\(restore.stdout)")

        let restarted = try daemon.restarted(config: config)
        #expect(try Self.found(restarted, 0) && Self.found(restarted, 39))
        #expect(try !Self.found(restarted, 40), "a parcel taken in after the backup")
        let audit = try Self.auditIsIntact(restarted)
        #expect(audit.valid && audit.events == 80)
        // The station goes on from the restored ledger.
        try Self.intakes(restarted, 60..<61)
        #expect(try Self.auditIsIntact(restarted).valid)
        #expect(restarted.terminate() == 0)
    }

    @Test func aMissingBackupFolderIsReportedNeverFatal() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-nobackup")
        let folder = directory.file("usb-stick-not-plugged-in")
        let daemon = try DaemonProcess(config: #"{"backup": {"folder": "\#(folder)"}}"#)
        try Self.intakes(daemon, 0..<3)
        let status = try daemon.connect().call(Method.status.rawValue, NoParams(), as: StatusResult.self)
        #expect(status.backup?.lastFailure?.contains("\(folder) does not exist") == true, "\(String(describing: status.backup))")
        let reply = try daemon.connect().callRaw(Method.backupNow.rawValue, NoParams())
        #expect(StationConnection.errorCode(of: reply) == ErrorCode.backupFailed.rawValue)
        try Self.intakes(daemon, 3..<4)
        #expect(daemon.terminate() == 0)
    }

    @Test func withoutABackupFolderBackupNowSaysSo() throws {
        let daemon = try DaemonProcess()
        let reply = try daemon.connect().callRaw(Method.backupNow.rawValue, NoParams())
        #expect(StationConnection.errorCode(of: reply) == ErrorCode.backupNotConfigured.rawValue)
        let status = try daemon.connect().call(Method.status.rawValue, NoParams(), as: StatusResult.self)
        #expect(status.backup == BackupStatus(configured: false))
        #expect(daemon.terminate() == 0)
    }
}
