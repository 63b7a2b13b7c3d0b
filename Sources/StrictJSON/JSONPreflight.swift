public import Foundation

/// One pass over JSON text before Foundation sees it: strict RFC 8259 syntax (no trailing commas, comments or
/// bare words), a nesting limit, and a rule for control characters in strings.
///
/// Why: Foundation's JSONDecoder crashes the process (SIGILL while building its own error) on nesting a few
/// hundred levels deep, accepts a trailing comma in a configuration file, and hands U+0000 on to code that
/// stores it in SQLite, where C strings cut it off. Every JSON that crosses a trust boundary (socket requests,
/// configuration, manifests, stored JSON) is checked here first; the check allocates nothing unless it fails.
public struct JSONPreflight: Sendable {
    /// Deepest nesting of arrays and objects accepted. No message of the protocol, configuration or manifest
    /// comes near it (the deepest, a configuration, has 5 levels); Foundation fails at 512.
    public static let defaultMaximumDepth = 32

    public var maximumDepth: Int
    /// Refuse control characters in strings (input from people and peers). Off for JSON this package wrote
    /// itself and reads back (stored records, the daemon's replies), whose text was checked on the way in.
    public var refusesControlCharacters: Bool

    public init(maximumDepth: Int = JSONPreflight.defaultMaximumDepth, refusesControlCharacters: Bool = true) {
        self.maximumDepth = maximumDepth
        self.refusesControlCharacters = refusesControlCharacters
    }

    /// Checks `bytes`; throws the first problem found.
    public func check(_ bytes: UnsafeRawBufferPointer) throws(JSONPreflightError) {
        var scanner = Scanner(bytes: bytes, maximumDepth: maximumDepth, refusesControls: refusesControlCharacters)
        try scanner.document()
    }

    /// Checks the bytes of any contiguous collection (an `Array`, `Data`).
    public func check<C: ContiguousBytes>(_ bytes: C) throws(JSONPreflightError) {
        let result: JSONPreflightError? = bytes.withUnsafeBytes { buffer in
            do throws(JSONPreflightError) {
                try check(buffer)
                return nil
            } catch {
                return error
            }
        }
        if let result { throw result }
    }
}

/// What the preflight refused, with where it was.
public enum JSONPreflightError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Arrays and objects nested deeper than the limit, first reached at byte `offset`.
    case tooDeep(limit: Int, offset: Int)
    /// Not JSON: `expected` says what should have stood at byte `offset`.
    case syntax(offset: Int, expected: String)
    /// A control character (U+0000–U+001F other than tab, line feed and carriage return; U+007F; U+0080–U+009F)
    /// in the string at `path` (`params.text`, `items[2].note`; empty for the top level).
    case controlCharacter(path: String, scalar: UInt32)

    public var description: String {
        switch self {
        case .tooDeep(let limit, let offset): "nested deeper than \(limit) levels (at byte \(offset))"
        case .syntax(let offset, let expected): "not valid JSON at byte \(offset): expected \(expected)"
        case .controlCharacter(let path, let scalar):
            "\(path.isEmpty ? "a string" : path): control character U+\(Self.hex(scalar)) is not allowed in text"
        }
    }

    static func hex(_ scalar: UInt32) -> String {
        let digits = String(scalar, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension JSONPreflight {
    /// A recursive-descent reader over raw bytes that remembers, for error messages only, the key or index of
    /// each open container.
    struct Scanner {
        let bytes: UnsafeRawBufferPointer
        let maximumDepth: Int
        let refusesControls: Bool
        var index = 0
        /// One entry per open container: the byte range of the current key (objects) or the current index (arrays).
        var path: [PathStep] = []

        enum PathStep {
            case key(start: Int, end: Int)
            case index(Int)
        }

        init(bytes: UnsafeRawBufferPointer, maximumDepth: Int, refusesControls: Bool) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
            self.refusesControls = refusesControls
        }

        mutating func document() throws(JSONPreflightError) {
            skipWhitespace()
            try value()
            skipWhitespace()
            if index < bytes.count { throw .syntax(offset: index, expected: "the end of the text") }
        }

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value() throws(JSONPreflightError) {
            guard let byte = current else { throw .syntax(offset: index, expected: "a value") }
            switch byte {
            case UInt8(ascii: "{"): try container(object: true)
            case UInt8(ascii: "["): try container(object: false)
            case UInt8(ascii: "\""): try string(isKey: false)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw .syntax(offset: index, expected: "a value")
            }
        }

        /// Objects and arrays, iteratively per level so a long array costs no stack.
        mutating func container(object: Bool) throws(JSONPreflightError) {
            guard path.count < maximumDepth else { throw .tooDeep(limit: maximumDepth, offset: index) }
            let close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            index += 1
            path.append(object ? .key(start: 0, end: 0) : .index(0))
            defer { path.removeLast() }
            skipWhitespace()
            if current == close {
                index += 1
                return
            }
            var element = 0
            while true {
                if object {
                    guard current == UInt8(ascii: "\"") else { throw .syntax(offset: index, expected: "a string key") }
                    let start = index + 1
                    try string(isKey: true)
                    path[path.count - 1] = .key(start: start, end: index - 1)
                    skipWhitespace()
                    guard current == UInt8(ascii: ":") else { throw .syntax(offset: index, expected: "':'") }
                    index += 1
                    skipWhitespace()
                } else {
                    path[path.count - 1] = .index(element)
                }
                try value()
                element += 1
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                    // RFC 8259 has no trailing comma; Foundation forgives one, we do not.
                    if current == close { throw .syntax(offset: index, expected: object ? "a string key" : "a value") }
                case close:
                    index += 1
                    return
                default:
                    throw .syntax(offset: index, expected: object ? "',' or '}'" : "',' or ']'")
                }
            }
        }

        mutating func literal(_ word: StaticString) throws(JSONPreflightError) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw .syntax(offset: index, expected: "a value") }
            let start = word.utf8Start
            for offset in 0..<count where bytes[index + offset] != start[offset] {
                throw .syntax(offset: index + offset, expected: "a value")
            }
            index += count
        }

        mutating func number() throws(JSONPreflightError) {
            if current == UInt8(ascii: "-") { index += 1 }
            guard let first = current, isDigit(first) else { throw .syntax(offset: index, expected: "a digit") }
            index += 1
            if first != UInt8(ascii: "0") { skipDigits() }
            if current == UInt8(ascii: ".") {
                index += 1
                guard let digit = current, isDigit(digit) else { throw .syntax(offset: index, expected: "a digit") }
                skipDigits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard let digit = current, isDigit(digit) else { throw .syntax(offset: index, expected: "a digit") }
                skipDigits()
            }
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func skipDigits() {
            while let byte = current, isDigit(byte) { index += 1 }
        }

        /// A string; `index` ends just past its closing quote.
        mutating func string(isKey: Bool) throws(JSONPreflightError) {
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = current else { throw .syntax(offset: index, expected: "an escape") }
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "n"), UInt8(ascii: "r"),
                        UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "b"), UInt8(ascii: "f"):
                        if refusesControls { throw controlCharacter(escaped == UInt8(ascii: "b") ? 0x08 : 0x0C, isKey: isKey) }
                        index += 1
                    case UInt8(ascii: "u"):
                        var scalar: UInt32 = 0
                        for offset in 1...4 {
                            guard index + offset < bytes.count, let digit = hexValue(bytes[index + offset]) else {
                                throw .syntax(offset: index + offset, expected: "four hex digits")
                            }
                            scalar = scalar << 4 | digit
                        }
                        if refusesControls && Self.isRefusedControl(scalar) { throw controlCharacter(scalar, isKey: isKey) }
                        index += 5
                    default:
                        throw .syntax(offset: index, expected: "an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
                    }
                case 0x00..<0x20:
                    // Raw control bytes are not JSON at all (they must be escaped).
                    throw .syntax(offset: index, expected: "an escaped control character")
                case 0x7F where refusesControls:
                    throw controlCharacter(0x7F, isKey: isKey)
                case 0xC2 where refusesControls:
                    // U+0080–U+009F (C1 controls) are C2 80 – C2 9F in UTF-8.
                    if index + 1 < bytes.count, (0x80...0x9F).contains(bytes[index + 1]) {
                        throw controlCharacter(UInt32(bytes[index + 1]), isKey: isKey)
                    }
                    index += 1
                default:
                    index += 1
                }
            }
            throw .syntax(offset: index, expected: "'\"' to end the string")
        }

        /// Tab, line feed and carriage return are kept whole (multi-line notes, CSV manifests); every other control
        /// character is refused, because the ledger's text, digests and logs would not agree on it.
        static func isRefusedControl(_ scalar: UInt32) -> Bool {
            switch scalar {
            case 0x09, 0x0A, 0x0D: false
            case 0x00..<0x20, 0x7F, 0x80...0x9F: true
            default: false
            }
        }

        func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
            default: nil
            }
        }

        func controlCharacter(_ scalar: UInt32, isKey: Bool) -> JSONPreflightError {
            .controlCharacter(path: pathDescription(droppingLast: isKey), scalar: scalar)
        }

        /// `params.items[2].note`: built only when something is refused.
        func pathDescription(droppingLast: Bool) -> String {
            var text = ""
            for step in droppingLast ? path.dropLast() : path[...] {
                switch step {
                case .key(let start, let end):
                    let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<max(start, end)]), as: UTF8.self)
                    text += text.isEmpty ? key : "." + key
                case .index(let position):
                    text += "[\(position)]"
                }
            }
            return text
        }
    }
}
