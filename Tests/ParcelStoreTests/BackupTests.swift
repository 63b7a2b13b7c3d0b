import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore

/// The ledger file as a whole, on real SQLite files: the start-up check, the WAL at close, backups (verified,
/// atomic, rotated), the salvage of a damaged file and the offline restore.
@Suite struct LedgerFileTests {
    let directory: TemporaryDirectory
    let path: String

    init() throws {
        directory = try TemporaryDirectory(prefix: "parcel-ledger-file")
        path = directory.file("parcels.sqlite")
    }

    /// A ledger of `count` shelved parcels, each with its two chained events, closed.
    func ledger(_ count: Int, at path: String? = nil) async throws {
        let store = try ParcelStore(path: path ?? self.path)
        try await Self.fill(store, count)
        try store.close()
    }

    static func fill(_ store: ParcelStore, _ count: Int, from start: Int = 0) async throws {
        for index in start..<(start + count) {
            try await store.write { tx in
                _ = try tx.insertParcel(
                    NewParcel(
                        tracking: try TrackingNumber(raw: "SF" + String(1_000_000_000_000 + index)), courier: "SF", phoneTail: "5678",
                        phoneHash: nil, phoneFull: nil, at: Int64(1000 + index)),
                    shelving: PickupCode(shelf: 1 + index / 9000, layer: 1, sequence: index % 9000 + 1), actor: "t",
                    details: ["n": "\(index)"])
            }
        }
    }

    /// Overwrites one page of the closed file, as a failing disk would.
    static func overwrite(page: Int, of path: String) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64((page - 1) * 4096))
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 4096))
        try handle.close()
    }

    /// A page in the middle of `name` (a table or an index) of the closed file: a leaf, not its root.
    static func middlePage(of name: String, in path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let pages = try queue.read { db in
            try Int.fetchAll(db, sql: "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno", arguments: [name])
        }
        try #require(pages.count >= 3, "\(name) has \(pages.count) leaf pages")
        return pages[pages.count / 2]
    }

    static func walBytes(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// A stopping daemon interrupts a backup's verification instead of waiting for it (18 s on a million parcels).
    @Test func verificationStopsWhenCancelled() async throws {
        try await ledger(3000)
        let full = try LedgerIntegrity.verify(path: path)
        #expect(full.ok)
        #expect(throws: DatabaseError.self) { _ = try LedgerIntegrity.verify(path: path, cancelled: { true }) }
        #expect(try LedgerIntegrity.verify(path: path, cancelled: { false }).ok)
    }

    @Test func closeLeavesNoWAL() async throws {
        let store = try ParcelStore(path: path)
        try await Self.fill(store, 200)
        #expect(Self.walBytes(path) > 0)
        try store.close()
        #expect(Self.walBytes(path) == 0, "a clean close leaves \(Self.walBytes(path)) bytes of WAL")
        // Everything is in the main file: a copy of it alone holds every parcel.
        try FileManager.default.copyItem(atPath: path, toPath: directory.file("alone.sqlite"))
        #expect(try LedgerIntegrity.verify(path: directory.file("alone.sqlite")).parcels == 200)
    }

    @Test func healthyLedgerPassesTheStartupCheck() async throws {
        #expect(try LedgerIntegrity.startupCheck(path: path) == nil, "a ledger not created yet is not damaged")
        try await ledger(300)
        #expect(try LedgerIntegrity.startupCheck(path: path) == nil)
    }

    @Test func overwrittenPageFailsTheStartupCheckWithWhatToDo() async throws {
        try await ledger(1500)
        try Self.overwrite(page: try Self.middlePage(of: "parcel", in: path), of: path)
        let message = try #require(try LedgerIntegrity.startupCheck(path: path))
        #expect(message.contains(path))
        #expect(message.contains("parcelctl ledger recover \(path) --out"))
        #expect(message.contains("parcelctl backup restore"))
        #expect(!(try LedgerIntegrity.check(path: path, depth: .quick).ok))
    }

    @Test func backupsAreVerifiedCompleteAndRotated() async throws {
        let store = try ParcelStore(path: path)
        try await Self.fill(store, 300)
        let folder = directory.file("backups")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let head = try store.readNow { try $0.verifyCustodyChain() }
        var written: [LedgerBackup.Written] = []
        for second in 0..<3 {
            written.append(try store.backup(toFolder: folder, keep: 2, now: Date(timeIntervalSince1970: 1_800_000_000 + Double(second))))
        }
        try store.close()
        #expect(written.allSatisfy { $0.verification.ok && $0.verification.parcels == 300 })
        #expect(written.allSatisfy { $0.verification.chain == head })
        #expect(written[2].removed == [written[0].entry.name])
        // Only the two newest, under their final names: no temporary file, no journal, no WAL beside them.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [written[1].entry.name, written[2].entry.name])
        #expect(try LedgerBackup.list(folder: folder).map(\.name) == [written[2].entry.name, written[1].entry.name])
        #expect(written[2].entry.name == "parcels-20270115T080002.000Z.sqlite")
    }

    @Test func bothCopyMethodsGiveTheSameLedger() async throws {
        let store = try ParcelStore(path: path)
        try await Self.fill(store, 200)
        let folder = directory.file("b")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let viaAPI = try store.backup(toFolder: folder, keep: 5, method: .onlineBackup, now: Date(timeIntervalSince1970: 1_800_000_000))
        let viaVacuum = try store.backup(toFolder: folder, keep: 5, method: .vacuumInto, now: Date(timeIntervalSince1970: 1_800_000_001))
        try store.close()
        #expect(viaAPI.verification.chain == viaVacuum.verification.chain)
        #expect(viaAPI.verification.parcels == 200 && viaVacuum.verification.parcels == 200)
        #expect(viaAPI.verification.ok && viaVacuum.verification.ok)
    }

    @Test func aMissingOrUnusableFolderIsAFailureWithItsReason() async throws {
        let store = try ParcelStore(path: path)
        try await Self.fill(store, 5)
        let missing = directory.file("not-mounted")
        #expect {
            try store.backup(toFolder: missing, keep: 2)
        } throws: { error in
            (error as? LedgerBackup.Failure)?.description.contains("\(missing) does not exist") == true
        }
        let file = directory.file("a-file")
        FileManager.default.createFile(atPath: file, contents: Data())
        #expect {
            try store.backup(toFolder: file, keep: 2)
        } throws: { error in
            (error as? LedgerBackup.Failure)?.description.contains("is not a folder") == true
        }
        // The ledger goes on taking writes.
        try await Self.fill(store, 1, from: 5)
        try store.close()
    }

    @Test func salvageAroundADamagedIndexRecoversEverything() async throws {
        try await ledger(3000)
        let damaged = directory.file("parcels.sqlite")
        try Self.overwrite(page: try Self.middlePage(of: "sqlite_autoindex_parcel_event_1", in: damaged), of: damaged)
        let before = try Data(contentsOf: URL(fileURLWithPath: damaged))
        let recovered = try LedgerFiles.recover(damaged: damaged, output: directory.file("recovered.sqlite"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: damaged)) == before, "the damaged file was changed")
        #expect(recovered.verification.ok, "\(recovered.verification.summary)")
        #expect(recovered.verification.parcels == 3000)
        #expect(recovered.verification.chain?.events == 6000)
        #expect(recovered.complete, "\(recovered.tables)")
        // The daemon's store opens it as a ledger and takes writes.
        let store = try ParcelStore(path: recovered.output)
        try await Self.fill(store, 1, from: 3000)
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken == nil)
        try store.close()
    }

    @Test func salvageAroundADamagedTablePageSaysWhatIsLostAndThatTheChainIsBroken() async throws {
        try await ledger(3000)
        let damaged = directory.file("parcels.sqlite")
        try Self.overwrite(page: try Self.middlePage(of: "parcel_event", in: damaged), of: damaged)
        let recovered = try LedgerFiles.recover(damaged: damaged, output: directory.file("recovered.sqlite"))
        #expect(recovered.verification.integrity.ok)
        // Rows on both sides of the damaged page are back; the ones on it are lost, and said to be.
        let events = try #require(recovered.verification.chain?.events)
        #expect(events > 5000 && events < 6000, "\(events) events")
        #expect(recovered.tables.contains { $0.hasPrefix("parcel_event:") && $0.contains("LOST rowids") }, "\(recovered.tables)")
        #expect(recovered.verification.chain?.firstBroken != nil)
        #expect(!recovered.verification.ok)
        #expect(recovered.verification.summary.contains("custody chain: BROKEN"))
    }

    @Test func restoreVerifiesKeepsTheCurrentLedgerAsideAndRefusesWhileInUse() async throws {
        let store = try ParcelStore(path: path)
        try await Self.fill(store, 100)
        let folder = directory.file("backups")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let backup = try store.backup(toFolder: folder, keep: 3)
        try await Self.fill(store, 50, from: 100)
        #expect {
            try LedgerFiles.restore(backup: backup.entry.path, stateDir: directory.path)
        } throws: { error in
            (error as? LedgerBackup.Failure)?.description.contains("is in use") == true
        }
        try store.close()
        let restored = try LedgerFiles.restore(backup: backup.entry.path, stateDir: directory.path)
        #expect(restored.verification.parcels == 100)
        let aside = try #require(restored.keptAside)
        #expect(try LedgerIntegrity.verify(path: aside).parcels == 150)
        let reopened = try ParcelStore(path: path)
        #expect(try reopened.readNow { try $0.verifyCustodyChain() }.events == 200)
        try reopened.close()
        // A backup that does not verify is not restored.
        try Self.overwrite(page: try Self.middlePage(of: "parcel", in: backup.entry.path), of: backup.entry.path)
        #expect {
            try LedgerFiles.restore(backup: backup.entry.path, stateDir: directory.path)
        } throws: { error in
            (error as? LedgerBackup.Failure)?.description.contains("does not verify") == true
        }
    }
}
