/// Errors the pure domain raises. Each maps to one wire error code in `StationServer`.
public enum DomainError: Error, Equatable, Sendable {
    /// The scan was empty once control characters and symbology prefixes were removed.
    case emptyScan
    /// The scan is longer than any tracking number (`limit` characters after normalisation).
    case scanTooLong(length: Int, limit: Int)
    /// The scan holds characters no waybill number uses (only the offending character is reported).
    case invalidCharacter(Character)
    /// The number has the exact shape of a checked format (UPU S10, GS1 SSCC) but its check digit is wrong.
    case checkDigitMismatch(format: String, expected: Character, found: Character)
    /// A lifecycle action that the parcel's current state does not allow.
    case illegalTransition(from: ParcelState, action: ParcelAction)
    /// A pickup code string that is not `shelf-layer-seq`.
    case malformedPickupCode(String)
    /// No shelf is configured, so no pickup code can be allocated.
    case noShelvesConfigured
    /// Every code on every layer is active or cooling down.
    case noFreePickupCode
    /// A phone number or phone tail that is not made of the expected digits.
    case invalidPhone(reason: String)
    /// A command barcode (`PSCMD:`…) that names no role.
    case unknownCommand(String)
    /// A clean scan that is plainly no waybill number (`IntakePlausibility`): refused at intake unless forced.
    case notAParcel(NotAParcel, rule: String)
}
