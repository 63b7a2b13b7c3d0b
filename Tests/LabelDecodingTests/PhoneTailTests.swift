import Foundation
import StationTestSupport
import Testing

@testable import LabelDecoding

/// Generated label photos (`make_labels.py --seed 7`, a seed neither tuned nor reported on) copied into
/// Tests/Fixtures/label-photos with their `.json`: the tracking number and the recipient's phone tail, read by real
/// zbar and real Tesseract (chi_sim).
enum PhotoFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/label-photos").path

    static func path(_ name: String) -> String { root + "/" + name }

    /// The generator's record of the photo: tracking number, recipient tail, px per module of the main barcode.
    static func record(_ name: String) throws -> (tracking: String, tail: String, ppm: Double) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name.replacingOccurrences(of: ".jpg", with: ".json"))))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let camera = try #require(object["camera"] as? [String: Any])
        return (
            try #require(object["tracking"] as? String), try #require(object["recipient_phone_tail"] as? String),
            try #require((camera["ppm_main"] as? NSNumber)?.doubleValue)
        )
    }
}

// CPU-bound: each test decodes and OCRs synchronously, for seconds in a debug build, so not on the cooperative
// pool, where it would starve the suites that time async work (WatchdogServiceTests). Serialized: one at a time
// leaves the other CPU-bound suites a core, and each OCR within its budget.
@Suite("Phone tail from label photos (real zbar, real Tesseract)", .serialized, .cpuBound)
struct PhoneTailPhotoTests {
    /// A debug build under parallel tests is several times slower than the daemon's release build: the tail gets
    /// time enough that what is checked here is what it reads, not how fast.
    let decoder = {
        var decoder = LabelDecoder(limits: Fixture.limits)
        decoder.phoneTailBudget = .seconds(10)
        return decoder
    }()

    /// One photo per px-per-module band the tail is read in (1.2–1.8, 1.8–2.5, 2.5–4, ≥ 4), frames 640 to 1280 px.
    static let confident = ["band-1.2-1.8.jpg", "band-1.8-2.5.jpg", "band-2.5-4.jpg", "band-4-up.jpg"]

    @Test("the tracking number and the recipient's tail are read", arguments: confident)
    func numberAndTail(_ name: String) throws {
        let expected = try PhotoFixture.record(name)
        let result = try decoder.decode(path: PhotoFixture.path(name))
        #expect(result.waybill?.number == expected.tracking)
        #expect(result.waybill?.confirmed == true)
        let tail = try #require(result.phoneTail)
        #expect(tail.status == .confident)
        #expect(tail.tail == expected.tail)
        // Sure at once (every digit at 95 or more), or by two reads agreeing (the better at 90 or more).
        #expect(tail.confidence >= PhoneTailParser.agreedAbove)
    }

    @Test("ZXing places the code: its scale is the generator's within a fifth, on every band", arguments: confident)
    func zxingScale(_ name: String) throws {
        let expected = try PhotoFixture.record(name)
        let result = try decoder.decode(path: PhotoFixture.path(name))
        let symbol = try #require(result.symbols.first { $0.text == expected.tracking && !$0.sightings.isEmpty })
        let bytes = try ImageLoader.readFile(PhotoFixture.path(name), limits: Fixture.limits)
        let image = try ImageLoader.decode(bytes, limits: Fixture.limits, halve: false).image
        let direction = try #require(
            symbol.sightings.flatMap(PhoneTailReader.instances).lazy.compactMap {
                PhoneTailReader.refined($0, image: image, scale: 1)
            }.first)
        let modules = Double(PhoneTailReader.codeModules(expected.tracking))
        let (place, perModule) = try #require(
            PhoneTailReader.located(image: image, scale: 1, text: expected.tracking, direction: direction, modules: modules))
        #expect(abs(perModule / expected.ppm - 1) < 0.2, "\(name): \(perModule) px/module, the generator's \(expected.ppm)")
        // The middle is on the code: within its half-length of the sightings' points.
        let (x, y) = PhoneTailReader.centre(place)
        #expect(
            symbol.points.contains { point in
                ((Double(point.x) - x) * (Double(point.x) - x) + (Double(point.y) - y) * (Double(point.y) - y)).squareRoot()
                    < perModule * modules / 2
            })
        // Another text is not this code.
        #expect(
            PhoneTailReader.located(image: image, scale: 1, text: "X" + expected.tracking, direction: direction, modules: modules) == nil)
    }

    @Test("a tail OCR is not sure of is reported as uncertain and left out, never guessed")
    func uncertainLeftOut() throws {
        let expected = try PhotoFixture.record("uncertain.jpg")
        let result = try decoder.decode(path: PhotoFixture.path("uncertain.jpg"))
        #expect(result.waybill?.number == expected.tracking)
        let tail = try #require(result.phoneTail)
        #expect(tail.status == .uncertain)
        #expect(tail.tail == nil)
    }

    @Test("a label photo whose recipient block is painted over has no tail")
    func noRecipientBlock() throws {
        let expected = try PhotoFixture.record("no-recipient.jpg")
        let result = try decoder.decode(path: PhotoFixture.path("no-recipient.jpg"))
        #expect(result.waybill?.number == expected.tracking)
        let tail = try #require(result.phoneTail)
        #expect(tail.status != .confident)
        #expect(tail.tail == nil)
    }

    @Test("a code that is not on a label (no recipient block around it) gives no tail")
    func bareCode() throws {
        let result = try decoder.decode(path: Fixture.path("blackbox/code128-1-java-4.png"))
        #expect(result.phoneTail?.tail == nil)
    }

    @Test("a number the QR confirms first: the cascade goes on to its barcode, and the tail is read from there")
    func qrFirst() throws {
        let expected = try PhotoFixture.record("qr-first.jpg")
        let result = try decoder.decode(path: PhotoFixture.path("qr-first.jpg"))
        #expect(result.waybill?.number == expected.tracking)
        #expect(result.symbols.contains { $0.symbology == .code128 && $0.text == expected.tracking })
        #expect(result.phoneTail?.status == .confident)
        #expect(result.phoneTail?.tail == expected.tail)
        // Without the tail the QR alone settles the number: the cascade stops sooner.
        let numberOnly = try LabelDecoder(limits: Fixture.limits, readsPhoneTail: false).decode(path: PhotoFixture.path("qr-first.jpg"))
        #expect(numberOnly.waybill?.number == expected.tracking)
        #expect(numberOnly.passLog.count < result.passLog.count)
    }

    /// The number's own barcode reads do not place the recipient block: the number read off the QR alone, or only
    /// the stub's small copy read (its block cut by the frame).
    @Test(
        "no read of the main barcode: it is found by its bars, and the tail read under it",
        arguments: ["qr-only.jpg", "qr-only-skewed.jpg", "stub-only.jpg"])
    func mainBarcodeUnread(_ name: String) throws {
        let expected = try PhotoFixture.record(name)
        let result = try decoder.decode(path: PhotoFixture.path(name))
        #expect(result.waybill?.number == expected.tracking)
        #expect(result.waybill?.confirmed == true)
        if name.hasPrefix("qr-only") { #expect(!result.symbols.contains { $0.symbology != .qrCode && $0.text == expected.tracking }) }
        #expect(result.phoneTail?.status == .confident)
        #expect(result.phoneTail?.tail == expected.tail)
    }

    /// The crop made from the barcode's measured angle comes out several degrees slanted (the perspective, and a
    /// gradient that barely sees bars a pixel or two wide): not sure there, the tail is read sure once the crop is
    /// turned to its printed lines' slant.
    @Test("a slanted crop is turned to its lines, and the tail read", arguments: ["skewed.jpg", "skewed-perspective.jpg"])
    func slantedCrop(_ name: String) throws {
        let expected = try PhotoFixture.record(name)
        let result = try decoder.decode(path: PhotoFixture.path(name))
        #expect(result.waybill?.number == expected.tracking)
        #expect(result.phoneTail?.status == .confident)
        #expect(result.phoneTail?.tail == expected.tail)
    }

    @Test("with readsPhoneTail off no OCR runs")
    func off() throws {
        let result = try LabelDecoder(limits: Fixture.limits, readsPhoneTail: false).decode(path: PhotoFixture.path(Self.confident[0]))
        #expect(result.phoneTail == nil)
        #expect(result.waybill != nil)
    }
}

@Suite("Phone tail: hostile input to the recipient-block pass", .cpuBound)
struct PhoneTailHostileTests {
    /// A sighting whose points and direction come from nowhere near a label.
    func sighting(_ points: [(Int, Int)], _ dx: Double = 1, _ dy: Double = 0) -> Sighting {
        Sighting(points: points.map { PixelPoint(x: $0.0, y: $0.1) }, directionX: dx, directionY: dy)
    }

    func read(_ image: GreyImage, _ sightings: [Sighting], text: String = "75123456789012") -> (PhoneTailRead, Duration) {
        let started = ContinuousClock.now
        let read = PhoneTailReader.read(
            image: image, scale: 1, sightings: sightings, text: text, ocr: TesseractOCR.shared, until: started + .seconds(3))
        return (read, ContinuousClock.now - started)
    }

    @Test("Tesseract and chi_sim are installed (scripts/deps.sh)")
    func installed() {
        #expect(TesseractOCR.shared != nil)
    }

    @Test("an OCR the deadline cuts short gives no lines, and does not crash (Tesseract's cancelled words)")
    func cutShort() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: PhotoFixture.path("band-2.5-4.jpg"))))
        let image = try ImageLoader.decode(bytes, limits: .standard, halve: false).image
        let ocr = try #require(TesseractOCR.shared)
        // A whole 1280×720 frame as one block takes Tesseract well over these deadlines.
        for milliseconds in [25, 60, 150] {
            let lines = ocr.lines(in: image, mode: .block, until: .now + .milliseconds(milliseconds))
            #expect(lines.isEmpty, "\(milliseconds) ms")
        }
    }

    @Test("noise, stripes and blank frames: no tail, bounded time")
    func noise() {
        var generator = SystemRandomNumberGenerator()
        let noise = GreyImage(
            width: 1600, height: 1200, pixels: (0..<(1600 * 1200)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let stripes = GreyImage(width: 1600, height: 1200, pixels: (0..<(1600 * 1200)).map { ($0 % 1600) % 6 < 3 ? 0 : 255 })
        let blank = GreyImage(width: 1600, height: 1200, pixels: [UInt8](repeating: 255, count: 1600 * 1200))
        let around = sighting([(500, 600), (1100, 600), (500, 640), (1100, 640)])
        for image in [noise, stripes, blank] {
            let (tail, time) = read(image, [around])
            #expect(tail.tail == nil)
            #expect(time < .seconds(3))
        }
    }

    @Test("sightings outside the image, degenerate or absurdly many: no tail, bounded time")
    func absurdSightings() {
        let image = GreyImage(width: 640, height: 480, pixels: [UInt8](repeating: 200, count: 640 * 480))
        let far = sighting([(1_000_000, -1_000_000), (2_000_000, 5)])
        let single = sighting([(10, 10)])
        let reversed = sighting([(0, 0), (639, 479)], 0, 0)
        let many = sighting((0..<50_000).map { ($0 % 640, $0 % 480) })
        for sightings in [[far], [single], [reversed], [many], Array(repeating: many, count: 8), []] {
            let (tail, time) = read(image, sightings)
            #expect(tail.tail == nil)
            #expect(time < .seconds(3))
        }
    }

    @Test("the crop Tesseract sees has a fixed size, whatever the frame and the scale")
    func fixedCrop() throws {
        let expectedWidth = Int((PhoneTailReader.cropRight - PhoneTailReader.cropLeft) * PhoneTailReader.outputPixelsPerMillimetre)
        let expectedHeight = Int((PhoneTailReader.cropBottom - PhoneTailReader.cropTop) * PhoneTailReader.outputPixelsPerMillimetre)
        for (width, height, perModule) in [(6000, 4000, 12.0), (640, 480, 1.0), (1280, 720, 3.0)] {
            let frame = GreyImage(width: width, height: height, pixels: [UInt8](repeating: 230, count: width * height))
            let code = Sighting(points: [PixelPoint(x: width / 2, y: height / 4)], directionX: 1, directionY: 0)
            let crop = PhoneTailReader.recipientCrop(image: frame, scale: 1, sighting: code, pixelsPerModule: perModule)
            #expect(crop?.width == expectedWidth, "\(width)×\(height)")
            #expect(crop?.height == expectedHeight, "\(width)×\(height)")
        }
    }
}

@Suite("Phone tail: choosing among OCR lines")
struct PhoneTailParserTests {
    /// A line of one glyph per character, each at `confidence`, `top` px from the crop's top and 20 px tall.
    func line(_ text: String, confidence: Double = 98, top: Int = 0) -> TesseractOCR.Line {
        TesseractOCR.Line(
            glyphs: text.enumerated().map { index, character in
                TesseractOCR.Glyph(text: String(character), confidence: character == " " ? 100 : confidence, box: (index * 12, top, 10, 20))
            })
    }

    @Test("the masked number on the 收 line gives its tail, masks read as x, # or * alike")
    func recipientLine() {
        for text in ["收 王伟 159****0014", "收 王伟 159xxxx0014", "收 王伟 159x#*x*0014"] {
            let read = PhoneTailParser.choose([line("7512 3456 7890 12", top: 0), line(text, top: 60)], tracking: "75123456789012")
            #expect(read.status == .confident)
            #expect(read.tail == "0014")
        }
    }

    @Test("a digit below the confidence bar makes the tail uncertain, with no digits given")
    func lowConfidence() {
        let read = PhoneTailParser.choose([line("收 王伟 159****0014", confidence: 70)])
        #expect(read.status == .uncertain)
        #expect(read.tail == nil)
        #expect(read.candidate == "0014")
    }

    @Test("the sender's number is never taken for the recipient's")
    func sender() {
        // The recipient's line read with 收 but no number, then the sender's: uncertain.
        let missed = PhoneTailParser.choose([line("收 王伟 159*#x*x*x*x*0", top: 60), line("张强 186****5555", top: 300), line("寄", top: 320)])
        #expect(missed.tail == nil)
        // A 寄 line before any number: nothing.
        #expect(PhoneTailParser.choose([line("寄 张强 186****5555")]).tail == nil)
        // A lone number far below the tracking digits (the recipient's lines dropped): not sure.
        let far = PhoneTailParser.choose([line("7512 3456 7890 12", top: 0), line("张强 186****5555", top: 400)], tracking: "75123456789012")
        #expect(far.tail == nil)
    }

    @Test("the line right under the tracking digits is placed by its glyphs' tops, not by its tall first glyph (收 misread)")
    func tallHeadGlyph() {
        var recipient = line("履 黄杰刚 179****8159", top: 30)
        // The big 收 (read as 履) reaches up beside the tracking digits, above their foot.
        recipient.glyphs[0].box = (0, 5, 30, 45)
        let read = PhoneTailParser.choose([line("EU22 5268 924", top: 0), recipient], tracking: "EU225268924CN")
        #expect(read.status == .confident)
        #expect(read.tail == "8159")
    }

    @Test("two numbers: the upper one is the recipient's")
    func twoNumbers() {
        let read = PhoneTailParser.choose([line("王伟 159****0014", top: 60), line("张强 186****5555", top: 300)])
        #expect(read.tail == "0014")
    }

    @Test(
        "no masked number, one whose line is not placed as the recipient's, or a word break inside the tail: not confident",
        arguments: ["王伟 ****0014", "收 王伟 159****00145", "收 王伟 1590014001", "收 王伟", "收 王伟 159*0014", "收 王伟 159****001 4"])
    func partial(_ text: String) {
        #expect(PhoneTailParser.choose([line(text)]).tail == nil)
    }

    @Test(
        "asterisks chi_sim reads as a run of 大 or 米, or with an ideograph inside the run, are still the mask",
        arguments: ["收 王伟 159大大大大0014", "收 王伟 159米米米0014", "收 王伟 159xx夺0014", "收 王伟 159x夺x*0014", "收 王伟 159*X大大0014"])
    func ideographMasks(_ text: String) {
        let read = PhoneTailParser.choose([line(text)])
        #expect(read.status == .confident)
        #expect(read.tail == "0014")
    }

    @Test(
        "a name's 大, two of them, or an ideograph where the digits should start are not a mask",
        arguments: ["收 大伟 1590014", "收 王伟 159大大0014", "收 王伟 159x夺", "收 王伟 159x夺0014"])
    func notIdeographMasks(_ text: String) {
        #expect(PhoneTailParser.choose([line(text)]).tail == nil)
    }

    @Test("a cut line is the recipient's by 收, or by 由 (chi_sim's misread of it) as its first ideograph; not in a block")
    func misreadRecipientMark() {
        #expect(PhoneTailParser.chooseOnRecipientLine([line("| 由 王伟 159****0014")], placedByRules: false).tail == "0014")
        #expect(PhoneTailParser.chooseOnRecipientLine([line("王 由 159****0014")], placedByRules: false).status == .uncertain)
        #expect(PhoneTailParser.chooseOnRecipientLine([line("由 王伟 159****0014")], placedByRules: false).tail == "0014")
        #expect(PhoneTailParser.choose([line("由 王伟 159****0014")]).tail == nil)
    }

    @Test("a whole number word on the recipient line (cut, or 收's in a block): its mask misread, its last four are the tail")
    func numberWords() {
        for text in ["收 王伟 13565555117", "收 王伟 136xxw45117", "1 政 玫 13565555117"] {
            let read = PhoneTailParser.chooseOnRecipientLine([line(text)], placedByRules: !text.hasPrefix("收"))
            #expect(read.status == .confident, "\(text)")
            #expect(read.tail == "5117", "\(text)")
        }
        // Not 11 glyphs (a glyph dropped or split), not starting with 1, not ending in four digits, or 寄's line.
        for text in ["收 王伟 1356555117", "收 王伟 135655551170", "收 王伟 23565555117", "收 王伟 1356555511z", "寄 王伟 13565555117"] {
            #expect(PhoneTailParser.chooseOnRecipientLine([line(text)], placedByRules: true).tail == nil, "\(text)")
        }
        // Below the bar: uncertain, and a second read alike does not make it sure (the same misread comes twice).
        let doubted = line("收 王伟 13244547815", confidence: 92)
        let once = PhoneTailParser.chooseOnRecipientLine([doubted], placedByRules: true)
        #expect(once.status == .uncertain)
        #expect(PhoneTailParser.agreed(once, [doubted], [doubted], placedByRules: true).status == .uncertain)
        // In a block, only on the line 收 names: its other lines hold other numbers (the sender's under 寄, one placed
        // only by where it sits).
        #expect(PhoneTailParser.choose([line("收 王伟 13565555117")]).tail == "5117")
        #expect(PhoneTailParser.choose([line("“了 收 ， 条 两 六 180we4x2777")]).tail == "2777")
        let placedBySite = [line("7512 3456 7890 12", top: 0), line("王伟 13565555117", top: 60)]
        #expect(PhoneTailParser.choose(placedBySite, tracking: "75123456789012").tail == nil)
        #expect(PhoneTailParser.choose([line("收 寄 王伟 13565555117")]).tail == nil)
        #expect(PhoneTailParser.choose([line("签收 13565555117")]).tail == nil)
        #expect(PhoneTailParser.choose([line("收 王伟 13565555117", confidence: 92)]).status == .uncertain)
    }

    @Test("a second read of the line on a finer grid: the same tail twice is sure, a doubted one is not")
    func secondOpinion() {
        let first = line("收 王伟 159****0014", confidence: 92)
        let once = PhoneTailParser.chooseOnRecipientLine([first], placedByRules: false)
        #expect(once.status == .uncertain)
        // Agreement, the better read at 92: sure, with that confidence.
        let agreed = PhoneTailParser.agreed(once, [first], [line("收 王伟 159xxxx0014", confidence: 88)], placedByRules: false)
        #expect(agreed.status == .confident)
        #expect(agreed.tail == "0014")
        #expect(agreed.confidence == 92)
        // Both reads doubtful (below 90): the same misread can come twice, so not sure.
        let doubted = line("收 王伟 159****0014", confidence: 86)
        let low = PhoneTailParser.chooseOnRecipientLine([doubted], placedByRules: false)
        #expect(PhoneTailParser.agreed(low, [doubted], [doubted], placedByRules: false).tail == nil)
        // Different tails, or 寄 on either read: not sure.
        #expect(PhoneTailParser.agreed(once, [first], [line("收 王伟 159****0074", confidence: 99)], placedByRules: false).tail == nil)
        // A line not placed (no 收, no rule B) needs the better read at the single read's bar (95), not 90.
        let unplaced = line("王伟 159****0014", confidence: 92)
        #expect(PhoneTailParser.agreed(once, [unplaced], [unplaced], placedByRules: false).tail == nil)
        #expect(PhoneTailParser.agreed(once, [unplaced], [unplaced], placedByRules: true).tail == "0014")
        let clearUnplaced = line("王伟 159****0014", confidence: 97)
        #expect(PhoneTailParser.agreed(once, [unplaced], [clearUnplaced], placedByRules: false).tail == "0014")
        // …and a band whose foot the scale estimate alone set (it may cut the digits): not sure unless placed.
        #expect(PhoneTailParser.agreed(once, [unplaced], [clearUnplaced], placedByRules: false, wholeLine: false).tail == nil)
        #expect(PhoneTailParser.agreed(once, [unplaced], [clearUnplaced], placedByRules: true, wholeLine: false).tail == "0014")
        #expect(PhoneTailParser.agreed(once, [unplaced], [clearUnplaced], placedByRules: false).confidence == 97)
        #expect(PhoneTailParser.agreed(once, [first], [line("寄 王伟 159****0014", confidence: 99)], placedByRules: true).tail == nil)
    }

    @Test(
        "a block line's number is cut out alone and made level: no rule above it, no address under it",
        arguments: [-0.1, 0.0, 0.08])
    func numberCutLevel(_ slope: Double) {
        // A 600 × 240 block: a rule 30 px over the number, the number's digits as ink blocks 20 px tall along the
        // slant, an address line 34 px under it; the glyph boxes Tesseract would give for `收 王伟 159****0014`.
        let width = 600
        var pixels = [UInt8](repeating: 250, count: width * 240)
        func row(at x: Int, _ base: Int) -> Int { base + Int((Double(x) * slope).rounded()) }
        for x in 0..<width {
            for dy in 0..<2 { pixels[(row(at: x, 70) + dy) * width + x] = 20 }  // the rule
            for dy in 0..<4 { pixels[(row(at: x, 154) + dy) * width + x] = 20 }  // the address, as one thick line
        }
        let text = Array("收 王伟 159****0014")
        var glyphs: [TesseractOCR.Glyph] = []
        for (index, character) in text.enumerated() {
            let x = 40 + index * 14
            let top = row(at: x, 100)
            glyphs.append(TesseractOCR.Glyph(text: String(character), confidence: 98, box: (x, top, 11, 20)))
            guard character != " " else { continue }
            for y in top..<(top + 20) { for dx in 0..<11 { pixels[y * width + x + dx] = 30 } }
        }
        let block = GreyImage(width: width, height: 240, pixels: pixels)
        let cut = PhoneTailReader.numberImage(TesseractOCR.Line(glyphs: glyphs), tail: "0014", in: block)
        #expect(cut != nil)
        guard let cut else { return }
        // Ink rows at the left and right ends of the cut: the digits' band, the same rows at both ends (level),
        // and nothing above or below it.
        func inkRows(column: Int) -> [Int] { (0..<cut.height).filter { cut.pixels[$0 * cut.width + column] < 128 } }
        let left = inkRows(column: Int(Double(cut.width) * 0.12))
        let right = inkRows(column: cut.width - Int(Double(cut.width) * 0.2))
        #expect(!left.isEmpty && !right.isEmpty)
        #expect(abs((left.first ?? 0) - (right.first ?? 99)) <= 3)
        #expect((right.last ?? 0) - (right.first ?? 0) <= Int(20 * PhoneTailReader.secondReadScale) + 3)
        #expect(PhoneTailReader.numberImage(TesseractOCR.Line(glyphs: glyphs), tail: "0015", in: block) == nil)
    }

    @Test("on a placed line the number's first digits may be unread: the mask and four digits are enough")
    func placedWithoutPrefix() {
        #expect(PhoneTailParser.choose([line("收 王伟 ****0014")]).tail == "0014")
        let under = PhoneTailParser.choose(
            [line("1 7512 3456 7890 12", top: 0), line("王伟 xx*x0014", top: 60)], tracking: "75123456789012")
        #expect(under.tail == "0014")
    }
}
