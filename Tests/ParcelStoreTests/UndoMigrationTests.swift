import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore

/// The "undo" migration rebuilds `parcel` and `parcel_event` to widen their CHECK lists. A station upgrading
/// keeps every row, every index and trigger, its custody chain and its sync outbox.
@Suite struct UndoMigrationTests {
    func schemaObjects(_ db: Database) throws -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(
                db, sql: "SELECT type || ' ' || name AS key, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
            ).map { ($0["key"] as String, $0["sql"] as String) })
    }

    @Test func aLedgerFromBeforeUndoKeepsEverythingAndAcceptsTheNewStates() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-undo-migration")
        let path = directory.file("parcels.sqlite")
        var config = Configuration()
        config.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        try Schema.migrator.migrate(queue, upTo: "2026-11-22 sync outbox")
        let before = try queue.read(schemaObjects)

        // A day of history written the way the ledger writes it, before the upgrade.
        let transaction = { (db: Database) in LedgerTransaction(db: db) }
        try queue.write { db in
            let tx = transaction(db)
            for index in 0..<20 {
                let new = NewParcel(
                    tracking: try TrackingNumber(raw: "SF\(1_234_567_890_100 + index)"), courier: "SF", phoneTail: "5678",
                    phoneHash: nil, phoneFull: nil, at: Int64(1_000 + index))
                let parcel = try tx.insertParcel(new, shelving: PickupCode(shelf: 1, layer: 1, sequence: index + 1), actor: "t")
                if index % 3 == 0 {
                    let pickup = try tx.insertPickup(PickupProof(at: 5_000, staff: "s", client: "c", method: "code", collector: nil))
                    try tx.apply(.pickUp, to: parcel, at: 5_000, actor: "t", pickupID: pickup)
                }
            }
        }
        // (A later migration adds parcel.purged_at: the columns there before are compared.)
        let parcelColumns = try queue.read { db in try db.columns(in: "parcel").map(\.name).joined(separator: ", ") }
        let rowsBefore = try queue.read { db in
            (
                try Row.fetchAll(db, sql: "SELECT \(parcelColumns) FROM parcel ORDER BY id"),
                try Row.fetchAll(db, sql: "SELECT * FROM parcel_event ORDER BY id"),
                try Row.fetchAll(db, sql: "SELECT * FROM sync_outbox ORDER BY seq"), try Row.fetchAll(db, sql: "SELECT * FROM layer_load")
            )
        }
        try queue.close()

        // The daemon opens it: the migration runs.
        let store = try ParcelStore(path: path)
        try store.pool.read { db in
            #expect(try Row.fetchAll(db, sql: "SELECT \(parcelColumns) FROM parcel ORDER BY id") == rowsBefore.0)
            #expect(try Row.fetchAll(db, sql: "SELECT * FROM parcel_event ORDER BY id") == rowsBefore.1)
            #expect(try Row.fetchAll(db, sql: "SELECT * FROM sync_outbox ORDER BY seq") == rowsBefore.2)
            #expect(try Row.fetchAll(db, sql: "SELECT * FROM layer_load") == rowsBefore.3)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            // Every index and trigger is back, word for word; only the two tables' definitions changed, and
            // one index was added.
            let after = try schemaObjects(db)
            // (Later migrations add parcel_reminded, station_event with its triggers, and the privacy purge's indexes, its
            // run table and the erase-only rule for closed handoffs' lines.)
            let later = [
                "index handoff_line_parcel", "index parcel_reminded", "table station_event", "trigger station_event_no_update",
                "trigger station_event_no_delete", "index parcel_purge_due", "index parcel_pickup", "index pickup_collector_due",
                "index handoff_line_purge_due", "index outgoing_purge_due", "table purge_run", "trigger handoff_line_erase_only",
                "table problem", "index problem_open", "index problem_parcel", "index problem_opened", "index problem_resolved",
                "trigger problem_resolved_is_final", "trigger problem_no_delete", "trigger sync_problem_opened",
                "trigger sync_problem_resolved", "table pickup_miss", "index pickup_miss_at", "index parcel_in_transit",
                "table handoff_document", "index handoff_document_sent_seq", "index handoff_document_handoff",
                "trigger handoff_document_no_update", "trigger handoff_document_no_delete",
            ]
            #expect(Set(after.keys) == Set(before.keys).union(later))
            // (handoff_line gains columns in a later migration; outgoing and the frozen-lines trigger in the purge's; the
            // relay's widens handoff and gives the county the signed manifest's digest in the handoff snapshots.)
            let changed = [
                "table parcel", "table parcel_event", "table handoff_line", "table outgoing", "trigger handoff_line_frozen",
                "table sync_outbox", "table handoff", "trigger sync_handoff_opened", "trigger sync_handoff_closed",
            ]
            for (key, sql) in before where !changed.contains(key) {
                #expect(after[key] == sql, "\(key)")
            }
            for state in ParcelState.allCases { #expect(after["table parcel"]?.contains("'\(state.rawValue)'") == true, "\(state)") }
            for kind in ParcelEventKind.allCases {
                #expect(after["table parcel_event"]?.contains("'\(kind.rawValue)'") == true, "\(kind)")
            }
        }
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken == nil)

        // The rebuilt tables enforce what they did, and take the new state and events.
        let parcel = try #require(try store.readNow { try $0.search(ParcelQuery(states: [.shelved], limit: 1)).first })
        let voided = try store.pool.write { db in try LedgerTransaction(db: db).apply(.undoIntake, to: parcel, at: 9_000, actor: "t") }
        #expect(voided.state == .voided)
        #expect(voided.releasedAt == 9_000)
        for sql in [
            "UPDATE parcel SET released_at = NULL WHERE state = 'voided'",  // a voided stay has ended
            "DELETE FROM parcel WHERE id = 1", "UPDATE parcel_event SET actor = 'x' WHERE id = 1",
            "UPDATE parcel SET state = 'lost' WHERE id = 1",
        ] {
            #expect(throws: DatabaseError.self, "\(sql)") { try store.pool.write { db in try db.execute(sql: sql) } }
        }
        let events = try store.readNow { try $0.events(parcelID: parcel.id) }
        #expect(events.last?.kind == .undoIntake)
        #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sync_outbox") } == rowsBefore.2.count + 1)
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken == nil)
    }
}
