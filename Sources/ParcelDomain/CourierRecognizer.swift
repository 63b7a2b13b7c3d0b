/// Runs the rule table over a normalised scan and ranks what matched.
public struct CourierRecognizer: Sendable {
    struct CompiledRule: @unchecked Sendable {
        // `Regex<AnyRegexOutput>` is immutable once built; it is only ever read.
        let rule: CourierRule
        let regex: Regex<AnyRegexOutput>
        /// Rules out most texts before the regex runs; nil when the pattern is beyond `PatternShape`.
        let shape: PatternShape?
    }

    let rules: [CompiledRule]

    /// A recogniser over `CourierRule.table`.
    public static let standard = CourierRecognizer(rules: CourierRule.table)

    public init(rules: [CourierRule]) {
        // The patterns are literals in this module; a pattern that does not compile is a programmer error.
        self.rules = rules.map { CompiledRule(rule: $0, regex: try! Regex($0.pattern), shape: PatternShape(pattern: $0.pattern)) }
    }

    /// Ranked candidates for `scan`. Throws `checkDigitMismatch` when a self-checking format matches with a
    /// wrong check digit.
    public func candidates(for scan: ScanText, hint: String? = nil) throws -> [CourierCandidate] {
        var found: [(candidate: CourierCandidate, order: Int)] = []
        var seen = Set<String>()
        for (order, compiled) in rules.enumerated() {
            let rule = compiled.rule
            if rule.requiresGS1 && !scan.isGS1 { continue }
            if let shape = compiled.shape, !shape.admits(scan.text) { continue }
            guard (try? compiled.regex.wholeMatch(in: scan.text)) != nil else { continue }
            var reason = rule.format
            if rule.checksum != .none {
                if let bad = rule.checksum.mismatch(
                    in: scan.text, checkDigitOffset: rule.checkDigitOffset, dataRange: rule.checkDataRange)
                {
                    if rule.rejectOnBadCheckDigit {
                        throw DomainError.checkDigitMismatch(format: rule.format, expected: bad.expected, found: bad.found)
                    }
                    continue
                }
                reason += "; check digit \(Array(scan.text)[rule.checkDigitOffset]) verified"
            }
            // One candidate per courier: the strongest rule (earliest in the table among equals) wins.
            guard seen.insert(rule.courier).inserted else { continue }
            found.append((CourierCandidate(code: rule.courier, name: rule.name, reason: reason, strength: rule.strength), order))
        }
        found.sort { ($0.candidate.strength, -$0.order) > ($1.candidate.strength, -$1.order) }
        var ranked = found.map(\.candidate)
        if let hint = hint?.uppercased(), !hint.isEmpty {
            if let index = ranked.firstIndex(where: { $0.code == hint }) {
                let matched = ranked.remove(at: index)
                ranked.insert(
                    CourierCandidate(code: matched.code, name: matched.name, reason: "named by caller; " + matched.reason, strength: 5),
                    at: 0)
            } else {
                let name = rules.first(where: { $0.rule.courier == hint })?.rule.name ?? hint
                ranked.insert(
                    CourierCandidate(code: hint, name: name, reason: "named by caller; number fits none of its known formats", strength: 5),
                    at: 0)
            }
        }
        if ranked.isEmpty {
            ranked = [
                CourierCandidate(
                    code: CourierCandidate.unknownCode, name: "未知快递",
                    reason: "\(scan.text.count) characters; fits no known courier format", strength: 0)
            ]
        }
        return ranked
    }
}
