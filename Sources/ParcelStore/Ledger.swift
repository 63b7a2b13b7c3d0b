public import Foundation
internal import GRDB
public import ParcelDomain
import StrictJSON

/// Read access to the ledger inside one snapshot (a read) or one transaction (a write).
public class LedgerReader {
    let db: Database

    init(db: Database) { self.db = db }

    static let parcelColumns = """
        id, tracking, raw_scan, courier, candidates, state, shelf, layer, seq, phone_tail, phone_hash IS NOT NULL AS has_hash,
        received_at, shelved_at, updated_at, released_at, pickup_id, notices, relay_to, destination
        """

    /// The open stay of `tracking`, if the parcel is still at the station.
    public func activeParcel(tracking: String) throws -> ParcelRecord? {
        try fetchParcels(Self.activeByTrackingSQL, [tracking]).first
    }

    /// The statements of an intake, in the order it runs them; `parcel-bench` runs the same text on the raw C
    /// API for its ledger floor. ?-parameters as bound below.
    public static let activeByTrackingSQL = "SELECT \(parcelColumns) FROM parcel WHERE tracking = ? AND released_at IS NULL"
    public static let insertParcelSQL = """
        INSERT INTO parcel (tracking, raw_scan, courier, candidates, state, shelf, layer, seq, phone_tail, phone_hash,
                            phone_full, received_at, shelved_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    public static let insertEventSQL = """
        INSERT INTO parcel_event (id, uid, parcel_id, kind, from_state, to_state, at, actor, details, digest)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    public static let recordCursorSQL =
        "INSERT INTO layer_load (shelf, layer, last_seq) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET last_seq = excluded.last_seq"

    /// The most recent stay of `tracking` (open or ended).
    public func latestParcel(tracking: String) throws -> ParcelRecord? {
        try fetchParcels("SELECT \(Self.parcelColumns) FROM parcel WHERE tracking = ? ORDER BY id DESC LIMIT 1", [tracking]).first
    }

    public func parcel(id: Int64) throws -> ParcelRecord? {
        try fetchParcels("SELECT \(Self.parcelColumns) FROM parcel WHERE id = ?", [id]).first
    }

    /// The active parcel holding `code`.
    public func activeParcel(code: PickupCode) throws -> ParcelRecord? {
        try fetchParcels(
            "SELECT \(Self.parcelColumns) FROM parcel WHERE shelf = ? AND layer = ? AND seq = ? AND released_at IS NULL",
            [code.shelf, code.layer, code.sequence]
        ).first
    }

    /// Active parcels whose recipient's phone ends in `tail`, waiting for pickup first.
    public func activeParcels(phoneTail tail: String) throws -> [ParcelRecord] {
        try fetchParcels(
            "SELECT \(Self.parcelColumns) FROM parcel WHERE phone_tail = ? AND released_at IS NULL ORDER BY shelved_at, id",
            [tail])
    }

    /// The salted hash stored for a parcel, to compare with a hash of a number the recipient gives.
    public func phoneHash(parcelID: Int64) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT phone_hash FROM parcel WHERE id = ?", arguments: [parcelID])
    }

    /// Parcels matching every given filter, newest first.
    public func search(_ query: ParcelQuery) throws -> [ParcelRecord] {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let tracking = query.tracking {
            clauses.append("tracking = ?")
            arguments.append(tracking)
        }
        if let code = query.pickupCode {
            clauses.append("shelf = ? AND layer = ? AND seq = ?")
            arguments += [code.shelf, code.layer, code.sequence]
        }
        if let tail = query.phoneTail {
            clauses.append("phone_tail = ?")
            arguments.append(tail)
        }
        if let states = query.states, !states.isEmpty {
            clauses.append("state IN (\(states.map { _ in "?" }.joined(separator: ",")))")
            arguments += states.map(\.rawValue)
        }
        if query.activeOnly { clauses.append("released_at IS NULL") }
        let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        arguments.append(max(1, min(query.limit, 1000)))
        return try fetchParcels(
            "SELECT \(Self.parcelColumns) FROM parcel \(filter) ORDER BY id DESC LIMIT ?", StatementArguments(arguments))
    }

    /// The event log of one parcel, oldest first.
    public func events(parcelID: Int64) throws -> [ParcelEvent] {
        try fetchEvents("WHERE e.parcel_id = ? ORDER BY e.id", [parcelID])
    }

    /// Events after `id`, oldest first (subscriptions catching up, county sync).
    public func events(after id: Int64, limit: Int) throws -> [ParcelEvent] {
        try fetchEvents("WHERE e.id > ? ORDER BY e.id LIMIT ?", [id, limit])
    }

    /// Active parcels per (shelf, layer), from the trigger-maintained `layer_load` table.
    public func layerCounts() throws -> [LayerKey: Int] {
        var counts: [LayerKey: Int] = [:]
        let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT shelf, layer, active FROM layer_load WHERE active > 0"))
        while let row = try rows.next() { counts[LayerKey(shelf: row[0], layer: row[1])] = row[2] }
        return counts
    }

    /// Everything the pickup-code allocator needs about one layer.
    public func occupancy(of key: LayerKey, capacity: Int, releasedSince: Int64) throws -> PickupCodeAllocator.LayerOccupancy {
        let entry = try loadOccupancy(of: key, releasedSince: releasedSince)
        return .init(
            shelf: key.shelf, layer: key.layer, capacity: capacity, activeSequences: entry.active, coolingSequences: entry.cooling,
            lastSequence: entry.lastSequence)
    }

    /// A layer's active and cooling sequences (with release times, oldest first) and allocation cursor.
    func loadOccupancy(of key: LayerKey, releasedSince: Int64) throws -> LayerMemory.Entry {
        var active = Set<Int>()
        let activeRows = try Int.fetchCursor(
            db.cachedStatement(sql: "SELECT seq FROM parcel WHERE shelf = ? AND layer = ? AND released_at IS NULL AND seq IS NOT NULL"),
            arguments: [key.shelf, key.layer])
        while let seq = try activeRows.next() { active.insert(seq) }
        var cooling = Set<Int>()
        var releases: [(seq: Int, at: Int64)] = []
        let releasedRows = try Row.fetchCursor(
            db.cachedStatement(
                sql: """
                    SELECT seq, released_at FROM parcel
                    WHERE shelf = ? AND layer = ? AND released_at >= ? AND released_at IS NOT NULL AND seq IS NOT NULL
                    ORDER BY released_at
                    """),
            arguments: [key.shelf, key.layer, releasedSince])
        while let row = try releasedRows.next() {
            let seq: Int = row[0]
            cooling.insert(seq)
            releases.append((seq, row[1]))
        }
        let last = try Int?.fetchOne(
            db.cachedStatement(sql: "SELECT last_seq FROM layer_load WHERE shelf = ? AND layer = ?"), arguments: [key.shelf, key.layer])
        return .init(active: active, cooling: cooling, releases: releases, lastSequence: last ?? nil)
    }

    /// Parcel counts by state, and the event log's size.
    public func counts() throws -> LedgerCounts {
        var byState: [ParcelState: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM parcel GROUP BY state") {
            if let state = ParcelState(rawValue: row["state"]) { byState[state] = row["n"] }
        }
        let events = try Int64.fetchOne(db, sql: "SELECT count(*) FROM parcel_event") ?? 0
        let last = try Int64.fetchOne(db, sql: "SELECT max(at) FROM parcel_event")
        return LedgerCounts(byState: byState, events: events, lastEventAt: last)
    }

    /// The id of the newest event (0 when empty).
    public func lastEventID() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT ifnull(max(id), 0) FROM parcel_event") ?? 0
    }

    /// A station-wide value from `station_meta`.
    public func meta(_ key: String) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT value FROM station_meta WHERE key = ?", arguments: [key])
    }

    // MARK: Backlog

    /// Bucket edges in hours: < 24 h, 1–2 d, 2–3 d, 3–7 d, > 7 d.
    public static let backlogBucketHours = [0, 24, 48, 72, 168]

    /// The backlog SQL: one row per courier with a count per age bucket, then how many of them were notified
    /// and how many are past the hold period. The `state IN (…)` literal repeats the
    /// partial index's predicate so SQLite can use the covering `parcel_backlog` index, which is in courier
    /// order, so the GROUP BY needs no sort; `INDEXED BY` keeps the planner from preferring another index on a
    /// database without statistics (and turns a schema change that breaks the index's use into an error
    /// instead of a silent slowdown). Parameters: ?1 = now (ms), ?2 = shelved at or before (ms), ?3 = overdue
    /// when shelved at or before (ms; unbound, the last column is NULL).
    public static let backlogSQL: String = {
        let edges = backlogBucketHours.map { Int64($0) * 3_600_000 }
        let sums = edges.indices.map { index -> String in
            // Bucket i holds parcels aged [edge i, edge i+1): shelved in (now - edge i+1, now - edge i].
            let upper = "shelved_at <= ?1 - \(edges[index])"
            return index + 1 < edges.count ? "sum(\(upper) AND shelved_at > ?1 - \(edges[index + 1]))" : "sum(\(upper))"
        }
        return """
            SELECT ifnull(courier, '\(CourierCandidate.unknownCode)') AS courier, \(sums.joined(separator: ", ")),
                   sum(state = 'notified'), sum(shelved_at <= ?3)
            FROM parcel INDEXED BY parcel_backlog
            WHERE \(Schema.awaitingPickupSQL) AND shelved_at <= ?2
            GROUP BY courier
            """
    }()

    /// The longest-waiting parcels, through the `parcel_waiting` index. Parameters: ?1 = cutoff, ?2 = limit.
    public static let oldestWaitingSQL =
        "SELECT \(parcelColumns) FROM parcel INDEXED BY parcel_waiting WHERE \(Schema.awaitingPickupSQL) AND shelved_at <= ?1 ORDER BY shelved_at LIMIT ?2"

    /// Parcels waiting for pickup that were shelved at least `olderThanHours` ago, by age and courier; with
    /// `holdHours`, also how many of them are past the hold period.
    public func backlog(now: Int64, olderThanHours: Int, oldestLimit: Int = 20, holdHours: Int? = nil) throws -> BacklogReport {
        let cutoff = now - Int64(olderThanHours) * 3_600_000
        let bucketCount = Self.backlogBucketHours.count
        var rows: [BacklogReport.CourierRow] = []
        var totals = [Int](repeating: 0, count: bucketCount)
        var notified = 0
        var overdue = 0
        let overdueCutoff = holdHours.map { now - Int64($0) * 3_600_000 } ?? Int64.min
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: Self.backlogSQL), arguments: [now, cutoff, overdueCutoff])
        while let row = try cursor.next() {
            notified += row[bucketCount + 1] as Int
            overdue += row[bucketCount + 2] as Int
            let counts = (0..<bucketCount).map { row[$0 + 1] as Int }
            for (index, count) in counts.enumerated() { totals[index] += count }
            rows.append(BacklogReport.CourierRow(courier: row[0], total: counts.reduce(0, +), counts: counts))
        }
        let buckets = Self.backlogBucketHours.enumerated().map { index, from in
            BacklogReport.Bucket(
                fromHours: from, toHours: index + 1 < bucketCount ? Self.backlogBucketHours[index + 1] : nil, count: totals[index])
        }
        // A NULL courier and an explicit UNKNOWN both read as UNKNOWN: merge them.
        let merged = Dictionary(rows.map { ($0.courier, $0) }) { a, b in
            BacklogReport.CourierRow(courier: a.courier, total: a.total + b.total, counts: zip(a.counts, b.counts).map(+))
        }
        let byCourier = merged.values.sorted { ($0.total, $1.courier) > ($1.total, $0.courier) }
        let oldest = oldestLimit > 0 ? try fetchParcels(Self.oldestWaitingSQL, [cutoff, oldestLimit]) : []
        return BacklogReport(
            generatedAt: now, olderThanHours: olderThanHours, total: totals.reduce(0, +), buckets: buckets,
            byCourier: byCourier, oldest: oldest, notified: notified, overdue: holdHours == nil ? nil : overdue)
    }

    // MARK: Row mapping

    func fetchParcels(_ sql: String, _ arguments: StatementArguments) throws -> [ParcelRecord] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(Self.parcel(from:))
    }

    static let decoder = StrictJSONDecoder.ownOutput

    /// Parcels in transit, oldest first: all, or those for one downstream station.
    public func inTransit(to station: String? = nil, limit: Int = 10_000) throws -> [ParcelRecord] {
        let filter = station == nil ? "" : " AND relay_to = ?"
        return try fetchParcels(
            "SELECT \(Self.parcelColumns) FROM parcel WHERE state = 'inTransit'\(filter) ORDER BY received_at, id LIMIT ?",
            StatementArguments(station.map { [$0, limit] as [any DatabaseValueConvertible] } ?? [limit]))
    }

    static func parcel(from row: Row) throws -> ParcelRecord { try parcel(from: row, candidates: decodeCandidates) }

    static func parcel(from row: Row, candidates decode: (String) -> [CourierCandidate]) throws -> ParcelRecord {
        let candidates = decode(row["candidates"])
        let shelf: Int? = row["shelf"]
        let layer: Int? = row["layer"]
        let seq: Int? = row["seq"]
        let code = shelf.flatMap { shelf in layer.flatMap { layer in seq.map { PickupCode(shelf: shelf, layer: layer, sequence: $0) } } }
        let stateText: String = row["state"]
        guard let state = ParcelState(rawValue: stateText) else {
            throw StoreError.unavailable("unknown state \(stateText) in ledger")
        }
        return ParcelRecord(
            id: row["id"], tracking: row["tracking"], rawScan: row["raw_scan"], courier: row["courier"],
            candidates: candidates, state: state, pickupCode: code, phoneTail: row["phone_tail"],
            hasPhoneHash: row["has_hash"], receivedAt: row["received_at"], shelvedAt: row["shelved_at"],
            updatedAt: row["updated_at"], releasedAt: row["released_at"], pickupID: row["pickup_id"], notices: row["notices"],
            relayTo: row["relay_to"], destination: row["destination"])
    }

    static func decodeCandidates(_ json: String) -> [CourierCandidate] {
        (try? decoder.decode([CourierCandidate].self, from: Data(json.utf8))) ?? []
    }

    func fetchEvents(_ filter: String, _ arguments: StatementArguments) throws -> [ParcelEvent] {
        let sql = """
            SELECT e.id, e.uid, e.parcel_id, p.tracking, e.kind, e.from_state, e.to_state, e.at, e.actor, e.details
            FROM parcel_event e JOIN parcel p ON p.id = e.parcel_id \(filter)
            """
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
            let detailsJSON: String = row["details"]
            let details = (try? Self.decoder.decode([String: String].self, from: Data(detailsJSON.utf8))) ?? [:]
            let from: String? = row["from_state"]
            return ParcelEvent(
                id: row["id"], uid: row["uid"], parcelID: row["parcel_id"], tracking: row["tracking"],
                kind: ParcelEventKind(rawValue: row["kind"]) ?? .intake, fromState: from.flatMap(ParcelState.init(rawValue:)),
                toState: ParcelState(rawValue: row["to_state"]) ?? .exception, at: row["at"], actor: row["actor"],
                details: details)
        }
    }
}

/// A (shelf, layer) pair.
public struct LayerKey: Hashable, Sendable {
    public let shelf: Int
    public let layer: Int
    public init(shelf: Int, layer: Int) {
        self.shelf = shelf
        self.layer = layer
    }
}

/// Write access inside one group-committed transaction. Every method keeps the parcel row and the event log
/// in step: a state change and its event are written together or not at all.
public final class LedgerTransaction: LedgerReader {
    /// The writer's memory (see `WriterMemory`); a transaction outside the writer gets an empty one of its own,
    /// which reads what it needs from the database and goes with the transaction.
    let memory: WriterMemory

    init(db: Database, memory: WriterMemory = WriterMemory()) {
        self.memory = memory
        super.init(db: db)
    }

    /// As `LedgerReader.layerCounts`, served from the writer's memory once read.
    public override func layerCounts() throws -> [LayerKey: Int] {
        if let counts = memory.layers.counts { return counts }
        let counts = try super.layerCounts()
        memory.layers.counts = counts
        return counts
    }

    /// Active parcels on each of `layers`, in their order (0 for an empty layer), from `layerCounts`.
    public func activeCounts(of layers: [(shelf: Int, layer: Int, capacity: Int)]) throws -> [Int] {
        let counts = try layerCounts()
        return layers.map { counts[LayerKey(shelf: $0.shelf, layer: $0.layer)] ?? 0 }
    }

    /// As `LedgerReader.occupancy`, served from the writer's memory once the layer has been read.
    public override func occupancy(of key: LayerKey, capacity: Int, releasedSince: Int64) throws
        -> PickupCodeAllocator.LayerOccupancy
    {
        let entry = try memory.layers.entry(key, releasedSince: releasedSince) {
            try loadOccupancy(of: key, releasedSince: releasedSince)
        }
        return .init(
            shelf: key.shelf, layer: key.layer, capacity: capacity, activeSequences: entry.active, coolingSequences: entry.cooling,
            lastSequence: entry.lastSequence)
    }

    /// Inserts a new stay in state `received` and logs its `intake` event. With `shelving`, the parcel is
    /// shelved in the same row write (the intake desk's usual case) and both events, `intake` and `shelve`,
    /// are logged: one row write instead of an insert followed by an update.
    public func insertParcel(
        _ new: NewParcel, shelving slot: PickupCode? = nil, actor: String, details: [String: String] = [:]
    ) throws -> ParcelRecord {
        let state = slot == nil ? ParcelState.received : try ParcelLifecycle.apply(.shelve, to: .received)
        let shelvedAt = slot == nil ? nil : new.at
        try db.executeHot(
            Self.insertParcelSQL,
            [
                .text(new.tracking.value), .text(new.tracking.scan.raw), .text(new.courier),
                .text(new.candidatesJSON), .text(state.rawValue), .integer(slot?.shelf),
                .integer(slot?.layer), .integer(slot?.sequence), .text(new.phoneTail), .blob(new.phoneHash), .text(new.phoneFull),
                .integer(new.at), .integer(shelvedAt), .integer(new.at),
            ])
        let id = db.lastInsertedRowID
        try appendEvent(
            parcelID: id, tracking: new.tracking.value, kind: .intake, from: nil, to: .received, at: new.at, actor: actor, details: details)
        if let slot {
            try recordCursor(slot)
            memory.layers.taken(slot, allocated: true)
            try appendEvent(
                parcelID: id, tracking: new.tracking.value, kind: .shelve, from: .received, to: .shelved, at: new.at, actor: actor,
                details: ["pickupCode": slot.description])
        }
        // Built from what was just written rather than read back: the hot path of every scan.
        return ParcelRecord(
            id: id, tracking: new.tracking.value, rawScan: new.tracking.scan.raw, courier: new.courier,
            candidates: new.tracking.candidates, state: state, pickupCode: slot, phoneTail: new.phoneTail,
            hasPhoneHash: new.phoneHash != nil, receivedAt: new.at, shelvedAt: shelvedAt, updatedAt: new.at, releasedAt: nil,
            pickupID: nil, notices: 0)
    }

    static let insertInTransitSQL = """
        INSERT INTO parcel (tracking, raw_scan, courier, candidates, state, phone_tail, phone_hash, phone_full, received_at, updated_at,
                            relay_to, destination)
        VALUES (?, ?, ?, ?, 'inTransit', ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts a new stay straight into the relay bin of downstream station `station`: one row write and its two
    /// events, `intake` and `relay`, as `insertParcel` then `relay` would log them (a bag label takes hundreds at once).
    public func insertParcel(
        _ new: NewParcel, relayingTo station: String, destination: String?, actor: String, details: [String: String] = [:]
    ) throws -> ParcelRecord {
        let state = try ParcelLifecycle.apply(.relay, to: .received)
        try db.executeHot(
            Self.insertInTransitSQL,
            [
                .text(new.tracking.value), .text(new.tracking.scan.raw), .text(new.courier), .text(new.candidatesJSON),
                .text(new.phoneTail), .blob(new.phoneHash), .text(new.phoneFull), .integer(new.at), .integer(new.at), .text(station),
                .text(destination),
            ])
        let id = db.lastInsertedRowID
        try appendEvent(
            parcelID: id, tracking: new.tracking.value, kind: .intake, from: nil, to: .received, at: new.at, actor: actor, details: details)
        var relayDetails = details
        relayDetails["to"] = station
        try appendEvent(
            parcelID: id, tracking: new.tracking.value, kind: .relay, from: .received, to: state, at: new.at, actor: actor,
            details: relayDetails)
        return ParcelRecord(
            id: id, tracking: new.tracking.value, rawScan: new.tracking.scan.raw, courier: new.courier,
            candidates: new.tracking.candidates, state: state, pickupCode: nil, phoneTail: new.phoneTail,
            hasPhoneHash: new.phoneHash != nil, receivedAt: new.at, shelvedAt: nil, updatedAt: new.at, releasedAt: nil,
            pickupID: nil, notices: 0, relayTo: station, destination: destination)
    }

    /// Where the allocator continues on this layer.
    func recordCursor(_ slot: PickupCode) throws {
        try db.executeHot(Self.recordCursorSQL, [.integer(slot.shelf), .integer(slot.layer), .integer(slot.sequence)])
    }

    /// Applies `action` through the domain's state machine, updates the row and logs the event.
    /// `slot` is set when shelving; `pickupID` when picking up.
    @discardableResult
    public func apply(
        _ action: ParcelAction, to parcel: ParcelRecord, at: Int64, actor: String,
        slot: PickupCode? = nil, pickupID: Int64? = nil, details: [String: String] = [:]
    ) throws -> ParcelRecord {
        let next = try ParcelLifecycle.apply(action, to: parcel.state)
        return try record(action, to: parcel, next: next, at: at, actor: actor, slot: slot, pickupID: pickupID, details: details)
    }

    /// Takes back a pickup confirmed by mistake: the parcel returns to the state the pickup took it from, keeps
    /// its shelving time (its wait goes on), loses its pickup (whose proof row stays, as history) and takes
    /// its code again, or `slot` when that code was handed to another parcel meanwhile.
    @discardableResult
    public func undoPickup(
        _ parcel: ParcelRecord, at: Int64, actor: String, slot: PickupCode? = nil, details: [String: String] = [:]
    ) throws -> ParcelRecord {
        let previous = try events(parcelID: parcel.id).last { $0.kind == .pickUp }?.fromState
        let next = try ParcelLifecycle.undoingPickup(from: parcel.state, pickedUpFrom: previous)
        var details = details
        if let undone = parcel.pickupID { details["undoesPickupId"] = String(undone) }
        return try record(.undoPickup, to: parcel, next: next, at: at, actor: actor, slot: slot, pickupID: nil, details: details)
    }

    /// Sets the recipient's phone of a parcel still waiting here (`setPhone`: its state stays), replacing what was
    /// there: the tail, the salted hash and the full number, each nil when not given, so an earlier number's hash
    /// never outlives it. The event is the only trace: `details` say how it was given, never the number.
    @discardableResult
    public func setPhone(
        _ parcel: ParcelRecord, tail: String, hash: Data?, full: String?, at: Int64, actor: String, details: [String: String] = [:]
    ) throws -> ParcelRecord {
        let next = try ParcelLifecycle.apply(.setPhone, to: parcel.state)
        try db.cachedStatement(sql: "UPDATE parcel SET phone_tail = ?, phone_hash = ?, phone_full = ? WHERE id = ?")
            .execute(arguments: [tail, hash, full, parcel.id])
        let withPhone = ParcelRecord(
            id: parcel.id, tracking: parcel.tracking, rawScan: parcel.rawScan, courier: parcel.courier, candidates: parcel.candidates,
            state: parcel.state, pickupCode: parcel.pickupCode, phoneTail: tail, hasPhoneHash: hash != nil,
            receivedAt: parcel.receivedAt, shelvedAt: parcel.shelvedAt, updatedAt: parcel.updatedAt, releasedAt: parcel.releasedAt,
            pickupID: parcel.pickupID, notices: parcel.notices, relayTo: parcel.relayTo,
            destination: parcel.destination)
        return try record(.setPhone, to: withPhone, next: next, at: at, actor: actor, slot: nil, pickupID: nil, details: details)
    }

    /// Puts a parcel into the relay bin of downstream station `station` (`relay`): in transit, without a pickup
    /// code; the event names the station.
    @discardableResult
    /// `destination`: where the parcel is going in the end, as its label or manifest says (a village, a sort code),
    /// which the manifest to that station carries on.
    public func relay(
        _ parcel: ParcelRecord, to station: String, destination: String? = nil, at: Int64, actor: String, details: [String: String] = [:]
    ) throws -> ParcelRecord {
        let next = try ParcelLifecycle.apply(.relay, to: parcel.state)
        var details = details
        details["to"] = station
        var relayed = try record(
            .relay, to: parcel, next: next, at: at, actor: actor, slot: nil, pickupID: nil, details: details, relayTo: station)
        if let destination {
            try db.cachedStatement(sql: "UPDATE parcel SET destination = ? WHERE id = ?").execute(arguments: [destination, parcel.id])
            relayed.destination = destination
        }
        return relayed
    }

    /// Writes a transition decided by the caller: the row, the layer memory and the event.
    func record(
        _ action: ParcelAction, to parcel: ParcelRecord, next: ParcelState, at: Int64, actor: String,
        slot: PickupCode?, pickupID: Int64?, details: [String: String], relayTo: String?? = nil
    ) throws -> ParcelRecord {
        // A parcel in transit has no pickup code: relaying one from the shelf gives its code up.
        let code = next == .inTransit ? nil : slot ?? parcel.pickupCode
        // Only a relay names (or renames) the station; leaving transit (pulled back, forwarded, voided) keeps
        // the name on an ended stay as history and clears it on a parcel back in local pickup.
        let relayTarget: String? = relayTo ?? (next.isActive && next != .inTransit ? nil : parcel.relayTo)
        let updated = ParcelRecord(
            id: parcel.id, tracking: parcel.tracking, rawScan: parcel.rawScan, courier: parcel.courier,
            candidates: parcel.candidates, state: next, pickupCode: code, phoneTail: parcel.phoneTail,
            hasPhoneHash: parcel.hasPhoneHash, receivedAt: parcel.receivedAt,
            // An undone pickup is the same wait going on, whatever code it comes back with.
            // In transit it is on no shelf of ours: its wait is the downstream station's, not part of our assessment.
            shelvedAt: next == .inTransit ? nil : slot != nil && action != .undoPickup ? at : parcel.shelvedAt, updatedAt: at,
            // Only final states are released; an undone pickup is active again. A step that leaves an ended stay
            // ended (a proof, a problem noted after pickup) keeps the time it ended.
            releasedAt: next.isFinal ? parcel.releasedAt ?? at : nil,
            pickupID: action == .undoPickup ? nil : pickupID ?? parcel.pickupID,
            notices: parcel.notices + (action == .notify ? 1 : 0), relayTo: relayTarget, destination: parcel.destination)
        // One statement writes every mutable column from `updated`, so the returned record is what is stored.
        try db.cachedStatement(
            sql: """
                UPDATE parcel SET state = ?, updated_at = ?, shelf = ?, layer = ?, seq = ?, shelved_at = ?, released_at = ?,
                                  pickup_id = ?, notices = ?
                WHERE id = ?
                """
        ).execute(arguments: [
            next.rawValue, at, code?.shelf, code?.layer, code?.sequence, updated.shelvedAt, updated.releasedAt,
            updated.pickupID, updated.notices, parcel.id,
        ])
        // Only relaying and pulling back change the relay bin: every other step leaves the column alone.
        if updated.relayTo != parcel.relayTo {
            try db.cachedStatement(sql: "UPDATE parcel SET relay_to = ? WHERE id = ?").execute(arguments: [updated.relayTo, parcel.id])
        }
        if let slot { try recordCursor(slot) }
        let wasActive = parcel.releasedAt == nil
        let isActive = updated.releasedAt == nil
        if !wasActive, isActive {
            // A release taken back: its code leaves the layer's cooling list, which the memory keeps only
            // as an ordered log; reading the layer again is simplest and undo is rare.
            for released in [parcel.pickupCode, code].compactMap({ $0 }) {
                memory.layers.forget(LayerKey(shelf: released.shelf, layer: released.layer))
            }
        }
        if let old = parcel.pickupCode, wasActive, old != code || !isActive {
            memory.layers.freed(old, releasedAt: isActive ? nil : at)
        }
        if let code, isActive, code != parcel.pickupCode || !wasActive { memory.layers.taken(code, allocated: slot != nil) }
        var details = details
        if let code { details["pickupCode"] = code.description }
        if let pickupID { details["pickupId"] = String(pickupID) }
        try appendEvent(
            parcelID: parcel.id, tracking: parcel.tracking, kind: ParcelEventKind(action), from: parcel.state, to: next, at: at,
            actor: actor, details: details)
        return updated
    }

    /// The handoff (its uid) whose lines name this parcel's stay, if any: its intake is part of that record.
    public func handoffUID(ofParcel id: Int64) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT h.uid FROM handoff_line l JOIN handoff h ON h.id = l.handoff_id WHERE l.parcel_id = ? ORDER BY l.id LIMIT 1",
            arguments: [id])
    }

    /// Records who handed out parcels, and how the recipient proved who they were.
    public func insertPickup(_ proof: PickupProof) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO pickup (at, staff, client, method, collector) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [proof.at, proof.staff, proof.client, proof.method, proof.collector])
        return db.lastInsertedRowID
    }

    /// Sets a station-wide value.
    public func setMeta(_ key: String, _ value: Data) throws {
        try db.execute(
            sql: "INSERT INTO station_meta (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
            arguments: [key, value])
    }

    func appendEvent(
        parcelID: Int64, tracking: String, kind: ParcelEventKind, from: ParcelState?, to: ParcelState, at: Int64, actor: String,
        details: [String: String]
    ) throws {
        let detailsJSON = CompactJSON.object(details)
        let head = try memory.chainHead ?? self.chainHead()
        // The id is chosen here because the digest covers it: the next number of the station-wide event sequence,
        // which station events share (StationEventLog.swift), so it may skip numbers since the previous link.
        let fields = CustodyChain.Fields(
            id: try nextSequence(), uid: EventID.make(at: at), tracking: tracking, kind: kind.rawValue, from: from?.rawValue,
            to: to.rawValue, at: at, actor: actor, details: detailsJSON)
        let digest = CustodyChain.digest(previous: head?.digest ?? CustodyChain.genesis, fields)
        try db.executeHot(
            Self.insertEventSQL,
            [
                .integer(fields.id), .text(fields.uid), .integer(parcelID), .text(fields.kind), .text(fields.from), .text(fields.to),
                .integer(at), .text(actor), .text(detailsJSON), .blob(digest),
            ])
        memory.chainHead = (fields.id, digest)
    }
}
