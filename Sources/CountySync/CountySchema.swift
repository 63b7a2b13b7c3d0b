/// The county database's schema, as numbered migrations applied in order by `parcelctl county migrate`
/// (run by the county's database owner). A shipped migration is never edited: a change is a new one.
///
/// Shape: stations upload their outbox into `county.station_event` (one row per station and sequence number,
/// so a repeated upload inserts nothing twice), and a statement trigger folds each accepted batch into the
/// projections the county reports read (`parcel`, `handoff`, `handoff_line`, `discrepancy`, `outgoing`,
/// `complaint`). Each station logs in with its own role, member of `parcel_station`; row-level security lets
/// it insert and read only its own events, and it has no rights on the projections at all. County staff read
/// everything through `parcel_county_reader`.
public enum CountySchema {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
    }

    /// The group role every station's login role belongs to.
    public static let stationGroup = "parcel_station"
    /// The group role of county staff who read reports.
    public static let readerGroup = "parcel_county_reader"

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "stations, events, projections, row-level security", sql: v1),
        Migration(version: 2, name: "undone intakes and pickups", sql: v2),
        Migration(version: 3, name: "problem parcels and written-off stays", sql: v3),
        Migration(version: 4, name: "township relay: parcels in transit between stations", sql: v4),
    ]

    /// Creates the version table; run before the migrations, in the same transaction.
    static let bootstrap = """
        CREATE SCHEMA IF NOT EXISTS county;
        CREATE TABLE IF NOT EXISTS county.schema_migration (
            version integer PRIMARY KEY,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """

    static let v1 = """
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(stationGroup)') THEN CREATE ROLE \(stationGroup) NOLOGIN; END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(readerGroup)') THEN CREATE ROLE \(readerGroup) NOLOGIN; END IF;
        END $$;

        -- The county's register of stations; db_role is the login role a station uploads with.
        CREATE TABLE county.station (
            id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_.-]{1,64}$'),
            name text NOT NULL,
            tier text NOT NULL CHECK (tier IN ('county', 'township', 'village')),
            township text,
            db_role name NOT NULL UNIQUE,
            registered_at timestamptz NOT NULL DEFAULT now()
        );

        -- The station the session's login role uploads for (NULL for anyone else). SECURITY DEFINER so a station
        -- needs no right on county.station; session_user because current_user is the owner inside it.
        CREATE FUNCTION county.current_station() RETURNS text
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = county, pg_temp
            AS $$ SELECT id FROM county.station WHERE db_role = session_user $$;

        -- Every record a station uploaded, in its order. Payloads carry no phone number and no person's name.
        CREATE TABLE county.station_event (
            station_id text NOT NULL REFERENCES county.station(id),
            seq bigint NOT NULL CHECK (seq > 0),
            kind text NOT NULL CHECK (kind IN ('parcel', 'handoff', 'discrepancy', 'outgoing', 'complaint')),
            ref bigint NOT NULL,
            at timestamptz NOT NULL,
            payload jsonb NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (station_id, seq)
        );
        ALTER TABLE county.station_event ENABLE ROW LEVEL SECURITY;
        -- The function sits in a scalar subquery so it runs once per statement (an InitPlan), not once per row.
        CREATE POLICY station_own_rows ON county.station_event FOR ALL TO \(stationGroup)
            USING (station_id = (SELECT county.current_station())) WITH CHECK (station_id = (SELECT county.current_station()));
        CREATE POLICY county_reads_all ON county.station_event FOR SELECT TO \(readerGroup) USING (true);

        -- Projections, kept by the trigger below; refs are the station's own row ids.
        CREATE TABLE county.parcel (
            station_id text NOT NULL REFERENCES county.station(id),
            parcel_ref bigint NOT NULL,
            tracking text NOT NULL,
            courier text,
            state text NOT NULL,
            received_at timestamptz,
            shelved_at timestamptz,
            released_at timestamptz,
            notices integer NOT NULL DEFAULT 0,
            last_seq bigint NOT NULL,
            PRIMARY KEY (station_id, parcel_ref)
        );
        CREATE INDEX parcel_waiting ON county.parcel (station_id, courier, shelved_at) WHERE state IN ('shelved', 'notified');
        CREATE INDEX parcel_tracking ON county.parcel (tracking);
        CREATE INDEX parcel_received ON county.parcel (received_at);

        CREATE TABLE county.handoff (
            station_id text NOT NULL REFERENCES county.station(id),
            handoff_ref bigint NOT NULL,
            uid text NOT NULL,
            direction text NOT NULL,
            kind text NOT NULL,
            company text,
            node text,
            node_tier text,
            state text NOT NULL,
            opened_at timestamptz NOT NULL,
            closed_at timestamptz,
            confirmed_by text,
            receipt_seq bigint,
            receipt_digest text,
            expected integer NOT NULL DEFAULT 0,
            scanned integer NOT NULL DEFAULT 0,
            missing integer NOT NULL DEFAULT 0,
            extra integer NOT NULL DEFAULT 0,
            damaged integer NOT NULL DEFAULT 0,
            misrouted integer NOT NULL DEFAULT 0,
            last_seq bigint NOT NULL,
            PRIMARY KEY (station_id, handoff_ref)
        );
        CREATE INDEX handoff_opened ON county.handoff (opened_at);

        -- The lines of closed handoffs, so the county can match one tier's outbound list with the next tier's intake.
        CREATE TABLE county.handoff_line (
            station_id text NOT NULL,
            handoff_ref bigint NOT NULL,
            tracking text NOT NULL,
            status text NOT NULL,
            PRIMARY KEY (station_id, handoff_ref, tracking),
            FOREIGN KEY (station_id, handoff_ref) REFERENCES county.handoff (station_id, handoff_ref)
        );
        CREATE INDEX handoff_line_tracking ON county.handoff_line (tracking);

        CREATE TABLE county.discrepancy (
            station_id text NOT NULL REFERENCES county.station(id),
            discrepancy_ref bigint NOT NULL,
            handoff_ref bigint NOT NULL,
            kind text NOT NULL,
            tracking text,
            opened_at timestamptz NOT NULL,
            resolution text,
            resolved_at timestamptz,
            last_seq bigint NOT NULL,
            PRIMARY KEY (station_id, discrepancy_ref)
        );

        CREATE TABLE county.outgoing (
            station_id text NOT NULL REFERENCES county.station(id),
            outgoing_ref bigint NOT NULL,
            courier text NOT NULL,
            produce boolean NOT NULL,
            weight_grams integer NOT NULL,
            fee_fen integer NOT NULL,
            state text NOT NULL,
            accepted_at timestamptz NOT NULL,
            handed_at timestamptz,
            last_seq bigint NOT NULL,
            PRIMARY KEY (station_id, outgoing_ref)
        );
        CREATE INDEX outgoing_accepted ON county.outgoing (accepted_at);

        CREATE TABLE county.complaint (
            station_id text NOT NULL REFERENCES county.station(id),
            complaint_ref bigint NOT NULL,
            about text NOT NULL CHECK (about IN ('parcel', 'handoff')),
            at timestamptz NOT NULL,
            resolved_at timestamptz,
            last_seq bigint NOT NULL,
            PRIMARY KEY (station_id, complaint_ref)
        );

        \(applyEvents(create: "CREATE FUNCTION", released: "'pickedUp', 'returned'", shelvedFrom: "'shelved', 'notified'"))
        CREATE TRIGGER station_event_apply AFTER INSERT ON county.station_event
            REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION county.apply_events();

        -- Events are the record: never changed, never removed.
        CREATE FUNCTION county.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'county.station_event is append-only'; END $$;
        CREATE TRIGGER station_event_append_only BEFORE UPDATE OR DELETE ON county.station_event
            FOR EACH ROW EXECUTE FUNCTION county.refuse_change();

        REVOKE ALL ON SCHEMA county FROM PUBLIC;
        GRANT USAGE ON SCHEMA county TO \(stationGroup), \(readerGroup);
        GRANT SELECT, INSERT ON county.station_event TO \(stationGroup);
        GRANT EXECUTE ON FUNCTION county.current_station() TO \(stationGroup), \(readerGroup);
        GRANT SELECT ON ALL TABLES IN SCHEMA county TO \(readerGroup);
        """

    /// Stations can undo an intake (the stay becomes `voided`, which ends it like a pickup) or a pickup (the
    /// parcel is back on the shelf with its original shelving time, so an undone pickup must not restart its age).
    static let v2 = applyEvents(
        create: "CREATE OR REPLACE FUNCTION", released: "'pickedUp', 'returned', 'voided'",
        shelvedFrom: "'shelved', 'notified', 'pickedUp'")

    /// Problem parcels (问题件) arrive as their own records (kind, tracking and times; no note, photo or name), and a
    /// problem parcel closed without the parcel (`writtenOff`) ends its stay like a pickup.
    static let v3 = """
        ALTER TABLE county.station_event DROP CONSTRAINT station_event_kind_check;
        ALTER TABLE county.station_event ADD CONSTRAINT station_event_kind_check
            CHECK (kind IN ('parcel', 'handoff', 'discrepancy', 'outgoing', 'complaint', 'problem'));
        CREATE TABLE county.problem (
            station_id text NOT NULL REFERENCES county.station(id),
            problem_ref bigint NOT NULL,
            tracking text NOT NULL,
            kind text NOT NULL,
            opened_at timestamptz NOT NULL,
            resolution text,
            resolved_at timestamptz,
            last_seq bigint NOT NULL,
            PRIMARY KEY (station_id, problem_ref)
        );
        CREATE INDEX problem_open ON county.problem (station_id, kind) WHERE resolution IS NULL;
        GRANT SELECT ON county.problem TO \(readerGroup);
        \(applyEvents(
            create: "CREATE OR REPLACE FUNCTION", released: "'pickedUp', 'returned', 'voided', 'writtenOff'",
            shelvedFrom: "'shelved', 'notified', 'pickedUp'", problems: true))
        """

    /// A township relays parcels for its villages (中转): in transit they are on their way to the station named in
    /// `relay_to`, not in the township's backlog; `forwarded` ends the township's stay like a pickup.
    static let v4 = """
        ALTER TABLE county.parcel ADD COLUMN relay_to text;
        -- A handoff between two parcel-stations names the signed manifest both sides' records stand on.
        ALTER TABLE county.handoff ADD COLUMN manifest_digest text;
        CREATE INDEX handoff_manifest ON county.handoff (manifest_digest) WHERE manifest_digest IS NOT NULL;
        CREATE INDEX parcel_in_transit ON county.parcel (station_id, relay_to) WHERE state = 'inTransit';
        \(applyEvents(
            create: "CREATE OR REPLACE FUNCTION", released: "'pickedUp', 'returned', 'voided', 'writtenOff', 'forwarded'",
            shelvedFrom: "'shelved', 'notified', 'pickedUp'", problems: true, relay: true))
        """

    static let problemProjection = """
            INSERT INTO county.problem AS r (station_id, problem_ref, tracking, kind, opened_at, resolution, resolved_at, last_seq)
            SELECT DISTINCT ON (station_id, ref) station_id, ref, payload->>'tracking', payload->>'kind',
                   to_timestamp((payload->>'openedAt')::bigint / 1000.0), payload->>'resolution',
                   to_timestamp((payload->>'resolvedAt')::bigint / 1000.0), seq
            FROM new_events WHERE kind = 'problem'
            ORDER BY station_id, ref, seq DESC
            ON CONFLICT (station_id, problem_ref) DO UPDATE SET
                resolution = EXCLUDED.resolution, resolved_at = EXCLUDED.resolved_at, last_seq = EXCLUDED.last_seq;
        """

    /// The projection trigger's function. `released`: the states that end a stay; `shelvedFrom`: the states a
    /// move to `shelved` does not count as a shelving from; `problems`: fold problem records too (from v3).
    /// `relay`: keep the station a parcel in transit goes to (from v4).
    static func applyEvents(create: String, released: String, shelvedFrom: String, problems: Bool = false, relay: Bool = false) -> String {
        """
        -- Folds a batch of accepted events into the projections. A statement trigger over the transition table,
        -- so a batch of a thousand events costs a few set-based statements, not a thousand function calls. It
        -- first refuses a batch that does not continue the station's sequence exactly: no gaps, no reordering.
        \(create) county.apply_events() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = county, pg_temp
        AS $$
        DECLARE
            gap record;
        BEGIN
            SELECT b.station_id, b.first, b.last, b.n, (
                SELECT coalesce(max(e.seq), 0) FROM county.station_event e
                WHERE e.station_id = b.station_id AND e.seq < b.first) AS before
            INTO gap
            FROM (SELECT station_id, min(seq) AS first, max(seq) AS last, count(*) AS n FROM new_events GROUP BY station_id) b
            WHERE b.last - b.first + 1 <> b.n
               OR b.first <> 1 + (SELECT coalesce(max(e.seq), 0) FROM county.station_event e
                                  WHERE e.station_id = b.station_id AND e.seq < b.first)
            LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'station % uploaded events % to % after %: the sequence must continue without gaps',
                    gap.station_id, gap.first, gap.last, gap.before USING ERRCODE = 'PS001';
            END IF;

            INSERT INTO county.parcel AS p (station_id, parcel_ref, tracking, courier, state, received_at, shelved_at,
                                            released_at, notices, last_seq\(relay ? ", relay_to" : ""))
            SELECT station_id, ref,
                   (array_agg(payload->>'tracking' ORDER BY seq DESC))[1],
                   (array_agg(payload->>'courier' ORDER BY seq DESC))[1],
                   (array_agg(payload->>'to' ORDER BY seq DESC))[1],
                   min(at) FILTER (WHERE payload->>'kind' = 'intake'),
                   max(at) FILTER (WHERE payload->>'to' = 'shelved' AND coalesce(payload->>'from', '') NOT IN (\(shelvedFrom))),
                   (array_agg(CASE WHEN payload->>'to' IN (\(released)) THEN at END ORDER BY seq DESC))[1],
                   count(*) FILTER (WHERE payload->>'kind' = 'notify'),
                   max(seq)\(relay ? ",\n                   (array_agg(payload->>'relayTo' ORDER BY seq DESC) FILTER (WHERE payload->>'relayTo' IS NOT NULL))[1]" : "")
            FROM new_events WHERE kind = 'parcel'
            GROUP BY station_id, ref
            ON CONFLICT (station_id, parcel_ref) DO UPDATE SET
                tracking = EXCLUDED.tracking,
                courier = coalesce(EXCLUDED.courier, p.courier),
                state = EXCLUDED.state,
                received_at = coalesce(p.received_at, EXCLUDED.received_at),
                shelved_at = coalesce(EXCLUDED.shelved_at, p.shelved_at),
                released_at = EXCLUDED.released_at,
                notices = p.notices + EXCLUDED.notices,\(relay ? "\n                relay_to = coalesce(EXCLUDED.relay_to, p.relay_to)," : "")
                last_seq = EXCLUDED.last_seq;

            INSERT INTO county.handoff AS h (station_id, handoff_ref, uid, direction, kind, company, node, node_tier, state,
                                             opened_at, closed_at, confirmed_by, receipt_seq, receipt_digest, expected,
                                             scanned, missing, extra, damaged, misrouted, last_seq\(relay ? ", manifest_digest" : ""))
            SELECT DISTINCT ON (station_id, ref) station_id, ref, payload->>'uid', payload->>'direction', payload->>'kind',
                   payload->>'company', payload->>'node', payload->>'nodeTier', payload->>'state',
                   to_timestamp((payload->>'openedAt')::bigint / 1000.0),
                   to_timestamp((payload->>'closedAt')::bigint / 1000.0),
                   payload->>'confirmedBy', (payload->>'receiptSeq')::bigint, payload->>'receiptDigest',
                   coalesce((payload->>'expected')::int, 0), coalesce((payload->>'scanned')::int, 0),
                   coalesce((payload->>'missing')::int, 0), coalesce((payload->>'extra')::int, 0),
                   coalesce((payload->>'damaged')::int, 0), coalesce((payload->>'misrouted')::int, 0), seq\(relay ? ", payload->>'manifestDigest'" : "")
            FROM new_events WHERE kind = 'handoff'
            ORDER BY station_id, ref, seq DESC
            ON CONFLICT (station_id, handoff_ref) DO UPDATE SET
                state = EXCLUDED.state, closed_at = EXCLUDED.closed_at, confirmed_by = EXCLUDED.confirmed_by,
                receipt_seq = EXCLUDED.receipt_seq, receipt_digest = EXCLUDED.receipt_digest, expected = EXCLUDED.expected,
                scanned = EXCLUDED.scanned, missing = EXCLUDED.missing, extra = EXCLUDED.extra, damaged = EXCLUDED.damaged,
                misrouted = EXCLUDED.misrouted,\(relay ? " manifest_digest = coalesce(EXCLUDED.manifest_digest, h.manifest_digest)," : "")
                last_seq = EXCLUDED.last_seq;

            INSERT INTO county.handoff_line (station_id, handoff_ref, tracking, status)
            SELECT DISTINCT ON (e.station_id, e.ref, l.tracking) e.station_id, e.ref, l.tracking, l.status
            FROM new_events e, jsonb_to_recordset(e.payload->'lines') AS l(tracking text, status text)
            WHERE e.kind = 'handoff' AND jsonb_typeof(e.payload->'lines') = 'array'
            ORDER BY e.station_id, e.ref, l.tracking, e.seq DESC
            ON CONFLICT (station_id, handoff_ref, tracking) DO UPDATE SET status = EXCLUDED.status;

            INSERT INTO county.discrepancy AS d (station_id, discrepancy_ref, handoff_ref, kind, tracking, opened_at,
                                                 resolution, resolved_at, last_seq)
            SELECT DISTINCT ON (station_id, ref) station_id, ref, (payload->>'handoff')::bigint, payload->>'kind',
                   payload->>'tracking', to_timestamp((payload->>'openedAt')::bigint / 1000.0), payload->>'resolution',
                   to_timestamp((payload->>'resolvedAt')::bigint / 1000.0), seq
            FROM new_events WHERE kind = 'discrepancy'
            ORDER BY station_id, ref, seq DESC
            ON CONFLICT (station_id, discrepancy_ref) DO UPDATE SET
                resolution = EXCLUDED.resolution, resolved_at = EXCLUDED.resolved_at, last_seq = EXCLUDED.last_seq;

            INSERT INTO county.outgoing AS o (station_id, outgoing_ref, courier, produce, weight_grams, fee_fen, state,
                                              accepted_at, handed_at, last_seq)
            SELECT DISTINCT ON (station_id, ref) station_id, ref, payload->>'courier', (payload->>'produce')::boolean,
                   (payload->>'weightGrams')::int, (payload->>'feeFen')::int, payload->>'state',
                   to_timestamp((payload->>'acceptedAt')::bigint / 1000.0),
                   to_timestamp((payload->>'handedAt')::bigint / 1000.0), seq
            FROM new_events WHERE kind = 'outgoing'
            ORDER BY station_id, ref, seq DESC
            ON CONFLICT (station_id, outgoing_ref) DO UPDATE SET
                state = EXCLUDED.state, handed_at = EXCLUDED.handed_at, last_seq = EXCLUDED.last_seq;

            INSERT INTO county.complaint AS c (station_id, complaint_ref, about, at, resolved_at, last_seq)
            SELECT DISTINCT ON (station_id, ref) station_id, ref, payload->>'about',
                   to_timestamp((payload->>'at')::bigint / 1000.0), to_timestamp((payload->>'resolvedAt')::bigint / 1000.0), seq
            FROM new_events WHERE kind = 'complaint'
            ORDER BY station_id, ref, seq DESC
            ON CONFLICT (station_id, complaint_ref) DO UPDATE SET resolved_at = EXCLUDED.resolved_at, last_seq = EXCLUDED.last_seq;
        \(problems ? problemProjection : "")
            RETURN NULL;
        END $$;
        """
    }
}
