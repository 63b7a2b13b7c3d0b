import Foundation
import Testing

@testable import LabelDecoding

@Suite("Code 39 full ASCII")
struct Code39Tests {
    func reported(_ text: String) -> String {
        String(decoding: Code39.reported(Array(text.utf8)), as: UTF8.self)
    }

    @Test("shift pairs are decoded when every pair is valid")
    func pairs() {
        #expect(reported("12+A+B") == "12ab")
        #expect(reported("A+A-1234") == "Aa-1234")
        #expect(reported("$M$J%V/A/O/Z%U") == "\r\n@!/:\0")
        #expect(reported("%F%K%P%T%X") == ";[{\u{7F}\u{7F}")
    }

    @Test("plain Code 39 is left alone: no shift character, or one without a letter it can shift")
    func plain() {
        #expect(reported("TEST-SHEET") == "TEST-SHEET")
        #expect(reported("AB+1") == "AB+1")
        #expect(reported("12/P") == "12/P")
        #expect(reported("PRICE $") == "PRICE $")
    }

    @Test("a mod-43 check character that is itself a shift character is kept after the decoded pairs")
    func checkCharacter() {
        // "+AV": 41 + 10 + 31 = 82, and 82 mod 43 = 39 is "$". Whole, "+AV$" ends in a lone shift.
        #expect(reported("+AV$") == "aV$")
        // "/" is not the check character of "+AV": plain.
        #expect(reported("+AV/") == "+AV/")
        // "+" is the check character of "+", but "+" alone is no pair: plain.
        #expect(reported("++") == "++")
    }
}

@Suite("Image loader")
struct ImageLoaderTests {
    @Test("a WebP's grey spans 0–255 like an RGB decode, not the Y plane's studio range 16–235")
    func webPFullRange() throws {
        // This WebP's Y plane runs from exactly 16 to 235 (libwebp's WebPDecodeYUV).
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixture.path("blackbox/qrcode-2-cpp-qr-inv-2.webp"))))
        let image = try ImageLoader.decode(bytes, limits: .standard, halve: false).image
        #expect(image.pixels.min() == 0 && image.pixels.max() == 255)
    }
}
