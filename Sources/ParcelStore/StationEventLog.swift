import Foundation
internal import GRDB
import ParcelDomain
import StrictJSON

/// The station's durable events that are not about one parcel (a handoff opened, a stocktake closed…), kept so
/// that a tool which was away can replay them (`Events.Subscribe` with `since`).
///
/// One station-wide sequence numbers every durable event: `parcel_event.id` and `station_event.seq` are drawn
/// from the same counter (`LedgerTransaction.nextSequence`), so merging the two tables by it gives the order in
/// which they were committed, and a tool needs one cursor. Parcel event ids therefore have gaps where station
/// events took a number; nothing reads them as contiguous (the custody chain links by digest in id order, the
/// county sync has its own outbox sequence).
///
/// Station events carry no personal data (no phone digits, no recipient's or collector's name): the privacy
/// purge erases those from parcels and must not have to look here. Staff names as the actor are fine.
public struct StationEventRecord: Sendable, Equatable {
    public let seq: Int64
    /// `handoff.opened`, `stocktake.closed`…: the event name as subscribers see it.
    public let name: String
    /// Milliseconds since the epoch.
    public let at: Int64
    /// A JSON object, as stored.
    public let data: String

    public init(seq: Int64, name: String, at: Int64, data: String) {
        self.seq = seq
        self.name = name
        self.at = at
        self.data = data
    }
}

/// One durable event in sequence order: a parcel's (with the parcel as it stands now) or the station's.
public enum DurableEvent: Sendable {
    case parcel(ParcelEvent, ParcelRecord)
    case station(StationEventRecord)

    public var seq: Int64 {
        switch self {
        case .parcel(let event, _): event.id
        case .station(let record): record.seq
        }
    }
}

enum StationEventSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE station_event (
                    seq INTEGER PRIMARY KEY,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    at INTEGER NOT NULL,
                    data TEXT NOT NULL CHECK (json_valid(data) AND json_type(data) = 'object')
                );
                CREATE TRIGGER station_event_no_update BEFORE UPDATE ON station_event
                BEGIN SELECT RAISE(ABORT, 'station_event is append-only'); END;
                CREATE TRIGGER station_event_no_delete BEFORE DELETE ON station_event
                BEGIN SELECT RAISE(ABORT, 'station_event is append-only'); END;
                """)
    }
}

extension LedgerReader {
    /// The newest durable event's sequence number (0 when there is none).
    public func latestSequence() throws -> Int64 {
        // A ledger part-way through its migrations (as the migration tests write to one) has no station events yet.
        guard try db.tableExists("station_event") else { return try lastEventID() }
        return try Int64.fetchOne(
            db.cachedStatement(
                sql: "SELECT max(ifnull((SELECT max(id) FROM parcel_event), 0), ifnull((SELECT max(seq) FROM station_event), 0))")
        ) ?? 0
    }

    /// How many durable events have a sequence number above `after`, counting no further than `limit + 1` in each
    /// table: enough to tell "more than `limit`" without reading a whole large ledger.
    public func durableEventCount(after: Int64, limit: Int) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT (SELECT count(*) FROM (SELECT 1 FROM parcel_event WHERE id > ?1 LIMIT ?2))
                         + (SELECT count(*) FROM (SELECT 1 FROM station_event WHERE seq > ?1 LIMIT ?2))
                    """),
            arguments: [after, limit + 1]) ?? 0
    }

    /// Durable events with `after` < seq ≤ `through`, in sequence order, at most `limit`: the two tables merged.
    /// A parcel event comes with its parcel's current row, read in the same statement.
    public func durableEvents(after: Int64, through: Int64 = .max, limit: Int) throws -> [DurableEvent] {
        // A replay maps thousands of rows: candidate lists repeat (one per courier rule), so each distinct one is
        // decoded once, and the flat details objects are read without JSONDecoder when they hold no escape.
        var candidateLists: [String: [CourierCandidate]] = [:]
        let candidates = { (json: String) -> [CourierCandidate] in
            if let known = candidateLists[json] { return known }
            let decoded = Self.decodeCandidates(json)
            candidateLists[json] = decoded
            return decoded
        }
        // A cursor, not fetchAll: its rows read columns through the statement's own name index, where copied rows
        // search their column names one by one for every field of every event.
        let parcels = try Array(
            Row.fetchCursor(
                db.cachedStatement(sql: Self.parcelEventsWithParcelSQL), arguments: [after, through, limit]
            ).map { row -> DurableEvent in
                let detailsJSON: String = row["e_details"]
                let details =
                    Self.flatObject(detailsJSON) ?? (try? Self.decoder.decode([String: String].self, from: Data(detailsJSON.utf8))) ?? [:]
                let from: String? = row["e_from"]
                let event = ParcelEvent(
                    id: row["e_id"], uid: row["e_uid"], parcelID: row["id"], tracking: row["tracking"],
                    kind: ParcelEventKind(rawValue: row["e_kind"]) ?? .intake, fromState: from.flatMap(ParcelState.init(rawValue:)),
                    toState: ParcelState(rawValue: row["e_to"]) ?? .exception, at: row["e_at"], actor: row["e_actor"], details: details)
                return .parcel(event, try Self.parcel(from: row, candidates: candidates))
            })
        let stations = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT seq, name, at, data FROM station_event WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?"),
            arguments: [after, through, limit]
        ).map { DurableEvent.station(StationEventRecord(seq: $0[0], name: $0[1], at: $0[2], data: $0[3])) }
        guard !stations.isEmpty else { return parcels }
        guard !parcels.isEmpty else { return stations }
        // Both lists are in sequence order: merge them, keeping the first `limit`.
        var merged: [DurableEvent] = []
        merged.reserveCapacity(min(limit, parcels.count + stations.count))
        var (p, s) = (0, 0)
        while merged.count < limit, p < parcels.count || s < stations.count {
            if s == stations.count || (p < parcels.count && parcels[p].seq < stations[s].seq) {
                merged.append(parcels[p])
                p += 1
            } else {
                merged.append(stations[s])
                s += 1
            }
        }
        return merged
    }

    /// `{"k":"v",…}` with string values and no backslash anywhere (so no escaped quote): the form `CompactJSON`
    /// writes details in. Nil for anything else, which the caller decodes in full.
    static func flatObject(_ text: String) -> [String: String]? {
        let bytes = Array(text.utf8)
        let (quote, colon, comma) = (UInt8(ascii: "\""), UInt8(ascii: ":"), UInt8(ascii: ","))
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}"), !bytes.contains(UInt8(ascii: "\\"))
        else { return nil }
        var result: [String: String] = [:]
        if bytes.count == 2 { return result }
        var index = 1
        func string() -> String? {
            guard index < bytes.count, bytes[index] == quote, let end = bytes[(index + 1)...].firstIndex(of: quote) else { return nil }
            defer { index = end + 1 }
            return String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
        }
        while true {
            guard let key = string(), index < bytes.count, bytes[index] == colon else { return nil }
            index += 1
            guard let value = string(), index < bytes.count else { return nil }
            result[key] = value
            if bytes[index] == comma {
                index += 1
            } else {
                return index == bytes.count - 1 ? result : nil
            }
        }
    }

    /// The parcel's columns first, under their own names (what `parcel(from:)` reads), then the event's, renamed.
    static let parcelEventsWithParcelSQL: String = {
        let qualified = LedgerReader.parcelColumns.split(separator: ",").map { "p." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return """
            SELECT \(qualified.joined(separator: ", ")), e.id AS e_id, e.uid AS e_uid, e.kind AS e_kind,
                   e.from_state AS e_from, e.to_state AS e_to, e.at AS e_at, e.actor AS e_actor, e.details AS e_details
            FROM parcel_event e JOIN parcel p ON p.id = e.parcel_id
            WHERE e.id > ? AND e.id <= ? ORDER BY e.id LIMIT ?
            """
    }()
}

extension LedgerTransaction {
    /// The next number of the station-wide event sequence, shared by parcel and station events. The writer
    /// remembers the last one handed out; a rolled-back job or batch drops that memory with the rest
    /// (`WriterMemory.forget`), so numbers that were never committed are handed out again and the sequence has
    /// no holes of its own making.
    func nextSequence() throws -> Int64 {
        let next = try (memory.lastSequence ?? latestSequence()) + 1
        memory.lastSequence = next
        return next
    }

    /// Appends a station event in this transaction and returns its sequence number. `data` is encoded as one
    /// JSON object (keys sorted). It must hold no personal data: no phone digits, no recipient's or collector's
    /// name (staff names as the actor are fine).
    @discardableResult
    public func appendStationEvent(name: String, at: Int64, data: some Encodable) throws -> Int64 {
        let text = String(decoding: try Self.stationEventEncoder.encode(data), as: UTF8.self)
        let seq = try nextSequence()
        try db.cachedStatement(sql: "INSERT INTO station_event (seq, name, at, data) VALUES (?, ?, ?, ?)")
            .execute(arguments: [seq, name, at, text])
        return seq
    }

    static let stationEventEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
