/// What ends a code typed by a keyboard-style scanner.
public enum KeyboardTerminator: String, Codable, Sendable, Hashable {
    /// Enter (usage 0x28, or keypad Enter 0x58): the factory default of nearly every scanner.
    case enter
    case tab
    /// No suffix: only the inter-character timeout ends a code.
    case none
}

/// How a keyboard-style scanner's reports become codes.
///
/// GS1 group separator (FNC1 after the first position): scanners send it as Ctrl+] (the key at the US `]`
/// position, usage 0x30, with Ctrl, whatever the layout), or as a key set up in the scanner that is named here in
/// `groupSeparatorUsage`. Both produce 0x1D in the code. Any other Ctrl+letter produces its control character.
/// Alt+keypad codes (Alt 0 2 9) are not decoded.
public struct KeyboardDecoderConfiguration: Codable, Sendable, Hashable {
    /// `us` (default), `de` (QWERTZ) or `fr` (AZERTY); see `KeyboardLayout.all`.
    public var layout: String
    public var terminator: KeyboardTerminator
    /// A gap longer than this between two keys ends the code. Needed with terminator `none`; with a terminator it
    /// also ends a code whose suffix never came (STANDARDS P1). Nil: no timeout.
    public var interCharacterTimeoutMilliseconds: Int?
    /// A key usage (page 0x07) the scanner sends for GS, e.g. 0x45 (F12); nil when only Ctrl+] is used.
    public var groupSeparatorUsage: UInt8?
    /// Move a leading AIM identifier (`]C1…`), which scanners add when set to, into the event's symbology.
    public var stripAIMPrefix: Bool
    /// Longer codes are rejected (a stuck key, or a scanner typing a document).
    public var maximumLength: Int

    public init(
        layout: String = "us", terminator: KeyboardTerminator = .enter, interCharacterTimeoutMilliseconds: Int? = nil,
        groupSeparatorUsage: UInt8? = nil, stripAIMPrefix: Bool = true, maximumLength: Int = 1024
    ) {
        self.layout = layout
        self.terminator = terminator
        self.interCharacterTimeoutMilliseconds = interCharacterTimeoutMilliseconds
        self.groupSeparatorUsage = groupSeparatorUsage
        self.stripAIMPrefix = stripAIMPrefix
        self.maximumLength = maximumLength
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = KeyboardDecoderConfiguration()
        layout = try c.decodeIfPresent(String.self, forKey: .layout) ?? defaults.layout
        terminator = try c.decodeIfPresent(KeyboardTerminator.self, forKey: .terminator) ?? defaults.terminator
        interCharacterTimeoutMilliseconds = try c.decodeIfPresent(Int.self, forKey: .interCharacterTimeoutMilliseconds)
        groupSeparatorUsage = try c.decodeIfPresent(UInt8.self, forKey: .groupSeparatorUsage)
        stripAIMPrefix = try c.decodeIfPresent(Bool.self, forKey: .stripAIMPrefix) ?? defaults.stripAIMPrefix
        maximumLength = try c.decodeIfPresent(Int.self, forKey: .maximumLength) ?? defaults.maximumLength
        guard KeyboardLayout.named(layout) != nil else {
            throw DecodingError.dataCorruptedError(
                forKey: .layout, in: c, debugDescription: "unknown keyboard layout \(layout) (known: us, de, fr)")
        }
        if terminator == .none && interCharacterTimeoutMilliseconds == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .terminator, in: c, debugDescription: "terminator none needs interCharacterTimeoutMilliseconds")
        }
    }
}

/// A code decoded from a scanner: bytes without the terminator, and whether it is usable.
public struct DecodedCode: Equatable, Sendable {
    public enum Completion: String, Sendable { case terminator, timeout, report }

    public var bytes: [UInt8]
    public var symbology: String?
    public var completion: Completion
    /// Why the code must not be used, when it must not.
    public var rejection: String?

    public init(bytes: [UInt8], symbology: String? = nil, completion: Completion, rejection: String? = nil) {
        self.bytes = bytes
        self.symbology = symbology
        self.completion = completion
        self.rejection = rejection
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// Splits a leading AIM identifier (`]` + letter + character) off `bytes`.
    mutating func stripAIMPrefix() {
        guard symbology == nil, bytes.count >= 3, bytes[0] == UInt8(ascii: "]"), Self.isLetter(bytes[1]), Self.isAlphanumeric(bytes[2])
        else { return }
        symbology = String(decoding: bytes[0..<3], as: UTF8.self)
        bytes.removeFirst(3)
    }

    static func isLetter(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) }
    static func isAlphanumeric(_ b: UInt8) -> Bool { isLetter(b) || (0x30...0x39).contains(b) }
}

/// Decodes HID boot keyboard input reports (8 bytes: modifiers, reserved, six key usages) into codes. Pure: the
/// caller passes the time each report arrived.
///
/// A key counts once when it appears in a report and was not in the previous one: a key held across reports is
/// one character, and the same character twice needs a release (or the key missing from a report) in between, as
/// on a real keyboard. Keys newly pressed in one report (rollover) are taken in report order.
public struct HIDKeyboardDecoder: Sendable {
    public let configuration: KeyboardDecoderConfiguration
    let layout: KeyboardLayout
    private var held: [UInt8] = []
    private var buffer: [UInt8] = []
    private var unknownUsages: [UInt8] = []
    private var tooLong = false
    private var lastKeyAt: MonotonicInstant?

    public init(configuration: KeyboardDecoderConfiguration = KeyboardDecoderConfiguration()) {
        self.configuration = configuration
        layout = KeyboardLayout.named(configuration.layout) ?? .us
    }

    /// The characters of a code in progress.
    public var partial: [UInt8] { buffer }

    /// When the code in progress ends by timeout, if it can.
    public var deadline: MonotonicInstant? {
        guard let timeout = configuration.interCharacterTimeoutMilliseconds, let lastKeyAt, hasPartial else { return nil }
        return lastKeyAt.adding(milliseconds: timeout)
    }

    var hasPartial: Bool { !buffer.isEmpty || !unknownUsages.isEmpty || tooLong }

    /// Feeds one report received at `now`; returns the codes it completed (a timed-out code first).
    public mutating func feed(_ report: [UInt8], at now: MonotonicInstant) -> [DecodedCode] {
        var codes: [DecodedCode] = []
        if let expired = expire(at: now) { codes.append(expired) }
        guard report.count >= 3 else { return codes }
        let modifiers = report[0]
        let keys = report[2..<min(report.count, 8)].filter { $0 != 0 }
        // 0x01 ErrorRollOver (too many keys), 0x02 POSTFail, 0x03 ErrorUndefined: the key state is unknown, so keep
        // the previous one and wait for a readable report.
        if keys.contains(where: { $0 <= 0x03 }) { return codes }
        for usage in keys where !held.contains(usage) {
            if let code = press(usage, modifiers: modifiers, at: now) { codes.append(code) }
        }
        held = Array(keys)
        return codes
    }

    /// Completes the code in progress when the inter-character timeout has passed at `now`.
    public mutating func expire(at now: MonotonicInstant) -> DecodedCode? {
        guard let deadline, now > deadline else { return nil }
        return complete(.timeout)
    }

    /// Discards the code in progress (scanner gone) and returns what it held, if anything.
    public mutating func dropPartial() -> [UInt8]? {
        defer {
            buffer = []
            unknownUsages = []
            tooLong = false
            held = []
            lastKeyAt = nil
        }
        return hasPartial ? buffer : nil
    }

    private mutating func press(_ usage: UInt8, modifiers: UInt8, at now: MonotonicInstant) -> DecodedCode? {
        let shift = modifiers & 0x22 != 0
        let control = modifiers & 0x11 != 0
        let altGr = modifiers & 0x40 != 0
        if usage == configuration.groupSeparatorUsage || (control && usage == 0x30) {
            append([0x1D], at: now)
            return nil
        }
        guard let character = layout.character(usage: usage, shift: shift, altGr: altGr) else {
            // Lock and modifier keys (Caps Lock 0x39, Num Lock 0x53, 0xE0–0xE7) carry no data.
            if usage != 0x39 && usage != 0x53 && usage < 0xE0 {
                unknownUsages.append(usage)
                lastKeyAt = now
            }
            return nil
        }
        switch (character, configuration.terminator) {
        case ("\r", .enter), ("\t", .tab):
            return hasPartial ? complete(.terminator) : nil
        default: break
        }
        if control, let ascii = character.asciiValue, ascii >= 0x40 {
            append([ascii & 0x1F], at: now)
        } else {
            append(Array(String(character).utf8), at: now)
        }
        return nil
    }

    private mutating func append(_ bytes: [UInt8], at now: MonotonicInstant) {
        lastKeyAt = now
        if buffer.count + bytes.count > configuration.maximumLength {
            tooLong = true
        } else if !tooLong {
            buffer += bytes
        }
    }

    private mutating func complete(_ completion: DecodedCode.Completion) -> DecodedCode {
        var code = DecodedCode(bytes: buffer, completion: completion)
        if tooLong {
            code.rejection = "longer than \(configuration.maximumLength) bytes"
        } else if !unknownUsages.isEmpty {
            let list = unknownUsages.map { "0x" + String($0, radix: 16) }.joined(separator: ",")
            code.rejection = "keys the \(layout.name) layout does not type: \(list)"
        }
        if configuration.stripAIMPrefix { code.stripAIMPrefix() }
        buffer = []
        unknownUsages = []
        tooLong = false
        lastKeyAt = nil
        return code
    }
}
