import Foundation
import Testing

@testable import ScannerInput

/// Boot keyboard reports as a scanner sends them.
enum Keys {
    static let shift: UInt8 = 0x02
    static let control: UInt8 = 0x01
    static let altGr: UInt8 = 0x40

    static func report(_ modifiers: UInt8 = 0, _ keys: UInt8...) -> [UInt8] {
        [modifiers, 0] + keys + [UInt8](repeating: 0, count: 6 - keys.count)
    }

    static let release = report()
    static let enter = report(0, 0x28)

    /// Press and release for each US character (letters, digits, `-`, `.`), then Enter when asked.
    static func typed(_ text: String, enter: Bool = true) -> [[UInt8]] {
        var reports: [[UInt8]] = []
        for character in text {
            let ascii = character.asciiValue!
            let (modifiers, usage): (UInt8, UInt8) =
                switch character {
                case "a"..."z": (0, ascii - 97 + 0x04)
                case "A"..."Z": (shift, ascii - 65 + 0x04)
                case "1"..."9": (0, ascii - 49 + 0x1E)
                case "0": (0, 0x27)
                case "-": (0, 0x2D)
                case ".": (0, 0x37)
                case " ": (0, 0x2C)
                default: fatalError("not in the test map: \(character)")
                }
            reports += [report(modifiers, usage), release]
        }
        if enter { reports += [Keys.enter, release] }
        return reports
    }
}

extension HIDKeyboardDecoder {
    /// Feeds reports 4 ms apart from `start` (ms) and returns the codes.
    mutating func feed(_ reports: [[UInt8]], startingAt start: UInt64 = 0, step: UInt64 = 4) -> [DecodedCode] {
        var codes: [DecodedCode] = []
        for (index, report) in reports.enumerated() {
            codes += feed(report, at: .milliseconds(start + UInt64(index) * step))
        }
        return codes
    }
}

@Suite struct HIDKeyboardDecoderTests {
    @Test func mixedCaseWithShiftEndsOnEnter() {
        var decoder = HIDKeyboardDecoder()
        let codes = decoder.feed(Keys.typed("SF1234567890123") + Keys.typed("AbC-xyz.9"))
        #expect(codes.map(\.text) == ["SF1234567890123", "AbC-xyz.9"])
        #expect(codes.allSatisfy { $0.completion == .terminator && $0.rejection == nil })
    }

    @Test func rightShiftCountsToo() {
        var decoder = HIDKeyboardDecoder()
        let codes = decoder.feed([Keys.report(0x20, 0x04), Keys.release, Keys.enter])
        #expect(codes.map(\.text) == ["A"])
    }

    @Test func heldKeyIsOneCharacterAndReleaseMakesARepeat() {
        var decoder = HIDKeyboardDecoder()
        // "1" held over three reports, then released and pressed again: "11", not "111" or "1".
        let one = Keys.report(0, 0x1E)
        let codes = decoder.feed([one, one, one, Keys.release, one, Keys.release, Keys.enter])
        #expect(codes.map(\.text) == ["11"])
    }

    @Test func rolloverTakesNewKeysInReportOrder() {
        var decoder = HIDKeyboardDecoder()
        // Fast scanners press the next key before releasing the last: a, a+b, b+c, c, (none), Enter.
        let reports = [
            Keys.report(0, 0x04), Keys.report(0, 0x04, 0x05), Keys.report(0, 0x05, 0x06), Keys.report(0, 0x06), Keys.release,
            Keys.report(0, 0x04, 0x28),
        ]
        #expect(decoder.feed(reports).map(\.text) == ["abca"])
    }

    @Test func sameKeyInConsecutiveReportsWithoutReleaseIsHeld() {
        var decoder = HIDKeyboardDecoder()
        // "aa" needs the key to disappear: a, a+b (a held), b only (a released), a again.
        let reports = [Keys.report(0, 0x04), Keys.report(0, 0x04, 0x05), Keys.report(0, 0x05), Keys.report(0, 0x04), Keys.enter]
        #expect(decoder.feed(reports).map(\.text) == ["aba"])
    }

    @Test func rolloverErrorReportKeepsTheKeyState() {
        var decoder = HIDKeyboardDecoder()
        let error = Keys.report(0, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01)
        let codes = decoder.feed([Keys.report(0, 0x04), error, Keys.report(0, 0x04), Keys.release, Keys.enter])
        #expect(codes.map(\.text) == ["a"])
    }

    @Test func tabTerminatorAndEnterAsData() {
        var decoder = HIDKeyboardDecoder(configuration: KeyboardDecoderConfiguration(terminator: .tab))
        let codes = decoder.feed(Keys.typed("AB", enter: false) + [Keys.report(0, 0x2B), Keys.release])
        #expect(codes.map(\.text) == ["AB"])
        // Enter is data for a tab-terminated scanner.
        let more = decoder.feed([Keys.report(0, 0x04), Keys.release, Keys.enter, Keys.release, Keys.report(0, 0x2B)])
        #expect(more.map(\.bytes) == [[0x61, 0x0D]])
    }

    @Test func noTerminatorEndsByInterCharacterTimeout() {
        let configuration = KeyboardDecoderConfiguration(terminator: .none, interCharacterTimeoutMilliseconds: 50)
        var decoder = HIDKeyboardDecoder(configuration: configuration)
        #expect(decoder.feed(Keys.typed("12", enter: false), startingAt: 0).isEmpty)
        // Last key at 8 ms: the code is due at 58 ms.
        #expect(decoder.deadline == .milliseconds(8 + 50))
        #expect(decoder.expire(at: .milliseconds(40)) == nil)
        let code = decoder.expire(at: .milliseconds(59))
        #expect(code?.text == "12")
        #expect(code?.completion == .timeout)
        #expect(decoder.deadline == nil)
        // A report arriving after the gap first completes the previous code, then starts a new one.
        _ = decoder.feed(Keys.typed("3", enter: false), startingAt: 100)
        let next = decoder.feed(Keys.typed("4", enter: false), startingAt: 300)
        #expect(next.map(\.text) == ["3"])
        #expect(decoder.partial == Array("4".utf8))
    }

    @Test func timeoutAlsoEndsACodeWhoseEnterNeverCame() {
        var decoder = HIDKeyboardDecoder(configuration: KeyboardDecoderConfiguration(interCharacterTimeoutMilliseconds: 100))
        _ = decoder.feed(Keys.typed("ABC", enter: false))
        #expect(decoder.expire(at: .milliseconds(500))?.text == "ABC")
    }

    @Test func groupSeparatorAsControlBracketAndAsConfiguredKey() {
        var decoder = HIDKeyboardDecoder()
        // ]C1 01…(GS)10ABC: GS1-128 with an AIM prefix; GS is Ctrl + the US ] key.
        var reports = [Keys.report(0, 0x30), Keys.release, Keys.report(Keys.shift, 0x06), Keys.release]
        reports += Keys.typed("101", enter: false) + [Keys.report(Keys.control, 0x30), Keys.release] + Keys.typed("10AB")
        let code = decoder.feed(reports).first
        #expect(code?.symbology == "]C1")
        #expect(code?.bytes == Array("01".utf8) + [0x1D] + Array("10AB".utf8))

        var f12 = HIDKeyboardDecoder(configuration: KeyboardDecoderConfiguration(groupSeparatorUsage: 0x45))
        let other = f12.feed(Keys.typed("1", enter: false) + [Keys.report(0, 0x45), Keys.release] + Keys.typed("2"))
        #expect(other.first?.bytes == [0x31, 0x1D, 0x32])
    }

    @Test func aimPrefixIsKeptWhenStrippingIsOff() {
        var decoder = HIDKeyboardDecoder(configuration: KeyboardDecoderConfiguration(stripAIMPrefix: false))
        let reports = [Keys.report(0, 0x30), Keys.release, Keys.report(Keys.shift, 0x06), Keys.release] + Keys.typed("0X")
        let code = decoder.feed(reports).first
        #expect(code?.text == "]C0X")
        #expect(code?.symbology == nil)
    }

    @Test func germanLayoutSwapsYAndZAndShiftsSymbols() {
        var decoder = HIDKeyboardDecoder(configuration: KeyboardDecoderConfiguration(layout: "de"))
        // On QWERTZ the scanner sends the key at US "y" for z, and Shift+7 for "/".
        let reports = [
            Keys.report(0, 0x1C), Keys.release, Keys.report(0, 0x1D), Keys.release, Keys.report(Keys.shift, 0x24), Keys.release,
            Keys.report(0, 0x38), Keys.release, Keys.report(Keys.altGr, 0x14), Keys.release, Keys.report(0, 0x2D), Keys.release,
            Keys.enter,
        ]
        #expect(decoder.feed(reports).map(\.text) == ["zy/-@ß"])
    }

    @Test func frenchLayoutTypesDigitsWithShift() {
        var decoder = HIDKeyboardDecoder(configuration: KeyboardDecoderConfiguration(layout: "fr"))
        // AZERTY: digits are Shift + the top row; unshifted they are & é " …; the US "q" key types "a".
        var reports: [[UInt8]] = []
        for usage: UInt8 in [0x1E, 0x1F, 0x20] { reports += [Keys.report(Keys.shift, usage), Keys.release] }
        reports += [Keys.report(0, 0x1E), Keys.release, Keys.report(0, 0x14), Keys.release, Keys.report(0, 0x33), Keys.release, Keys.enter]
        #expect(decoder.feed(reports).map(\.text) == ["123&am"])
        // The same keys decoded as US are a different code: the layout matters (STANDARDS P3).
        var us = HIDKeyboardDecoder()
        #expect(us.feed(reports).map(\.text) != ["123&am"])
    }

    @Test func unknownKeysRejectTheCode() {
        var decoder = HIDKeyboardDecoder()
        let codes = decoder.feed(Keys.typed("A", enter: false) + [Keys.report(0, 0x3A), Keys.release] + Keys.typed("B"))
        #expect(codes.count == 1)
        #expect(codes[0].rejection?.contains("0x3a") == true)
        // Caps Lock is no data and no error.
        var caps = HIDKeyboardDecoder()
        #expect(caps.feed([Keys.report(0, 0x39), Keys.release] + Keys.typed("A")).first?.rejection == nil)
    }

    @Test func overLongCodeIsRejected() {
        var decoder = HIDKeyboardDecoder(configuration: KeyboardDecoderConfiguration(maximumLength: 4))
        let code = decoder.feed(Keys.typed("123456")).first
        #expect(code?.rejection != nil)
        #expect(decoder.feed(Keys.typed("1234")).first?.rejection == nil)
    }

    @Test func strayEnterIsNoCodeAndDropPartialEmpties() {
        var decoder = HIDKeyboardDecoder()
        #expect(decoder.feed([Keys.enter, Keys.release, Keys.enter]).isEmpty)
        _ = decoder.feed(Keys.typed("AB", enter: false))
        #expect(decoder.dropPartial() == Array("AB".utf8))
        #expect(decoder.dropPartial() == nil)
        #expect(decoder.feed(Keys.typed("C")).map(\.text) == ["C"])
    }

    @Test func configurationDecodesWithDefaultsAndRefusesBadValues() throws {
        let decoded = try JSONDecoder().decode(KeyboardDecoderConfiguration.self, from: Data(#"{"layout":"de"}"#.utf8))
        #expect(decoded == KeyboardDecoderConfiguration(layout: "de"))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(KeyboardDecoderConfiguration.self, from: Data(#"{"layout":"xx"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(KeyboardDecoderConfiguration.self, from: Data(#"{"terminator":"none"}"#.utf8))
        }
    }
}
