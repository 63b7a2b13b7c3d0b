import ParcelDomain

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
}
