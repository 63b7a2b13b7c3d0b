import Logging
import ParcelDomain
public import ParcelStore

extension StationEngine {
    /// A step staff may take back shortly after it, when they notice the slip at the counter.
    public enum UndoStep: String, Sendable, CaseIterable {
        /// The parcel was scanned in by mistake: its stay is voided, its code and tracking number released.
        case intake
        /// The parcel was handed to the wrong person, or not handed out at all: it goes back on its shelf.
        case pickup
    }

    /// Undoes the latest stay's intake or pickup within `settings.undoWindowMinutes`, recorded as its own
    /// event (`undoIntake`, `undoPickup`) so the log keeps both the step and its undoing. An intake recorded
    /// on a handoff is refused: the handoff's receipt counts it.
    public nonisolated func undo(_ step: UndoStep, scan: String, reason: String?, by caller: Caller) async throws -> ParcelRecord {
        let tracking = try ScanText(raw: scan).text
        let now = clock.nowMillis()
        let actor = caller.actor
        let minutes = settings.undoWindowMinutes
        let allocate = codeAllocation()
        var details = ["step": step.rawValue]
        if let reason { details["reason"] = reason }
        let parcel = try await store.write { [details] tx -> ParcelRecord in
            guard let parcel = try tx.latestParcel(tracking: tracking) else { throw EngineError.parcelNotFound(tracking) }
            switch step {
            case .intake:
                // The state first: "already picked up" says more than "too late".
                _ = try ParcelLifecycle.apply(.undoIntake, to: parcel.state)
                guard minutes > 0, ParcelLifecycle.canUndo(stepAt: parcel.receivedAt, now: now, windowSeconds: minutes * 60) else {
                    throw EngineError.undoWindowPassed(step: step.rawValue, at: parcel.receivedAt, windowMinutes: minutes)
                }
                if let handoff = try tx.handoffUID(ofParcel: parcel.id) {
                    throw EngineError.undoOnHandoff(tracking: tracking, handoff: handoff)
                }
                return try tx.apply(.undoIntake, to: parcel, at: now, actor: actor, details: details)
            case .pickup:
                guard parcel.state == .pickedUp, let pickedUpAt = parcel.releasedAt else {
                    throw DomainError.illegalTransition(from: parcel.state, action: .undoPickup)
                }
                guard minutes > 0, ParcelLifecycle.canUndo(stepAt: pickedUpAt, now: now, windowSeconds: minutes * 60) else {
                    throw EngineError.undoWindowPassed(step: step.rawValue, at: pickedUpAt, windowMinutes: minutes)
                }
                // Its code is still cooling down, so normally free; with a cool-down shorter than the undo window
                // another parcel may hold it, and this one gets a fresh code.
                let taken = try parcel.pickupCode.map { try tx.activeParcel(code: $0) != nil } ?? true
                return try tx.undoPickup(parcel, at: now, actor: actor, slot: taken ? try allocate(tx, now) : nil, details: details)
            }
        }
        logger.info("undo", metadata: ["step": "\(step.rawValue)", "parcel": "\(parcel.id)"])
        await publishIfSubscribed()
        return parcel
    }
}
