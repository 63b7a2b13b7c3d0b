import StationTestSupport
import Testing

@testable import ParcelDomain

@Suite("Pattern shapes: the prefilter in front of the courier regexes")
struct PatternShapeTests {
    @Test("every rule of the table has a shape, so no intake pays for sixteen regexes")
    func tableIsCovered() {
        for rule in CourierRule.table {
            #expect(PatternShape(pattern: rule.pattern) != nil, "\(rule.format): \(rule.pattern)")
        }
    }

    @Test("lengths and first characters read off the patterns")
    func knownShapes() throws {
        let sf = try #require(PatternShape(pattern: #"SF[0-9]{12,13}"#))
        #expect(sf.lengths == 14...15)
        #expect(sf.firstCharacters.contains(UInt8(ascii: "S")) && !sf.firstCharacters.contains(UInt8(ascii: "F")))
        let yunda = try #require(PatternShape(pattern: #"(31|43|46)([0-9]{11}|[0-9]{13})"#))
        #expect(yunda.lengths == 13...15)
        #expect(yunda.firstCharacters.contains(UInt8(ascii: "3")) && yunda.firstCharacters.contains(UInt8(ascii: "4")))
        #expect(!yunda.firstCharacters.contains(UInt8(ascii: "1")))
        let s10 = try #require(PatternShape(pattern: #"[A-Z]{2}[0-9]{9}(?!CN)[A-Z]{2}"#))
        #expect(s10.lengths == 13...13)
        let optional = try #require(PatternShape(pattern: #"A?[0-9]{2}"#))
        #expect(optional.lengths == 2...3)
        #expect(optional.firstCharacters.contains(UInt8(ascii: "A")) && optional.firstCharacters.contains(UInt8(ascii: "7")))
        #expect(sf.admits("SF1234567890123") && !sf.admits("SF12345678901") && !sf.admits("JT1234567890123"))
    }

    @Test("patterns beyond the reader get no shape (and are always tried)")
    func unreadable() {
        for pattern in [#"\d{12}"#, "A*", "A+", "[^0-9]{3}", ".{3}", "^AB", "(?i)sf[0-9]", "[0-9", "(AB", "A{3,1}", "第[0-9]"] {
            #expect(PatternShape(pattern: pattern) == nil, "\(pattern)")
        }
    }

    @Test("non-ASCII text is let through to the regex")
    func nonASCII() throws {
        let sf = try #require(PatternShape(pattern: #"SF[0-9]{12,13}"#))
        #expect(sf.admits("SF12345678901２3"))
    }

    /// The prefilter may only rule out texts the regex would refuse. Texts near every valid vector (one
    /// character changed, dropped, doubled) and random ones are tried against every rule.
    @Test("a text the regex matches is never ruled out", arguments: CourierRule.table.indices)
    func sound(index: Int) throws {
        let rule = CourierRule.table[index]
        let shape = try #require(PatternShape(pattern: rule.pattern))
        let regex = try Regex(rule.pattern)
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var generator = SplitMix64(seed: UInt64(index) &+ 0x5EED)
        var texts = CourierRule.table.flatMap { $0.valid + $0.invalid }
        for vector in CourierRule.table.flatMap(\.valid) {
            let characters = Array(vector)
            for _ in 0..<40 {
                var mutated = characters
                let position = Int(generator.next() % UInt64(mutated.count))
                switch generator.next() % 3 {
                case 0: mutated[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: mutated.remove(at: position)
                default: mutated.insert(mutated[position], at: position)
                }
                texts.append(String(mutated))
            }
        }
        for _ in 0..<2000 {
            let length = Int(generator.next() % 22)
            texts.append(String((0..<length).map { _ in alphabet[Int(generator.next() % 12)] }))
        }
        var matched = 0
        for text in texts where (try? regex.wholeMatch(in: text)) != nil {
            matched += 1
            #expect(shape.admits(text), "\(rule.pattern) matches \(text) but its shape rules it out")
        }
        #expect(matched >= rule.valid.count)
    }
}
