import GRDB
import ParcelDomain

/// The ledger's migrations. Each is registered by name and never edited once it has shipped: a change to the
/// schema is a new migration.
enum Schema {
    static func sqlList<S: Sequence>(_ values: S) -> String where S.Element: RawRepresentable, S.Element.RawValue == String {
        values.map { "'\($0.rawValue)'" }.joined(separator: ",")
    }

    /// The state literals of the backlog index. SQLite uses a partial index only when the query repeats the
    /// index's WHERE terms literally, so the backlog query is built from the same string.
    static let awaitingPickupSQL = "state IN (\(sqlList(ParcelState.awaitingPickup)))"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-22 ledger") { db in
            let states = sqlList(ParcelState.allCases)
            let kinds = sqlList(ParcelEventKind.allCases)
            try db.execute(
                sql: """
                    CREATE TABLE station_meta (
                        key TEXT PRIMARY KEY NOT NULL,
                        value BLOB NOT NULL
                    ) STRICT;

                    CREATE TABLE pickup (
                        id INTEGER PRIMARY KEY,
                        at INTEGER NOT NULL,
                        staff TEXT NOT NULL,
                        client TEXT NOT NULL,
                        method TEXT NOT NULL CHECK (method IN ('code', 'phoneTail', 'phone')),
                        collector TEXT
                    ) STRICT;

                    CREATE TABLE parcel (
                        id INTEGER PRIMARY KEY,
                        tracking TEXT NOT NULL CHECK (length(tracking) BETWEEN 1 AND 40),
                        raw_scan TEXT NOT NULL,
                        courier TEXT,
                        candidates TEXT NOT NULL CHECK (json_valid(candidates)),
                        state TEXT NOT NULL CHECK (state IN (\(states))),
                        shelf INTEGER CHECK (shelf > 0),
                        layer INTEGER CHECK (layer > 0),
                        seq INTEGER CHECK (seq BETWEEN 1 AND 9999),
                        phone_tail TEXT CHECK (phone_tail IS NULL OR (length(phone_tail) = 4 AND phone_tail NOT GLOB '*[^0-9]*')),
                        phone_hash BLOB CHECK (phone_hash IS NULL OR length(phone_hash) = 32),
                        phone_full TEXT,
                        received_at INTEGER NOT NULL,
                        shelved_at INTEGER,
                        updated_at INTEGER NOT NULL,
                        released_at INTEGER,
                        pickup_id INTEGER REFERENCES pickup(id),
                        notices INTEGER NOT NULL DEFAULT 0 CHECK (notices >= 0),
                        -- A slot is all three numbers or none.
                        CHECK ((shelf IS NULL) = (layer IS NULL) AND (layer IS NULL) = (seq IS NULL)),
                        -- Released exactly when the stay has ended.
                        CHECK ((state IN ('pickedUp', 'returned')) = (released_at IS NOT NULL)),
                        -- A pickup always has its proof.
                        CHECK (state <> 'pickedUp' OR pickup_id IS NOT NULL),
                        -- Parcels waiting for pickup are on a shelf.
                        CHECK (state NOT IN ('shelved', 'notified') OR (seq IS NOT NULL AND shelved_at IS NOT NULL))
                    ) STRICT;

                    -- One open stay per tracking number; a number may come back after its stay ended.
                    CREATE UNIQUE INDEX parcel_active_tracking ON parcel(tracking) WHERE released_at IS NULL;
                    -- One active parcel per pickup code. Also covers the per-layer occupancy counts.
                    CREATE UNIQUE INDEX parcel_active_slot ON parcel(shelf, layer, seq) WHERE released_at IS NULL AND seq IS NOT NULL;
                    -- Codes released recently, for the reuse cool-down.
                    CREATE INDEX parcel_released_slot ON parcel(shelf, layer, released_at, seq) WHERE released_at IS NOT NULL AND seq IS NOT NULL;
                    CREATE INDEX parcel_tracking ON parcel(tracking);
                    CREATE INDEX parcel_active_phone_tail ON parcel(phone_tail) WHERE released_at IS NULL AND phone_tail IS NOT NULL;
                    CREATE INDEX parcel_state ON parcel(state, updated_at);
                    -- Backlog by courier and age: partial (waiting parcels only) and covering, in courier order so
                    -- the GROUP BY needs no sort. `state` is in the key only so SQLite 3.40 counts it as covering.
                    CREATE INDEX parcel_backlog ON parcel(courier, shelved_at, state) WHERE \(awaitingPickupSQL);
                    -- The longest-waiting parcels, in shelving order.
                    CREATE INDEX parcel_waiting ON parcel(shelved_at) WHERE \(awaitingPickupSQL);

                    -- Per-layer load, kept by triggers, so allocating a code reads one small row per layer instead
                    -- of counting every parcel on the shelves; last_seq is where the allocator continues.
                    CREATE TABLE layer_load (
                        shelf INTEGER NOT NULL,
                        layer INTEGER NOT NULL,
                        active INTEGER NOT NULL DEFAULT 0 CHECK (active >= 0),
                        last_seq INTEGER CHECK (last_seq IS NULL OR last_seq BETWEEN 1 AND 9999),
                        PRIMARY KEY (shelf, layer)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TRIGGER parcel_slot_taken AFTER INSERT ON parcel
                    WHEN NEW.seq IS NOT NULL AND NEW.released_at IS NULL
                    BEGIN
                        INSERT INTO layer_load (shelf, layer, active) VALUES (NEW.shelf, NEW.layer, 1)
                        ON CONFLICT DO UPDATE SET active = active + 1;
                    END;
                    CREATE TRIGGER parcel_slot_moved AFTER UPDATE OF shelf, layer, seq, released_at ON parcel
                    BEGIN
                        UPDATE layer_load SET active = active - 1
                        WHERE OLD.seq IS NOT NULL AND OLD.released_at IS NULL AND shelf = OLD.shelf AND layer = OLD.layer;
                        INSERT INTO layer_load (shelf, layer, active)
                        SELECT NEW.shelf, NEW.layer, 1 WHERE NEW.seq IS NOT NULL AND NEW.released_at IS NULL
                        ON CONFLICT DO UPDATE SET active = active + 1;
                    END;
                    -- A stay ends with pickup or return; its row is history and is never deleted.
                    CREATE TRIGGER parcel_no_delete BEFORE DELETE ON parcel
                    BEGIN SELECT RAISE(ABORT, 'parcel rows are never deleted'); END;

                    CREATE TABLE parcel_event (
                        -- No AUTOINCREMENT: rows are never deleted, so rowids are never reused anyway, and it would
                        -- cost a sqlite_sequence write per event.
                        id INTEGER PRIMARY KEY,
                        uid TEXT NOT NULL UNIQUE,
                        parcel_id INTEGER NOT NULL REFERENCES parcel(id),
                        kind TEXT NOT NULL CHECK (kind IN (\(kinds))),
                        from_state TEXT CHECK (from_state IS NULL OR from_state IN (\(states))),
                        to_state TEXT NOT NULL CHECK (to_state IN (\(states))),
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
                    ) STRICT;
                    CREATE INDEX parcel_event_parcel ON parcel_event(parcel_id, id);

                    -- The event log is append-only: history is corrected by new events, never by edits.
                    CREATE TRIGGER parcel_event_no_update BEFORE UPDATE ON parcel_event
                    BEGIN SELECT RAISE(ABORT, 'parcel_event is append-only'); END;
                    CREATE TRIGGER parcel_event_no_delete BEFORE DELETE ON parcel_event
                    BEGIN SELECT RAISE(ABORT, 'parcel_event is append-only'); END;
                    """)
        }
        return migrator
    }
}
