public import ParcelDomain

/// Use-case failures that are neither domain rule violations nor storage failures.
public enum EngineError: Error, Equatable, Sendable {
    /// No parcel with this tracking number.
    case parcelNotFound(String)
    /// The request names neither a pickup code nor a phone tail, or both.
    case credentialRequired
    /// No parcel is waiting for this code or phone tail.
    case noParcelForCredential
    /// The parcel does not belong to the code or phone tail the recipient gave.
    case credentialMismatch(tracking: String)
    /// The parcel is not waiting for pickup (already picked up, returned, in exception…).
    case notAwaitingPickup(tracking: String, state: ParcelState)
    /// A parameter that is present but unusable.
    case invalidParameter(name: String, reason: String)
    /// No scanner with that id has been seen since the daemon started.
    case scannerNotFound(String)
    /// No handoff with that id.
    case handoffNotFound(String)
    /// The handoff is closed; its receipt is final.
    case handoffClosed(String)
    /// No courier or driver with that id is configured.
    case unknownParty(String)
    /// The badge or PIN did not match the handoff's courier; `attemptsLeft` before a lockout.
    case confirmationFailed(attemptsLeft: Int)
    /// Too many wrong PINs: no PIN is accepted until `until` (ms since 1970).
    case lockedOut(until: Int64)
    /// Too many wrong pickup codes or phone numbers from this client or at this counter: none is checked until
    /// `until` (ms since 1970).
    case tooManyPickupAttempts(until: Int64)
    case discrepancyNotFound(Int64)
    case discrepancyResolved(Int64)
    /// That waybill is already waiting here to be sent.
    case outgoingDuplicate(String)
    case complaintNotFound(Int64)
    case complaintResolved(Int64)
    case problemNotFound(Int64)
    case problemResolved(Int64)
    /// The parcel already has an open problem (its id): resolve it first.
    case problemAlreadyOpen(Int64)
    case stocktakeNotFound(String)
    case stocktakeClosed(String)
    /// A scanner sent input that is no code (unknown keys, a malformed report), with the reader's reason.
    case unreadableScan(String)
    /// The step is older than the undo window (or undo is off: `windowMinutes` 0); `at` is when it happened.
    case undoWindowPassed(step: String, at: Int64, windowMinutes: Int)
    /// The intake is part of a handoff's record (handoff id): correct it there, not by undoing.
    case undoOnHandoff(tracking: String, handoff: String)
    /// The destination names neither this station nor a downstream station it relays to (or two equally).
    case unknownDestination(String)
    /// A signed document names a signer that is not a station of `chain.stations` with a public key.
    case unknownSigner(String)
    /// A signed manifest addressed to another station (its id).
    case notAddressedHere(String)
    /// The handoff is not one between this station and another parcel-station (or not in the right direction).
    case notStationHandoff(String)
    /// A receipt naming a manifest (its digest) this station never signed for that station: no such handoff.
    case receiptForUnknownManifest(String)
    /// A signed document that does not verify (forged, altered, signed with another key), with why.
    case badSignature(String)
    /// A bag label the inbound handoff's manifest does not list.
    case unknownBag(String)
    /// Only a parcel in transit (in a relay bin) can be pulled back or forwarded.
    case notInTransit(tracking: String, state: ParcelState)
    /// A label photo that could not be decoded: the decoder's rejection (its message is for the client, its
    /// detail only for the log).
    case imageRejected(ImageRejection)
}
