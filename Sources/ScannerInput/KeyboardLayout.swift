/// A keyboard layout as data: for each HID keyboard usage (page 0x07), the character typed plain, with Shift and
/// with AltGr. A keyboard-style scanner is set up for a layout and sends the key positions that type its characters
/// on that layout; decoding with the wrong table corrupts symbols (STANDARDS P3), so the table is configuration.
public struct KeyboardLayout: Sendable {
    public let name: String
    /// usage → [plain, shift, altGr]; a missing entry or a nil slot types nothing.
    let keys: [UInt8: [Character?]]

    public func character(usage: UInt8, shift: Bool, altGr: Bool) -> Character? {
        guard let slots = keys[usage] else { return nil }
        let index = altGr ? 2 : (shift ? 1 : 0)
        return index < slots.count ? slots[index] : nil
    }

    /// The layouts by the names configuration uses.
    public static let all: [String: KeyboardLayout] = ["us": .us, "de": .german, "fr": .french]

    public static func named(_ name: String) -> KeyboardLayout? { all[name.lowercased()] }

    /// Builds a table from rows `usage: "plain shift altGr"` (one character each, `·` for "types nothing").
    init(name: String, letters: String, rows: [UInt8: String]) {
        var keys: [UInt8: [Character?]] = [:]
        // Letters: usage 0x04… in the order of `letters` (the character each position types), Shift = upper case.
        for (offset, letter) in letters.enumerated() {
            keys[UInt8(0x04 + offset)] = [letter, Character(letter.uppercased())]
        }
        for (usage, row) in rows {
            keys[usage] = row.map { $0 == "·" ? nil : $0 }
        }
        // Layout-independent keys.
        keys[0x28] = ["\r", "\r"]  // Enter: a terminator, never part of a code
        keys[0x58] = ["\r", "\r"]  // Keypad Enter
        keys[0x2B] = ["\t", "\t"]
        keys[0x2C] = [" ", " "]
        keys[0x54] = ["/", "/"]
        keys[0x55] = ["*", "*"]
        keys[0x56] = ["-", "-"]
        keys[0x57] = ["+", "+"]
        // Keypad digits (Num Lock is assumed on: scanners use them for Alt codes and plain digits alike).
        for (offset, digit) in "1234567890".enumerated() { keys[UInt8(0x59 + offset)] = [digit, digit] }
        keys[0x63] = [".", "."]
        self.name = name
        self.keys = keys
    }

    /// US English (the default: most scanners ship set to it).
    public static let us = KeyboardLayout(
        name: "us", letters: "abcdefghijklmnopqrstuvwxyz",
        rows: [
            0x1E: "1!", 0x1F: "2@", 0x20: "3#", 0x21: "4$", 0x22: "5%", 0x23: "6^", 0x24: "7&", 0x25: "8*", 0x26: "9(", 0x27: "0)",
            0x2D: "-_", 0x2E: "=+", 0x2F: "[{", 0x30: "]}", 0x31: "\\|", 0x32: "#~", 0x33: ";:", 0x34: "'\"", 0x35: "`~",
            0x36: ",<", 0x37: ".>", 0x38: "/?", 0x64: "\\|",
        ])

    /// German (QWERTZ). Dead keys (`^`, `´`, `` ` ``) type their own character.
    public static let german = KeyboardLayout(
        name: "de", letters: "abcdefghijklmnopqrstuvwxzy",
        rows: [
            0x1E: "1!", 0x1F: "2\"²", 0x20: "3§³", 0x21: "4$", 0x22: "5%", 0x23: "6&", 0x24: "7/{", 0x25: "8([", 0x26: "9)]",
            0x27: "0=}", 0x2D: "ß?\\", 0x2E: "´`", 0x2F: "üÜ", 0x30: "+*~", 0x31: "#'", 0x32: "#'", 0x33: "öÖ", 0x34: "äÄ",
            0x35: "^°", 0x36: ",;", 0x37: ".:", 0x38: "-_", 0x64: "<>|",
            0x14: "qQ@", 0x08: "eE€", 0x10: "mMµ",
        ])

    /// French (AZERTY): digits need Shift, which scanners set to this layout send.
    public static let french = KeyboardLayout(
        name: "fr", letters: "qbcdefghijkl,noparstuvzxyw",
        rows: [
            0x1E: "&1", 0x1F: "é2~", 0x20: "\"3#", 0x21: "'4{", 0x22: "(5[", 0x23: "-6|", 0x24: "è7`", 0x25: "_8\\", 0x26: "ç9^",
            0x27: "à0@", 0x2D: ")°]", 0x2E: "=+}", 0x2F: "^¨", 0x30: "$£¤", 0x31: "*µ", 0x32: "*µ", 0x33: "mM", 0x34: "ù%",
            0x35: "²", 0x36: ";.", 0x37: ":/", 0x38: "!§", 0x64: "<>",
            0x10: ",?", 0x08: "eE€",
        ])
}
