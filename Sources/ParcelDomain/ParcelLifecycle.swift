/// Where a parcel stands at the station. The parcel row stores the current state; the event log stores
/// every transition.
public enum ParcelState: String, CaseIterable, Sendable, Codable {
    /// Scanned in, not yet on a shelf.
    case received
    /// On a shelf with a pickup code.
    case shelved
    /// On a shelf and the recipient has been told (notice sent).
    case notified
    /// Handed to the recipient or someone collecting for them. Final.
    case pickedUp
    /// Staff decided to send it back to the courier; still physically at the station.
    case returnRequested
    /// Handed back to the courier. Final.
    case returned
    /// Something is wrong (damaged, wrong station, disputed); it needs a person.
    case exception

    /// States in which the parcel is still the station's responsibility; the tracking number and pickup code
    /// are unique among these.
    public static let active: [ParcelState] = [.received, .shelved, .notified, .returnRequested, .exception]
    /// States in which the parcel sits on a shelf waiting for its recipient: what backlog counts.
    public static let awaitingPickup: [ParcelState] = [.shelved, .notified]

    public var isActive: Bool { Self.active.contains(self) }
    /// Final states release the pickup code and the tracking number.
    public var isFinal: Bool { self == .pickedUp || self == .returned }
}

/// Something that happens to a parcel. Each action is legal from some states only.
public enum ParcelAction: String, CaseIterable, Sendable, Codable {
    /// Put on a shelf with a pickup code.
    case shelve
    /// A pickup notice went out.
    case notify
    /// The recipient (or their proxy) took it.
    case pickUp
    /// Staff decided to return it (overdue, refused, wrong station).
    case requestReturn
    /// Staff changed their mind: keep it on the shelf.
    case cancelReturn
    /// The courier took it back.
    case completeReturn
    /// Flag a problem.
    case flagException
    /// The problem is solved; back on the shelf.
    case resolveException
}

/// The lifecycle as an explicit table: `(state, action) → state`. Anything not in the table is illegal.
public enum ParcelLifecycle {
    /// Every legal transition.
    public static let transitions: [ParcelState: [ParcelAction: ParcelState]] = [
        .received: [.shelve: .shelved, .flagException: .exception, .requestReturn: .returnRequested],
        .shelved: [
            .notify: .notified, .pickUp: .pickedUp, .requestReturn: .returnRequested, .flagException: .exception,
        ],
        .notified: [
            // A reminder is another notice: notified → notified is legal and logged.
            .notify: .notified, .pickUp: .pickedUp, .requestReturn: .returnRequested, .flagException: .exception,
        ],
        .returnRequested: [.cancelReturn: .shelved, .completeReturn: .returned, .flagException: .exception],
        .exception: [.resolveException: .shelved, .requestReturn: .returnRequested],
        .pickedUp: [:],
        .returned: [:],
    ]

    /// The state after `action`, or `DomainError.illegalTransition`.
    public static func apply(_ action: ParcelAction, to state: ParcelState) throws -> ParcelState {
        guard let next = transitions[state]?[action] else {
            throw DomainError.illegalTransition(from: state, action: action)
        }
        return next
    }

    /// Whether a parcel in `state` has been waiting longer than `holdHours` since it was shelved: the flag
    /// that lets staff decide between keeping and returning it.
    public static func isOverdue(state: ParcelState, shelvedAt: Int64?, now: Int64, holdHours: Int) -> Bool {
        guard ParcelState.awaitingPickup.contains(state), let shelvedAt else { return false }
        return now - shelvedAt >= Int64(holdHours) * 3_600_000
    }
}
