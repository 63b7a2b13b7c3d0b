/// Code 39 "full ASCII" (extended) decoding. Plain Code 39 has 43 characters; the extended form writes the rest
/// of ASCII as pairs of a shift character (`$ % / +`) and a letter (`+A` is `a`). Neither zbar 0.23.92
/// (`code39.ascii` is accepted but ignored) nor ZXing 1.4 by default decodes the pairs; zxing-cpp 3 does, when
/// every pair is valid, and keeps the plain text otherwise. So do we: blackbox/ Code 39 11 → 14 of 14.
enum Code39 {
    /// The text a reader should report for the Code 39 characters `bytes`: the full-ASCII decoding when the
    /// text holds shift pairs and all of them are valid, else `bytes` unchanged. A last character that is a
    /// valid mod-43 check character is left out of the pairs, as zxing-cpp does.
    static func reported(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: isShift) else { return bytes }
        if let decoded = fullASCII(bytes) { return decoded }
        if let check = bytes.last, hasCheckCharacter(bytes), let decoded = fullASCII(bytes.dropLast()) { return decoded + [check] }
        return bytes
    }

    /// The full-ASCII decoding of `bytes`, nil when a shift character is not followed by a letter it can shift
    /// (the text is then plain Code 39 that happens to contain `$ % / +`).
    static func fullASCII<C: Collection<UInt8>>(_ bytes: C) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            guard isShift(byte) else {
                out.append(byte)
                continue
            }
            guard let next = iterator.next(), let shifted = shift(byte, next) else { return nil }
            out.append(shifted)
        }
        return out
    }

    private static func isShift(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "$") || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "+")
    }

    /// ISO/IEC 16388 Annex: `$A`–`$Z` control codes 1–26; `%A`–`%E` 27–31, `%F`–`%J` `; < = > ?`, `%K`–`%O`
    /// `[ \ ] ^ _`, `%P`–`%T` `{ | } ~ DEL`, `%U` NUL, `%V` `@`, `%W` `` ` ``, `%X`–`%Z` DEL; `/A`–`/O` `!`–`/`,
    /// `/Z` `:`; `+A`–`+Z` `a`–`z`.
    private static func shift(_ shift: UInt8, _ letter: UInt8) -> UInt8? {
        guard letter >= UInt8(ascii: "A"), letter <= UInt8(ascii: "Z") else { return nil }
        let index = letter - UInt8(ascii: "A")
        switch shift {
        case UInt8(ascii: "$"): return index + 1
        case UInt8(ascii: "%"): return percent[Int(index)]
        case UInt8(ascii: "/"):
            if letter == UInt8(ascii: "Z") { return UInt8(ascii: ":") }
            return letter <= UInt8(ascii: "O") ? UInt8(ascii: "!") + index : nil
        default: return UInt8(ascii: "a") + index
        }
    }

    private static let percent: [UInt8] =
        [27, 28, 29, 30, 31] + Array(";<=>?".utf8) + Array("[\\]^_".utf8) + Array("{|}~".utf8)
        + [127, 0] + Array("@`".utf8) + [127, 127, 127]

    /// The 43 Code 39 characters in check-value order.
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%".utf8)

    /// True when the last character is the mod-43 check character of the others.
    private static func hasCheckCharacter(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2, let check = bytes.last else { return false }
        var sum = 0
        for byte in bytes.dropLast() {
            guard let value = alphabet.firstIndex(of: byte) else { return false }
            sum += value
        }
        return alphabet[sum % 43] == check
    }
}
