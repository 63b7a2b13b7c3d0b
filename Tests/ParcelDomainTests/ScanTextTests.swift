import StationTestSupport
import Testing

@testable import ParcelDomain

@Suite("ScanText normalisation")
struct ScanTextTests {
    // MARK: framing noise

    @Test(
        "framing characters and spaces are removed",
        arguments: [
            ("SF1234567890123\r", "SF1234567890123"),
            ("SF1234567890123\n", "SF1234567890123"),
            ("SF1234567890123\r\n", "SF1234567890123"),
            ("SF1234567890123\t", "SF1234567890123"),
            ("\tSF1234567890123\t\r\n", "SF1234567890123"),
            ("  SF1234567890123  ", "SF1234567890123"),
            (" \t SF1234567890123 \r\n ", "SF1234567890123"),
            ("SF 1234 5678 90123", "SF1234567890123"),
            ("\u{3000}SF1234567890123\u{3000}", "SF1234567890123"),
            ("\u{0}SF1234567890123", "SF1234567890123"),
            ("EA123456785CN\r", "EA123456785CN"),
        ])
    func framingRemoved(raw: String, expected: String) throws {
        let scan = try ScanText(raw: raw)
        #expect(scan.text == expected)
        #expect(scan.raw == raw)
        #expect(scan.symbologyIdentifier == nil)
        #expect(scan.isGS1 == false)
    }

    // MARK: AIM symbology identifiers

    @Test(
        "AIM symbology identifiers are stripped and remembered",
        arguments: [
            ("]C1SF1234567890123", "]C1", "SF1234567890123", true),
            ("]C0SF1234567890123", "]C0", "SF1234567890123", false),
            ("]Q1EA123456785CN", "]Q1", "EA123456785CN", false),
            ("]E06901234567892", "]E0", "6901234567892", false),
            ("]C100106141411234567897", "]C1", "00106141411234567897", true),
            ("]d200106141411234567897", "]d2", "00106141411234567897", true),
            ("]Q300106141411234567897", "]Q3", "00106141411234567897", true),
            ("]e000106141411234567897", "]e0", "00106141411234567897", true),
            ("]J100106141411234567897", "]J1", "00106141411234567897", true),
            ("]C1SF1234567890123\r\n", "]C1", "SF1234567890123", true),
            ("  ]C0SF1234567890123\r\n", "]C0", "SF1234567890123", false),
            ("]c1SF1234567890123", "]c1", "SF1234567890123", false),
        ])
    func aimPrefix(raw: String, identifier: String, text: String, gs1: Bool) throws {
        let scan = try ScanText(raw: raw)
        #expect(scan.symbologyIdentifier == identifier)
        #expect(scan.text == text)
        #expect(scan.isGS1 == gs1)
        #expect(scan.raw == raw)
    }

    // MARK: GS1

    @Test(
        "GS1 human-readable (AI) form keeps the AI digits and marks GS1",
        arguments: [
            ("(00)106141411234567897", "00106141411234567897"),
            ("(00) 1061 4141 1234 5678 97", "00106141411234567897"),
            ("(00)106141411234567897\r\n", "00106141411234567897"),
            ("(01)09506000134352(10)AB12", "0109506000134352" + "10AB12"),
        ])
    func gs1HumanReadable(raw: String, expected: String) throws {
        let scan = try ScanText(raw: raw)
        #expect(scan.text == expected)
        #expect(scan.isGS1)
        #expect(scan.symbologyIdentifier == nil)
    }

    @Test("GS (0x1D) separators inside the data are removed")
    func groupSeparator() throws {
        let withPrefix = try ScanText(raw: "]C10010614141\u{1D}1234567897\r")
        #expect(withPrefix.text == "00106141411234567897")
        #expect(withPrefix.isGS1)
        #expect(withPrefix.symbologyIdentifier == "]C1")

        let plain = try ScanText(raw: "SF123\u{1D}4567890123")
        #expect(plain.text == "SF1234567890123")
        #expect(plain.isGS1 == false)
    }

    @Test(
        "isGS1 is true only for GS1 identifiers and the (AI) form",
        arguments: [
            ("]C100106141411234567897", true),
            ("(00)106141411234567897", true),
            ("00106141411234567897", false),
            ("]C000106141411234567897", false),
            ("]Q100106141411234567897", false),
            ("]E000106141411234567897", false),
            ("SF1234567890123", false),
            ("EA123456785CN", false),
        ])
    func isGS1(raw: String, expected: Bool) throws {
        #expect(try ScanText(raw: raw).isGS1 == expected)
    }

    // MARK: character folding

    @Test(
        "full-width digits and letters become ASCII",
        arguments: [
            ("ＳＦ１２３４５６７８９０１２３", "SF1234567890123"),
            ("ｓｆ１２３４５６７８９０１２３", "SF1234567890123"),
            ("ＥＡ１２３４５６７８５ＣＮ", "EA123456785CN"),
            ("SF１２３4567890123", "SF1234567890123"),
            ("\u{3000}ＪＴ１２３４５６７８９０１２３\u{3000}", "JT1234567890123"),
            ("０１２３４５６７８９ＡＺａｚ", "0123456789AZAZ"),
        ])
    func fullWidth(raw: String, expected: String) throws {
        #expect(try ScanText(raw: raw).text == expected)
    }

    @Test(
        "lower case becomes upper case",
        arguments: [
            ("sf1234567890123", "SF1234567890123"),
            ("ea123456785cn", "EA123456785CN"),
            ("Jt1234567890123", "JT1234567890123"),
            ("jdv012345678901", "JDV012345678901"),
        ])
    func upperCase(raw: String, expected: String) throws {
        #expect(try ScanText(raw: raw).text == expected)
    }

    @Test(
        "hyphens are removed",
        arguments: [
            ("JT-1234567890123", "JT1234567890123"),
            ("JT-1234-5678-90123", "JT1234567890123"),
            ("SF-123", "SF123"),
            ("-EA123456785CN-", "EA123456785CN"),
            ("77-3012-3456-78901", "773012345678901"),
        ])
    func hyphens(raw: String, expected: String) throws {
        #expect(try ScanText(raw: raw).text == expected)
    }

    // MARK: empty

    @Test(
        "empty or framing-only input is an empty scan",
        arguments: [
            "", " ", "   ", "\r", "\n", "\r\n", "\t", "\t\r\n", "\u{1D}", "\u{0}", "\u{3000}", "]C1", "]C1\r\n", "  ]Q1  ", "-", "---",
            "]C1-", " - - ",
        ])
    func emptyScan(raw: String) {
        #expect(throws: DomainError.emptyScan) { try ScanText(raw: raw) }
    }

    // MARK: length limits

    @Test("limits are the documented ones")
    func limits() {
        #expect(ScanText.maximumLength == 40)
        #expect(ScanText.maximumRawLength == 256)
    }

    @Test(
        "raw text over 256 Unicode scalars is rejected with its scalar count",
        arguments: [257, 258, 300, 1000])
    func rawTooLong(length: Int) {
        let raw = String(repeating: "1", count: length)
        #expect(throws: DomainError.scanTooLong(length: length, limit: 256)) { try ScanText(raw: raw) }
    }

    @Test("the raw limit counts Unicode scalars, not characters")
    func rawLimitCountsScalars() {
        // "\r\n" is one Character but two scalars: 128 of them plus "1" is 257 scalars, 129 characters.
        let raw = "1" + String(repeating: "\r\n", count: 128)
        #expect(raw.count == 129)
        #expect(throws: DomainError.scanTooLong(length: 257, limit: 256)) { try ScanText(raw: raw) }
        // Control-only raw input over the limit is still "too long", checked before anything else.
        let controls = String(repeating: "\t", count: 300)
        #expect(throws: DomainError.scanTooLong(length: 300, limit: 256)) { try ScanText(raw: controls) }
    }

    @Test("raw text of exactly 256 scalars is looked at")
    func rawAtLimit() throws {
        let raw = "SF1234567890123" + String(repeating: " ", count: 256 - 15)
        #expect(raw.unicodeScalars.count == 256)
        let scan = try ScanText(raw: raw)
        #expect(scan.text == "SF1234567890123")
        #expect(scan.raw == raw)
    }

    @Test(
        "normalised text over 40 characters is rejected with its length",
        arguments: [41, 42, 60, 200])
    func normalisedTooLong(length: Int) {
        let raw = "  " + String(repeating: "7", count: length) + "\r\n"
        #expect(throws: DomainError.scanTooLong(length: length, limit: 40)) { try ScanText(raw: raw) }
    }

    @Test("normalised length is counted after removing framing, prefix and full-width folding")
    func normalisedLengthAfterFraming() throws {
        // 40 characters of number inside framing and an AIM prefix: accepted.
        let forty = String(repeating: "A", count: 20) + String(repeating: "9", count: 20)
        let scan = try ScanText(raw: "]C0 " + forty + "\r\n")
        #expect(scan.text == forty)
        #expect(scan.text.count == 40)
        // 41 full-width digits: too long, length 41.
        let fullWidth = String(repeating: "１", count: 41)
        #expect(throws: DomainError.scanTooLong(length: 41, limit: 40)) { try ScanText(raw: fullWidth) }
        // 41 digits after a GS1 identifier: too long, the identifier not counted.
        #expect(throws: DomainError.scanTooLong(length: 41, limit: 40)) {
            try ScanText(raw: "]C1" + String(repeating: "0", count: 41))
        }
    }

    // MARK: invalid characters

    @Test(
        "characters no waybill uses are rejected, naming the first one",
        arguments: [
            ("SF12345中67890123", Character("中")),
            ("中通75123456789012", Character("中")),
            ("SF#1234567890123", Character("#")),
            ("#1", Character("#")),
            ("SF123😀", Character("😀")),
            ("😀SF123", Character("😀")),
            ("SF123.45", Character(".")),
            ("SF_123", Character("_")),
            ("SF/123", Character("/")),
            ("SF123#45$", Character("#")),
            ("SF１２３＃", Character("＃")),
            ("SF\u{00A0}123", Character("\u{00A0}")),
            ("]C1(00)12#", Character("#")),
            ("SF12（3）", Character("（")),
        ])
    func invalidCharacter(raw: String, bad: Character) {
        #expect(throws: DomainError.invalidCharacter(bad)) { try ScanText(raw: raw) }
    }

    // MARK: raw text

    @Test(
        "the raw text is kept exactly",
        arguments: [
            "]C1 0010614141\u{1D}1234567897\r\n",
            "\tsf-1234 5678 90123\r\n",
            "ＳＦ１２３４５６７８９０１２３",
            "(00)106141411234567897",
        ])
    func rawPreserved(raw: String) throws {
        let scan = try ScanText(raw: raw)
        #expect(scan.raw == raw)
        #expect(scan.raw.unicodeScalars.elementsEqual(raw.unicodeScalars))
        #expect(scan.text != raw)
    }

    @Test("a clean scan is its own normal form")
    func cleanScan() throws {
        let scan = try ScanText(raw: "SF1234567890123")
        #expect(scan == (try ScanText(raw: "SF1234567890123")))
        #expect(scan != (try ScanText(raw: "SF1234567890123\r\n")))
        #expect(scan.raw == "SF1234567890123")
        #expect(scan.text == "SF1234567890123")
        #expect(scan.symbologyIdentifier == nil)
        #expect(!scan.isGS1)
    }

    @Test("normalised text holds only upper-case ASCII letters and digits")
    func normalisedAlphabet() throws {
        let inputs = ["\tsf-1234 5678 90123\r\n", "]C1(00)106141411234567897", "ｊｔ１２３４５６７８９０１２３", "ea123456785cn"]
        for raw in inputs {
            let text = try ScanText(raw: raw).text
            #expect(text.allSatisfy { $0.isASCII && ($0.isNumber || ($0.isLetter && $0.isUppercase)) }, "\(raw) → \(text)")
        }
    }
}

@Suite("Scan text: limits and alphabets after normalisation")
struct ScanTextNormalFormTests {
    @Test("the 40-character limit applies after hyphens are removed")
    func hyphensDoNotCountTowardsTheLimit() throws {
        let forty = String(repeating: "1", count: 20) + "-" + String(repeating: "2", count: 20)
        #expect(try ScanText(raw: forty).text.count == 40)
        #expect(throws: DomainError.scanTooLong(length: 41, limit: 40)) { try ScanText(raw: forty + "3") }
    }

    @Test("non-ASCII letters are refused before upper-casing could make them ASCII", arguments: ["SFı123", "sfé123"])
    func nonASCIILetters(raw: String) {
        #expect(throws: DomainError.self) { try ScanText(raw: raw) }
    }
}

@Suite("ScanText: the plain-ASCII shortcut")
struct ScanTextShortcutTests {
    /// Plain letters and digits skip the full normalisation; for every text, with or without the shortcut,
    /// the outcome (text, identifier, GS1 flag, or the error) must be the same.
    @Test("agrees with the full normalisation on plain, mixed and hostile texts")
    func agrees() {
        let pieces = [
            "SF", "sf", "jt", "0", "7", "12345", "z", "]C1", "(00)", "-", " ", "\r", "\u{1D}", "１", "ı", "é", "Ａ", "\u{3000}", "",
        ]
        var generator = SplitMix64(seed: 0x5CA7)
        var texts = ["SF1234567890123", "a", String(repeating: "9", count: 40), String(repeating: "9", count: 41), ""]
        for _ in 0..<3000 {
            let count = Int(generator.next() % 12)
            texts.append((0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined())
        }
        for text in texts {
            let quick = Result { try ScanText(raw: text) }
            let full = Result { try ScanText(raw: text, plainShortcut: false) }
            switch (quick, full) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(text.debugDescription)")
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", "\(text.debugDescription)")
            default: Issue.record("\(text.debugDescription): \(quick) against \(full)")
            }
        }
    }
}
