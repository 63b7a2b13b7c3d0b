/// A recipient's or sender's phone number as the station may hold it.
///
/// Privacy waybills (隐私面单) often show only the last four digits, so the tail is the key used for pickup;
/// the full number, when known, is kept only as a salted hash (and in clear only if the station opts in).
public struct PhoneNumber: Sendable, Equatable {
    /// Digits only, with a leading +86 / 0086 country code removed.
    public let digits: String

    /// Accepts mainland mobile numbers (11 digits starting 1), landlines with area code (7–12 digits), with or
    /// without `+86`, spaces and dashes. Virtual numbers with an extension (`…转1234`, `…-1234` after 11
    /// digits) keep only the main number.
    public init(parsing text: String) throws {
        var digits = String(text.filter(\.isASCII).filter(\.isNumber))
        if text.contains("转") || text.contains(",") {
            // Virtual number with extension: the part before the separator is the number.
            let main = text.split(whereSeparator: { $0 == "转" || $0 == "," }).first.map(String.init) ?? ""
            digits = String(main.filter(\.isASCII).filter(\.isNumber))
        }
        if digits.hasPrefix("0086") { digits.removeFirst(4) } else if digits.hasPrefix("86") && digits.count == 13 { digits.removeFirst(2) }
        guard (7...12).contains(digits.count) else {
            throw DomainError.invalidPhone(reason: "a phone number has 7 to 12 digits (11 for a mobile)")
        }
        self.digits = digits
    }

    /// The last four digits (手机尾号).
    public var tail: String { String(digits.suffix(4)) }

    /// Validates a tail given on its own: exactly four ASCII digits.
    public static func validateTail(_ text: String) throws -> String {
        let trimmed = String(text.trimmingSpaces())
        guard trimmed.count == 4, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw DomainError.invalidPhone(reason: "a phone tail is exactly 4 digits")
        }
        return trimmed
    }
}
