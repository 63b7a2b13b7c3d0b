import Foundation
internal import GRDB

/// One record waiting in (or already sent from) the outbox the county sync uploads, in `seq` order.
public struct OutboxRecord: Sendable, Equatable {
    /// The station's outbox sequence: contiguous from 1, the county's idempotency key with the station id.
    public let seq: Int64
    /// parcel | handoff | discrepancy | outgoing | complaint
    public let kind: String
    /// The station's row id of what the record is about (the parcel's id for parcel events).
    public let ref: Int64
    /// Milliseconds since the epoch.
    public let at: Int64
    /// JSON, holding only what the county is entitled to (see README "What leaves the station").
    public let payload: String
}

/// The outbox: rows written by triggers in the same transaction as the change they describe, so nothing that
/// was committed can miss the county, and a crash can never leave a record without its change or the reverse.
/// Parcel events are immutable, so their row only points at the event and the payload is built when read;
/// handoffs, discrepancies, outgoing parcels and complaints change over time, so each change stores a snapshot.
enum SyncOutboxSchema {
    /// JSON snapshots, written against a row alias `R` (NEW in triggers, the table in the backfill).
    /// `exchange`: with the signed manifest's digest (from the township relay migration on), which the county pairs
    /// the sending and the receiving station's handoffs by.
    static func handoffSnapshot(_ r: String, exchange: Bool = false) -> String {
        func lines(_ condition: String) -> String {
            "(SELECT count(*) FROM handoff_line WHERE handoff_id = \(r).id AND \(condition))"
        }
        return """
            json_object('uid', \(r).uid, 'direction', \(r).direction, 'kind', \(r).kind, 'company', \(r).company,
                'node', \(r).node, 'nodeTier', \(r).node_tier, 'state', \(r).state, 'openedAt', \(r).opened_at,
                'closedAt', \(r).closed_at, 'confirmedBy', \(r).confirmed_by, 'receiptSeq', \(r).receipt_seq,
                'receiptDigest', \(r).receipt_digest,\(exchange ? " 'manifestDigest', \(r).manifest_digest," : "")
                'expected', \(lines("expected = 1")), 'scanned', \(lines("status NOT IN ('expected', 'missing')")),
                'missing', \(lines("status = 'missing'")), 'extra', \(lines("status = 'extra'")),
                'damaged', \(lines("status = 'damaged'")), 'misrouted', \(lines("status = 'misrouted'")),
                'lines', CASE WHEN \(r).state = 'closed' THEN json((SELECT json_group_array(json_object('tracking', tracking, 'status', status))
                                                                   FROM handoff_line WHERE handoff_id = \(r).id)) END)
            """
    }

    static func discrepancySnapshot(_ r: String) -> String {
        """
        json_object('handoff', \(r).handoff_id, 'kind', \(r).kind,
            'tracking', (SELECT tracking FROM handoff_line WHERE id = \(r).line_id), 'openedAt', \(r).opened_at,
            'resolution', \(r).resolution, 'resolvedAt', \(r).resolved_at)
        """
    }

    static func outgoingSnapshot(_ r: String) -> String {
        """
        json_object('courier', \(r).courier, 'produce', \(r).produce, 'weightGrams', \(r).weight_grams, 'feeFen', \(r).fee_fen,
            'state', \(r).state, 'acceptedAt', \(r).accepted_at, 'handedAt', \(r).handed_at)
        """
    }

    /// A complaint leaves as its time and what it was about: its text may name people or hold a number.
    static func complaintSnapshot(_ r: String) -> String {
        """
        json_object('about', CASE WHEN \(r).parcel_id IS NOT NULL THEN 'parcel' ELSE 'handoff' END, 'at', \(r).at,
            'resolvedAt', \(r).resolved_at)
        """
    }

    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE sync_outbox (
                    -- No AUTOINCREMENT needed: rows are never deleted, so seq stays contiguous.
                    seq INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('parcel', 'handoff', 'discrepancy', 'outgoing', 'complaint')),
                    ref INTEGER NOT NULL,
                    at INTEGER NOT NULL,
                    payload TEXT CHECK (payload IS NULL OR json_valid(payload)),
                    CHECK ((kind = 'parcel') = (payload IS NULL))
                ) STRICT;
                CREATE TRIGGER sync_outbox_append_only BEFORE UPDATE ON sync_outbox
                BEGIN SELECT RAISE(ABORT, 'sync_outbox is append-only'); END;
                CREATE TRIGGER sync_outbox_no_delete BEFORE DELETE ON sync_outbox
                BEGIN SELECT RAISE(ABORT, 'sync_outbox is append-only'); END;

                -- What existed before the outbox goes first, in the order it happened within each table.
                INSERT INTO sync_outbox (kind, ref, at) SELECT 'parcel', id, at FROM parcel_event ORDER BY id;
                INSERT INTO sync_outbox (kind, ref, at, payload)
                    SELECT 'handoff', h.id, coalesce(h.closed_at, h.opened_at), \(handoffSnapshot("h")) FROM handoff h ORDER BY h.id;
                INSERT INTO sync_outbox (kind, ref, at, payload)
                    SELECT 'discrepancy', d.id, coalesce(d.resolved_at, d.opened_at), \(discrepancySnapshot("d")) FROM discrepancy d ORDER BY d.id;
                INSERT INTO sync_outbox (kind, ref, at, payload)
                    SELECT 'outgoing', o.id, coalesce(o.handed_at, o.accepted_at), \(outgoingSnapshot("o")) FROM outgoing o ORDER BY o.id;
                INSERT INTO sync_outbox (kind, ref, at, payload)
                    SELECT 'complaint', c.id, coalesce(c.resolved_at, c.at), \(complaintSnapshot("c")) FROM complaint c ORDER BY c.id;

                CREATE TRIGGER sync_parcel_event AFTER INSERT ON parcel_event
                BEGIN INSERT INTO sync_outbox (kind, ref, at) VALUES ('parcel', NEW.id, NEW.at); END;

                CREATE TRIGGER sync_handoff_opened AFTER INSERT ON handoff
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('handoff', NEW.id, NEW.opened_at, \(handoffSnapshot("NEW"))); END;
                CREATE TRIGGER sync_handoff_closed AFTER UPDATE OF state ON handoff WHEN NEW.state = 'closed' AND OLD.state <> 'closed'
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('handoff', NEW.id, NEW.closed_at, \(handoffSnapshot("NEW"))); END;

                CREATE TRIGGER sync_discrepancy_opened AFTER INSERT ON discrepancy
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('discrepancy', NEW.id, NEW.opened_at, \(discrepancySnapshot("NEW"))); END;
                CREATE TRIGGER sync_discrepancy_resolved AFTER UPDATE OF resolution ON discrepancy WHEN NEW.resolution IS NOT NULL
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('discrepancy', NEW.id, NEW.resolved_at, \(discrepancySnapshot("NEW"))); END;

                CREATE TRIGGER sync_outgoing_accepted AFTER INSERT ON outgoing
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('outgoing', NEW.id, NEW.accepted_at, \(outgoingSnapshot("NEW"))); END;
                CREATE TRIGGER sync_outgoing_handed AFTER UPDATE OF state ON outgoing WHEN NEW.state <> OLD.state
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('outgoing', NEW.id, coalesce(NEW.handed_at, NEW.accepted_at), \(outgoingSnapshot("NEW"))); END;

                CREATE TRIGGER sync_complaint_recorded AFTER INSERT ON complaint
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('complaint', NEW.id, NEW.at, \(complaintSnapshot("NEW"))); END;
                CREATE TRIGGER sync_complaint_resolved AFTER UPDATE OF resolution ON complaint WHEN NEW.resolution IS NOT NULL
                BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('complaint', NEW.id, NEW.resolved_at, \(complaintSnapshot("NEW"))); END;
                """)
    }
}

extension LedgerReader {
    /// station_meta key of the highest seq the county has confirmed.
    public static let syncAcknowledgedKey = "sync.acknowledged"

    /// Outbox records after `seq`, oldest first, with parcel-event payloads built from the immutable event.
    public func outbox(after seq: Int64, limit: Int) throws -> [OutboxRecord] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT o.seq, o.kind, CASE o.kind WHEN 'parcel' THEN e.parcel_id ELSE o.ref END AS ref, o.at,
                           coalesce(o.payload, json_object('uid', e.uid, 'parcel', e.parcel_id, 'tracking', p.tracking,
                               'courier', p.courier, 'kind', e.kind, 'from', e.from_state, 'to', e.to_state,
                               'relayTo', CASE e.kind WHEN 'relay' THEN json_extract(e.details, '$.to') END)) AS payload
                    FROM sync_outbox o
                    LEFT JOIN parcel_event e ON o.kind = 'parcel' AND e.id = o.ref
                    LEFT JOIN parcel p ON p.id = e.parcel_id
                    WHERE o.seq > ? ORDER BY o.seq LIMIT ?
                    """), arguments: [seq, limit]
        ).map { row in
            OutboxRecord(seq: row["seq"], kind: row["kind"], ref: row["ref"], at: row["at"], payload: row["payload"])
        }
    }

    /// When the first record after `seq` was written (nil when none waits): how far behind the county is.
    public func outboxTime(after seq: Int64) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT at FROM sync_outbox WHERE seq > ? ORDER BY seq LIMIT 1", arguments: [seq])
    }

    /// The newest outbox seq (0 when empty).
    public func outboxHead() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT ifnull(max(seq), 0) FROM sync_outbox") ?? 0
    }

    /// The highest seq the county has confirmed, as last recorded here (0 before the first upload).
    public func syncAcknowledged() throws -> Int64 {
        guard let data = try meta(Self.syncAcknowledgedKey) else { return 0 }
        return Int64(String(decoding: data, as: UTF8.self)) ?? 0
    }
}

extension LedgerTransaction {
    /// Records what the county confirmed. The county stays the truth: it is asked again at every connection,
    /// so this copy only lets `Sync.Status` count what is pending while the link is down.
    public func setSyncAcknowledged(_ seq: Int64) throws {
        try setMeta(Self.syncAcknowledgedKey, Data(String(seq).utf8))
    }
}
