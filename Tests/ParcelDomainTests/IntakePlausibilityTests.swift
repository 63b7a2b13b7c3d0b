import Testing

@testable import ParcelDomain

@Suite("Intake plausibility")
struct IntakePlausibilityTests {
    static func refusal(_ raw: String, rules: IntakePlausibility = .standard) throws -> IntakePlausibility.Refusal? {
        let tracking = try TrackingNumber(raw: raw)
        return rules.refusal(for: tracking.scan, candidates: tracking.candidates)
    }

    @Test("each rule refuses its vectors, alone and in the table", arguments: PlausibilityRule.table.indices)
    func refusesItsVectors(index: Int) throws {
        let rule = PlausibilityRule.table[index]
        for raw in rule.refuses {
            let alone = try Self.refusal(raw, rules: IntakePlausibility(rules: [rule]))
            #expect(alone == .init(kind: rule.refusal, rule: rule.name), "\(rule.name): \(raw)")
            #expect(try Self.refusal(raw)?.kind == rule.refusal, "\(rule.name) in the table: \(raw)")
        }
    }

    @Test("each rule lets its vectors through", arguments: PlausibilityRule.table.indices)
    func admitsItsVectors(index: Int) throws {
        let rule = PlausibilityRule.table[index]
        for raw in rule.admits {
            #expect(try Self.refusal(raw, rules: IntakePlausibility(rules: [rule])) == nil, "\(rule.name): \(raw)")
        }
    }

    /// Every courier rule's own valid numbers stay parcels, whatever the plausibility table holds, except the
    /// legacy 12-digit formats whose vectors happen to pass a UPC check digit (documented on the UPC-A rule).
    @Test func everyCourierVectorIsAParcel() throws {
        for rule in CourierRule.table where rule.courier != "GS1" {
            for raw in rule.valid {
                let refused = try Self.refusal(raw)
                #expect(
                    refused == nil || (rule.strength == 1 && refused?.rule == "UPC-A"),
                    "\(rule.courier) \(raw): \(String(describing: refused))")
            }
        }
    }

    @Test func theSymbologyAReaderReportsApartFromTheText() throws {
        let tracking = try TrackingNumber(raw: "4312345678905")
        #expect(IntakePlausibility.standard.refusal(for: tracking.scan, candidates: tracking.candidates) == nil)
        #expect(
            IntakePlausibility.standard.refusal(for: tracking.scan, candidates: tracking.candidates, symbology: "]E0")?.kind == .productCode
        )
        #expect(IntakePlausibility.standard.refusal(for: tracking.scan, candidates: tracking.candidates, symbology: "]C0") == nil)
    }

    @Test func commandsAreKnownBeforeNormalising() {
        #expect(IntakePlausibility.isCommand("PSCMD:PICKUP"))
        #expect(IntakePlausibility.isCommand("]C0pscmd:force\r\n"))
        #expect(!IntakePlausibility.isCommand("SF1234567890123"))
    }

    @Test func upcEExpandsByItsLastDigit() {
        // GS1 examples: 0425261(4) stands for 04210000526(4); 0123456(5) for 01234500006(5).
        #expect(Checksum.upcEExpanded(Array("0425261")) == Array("04210000526"))
        #expect(Checksum.upcEExpanded(Array("0123456")) == Array("01234500006"))
        #expect(Checksum.upcEExpanded(Array("2123456")) == nil)
    }

    @Test func everyKindHasAChineseLine() {
        for kind in NotAParcel.allCases { #expect(kind.displayLine.unicodeScalars.contains { $0.value >= 0x4E00 }) }
    }
}
