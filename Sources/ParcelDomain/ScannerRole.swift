/// What a scan means, decided by where the scanner stands.
public enum ScannerRole: String, Sendable, CaseIterable, Codable {
    /// Intake desk: a scan takes the parcel in and shelves it.
    case intake
    /// Pickup counter: a scan hands out a parcel of the recipient verified at that counter.
    case pickup
    /// Handoff with a courier or driver: a scan ticks a line of the open handoff.
    case handoff
    /// Stocktake (盘点): a scan confirms the parcel is on its shelf.
    case stocktake
    /// Scans are counted and shown, and change nothing.
    case off

    /// The Chinese name shown on counter displays and printed command sheets.
    public var label: String {
        switch self {
        case .intake: "入库"
        case .pickup: "取件"
        case .handoff: "交接"
        case .stocktake: "盘点"
        case .off: "停用"
        }
    }
}

/// A printed barcode that tells the daemon to change the scanning scanner's role instead of being a parcel.
///
/// The text is `PSCMD:` followed by the role in capitals, e.g. `PSCMD:PICKUP`: only characters Code 128 and
/// Code 39 both carry, so any scanner reads it, and no courier's tracking number starts that way.
public enum CommandBarcode {
    public static let prefix = "PSCMD:"

    /// The text to print for `role`.
    public static func text(for role: ScannerRole) -> String { prefix + role.rawValue.uppercased() }

    /// The command that lets the scanner's next intake scan take in a number the plausibility check refuses
    /// (`IntakePlausibility`): for a genuine odd number, without a keyboard.
    public static let forceText = prefix + "FORCE"
    /// How long a force command waits for the scan it is for.
    public static let forceWindowSeconds = 60

    /// What a command sheet asks of the scanner that read it.
    public enum Command: Equatable, Sendable {
        /// Switch to this role.
        case setRole(ScannerRole)
        /// Take the next scan in even if it does not look like a waybill (intake scanners only).
        case forceNextIntake
    }

    /// The command in a scan; nil when the scan is not a command. Throws for a command naming nothing known, so
    /// a damaged or foreign command sheet is reported rather than taken in as a parcel.
    public static func command(in scan: String) throws -> Command? {
        var text = Substring(scan.trimmingControlCharacters().uppercased())
        // A scanner set to send AIM identifiers puts `]C0` (or similar) in front.
        if text.first == "]" && text.count > 3 { text = text.dropFirst(3) }
        guard text.hasPrefix(prefix) else { return nil }
        if text == forceText { return .forceNextIntake }
        let name = text.dropFirst(prefix.count).lowercased()
        guard let role = ScannerRole(rawValue: String(name)) else { throw DomainError.unknownCommand(String(text.prefix(40))) }
        return .setRole(role)
    }

    /// The role a scan asks for; nil when the scan is not a role command.
    public static func role(in scan: String) throws -> ScannerRole? {
        if case .setRole(let role)? = try command(in: scan) { return role }
        return nil
    }
}

extension String {
    fileprivate func trimmingControlCharacters() -> String {
        String(unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }.map(Character.init))
    }
}
