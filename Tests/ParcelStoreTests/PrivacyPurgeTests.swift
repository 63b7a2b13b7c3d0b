import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore

/// The privacy purge in the store: what it erases, what it leaves, and that the custody chain still verifies.
@Suite struct PrivacyPurgeTests {
    static func ledger(in directory: TemporaryDirectory) throws -> DatabaseQueue {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        let queue = try DatabaseQueue(path: directory.file("parcels.sqlite"), configuration: config)
        try Schema.migrator.migrate(queue)
        return queue
    }

    @Test func endedStaysLoseTheirPersonalFieldsAndTheChainStillVerifies() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-purge-store")
        let queue = try Self.ledger(in: directory)
        let hash = Data(repeating: 0xAB, count: 32)
        try queue.write { db in
            let tx = LedgerTransaction(db: db)
            var parcels: [ParcelRecord] = []
            for index in 0..<3 {
                let new = NewParcel(
                    tracking: try TrackingNumber(raw: "SF\(1_234_567_890_100 + index)"), courier: "SF", phoneTail: "7391", phoneHash: hash,
                    phoneFull: "13912347391", at: 1_000)
                parcels.append(try tx.insertParcel(new, shelving: PickupCode(shelf: 1, layer: 1, sequence: index + 1), actor: "t"))
            }
            // Two picked up at 2,000 (one by proxy), the third still on its shelf.
            let pickup = try tx.insertPickup(PickupProof(at: 2_000, staff: "s", client: "c", method: "code", collector: "王小明测试"))
            for parcel in parcels.prefix(2) { try tx.apply(.pickUp, to: parcel, at: 2_000, actor: "t", pickupID: pickup) }
            try db.execute(
                sql: "INSERT INTO notice (key, parcel_id, message, status, queued_at, next_attempt_at) VALUES ('k', ?, ?, 'sent', 1, 1)",
                arguments: [parcels[0].id, #"{"recipient":{"phone":"13912347391","phoneTail":"7391"},"text":"请取件"}"#])
            try db.execute(
                sql: "INSERT INTO notice_attempt (key, number, holder, started_at, finished_at, outcome) VALUES ('k', 1, 'h', 1, 2, ?)",
                arguments: [#"{"result":"delivered","reason":"sent to 13912347391"}"#])
        }
        // Not yet: released at 2,000, cut-off 1,999.
        let early = try queue.write { db in try LedgerTransaction(db: db).purgeEndedStays(releasedBefore: 1_999, now: 5_000, limit: 500) }
        #expect(early == PurgeCounts())
        // One at a time: each call is its own short transaction.
        var total = PurgeCounts()
        while true {
            let step = try queue.write { db in try LedgerTransaction(db: db).purgeEndedStays(releasedBefore: 2_000, now: 5_000, limit: 1) }
            total = total + step
            if step.parcels == 0 { break }
        }
        #expect(total.parcels == 2 && total.pickups == 1 && total.notices == 1)
        try queue.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT phone_tail, phone_hash, phone_full, purged_at FROM parcel ORDER BY id")
            #expect(
                rows.prefix(2).allSatisfy {
                    ($0[0] as String?) == nil && ($0[1] as Data?) == nil && ($0[2] as String?) == nil && ($0[3] as Int64?) == 5_000
                })
            #expect((rows[2][0] as String?) == "7391" && (rows[2][1] as Data?) == hash && (rows[2][3] as Int64?) == nil)
            #expect(try String.fetchOne(db, sql: "SELECT collector FROM pickup") == nil)
            #expect(try String.fetchOne(db, sql: "SELECT message FROM notice") == #"{"recipient":{},"text":"请取件"}"#)
            #expect(try String.fetchOne(db, sql: "SELECT outcome FROM notice_attempt") == #"{"result":"delivered"}"#)
            #expect(try LedgerReader(db: db).verifyCustodyChain().firstBroken == nil)
        }
    }

    @Test func aClosedHandoffsLinesMayLoseTheirPhoneAndNothingElse() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-purge-lines")
        let queue = try Self.ledger(in: directory)
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO handoff (id, uid, direction, kind, party, party_name, counter, state, opened_at, opened_by)
                    VALUES (1, 'h1', 'inbound', 'delivery', 'p', 'P', '1', 'open', 1, 's');
                    INSERT INTO handoff_line (handoff_id, tracking, expected, status, phone_tail, phone_hash, phone_full)
                    VALUES (1, 'SF1', 1, 'expected', '7391', zeroblob(32), '13912347391');
                    UPDATE handoff SET state = 'closed', closed_at = 1000, closed_by = 's', confirmed_by = 'pin', receipt_seq = 1,
                        receipt = '{}', receipt_digest = 'd' WHERE id = 1;
                    """)
        }
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "UPDATE handoff_line SET status = 'missing'") }
        }
        #expect(throws: DatabaseError.self) {
            try queue.write { db in try db.execute(sql: "UPDATE handoff_line SET phone_tail = '1234'") }
        }
        let early = try queue.write { db in try LedgerTransaction(db: db).purgeLooseRecords(before: 999, now: 5_000, limit: 500) }
        #expect(early.handoffLines == 0)
        let counts = try queue.write { db in try LedgerTransaction(db: db).purgeLooseRecords(before: 1_000, now: 5_000, limit: 500) }
        #expect(counts.handoffLines == 1)
        let row = try queue.read { db in try Row.fetchOne(db, sql: "SELECT phone_tail, phone_hash, phone_full, status FROM handoff_line") }
        #expect(
            (row?[0] as String?) == nil && (row?[1] as Data?) == nil && (row?[2] as String?) == nil && (row?[3] as String?) == "expected")
    }
}
