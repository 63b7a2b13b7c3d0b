public import CountySync
public import ParcelStore

/// The ledger's outbox as the county syncer reads it: reads go through the store's reader pool, so an upload
/// never holds the writer and scanning never waits for the county.
public struct LedgerOutboxSource: SyncOutboxSource {
    let store: ParcelStore

    public init(store: ParcelStore) { self.store = store }

    public func records(after seq: Int64, limit: Int) async throws -> [SyncRecord] {
        try await store.read { try $0.outbox(after: seq, limit: limit) }.map {
            SyncRecord(seq: $0.seq, kind: $0.kind, ref: $0.ref, at: $0.at, payload: $0.payload)
        }
    }

    public func head() async throws -> Int64 { try await store.read { try $0.outboxHead() } }

    public func acknowledged() async throws -> Int64 { try await store.read { try $0.syncAcknowledged() } }

    public func setAcknowledged(_ seq: Int64) async throws {
        // Written only when it changes: an idle station does no write transaction for the sync.
        let known = try await acknowledged()
        guard known != seq else { return }
        try await store.write { try $0.setSyncAcknowledged(seq) }
    }
}
