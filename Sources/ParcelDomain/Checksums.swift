/// Check-digit algorithms named by the courier rule table.
public enum Checksum: String, Sendable, Codable {
    /// No check digit is published (most Chinese domestic couriers).
    case none
    /// UPU S10: weights 8 6 4 2 3 5 9 7 on the 8 serial digits, 11 − (sum mod 11), 10 → 0, 11 → 5.
    case s10
    /// GS1 mod-10 (GenSpecs §7.9.1) over every digit but the last, which is the check digit.
    case gs1Mod10
    /// UPC-E (8 digits: number system 0 or 1, six data digits, check digit): the GS1 mod-10 digit of the UPC-A
    /// number it stands for, expanded by the rule of its last data digit.
    case upcE

    /// The check digit the algorithm expects for `digits` (the data digits, without the check digit).
    static func s10CheckDigit(serial: some Collection<Character>) -> Character? {
        let weights = [8, 6, 4, 2, 3, 5, 9, 7]
        guard serial.count == 8 else { return nil }
        var sum = 0
        for (digit, weight) in zip(serial, weights) {
            guard let value = digit.wholeNumberValue else { return nil }
            sum += value * weight
        }
        let check = 11 - sum % 11
        switch check {
        case 10: return "0"
        case 11: return "5"
        default: return Character(String(check))
        }
    }

    /// The 11 data digits of the UPC-A number a UPC-E number (number system + six digits) stands for.
    static func upcEExpanded(_ digits: [Character]) -> [Character]? {
        guard digits.count == 7, digits[0] == "0" || digits[0] == "1" else { return nil }
        let d = Array(digits[1...])
        let zeros = { (count: Int) in [Character](repeating: "0", count: count) }
        let body: [Character]
        switch d[5] {
        case "0", "1", "2": body = [d[0], d[1], d[5]] + zeros(4) + [d[2], d[3], d[4]]
        case "3": body = [d[0], d[1], d[2]] + zeros(5) + [d[3], d[4]]
        case "4": body = [d[0], d[1], d[2], d[3]] + zeros(5) + [d[4]]
        default: body = [d[0], d[1], d[2], d[3], d[4]] + zeros(4) + [d[5]]
        }
        return [digits[0]] + body
    }

    static func gs1CheckDigit(data: some BidirectionalCollection<Character>) -> Character? {
        var sum = 0
        // From the rightmost data digit, weights 3, 1, 3, 1…
        for (index, digit) in data.reversed().enumerated() {
            guard let value = digit.wholeNumberValue else { return nil }
            sum += value * (index % 2 == 0 ? 3 : 1)
        }
        return Character(String((10 - sum % 10) % 10))
    }

    /// Verifies the check digit of `number` under this algorithm. Returns the expected and found digits when
    /// they differ, nil when the number is valid (or the algorithm is `.none`).
    func mismatch(in number: String, checkDigitOffset: Int, dataRange: Range<Int>) -> (expected: Character, found: Character)? {
        let chars = Array(number)
        guard checkDigitOffset < chars.count, dataRange.upperBound <= chars.count else { return nil }
        let found = chars[checkDigitOffset]
        let data = chars[dataRange]
        let expected: Character?
        switch self {
        case .none: return nil
        case .s10: expected = Self.s10CheckDigit(serial: data)
        case .gs1Mod10: expected = Self.gs1CheckDigit(data: data)
        case .upcE: expected = Self.upcEExpanded(Array(data)).flatMap { Self.gs1CheckDigit(data: $0) }
        }
        guard let expected else { return ("?", found) }
        return expected == found ? nil : (expected, found)
    }
}
