import Testing

@testable import ParcelDomain

/// One test vector of one rule in `CourierRule.table`, identified by the rule's position.
struct RuleVector: Sendable, CustomTestStringConvertible {
    let ruleIndex: Int
    let vector: String

    var rule: CourierRule { CourierRule.table[ruleIndex] }
    /// What a scanner would hand over for this vector: GS1-only rules need a GS1 marker.
    var raw: String { rule.requiresGS1 ? "]C1" + vector : vector }
    var testDescription: String { "rule \(ruleIndex) \(rule.courier) [\(rule.format)]: \(vector)" }

    /// Vectors of the shipped table that contradict the table's own pattern or check-digit algorithm.
    /// They are reported as table bugs and left out of the data-driven tests below; the worked examples in
    /// `S10CheckDigitTests` / `gs1CheckDigit` pin the algorithms independently.
    static let valid: [RuleVector] = CourierRule.table.indices.flatMap { index in
        CourierRule.table[index].valid.map { RuleVector(ruleIndex: index, vector: $0) }
    }

    static let invalid: [RuleVector] = CourierRule.table.indices.flatMap { index in
        CourierRule.table[index].invalid.map { RuleVector(ruleIndex: index, vector: $0) }
    }
}

@Suite("Courier rule table, as data")
struct CourierRuleTableTests {
    @Test("the table has rules, each with valid and invalid vectors")
    func tableShape() {
        #expect(CourierRule.table.count == 16)
        for rule in CourierRule.table {
            #expect(!rule.valid.isEmpty, "\(rule.courier) \(rule.format) has no valid vectors")
            #expect(!rule.invalid.isEmpty, "\(rule.courier) \(rule.format) has no invalid vectors")
            #expect((1...4).contains(rule.strength))
        }
        // Every vector of every rule is exercised.
        let allValid = CourierRule.table.reduce(0) { $0 + $1.valid.count }
        #expect(RuleVector.valid.count == allValid)
    }

    @Test("every rule's pattern compiles", arguments: CourierRule.table.indices)
    func patternCompiles(index: Int) throws {
        let rule = CourierRule.table[index]
        let regex = try Regex(rule.pattern)
        // A whole-string pattern never matches the empty string.
        #expect(try regex.wholeMatch(in: "") == nil)
    }

    @Test("self-checking rules are strength 4 and reject bad check digits; others have no checksum")
    func checksumRules() {
        for rule in CourierRule.table {
            if rule.checksum == .none {
                #expect(rule.strength < 4, "\(rule.format)")
                #expect(!rule.rejectOnBadCheckDigit, "\(rule.format)")
            } else {
                #expect(rule.strength == 4, "\(rule.format)")
                #expect(rule.rejectOnBadCheckDigit, "\(rule.format)")
                #expect(rule.checkDataRange.upperBound <= rule.checkDigitOffset, "\(rule.format)")
            }
        }
    }

    @Test("for each courier the stronger rule comes first (the recogniser keeps the first match per courier)")
    func strongestRuleFirstPerCourier() {
        var lastStrength: [String: Int] = [:]
        for rule in CourierRule.table {
            if let previous = lastStrength[rule.courier] {
                #expect(previous >= rule.strength, "\(rule.courier): \(rule.format)")
            }
            lastStrength[rule.courier] = rule.strength
        }
    }

    @Test("each valid vector is recognised with its rule's courier", arguments: RuleVector.valid)
    func validVectorRecognised(_ item: RuleVector) throws {
        let rule = item.rule
        // Against the whole table: the rule's courier is among the candidates.
        let all = try CourierRecognizer.standard.candidates(for: ScanText(raw: item.raw))
        #expect(all.contains { $0.code == rule.courier }, "candidates: \(all.map(\.code))")
        #expect(!all.contains { $0.code == CourierCandidate.unknownCode })

        // Against that rule alone: exactly its candidate, with its strength and format as the reason.
        let alone = try CourierRecognizer(rules: [rule]).candidates(for: ScanText(raw: item.raw))
        #expect(alone.count == 1)
        let candidate = try #require(alone.first)
        #expect(candidate.code == rule.courier)
        #expect(candidate.name == rule.name)
        #expect(candidate.strength == rule.strength)
        #expect(candidate.reason.hasPrefix(rule.format))
        if rule.checksum != .none {
            let check = Array(item.vector)[rule.checkDigitOffset]
            #expect(candidate.reason == rule.format + "; check digit \(check) verified")
        } else {
            #expect(candidate.reason == rule.format)
        }
    }

    @Test("no invalid vector produces a candidate from its own rule", arguments: RuleVector.invalid)
    func invalidVectorNotRecognised(_ item: RuleVector) throws {
        let rule = item.rule
        let scan = try ScanText(raw: item.raw)
        do {
            let candidates = try CourierRecognizer(rules: [rule]).candidates(for: scan)
            #expect(candidates.map(\.code) == [CourierCandidate.unknownCode], "candidates: \(candidates)")
        } catch DomainError.checkDigitMismatch {
            // A self-checking rule may reject a misread outright: that is not a candidate either.
            #expect(rule.checksum != .none)
        }
        // The pattern itself does not match (whole-string).
        #expect(try Regex(rule.pattern).wholeMatch(in: scan.text) == nil)
    }
}

@Suite("Courier ranking")
struct CourierRankingTests {
    func codes(_ raw: String, hint: String? = nil) throws -> [String] {
        try TrackingNumber(raw: raw, courierHint: hint).candidates.map(\.code)
    }

    @Test("SF + 13 digits: SF first, by its prefix")
    func sfPrefix() throws {
        let number = try TrackingNumber(raw: "SF1234567890123")
        #expect(number.value == "SF1234567890123")
        #expect(number.candidates.map(\.code) == ["SF"])
        let first = try #require(number.candidates.first)
        #expect(first.code == "SF")
        #expect(first.name == "顺丰速运")
        #expect(first.reason.contains("prefix"))
        #expect(first.reason == "prefix SF + 12 or 13 digits")
        #expect(first.strength == 3)
        #expect(number.likelyCourier == "SF")
    }

    @Test("14 digits starting 75: ZTO")
    func zto14() throws {
        let number = try TrackingNumber(raw: "75123456789012")
        #expect(number.candidates.map(\.code) == ["ZTO"])
        #expect(number.candidates.first?.strength == 2)
        #expect(number.candidates.first?.reason == "prefix 73–79 + 12 digits (14 digits)")
        #expect(number.likelyCourier == "ZTO")
    }

    @Test("12 digits starting 268: STO and SF both, STO first by table order")
    func ambiguous268() throws {
        let number = try TrackingNumber(raw: "268000000001")
        #expect(number.candidates.map(\.code) == ["STO", "SF"])
        #expect(number.candidates.map(\.strength) == [1, 1])
        #expect(number.candidates[0].reason.hasPrefix("legacy: 12 digits starting 268"))
        #expect(number.candidates[1].reason == "legacy: 12 digits")
        #expect(number.likelyCourier == "STO")
    }

    @Test(
        "overlapping domestic formats always give every candidate",
        arguments: [
            ("900123456789", ["STO", "SF"]),
            ("888000000000", ["STO", "SF"]),
            ("123456789012", ["SF"]),
            ("773012345678901", ["STO"]),
            ("3100000000001", ["YUNDA"]),
            ("462345678901234", ["YUNDA"]),
            ("800123456789012345", ["YTO"]),
            ("9876543210123", ["EMS"]),
            ("ZTO123456789012", ["ZTO"]),
            ("JT1234567890123", ["JT"]),
            ("YT1234567890123", ["YTO"]),
            ("YD1234567890123", ["YUNDA"]),
            ("JDV012345678901", ["JD"]),
        ])
    func candidateSets(raw: String, expected: [String]) throws {
        #expect(try codes(raw) == expected)
    }

    @Test("13 digits starting 1: EMS domestic, unverified")
    func emsDomestic() throws {
        let number = try TrackingNumber(raw: "1123456789012")
        #expect(number.candidates.map(\.code) == ["EMS"])
        let first = try #require(number.candidates.first)
        #expect(first.strength == 1)
        #expect(first.reason.contains("domestic"))
        #expect(first.reason.contains("unverified"))
    }

    @Test("stronger evidence outranks table order")
    func strengthBeforeOrder() throws {
        // A weak rule placed before a strong one for the same number: the strong one ranks first.
        let weak = CourierRule("AAA", "weak", format: "weak", pattern: "[0-9]{12}", strength: 1, valid: [], invalid: [])
        let strong = CourierRule("BBB", "strong", format: "strong", pattern: "268[0-9]{9}", strength: 2, valid: [], invalid: [])
        let tie = CourierRule("CCC", "tie", format: "tie", pattern: "2[0-9]{11}", strength: 1, valid: [], invalid: [])
        let recognizer = CourierRecognizer(rules: [weak, strong, tie])
        let candidates = try recognizer.candidates(for: ScanText(raw: "268000000001"))
        #expect(candidates.map(\.code) == ["BBB", "AAA", "CCC"])
        #expect(candidates.map(\.strength) == [2, 1, 1])
    }

    @Test("one candidate per courier, from its first matching rule")
    func oneCandidatePerCourier() throws {
        let first = CourierRule("XX", "x", format: "first", pattern: "[0-9]{12}", strength: 2, valid: [], invalid: [])
        let second = CourierRule("XX", "x", format: "second", pattern: "268[0-9]{9}", strength: 2, valid: [], invalid: [])
        let candidates = try CourierRecognizer(rules: [first, second]).candidates(for: ScanText(raw: "268000000001"))
        #expect(candidates.map(\.code) == ["XX"])
        #expect(candidates.first?.reason == "first")
    }

    // MARK: UPU S10

    @Test("S10 with CN: EMS, check digit verified")
    func s10China() throws {
        let number = try TrackingNumber(raw: "EA123456785CN")
        #expect(number.candidates.map(\.code) == ["EMS"])
        let first = try #require(number.candidates.first)
        #expect(first.strength == 4)
        #expect(first.reason.contains("check digit"))
        #expect(first.reason.hasSuffix("check digit 5 verified"))
    }

    @Test("S10 with a foreign country: POST")
    func s10Foreign() throws {
        let number = try TrackingNumber(raw: "RB123456785GB")
        #expect(number.candidates.map(\.code) == ["POST"])
        #expect(number.candidates.first?.strength == 4)
        #expect(number.candidates.first?.reason.hasSuffix("check digit 5 verified") == true)
    }

    @Test("S10 with a wrong check digit is rejected outright")
    func s10Mismatch() throws {
        let ems = CourierRule.table[0]
        #expect(ems.courier == "EMS" && ems.checksum == .s10)
        #expect(throws: DomainError.checkDigitMismatch(format: ems.format, expected: "5", found: "4")) {
            try TrackingNumber(raw: "EA123456784CN")
        }
        let post = try #require(CourierRule.table.first { $0.courier == "POST" })
        #expect(throws: DomainError.checkDigitMismatch(format: post.format, expected: "5", found: "4")) {
            try TrackingNumber(raw: "RB123456784GB")
        }
        // Lower case and framing do not hide the mismatch.
        #expect(throws: DomainError.checkDigitMismatch(format: ems.format, expected: "5", found: "0")) {
            try TrackingNumber(raw: "ea123456780cn\r\n")
        }
    }

    // MARK: GS1 SSCC

    @Test("SSCC with ]C1: GS1, check digit verified")
    func ssccValid() throws {
        let number = try TrackingNumber(raw: "]C100106141411234567897")
        #expect(number.scan.isGS1)
        #expect(number.value == "00106141411234567897")
        #expect(number.candidates.map(\.code) == ["GS1"])
        #expect(number.candidates.first?.strength == 4)
        #expect(number.candidates.first?.reason.hasSuffix("check digit 7 verified") == true)

        let humanReadable = try TrackingNumber(raw: "(00)106141411234567897")
        #expect(humanReadable.candidates.map(\.code) == ["GS1"])
    }

    @Test("SSCC with ]C1 and a wrong check digit is rejected")
    func ssccMismatch() throws {
        let gs1 = try #require(CourierRule.table.first { $0.courier == "GS1" })
        #expect(throws: DomainError.checkDigitMismatch(format: gs1.format, expected: "7", found: "8")) {
            try TrackingNumber(raw: "]C100106141411234567898")
        }
        #expect(throws: DomainError.checkDigitMismatch(format: gs1.format, expected: "7", found: "0")) {
            try TrackingNumber(raw: "(00)106141411234567890")
        }
    }

    @Test(
        "the same 20 digits without a GS1 marker are no SSCC, and do not throw",
        arguments: [
            "00106141411234567897",
            "00106141411234567898",
            "]C000106141411234567897",
            "]C000106141411234567898",
        ])
    func ssccWithoutMarker(raw: String) throws {
        let number = try TrackingNumber(raw: raw)
        #expect(!number.scan.isGS1)
        #expect(!number.candidates.contains { $0.code == "GS1" })
        #expect(number.candidates.map(\.code) == [CourierCandidate.unknownCode])
    }

    // MARK: unknown

    @Test("a well-formed number no rule knows gets one UNKNOWN candidate")
    func unknown() throws {
        let number = try TrackingNumber(raw: "ABC123456")
        #expect(
            number.candidates == [
                CourierCandidate(
                    code: "UNKNOWN", name: "未知快递", reason: "9 characters; fits no known courier format", strength: 0)
            ])
        #expect(number.likelyCourier == nil)
        #expect(CourierCandidate.unknownCode == "UNKNOWN")
    }

    @Test(
        "malformed input is thrown, not recognised",
        arguments: [
            ("", DomainError.emptyScan),
            ("SF#1", DomainError.invalidCharacter("#")),
        ])
    func malformed(raw: String, error: DomainError) {
        #expect(throws: error) { try TrackingNumber(raw: raw) }
    }

    // MARK: courier hint

    @Test("a hint naming a courier that does not match goes first, the matches stay after it")
    func hintNotAmongCandidates() throws {
        for hint in ["ZTO", "zto", "Zto"] {
            let number = try TrackingNumber(raw: "SF1234567890123", courierHint: hint)
            #expect(number.candidates.map(\.code) == ["ZTO", "SF"])
            let first = try #require(number.candidates.first)
            #expect(first.reason.hasPrefix("named by caller"))
            #expect(first.reason == "named by caller; number fits none of its known formats")
            #expect(first.name == "中通快递")
            #expect(first.strength == 5)
            #expect(number.candidates[1] == CourierCandidate(code: "SF", name: "顺丰速运", reason: "prefix SF + 12 or 13 digits", strength: 3))
            #expect(number.likelyCourier == "ZTO")
        }
    }

    @Test("a hint matching a candidate moves it first without duplicating it")
    func hintAmongCandidates() throws {
        let number = try TrackingNumber(raw: "268000000001", courierHint: "SF")
        #expect(number.candidates.map(\.code) == ["SF", "STO"])
        #expect(
            number.candidates[0] == CourierCandidate(code: "SF", name: "顺丰速运", reason: "named by caller; legacy: 12 digits", strength: 5))
        #expect(number.candidates[1].strength == 1)

        let already = try TrackingNumber(raw: "268000000001", courierHint: "sto")
        #expect(already.candidates.map(\.code) == ["STO", "SF"])
        #expect(already.candidates[0].strength == 5)
        #expect(already.candidates[0].reason.hasPrefix("named by caller; legacy: 12 digits starting 268"))
    }

    @Test("an empty or absent hint changes nothing")
    func emptyHint() throws {
        let plain = try TrackingNumber(raw: "268000000001")
        #expect(try TrackingNumber(raw: "268000000001", courierHint: "").candidates == plain.candidates)
        #expect(try TrackingNumber(raw: "268000000001", courierHint: nil).candidates == plain.candidates)
    }

    @Test("a hint on a number no rule knows replaces UNKNOWN")
    func hintOnUnknown() throws {
        let known = try TrackingNumber(raw: "ABC123456", courierHint: "YTO")
        #expect(known.candidates.map(\.code) == ["YTO"])
        #expect(known.candidates.first?.name == "圆通速递")
        let foreign = try TrackingNumber(raw: "ABC123456", courierHint: "DHL")
        #expect(
            foreign.candidates == [
                CourierCandidate(code: "DHL", name: "DHL", reason: "named by caller; number fits none of its known formats", strength: 5)
            ])
    }

    @Test("a hint does not excuse a failed check digit")
    func hintDoesNotExcuseCheckDigit() {
        #expect(throws: DomainError.self) { try TrackingNumber(raw: "EA123456784CN", courierHint: "EMS") }
    }
}

@Suite("S10 check digit")
struct S10CheckDigitTests {
    /// Worked examples: weights 8 6 4 2 3 5 9 7, check = 11 − (sum mod 11), 10 → 0, 11 → 5.
    static let examples: [(serial: String, weightedSum: Int, check: Character)] = [
        ("12345678", 204, "5"),  // 204 mod 11 = 6 → 5 (the documented EA123456785CN)
        ("47312482", 200, "9"),  // 200 mod 11 = 2 → 9
        ("00000000", 0, "5"),  // mod 11 = 0 → 11 → 5
        ("10001000", 11, "5"),  // mod 11 = 0 → 11 → 5
        ("22222222", 88, "5"),  // mod 11 = 0 → 11 → 5
        ("02000000", 12, "0"),  // mod 11 = 1 → 10 → 0
        ("00000300", 15, "7"),  // mod 11 = 4 → 7
        ("00100010", 13, "9"),  // mod 11 = 2 → 9
        ("00000002", 14, "8"),  // mod 11 = 3 → 8
        ("00000001", 7, "4"),  // mod 11 = 7 → 4
        ("98765432", 236, "6"),  // 236 mod 11 = 5 → 6
        ("30000000", 24, "9"),  // 24 mod 11 = 2 → 9
        ("01000001", 13, "9"),
        ("00000011", 16, "6"),  // mod 11 = 5 → 6
        ("00001010", 12, "0"),  // 3 + 9 = 12, mod 11 = 1 → 10 → 0
    ]

    static func weightedSum(_ serial: String) -> Int {
        zip(serial, [8, 6, 4, 2, 3, 5, 9, 7]).reduce(0) { $0 + $1.0.wholeNumberValue! * $1.1 }
    }

    @Test("worked examples", arguments: examples)
    func workedExample(serial: String, weightedSum: Int, check: Character) throws {
        #expect(Self.weightedSum(serial) == weightedSum)
        #expect(Checksum.s10CheckDigit(serial: Array(serial)) == check)
        // Through the recogniser: valid with that digit, rejected with any other.
        let number = try TrackingNumber(raw: "EA\(serial)\(check)CN")
        #expect(number.candidates.map(\.code) == ["EMS"])
        #expect(number.candidates.first?.reason.hasSuffix("check digit \(check) verified") == true)
        let wrong = Character(String((check.wholeNumberValue! + 1) % 10))
        #expect(throws: DomainError.checkDigitMismatch(format: CourierRule.table[0].format, expected: check, found: wrong)) {
            try TrackingNumber(raw: "EA\(serial)\(wrong)CN")
        }
    }

    @Test("both special remainders occur among the examples")
    func specialRemainders() {
        #expect(Self.examples.contains { $0.weightedSum % 11 == 0 && $0.check == "5" })
        #expect(Self.examples.contains { $0.weightedSum % 11 == 1 && $0.check == "0" })
    }

    @Test("not 8 digits: no check digit")
    func malformedSerial() {
        #expect(Checksum.s10CheckDigit(serial: Array("1234567")) == nil)
        #expect(Checksum.s10CheckDigit(serial: Array("123456789")) == nil)
        #expect(Checksum.s10CheckDigit(serial: Array("1234567A")) == nil)
    }

    @Test(
        "GS1 mod-10 worked examples",
        arguments: [
            ("10614141123456789", Character("7")),  // SSCC 00 1 0614141 123456789 7
            ("0950600013435", Character("2")),  // GTIN-14 data 0950600013435 → 2 (09506000134352)
            ("00000000000000000", Character("0")),
            ("00000000000000001", Character("7")),  // 1 × 3 = 3 → 7
            ("00000000000000010", Character("9")),  // 1 × 1 = 1 → 9
        ])
    func gs1CheckDigit(data: String, check: Character) {
        #expect(Checksum.gs1CheckDigit(data: Array(data)) == check)
    }
}
