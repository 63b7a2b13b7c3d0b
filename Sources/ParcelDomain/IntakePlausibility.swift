/// Why a scan is not taken in as a parcel, though it reads cleanly: a barcode of the wrong kind scanned at the
/// intake desk. Each kind has the line the counter display shows, in Chinese, saying what it is and what to do.
public enum NotAParcel: String, Sendable, CaseIterable, Codable {
    /// A product's barcode (EAN-13, EAN-8, UPC-A/E, ISBN), scanned off the goods instead of the waybill.
    case productCode
    /// A GS1 SSCC bag or pallet label (总包/袋号): it belongs to a handoff, not to the shelf.
    case bagLabel
    /// A command sheet or a courier's badge scanned where it means nothing.
    case command
    /// Fewer than `IntakePlausibility.minimumLength` characters: no courier issues numbers that short.
    case tooShort
    /// Letters only: every waybill number has digits.
    case noDigits

    /// The counter display's line.
    public var displayLine: String {
        switch self {
        case .productCode: "这是商品条码，不是快递单号：请扫描面单上的运单条码"
        case .bagLabel: "这是总包/袋号条码：请在交接时扫描，不能作为包裹入库"
        case .command: "这是命令条码或工牌：请在对应的扫描枪或交接页面扫描，未入库"
        case .tooShort: "号码太短，不是快递单号：请重新扫描面单条码"
        case .noDigits: "号码中没有数字，不是快递单号：请重新扫描面单条码"
        }
    }
}

/// One rule of the intake's plausibility check, kept as data beside the courier table (`CourierRule`), with the
/// vectors `ParcelDomainTests` run for every rule: texts it must refuse and texts it must let through.
public struct PlausibilityRule: Sendable {
    public let refusal: NotAParcel
    /// What the rule recognises, in words (logged and recorded with a forced intake).
    public let name: String
    /// A whole-string pattern over the normalised text; nil for rules decided by the symbology alone.
    public let pattern: String?
    /// AIM symbology identifiers that prove the kind whatever the text (`]E0` is EAN/UPC).
    public let symbologies: [String]
    /// A check digit the text must carry for the rule to apply (a product code always has one).
    public let checksum: Checksum
    /// The rule stands back when a courier rule at least this strong also matches (a genuine waybill number can
    /// pass a product code's check digit by chance: one in ten). Nil: the rule applies whatever matches.
    public let yieldsToCourierStrength: Int?
    /// Vectors: raw scans (an AIM prefix may lead) the rule refuses, and ones it lets through.
    public let refuses: [String]
    public let admits: [String]

    init(
        _ refusal: NotAParcel, _ name: String, pattern: String?, symbologies: [String] = [], checksum: Checksum = .none,
        yieldsToCourierStrength: Int? = nil, refuses: [String], admits: [String]
    ) {
        self.refusal = refusal
        self.name = name
        self.pattern = pattern
        self.symbologies = symbologies
        self.checksum = checksum
        self.yieldsToCourierStrength = yieldsToCourierStrength
        self.refuses = refuses
        self.admits = admits
    }
}

extension PlausibilityRule {
    /// The table, in the order the rules are tried. Lengths and "no digits" are rules too, so every refusal the
    /// intake makes is listed here with its vectors.
    public static let table: [PlausibilityRule] = [
        PlausibilityRule(
            .noDigits, "letters only", pattern: #"[A-Z]+"#,
            refuses: ["XYZ", "ABCDEFGHIJ", "]C0NOCODE"], admits: ["SF1234567890123", "A1234567"]),
        PlausibilityRule(
            .tooShort, "shorter than 8 characters", pattern: #"[A-Z0-9]{1,7}"#,
            refuses: ["1", "1234567", "AB12"], admits: ["12345678X", "JT1234567890123"]),
        PlausibilityRule(
            .bagLabel, "GS1 SSCC (AI 00)", pattern: #"00[0-9]{18}"#, checksum: .gs1Mod10,
            refuses: ["00106141411234567897", "]C100106141411234567897", "(00)069420000000000014"],
            admits: ["00106141411234567890", "001061414112345678"]),
        PlausibilityRule(
            .productCode, "EAN/UPC symbology", pattern: nil, symbologies: ["]E0", "]E1", "]E2", "]E3", "]E4"],
            refuses: ["]E04006381333931", "]E036000291452", "]E412345670"], admits: ["]C0SF1234567890123"]),
        PlausibilityRule(
            .productCode, "ISBN (978/979)", pattern: #"97[89][0-9]{10}"#, checksum: .gs1Mod10,
            refuses: ["9787115293800", "9791032305690"], admits: ["9787115293801", "9801234567893"]),
        PlausibilityRule(
            .productCode, "EAN-13, China (690–699)", pattern: #"69[0-9]{11}"#, checksum: .gs1Mod10,
            refuses: ["6901234567892", "6920152400029"], admits: ["6901234567891", "69012345678923"]),
        PlausibilityRule(
            .productCode, "EAN-13", pattern: #"[0-9]{13}"#, checksum: .gs1Mod10, yieldsToCourierStrength: 1,
            refuses: ["4006381333931", "5012345678900", "0012345678905"],
            // Yunda (43…) and EMS domestic (1…/9…) numbers with a valid EAN check digit stay parcels.
            admits: ["4312345678905", "1123456789014", "4006381333932"]),
        PlausibilityRule(
            .productCode, "UPC-A", pattern: #"[0-9]{12}"#, checksum: .gs1Mod10, yieldsToCourierStrength: 2,
            // The legacy 12-digit SF and STO formats are weak evidence (strength 1): a legacy number with a valid
            // UPC check digit is refused and needs the staff override.
            refuses: ["036000291452", "012345678905"], admits: ["036000291453", "SF1234567890"]),
        PlausibilityRule(
            .productCode, "EAN-8", pattern: #"[0-9]{8}"#, checksum: .gs1Mod10, yieldsToCourierStrength: 1,
            refuses: ["96385074", "40170725"], admits: ["96385075", "12345678"]),
        PlausibilityRule(
            .productCode, "UPC-E", pattern: #"[01][0-9]{7}"#, checksum: .upcE, yieldsToCourierStrength: 1,
            refuses: ["04252614", "01234565"], admits: ["04252615", "21234565"]),
    ]
}

/// The intake's check that a clean scan is a waybill number at all. Pure: the caller gives the scan, its courier
/// candidates and the symbology the reader reported.
public struct IntakePlausibility: Sendable {
    struct CompiledRule: @unchecked Sendable {
        // `Regex<AnyRegexOutput>` is immutable once built; it is only ever read.
        let rule: PlausibilityRule
        let regex: Regex<AnyRegexOutput>?
        let shape: PatternShape?
    }

    /// What a refused scan is, and by which rule.
    public struct Refusal: Sendable, Equatable {
        public let kind: NotAParcel
        public let rule: String
        public init(kind: NotAParcel, rule: String) {
            self.kind = kind
            self.rule = rule
        }
    }

    public static let minimumLength = 8
    public static let standard = IntakePlausibility(rules: PlausibilityRule.table)

    let rules: [CompiledRule]

    public init(rules: [PlausibilityRule]) {
        // The patterns are literals in this module; one that does not compile is a programmer error.
        self.rules = rules.map { rule in
            CompiledRule(rule: rule, regex: rule.pattern.map { try! Regex($0) }, shape: rule.pattern.flatMap(PatternShape.init(pattern:)))
        }
    }

    /// The refusal for `scan`, or nil when it may be a parcel. `symbology` is the reader's AIM identifier when it
    /// reported one apart from the text; one leading the text is in `scan.symbologyIdentifier`.
    public func refusal(for scan: ScanText, candidates: [CourierCandidate], symbology: String? = nil) -> Refusal? {
        let identifiers = [scan.symbologyIdentifier, symbology].compactMap { $0?.uppercased() }
        let strongest = candidates.lazy.filter { $0.code != CourierCandidate.unknownCode }.map(\.strength).max() ?? 0
        for compiled in rules {
            let rule = compiled.rule
            if !rule.symbologies.isEmpty {
                if identifiers.contains(where: { id in rule.symbologies.contains { id.hasPrefix($0) } }) {
                    return Refusal(kind: rule.refusal, rule: rule.name)
                }
                continue
            }
            guard let regex = compiled.regex else { continue }
            if let shape = compiled.shape, !shape.admits(scan.text) { continue }
            guard (try? regex.wholeMatch(in: scan.text)) != nil else { continue }
            if rule.checksum != .none {
                let length = scan.text.count
                guard rule.checksum.mismatch(in: scan.text, checkDigitOffset: length - 1, dataRange: 0..<(length - 1)) == nil else {
                    continue
                }
            }
            if let strength = rule.yieldsToCourierStrength, strongest >= strength { continue }
            return Refusal(kind: rule.refusal, rule: rule.name)
        }
        return nil
    }

    /// Whether raw scanner text is a command sheet's code (`PSCMD:…`), which intake never takes in.
    public static func isCommand(_ raw: String) -> Bool {
        var text = Substring(raw.uppercased()).drop { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }
        if text.first == "]" && text.count > 3 { text = text.dropFirst(3) }
        return text.hasPrefix(CommandBarcode.prefix)
    }
}
