public import Foundation
internal import GRDB

/// A parcel sent from the station, as the ledger holds it.
public struct OutgoingRecord: Sendable, Equatable {
    public let id: Int64
    public let waybill: String
    public let courier: String
    /// Farm produce going up the chain (农产品上行), counted apart in the reports.
    public let produce: Bool
    public let senderTail: String?
    public let idChecked: Bool
    public let destination: String
    public let weightGrams: Int
    /// The fee in fen (1/100 yuan).
    public let feeFen: Int
    public let handedOver: Bool
    public let acceptedAt: Int64
    public let acceptedBy: String
    public let handedAt: Int64?
}

/// What accepting an outgoing parcel records.
public struct NewOutgoing: Sendable {
    public let waybill: String
    public let courier: String
    public let produce: Bool
    public let senderTail: String?
    public let senderHash: Data?
    public let idChecked: Bool
    public let destination: String
    public let weightGrams: Int
    public let feeFen: Int
    public let at: Int64
    public let actor: String

    public init(
        waybill: String, courier: String, produce: Bool, senderTail: String?, senderHash: Data?, idChecked: Bool, destination: String,
        weightGrams: Int, feeFen: Int, at: Int64, actor: String
    ) {
        self.waybill = waybill
        self.courier = courier
        self.produce = produce
        self.senderTail = senderTail
        self.senderHash = senderHash
        self.idChecked = idChecked
        self.destination = destination
        self.weightGrams = weightGrams
        self.feeFen = feeFen
        self.at = at
        self.actor = actor
    }
}

extension LedgerReader {
    static func outgoing(_ row: Row) -> OutgoingRecord {
        OutgoingRecord(
            id: row["id"], waybill: row["waybill"], courier: row["courier"], produce: (row["produce"] as Int) == 1,
            senderTail: row["sender_tail"], idChecked: (row["id_checked"] as Int) == 1, destination: row["destination"],
            weightGrams: row["weight_grams"], feeFen: row["fee_fen"], handedOver: (row["state"] as String) == "handedOver",
            acceptedAt: row["accepted_at"], acceptedBy: row["accepted_by"], handedAt: row["handed_at"])
    }

    /// Outgoing parcels, newest first; only those still waiting with `waitingOnly`.
    public func outgoing(waitingOnly: Bool, courier: String? = nil, limit: Int) throws -> [OutgoingRecord] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if waitingOnly { conditions.append("state = 'waiting'") }
        if let courier {
            conditions.append("courier = ?")
            arguments.append(courier)
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        arguments.append(limit)
        return try Row.fetchAll(
            db, sql: "SELECT * FROM outgoing\(filter) ORDER BY id DESC LIMIT ?", arguments: StatementArguments(arguments)
        ).map(Self.outgoing)
    }

    public func waitingOutgoing(waybill: String) throws -> OutgoingRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM outgoing WHERE waybill = ? AND state = 'waiting'", arguments: [waybill]).map(Self.outgoing)
    }
}

extension LedgerTransaction {
    public func insertOutgoing(_ new: NewOutgoing) throws -> OutgoingRecord {
        try db.execute(
            sql: """
                INSERT INTO outgoing (waybill, courier, produce, sender_tail, sender_hash, id_checked, destination, weight_grams, fee_fen,
                                      state, accepted_at, accepted_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?)
                """,
            arguments: [
                new.waybill, new.courier, new.produce ? 1 : 0, new.senderTail, new.senderHash, new.idChecked ? 1 : 0, new.destination,
                new.weightGrams, new.feeFen, new.at, new.actor,
            ])
        guard let record = try waitingOutgoing(waybill: new.waybill) else { throw StoreError.unavailable("outgoing parcel vanished") }
        return record
    }

    /// Records that the waiting parcel `waybill` left with handoff `handoffID`.
    public func handOverOutgoing(waybill: String, handoffID: Int64, at: Int64) throws {
        try db.execute(
            sql: "UPDATE outgoing SET state = 'handedOver', handoff_id = ?, handed_at = ? WHERE waybill = ? AND state = 'waiting'",
            arguments: [handoffID, at, waybill])
    }
}
