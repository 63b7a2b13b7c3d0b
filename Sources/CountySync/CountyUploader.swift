import Foundation
import Logging
public import PostgresNIO

/// One outbox record as it travels to the county.
public struct SyncRecord: Sendable, Equatable {
    public let seq: Int64
    public let kind: String
    public let ref: Int64
    /// Milliseconds since the epoch.
    public let at: Int64
    /// JSON text.
    public let payload: String

    public init(seq: Int64, kind: String, ref: Int64, at: Int64, payload: String) {
        self.seq = seq
        self.kind = kind
        self.ref = ref
        self.at = at
        self.payload = payload
    }
}

/// The two statements a station runs against the county, on a connection logged in as its own role.
public enum CountyUploader {
    /// The highest seq the county holds for this station: where an upload resumes. Row-level security lets the
    /// station see only its own rows, so this cannot leak another station's progress.
    public static func acknowledged(_ connection: PostgresConnection, stationID: String, logger: Logger) async throws -> Int64 {
        let rows = try await connection.query(
            "SELECT coalesce(max(seq), 0)::bigint FROM county.station_event WHERE station_id = \(stationID)", logger: logger)
        for try await (seq) in rows.decode(Int64.self) { return seq }
        return 0
    }

    static let insertSQL = """
        INSERT INTO county.station_event (station_id, seq, kind, ref, at, payload)
        SELECT $1, t.seq, t.kind, t.ref, to_timestamp(t.at / 1000.0), t.payload::jsonb
        FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[]) AS t(seq, kind, ref, at, payload)
        ON CONFLICT (station_id, seq) DO NOTHING
        """

    /// Uploads one batch as a single statement, so it is all in or all out: a link cut mid-batch leaves nothing
    /// behind, and a batch repeated after a lost reply inserts nothing twice (`ON CONFLICT DO NOTHING` on the
    /// station's seq). The county's trigger refuses a batch that would leave a gap.
    public static func upload(_ connection: PostgresConnection, stationID: String, records: [SyncRecord], logger: Logger) async throws {
        guard !records.isEmpty else { return }
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(stationID)
        bindings.append(records.map(\.seq))
        bindings.append(records.map(\.kind))
        bindings.append(records.map(\.ref))
        bindings.append(records.map(\.at))
        bindings.append(records.map(\.payload))
        try await connection.query(PostgresQuery(unsafeSQL: insertSQL, binds: bindings), logger: logger)
    }
}
