public import Foundation
public import ParcelDomain

/// A parcel stay as the ledger holds it: one row per arrival of a tracking number at this station.
public struct ParcelRecord: Sendable, Equatable {
    public let id: Int64
    /// The normalised tracking number.
    public let tracking: String
    /// The text exactly as scanned or typed.
    public let rawScan: String
    /// The courier taken for this parcel (the caller's, else the strongest candidate); nil when unknown.
    public let courier: String?
    /// Every candidate with its reason, strongest first.
    public let candidates: [CourierCandidate]
    public let state: ParcelState
    public let pickupCode: PickupCode?
    /// Last four digits of the recipient's phone, when known.
    public let phoneTail: String?
    /// True when a salted hash of the full number is stored.
    public let hasPhoneHash: Bool
    /// Milliseconds since 1970.
    public let receivedAt: Int64
    public let shelvedAt: Int64?
    public let updatedAt: Int64
    /// When it left the station (picked up or returned).
    public let releasedAt: Int64?
    public let pickupID: Int64?
    /// How many times it was notified (first notice plus reminders).
    public let notices: Int
    /// In transit: the id of the downstream station whose relay bin holds it.
    public var relayTo: String? = nil
    /// Where it goes in the end when its label or manifest said (a village, a sort code): carried on to that station.
    public var destination: String? = nil
}

/// What intake writes for a new parcel.
public struct NewParcel: Sendable {
    public let tracking: TrackingNumber
    public let courier: String?
    public let phoneTail: String?
    public let phoneHash: Data?
    /// The full number, only when the station is configured to keep it.
    public let phoneFull: String?
    public let at: Int64
    /// The candidates as stored, encoded here on the caller's thread rather than inside the group commit,
    /// where every microsecond is spent while other scans wait.
    let candidatesJSON: String

    public init(tracking: TrackingNumber, courier: String?, phoneTail: String?, phoneHash: Data?, phoneFull: String?, at: Int64) {
        self.candidatesJSON = CompactJSON.candidates(tracking.candidates)
        self.tracking = tracking
        self.courier = courier
        self.phoneTail = phoneTail
        self.phoneHash = phoneHash
        self.phoneFull = phoneFull
        self.at = at
    }
}

/// What a ledger event is about. `intake` creates the parcel; the others are lifecycle actions.
public enum ParcelEventKind: String, Sendable, CaseIterable, Codable {
    case intake
    case shelve
    case notify
    case pickUp
    case requestReturn
    case cancelReturn
    case completeReturn
    case flagException
    case resolveException
    case undoIntake
    case undoPickup
    /// The recipient's phone was added or replaced; the state stays (details: how it was given, never the number).
    case setPhone
    case reportProblem
    case resolveProblem
    case writeOff
    /// A proof (photo or signature) linked to the pickup; details hold its SHA-256 and reference.
    case attachProof
    /// Into a downstream station's relay bin (details: `to`, the station's id).
    case relay
    case pullBack
    case forward

    /// The event an action logs: stored under the action's own name.
    public init(_ action: ParcelAction) {
        switch action {
        case .shelve: self = .shelve
        case .notify: self = .notify
        case .pickUp: self = .pickUp
        case .requestReturn: self = .requestReturn
        case .cancelReturn: self = .cancelReturn
        case .completeReturn: self = .completeReturn
        case .flagException: self = .flagException
        case .resolveException: self = .resolveException
        case .undoIntake: self = .undoIntake
        case .undoPickup: self = .undoPickup
        case .setPhone: self = .setPhone
        case .reportProblem: self = .reportProblem
        case .resolveProblem: self = .resolveProblem
        case .writeOff: self = .writeOff
        case .attachProof: self = .attachProof
        case .relay: self = .relay
        case .pullBack: self = .pullBack
        case .forward: self = .forward
        }
    }
}

/// One append-only entry of the ledger's event log.
public struct ParcelEvent: Sendable, Equatable {
    public let id: Int64
    /// A globally unique id (station sync uses it to stay idempotent).
    public let uid: String
    public let parcelID: Int64
    public let tracking: String
    public let kind: ParcelEventKind
    public let fromState: ParcelState?
    public let toState: ParcelState
    public let at: Int64
    /// Who caused it: staff name, client name and peer user, as the engine formats it.
    public let actor: String
    /// Small structured facts (pickup code, pickup id, reason); never a full phone number.
    public let details: [String: String]
}

/// The proof recorded when parcels are handed out.
public struct PickupProof: Sendable {
    public let at: Int64
    public let staff: String
    public let client: String
    /// How the recipient identified themselves: `code`, `phoneTail` or `phone`.
    public let method: String
    /// Name of the person collecting for the recipient (代取), when not the recipient.
    public let collector: String?

    public init(at: Int64, staff: String, client: String, method: String, collector: String?) {
        self.at = at
        self.staff = staff
        self.client = client
        self.method = method
        self.collector = collector
    }
}

/// Filters for `LedgerReader.search`.
public struct ParcelQuery: Sendable {
    public var tracking: String?
    public var pickupCode: PickupCode?
    public var phoneTail: String?
    public var states: [ParcelState]?
    /// Only parcels still at the station.
    public var activeOnly: Bool
    public var limit: Int

    public init(
        tracking: String? = nil, pickupCode: PickupCode? = nil, phoneTail: String? = nil, states: [ParcelState]? = nil,
        activeOnly: Bool = false, limit: Int = 100
    ) {
        self.tracking = tracking
        self.pickupCode = pickupCode
        self.phoneTail = phoneTail
        self.states = states
        self.activeOnly = activeOnly
        self.limit = limit
    }
}

/// Backlog: parcels waiting for pickup, by age bucket and courier.
public struct BacklogReport: Sendable, Equatable {
    public struct Bucket: Sendable, Equatable {
        /// Inclusive lower bound in hours.
        public let fromHours: Int
        /// Exclusive upper bound in hours; nil for the open last bucket.
        public let toHours: Int?
        public let count: Int
    }
    public struct CourierRow: Sendable, Equatable {
        public let courier: String
        public let total: Int
        /// Counts per bucket, in the order of `buckets`.
        public let counts: [Int]
    }
    public let generatedAt: Int64
    public let olderThanHours: Int
    public let total: Int
    public let buckets: [Bucket]
    public let byCourier: [CourierRow]
    /// The longest-waiting parcels, oldest first.
    public let oldest: [ParcelRecord]
    /// Of the parcels counted, those whose recipient was notified (state `notified`), and those past the hold
    /// period (nil unless asked for with `holdHours`).
    public var notified: Int = 0
    public var overdue: Int? = nil
}

/// Counts for `Station.Status`.
public struct LedgerCounts: Sendable, Equatable {
    public let byState: [ParcelState: Int]
    public let events: Int64
    public let lastEventAt: Int64?
}
