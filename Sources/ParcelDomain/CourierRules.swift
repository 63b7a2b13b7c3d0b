/// One recognisable waybill format, kept as data: a whole-string pattern, an optional check digit, how
/// specific the evidence is, and test vectors that `ParcelDomainTests` run for every rule.
///
/// Chinese domestic couriers publish no check digits and their number ranges overlap (see
/// `docs/DOMAIN.md` and STANDARDS §c.7), so a match is evidence for a *candidate*, never proof.
public struct CourierRule: Sendable {
    /// Stable courier code used on the wire (`SF`, `JD`, `JT`, `YTO`, `ZTO`, `STO`, `YUNDA`, `EMS`, `GS1`).
    public let courier: String
    /// The courier's name as station staff know it.
    public let name: String
    /// What the pattern means, in words; it becomes the candidate's reason.
    public let format: String
    /// A whole-string regular expression over the normalised text.
    public let pattern: String
    /// The check-digit algorithm, with where the check digit and its data sit in the text.
    public let checksum: Checksum
    public let checkDigitOffset: Int
    public let checkDataRange: Range<Int>
    /// When true, a number that matches the pattern but fails the check digit is rejected outright rather
    /// than merely not counted: these formats are self-checking, so a mismatch is a misread.
    public let rejectOnBadCheckDigit: Bool
    /// When true the rule only applies to scans that declared GS1 data (`]C1`, `(00)…`).
    public let requiresGS1: Bool
    /// How strong a match is: 4 = verified check digit, 3 = courier letter prefix, 2 = digit prefix and
    /// length, 1 = length only (legacy or unverified formats).
    public let strength: Int
    /// Numbers this rule must accept and must not accept.
    public let valid: [String]
    public let invalid: [String]

    init(
        _ courier: String, _ name: String, format: String, pattern: String, strength: Int,
        checksum: Checksum = .none, checkDigitOffset: Int = 0, checkDataRange: Range<Int> = 0..<0,
        rejectOnBadCheckDigit: Bool = false, requiresGS1: Bool = false,
        valid: [String], invalid: [String]
    ) {
        self.courier = courier
        self.name = name
        self.format = format
        self.pattern = pattern
        self.strength = strength
        self.checksum = checksum
        self.checkDigitOffset = checkDigitOffset
        self.checkDataRange = checkDataRange
        self.rejectOnBadCheckDigit = rejectOnBadCheckDigit
        self.requiresGS1 = requiresGS1
        self.valid = valid
        self.invalid = invalid
    }
}

extension CourierRule {
    /// The rule table. Order breaks ties between equally strong candidates.
    public static let table: [CourierRule] = [
        CourierRule(
            "EMS", "中国邮政 / EMS", format: "UPU S10: 2 letters, 8 digits, check digit, country CN",
            pattern: #"[A-Z]{2}[0-9]{9}CN"#, strength: 4,
            checksum: .s10, checkDigitOffset: 10, checkDataRange: 2..<10, rejectOnBadCheckDigit: true,
            valid: ["EA123456785CN", "RR473124829CN", "EE000000005CN", "LK012345675CN"],
            invalid: ["EA12345678CN", "EA1234567855CN", "E1123456785CN"]),
        CourierRule(
            "POST", "境外邮政 (UPU S10)", format: "UPU S10: 2 letters, 8 digits, check digit, foreign country",
            pattern: #"[A-Z]{2}[0-9]{9}(?!CN)[A-Z]{2}"#, strength: 4,
            checksum: .s10, checkDigitOffset: 10, checkDataRange: 2..<10, rejectOnBadCheckDigit: true,
            valid: ["RB123456785GB", "CP000000005US"],
            invalid: ["RB123456785CN", "RB12345678GB"]),
        CourierRule(
            "GS1", "GS1 SSCC 物流单元", format: "GS1 AI (00) SSCC: 18 digits with mod-10 check digit",
            pattern: #"00[0-9]{18}"#, strength: 4,
            checksum: .gs1Mod10, checkDigitOffset: 19, checkDataRange: 2..<19, rejectOnBadCheckDigit: true,
            requiresGS1: true,
            valid: ["00106141411234567897", "00069420000000000014"],
            invalid: ["0010614141123456789", "01106141411234567897"]),
        CourierRule(
            "SF", "顺丰速运", format: "prefix SF + 12 or 13 digits", pattern: #"SF[0-9]{12,13}"#, strength: 3,
            valid: ["SF1234567890123", "SF0000000000001", "SF123456789012"],
            invalid: ["SF12345678901", "SF12345678901234", "SFA234567890123"]),
        CourierRule(
            "JT", "极兔速递 (J&T)", format: "prefix JT + 13 digits", pattern: #"JT[0-9]{13}"#, strength: 3,
            valid: ["JT1234567890123", "JT5000112233445"], invalid: ["JT123456789012", "JTX234567890123"]),
        CourierRule(
            "YTO", "圆通速递", format: "prefix YT + 13 digits", pattern: #"YT[0-9]{13}"#, strength: 3,
            valid: ["YT1234567890123", "YT7000000000001"], invalid: ["YT12345678901234567", "YT123456789012"]),
        CourierRule(
            "JD", "京东物流", format: "prefix JD (JDV, JDX…) + 12–15 digits", pattern: #"JD[A-Z]{0,2}[0-9]{12,15}"#,
            strength: 3,
            valid: ["JD0012345678901", "JDV012345678901", "JDX000123456789012", "JDVA001234567890"],
            invalid: ["JD12345678901", "JD0123456789012345", "JDABC012345678901"]),
        CourierRule(
            "ZTO", "中通快递", format: "prefix ZTO + 12 digits", pattern: #"ZTO[0-9]{12}"#, strength: 3,
            valid: ["ZTO123456789012"], invalid: ["ZTO12345678901", "ZT1234567890123"]),
        CourierRule(
            "YUNDA", "韵达速递", format: "prefix YD + 13–15 digits", pattern: #"YD[0-9]{13,15}"#, strength: 3,
            valid: ["YD1234567890123", "YD123456789012345"], invalid: ["YD123456789012", "YD1234567890123456"]),
        CourierRule(
            "STO", "申通快递", format: "prefix 77 + 13 digits (15 digits)", pattern: #"77[0-9]{13}"#, strength: 2,
            valid: ["773012345678901", "772000000000000"], invalid: ["77301234567890", "7730123456789012"]),
        CourierRule(
            "ZTO", "中通快递", format: "prefix 73–79 + 12 digits (14 digits)", pattern: #"7[3-9][0-9]{12}"#, strength: 2,
            valid: ["75123456789012", "78000000000001", "79012345678901"], invalid: ["72123456789012", "751234567890123"]),
        CourierRule(
            "YUNDA", "韵达速递", format: "prefix 31/43/46 + 11 or 13 digits (13 or 15 digits)",
            pattern: #"(31|43|46)([0-9]{11}|[0-9]{13})"#, strength: 2,
            valid: ["3100000000001", "4312345678901", "462345678901234"], invalid: ["31000000000", "3200000000001"]),
        CourierRule(
            "YTO", "圆通速递", format: "legacy: 18 digits starting 6–8", pattern: #"[6-8][0-9]{17}"#, strength: 1,
            valid: ["800123456789012345", "612345678901234567"], invalid: ["900123456789012345", "80012345678901234"]),
        CourierRule(
            "STO", "申通快递", format: "legacy: 12 digits starting 268/368/468/568/668/868/888/900",
            pattern: #"(268|368|468|568|668|868|888|900)[0-9]{9}"#, strength: 1,
            valid: ["268000000001", "900123456789"], invalid: ["267000000001", "2680000000011"]),
        CourierRule(
            "SF", "顺丰速运", format: "legacy: 12 digits", pattern: #"[0-9]{12}"#, strength: 1,
            valid: ["123456789012"], invalid: ["12345678901", "SF1234567890"]),
        CourierRule(
            "EMS", "中国邮政 / EMS", format: "domestic: 13 digits starting 1 or 9 (unverified)",
            pattern: #"[19][0-9]{12}"#, strength: 1,
            valid: ["1123456789012", "9876543210123"], invalid: ["2123456789012", "112345678901"]),
    ]
}
