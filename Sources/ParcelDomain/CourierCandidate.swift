/// One possible courier for a scanned number, with the evidence behind it.
public struct CourierCandidate: Equatable, Sendable, Codable {
    /// The courier code (`SF`, `EMS`, …), or `UNKNOWN` when no rule matched.
    public let code: String
    /// The courier's name.
    public let name: String
    /// Why this courier is a candidate: the format matched and, where there is one, the check digit.
    public let reason: String
    /// Evidence strength (see `CourierRule.strength`); 5 means the caller named the courier.
    public let strength: Int

    public init(code: String, name: String, reason: String, strength: Int) {
        self.code = code
        self.name = name
        self.reason = reason
        self.strength = strength
    }

    /// The placeholder for a well-formed number that no rule knows.
    public static let unknownCode = "UNKNOWN"
}

/// A normalised tracking number with its ranked courier candidates.
public struct TrackingNumber: Equatable, Sendable {
    /// The scan it came from.
    public let scan: ScanText
    /// Candidates, strongest first; never empty (an unknown number has one `UNKNOWN` candidate).
    public let candidates: [CourierCandidate]

    /// The normalised number.
    public var value: String { scan.text }
    /// The best candidate's code, or nil when no rule matched.
    public var likelyCourier: String? {
        candidates.first.flatMap { $0.code == CourierCandidate.unknownCode ? nil : $0.code }
    }

    /// Normalises `raw` and ranks its courier candidates. `courierHint` (the batch's or the caller's courier)
    /// moves that courier to the top; throws for malformed input and failed check digits.
    public init(raw: String, courierHint: String? = nil, recognizer: CourierRecognizer = .standard) throws {
        let scan = try ScanText(raw: raw)
        self.scan = scan
        self.candidates = try recognizer.candidates(for: scan, hint: courierHint)
    }
}
