/// A raw scan reduced to the text a waybill number is made of.
///
/// Scanners and label decoders hand over text with noise around it: a trailing CR/LF or TAB from a keyboard-style
/// scanner, an AIM symbology identifier (`]C1`), GS1 human-readable parentheses, stray control characters. The
/// normaliser removes that noise, keeps what it learned from it (symbology, GS1 application identifier) and
/// never loses the raw text, which the ledger stores beside the normalised number.
public struct ScanText: Equatable, Sendable {
    /// The text exactly as scanned (control characters included).
    public let raw: String
    /// The normalised number: upper-case letters and digits only.
    public let text: String
    /// The AIM / ISO 15424 symbology identifier that prefixed the scan, such as `]C1`, when there was one.
    public let symbologyIdentifier: String?
    /// True when the scan declared itself GS1 data: `]C1`, `]d2`, `]Q3`, `]e0` or a leading `(00)` style AI.
    public let isGS1: Bool

    /// The longest normalised number accepted. S10 is 13, SSCC with its AI 20, JD up to 18; 40 leaves room for
    /// couriers no table knows without letting a pasted paragraph through.
    public static let maximumLength = 40
    /// The longest raw scan looked at; longer input is rejected before any work is done on it.
    public static let maximumRawLength = 256

    /// Symbology identifiers whose data is GS1 element strings (FNC1 in first position).
    static let gs1Identifiers: Set<String> = ["]C1", "]d2", "]Q3", "]e0", "]J1"]

    /// Normalises `raw`; throws `DomainError` for empty, over-long or ill-formed input.
    public init(raw: String) throws { try self.init(raw: raw, plainShortcut: true) }

    /// `plainShortcut: false` runs every step even for plain text: the tests' reference for the shortcut.
    init(raw: String, plainShortcut: Bool) throws {
        self.raw = raw
        guard raw.unicodeScalars.count <= Self.maximumRawLength else {
            throw DomainError.scanTooLong(length: raw.unicodeScalars.count, limit: Self.maximumRawLength)
        }
        // The common case, a scanner's plain letters and digits, needs none of the steps below but the
        // upper-casing; the Unicode property lookups they make were a visible share of every intake.
        if plainShortcut, let plain = Self.plainASCII(raw) {
            self.text = plain
            self.symbologyIdentifier = nil
            self.isGS1 = false
            return
        }
        // Control characters (CR, LF, TAB, GS, NUL…) and spaces are framing, never part of a number.
        var scalars = raw.unicodeScalars.filter { !($0.properties.generalCategory == .control || $0 == " " || $0 == "\u{3000}") }
        var identifier: String? = nil
        if scalars.count >= 3, scalars.first == "]" {
            let id = String(String.UnicodeScalarView(scalars.prefix(3)))
            identifier = id
            scalars.removeFirst(3)
        }
        var text = String(String.UnicodeScalarView(scalars))
        var gs1 = identifier.map { Self.gs1Identifiers.contains($0) } ?? false
        // Human-readable GS1 form, "(00)123…": drop the parentheses, keep the AI digits.
        if text.hasPrefix("(") {
            text.removeAll { $0 == "(" || $0 == ")" }
            gs1 = true
        }
        // Full-width digits and letters (typed on a Chinese IME) become their ASCII forms.
        text = String(
            text.unicodeScalars.map { scalar -> Character in
                if (0xFF10...0xFF19).contains(scalar.value) || (0xFF21...0xFF3A).contains(scalar.value)
                    || (0xFF41...0xFF5A).contains(scalar.value)
                {
                    return Character(Unicode.Scalar(scalar.value - 0xFEE0)!)
                }
                return Character(scalar)
            })
        // Hyphens appear in some printed numbers ("JT-…"); they carry no meaning for matching, so the length
        // limit applies to what is left.
        text.removeAll { $0 == "-" }
        guard !text.isEmpty else { throw DomainError.emptyScan }
        guard text.count <= Self.maximumLength else {
            throw DomainError.scanTooLong(length: text.count, limit: Self.maximumLength)
        }
        // Checked before upper-casing, which would turn some non-ASCII letters (dotless ı) into ASCII ones.
        if let bad = text.first(where: { !($0.isASCII && ($0.isLetter || $0.isNumber)) }) {
            throw DomainError.invalidCharacter(bad)
        }
        text = text.uppercased()
        self.text = text
        self.symbologyIdentifier = identifier
        self.isGS1 = gs1
    }

    /// `raw` upper-cased when it is 1 to `maximumLength` ASCII letters and digits and nothing else, which the
    /// full normalisation would return unchanged but for the case; nil otherwise.
    static func plainASCII(_ raw: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.utf8.count)
        for byte in raw.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte)
            case UInt8(ascii: "a")...UInt8(ascii: "z"): bytes.append(byte - 32)
            default: return nil
            }
            if bytes.count > maximumLength { return nil }
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
