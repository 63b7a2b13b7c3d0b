import Crypto
public import Foundation
internal import GRDB

/// The custody log: every parcel event carries a SHA-256 digest over its own content and the previous event's
/// digest, so editing, removing or reordering any past event breaks every link after it.
///
/// `digest(n) = SHA256(digest(n-1) ‖ "pe1" ‖ field…)`, the first event chaining to 32 zero bytes. Each field is
/// written as its UTF-8 byte length in decimal, `:`, then the bytes: id, uid, tracking, kind, from state (empty
/// when none), to state, at (ms), actor, details (compact JSON as stored). Lengths make the encoding
/// unambiguous whatever the fields contain.
public enum CustodyChain {
    public static let genesis = Data(repeating: 0, count: 32)

    struct Fields {
        let id: Int64
        let uid: String
        let tracking: String
        let kind: String
        let from: String?
        let to: String
        let at: Int64
        let actor: String
        let details: String
    }

    static func digest(previous: Data, _ fields: Fields) -> Data {
        // The hashed text, built in one buffer: "pe1" then each field as "<byte count>:<bytes>". One update
        // instead of two small allocations and updates per field (this runs twice per scan).
        var text: [UInt8] = []
        text.reserveCapacity(256)
        text.append(contentsOf: "pe1".utf8)
        for field in [
            String(fields.id), fields.uid, fields.tracking, fields.kind, fields.from ?? "", fields.to, String(fields.at), fields.actor,
            fields.details,
        ] {
            text.append(contentsOf: String(field.utf8.count).utf8)
            text.append(UInt8(ascii: ":"))
            text.append(contentsOf: field.utf8)
        }
        var hasher = SHA256()
        hasher.update(data: previous)
        text.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return Data(hasher.finalize())
    }

    /// The result of checking the whole log.
    public struct Verification: Sendable, Equatable {
        public let events: Int
        /// Hex digest of the last event: a short fingerprint of the whole history so far.
        public let head: String?
        /// The first event whose digest does not follow from its content and the event before it.
        public let firstBroken: (id: Int64, uid: String)?

        public static func == (a: Self, b: Self) -> Bool {
            a.events == b.events && a.head == b.head && a.firstBroken?.id == b.firstBroken?.id && a.firstBroken?.uid == b.firstBroken?.uid
        }
    }

    static func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }
}

extension LedgerReader {
    /// The last event's id and digest (nil for an empty log).
    func chainHead() throws -> (id: Int64, digest: Data)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, digest FROM parcel_event ORDER BY id DESC LIMIT 1") else { return nil }
        return (row[0], row[1])
    }

    /// Recomputes every link in order and names the first that does not match.
    public func verifyCustodyChain() throws -> CustodyChain.Verification {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT e.id, e.uid, p.tracking, e.kind, e.from_state, e.to_state, e.at, e.actor, e.details, e.digest
                FROM parcel_event e JOIN parcel p ON p.id = e.parcel_id ORDER BY e.id
                """)
        var previous = CustodyChain.genesis
        var count = 0
        var broken: (Int64, String)? = nil
        while let row = try rows.next() {
            count += 1
            let fields = CustodyChain.Fields(
                id: row[0], uid: row[1], tracking: row[2], kind: row[3], from: row[4], to: row[5], at: row[6], actor: row[7],
                details: row[8])
            let stored: Data? = row[9]
            let expected = CustodyChain.digest(previous: previous, fields)
            if broken == nil && stored != expected { broken = (fields.id, fields.uid) }
            // Later links are checked against what is stored, so one edit is reported once, where it happened.
            previous = stored ?? expected
        }
        // An event removed from the middle leaves its successor pointing at a digest no longer there: caught
        // above. One removed from the end is caught by comparing the head with a copy kept elsewhere (sync).
        return CustodyChain.Verification(events: count, head: count > 0 ? CustodyChain.hex(previous) : nil, firstBroken: broken)
    }
}
