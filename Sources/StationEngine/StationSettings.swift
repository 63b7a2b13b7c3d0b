import Foundation
public import ParcelDomain

/// The station's rules and layout, from its configuration file.
public struct StationSettings: Sendable, Equatable {
    /// The station's id as the county knows it.
    public var stationID: String
    /// Shown on notices and reports.
    public var stationName: String
    public var shelves: ShelfLayout
    /// Hours a released pickup code stays out of use, so a recipient holding an old notice cannot collect a
    /// newer parcel by mistake.
    public var codeCooldownHours: Int
    /// Hours after shelving before a parcel counts as overdue (hold period; commonly 7 days).
    public var holdHours: Int
    /// Minutes after an intake or a pickup during which staff may undo it (a slip noticed at the counter);
    /// 0 turns undo off. Later corrections are forward actions: return, exception.
    public var undoWindowMinutes: Int = 10
    /// Keep the full recipient phone number (off by default: tail and salted hash only).
    public var storeFullPhone: Bool
    /// Roles and counters of the station's scanners.
    public var scanners: ScannerSettings
    /// Couriers and drivers who hand parcels over, with how they confirm a handoff.
    public var parties: [Party]
    /// Wrong PINs in a row before a courier is locked out, and for how long.
    public var pinAttempts: Int
    public var pinLockoutMinutes: Int
    /// Outgoing parcels need the sender's ID checked (实名寄递) before they are accepted.
    public var requireSenderIDCheck: Bool = false
    /// The time zone of the station's day and month in reports (日报, 月报): an IANA identifier.
    public var timeZone: String = "Asia/Shanghai"
    /// Commission the station earns per parcel picked up, in fen, by courier code (`ZTO`); `default` for the
    /// others. Empty: no commission is reported.
    public var commissionFen: [String: Int] = [:]
    /// Wrong pickup credentials one client (peer uid) and one counter may give before a cool-down.
    public var pickupGuessesPerClient = GuessLimit(failures: 30)
    public var pickupGuessesPerCounter = GuessLimit(failures: 10)
    /// The most durable events `Events.Subscribe` replays to a tool that names the last one it saw (`since`);
    /// further behind, it is told to re-read instead (`events.gap`).
    public var eventReplayLimit = 50_000
    /// Privacy (隐私): days after a stay ends before its personal fields are erased (0: at the next purge run),
    /// and how many parcels one purge transaction takes.
    public var retentionDays = 30
    public var purgeBatchSize = 500
    /// The other parcel-stations of the chain (县—乡—村) this one trades with: whose signatures it accepts, and
    /// which downstream stations it relays parcels to.
    public var chainStations: [ChainStation] = []
    /// The places this station itself serves: a destination naming one is for its own shelves.
    public var ownVillages: [String] = []
    public var ownSortCodes: [String] = []
    /// Where a destination goes: here, a downstream station's relay bin, or nowhere known.
    public var relayRoutes: RelayRoutes {
        RelayRoutes(
            stationID: stationID, stationName: stationName, stations: chainStations, ownVillages: ownVillages, ownSortCodes: ownSortCodes)
    }

    public init(
        stationID: String = "station", stationName: String = "服务站",
        shelves: ShelfLayout = ShelfLayout(shelves: (1...4).map { .init(id: $0, layers: 4, layerCapacity: 40) }),
        codeCooldownHours: Int = 72, holdHours: Int = 168, storeFullPhone: Bool = false, scanners: ScannerSettings = .init(),
        parties: [Party] = [], pinAttempts: Int = 5, pinLockoutMinutes: Int = 15
    ) {
        self.stationID = stationID
        self.stationName = stationName
        self.shelves = shelves
        self.codeCooldownHours = codeCooldownHours
        self.holdHours = holdHours
        self.storeFullPhone = storeFullPhone
        self.scanners = scanners
        self.parties = parties
        self.pinAttempts = pinAttempts
        self.pinLockoutMinutes = pinLockoutMinutes
    }
}

/// A courier or driver the station hands parcels to or from.
public struct Party: Sendable, Equatable {
    /// Short id used in requests and on receipts (`zto-wang`).
    public var id: String
    public var name: String
    /// The courier company's code (`ZTO`, `SF`…) or the operator of a shuttle; returns of that courier's
    /// parcels join this party's outbound return handoffs.
    public var company: String?
    /// The text of the badge barcode the courier scans to confirm.
    public var badge: String?
    /// A PIN the courier types to confirm (kept only in memory as a salted hash once loaded).
    public var pin: String?

    public init(id: String, name: String, company: String? = nil, badge: String? = nil, pin: String? = nil) {
        self.id = id
        self.name = name
        self.company = company
        self.badge = badge
        self.pin = pin
    }
}

/// Where each scanner stands, from the configuration. A role switched with a command barcode overrides this
/// until switched again (and survives restarts).
public struct ScannerSettings: Sendable, Equatable {
    /// One configured scanner: matched by its serial number, its USB port path (`1-1.2`), its device path
    /// (`/dev/ttyACM0`) or its full id, whichever is given.
    public struct Assignment: Sendable, Equatable {
        public var match: String
        public var role: ScannerRole
        /// The pickup counter the scanner serves: a verified pickup opened for that counter is what its
        /// scans hand out.
        public var counter: String
        public var name: String?

        public init(match: String, role: ScannerRole, counter: String = ScannerSettings.defaultCounter, name: String? = nil) {
            self.match = match
            self.role = role
            self.counter = counter
            self.name = name
        }
    }

    public static let defaultCounter = "1"

    /// The role of a scanner no assignment matches.
    public var defaultRole: ScannerRole
    public var assignments: [Assignment]
    /// The same code from the same scanner within this many milliseconds is a suppressed duplicate.
    public var duplicateWindowMillis: Int64
    /// How long a recipient verified at a counter stays verified for that counter's scans.
    public var verificationSeconds: Int

    public init(
        defaultRole: ScannerRole = .intake, assignments: [Assignment] = [], duplicateWindowMillis: Int64 = 1500,
        verificationSeconds: Int = 180
    ) {
        self.defaultRole = defaultRole
        self.assignments = assignments
        self.duplicateWindowMillis = duplicateWindowMillis
        self.verificationSeconds = verificationSeconds
    }
}

/// The time source: real in the daemon, fixed or stepped in tests.
public protocol StationClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func nowMillis() -> Int64
}

/// Wall-clock time.
public struct SystemClock: StationClock {
    public init() {}
    public func nowMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// Wall-clock time moved by a fixed offset: the daemon's `PARCEL_STATION_CLOCK_OFFSET_SECONDS`, so a drill or
/// an end-to-end test can run a station's day (or week) at another time than now. Time still flows.
public struct OffsetClock: StationClock {
    public let offsetMillis: Int64
    public init(offsetSeconds: Int64) { offsetMillis = offsetSeconds * 1000 }
    public func nowMillis() -> Int64 { SystemClock().nowMillis() + offsetMillis }
}

/// Who is asking: the socket peer and, when given, the staff member operating the client.
public struct Caller: Sendable, Equatable {
    /// The client's name from its hello (`parcelctl`, `counter-display`…).
    public var client: String
    /// The peer's user id from SO_PEERCRED, when known.
    public var uid: UInt32?
    /// The staff member named in the request.
    public var staff: String?

    public init(client: String, uid: UInt32? = nil, staff: String? = nil) {
        self.client = client
        self.uid = uid
        self.staff = staff
    }

    /// How the event log names this caller: `staff@client(uid)`.
    public var actor: String {
        let who = staff.map { "\($0)@" } ?? ""
        let uidText = uid.map { "(uid \($0))" } ?? ""
        return who + client + uidText
    }
}
