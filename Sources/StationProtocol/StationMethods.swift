// The station itself: who it is, how it is, and its custody log.

extension Method {
    /// Opens a session: protocol version check, the client's name, the methods served and this peer's access.
    public static let hello = MethodDeclaration<HelloParams, HelloResult>("Station.Hello", .read)
    /// Counts, rules in force, connections and backups.
    public static let status = MethodDeclaration<NoParams, StatusResult>("Station.Status", .read)
    /// Re-checks the custody log's hash chain.
    public static let verifyAudit = MethodDeclaration<NoParams, AuditResult>("Audit.Verify", .read)

    static let stationArea: [Method] = [hello.method, status.method, verifyAudit.method]
}

// MARK: Station.Hello

public struct HelloParams: RequestParams, Equatable {
    /// The protocol version the client speaks.
    public var `protocol`: ProtocolVersion
    /// The client's name, recorded as the actor of its changes (`parcelctl`, `counter-display`).
    public var client: String?

    public init(protocol: ProtocolVersion = .current, client: String?) {
        self.protocol = `protocol`
        self.client = client
    }
}

public struct HelloResult: Codable, Sendable, Equatable {
    /// The server's protocol version.
    public var `protocol`: ProtocolVersion
    /// `parcel-stationd` and its version.
    public var server: String
    public var station: StationInfo
    /// Optional features this server offers (`events`, `groupCommit`, …).
    public var capabilities: [String]
    /// Every method name served.
    public var methods: [String]
    /// `write` when this peer may change records, `read` otherwise.
    public var access: String

    public init(protocol: ProtocolVersion, server: String, station: StationInfo, capabilities: [String], methods: [String], access: String)
    {
        self.protocol = `protocol`
        self.server = server
        self.station = station
        self.capabilities = capabilities
        self.methods = methods
        self.access = access
    }
}

public struct StationInfo: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

// MARK: Station.Status

public struct StatusResult: Codable, Sendable, Equatable {
    public var station: StationInfo
    public var `protocol`: ProtocolVersion
    /// ISO 8601 UTC.
    public var startedAt: String
    public var now: String
    /// Parcel counts per state name.
    public var parcels: [String: Int]
    /// Parcels still at the station (every non-final state).
    public var active: Int
    /// Parcels waiting past the hold period.
    public var overdue: Int
    public var events: Int64
    public var lastEventAt: String?
    public var connections: Int
    public var subscribers: Int
    public var database: String
    /// Station rules in force.
    public var holdHours: Int
    public var codeCooldownHours: Int
    /// The station's public key (base64 raw Ed25519) that verifies its handoff receipts.
    public var publicKey: String?
    /// The ledger backups: where, the last one written and verified, the last failure, the next due.
    public var backup: BackupStatus?
    /// Space on the ledger's file system (since 1.6; null when it could not be read).
    public var disk: DiskDTO?

    public init(
        station: StationInfo, protocol: ProtocolVersion, startedAt: String, now: String, parcels: [String: Int], active: Int,
        overdue: Int, events: Int64, lastEventAt: String?, connections: Int, subscribers: Int, database: String,
        holdHours: Int, codeCooldownHours: Int, publicKey: String? = nil, backup: BackupStatus? = nil, disk: DiskDTO? = nil
    ) {
        self.disk = disk
        self.publicKey = publicKey
        self.backup = backup
        self.station = station
        self.protocol = `protocol`
        self.startedAt = startedAt
        self.now = now
        self.parcels = parcels
        self.active = active
        self.overdue = overdue
        self.events = events
        self.lastEventAt = lastEventAt
        self.connections = connections
        self.subscribers = subscribers
        self.database = database
        self.holdHours = holdHours
        self.codeCooldownHours = codeCooldownHours
    }
}
/// Space on the file system holding the ledger, as `statvfs` reports it for the ledger's folder.
public struct DiskDTO: Codable, Sendable, Equatable {
    /// The ledger's folder.
    public var path: String
    /// Bytes the daemon may still write there (`f_bavail`: without the blocks reserved for root).
    public var freeBytes: Int64
    /// The file system's size.
    public var totalBytes: Int64
    public init(path: String, freeBytes: Int64, totalBytes: Int64) {
        self.path = path
        self.freeBytes = freeBytes
        self.totalBytes = totalBytes
    }
}

// MARK: Audit.Verify

public struct AuditResult: Codable, Sendable, Equatable {
    public struct Link: Codable, Sendable, Equatable {
        public var seq: Int64
        public var uid: String
        public init(seq: Int64, uid: String) {
            self.seq = seq
            self.uid = uid
        }
    }
    /// Events checked.
    public var events: Int
    public var valid: Bool
    /// Hex digest of the last event: a fingerprint of the whole history.
    public var head: String?
    /// The first event whose digest does not follow from its content and its predecessor.
    public var firstBroken: Link?
    public init(events: Int, valid: Bool, head: String?, firstBroken: Link?) {
        self.events = events
        self.valid = valid
        self.head = head
        self.firstBroken = firstBroken
    }
}
