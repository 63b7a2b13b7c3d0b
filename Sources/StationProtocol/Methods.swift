/// Every method the server answers, with whether it changes records (only peers allowed to write may call
/// those).
public enum Method: String, CaseIterable, Sendable {
    case hello = "Station.Hello"
    case status = "Station.Status"
    case intake = "Parcel.Intake"
    case get = "Parcel.Get"
    case search = "Parcel.Search"
    case returnParcel = "Parcel.Return"
    case undo = "Parcel.Undo"
    case verifyPickup = "Pickup.Verify"
    case confirmPickup = "Pickup.Confirm"
    case backlog = "Report.Backlog"
    case dailyReport = "Report.Daily"
    case monthlyReport = "Report.Monthly"
    case handoffLedger = "Report.Ledger"
    case subscribe = "Events.Subscribe"
    case scanners = "Scanner.List"
    case setScannerRole = "Scanner.SetRole"
    case submitScan = "Scan.Submit"
    case openHandoff = "Handoff.Open"
    case importManifest = "Handoff.Import"
    case scanHandoff = "Handoff.Scan"
    case closeHandoff = "Handoff.Close"
    case getHandoff = "Handoff.Get"
    case listHandoffs = "Handoff.List"
    case discrepancies = "Discrepancy.List"
    case resolveDiscrepancy = "Discrepancy.Resolve"
    case receipts = "Receipt.Export"
    case decodeLabel = "Label.Decode"
    case verifyAudit = "Audit.Verify"
    case startStocktake = "Stocktake.Start"
    case scanStocktake = "Stocktake.Scan"
    case closeStocktake = "Stocktake.Close"
    case getStocktake = "Stocktake.Get"
    case recordComplaint = "Complaint.Record"
    case resolveComplaint = "Complaint.Resolve"
    case complaints = "Complaint.List"
    case acceptOutgoing = "Outgoing.Accept"
    case listOutgoing = "Outgoing.List"
    case notices = "Notice.List"
    case syncStatus = "Sync.Status"
    case backupNow = "Backup.Now"
    case backupList = "Backup.List"

    /// True when the method writes to the ledger or changes how the station acts.
    public var mutates: Bool {
        switch self {
        case .intake, .returnParcel, .undo, .confirmPickup, .setScannerRole, .submitScan, .openHandoff, .importManifest, .scanHandoff,
            .closeHandoff, .resolveDiscrepancy, .decodeLabel, .startStocktake, .scanStocktake, .closeStocktake, .recordComplaint,
            .resolveComplaint, .acceptOutgoing, .backupNow:
            true
        default: false
        }
    }
}

/// Event names pushed to subscribers.
public enum EventName {
    /// A parcel was taken in (it arrives shelved, with its pickup code).
    public static let intake = "parcel.intake"
    /// A parcel changed state (shelved, notified, returnRequested, returned, exception…).
    public static let stateChanged = "parcel.stateChanged"
    /// A parcel was handed to its recipient.
    public static let pickup = "parcel.pickedUp"
    /// The subscriber was too slow and this many events were dropped; re-read with Parcel.Search.
    public static let dropped = "events.dropped"
    /// What a scan did (from a scanner, a label photo or `Scan.Submit`).
    public static let scan = "scan"
    /// A scanner was plugged in (or found at start).
    public static let scannerAttached = "scanner.attached"
    /// A scanner was unplugged.
    public static let scannerDetached = "scanner.detached"
    /// A scanner went away or failed in the middle of a code; the partial code was dropped.
    public static let scannerPartialDropped = "scanner.partialDropped"

    /// Everything a subscription receives.
    public static let all = [intake, stateChanged, pickup, dropped, scan, scannerAttached, scannerDetached, scannerPartialDropped]
}

// MARK: Station.Hello

public struct HelloParams: Codable, Sendable, Equatable {
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

    public init(
        station: StationInfo, protocol: ProtocolVersion, startedAt: String, now: String, parcels: [String: Int], active: Int,
        overdue: Int, events: Int64, lastEventAt: String?, connections: Int, subscribers: Int, database: String,
        holdHours: Int, codeCooldownHours: Int, publicKey: String? = nil, backup: BackupStatus? = nil
    ) {
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

// MARK: Parcels

/// A courier candidate for a tracking number.
public struct CourierDTO: Codable, Sendable, Equatable {
    /// `SF`, `JD`, `JT`, `YTO`, `ZTO`, `STO`, `YUNDA`, `EMS`, `POST`, `GS1`, or `UNKNOWN`.
    public var code: String
    public var name: String
    /// The evidence: format matched, check digit verified, named by caller.
    public var reason: String

    public init(code: String, name: String, reason: String) {
        self.code = code
        self.name = name
        self.reason = reason
    }
}

/// A parcel as station tools see it.
public struct ParcelDTO: Codable, Sendable, Equatable {
    /// Normalised tracking number.
    public var tracking: String
    /// The text as scanned.
    public var rawScan: String
    /// `received`, `shelved`, `notified`, `pickedUp`, `returnRequested`, `returned` or `exception`.
    public var state: String
    /// `shelf-layer-seq`, e.g. `3-2-0147`; null before shelving.
    public var pickupCode: String?
    /// The courier taken for the parcel (first candidate, or the one named at intake); null when unknown.
    public var courier: String?
    /// Ranked courier candidates, strongest first.
    public var couriers: [CourierDTO]
    /// Last 4 digits of the recipient's phone, when known. Full numbers never leave the daemon.
    public var phoneTail: String?
    public var receivedAt: String
    public var shelvedAt: String?
    /// When it left the station (picked up or returned).
    public var releasedAt: String?
    /// True when waiting for pickup longer than the station's hold period.
    public var overdue: Bool
    /// Notices sent (first notice plus reminders).
    public var notices: Int

    public init(
        tracking: String, rawScan: String, state: String, pickupCode: String?, courier: String?, couriers: [CourierDTO],
        phoneTail: String?, receivedAt: String, shelvedAt: String?, releasedAt: String?, overdue: Bool, notices: Int
    ) {
        self.tracking = tracking
        self.rawScan = rawScan
        self.state = state
        self.pickupCode = pickupCode
        self.courier = courier
        self.couriers = couriers
        self.phoneTail = phoneTail
        self.receivedAt = receivedAt
        self.shelvedAt = shelvedAt
        self.releasedAt = releasedAt
        self.overdue = overdue
        self.notices = notices
    }
}

/// One entry of a parcel's history.
public struct EventDTO: Codable, Sendable, Equatable {
    /// Position in the station's event log.
    public var seq: Int64
    public var uid: String
    /// `intake`, `shelve`, `notify`, `pickUp`, `requestReturn`, `cancelReturn`, `completeReturn`,
    /// `flagException`, `resolveException`.
    public var kind: String
    public var from: String?
    public var to: String
    public var at: String
    public var actor: String
    public var details: [String: String]

    public init(seq: Int64, uid: String, kind: String, from: String?, to: String, at: String, actor: String, details: [String: String]) {
        self.seq = seq
        self.uid = uid
        self.kind = kind
        self.from = from
        self.to = to
        self.at = at
        self.actor = actor
        self.details = details
    }
}

public struct IntakeParams: Codable, Sendable, Equatable {
    /// The scanned or typed tracking number (raw: prefixes and terminators are removed by the server).
    public var tracking: String
    /// The recipient's full phone number, if known; stored as tail + salted hash.
    public var phone: String?
    /// The last 4 digits when only those are known (privacy waybills).
    public var phoneTail: String?
    /// The courier, when the batch or the staff knows it; it ranks first among the candidates.
    public var courier: String?
    /// The staff member scanning.
    public var staff: String?

    public init(tracking: String, phone: String? = nil, phoneTail: String? = nil, courier: String? = nil, staff: String? = nil) {
        self.tracking = tracking
        self.phone = phone
        self.phoneTail = phoneTail
        self.courier = courier
        self.staff = staff
    }
}

public struct ParcelResult: Codable, Sendable, Equatable {
    public var parcel: ParcelDTO
    /// True when the parcel was already at the station: nothing was written.
    public var `repeat`: Bool

    public init(parcel: ParcelDTO, repeat: Bool) {
        self.parcel = parcel
        self.repeat = `repeat`
    }
}

public struct GetParams: Codable, Sendable, Equatable {
    public var tracking: String
    public init(tracking: String) { self.tracking = tracking }
}

public struct GetResult: Codable, Sendable, Equatable {
    public var parcel: ParcelDTO
    /// The parcel's history, oldest first.
    public var events: [EventDTO]
    public init(parcel: ParcelDTO, events: [EventDTO]) {
        self.parcel = parcel
        self.events = events
    }
}

public struct SearchParams: Codable, Sendable, Equatable {
    public var tracking: String?
    public var code: String?
    public var phoneTail: String?
    /// State names to include.
    public var states: [String]?
    /// Only parcels still at the station (default false).
    public var active: Bool?
    /// At most this many (default 100, at most 1000).
    public var limit: Int?

    public init(
        tracking: String? = nil, code: String? = nil, phoneTail: String? = nil, states: [String]? = nil, active: Bool? = nil,
        limit: Int? = nil
    ) {
        self.tracking = tracking
        self.code = code
        self.phoneTail = phoneTail
        self.states = states
        self.active = active
        self.limit = limit
    }
}

public struct ParcelsResult: Codable, Sendable, Equatable {
    public var parcels: [ParcelDTO]
    public init(parcels: [ParcelDTO]) { self.parcels = parcels }
}

public struct ReturnParams: Codable, Sendable, Equatable {
    public var tracking: String
    /// Why (overdue, refused, wrong station…).
    public var reason: String?
    /// True when the courier takes it now: the return is completed, not only requested.
    public var handedOver: Bool?
    public var staff: String?

    public init(tracking: String, reason: String? = nil, handedOver: Bool? = nil, staff: String? = nil) {
        self.tracking = tracking
        self.reason = reason
        self.handedOver = handedOver
        self.staff = staff
    }
}

public struct UndoParams: Codable, Sendable, Equatable {
    public var tracking: String
    /// `intake` or `pickup`.
    public var step: String
    /// Why (wrong parcel scanned, handed to the wrong person…); recorded in the event.
    public var reason: String?
    public var staff: String?

    public init(tracking: String, step: String, reason: String? = nil, staff: String? = nil) {
        self.tracking = tracking
        self.step = step
        self.reason = reason
        self.staff = staff
    }
}

// MARK: Pickup

public struct VerifyParams: Codable, Sendable, Equatable {
    /// Exactly one of `code`, `phoneTail`, `phone`.
    public var code: String?
    public var phoneTail: String?
    public var phone: String?
    /// The pickup counter: its pickup-role scanners then hand out exactly these parcels for a while.
    public var counter: String?

    public init(code: String? = nil, phoneTail: String? = nil, phone: String? = nil, counter: String? = nil) {
        self.code = code
        self.phoneTail = phoneTail
        self.phone = phone
        self.counter = counter
    }
}

public struct ConfirmParams: Codable, Sendable, Equatable {
    /// The parcels handed out (scanned at the counter).
    public var trackings: [String]
    /// Exactly one of `code`, `phoneTail`, `phone`: what the recipient gave.
    public var code: String?
    public var phoneTail: String?
    public var phone: String?
    /// The staff member handing out.
    public var staff: String?
    /// Name of the person collecting for the recipient (代取).
    public var collector: String?

    public init(
        trackings: [String], code: String? = nil, phoneTail: String? = nil, phone: String? = nil, staff: String? = nil,
        collector: String? = nil
    ) {
        self.trackings = trackings
        self.code = code
        self.phoneTail = phoneTail
        self.phone = phone
        self.staff = staff
        self.collector = collector
    }
}

public struct ConfirmResult: Codable, Sendable, Equatable {
    /// The pickup record's id (the proof: staff, client, time, method).
    public var pickupId: Int64
    public var at: String
    public var parcels: [ParcelDTO]

    public init(pickupId: Int64, at: String, parcels: [ParcelDTO]) {
        self.pickupId = pickupId
        self.at = at
        self.parcels = parcels
    }
}

// MARK: Report.Backlog

public struct BacklogParams: Codable, Sendable, Equatable {
    /// Only parcels waiting at least this many hours (default 0: everything on the shelf).
    public var olderThanHours: Int?
    public init(olderThanHours: Int? = nil) { self.olderThanHours = olderThanHours }
}

public struct BacklogResult: Codable, Sendable, Equatable {
    public struct Bucket: Codable, Sendable, Equatable {
        /// `<24h`, `1-2d`, `2-3d`, `3-7d`, `>7d`.
        public var label: String
        public var fromHours: Int
        /// Null for the last, open bucket.
        public var toHours: Int?
        public var count: Int
        public init(label: String, fromHours: Int, toHours: Int?, count: Int) {
            self.label = label
            self.fromHours = fromHours
            self.toHours = toHours
            self.count = count
        }
    }
    public struct CourierRow: Codable, Sendable, Equatable {
        public var courier: String
        public var total: Int
        /// Counts in the order of `buckets`.
        public var counts: [Int]
        public init(courier: String, total: Int, counts: [Int]) {
            self.courier = courier
            self.total = total
            self.counts = counts
        }
    }
    public var generatedAt: String
    public var olderThanHours: Int
    public var total: Int
    public var buckets: [Bucket]
    public var byCourier: [CourierRow]
    /// The longest-waiting parcels (at most 20), oldest first.
    public var oldest: [ParcelDTO]
    /// Station-wide counts needing a decision or a follow-up (reminders, returns, unreconciled handoffs); absent
    /// from servers older than the report methods.
    public var attention: BacklogAttentionDTO?
    /// The station, and the time zone its reports are reckoned in (for a report's heading); absent from older servers.
    public var station: StationInfo?
    public var timeZone: String?

    public init(
        generatedAt: String, olderThanHours: Int, total: Int, buckets: [Bucket], byCourier: [CourierRow], oldest: [ParcelDTO],
        attention: BacklogAttentionDTO? = nil, station: StationInfo? = nil, timeZone: String? = nil
    ) {
        self.generatedAt = generatedAt
        self.olderThanHours = olderThanHours
        self.total = total
        self.buckets = buckets
        self.byCourier = byCourier
        self.oldest = oldest
        self.attention = attention
        self.station = station
        self.timeZone = timeZone
    }
}

// MARK: Events.Subscribe

public struct SubscribeResult: Codable, Sendable, Equatable {
    /// Event names this subscription will receive.
    public var events: [String]
    public init(events: [String]) { self.events = events }
}

/// `data` of parcel events.
public struct ParcelEventData: Codable, Sendable, Equatable {
    public var event: EventDTO
    public var parcel: ParcelDTO
    public init(event: EventDTO, parcel: ParcelDTO) {
        self.event = event
        self.parcel = parcel
    }
}

public struct DroppedEventData: Codable, Sendable, Equatable {
    public var count: Int
    public init(count: Int) { self.count = count }
}

// MARK: Scanners

/// A scanner as `Scanner.List` and scanner events show it.
public struct ScannerDTO: Codable, Sendable, Equatable {
    /// Stable id: from the serial number when the scanner has one, else from its port or device path.
    public var id: String
    /// `usb-keyboard`, `usb-pos`, `serial`, `photo`, `socket`, or `configured` for a configured scanner not seen yet.
    public var source: String
    /// `VID:PID` in hex, for USB scanners.
    public var usb: String?
    public var serial: String?
    public var port: String?
    public var product: String?
    /// The name the configuration gives it.
    public var name: String?
    public var attached: Bool
    public var role: String
    /// `command` (switched by a command barcode or Scanner.SetRole), `configured` or `default`.
    public var roleSource: String
    public var counter: String
    public var lastSeen: String?
    public var scans: Int
    public var duplicates: Int
    public var rejected: Int
    public var lastResult: String?
    /// Milliseconds from a code's last byte reaching the daemon to its committed outcome, over the latest scans.
    public var latencyMs: Latency?

    public struct Latency: Codable, Sendable, Equatable {
        public var p50: Double
        public var p99: Double
        public var samples: Int
        public init(p50: Double, p99: Double, samples: Int) {
            self.p50 = p50
            self.p99 = p99
            self.samples = samples
        }
    }

    public init(
        id: String, source: String, usb: String?, serial: String?, port: String?, product: String?, name: String?, attached: Bool,
        role: String, roleSource: String, counter: String, lastSeen: String?, scans: Int, duplicates: Int, rejected: Int,
        lastResult: String?, latencyMs: Latency? = nil
    ) {
        self.latencyMs = latencyMs
        self.id = id
        self.source = source
        self.usb = usb
        self.serial = serial
        self.port = port
        self.product = product
        self.name = name
        self.attached = attached
        self.role = role
        self.roleSource = roleSource
        self.counter = counter
        self.lastSeen = lastSeen
        self.scans = scans
        self.duplicates = duplicates
        self.rejected = rejected
        self.lastResult = lastResult
    }
}

public struct ScannersResult: Codable, Sendable, Equatable {
    public var scanners: [ScannerDTO]
    public init(scanners: [ScannerDTO]) { self.scanners = scanners }
}

public struct SetRoleParams: Codable, Sendable, Equatable {
    public var scanner: String
    /// `intake`, `pickup`, `handoff`, `stocktake` or `off`; null returns the scanner to its configured role.
    public var role: String?
    public init(scanner: String, role: String?) {
        self.scanner = scanner
        self.role = role
    }
}

public struct SubmitScanParams: Codable, Sendable, Equatable {
    /// The scanned text, as a scanner would send it.
    public var text: String
    /// Which scanner it counts as (default `socket:` + the client's hello name); its role decides the action.
    public var scanner: String?
    /// AIM symbology identifier, if known.
    public var symbology: String?
    public init(text: String, scanner: String? = nil, symbology: String? = nil) {
        self.text = text
        self.scanner = scanner
        self.symbology = symbology
    }
}

/// What a scan did: the result of `Scan.Submit` and the `data` of `scan` events.
public struct ScanOutcomeDTO: Codable, Sendable, Equatable {
    public var scanner: String
    public var role: String
    public var counter: String
    /// `intake`, `repeatIntake`, `pickedUp`, `verifyFirst`, `notThisRecipient`, `roleChanged`, `duplicate`,
    /// `rejected`, `failed`, `ignored`, `noOpenHandoff`, `noOpenStocktake`.
    public var result: String
    /// A short line for the counter display, in Chinese.
    public var message: String
    public var text: String
    public var symbology: String?
    public var sequence: UInt64
    public var at: String
    public var parcel: ParcelDTO?
    public var error: WireError?
    /// After a pickup: parcels still waiting for the verified recipient at this counter. After a handoff scan:
    /// listed lines not scanned yet.
    public var remaining: Int?
    /// For handoff-role scans: the handoff, and how the scan matched its list.
    public var handoff: String?
    public var handoffResult: String?
    /// For stocktake-role scans: the stocktake, and what the scan found (`found`, `misplaced`, `unknown`, `repeatScan`).
    public var stocktake: String?
    public var stocktakeResult: String?

    public init(
        scanner: String, role: String, counter: String, result: String, message: String, text: String, symbology: String?,
        sequence: UInt64, at: String, parcel: ParcelDTO?, error: WireError?, remaining: Int?, handoff: String? = nil,
        handoffResult: String? = nil, stocktake: String? = nil, stocktakeResult: String? = nil
    ) {
        self.stocktake = stocktake
        self.stocktakeResult = stocktakeResult
        self.handoff = handoff
        self.handoffResult = handoffResult
        self.scanner = scanner
        self.role = role
        self.counter = counter
        self.result = result
        self.message = message
        self.text = text
        self.symbology = symbology
        self.sequence = sequence
        self.at = at
        self.parcel = parcel
        self.error = error
        self.remaining = remaining
    }
}

/// `data` of `scanner.*` events.
public struct ScannerEventData: Codable, Sendable, Equatable {
    public var scanner: ScannerDTO
    /// For `scanner.partialDropped`: how many bytes of the unfinished code were dropped.
    public var droppedBytes: Int?
    public init(scanner: ScannerDTO, droppedBytes: Int? = nil) {
        self.scanner = scanner
        self.droppedBytes = droppedBytes
    }
}

// MARK: Label.Decode

public struct LabelDecodeParams: Codable, Sendable, Equatable {
    /// An absolute path of an image the daemon may read; or
    public var path: String?
    /// the image's bytes, base64 (the whole request line must fit `server.maxLineBytes`).
    public var data: String?
    /// Act on a confirmed tracking number as a scan from `scanner` (its role decides: intake, pickup…).
    public var act: Bool?
    /// The scanner the photo counts as (default `photo:` + the client's hello name).
    public var scanner: String?
    public init(path: String? = nil, data: String? = nil, act: Bool? = nil, scanner: String? = nil) {
        self.path = path
        self.data = data
        self.act = act
        self.scanner = scanner
    }
}

public struct LabelSymbolDTO: Codable, Sendable, Equatable {
    public var text: String
    public var symbology: String
    public var pass: String
    /// x, y, width, height in image pixels.
    public var box: [Int]
    public init(text: String, symbology: String, pass: String, box: [Int]) {
        self.text = text
        self.symbology = symbology
        self.pass = pass
        self.box = box
    }
}

public struct WaybillDTO: Codable, Sendable, Equatable {
    public var number: String
    public var courier: String
    public var confirmed: Bool
    public var evidence: String
    public init(number: String, courier: String, confirmed: Bool, evidence: String) {
        self.number = number
        self.courier = courier
        self.confirmed = confirmed
        self.evidence = evidence
    }
}

public struct LabelDecodeResult: Codable, Sendable, Equatable {
    public var format: String
    public var width: Int
    public var height: Int
    public var symbols: [LabelSymbolDTO]
    /// The tracking number chosen, or null when no code looks like one.
    public var waybill: WaybillDTO?
    /// With `act`: what the scan of a confirmed number did; null when nothing was acted on.
    public var scan: ScanOutcomeDTO?
    public init(format: String, width: Int, height: Int, symbols: [LabelSymbolDTO], waybill: WaybillDTO?, scan: ScanOutcomeDTO?) {
        self.format = format
        self.width = width
        self.height = height
        self.symbols = symbols
        self.waybill = waybill
        self.scan = scan
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

// MARK: Stocktake

public struct StocktakeStartParams: Codable, Sendable, Equatable {
    /// The shelf to sweep; omit for the whole station.
    public var shelf: Int?
    /// The counter whose stocktake-role scanners feed it (default `1`).
    public var counter: String?
    public init(shelf: Int? = nil, counter: String? = nil) {
        self.shelf = shelf
        self.counter = counter
    }
}

public struct StocktakeRefParams: Codable, Sendable, Equatable {
    public var stocktake: String
    public init(stocktake: String) { self.stocktake = stocktake }
}

public struct StocktakeScanParams: Codable, Sendable, Equatable {
    public var stocktake: String
    public var text: String
    public init(stocktake: String, text: String) {
        self.stocktake = stocktake
        self.text = text
    }
}

public struct StocktakeDTO: Codable, Sendable, Equatable {
    public var id: String
    public var shelf: Int?
    public var counter: String
    public var state: String
    public var startedAt: String
    public init(id: String, shelf: Int?, counter: String, state: String, startedAt: String) {
        self.id = id
        self.shelf = shelf
        self.counter = counter
        self.state = state
        self.startedAt = startedAt
    }
}

public struct StocktakeScanResult: Codable, Sendable, Equatable {
    /// `found`, `misplaced`, `unknown`, `repeatScan`.
    public var result: String
    public var stocktake: String
    public var parcel: ParcelDTO?
    public var scanned: Int
    public init(result: String, stocktake: String, parcel: ParcelDTO?, scanned: Int) {
        self.result = result
        self.stocktake = stocktake
        self.parcel = parcel
        self.scanned = scanned
    }
}

public struct StocktakeReportDTO: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var tracking: String
        public var pickupCode: String?
        public var state: String?
        public var shelvedAt: String?
        public init(tracking: String, pickupCode: String?, state: String?, shelvedAt: String?) {
            self.tracking = tracking
            self.pickupCode = pickupCode
            self.state = state
            self.shelvedAt = shelvedAt
        }
    }
    public var stocktake: String
    public var shelf: Int?
    public var startedAt: String
    public var closedAt: String?
    public var scanned: Int
    public var found: [Item]
    public var misplaced: [Item]
    public var unknown: [Item]
    public var missing: [Item]
    public var longStay: [Item]
    public init(
        stocktake: String, shelf: Int?, startedAt: String, closedAt: String?, scanned: Int, found: [Item], misplaced: [Item],
        unknown: [Item], missing: [Item], longStay: [Item]
    ) {
        self.stocktake = stocktake
        self.shelf = shelf
        self.startedAt = startedAt
        self.closedAt = closedAt
        self.scanned = scanned
        self.found = found
        self.misplaced = misplaced
        self.unknown = unknown
        self.missing = missing
        self.longStay = longStay
    }
}

// MARK: Complaints

public struct ComplaintParams: Codable, Sendable, Equatable {
    /// Exactly one of `tracking` (the parcel's latest stay) or `handoff`.
    public var tracking: String?
    public var handoff: String?
    public var text: String
    /// How it came in: phone, counter, county, platform…
    public var source: String?
    public var staff: String?
    public init(tracking: String? = nil, handoff: String? = nil, text: String, source: String? = nil, staff: String? = nil) {
        self.tracking = tracking
        self.handoff = handoff
        self.text = text
        self.source = source
        self.staff = staff
    }
}

public struct ComplaintResolveParams: Codable, Sendable, Equatable {
    public var id: Int64
    public var resolution: String
    public var staff: String?
    public init(id: Int64, resolution: String, staff: String? = nil) {
        self.id = id
        self.resolution = resolution
        self.staff = staff
    }
}

public struct ComplaintDTO: Codable, Sendable, Equatable {
    public var id: Int64
    public var tracking: String?
    public var handoff: String?
    public var text: String
    public var source: String?
    public var at: String
    public var recordedBy: String
    public var resolution: String?
    public var resolvedAt: String?
    public var resolvedBy: String?
    public init(
        id: Int64, tracking: String?, handoff: String?, text: String, source: String?, at: String, recordedBy: String, resolution: String?,
        resolvedAt: String?, resolvedBy: String?
    ) {
        self.id = id
        self.tracking = tracking
        self.handoff = handoff
        self.text = text
        self.source = source
        self.at = at
        self.recordedBy = recordedBy
        self.resolution = resolution
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
    }
}

public struct ComplaintsResult: Codable, Sendable, Equatable {
    public var complaints: [ComplaintDTO]
    public init(complaints: [ComplaintDTO]) { self.complaints = complaints }
}

// MARK: Outgoing

public struct OutgoingParams: Codable, Sendable, Equatable {
    public var waybill: String
    public var courier: String
    /// The destination region (province, city).
    public var destination: String
    public var weightGrams: Int
    /// The fee in fen (1/100 yuan).
    public var feeFen: Int
    /// Farm produce going up the chain (农产品上行).
    public var produce: Bool?
    public var senderPhone: String?
    public var senderTail: String?
    /// The sender's ID was checked (实名寄递).
    public var idChecked: Bool?
    public var staff: String?
    public init(
        waybill: String, courier: String, destination: String, weightGrams: Int, feeFen: Int, produce: Bool? = nil, senderPhone: String? = nil,
        senderTail: String? = nil, idChecked: Bool? = nil, staff: String? = nil
    ) {
        self.waybill = waybill
        self.courier = courier
        self.destination = destination
        self.weightGrams = weightGrams
        self.feeFen = feeFen
        self.produce = produce
        self.senderPhone = senderPhone
        self.senderTail = senderTail
        self.idChecked = idChecked
        self.staff = staff
    }
}

public struct OutgoingDTO: Codable, Sendable, Equatable {
    public var waybill: String
    public var courier: String
    public var produce: Bool
    public var senderTail: String?
    public var idChecked: Bool
    public var destination: String
    public var weightGrams: Int
    public var feeFen: Int
    /// `waiting` or `handedOver`.
    public var state: String
    public var acceptedAt: String
    public var acceptedBy: String
    public var handedAt: String?
    public init(
        waybill: String, courier: String, produce: Bool, senderTail: String?, idChecked: Bool, destination: String, weightGrams: Int,
        feeFen: Int, state: String, acceptedAt: String, acceptedBy: String, handedAt: String?
    ) {
        self.waybill = waybill
        self.courier = courier
        self.produce = produce
        self.senderTail = senderTail
        self.idChecked = idChecked
        self.destination = destination
        self.weightGrams = weightGrams
        self.feeFen = feeFen
        self.state = state
        self.acceptedAt = acceptedAt
        self.acceptedBy = acceptedBy
        self.handedAt = handedAt
    }
}

public struct OutgoingListResult: Codable, Sendable, Equatable {
    public var outgoing: [OutgoingDTO]
    public init(outgoing: [OutgoingDTO]) { self.outgoing = outgoing }
}

// MARK: Notice.List

public struct NoticeAttemptDTO: Codable, Sendable, Equatable {
    public var number: Int
    public var startedAt: String
    public var finishedAt: String?
    /// `delivered`, `retryable`, `permanent` or `interrupted`, with the channel's reason; null while sending.
    public var result: String?
    public var reason: String?
    public init(number: Int, startedAt: String, finishedAt: String?, result: String?, reason: String?) {
        self.number = number
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.result = result
        self.reason = reason
    }
}

public struct NoticeDTO: Codable, Sendable, Equatable {
    /// `EVENT/first/0`, `EVENT/reminder/N`, `EVENT/overdue/0`.
    public var key: String
    /// `pending`, `sending`, `sent`, `failed`, `cancelled`.
    public var status: String
    public var text: String?
    public var queuedAt: String
    public var nextAttemptAt: String
    public var lastReason: String?
    public var attempts: [NoticeAttemptDTO]
    public init(
        key: String, status: String, text: String?, queuedAt: String, nextAttemptAt: String, lastReason: String?, attempts: [NoticeAttemptDTO]
    ) {
        self.key = key
        self.status = status
        self.text = text
        self.queuedAt = queuedAt
        self.nextAttemptAt = nextAttemptAt
        self.lastReason = lastReason
        self.attempts = attempts
    }
}

public struct NoticesResult: Codable, Sendable, Equatable {
    public var notices: [NoticeDTO]
    public init(notices: [NoticeDTO]) { self.notices = notices }
}
