public import Foundation
internal import GRDB

/// A signed document exchanged with another parcel-station for a handoff: the manifest this station sent, the
/// manifest it received, the receipt it received back. Kept as signed, never changed: the pair is the proof of
/// what each side agreed to.
public struct HandoffDocumentRecord: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        /// A manifest this station signed for its outbound handoff.
        case manifestSent
        /// A manifest another station signed, imported as this station's inbound handoff.
        case manifestReceived
        /// The receiving station's signed receipt for a manifest this station sent.
        case receiptReceived
    }
    public let id: Int64
    public let handoffID: Int64
    public let role: Role
    /// Manifests this station sent are numbered from 1, each naming the digest of the one before.
    public let seq: Int64?
    public let digest: String
    /// The other station's id.
    public let station: String
    public let at: Int64
    /// The signed document as JSON (a `SignedReceipt` envelope).
    public let document: String
}

enum HandoffDocumentSchema {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE handoff_document (
                    id INTEGER PRIMARY KEY,
                    handoff_id INTEGER NOT NULL REFERENCES handoff(id),
                    role TEXT NOT NULL CHECK (role IN ('manifestSent', 'manifestReceived', 'receiptReceived')),
                    seq INTEGER CHECK (seq IS NULL OR seq > 0),
                    digest TEXT NOT NULL CHECK (length(digest) = 64),
                    station TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    document TEXT NOT NULL CHECK (json_valid(document)),
                    UNIQUE (role, digest),
                    CHECK ((role = 'manifestSent') = (seq IS NOT NULL))
                ) STRICT;
                CREATE UNIQUE INDEX handoff_document_sent_seq ON handoff_document(seq) WHERE role = 'manifestSent';
                CREATE INDEX handoff_document_handoff ON handoff_document(handoff_id);
                CREATE TRIGGER handoff_document_no_update BEFORE UPDATE ON handoff_document
                BEGIN SELECT RAISE(ABORT, 'handoff documents are kept as signed'); END;
                CREATE TRIGGER handoff_document_no_delete BEFORE DELETE ON handoff_document
                BEGIN SELECT RAISE(ABORT, 'handoff documents are never deleted'); END;
                """)
    }
}

extension LedgerReader {
    static func handoffDocument(from row: Row) -> HandoffDocumentRecord {
        HandoffDocumentRecord(
            id: row["id"], handoffID: row["handoff_id"], role: HandoffDocumentRecord.Role(rawValue: row["role"]) ?? .manifestSent,
            seq: row["seq"], digest: row["digest"], station: row["station"], at: row["at"], document: row["document"])
    }

    /// The documents exchanged for a handoff, oldest first.
    public func handoffDocuments(handoffID: Int64) throws -> [HandoffDocumentRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM handoff_document WHERE handoff_id = ? ORDER BY id", arguments: [handoffID])
            .map(Self.handoffDocument)
    }

    public func handoffDocument(role: HandoffDocumentRecord.Role, digest: String) throws -> HandoffDocumentRecord? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM handoff_document WHERE role = ? AND digest = ?", arguments: [role.rawValue, digest]
        ).map(Self.handoffDocument)
    }

    /// The last manifest this station signed (its number and digest), which the next one chains to.
    public func lastSentManifest() throws -> (seq: Int64, digest: String)? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT seq, digest FROM handoff_document WHERE role = 'manifestSent' ORDER BY seq DESC LIMIT 1")
        else { return nil }
        return (row[0], row[1])
    }
}

extension LedgerTransaction {
    public func insertHandoffDocument(
        handoffID: Int64, role: HandoffDocumentRecord.Role, seq: Int64?, digest: String, station: String, at: Int64, document: String
    ) throws {
        try db.execute(
            sql: "INSERT INTO handoff_document (handoff_id, role, seq, digest, station, at, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [handoffID, role.rawValue, seq, digest, station, at, document])
        if role != .receiptReceived {
            // The handoff names the manifest it stands on: the county pairs the two stations' records by it.
            try db.execute(sql: "UPDATE handoff SET manifest_digest = ? WHERE id = ?", arguments: [digest, handoffID])
        }
    }
}
