/// What a rule's pattern can match at most: the lengths of its matches and the ASCII characters a match can
/// start with. Read off the pattern itself, so the rule table stays the only source of truth.
///
/// Swift `Regex` costs a few microseconds per attempt, and every intake used to try all sixteen rules; the
/// shape turns most of those attempts into two comparisons. It only ever rules a pattern out: a text it lets
/// through still goes to the regex. Patterns it cannot read (anything beyond literals, `[…]` classes, groups,
/// alternation, `(?!…)` and `?`/`{m}`/`{m,n}`) get no shape and are always tried.
struct PatternShape: Equatable, Sendable {
    /// Lengths in characters a whole match can have.
    let lengths: ClosedRange<Int>
    /// Bit i set when a match can begin with ASCII character i.
    let firstCharacters: ASCIISet

    /// The shape of `pattern`, or nil when the pattern uses something this reader does not know.
    init?(pattern: String) {
        var parser = Parser(bytes: Array(pattern.utf8))
        guard let node = parser.alternation(), parser.isAtEnd, let lengths = node.lengths else { return nil }
        self.lengths = lengths
        self.firstCharacters = node.first
    }

    /// False only when no match of the pattern can be `text`. Non-ASCII text is always let through: a
    /// pattern's characters are counted as grapheme clusters, which only ASCII text makes equal to bytes.
    func admits(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard let first = utf8.first else { return lengths.lowerBound == 0 }
        guard utf8.allSatisfy({ $0 < 0x80 }) else { return true }
        return lengths.contains(utf8.count) && firstCharacters.contains(first)
    }

    struct ASCIISet: Equatable, Sendable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        func contains(_ byte: UInt8) -> Bool {
            byte < 64 ? low & (1 << UInt64(byte)) != 0 : byte < 128 && high & (1 << UInt64(byte - 64)) != 0
        }
        mutating func insert(_ byte: UInt8) {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
        func union(_ other: ASCIISet) -> ASCIISet { ASCIISet(low: low | other.low, high: high | other.high) }
    }

    /// A piece of pattern: its possible lengths (nil upper bound = unbounded) and first characters.
    struct Node {
        var minimum: Int
        var maximum: Int?
        var first: ASCIISet
        var lengths: ClosedRange<Int>? { maximum.map { minimum...$0 } }
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0
        var isAtEnd: Bool { index == bytes.count }

        private func peek(_ offset: Int = 0) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

        /// sequence ('|' sequence)*
        mutating func alternation() -> Node? {
            guard var result = sequence() else { return nil }
            while peek() == UInt8(ascii: "|") {
                index += 1
                guard let next = sequence() else { return nil }
                result = Node(
                    minimum: min(result.minimum, next.minimum),
                    maximum: result.maximum.flatMap { a in next.maximum.map { max(a, $0) } },
                    first: result.first.union(next.first))
            }
            return result
        }

        /// (atom quantifier?)*, up to `|`, `)` or the end.
        mutating func sequence() -> Node? {
            var result = Node(minimum: 0, maximum: 0, first: ASCIISet())
            // While every atom so far may be empty, the next one's first characters can start the match.
            var mayBeEmpty = true
            while let byte = peek(), byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                guard var atom = self.atom(), quantify(&atom) else { return nil }
                if mayBeEmpty { result.first = result.first.union(atom.first) }
                mayBeEmpty = mayBeEmpty && atom.minimum == 0
                result.minimum += atom.minimum
                result.maximum = result.maximum.flatMap { a in atom.maximum.map { a + $0 } }
            }
            return result
        }

        mutating func atom() -> Node? {
            guard let byte = peek() else { return nil }
            switch byte {
            case UInt8(ascii: "("):
                index += 1
                var lookahead = false
                if peek() == UInt8(ascii: "?") {
                    if peek(1) == UInt8(ascii: "!") || peek(1) == UInt8(ascii: "=") {
                        lookahead = true
                    } else if peek(1) != UInt8(ascii: ":") {
                        return nil
                    }
                    index += 2
                }
                guard let inner = alternation(), peek() == UInt8(ascii: ")") else { return nil }
                index += 1
                // A lookaround consumes nothing.
                return lookahead ? Node(minimum: 0, maximum: 0, first: ASCIISet()) : inner
            case UInt8(ascii: "["):
                index += 1
                return characterClass()
            case UInt8(ascii: "\\"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "{"),
                UInt8(ascii: "}"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "]"):
                return nil
            default:
                guard byte < 0x80 else { return nil }
                index += 1
                var first = ASCIISet()
                first.insert(byte)
                return Node(minimum: 1, maximum: 1, first: first)
            }
        }

        /// `[…]` of plain ASCII characters and ranges, after the `[`.
        mutating func characterClass() -> Node? {
            var set = ASCIISet()
            var members = 0
            while let byte = peek(), byte != UInt8(ascii: "]") {
                guard byte < 0x80, byte != UInt8(ascii: "\\"), byte != UInt8(ascii: "["),
                    !(members == 0 && byte == UInt8(ascii: "^"))
                else { return nil }
                index += 1
                if peek() == UInt8(ascii: "-"), let upper = peek(1), upper != UInt8(ascii: "]") {
                    guard upper < 0x80, upper >= byte, upper != UInt8(ascii: "\\") else { return nil }
                    index += 2
                    for member in byte...upper { set.insert(member) }
                } else {
                    set.insert(byte)
                }
                members += 1
            }
            guard peek() == UInt8(ascii: "]"), members > 0 else { return nil }
            index += 1
            return Node(minimum: 1, maximum: 1, first: set)
        }

        /// Applies `?`, `{m}` or `{m,n}` after an atom; false for quantifiers this reader does not know.
        mutating func quantify(_ node: inout Node) -> Bool {
            switch peek() {
            case UInt8(ascii: "?"):
                index += 1
                node.minimum = 0
                return true
            case UInt8(ascii: "*"), UInt8(ascii: "+"):
                return false
            case UInt8(ascii: "{"):
                index += 1
                guard let low = number() else { return false }
                var high = low
                if peek() == UInt8(ascii: ",") {
                    index += 1
                    guard let value = number(), value >= low else { return false }
                    high = value
                }
                guard peek() == UInt8(ascii: "}") else { return false }
                index += 1
                if high == 0 { node.first = ASCIISet() }
                node.minimum *= low
                node.maximum = node.maximum.map { $0 * high }
                return true
            default:
                return true
            }
        }

        mutating func number() -> Int? {
            var value: Int? = nil
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                value = (value ?? 0) * 10 + Int(byte - UInt8(ascii: "0"))
                guard value! < 10_000 else { return nil }
                index += 1
            }
            return value
        }
    }
}
