// Parcels: intake, lookup, returns, undo, and their pickup notices.

extension Method {
    public static let intake = MethodDeclaration<IntakeParams, ParcelResult>("Parcel.Intake", .write)
    public static let get = MethodDeclaration<GetParams, GetResult>("Parcel.Get", .read)
    public static let search = MethodDeclaration<SearchParams, ParcelsResult>("Parcel.Search", .read)
    public static let returnParcel = MethodDeclaration<ReturnParams, ParcelResult>("Parcel.Return", .write)
    public static let undo = MethodDeclaration<UndoParams, ParcelResult>("Parcel.Undo", .write)
    public static let notices = MethodDeclaration<GetParams, NoticesResult>("Notice.List", .read)
    /// Adds or replaces the recipient's phone (full number or last 4 digits) of a parcel still waiting here (since 1.6).
    public static let setPhone = MethodDeclaration<SetPhoneParams, ParcelResult>("Parcel.SetPhone", .write)

    static let parcelArea: [Method] = [
        intake.method, get.method, search.method, returnParcel.method, undo.method, notices.method, setPhone.method,
    ]
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
    /// `received`, `shelved`, `notified`, `pickedUp`, `returnRequested`, `returned`, `exception`, `voided`,
    /// `writtenOff`, `inTransit` or `forwarded` (the last two since 1.8).
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
    /// In transit (or forwarded): the downstream station whose relay bin holds it, its id and name (since 1.8).
    public var relayTo: String?
    public var relayName: String?

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
    /// `flagException`, `resolveException`, `undoIntake`, `undoPickup`, `setPhone` (since 1.6; the state stays).
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

public struct IntakeParams: RequestParams, Equatable {
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
    /// Take the number in even if it does not look like a waybill (a product code, a bag label, fewer than 8
    /// characters, no digits: the `notAParcel.*` errors); recorded as forced (since 1.7). A command or a
    /// courier's badge is never taken in.
    public var force: Bool?
    /// Where the parcel goes when its label says (a village, a sort code, a station): one a downstream station
    /// serves takes it in as `inTransit`, into that station's relay bin, without a code (since 1.8); one no
    /// station serves is refused (`relay.unknownDestination`).
    public var destination: String?

    public init(
        tracking: String, phone: String? = nil, phoneTail: String? = nil, courier: String? = nil, staff: String? = nil,
        force: Bool? = nil, destination: String? = nil
    ) {
        self.tracking = tracking
        self.phone = phone
        self.phoneTail = phoneTail
        self.courier = courier
        self.staff = staff
        self.force = force
        self.destination = destination
    }
}

public struct ParcelResult: Codable, Sendable, Equatable {
    public var parcel: ParcelDTO
    /// True when the parcel was already at the station: nothing was written.
    public var `repeat`: Bool
    /// On a forced intake, the plausibility rule it overrode, e.g. `EAN-13` (since 1.7; absent otherwise).
    public var forced: String?

    public init(parcel: ParcelDTO, repeat: Bool, forced: String? = nil) {
        self.parcel = parcel
        self.repeat = `repeat`
        self.forced = forced
    }
}

public struct GetParams: RequestParams, Equatable {
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

public struct SearchParams: RequestParams, Equatable {
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

    public func validate() throws(WireError) { try ParamCheck.limit(limit) }
    /// `limit`, or the default when not given.
    public var effectiveLimit: Int { limit ?? ParamCheck.defaultLimit }
}

public struct ParcelsResult: Codable, Sendable, Equatable {
    public var parcels: [ParcelDTO]
    public init(parcels: [ParcelDTO]) { self.parcels = parcels }
}

public struct ReturnParams: RequestParams, Equatable {
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

public struct UndoParams: RequestParams, Equatable {
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

public struct SetPhoneParams: RequestParams, Equatable {
    public var tracking: String
    /// The recipient's full number; stored as tail + salted hash (as intake does), never returned.
    public var phone: String?
    /// The last 4 digits, when only those are known (privacy waybills print a masked number).
    public var phoneTail: String?
    /// The staff member making the change; recorded as the event's actor.
    public var staff: String?

    public init(tracking: String, phone: String? = nil, phoneTail: String? = nil, staff: String? = nil) {
        self.tracking = tracking
        self.phone = phone
        self.phoneTail = phoneTail
        self.staff = staff
    }

    public func validate() throws(WireError) {
        try ParamCheck.exactlyOne(("phone", phone), ("phoneTail", phoneTail))
        if let phoneTail, phoneTail.count != 4 || !phoneTail.allSatisfy({ $0.isASCII && $0.isNumber }) {
            throw WireError(.invalidParams, "phoneTail: the last 4 digits of the phone number")
        }
    }
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
        key: String, status: String, text: String?, queuedAt: String, nextAttemptAt: String, lastReason: String?,
        attempts: [NoticeAttemptDTO]
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
