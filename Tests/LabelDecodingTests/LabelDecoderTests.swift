import Foundation
import LabelDecoding
import StationTestSupport
import Testing

/// Real zbar on real fixture images (copied from the shared corpus; see Fixtures/README.md).
enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func path(_ name: String) -> String { root + "/" + name }

    /// The limits tests that check what a photo gives decode it with: the standard memory, a longer time. A debug
    /// build shares two cores with the other suites and runs several times slower than the daemon's release build;
    /// the time budget itself is tested on its own (BoundedDecodeTests, HostileInputTests).
    static let limits = DecodeLimits(timeBudget: .seconds(20))

    static func text(_ name: String) throws -> String {
        try String(contentsOfFile: path(name), encoding: .utf8)
    }
}

@Suite("Label photos", .cpuBound)
struct LabelPhotoTests {
    let decoder = LabelDecoder(limits: Fixture.limits)

    @Test(
        "the tracking number of each label is found and confirmed",
        arguments: ["label_0033.jpg", "label_0075.jpg", "label_0207.jpg", "label_0111.jpg", "label_0249.jpg"])
    func trackingNumber(_ name: String) throws {
        let expected = try Fixture.text("labels/" + name.replacingOccurrences(of: ".jpg", with: ".txt"))
        let result = try decoder.decode(path: Fixture.path("labels/" + name))
        #expect(result.symbols.contains { $0.text == expected && $0.symbology == .code128 })
        let waybill = try #require(result.waybill)
        #expect(waybill.number == expected)
        #expect(waybill.confirmed)
    }

    @Test("a large frame is read from its half-size pass and positions are in original pixels")
    func halfScale() throws {
        let result = try decoder.decode(path: Fixture.path("labels/label_0249.jpg"))
        #expect(result.width == 3264 && result.height == 2448)
        #expect(result.passLog.first?.pass == .half)
        for symbol in result.symbols {
            #expect(symbol.box.x >= 0 && symbol.box.x + symbol.box.width <= 3264)
            #expect(symbol.box.y >= 0 && symbol.box.y + symbol.box.height <= 2448)
        }
    }

    @Test("the label's QR JSON is returned byte-exact, Chinese included")
    func qrText() throws {
        let result = try decoder.decode(path: Fixture.path("labels/label_0033.jpg"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixture.path("labels/label_0033.json"))))
        let symbols = (json as? [String: Any])?["symbols"] as? [[String: Any]] ?? []
        let qr = try #require(symbols.first { $0["role"] as? String == "qr" }?["text"] as? String)
        #expect(result.symbols.contains { $0.symbology == .qrCode && $0.text == qr })
    }

    @Test("PNG and PGM copies of a label decode like the JPEG", arguments: ["label_0033.png", "label_0033.pgm"])
    func otherFormats(_ name: String) throws {
        let result = try decoder.decode(path: Fixture.path("labels/" + name))
        #expect(result.waybill?.number == "YT0629322539683")
        #expect(result.format == (name.hasSuffix(".png") ? .png : .pgm))
    }

    @Test("in-memory bytes decode like the file")
    func inlineBytes() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixture.path("labels/label_0075.jpg"))))
        let result = try decoder.decode(bytes: bytes)
        #expect(result.waybill?.number == "RQ025057258CN")
        #expect(result.waybill?.courier == "EMS")
    }

    @Test("a number read once is confirmed by the crop around it, and the cascade stops there")
    func confirmByCrop() throws {
        // label_0207 (rotated ~20°): one whole-image pass reads the J&T number once; without the confirm pass the
        // cascade runs further whole-image passes until a second one reads it. The profile pass, which reads it
        // too (from a deconvolved strip), is left out: its reads are not confirmed by crop, and this is about those.
        let cascade = LabelDecoder.standardCascade.filter { $0 != .profile }
        let result = try LabelDecoder(limits: Fixture.limits, cascade: cascade).decode(path: Fixture.path("labels/label_0207.jpg"))
        let waybill = try #require(result.waybill)
        #expect(waybill.number == "JT3913308560800" && waybill.confirmed)
        let symbol = try #require(result.symbols.first { $0.text == "JT3913308560800" })
        #expect(symbol.passes.contains(.confirm))
        #expect(result.passLog.last?.pass == .confirm)
        // Without it the same number needs more whole-image passes.
        let without = try LabelDecoder(limits: Fixture.limits, cascade: cascade, confirmsByCrop: false).decode(
            path: Fixture.path("labels/label_0207.jpg"))
        #expect(without.waybill?.number == "JT3913308560800")
        #expect(!without.passLog.contains { $0.pass == .confirm })
        #expect(without.passLog.count > result.passLog.filter { $0.pass != .confirm }.count)
    }

    @Test("a 12-digit SF number is chosen as the waybill")
    func twelveDigitSF() throws {
        // label_0042 is SF + 12 digits, the older SF format the rule table accepts beside SF + 13.
        let result = try decoder.decode(path: Fixture.path("labels/label_0042.jpg"))
        #expect(result.symbols.contains { $0.text == "SF328229843583" })
        #expect(result.waybill?.number == "SF328229843583")
        #expect(result.waybill?.courier == "SF")
    }
}

@Suite("Blackbox images", .cpuBound)
struct BlackboxTests {
    let decoder = LabelDecoder(limits: Fixture.limits)

    @Test(
        "the expected text is read",
        arguments: [
            ("code128-1-java-4.png", Symbology.code128), ("ean13-1-cpp-4.webp", .ean13), ("qrcode-1-cpp-8.webp", .qrCode),
            ("itf-2-cpp-01.webp", .itf), ("code39-1-java-2.png", .code39), ("upca-1-cpp-4.webp", .ean13),
            // Full-ASCII Code 39: zbar reads "12+A+B", the text is "12ab".
            ("code39-2-cpp-2.png", .code39),
            // A UPC-E only ZXing reads, and only on the WebP's grey expanded to full range.
            ("upce-3-cpp-05.webp", .ean13),
        ])
    func expectedText(_ name: String, _ symbology: Symbology) throws {
        let stem = String(name[..<name.lastIndex(of: ".")!])
        let expected = try Fixture.text("blackbox/\(stem).txt")
        let result = try decoder.decode(path: Fixture.path("blackbox/" + name))
        #expect(result.symbols.map(\.text).contains(expected), "read \(result.symbols.map(\.text))")
        #expect(result.symbols.first { $0.text == expected }?.symbology == symbology)
    }

    @Test(
        "DataMatrix and PDF417, which zbar cannot read, come from the ZXing pass byte-exact",
        arguments: [("datamatrix-3-cpp-dm-e.webp", Symbology.dataMatrix), ("pdf417-2-cpp-01.webp", .pdf417)])
    func zxingOnly(_ name: String, _ symbology: Symbology) throws {
        let stem = String(name[..<name.lastIndex(of: ".")!])
        let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixture.path("blackbox/\(stem).txt"))))
        let result = try decoder.decode(path: Fixture.path("blackbox/" + name))
        let symbol = try #require(result.symbols.first { $0.bytes == expected }, "read \(result.symbols.map(\.text))")
        #expect(symbol.symbology == symbology)
        #expect(symbol.symbology.rawValue == (symbology == .dataMatrix ? "DATAMATRIX" : "PDF417"))
        #expect(symbol.pass == .zxing && symbol.pass.rawValue == "zxing")
        #expect(symbol.box.width > 10 && symbol.box.height > 5)
        #expect(symbol.box.x + symbol.box.width <= result.width && symbol.box.y + symbol.box.height <= result.height)
        // Without the ZXing pass nothing reads it.
        let zbarOnly = LabelDecoder(limits: Fixture.limits, cascade: LabelDecoder.standardCascade.filter { $0 != .zxing })
        #expect(try zbarOnly.decode(path: Fixture.path("blackbox/" + name)).symbols.contains { $0.bytes == expected } == false)
    }

    @Test("a light QR code on a dark ground is read from the negative, which runs only when nothing else read")
    func inverted() throws {
        let path = Fixture.path("blackbox/qrcode-2-cpp-qr-inv-2.webp")
        let expected = try Fixture.text("blackbox/qrcode-2-cpp-qr-inv-2.txt")
        let result = try decoder.decode(path: path)
        let symbol = try #require(result.symbols.first { $0.text == expected }, "read \(result.symbols.map(\.text))")
        #expect(symbol.symbology == .qrCode && symbol.pass == .inverted)
        #expect(result.passLog.last?.pass == .inverted)
        let withoutNegative = LabelDecoder(limits: Fixture.limits, cascade: LabelDecoder.standardCascade.filter { $0 != .inverted })
        #expect(try withoutNegative.decode(path: path).symbols.isEmpty)
        // An image with a read (an ITF, which does not end the cascade) never gets the negative pass.
        let itf = Fixture.path("blackbox/itf-2-cpp-01.webp")
        let afterRead = try LabelDecoder(limits: Fixture.limits, cascade: [.full, .inverted]).decode(path: itf)
        #expect(!afterRead.symbols.isEmpty && afterRead.passLog.map(\.pass) == [.full])
        // The benchmark's exhaustive mode still runs it.
        let exhaustive = try LabelDecoder(limits: Fixture.limits, cascade: [.full, .inverted], exhaustive: true).decode(path: itf)
        #expect(exhaustive.passLog.map(\.pass) == [.full, .inverted])
    }

    @Test("a tightly cropped, blurred QR code is read by ZXing on a downscaled copy")
    func zxingDownscale() throws {
        let expected = try Fixture.text("blackbox/qrcode-2-cpp-1086.txt")
        let result = try decoder.decode(path: Fixture.path("blackbox/qrcode-2-cpp-1086.png"))
        #expect(result.width == 293 && result.height == 276)
        let symbol = try #require(result.symbols.first { $0.text == expected }, "read \(result.symbols.map(\.text))")
        #expect(symbol.symbology == .qrCode && symbol.pass == .zxing)
    }

    @Test("a photo without a code gives no symbol")
    func noCode() throws {
        let result = try decoder.decode(path: Fixture.path("blackbox/falsepositives-1-cpp-21.webp"))
        #expect(result.symbols.isEmpty)
        #expect(result.waybill == nil)
    }
}
