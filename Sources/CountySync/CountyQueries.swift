import Foundation
import Logging
import PostgresNIO

/// The SQL of the county reports, over the projections the upload trigger keeps. Each statement is plain SQL
/// with numbered parameters, so the benchmark (and a curious county DBA) can run exactly the same text in psql.
public enum CountySQL {
    /// The states in which a parcel sits on a shelf waiting for its recipient (as at the station).
    static let waiting = "p.state IN ('shelved', 'notified')"

    /// Backlog by station and courier, by age. $1 = now, $2 = hold hours.
    public static let backlog = """
        SELECT p.station_id, coalesce(p.courier, 'UNKNOWN') AS courier, count(*) AS total,
               count(*) FILTER (WHERE p.shelved_at > $1 - interval '24 hours') AS under_1d,
               count(*) FILTER (WHERE p.shelved_at <= $1 - interval '24 hours' AND p.shelved_at > $1 - interval '48 hours') AS d1_2,
               count(*) FILTER (WHERE p.shelved_at <= $1 - interval '48 hours' AND p.shelved_at > $1 - interval '72 hours') AS d2_3,
               count(*) FILTER (WHERE p.shelved_at <= $1 - interval '72 hours' AND p.shelved_at > $1 - interval '168 hours') AS d3_7,
               count(*) FILTER (WHERE p.shelved_at <= $1 - interval '168 hours') AS over_7d,
               count(*) FILTER (WHERE p.shelved_at <= $1 - make_interval(hours => $2::int)) AS overdue,
               count(*) FILTER (WHERE p.notices >= 2) AS reminded
        FROM county.parcel p
        WHERE \(waiting)
        GROUP BY p.station_id, p.courier
        ORDER BY p.station_id, courier
        """

    /// Parcels a township holds in transit for another station (中转), by route: not backlog anywhere yet.
    public static let inTransit = """
        SELECT p.station_id, coalesce(p.relay_to, '?'), count(*), min(p.received_at)
        FROM county.parcel p
        WHERE p.state = 'inTransit'
        GROUP BY p.station_id, p.relay_to
        ORDER BY count(*) DESC, p.station_id, p.relay_to
        """

    /// Overdue parcels, oldest first. $1 = now, $2 = hold hours, $3 = limit.
    public static let overdueParcels = """
        SELECT p.station_id, p.tracking, coalesce(p.courier, 'UNKNOWN'), p.shelved_at, p.notices
        FROM county.parcel p
        WHERE \(waiting) AND p.shelved_at <= $1 - make_interval(hours => $2::int)
        ORDER BY p.shelved_at, p.station_id, p.tracking
        LIMIT $3
        """

    /// Stations holding overdue parcels. $1 = now, $2 = hold hours.
    public static let overdueStations = """
        SELECT p.station_id, count(*), min(p.shelved_at)
        FROM county.parcel p
        WHERE \(waiting) AND p.shelved_at <= $1 - make_interval(hours => $2::int)
        GROUP BY p.station_id
        ORDER BY count(*) DESC, p.station_id
        """

    /// Handoffs left open longer than the grace period, or with a discrepancy nobody has resolved. $1 = now,
    /// $2 = grace hours.
    public static let unreconciledHandoffs = """
        SELECT h.station_id, h.uid, h.direction, h.kind, h.company, h.node, h.node_tier, h.state, h.opened_at, h.closed_at,
               h.expected, h.missing, h.extra, h.damaged, h.misrouted,
               (SELECT count(*) FROM county.discrepancy d
                WHERE d.station_id = h.station_id AND d.handoff_ref = h.handoff_ref AND d.resolution IS NULL) AS open_discrepancies
        FROM county.handoff h
        WHERE (h.state = 'open' AND h.opened_at <= $1 - make_interval(hours => $2::int))
           OR EXISTS (SELECT 1 FROM county.discrepancy d
                      WHERE d.station_id = h.station_id AND d.handoff_ref = h.handoff_ref AND d.resolution IS NULL)
        ORDER BY h.opened_at, h.station_id
        """

    /// Parcels one station handed on to another registered station that the receiving station never scanned
    /// in, once the grace period has passed. $1 = now, $2 = grace hours, $3 = limit.
    public static let sentNotReceived = """
        SELECT h.station_id, h.node, h.uid, l.tracking, h.closed_at
        FROM county.handoff h
        JOIN county.station destination ON destination.id = h.node
        JOIN county.handoff_line l ON l.station_id = h.station_id AND l.handoff_ref = h.handoff_ref
        WHERE h.direction = 'outbound' AND h.state = 'closed' AND h.closed_at <= $1 - make_interval(hours => $2::int)
          AND l.status IN ('scanned', 'damaged', 'extra')
          AND NOT EXISTS (SELECT 1 FROM county.parcel p WHERE p.station_id = h.node AND p.tracking = l.tracking)
          AND NOT EXISTS (SELECT 1 FROM county.handoff_line r
                          WHERE r.station_id = h.node AND r.tracking = l.tracking AND r.status IN ('scanned', 'damaged', 'extra'))
        ORDER BY h.closed_at, h.station_id, l.tracking
        LIMIT $3
        """

    /// Station-to-station handoffs whose two records disagree: the sender closed a handoff on a signed manifest and
    /// the receiver has no handoff on that manifest after the grace period, has not closed it, or lists parcels
    /// differently (a parcel loaded by the sender the receiver did not scan in, or the other way round).
    /// $1 = now, $2 = grace hours.
    public static let exchangeMismatches = """
        SELECT s.station_id, s.uid, s.node, r.station_id, r.uid, s.manifest_digest, s.closed_at, r.state,
               coalesce((SELECT count(*) FROM county.handoff_line sl
                         WHERE sl.station_id = s.station_id AND sl.handoff_ref = s.handoff_ref
                           AND sl.status IN ('scanned', 'extra', 'damaged')
                           AND NOT EXISTS (SELECT 1 FROM county.handoff_line rl
                                           WHERE rl.station_id = r.station_id AND rl.handoff_ref = r.handoff_ref
                                             AND rl.tracking = sl.tracking AND rl.status IN ('scanned', 'extra', 'damaged'))), 0)
                 AS not_received,
               coalesce((SELECT count(*) FROM county.handoff_line rl
                         WHERE rl.station_id = r.station_id AND rl.handoff_ref = r.handoff_ref
                           AND rl.status IN ('scanned', 'extra', 'damaged')
                           AND NOT EXISTS (SELECT 1 FROM county.handoff_line sl
                                           WHERE sl.station_id = s.station_id AND sl.handoff_ref = s.handoff_ref
                                             AND sl.tracking = rl.tracking AND sl.status IN ('scanned', 'extra', 'damaged'))), 0)
                 AS not_sent
        FROM county.handoff s
        LEFT JOIN county.handoff r ON r.manifest_digest = s.manifest_digest AND r.direction = 'inbound' AND r.station_id = s.node
        WHERE s.direction = 'outbound' AND s.state = 'closed' AND s.manifest_digest IS NOT NULL
          AND ((r.uid IS NULL OR r.state <> 'closed') AND s.closed_at <= $1 - make_interval(hours => $2::int)
               OR r.state = 'closed' AND (
                   EXISTS (SELECT 1 FROM county.handoff_line sl
                           WHERE sl.station_id = s.station_id AND sl.handoff_ref = s.handoff_ref
                             AND sl.status IN ('scanned', 'extra', 'damaged')
                             AND NOT EXISTS (SELECT 1 FROM county.handoff_line rl
                                             WHERE rl.station_id = r.station_id AND rl.handoff_ref = r.handoff_ref
                                               AND rl.tracking = sl.tracking AND rl.status IN ('scanned', 'extra', 'damaged')))
                   OR EXISTS (SELECT 1 FROM county.handoff_line rl
                              WHERE rl.station_id = r.station_id AND rl.handoff_ref = r.handoff_ref
                                AND rl.status IN ('scanned', 'extra', 'damaged')
                                AND NOT EXISTS (SELECT 1 FROM county.handoff_line sl
                                                WHERE sl.station_id = s.station_id AND sl.handoff_ref = s.handoff_ref
                                                  AND sl.tracking = rl.tracking AND sl.status IN ('scanned', 'extra', 'damaged')))))
        ORDER BY s.closed_at, s.station_id
        """

    /// Transactions per station in [$1, $2): parcels received, picked up, returned, sent, produce sent.
    public static let volume = """
        SELECT s.id,
               (SELECT count(*) FROM county.parcel p WHERE p.station_id = s.id AND p.received_at >= $1 AND p.received_at < $2
                  AND p.state <> 'voided'),
               (SELECT count(*) FROM county.parcel p WHERE p.station_id = s.id AND p.state = 'pickedUp'
                  AND p.released_at >= $1 AND p.released_at < $2),
               (SELECT count(*) FROM county.parcel p WHERE p.station_id = s.id AND p.state = 'returned'
                  AND p.released_at >= $1 AND p.released_at < $2),
               (SELECT count(*) FROM county.outgoing o WHERE o.station_id = s.id AND o.accepted_at >= $1 AND o.accepted_at < $2),
               (SELECT count(*) FROM county.outgoing o WHERE o.station_id = s.id AND o.produce
                  AND o.accepted_at >= $1 AND o.accepted_at < $2),
               (SELECT coalesce(sum(o.weight_grams), 0) FROM county.outgoing o WHERE o.station_id = s.id AND o.produce
                  AND o.accepted_at >= $1 AND o.accepted_at < $2)
        FROM county.station s
        WHERE s.tier <> 'county'
        ORDER BY s.id
        """

    /// The assessment item's inputs per station for [$1, $2), hold $3 hours (see ServiceAssessment for the rule).
    public static let assessmentInputs = """
        SELECT s.id,
               (SELECT count(*) FROM county.handoff h WHERE h.station_id = s.id AND h.opened_at >= $1 AND h.opened_at < $2),
               (SELECT count(*) FROM county.handoff h WHERE h.station_id = s.id AND h.opened_at >= $1 AND h.opened_at < $2
                  AND h.state = 'closed' AND h.receipt_digest IS NOT NULL AND h.closed_at < $2),
               (SELECT count(*) FROM county.handoff h WHERE h.station_id = s.id AND h.opened_at >= $1 AND h.opened_at < $2
                  AND h.state = 'closed' AND h.closed_at < $2
                  AND EXISTS (SELECT 1 FROM county.discrepancy d WHERE d.station_id = h.station_id AND d.handoff_ref = h.handoff_ref
                              AND d.opened_at < $2 AND (d.resolved_at IS NULL OR d.resolved_at >= $2))),
               (SELECT count(*) FROM county.parcel p WHERE p.station_id = s.id AND p.shelved_at >= $1 AND p.shelved_at < $2
                  AND p.state <> 'voided'),
               (SELECT count(*) FROM county.parcel p WHERE p.station_id = s.id AND p.shelved_at < $2
                  AND (p.released_at IS NULL OR p.released_at >= $1) AND p.state <> 'voided'),
               (SELECT count(*) FROM county.parcel p WHERE p.station_id = s.id AND p.shelved_at < $2
                  AND (p.released_at IS NULL OR p.released_at >= $1)
                  AND p.shelved_at + make_interval(hours => $3::int) < $2
                  AND coalesce(p.released_at, 'infinity') > greatest($1, p.shelved_at + make_interval(hours => $3::int))),
               (SELECT count(*) FROM county.parcel p WHERE p.station_id = s.id
                  AND p.shelved_at + make_interval(hours => $3::int) <= $2 AND (p.released_at IS NULL OR p.released_at > $2)),
               (SELECT count(*) FROM county.complaint c WHERE c.station_id = s.id AND c.at >= $1 AND c.at < $2)
        FROM county.station s
        WHERE s.tier <> 'county'
        ORDER BY s.id
        """

    /// Problem parcels per station and kind: open now, opened and resolved in [$1, $2).
    public static let problems = """
        SELECT r.station_id, r.kind,
               count(*) FILTER (WHERE r.resolution IS NULL) AS open,
               count(*) FILTER (WHERE r.opened_at >= $1 AND r.opened_at < $2) AS opened,
               count(*) FILTER (WHERE r.resolved_at >= $1 AND r.resolved_at < $2) AS resolved
        FROM county.problem r
        GROUP BY r.station_id, r.kind
        ORDER BY r.station_id, r.kind
        """

    public static let stations = "SELECT id, name, tier, township FROM county.station ORDER BY id"

    /// Runs one statement with its parameters and returns every row.
    static func rows(
        _ connection: PostgresConnection, _ sql: String, _ binds: [any PostgresEncodable & Sendable], logger: Logger
    ) async throws -> [PostgresRandomAccessRow] {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds { try bindings.append(value) }
        let sequence = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var rows: [PostgresRandomAccessRow] = []
        for try await row in sequence { rows.append(row.makeRandomAccess()) }
        return rows
    }
}

extension PostgresRandomAccessRow {
    func int(_ index: Int) throws -> Int { Int(try self[index].decode(Int64.self)) }
    func text(_ index: Int) throws -> String { try self[index].decode(String.self) }
    func optionalText(_ index: Int) throws -> String? { try self[index].decode(String?.self) }
    func millis(_ index: Int) throws -> Int64? {
        try self[index].decode(Date?.self).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }
}
