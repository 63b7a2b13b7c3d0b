/// A recipient's or sender's phone number as the station may hold it.
///
/// Privacy waybills (隐私面单) often show only the last four digits, so the tail is the key used for pickup;
/// the full number, when known, is kept only as a salted hash (and in clear only if the station opts in).
public struct PhoneNumber: Sendable, Equatable {
    /// Digits only, with a leading +86 / 0086 country code removed.
    public let digits: String

    /// Accepts mainland mobile numbers (11 digits starting 1) and landlines with area code (7–12 digits),
    /// written with or without `+86` / `0086`, spaces, dashes and parentheses. Virtual numbers with an
    /// extension (`…转1234`, `…,1234`, `…#1234`, or `…-1234` after an 11-digit mobile) keep only the main
    /// number. Anything else (letters, other punctuation) is refused rather than silently dropped.
    public init(parsing text: String) throws {
        let separators: Set<Character> = ["转", ",", "，", "#"]
        let parts = text.split(maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: separators.contains)
        var main = String(String(parts.first ?? "").trimmingSpaces())
        guard !main.isEmpty else { throw DomainError.invalidPhone(reason: "the phone number is empty") }
        guard main.allSatisfy({ ($0.isASCII && $0.isNumber) || " -()+".contains($0) }) else {
            throw DomainError.invalidPhone(reason: "a phone number has only digits, spaces, dashes, parentheses and +")
        }
        // Parentheses only group digits: "(+86) 138…", "(0755) 8888-1234".
        main.removeAll { $0 == "(" || $0 == ")" }
        main = String(main.trimmingSpaces())
        if main.hasPrefix("+") {
            guard main.hasPrefix("+86") else { throw DomainError.invalidPhone(reason: "only mainland numbers (+86)") }
            main.removeFirst(3)
        } else if main.hasPrefix("0086") {
            main.removeFirst(4)
        } else if main.filter({ $0.isNumber }).count == 13 && main.hasPrefix("86") {
            main.removeFirst(2)
        }
        var digits = String(main.filter { $0.isNumber })
        // "13812345678-1234": a mobile number with a virtual extension after a dash.
        if digits.count > 11, let dash = main.lastIndex(of: "-") {
            let before = String(main[..<dash].filter { $0.isNumber })
            if before.count == 11 && before.first == "1" { digits = before }
        }
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
