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
    /// Its intake was undone (scanned in by mistake) within the undo window. Final: the stay never counted.
    case voided
    /// A problem parcel (问题件) closed without the parcel: lost and compensated, or written off. Final: it
    /// releases its code and tracking number like a pickup or a return.
    case writtenOff
    /// For a downstream station (中转): kept in that station's relay bin, with no pickup code and no notice,
    /// until it leaves on an outbound transfer handoff to it.
    case inTransit
    /// Sent on to the downstream station it was for. Final: the stay here ended when the transfer closed.
    case forwarded

    /// States in which the parcel is still the station's responsibility; the tracking number and pickup code
    /// are unique among these.
    public static let active: [ParcelState] = [.received, .shelved, .notified, .returnRequested, .exception, .inTransit]
    /// States in which the parcel sits on a shelf waiting for its recipient: what backlog counts.
    public static let awaitingPickup: [ParcelState] = [.shelved, .notified]

    public var isActive: Bool { Self.active.contains(self) }
    /// Final states release the pickup code and the tracking number.
    public var isFinal: Bool { Self.final.contains(self) }
    /// States that end a stay.
    public static let final: [ParcelState] = [.pickedUp, .returned, .voided, .writtenOff, .forwarded]
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
    /// Staff take back an intake made by mistake, soon after it (see `ParcelLifecycle.undoWindow`).
    case undoIntake
    /// Staff take back a pickup confirmed by mistake, soon after it: the parcel goes back on its shelf.
    case undoPickup
    /// Staff add or replace the recipient's phone (a privacy waybill prints only a masked number). The state
    /// stays: only a parcel still waiting here, before it is handed out or sent back, may change its recipient.
    case setPhone
    /// A problem (问题件) is recorded on a parcel whose state it does not change: one already flagged, or one
    /// whose stay has ended (collected by the wrong person, 错拿/冒领). The problem's own record holds the rest.
    case reportProblem
    /// A problem recorded by `reportProblem` is closed; the state stays.
    case resolveProblem
    /// A problem parcel is closed without the parcel (compensated, written off): the stay ends.
    case writeOff
    /// A photo (出库拍照) or signature is linked to a pickup; its SHA-256 goes into the custody log. The state stays.
    case attachProof
    /// The parcel is for a downstream station (by its manifest line, or sent on by hand when misrouted to us,
    /// 错分): into that station's relay bin. A pickup code it had is released and its notices stop.
    case relay
    /// An in-transit parcel is for this station after all: back into local pickup, with a pickup code.
    case pullBack
    /// An in-transit parcel left on the outbound transfer handoff to its station, and the handoff closed.
    case forward
}

/// The lifecycle as an explicit table: `(state, action) → state`. Anything not in the table is illegal.
public enum ParcelLifecycle {
    /// Every legal transition but `undoPickup`, whose target is recorded history (see `undoingPickup`).
    public static let transitions: [ParcelState: [ParcelAction: ParcelState]] = [
        .received: [
            .shelve: .shelved, .flagException: .exception, .requestReturn: .returnRequested, .undoIntake: .voided,
            .setPhone: .received, .relay: .inTransit,
        ],
        .shelved: [
            .notify: .notified, .pickUp: .pickedUp, .requestReturn: .returnRequested, .flagException: .exception,
            .undoIntake: .voided, .setPhone: .shelved, .relay: .inTransit,
        ],
        .notified: [
            // A reminder is another notice: notified → notified is legal and logged.
            .notify: .notified, .pickUp: .pickedUp, .requestReturn: .returnRequested, .flagException: .exception,
            .undoIntake: .voided, .setPhone: .notified, .relay: .inTransit,
        ],
        .returnRequested: [.cancelReturn: .shelved, .completeReturn: .returned, .flagException: .exception],
        .exception: [
            .resolveException: .shelved, .requestReturn: .returnRequested, .writeOff: .writtenOff, .reportProblem: .exception,
            .resolveProblem: .exception, .relay: .inTransit,
        ],
        .pickedUp: [.attachProof: .pickedUp, .reportProblem: .pickedUp, .resolveProblem: .pickedUp],
        .returned: [.reportProblem: .returned, .resolveProblem: .returned],
        .voided: [:],
        .writtenOff: [.resolveProblem: .writtenOff],
        // Sent on to another station of ours (re-routed there), back into local pickup, or away to its station.
        .inTransit: [
            .relay: .inTransit, .pullBack: .shelved, .forward: .forwarded, .flagException: .exception, .undoIntake: .voided,
            .setPhone: .inTransit,
        ],
        .forwarded: [.reportProblem: .forwarded, .resolveProblem: .forwarded],
    ]

    /// The state after `action`, or `DomainError.illegalTransition`.
    public static func apply(_ action: ParcelAction, to state: ParcelState) throws -> ParcelState {
        guard let next = transitions[state]?[action] else {
            throw DomainError.illegalTransition(from: state, action: action)
        }
        return next
    }

    /// Undoing a pickup returns the parcel to the state the pickup took it from (`shelved` or `notified`, as the
    /// pickup's event recorded), so a recipient who was told keeps counting as told.
    public static func undoingPickup(from state: ParcelState, pickedUpFrom previous: ParcelState?) throws -> ParcelState {
        guard state == .pickedUp, let previous, ParcelState.awaitingPickup.contains(previous) else {
            throw DomainError.illegalTransition(from: state, action: .undoPickup)
        }
        return previous
    }

    /// Whether a step taken at `stepAt` may still be undone at `now`: undo is for a slip noticed at the counter
    /// ("wrong parcel!"), not for rewriting history later, which takes a forward action (return, exception).
    public static func canUndo(stepAt: Int64, now: Int64, windowSeconds: Int) -> Bool {
        // A clock stepped back since the step makes it look younger, which is still "just now".
        now - stepAt <= Int64(windowSeconds) * 1000
    }

    /// Whether a parcel in `state` has been waiting longer than `holdHours` since it was shelved: the flag
    /// that lets staff decide between keeping and returning it.
    public static func isOverdue(state: ParcelState, shelvedAt: Int64?, now: Int64, holdHours: Int) -> Bool {
        guard ParcelState.awaitingPickup.contains(state), let shelvedAt else { return false }
        return now - shelvedAt >= Int64(holdHours) * 3_600_000
    }
}
