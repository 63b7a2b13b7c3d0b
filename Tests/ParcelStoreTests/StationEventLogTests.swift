import Foundation
import GRDB
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore

/// The station-wide event sequence on real SQLite files: parcel and station events share one counter, across
/// rolled-back writes and a reopened ledger, and the replay query merges the two tables in that order.
@Suite struct StationEventLogTests {
    let directory: TemporaryDirectory
    let path: String
    let store: ParcelStore

    init() throws {
        directory = try TemporaryDirectory(prefix: "parcel-station-events")
        path = directory.file("parcels.sqlite")
        store = try ParcelStore(path: path)
    }

    struct Opened: Encodable {
        var handoff: String
        var lines: Int
    }

    static func intake(_ tx: LedgerTransaction, _ index: Int, slot: Int) throws -> ParcelRecord {
        try tx.insertParcel(
            NewParcel(
                tracking: try TrackingNumber(raw: "SF" + String(1_000_000_000_000 + index)), courier: "SF", phoneTail: nil, phoneHash: nil,
                phoneFull: nil, at: Int64(1000 + index)),
            shelving: PickupCode(shelf: 1, layer: 1, sequence: slot), actor: "t")
    }

    /// (seq, what) of every durable event, in replay order.
    func replayed(after: Int64 = 0, through: Int64 = .max, limit: Int = 100, in store: ParcelStore? = nil) throws -> [String] {
        try (store ?? self.store).readNow { try $0.durableEvents(after: after, through: through, limit: limit) }.map { event in
            switch event {
            case .parcel(let event, let parcel): "\(event.id) \(event.kind.rawValue) \(parcel.tracking) \(parcel.state.rawValue)"
            case .station(let record): "\(record.seq) \(record.name) \(record.data)"
            }
        }
    }

    @Test func parcelAndStationEventsShareOneSequenceAcrossRollbacksAndAReopen() async throws {
        let seq = try await store.write { tx -> Int64 in
            _ = try Self.intake(tx, 1, slot: 1)  // events 1, 2
            return try tx.appendStationEvent(name: "handoff.opened", at: 5, data: Opened(handoff: "h1", lines: 3))
        }
        #expect(seq == 3)
        // A job that appends and then fails rolls back: its numbers are handed out again, no hole is left.
        await #expect(throws: StoreError.self) {
            try await store.write { tx in
                try tx.appendStationEvent(name: "stocktake.opened", at: 6, data: Opened(handoff: "x", lines: 0))
                throw StoreError.unavailable("test: roll back")
            }
        }
        try await store.write { tx in
            let parcel = try #require(try tx.activeParcel(tracking: "SF1000000000001"))
            try tx.apply(.notify, to: parcel, at: 7, actor: "t")  // 4
        }
        #expect(try store.readNow { try $0.latestSequence() } == 4)

        // A new writer, no memory: the counter is read back from both tables.
        try store.close()
        let reopened = try ParcelStore(path: path)
        let next = try await reopened.write { tx in
            try tx.appendStationEvent(name: "handoff.closed", at: 8, data: Opened(handoff: "h1", lines: 3))
        }
        #expect(next == 5)
        try await reopened.write { tx in _ = try Self.intake(tx, 2, slot: 2) }  // 6, 7
        #expect(
            try replayed(in: reopened) == [
                "1 intake SF1000000000001 notified", "2 shelve SF1000000000001 notified",
                #"3 handoff.opened {"handoff":"h1","lines":3}"#, "4 notify SF1000000000001 notified",
                #"5 handoff.closed {"handoff":"h1","lines":3}"#, "6 intake SF1000000000002 shelved", "7 shelve SF1000000000002 shelved",
            ])
        // Parcel event ids now skip the station events' numbers, and the custody chain still verifies.
        let ids = try reopened.readNow { reader in try reader.events(after: 0, limit: 100).map(\.id) }
        #expect(ids == [1, 2, 4, 6, 7])
        let chain = try reopened.readNow { try $0.verifyCustodyChain() }
        #expect(chain.firstBroken == nil && chain.events == 5)
        try reopened.close()
    }

    @Test func replayIsBoundedAndMergesInOrder() async throws {
        try await store.write { tx in
            for index in 1...3 {
                _ = try Self.intake(tx, index, slot: index)
                try tx.appendStationEvent(name: "stocktake.scanned", at: Int64(index), data: Opened(handoff: "s\(index)", lines: index))
            }
        }
        // 1 2 intake/shelve, 3 station, 4 5, 6 station, 7 8, 9 station.
        #expect(try store.readNow { try $0.latestSequence() } == 9)
        #expect(try replayed(after: 2, through: 6, limit: 100).map { $0.prefix(1) } == ["3", "4", "5", "6"])
        #expect(try replayed(after: 2, limit: 2).map { $0.prefix(1) } == ["3", "4"])
        #expect(try replayed(after: 5, limit: 2).map { $0.prefix(1) } == ["6", "7"])
        #expect(try replayed(after: 9) == [])
        #expect(try store.readNow { try $0.durableEventCount(after: 0, limit: 100) } == 9)
        #expect(try store.readNow { try $0.durableEventCount(after: 4, limit: 100) } == 5)
        // Counted no further than the limit + 1 per table: enough to refuse a replay past the bound.
        #expect(try store.readNow { try $0.durableEventCount(after: 0, limit: 2) } > 2)
    }

    @Test func flatDetailsAreReadAsJSONDecoderReadsThem() throws {
        for text in [#"{}"#, #"{"pickupCode":"3-2-0147"}"#, #"{"a":"1","b":"第3层 🚚","c":""}"#] {
            #expect(LedgerReader.flatObject(text) == (try JSONDecoder().decode([String: String].self, from: Data(text.utf8))), "\(text)")
        }
        for text in [#"{"a":"x\"y"}"#, #"{"a":1}"#, #"{"a":"1",}"#, #"{"a":"1"}x"#, "", #"{"a""#] {
            #expect(LedgerReader.flatObject(text) == nil, "\(text)")
        }
    }

    @Test func stationEventsAreAppendOnlyJSONObjects() async throws {
        try await store.write { tx in try tx.appendStationEvent(name: "handoff.opened", at: 1, data: Opened(handoff: "h", lines: 0)) }
        #expect(throws: DatabaseError.self) {
            try store.pool.writeWithoutTransaction { try $0.execute(sql: "UPDATE station_event SET name = 'x'") }
        }
        #expect(throws: DatabaseError.self) {
            try store.pool.writeWithoutTransaction { try $0.execute(sql: "DELETE FROM station_event") }
        }
        await #expect(throws: (any Error).self) {
            try await store.write { tx in try tx.appendStationEvent(name: "handoff.opened", at: 1, data: [1, 2]) }
        }
    }
}
