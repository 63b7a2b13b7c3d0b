public import Foundation
internal import GRDB
public import ParcelDomain

/// A handoff as the ledger holds it.
public struct HandoffRecord: Sendable, Equatable {
    public let id: Int64
    public let uid: String
    public let direction: HandoffDirection
    public let kind: HandoffKind
    /// The courier's or driver's id from the configuration, and the name and company shown on the receipt.
    public let party: String
    public let partyName: String
    public let company: String?
    /// The node on the other side (county, township or village station id) and its tier.
    public let node: String?
    public let nodeTier: NodeTier?
    public let vehicle: String?
    /// The counter whose handoff-role scanners feed this handoff.
    public let counter: String
    public let isOpen: Bool
    public let openedAt: Int64
    public let openedBy: String
    public let closedAt: Int64?
    public let closedBy: String?
    /// `badge` or `pin`: how the courier confirmed.
    public let confirmedBy: String?
    public let receiptSeq: Int64?
    /// The signed receipt document (JSON), once closed.
    public let receipt: String?
    public let receiptDigest: String?
    /// On an outbound handoff, the bag being packed: parcels scanned now go into it.
    public var packingBag: String? = nil
    /// Between two parcel-stations: the digest of the signed manifest it stands on (sent or received).
    public var manifestDigest: String? = nil
}

/// What opening a handoff records.
public struct NewHandoff: Sendable {
    public let uid: String
    public let direction: HandoffDirection
    public let kind: HandoffKind
    public let party: String
    public let partyName: String
    public let company: String?
    public let node: String?
    public let nodeTier: NodeTier?
    public let vehicle: String?
    public let counter: String
    public let at: Int64
    public let actor: String

    public init(
        uid: String, direction: HandoffDirection, kind: HandoffKind, party: String, partyName: String, company: String?, node: String?,
        nodeTier: NodeTier?, vehicle: String?, counter: String, at: Int64, actor: String
    ) {
        self.uid = uid
        self.direction = direction
        self.kind = kind
        self.party = party
        self.partyName = partyName
        self.company = company
        self.node = node
        self.nodeTier = nodeTier
        self.vehicle = vehicle
        self.counter = counter
        self.at = at
        self.actor = actor
    }
}

/// One line of a handoff: a parcel expected from the manifest, or scanned without being on it.
public struct HandoffLineRecord: Sendable, Equatable {
    public let id: Int64
    public let handoffID: Int64
    public let tracking: String
    public let courier: String?
    public let bag: String?
    public let destination: String?
    public let manifestLine: Int?
    public let expected: Bool
    public let status: HandoffLineStatus
    public let scannedAt: Int64?
    public let note: String?
    public let photo: String?
    public let parcelID: Int64?
    /// The recipient the manifest named, for the parcel a scan of this line takes in (never on the wire).
    public let recipient: RecipientPhone?
}

/// What the ledger keeps of a recipient's number: the last 4 digits, the salted hash, and the full number only
/// when the station is configured to keep it.
public struct RecipientPhone: Sendable, Equatable {
    public let tail: String?
    public let hash: Data?
    public let full: String?
    public init(tail: String?, hash: Data?, full: String?) {
        self.tail = tail
        self.hash = hash
        self.full = full
    }
}

public struct DiscrepancyRecord: Sendable, Equatable {
    public let id: Int64
    public let handoffID: Int64
    public let handoffUID: String
    public let lineID: Int64
    public let tracking: String
    public let kind: DiscrepancyKind
    public let openedAt: Int64
    public let resolution: DiscrepancyResolution?
    public let resolvedAt: Int64?
    public let resolvedBy: String?
    public let note: String?
}

extension LedgerReader {
    static let handoffColumns = """
        id, uid, direction, kind, party, party_name, company, node, node_tier, vehicle, counter, state, opened_at, opened_by,
        closed_at, closed_by, confirmed_by, receipt_seq, receipt, receipt_digest, packing_bag, manifest_digest
        """

    static func handoff(from row: Row) -> HandoffRecord {
        HandoffRecord(
            id: row["id"], uid: row["uid"], direction: HandoffDirection(rawValue: row["direction"]) ?? .inbound,
            kind: HandoffKind(rawValue: row["kind"]) ?? .delivery, party: row["party"], partyName: row["party_name"],
            company: row["company"], node: row["node"], nodeTier: (row["node_tier"] as String?).flatMap(NodeTier.init(rawValue:)),
            vehicle: row["vehicle"], counter: row["counter"], isOpen: (row["state"] as String) == "open", openedAt: row["opened_at"],
            openedBy: row["opened_by"], closedAt: row["closed_at"], closedBy: row["closed_by"], confirmedBy: row["confirmed_by"],
            receiptSeq: row["receipt_seq"], receipt: row["receipt"], receiptDigest: row["receipt_digest"], packingBag: row["packing_bag"],
            manifestDigest: row["manifest_digest"])
    }

    static func line(from row: Row) -> HandoffLineRecord {
        HandoffLineRecord(
            id: row["id"], handoffID: row["handoff_id"], tracking: row["tracking"], courier: row["courier"], bag: row["bag"],
            destination: row["destination"], manifestLine: row["manifest_line"], expected: (row["expected"] as Int) == 1,
            status: HandoffLineStatus(rawValue: row["status"]) ?? .expected, scannedAt: row["scanned_at"], note: row["note"],
            photo: row["photo"], parcelID: row["parcel_id"], recipient: recipient(from: row))
    }

    static func recipient(from row: Row) -> RecipientPhone? {
        let recipient = RecipientPhone(tail: row["phone_tail"], hash: row["phone_hash"], full: row["phone_full"])
        return recipient.tail == nil && recipient.hash == nil ? nil : recipient
    }

    static func discrepancy(from row: Row) -> DiscrepancyRecord {
        DiscrepancyRecord(
            id: row["id"], handoffID: row["handoff_id"], handoffUID: row["handoff_uid"], lineID: row["line_id"], tracking: row["tracking"],
            kind: DiscrepancyKind(rawValue: row["kind"]) ?? .missing, openedAt: row["opened_at"],
            resolution: (row["resolution"] as String?).flatMap(DiscrepancyResolution.init(rawValue:)), resolvedAt: row["resolved_at"],
            resolvedBy: row["resolved_by"], note: row["note"])
    }

    public func handoff(id: Int64) throws -> HandoffRecord? {
        try Row.fetchOne(db, sql: "SELECT \(Self.handoffColumns) FROM handoff WHERE id = ?", arguments: [id]).map(Self.handoff)
    }

    public func handoff(uid: String) throws -> HandoffRecord? {
        // Cached statements on the paths every handoff scan takes: preparing them anew was 15 % of a scan's CPU.
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.handoffColumns) FROM handoff WHERE uid = ?"), arguments: [uid]).map(
            Self.handoff)
    }

    /// Open handoffs, optionally only those fed by `counter`'s scanners, oldest first.
    public func openHandoffs(counter: String? = nil) throws -> [HandoffRecord] {
        let filter = counter == nil ? "" : " AND counter = ?"
        return try Row.fetchAll(
            db, sql: "SELECT \(Self.handoffColumns) FROM handoff WHERE state = 'open'\(filter) ORDER BY id",
            arguments: StatementArguments(counter.map { [$0] } ?? [])
        ).map(Self.handoff)
    }

    /// The newest handoffs first.
    public func handoffs(limit: Int) throws -> [HandoffRecord] {
        try Row.fetchAll(db, sql: "SELECT \(Self.handoffColumns) FROM handoff ORDER BY id DESC LIMIT ?", arguments: [limit]).map(
            Self.handoff)
    }

    public func lines(handoffID: Int64) throws -> [HandoffLineRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM handoff_line WHERE handoff_id = ? ORDER BY id", arguments: [handoffID]).map(Self.line)
    }

    /// Listed lines not scanned yet.
    public func expectedLineCount(handoffID: Int64) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM handoff_line WHERE handoff_id = ? AND status = 'expected'"),
            arguments: [handoffID]) ?? 0
    }

    public func line(handoffID: Int64, tracking: String) throws -> HandoffLineRecord? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM handoff_line WHERE handoff_id = ? AND tracking = ?"), arguments: [handoffID, tracking]
        ).map(Self.line)
    }

    public func lines(handoffID: Int64, bag: String) throws -> [HandoffLineRecord] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM handoff_line WHERE handoff_id = ? AND bag = ? ORDER BY id"), arguments: [handoffID, bag]
        ).map(Self.line)
    }

    /// Discrepancies of one handoff, or every open one when `handoffID` is nil.
    public func discrepancies(handoffID: Int64?) throws -> [DiscrepancyRecord] {
        let sql =
            handoffID == nil
            ? "SELECT d.*, l.tracking, h.uid AS handoff_uid FROM discrepancy d JOIN handoff_line l ON l.id = d.line_id JOIN handoff h ON h.id = d.handoff_id WHERE d.resolution IS NULL ORDER BY d.id"
            : "SELECT d.*, l.tracking, h.uid AS handoff_uid FROM discrepancy d JOIN handoff_line l ON l.id = d.line_id JOIN handoff h ON h.id = d.handoff_id WHERE d.handoff_id = ? ORDER BY d.id"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(handoffID.map { [$0] } ?? [])).map(Self.discrepancy)
    }

    public func discrepancy(id: Int64) throws -> DiscrepancyRecord? {
        try Row.fetchOne(
            db,
            sql:
                "SELECT d.*, l.tracking, h.uid AS handoff_uid FROM discrepancy d JOIN handoff_line l ON l.id = d.line_id JOIN handoff h ON h.id = d.handoff_id WHERE d.id = ?",
            arguments: [id]
        ).map(Self.discrepancy)
    }

    /// The last receipt issued (its sequence number and digest), which the next one chains to.
    public func lastReceipt() throws -> (seq: Int64, digest: String)? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT receipt_seq, receipt_digest FROM handoff WHERE receipt_seq IS NOT NULL ORDER BY receipt_seq DESC LIMIT 1")
        else { return nil }
        return (row[0], row[1])
    }

    /// Every receipt in issue order, for exporting the handoff ledger (交接台账).
    public func receipts() throws -> [String] {
        try String.fetchAll(db, sql: "SELECT receipt FROM handoff WHERE receipt IS NOT NULL ORDER BY receipt_seq")
    }

    /// Consecutive wrong PINs for a courier and until when they are locked out.
    public func lockout(party: String) throws -> (failures: Int, lockedUntil: Int64?) {
        guard let row = try Row.fetchOne(db, sql: "SELECT failures, locked_until FROM party_lockout WHERE party = ?", arguments: [party])
        else { return (0, nil) }
        return (row[0], row[1])
    }
}

extension LedgerTransaction {
    public func insertHandoff(_ new: NewHandoff) throws -> HandoffRecord {
        try db.execute(
            sql: """
                INSERT INTO handoff (uid, direction, kind, party, party_name, company, node, node_tier, vehicle, counter, state,
                                     opened_at, opened_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)
                """,
            arguments: [
                new.uid, new.direction.rawValue, new.kind.rawValue, new.party, new.partyName, new.company, new.node, new.nodeTier?.rawValue,
                new.vehicle, new.counter, new.at, new.actor,
            ])
        guard let record = try handoff(id: db.lastInsertedRowID) else { throw StoreError.unavailable("handoff vanished") }
        return record
    }

    /// Adds expected lines. A number already on the handoff is refused (the whole import fails with it).
    /// `phone` gives what the ledger keeps of each line's recipient (nil: the manifest named none).
    public func insertExpectedLines(
        _ lines: [ManifestLine], handoffID: Int64, phone: (ManifestLine) -> RecipientPhone? = { _ in nil }
    ) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO handoff_line (handoff_id, tracking, courier, bag, destination, manifest_line, expected, status,
                                          phone_tail, phone_hash, phone_full)
                VALUES (?, ?, ?, ?, ?, ?, 1, 'expected', ?, ?, ?)
                """)
        for line in lines {
            let recipient = phone(line)
            try statement.execute(arguments: [
                handoffID, line.tracking, line.courier, line.bag, line.destination, line.line, recipient?.tail, recipient?.hash,
                recipient?.full,
            ])
        }
    }

    /// A scanned parcel that was not on the list.
    public func insertScannedLine(
        handoffID: Int64, tracking: String, courier: String?, status: HandoffLineStatus, at: Int64, note: String?, photo: String?,
        parcelID: Int64?
    ) throws -> HandoffLineRecord {
        try db.cachedStatement(
            sql: """
                INSERT INTO handoff_line (handoff_id, tracking, courier, expected, status, scanned_at, note, photo, parcel_id)
                VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [handoffID, tracking, courier, status.rawValue, at, note, photo, parcelID])
        guard let line = try line(handoffID: handoffID, tracking: tracking) else { throw StoreError.unavailable("line vanished") }
        return line
    }

    /// Records a scan of a listed line.
    public func markLine(_ id: Int64, status: HandoffLineStatus, at: Int64?, note: String?, photo: String?, parcelID: Int64?) throws {
        try db.cachedStatement(
            sql: "UPDATE handoff_line SET status = ?, scanned_at = ?, note = ?, photo = ?, parcel_id = ifnull(?, parcel_id) WHERE id = ?"
        ).execute(arguments: [status.rawValue, at, note, photo, parcelID, id])
    }

    /// Turns every listed line never scanned into `missing` (at closing): those never seen, and those whose bag
    /// came but which were not in it when it was unpacked.
    public func markUnscannedMissing(handoffID: Int64) throws {
        try db.execute(
            sql: "UPDATE handoff_line SET status = 'missing', scanned_at = NULL WHERE handoff_id = ? AND status IN ('expected', 'bagged')",
            arguments: [handoffID])
    }

    /// The bag an outbound handoff packs from now on (nil: none).
    public func setPackingBag(handoffID: Int64, bag: String?) throws {
        try db.execute(sql: "UPDATE handoff SET packing_bag = ? WHERE id = ?", arguments: [bag, handoffID])
    }

    /// Puts a line into a bag (packing an outbound handoff).
    public func setLineBag(_ id: Int64, bag: String) throws {
        try db.cachedStatement(sql: "UPDATE handoff_line SET bag = ? WHERE id = ?").execute(arguments: [bag, id])
    }

    public func insertDiscrepancy(handoffID: Int64, lineID: Int64, kind: DiscrepancyKind, at: Int64) throws {
        try db.execute(
            sql: "INSERT INTO discrepancy (handoff_id, line_id, kind, opened_at) VALUES (?, ?, ?, ?)",
            arguments: [handoffID, lineID, kind.rawValue, at])
    }

    public func resolveDiscrepancy(_ id: Int64, resolution: DiscrepancyResolution, at: Int64, by: String, note: String?) throws {
        try db.execute(
            sql: "UPDATE discrepancy SET resolution = ?, resolved_at = ?, resolved_by = ?, note = ? WHERE id = ?",
            arguments: [resolution.rawValue, at, by, note, id])
    }

    /// Closes the handoff with its receipt: from here on the row and its lines are final.
    public func closeHandoff(
        _ id: Int64, at: Int64, by: String, confirmedBy: String, receiptSeq: Int64, receipt: String, receiptDigest: String
    ) throws {
        try db.execute(
            sql: """
                UPDATE handoff SET state = 'closed', closed_at = ?, closed_by = ?, confirmed_by = ?, receipt_seq = ?, receipt = ?,
                                   receipt_digest = ?
                WHERE id = ? AND state = 'open'
                """, arguments: [at, by, confirmedBy, receiptSeq, receipt, receiptDigest, id])
    }

    public func setLockout(party: String, failures: Int, lockedUntil: Int64?) throws {
        try db.execute(
            sql: """
                INSERT INTO party_lockout (party, failures, locked_until) VALUES (?, ?, ?)
                ON CONFLICT DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until
                """, arguments: [party, failures, lockedUntil])
    }
}
