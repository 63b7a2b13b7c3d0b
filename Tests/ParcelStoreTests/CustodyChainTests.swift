import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore

/// The custody log on real SQLite files: intact after normal writes, broken at exactly the altered event.
@Suite struct CustodyChainTests {
    let directory: TemporaryDirectory
    let store: ParcelStore

    init() throws {
        directory = try TemporaryDirectory(prefix: "parcel-chain")
        store = try ParcelStore(path: directory.file("parcels.sqlite"))
    }

    /// Known answers, computed outside Swift (Python's hashlib) from the documented form: SHA-256 over the
    /// previous digest, "pe1", then each field as "<UTF-8 byte count>:<bytes>". Ledgers already written hold
    /// digests of this form, so any change to how it is computed must fail here.
    @Test func digestsMatchTheDocumentedForm() {
        let actor = "王芳@parcelctl(uid 1000)"
        let first = CustodyChain.digest(
            previous: CustodyChain.genesis,
            .init(
                id: 1, uid: "0190a1b2-0000-7000-8000-000000000001", tracking: "SF1234567890123", kind: "intake", from: nil,
                to: "received", at: 1_763_800_000_000, actor: actor, details: "{}"))
        #expect(CustodyChain.hex(first) == "3583e99e6c2e04dd2c871869a5e69ac5fb6c93c6aaa592f96eeb2b02e94293bb")
        let second = CustodyChain.digest(
            previous: first,
            .init(
                id: 2, uid: "0190a1b2-0000-7000-8000-000000000002", tracking: "SF1234567890123", kind: "shelve", from: "received",
                to: "shelved", at: 1_763_800_000_000, actor: actor, details: #"{"pickupCode":"3-2-0147"}"#))
        #expect(CustodyChain.hex(second) == "553748aea2ac57431ddd4ddf1e7be76bcaf0473a80839eacf2f80825a1e4895a")
    }

    func fill(_ count: Int, from start: Int = 0) async throws {
        for index in start..<(start + count) {
            try await store.write { tx in
                let parcel = try tx.insertParcel(
                    NewParcel(
                        tracking: try TrackingNumber(raw: "SF" + String(1_000_000_000_000 + index)), courier: "SF", phoneTail: nil,
                        phoneHash: nil, phoneFull: nil, at: Int64(1000 + index)),
                    shelving: PickupCode(shelf: 1, layer: 1, sequence: index + 1), actor: "t", details: ["n": "\(index)"])
                if index % 3 == 0 { try tx.apply(.notify, to: parcel, at: Int64(2000 + index), actor: "t") }
            }
        }
    }

    /// Alters the database as someone with the file would: the append-only trigger lifted first.
    func tamper(_ sql: String) throws {
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER parcel_event_no_update; DROP TRIGGER parcel_event_no_delete; \(sql)")
        }
    }

    @Test func intactAfterWritesIncludingFailedOnes() async throws {
        try await fill(10)
        // A write that fails after appending an event rolls back; the next event chains to the last committed one.
        await #expect(throws: StoreError.self) {
            try await store.write { tx in
                let parcel = try #require(try tx.activeParcel(tracking: "SF1000000000001"))
                try tx.apply(.notify, to: parcel, at: 5000, actor: "t")
                throw StoreError.unavailable("test: roll back")
            }
        }
        try await fill(2, from: 10)
        let result = try store.readNow { try $0.verifyCustodyChain() }
        #expect(result.firstBroken == nil)
        #expect(result.events == 10 * 2 + 4 + 2 * 2)
        #expect(result.head?.count == 64)
        // Reopening (a fresh writer with no memory of the head) continues the same chain.
        try store.close()
        let reopened = try ParcelStore(path: directory.file("parcels.sqlite"))
        try await reopened.write { tx in
            let parcel = try #require(try tx.activeParcel(tracking: "SF1000000000002"))
            try tx.apply(.notify, to: parcel, at: 6000, actor: "t")
        }
        #expect(try reopened.readNow { try $0.verifyCustodyChain() }.firstBroken == nil)
    }

    @Test func anEditedEventIsNamed() async throws {
        try await fill(8)
        try tamper("UPDATE parcel_event SET actor = 'someone else' WHERE id = 7")
        let result = try store.readNow { try $0.verifyCustodyChain() }
        #expect(result.firstBroken?.id == 7)
    }

    @Test func aRemovedEventBreaksTheNextLink() async throws {
        try await fill(8)
        try tamper("DELETE FROM parcel_event WHERE id = 4")
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken?.id == 5)
    }

    @Test func aChangedTimeOrDetailIsNamed() async throws {
        try await fill(6)
        try tamper("UPDATE parcel_event SET at = at + 1 WHERE id = 3")
        #expect(try store.readNow { try $0.verifyCustodyChain() }.firstBroken?.id == 3)
    }

    @Test func theTrackingNumberUnderTheChainCannotChange() async throws {
        try await fill(1)
        #expect(throws: DatabaseError.self) {
            try store.pool.writeWithoutTransaction { try $0.execute(sql: "UPDATE parcel SET tracking = 'SF9999999999999'") }
        }
        #expect(throws: DatabaseError.self) {
            try store.pool.writeWithoutTransaction { db in
                try db.execute(
                    sql:
                        "INSERT INTO parcel_event (uid, parcel_id, kind, to_state, at, actor) VALUES ('x', 1, 'notify', 'notified', 1, 'x')"
                )
            }
        }
    }
}
