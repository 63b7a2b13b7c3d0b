internal import GRDB
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

    /// The states and event kinds the first ledger migration allowed, frozen as they were: later migrations
    /// find these exact lists in the stored schema and widen them.
    static let ledgerStates = "'received','shelved','notified','pickedUp','returnRequested','returned','exception'"
    static let ledgerEventKinds =
        "'intake','shelve','notify','pickUp','requestReturn','cancelReturn','completeReturn','flagException','resolveException'"
    /// What "undo" added: the `voided` state and the two undo events.
    static let undoStates = ledgerStates + ",'voided'"
    static let undoEventKinds = ledgerEventKinds + ",'undoIntake','undoPickup'"
    /// What "phone set" added: the event of a recipient's phone added after intake.
    static let phoneEventKinds = undoEventKinds + ",'setPhone'"
    /// What problem parcels and pickup proofs added: the `writtenOff` state and four event kinds.
    static let problemStates = undoStates + ",'writtenOff'"
    static let problemEventKinds = phoneEventKinds + ",'reportProblem','resolveProblem','writeOff','attachProof'"
    /// The handoff line statuses the handoffs migration allowed, frozen as they were (bags added `bagged`).
    static let handoffLineStatuses = "'expected','scanned','missing','extra','damaged','misrouted'"
    /// What the township relay added: the `inTransit` and `forwarded` states and their three event kinds.
    static let relayStates = problemStates + ",'inTransit','forwarded'"
    static let relayEventKinds = problemEventKinds + ",'relay','pullBack','forward'"

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-22 ledger") { db in
            let states = ledgerStates
            let kinds = ledgerEventKinds
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
        migrator.registerMigration("2026-11-22 handoffs") { db in
            let directions = sqlList(HandoffDirection.allCases)
            let kinds = sqlList(HandoffKind.allCases)
            let tiers = sqlList(NodeTier.allCases)
            let statuses = handoffLineStatuses
            let discrepancies = sqlList(DiscrepancyKind.allCases)
            let resolutions = sqlList(DiscrepancyResolution.allCases)
            try db.execute(
                sql: """
                    -- A handoff (交接) with a courier, a driver or another tier. Once closed it carries its signed
                    -- receipt and never changes again.
                    CREATE TABLE handoff (
                        id INTEGER PRIMARY KEY,
                        uid TEXT NOT NULL UNIQUE,
                        direction TEXT NOT NULL CHECK (direction IN (\(directions))),
                        kind TEXT NOT NULL CHECK (kind IN (\(kinds))),
                        party TEXT NOT NULL,
                        party_name TEXT NOT NULL,
                        company TEXT,
                        node TEXT,
                        node_tier TEXT CHECK (node_tier IS NULL OR node_tier IN (\(tiers))),
                        vehicle TEXT,
                        counter TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
                        opened_at INTEGER NOT NULL,
                        opened_by TEXT NOT NULL,
                        closed_at INTEGER,
                        closed_by TEXT,
                        confirmed_by TEXT CHECK (confirmed_by IS NULL OR confirmed_by IN ('badge', 'pin')),
                        receipt_seq INTEGER UNIQUE,
                        receipt TEXT,
                        receipt_digest TEXT,
                        CHECK ((state = 'open') = (closed_at IS NULL)),
                        CHECK ((state = 'closed') = (receipt IS NOT NULL AND receipt_seq IS NOT NULL AND confirmed_by IS NOT NULL))
                    ) STRICT;
                    CREATE INDEX handoff_open ON handoff(counter) WHERE state = 'open';
                    CREATE TRIGGER handoff_closed_is_final BEFORE UPDATE ON handoff WHEN OLD.state = 'closed'
                    BEGIN SELECT RAISE(ABORT, 'a closed handoff is final'); END;
                    CREATE TRIGGER handoff_no_delete BEFORE DELETE ON handoff
                    BEGIN SELECT RAISE(ABORT, 'handoffs are never deleted'); END;

                    CREATE TABLE handoff_line (
                        id INTEGER PRIMARY KEY,
                        handoff_id INTEGER NOT NULL REFERENCES handoff(id),
                        tracking TEXT NOT NULL,
                        courier TEXT,
                        bag TEXT,
                        destination TEXT,
                        manifest_line INTEGER,
                        expected INTEGER NOT NULL CHECK (expected IN (0, 1)),
                        status TEXT NOT NULL CHECK (status IN (\(statuses))),
                        scanned_at INTEGER,
                        note TEXT,
                        photo TEXT,
                        parcel_id INTEGER REFERENCES parcel(id),
                        UNIQUE (handoff_id, tracking),
                        CHECK ((status IN ('expected', 'missing')) = (scanned_at IS NULL)),
                        CHECK (expected = 1 OR status IN ('extra', 'damaged', 'misrouted'))
                    ) STRICT;
                    CREATE INDEX handoff_line_bag ON handoff_line(handoff_id, bag) WHERE bag IS NOT NULL;
                    CREATE TRIGGER handoff_line_frozen BEFORE UPDATE ON handoff_line
                    WHEN (SELECT state FROM handoff WHERE id = OLD.handoff_id) = 'closed'
                    BEGIN SELECT RAISE(ABORT, 'the lines of a closed handoff are final'); END;
                    CREATE TRIGGER handoff_line_no_late_insert BEFORE INSERT ON handoff_line
                    WHEN (SELECT state FROM handoff WHERE id = NEW.handoff_id) = 'closed'
                    BEGIN SELECT RAISE(ABORT, 'the lines of a closed handoff are final'); END;
                    CREATE TRIGGER handoff_line_no_delete BEFORE DELETE ON handoff_line
                    BEGIN SELECT RAISE(ABORT, 'handoff lines are never deleted'); END;

                    -- What a handoff left wrong (短少, 多发, 破损, 错分), open until someone resolves it.
                    CREATE TABLE discrepancy (
                        id INTEGER PRIMARY KEY,
                        handoff_id INTEGER NOT NULL REFERENCES handoff(id),
                        line_id INTEGER NOT NULL UNIQUE REFERENCES handoff_line(id),
                        kind TEXT NOT NULL CHECK (kind IN (\(discrepancies))),
                        opened_at INTEGER NOT NULL,
                        resolution TEXT CHECK (resolution IS NULL OR resolution IN (\(resolutions))),
                        resolved_at INTEGER,
                        resolved_by TEXT,
                        note TEXT,
                        CHECK ((resolution IS NULL) = (resolved_at IS NULL AND resolved_by IS NULL))
                    ) STRICT;
                    CREATE INDEX discrepancy_open ON discrepancy(opened_at) WHERE resolution IS NULL;
                    CREATE TRIGGER discrepancy_resolved_is_final BEFORE UPDATE ON discrepancy WHEN OLD.resolution IS NOT NULL
                    BEGIN SELECT RAISE(ABORT, 'a resolved discrepancy is final'); END;

                    -- Wrong PINs per courier, so guessing locks the courier out for a while (kept across restarts).
                    CREATE TABLE party_lockout (
                        party TEXT PRIMARY KEY NOT NULL,
                        failures INTEGER NOT NULL CHECK (failures >= 0),
                        locked_until INTEGER
                    ) STRICT;
                    """)
        }
        migrator.registerMigration("2026-11-22 custody chain") { db in
            // Events recorded before the chain existed get their digests now, in order, so the whole log is
            // one chain; the append-only trigger is lifted for exactly this.
            try db.execute(
                sql: """
                    DROP TRIGGER parcel_event_no_update;
                    ALTER TABLE parcel_event ADD COLUMN digest BLOB;
                    """)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.uid, p.tracking, e.kind, e.from_state, e.to_state, e.at, e.actor, e.details
                    FROM parcel_event e JOIN parcel p ON p.id = e.parcel_id ORDER BY e.id
                    """)
            var previous = CustodyChain.genesis
            for row in rows {
                let fields = CustodyChain.Fields(
                    id: row[0], uid: row[1], tracking: row[2], kind: row[3], from: row[4], to: row[5], at: row[6], actor: row[7],
                    details: row[8])
                previous = CustodyChain.digest(previous: previous, fields)
                try db.execute(sql: "UPDATE parcel_event SET digest = ? WHERE id = ?", arguments: [previous, fields.id])
            }
            try db.execute(
                sql: """
                    CREATE TRIGGER parcel_event_no_update BEFORE UPDATE ON parcel_event
                    BEGIN SELECT RAISE(ABORT, 'parcel_event is append-only'); END;
                    CREATE TRIGGER parcel_event_chained BEFORE INSERT ON parcel_event WHEN NEW.digest IS NULL OR length(NEW.digest) <> 32
                    BEGIN SELECT RAISE(ABORT, 'every event carries its custody-chain digest'); END;
                    -- The chain covers the parcel's tracking number, so it must never change.
                    CREATE TRIGGER parcel_tracking_fixed BEFORE UPDATE OF tracking ON parcel WHEN NEW.tracking <> OLD.tracking
                    BEGIN SELECT RAISE(ABORT, 'a parcel keeps its tracking number'); END;
                    """)
        }
        migrator.registerMigration("2026-11-22 stocktake") { db in
            try db.execute(
                sql: """
                    -- A shelf sweep (盘点): what was scanned, compared with what the ledger says is on the shelf.
                    CREATE TABLE stocktake (
                        id INTEGER PRIMARY KEY,
                        uid TEXT NOT NULL UNIQUE,
                        shelf INTEGER,
                        counter TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
                        started_at INTEGER NOT NULL,
                        started_by TEXT NOT NULL,
                        closed_at INTEGER,
                        report TEXT CHECK (report IS NULL OR json_valid(report)),
                        CHECK ((state = 'closed') = (closed_at IS NOT NULL AND report IS NOT NULL))
                    ) STRICT;
                    CREATE INDEX stocktake_open ON stocktake(counter) WHERE state = 'open';
                    CREATE TABLE stocktake_scan (
                        stocktake_id INTEGER NOT NULL REFERENCES stocktake(id),
                        tracking TEXT NOT NULL,
                        scanned_at INTEGER NOT NULL,
                        PRIMARY KEY (stocktake_id, tracking)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TRIGGER stocktake_closed_is_final BEFORE UPDATE ON stocktake WHEN OLD.state = 'closed'
                    BEGIN SELECT RAISE(ABORT, 'a closed stocktake is final'); END;
                    CREATE TRIGGER stocktake_scan_closed BEFORE INSERT ON stocktake_scan
                    WHEN (SELECT state FROM stocktake WHERE id = NEW.stocktake_id) = 'closed'
                    BEGIN SELECT RAISE(ABORT, 'a closed stocktake is final'); END;
                    """)
        }
        migrator.registerMigration("2026-11-22 complaints") { db in
            try db.execute(
                sql: """
                    -- Complaints (投诉) against a parcel stay or a handoff; the assessment counts them.
                    CREATE TABLE complaint (
                        id INTEGER PRIMARY KEY,
                        parcel_id INTEGER REFERENCES parcel(id),
                        handoff_id INTEGER REFERENCES handoff(id),
                        text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
                        source TEXT,
                        at INTEGER NOT NULL,
                        recorded_by TEXT NOT NULL,
                        resolution TEXT,
                        resolved_at INTEGER,
                        resolved_by TEXT,
                        CHECK ((parcel_id IS NULL) <> (handoff_id IS NULL)),
                        CHECK ((resolution IS NULL) = (resolved_at IS NULL))
                    ) STRICT;
                    CREATE INDEX complaint_at ON complaint(at);
                    CREATE TRIGGER complaint_resolved_is_final BEFORE UPDATE ON complaint WHEN OLD.resolution IS NOT NULL
                    BEGIN SELECT RAISE(ABORT, 'a resolved complaint is final'); END;
                    CREATE TRIGGER complaint_no_delete BEFORE DELETE ON complaint
                    BEGIN SELECT RAISE(ABORT, 'complaints are never deleted'); END;
                    """)
        }
        migrator.registerMigration("2026-11-22 handoff lines still expected") { db in
            // Each handoff scan reports how many listed lines remain: counted from this index, not from every line.
            try db.execute(sql: "CREATE INDEX handoff_line_expected ON handoff_line(handoff_id) WHERE status = 'expected'")
        }
        migrator.registerMigration("2026-11-22 notices") { db in
            try db.execute(
                sql: """
                    -- Pickup notices (取件通知) waiting, being sent, or done; one row per notice key (event + kind + reminder
                    -- number), so a notice is never queued twice. Leases make one sender own a notice at a time.
                    CREATE TABLE notice (
                        key TEXT PRIMARY KEY NOT NULL,
                        parcel_id INTEGER NOT NULL REFERENCES parcel(id),
                        message TEXT NOT NULL CHECK (json_valid(message)),
                        status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
                        queued_at INTEGER NOT NULL,
                        next_attempt_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        lease_holder TEXT,
                        lease_until INTEGER,
                        last_reason TEXT
                    ) STRICT;
                    CREATE INDEX notice_due ON notice(next_attempt_at) WHERE status IN ('pending', 'sending');
                    CREATE INDEX notice_parcel ON notice(parcel_id);
                    -- Every attempt, recorded before the channel is called and finished with its result.
                    CREATE TABLE notice_attempt (
                        key TEXT NOT NULL REFERENCES notice(key),
                        number INTEGER NOT NULL,
                        holder TEXT NOT NULL,
                        started_at INTEGER NOT NULL,
                        finished_at INTEGER,
                        outcome TEXT CHECK (outcome IS NULL OR json_valid(outcome)),
                        PRIMARY KEY (key, number)
                    ) STRICT, WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("2026-11-22 outgoing parcels") { db in
            try db.execute(
                sql: """
                    -- Parcels sent from the station (寄件; produce going up the chain, 农产品上行): accepted with their
                    -- fee, waiting for an outbound handoff to their courier, then handed over by its receipt.
                    CREATE TABLE outgoing (
                        id INTEGER PRIMARY KEY,
                        waybill TEXT NOT NULL,
                        courier TEXT NOT NULL,
                        produce INTEGER NOT NULL CHECK (produce IN (0, 1)),
                        sender_tail TEXT CHECK (sender_tail IS NULL OR (length(sender_tail) = 4 AND sender_tail NOT GLOB '*[^0-9]*')),
                        sender_hash BLOB,
                        id_checked INTEGER NOT NULL CHECK (id_checked IN (0, 1)),
                        destination TEXT NOT NULL,
                        weight_grams INTEGER NOT NULL CHECK (weight_grams > 0),
                        fee_fen INTEGER NOT NULL CHECK (fee_fen >= 0),
                        state TEXT NOT NULL CHECK (state IN ('waiting', 'handedOver')),
                        accepted_at INTEGER NOT NULL,
                        accepted_by TEXT NOT NULL,
                        handoff_id INTEGER REFERENCES handoff(id),
                        handed_at INTEGER,
                        CHECK ((state = 'handedOver') = (handoff_id IS NOT NULL AND handed_at IS NOT NULL))
                    ) STRICT;
                    CREATE UNIQUE INDEX outgoing_open_waybill ON outgoing(waybill) WHERE state = 'waiting';
                    CREATE INDEX outgoing_accepted ON outgoing(accepted_at);
                    """)
        }
        migrator.registerMigration("2026-11-22 sync outbox") { db in
            try SyncOutboxSchema.migrate(db)
        }
        // Foreign keys stay off while the tables are rebuilt (GRDB's default, checked before commit).
        migrator.registerMigration("2026-11-22 undo") { db in
            try TableRebuild.widen(
                "parcel",
                [
                    "state IN (\(ledgerStates))": "state IN (\(undoStates))",
                    // A voided stay has ended, like a pickup or a return: it releases its code and tracking number.
                    "CHECK ((state IN ('pickedUp', 'returned')) = (released_at IS NOT NULL))":
                        "CHECK ((state IN ('pickedUp', 'returned', 'voided')) = (released_at IS NOT NULL))",
                ], in: db)
            try TableRebuild.widen(
                "parcel_event",
                [
                    "IN (\(ledgerStates))": "IN (\(undoStates))",
                    "kind IN (\(ledgerEventKinds))": "kind IN (\(undoEventKinds))",
                ], in: db)
            // An intake that a handoff recorded is not undone: finding its handoff must not scan every line.
            try db.execute(sql: "CREATE INDEX handoff_line_parcel ON handoff_line(parcel_id) WHERE parcel_id IS NOT NULL")
        }
        migrator.registerMigration("2026-11-22 manifest recipients") { db in
            // What a manifest says of a parcel's recipient, kept as for a parcel until a scan takes the parcel in.
            try db.execute(
                sql: """
                    ALTER TABLE handoff_line ADD COLUMN phone_tail TEXT
                        CHECK (phone_tail IS NULL OR (length(phone_tail) = 4 AND phone_tail NOT GLOB '*[^0-9]*'));
                    ALTER TABLE handoff_line ADD COLUMN phone_hash BLOB CHECK (phone_hash IS NULL OR length(phone_hash) = 32);
                    ALTER TABLE handoff_line ADD COLUMN phone_full TEXT;
                    """)
        }
        migrator.registerMigration("2026-11-23 reminded parcels") { db in
            // The backlog's reminded count (notified twice or more) read every waiting parcel's row, `notices`
            // being in no index: about 10 ms for 3,000 waiting parcels, so it was skipped above 10,000. Only
            // reminded waiting parcels are in this index, and intake (notices = 0) never touches it. `state` and
            // `notices` are in the key only so that SQLite counts the index as covering (as for parcel_backlog).
            try db.execute(sql: "CREATE INDEX parcel_reminded ON parcel(shelved_at, state, notices) WHERE \(remindedSQL)")
        }
        migrator.registerMigration("2026-12-03 phone set") { db in
            // Staff add the recipient's phone after intake (privacy waybills): a chained event of its own kind.
            try TableRebuild.widen("parcel_event", ["kind IN (\(undoEventKinds))": "kind IN (\(phoneEventKinds))"], in: db)
        }
        migrator.registerMigration("2026-12-04 problem parcels and pickup proofs") { db in
            // Only new values in IN lists: widened in place, no row copied.
            try TableRebuild.widenInPlace(
                "parcel",
                [
                    "state IN (\(undoStates))": "state IN (\(problemStates))",
                    "CHECK ((state IN ('pickedUp', 'returned', 'voided')) = (released_at IS NOT NULL))":
                        "CHECK ((state IN ('pickedUp', 'returned', 'voided', 'writtenOff')) = (released_at IS NOT NULL))",
                ], in: db)
            try TableRebuild.widenInPlace(
                "parcel_event",
                ["IN (\(undoStates))": "IN (\(problemStates))", "kind IN (\(phoneEventKinds))": "kind IN (\(problemEventKinds))"],
                in: db)
        }
        migrator.registerMigration("2026-12-04 problem records") { db in try ProblemSchema.migrate(db) }
        migrator.registerMigration("2026-12-04 pickup misses") { db in try PickupMissSchema.migrate(db) }
        migrator.registerMigration("2026-12-04 station events") { db in
            // Durable events that are not about one parcel, numbered with the parcel events (StationEventLog.swift).
            try StationEventSchema.migrate(db)
        }
        migrator.registerMigration("2026-12-05 privacy purge") { db in
            // Personal fields of ended stays are erased after the retention: see PrivacySchema.
            try PrivacySchema.migrate(db)
        }
        migrator.registerMigration("2026-12-06 township relay") { db in
            // Parcels for downstream stations pass through in transit, in a relay bin named by the station's id.
            try TableRebuild.widenInPlace(
                "parcel",
                [
                    "state IN (\(problemStates))": "state IN (\(relayStates))",
                    "CHECK ((state IN ('pickedUp', 'returned', 'voided', 'writtenOff')) = (released_at IS NOT NULL))":
                        "CHECK ((state IN ('pickedUp', 'returned', 'voided', 'writtenOff', 'forwarded')) = (released_at IS NOT NULL))",
                ], in: db)
            try TableRebuild.widenInPlace(
                "parcel_event",
                ["IN (\(problemStates))": "IN (\(relayStates))", "kind IN (\(problemEventKinds))": "kind IN (\(relayEventKinds))"],
                in: db)
            // Bags: a line ticked by its bag's label (`bagged`), and the bag an outbound handoff is packing.
            try TableRebuild.widenInPlace(
                "handoff_line", ["status IN (\(handoffLineStatuses))": "status IN (\(handoffLineStatuses),'bagged')"], in: db)
            // Handoffs between two parcel-stations: closed by the receiving station's staff on a signed manifest
            // (`station`), or by the receiver's signed receipt (`receiver`).
            try TableRebuild.widenInPlace(
                "handoff",
                ["confirmed_by IN ('badge', 'pin')": "confirmed_by IN ('badge', 'pin', 'station', 'receiver')"], in: db)
            try HandoffDocumentSchema.migrate(db)
            let snapshot = SyncOutboxSchema.handoffSnapshot("NEW", exchange: true)
            try db.execute(
                sql: """
                    DROP TRIGGER sync_handoff_opened;
                    DROP TRIGGER sync_handoff_closed;
                    CREATE TRIGGER sync_handoff_opened AFTER INSERT ON handoff
                    BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('handoff', NEW.id, NEW.opened_at, \(snapshot)); END;
                    CREATE TRIGGER sync_handoff_closed AFTER UPDATE OF state ON handoff WHEN NEW.state = 'closed' AND OLD.state <> 'closed'
                    BEGIN INSERT INTO sync_outbox (kind, ref, at, payload) VALUES ('handoff', NEW.id, NEW.closed_at, \(snapshot)); END;
                    """)
            try db.execute(
                sql: """
                    ALTER TABLE handoff ADD COLUMN packing_bag TEXT;
                    -- The signed manifest a station-to-station handoff stands on (sent or received).
                    ALTER TABLE handoff ADD COLUMN manifest_digest TEXT;
                    ALTER TABLE parcel ADD COLUMN relay_to TEXT CHECK (relay_to IS NULL OR length(relay_to) BETWEEN 1 AND 64);
                    ALTER TABLE parcel ADD COLUMN destination TEXT CHECK (destination IS NULL OR length(destination) BETWEEN 1 AND 64);
                    -- The relay bins: what waits for each downstream station, oldest first.
                    CREATE INDEX parcel_in_transit ON parcel(relay_to, received_at) WHERE state = 'inTransit';
                    """)
        }
        return migrator
    }

    /// Waiting parcels notified at least twice: the `parcel_reminded` index's WHERE, repeated literally by the
    /// query that counts them (SQLite uses a partial index only then).
    static let remindedSQL = "\(awaitingPickupSQL) AND notices >= 2"
}
