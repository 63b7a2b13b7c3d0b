import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore

/// The "phone set" migration rebuilds `parcel_event` a second time (the undo migration rebuilt it first, and SQLite's
/// rename left its name quoted) to allow the `setPhone` kind. A station upgrading keeps its log, chain and outbox.
@Suite struct PhoneSetMigrationTests {
    @Test func aLedgerFromBeforeSetPhoneKeepsItsLogAndAcceptsTheNewEvent() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-phone-migration")
        let path = directory.file("parcels.sqlite")
        var config = Configuration()
        config.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        try Schema.migrator.migrate(queue, upTo: "2026-11-23 reminded parcels")
        let dependents =
            "SELECT type || ' ' || name, sql FROM sqlite_schema WHERE tbl_name = 'parcel_event' AND type IN ('index', 'trigger') ORDER BY 1"
        let before = try queue.read { db in try Row.fetchAll(db, sql: dependents) }
        #expect(before.count >= 5)  // its index, the append-only, chain and outbox triggers
        try queue.write { db in
            let tx = LedgerTransaction(db: db)
            for index in 0..<10 {
                let new = NewParcel(
                    tracking: try TrackingNumber(raw: "SF\(1_234_567_890_100 + index)"), courier: "SF", phoneTail: nil, phoneHash: nil,
                    phoneFull: nil, at: Int64(1_000 + index))
                _ = try tx.insertParcel(new, shelving: PickupCode(shelf: 1, layer: 1, sequence: index + 1), actor: "t")
            }
        }
        let rowsBefore = try queue.read { db in
            (try Row.fetchAll(db, sql: "SELECT * FROM parcel_event ORDER BY id"), try Row.fetchAll(db, sql: "SELECT * FROM sync_outbox"))
        }
        // Before the migration the kind is refused by the table's CHECK.
        #expect(throws: DatabaseError.self) {
            try queue.write { db in
                let parcel = try #require(try LedgerTransaction(db: db).activeParcel(tracking: "SF1234567890100"))
                try LedgerTransaction(db: db).setPhone(parcel, tail: "5678", hash: nil, full: nil, at: 5_000, actor: "t")
            }
        }
        try queue.close()

        let store = try ParcelStore(path: path)
        try store.pool.read { (db: Database) throws in
            #expect(try Row.fetchAll(db, sql: "SELECT * FROM parcel_event ORDER BY id") == rowsBefore.0)
            #expect(try Row.fetchAll(db, sql: "SELECT * FROM sync_outbox") == rowsBefore.1)
            #expect(try Row.fetchAll(db, sql: dependents) == before)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
        let parcel = try #require(try store.readNow { try $0.activeParcel(tracking: "SF1234567890100") })
        let updated = try store.pool.write { db in
            try LedgerTransaction(db: db).setPhone(
                parcel, tail: "5678", hash: nil, full: nil, at: 5_000, actor: "t", details: ["given": "phoneTail"])
        }
        #expect(updated.phoneTail == "5678")
        #expect(updated.state == .shelved)
        #expect(try store.readNow { try $0.activeParcels(phoneTail: "5678") }.map(\.id) == [parcel.id])
        #expect(try store.readNow { try $0.events(parcelID: parcel.id) }.map(\.kind) == [.intake, .shelve, .setPhone])
        // Still append-only, still chained, still sent to the county.
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in try db.execute(sql: "UPDATE parcel_event SET actor = 'x' WHERE kind = 'setPhone'") }
        }
        #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sync_outbox") } == rowsBefore.1.count + 1)
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken == nil)
    }
}
