import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore

/// The "problem parcels and pickup proofs" migration widens the state and kind lists of `parcel` and `parcel_event`
/// in place (writable_schema), without copying rows: a station upgrading keeps every row and page as it was, and the
/// widened constraints still refuse what they refused before.
@Suite struct ProblemStatesMigrationTests {
    @Test func theWideningKeepsEveryRowAndAcceptsOnlyTheNewValues() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-problem-migration")
        let path = directory.file("parcels.sqlite")
        var config = Configuration()
        config.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        try Schema.migrator.migrate(queue, upTo: "2026-12-03 phone set")
        try queue.write { db in
            let tx = LedgerTransaction(db: db)
            for index in 0..<10 {
                let new = NewParcel(
                    tracking: try TrackingNumber(raw: "SF\(1_234_567_890_100 + index)"), courier: "SF", phoneTail: nil, phoneHash: nil,
                    phoneFull: nil, at: Int64(1_000 + index))
                _ = try tx.insertParcel(new, shelving: PickupCode(shelf: 1, layer: 1, sequence: index + 1), actor: "t")
            }
        }
        let snapshot =
            "SELECT (SELECT group_concat(id || state, ',') FROM parcel), (SELECT group_concat(id || kind, ',') FROM parcel_event)"
        let before = try queue.read { db in
            (
                try Row.fetchOne(db, sql: snapshot), try Int.fetchOne(db, sql: "PRAGMA page_count"),
                try Row.fetchAll(db, sql: "SELECT * FROM sync_outbox")
            )
        }
        // Before: the new state is refused.
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "UPDATE parcel SET state = 'writtenOff', released_at = 1 WHERE id = 1") }
        }
        try queue.close()

        // Up to this migration (the privacy purge's, after it, adds indexes and a table of its own).
        let upgraded = try DatabaseQueue(path: path, configuration: config)
        try Schema.migrator.migrate(upgraded, upTo: "2026-12-04 problem parcels and pickup proofs")
        try upgraded.read { (db: Database) throws in
            #expect(try Row.fetchOne(db, sql: snapshot) == before.0)
            // No rebuild: the file did not grow by a copy of the tables.
            #expect(try Int.fetchOne(db, sql: "PRAGMA page_count") == before.1)
            #expect(try Row.fetchAll(db, sql: "SELECT * FROM sync_outbox") == before.2)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }
        try upgraded.close()
        let store = try ParcelStore(path: path)
        // The widened constraints take the new values and still refuse what is neither old nor new.
        try store.pool.write { db in
            try db.execute(sql: "UPDATE parcel SET state = 'writtenOff', released_at = 5000 WHERE id = 1")
        }
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in try db.execute(sql: "UPDATE parcel SET state = 'writtenOff', released_at = NULL WHERE id = 2") }
        }
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in try db.execute(sql: "UPDATE parcel SET state = 'lost' WHERE id = 2") }
        }
        let parcel = try #require(try store.readNow { try $0.activeParcel(tracking: "SF1234567890102") })
        let flagged = try store.pool.write { db in
            let tx = LedgerTransaction(db: db)
            let exception = try tx.apply(.flagException, to: parcel, at: 6_000, actor: "t")
            return try tx.apply(.writeOff, to: exception, at: 7_000, actor: "t")
        }
        #expect(flagged.state == .writtenOff)
        #expect(flagged.releasedAt == 7_000)
        #expect(try store.readNow { try $0.events(parcelID: parcel.id) }.map(\.kind) == [.intake, .shelve, .flagException, .writeOff])
        // A connection opened before the change (the pool's readers) reads the new schema too.
        #expect(try store.readNow { try $0.latestParcel(tracking: "SF1234567890102") }?.state == .writtenOff)
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken == nil)
    }
}
