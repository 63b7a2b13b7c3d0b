import Foundation
import StationTestSupport
import Testing

@testable import LabelDecoding

/// The profile pass on generated photos no other pass reads (`make_labels.py --seed 7`, copied to
/// Fixtures/label-photos as profile-*.jpg): real zbar and ZXing on real JPEGs.
@Suite("Small and blurred codes: the averaged-profile pass (real zbar, real ZXing)", .cpuBound)
struct BarProfilePhotoTests {
    /// 1280×960 at 1.47 px per module, and 800×600 at 1.29 px per module, turned ~13° and ~39° off an axis.
    static let photos = ["profile-0016.jpg", "profile-0034.jpg"]

    @Test("the standard cascade reads the tracking number, and the profile pass is what reads it", arguments: photos)
    func read(_ name: String) throws {
        let expected = try PhotoFixture.record(name)
        let result = try LabelDecoder(limits: Fixture.limits, readsPhoneTail: false).decode(path: PhotoFixture.path(name))
        #expect(result.waybill?.number == expected.tracking)
        #expect(result.symbols.contains { $0.text == expected.tracking && $0.passes.contains(.profile) })
    }

    @Test("without the profile pass the same cascade does not read it", arguments: photos)
    func withoutProfile(_ name: String) throws {
        let expected = try PhotoFixture.record(name)
        let cascade = LabelDecoder.standardCascade.filter { $0 != .profile }
        let result = try LabelDecoder(limits: Fixture.limits, cascade: cascade, readsPhoneTail: false).decode(path: PhotoFixture.path(name))
        #expect(!result.symbols.contains { $0.text == expected.tracking && $0.symbology == .code128 })
    }

    @Test("the read's location maps back onto the barcode in the original photo (the phone tail is found from it)")
    func location() throws {
        let result = try LabelDecoder(limits: Fixture.limits, readsPhoneTail: false).decode(path: PhotoFixture.path("profile-0016.jpg"))
        let symbol = try #require(result.symbols.first { $0.passes.contains(.profile) && $0.symbology == .code128 })
        #expect(symbol.box.x >= 0 && symbol.box.x + symbol.box.width <= result.width)
        #expect(symbol.box.y >= 0 && symbol.box.y + symbol.box.height <= result.height)
        #expect(!symbol.sightings.isEmpty)
    }
}

/// Blurred photos whose bars only a deconvolved profile separates (seed 202, Fixtures/label-photos/deblur-*).
@Suite("Blurred codes: the deconvolved profile strips (real zbar, real ZXing)", .cpuBound)
struct DeblurredProfilePhotoTests {
    static let photos = ["deblur-0089.jpg", "deblur-0167.jpg"]

    /// The strips of every region the profile pass finds, by variant, and which of them zbar or ZXing reads as
    /// `expected` (the working image is the full one: both frames are under the half-size threshold).
    func reads(_ name: String, expected: String) throws -> Set<BarProfile.Profile.Variant> {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: PhotoFixture.path(name))))
        let image = try ImageLoader.decode(bytes, limits: DecodeLimits(), halve: false).image
        let scanner = ZBarScanner()
        var reading: Set<BarProfile.Profile.Variant> = []
        for region in BarProfile.regions(in: image, until: .now + .seconds(10)) {
            guard let profile = BarProfile.profile(for: region, source: image, factor: 1, toOriginal: { ($0, $1) }) else { continue }
            for variant in BarProfile.Profile.Variant.allCases {
                let strip = profile.strip(variant).image
                let texts = (scanner.scan(strip) + ZXingReader.readLinear(strip)).map { String(decoding: $0.bytes, as: UTF8.self) }
                if texts.contains(expected) { reading.insert(variant) }
            }
        }
        return reading
    }

    @Test("the plain and sharpened strips do not read the number; a deconvolved strip does", arguments: photos)
    func deconvolvedStripReads(_ name: String) throws {
        let expected = try PhotoFixture.record(name)
        let reading = try reads(name, expected: expected.tracking)
        #expect(!reading.contains(.plain) && !reading.contains(.sharpened))
        #expect(!reading.isDisjoint(with: [.deblurredNarrow, .deblurredMiddle, .deblurredWide]))
    }

    @Test("the standard cascade reads the number through the profile pass, and reports it as read once", arguments: photos)
    func cascadeReads(_ name: String) throws {
        let expected = try PhotoFixture.record(name)
        let result = try LabelDecoder(limits: Fixture.limits, readsPhoneTail: false).decode(path: PhotoFixture.path(name))
        #expect(result.waybill?.number == expected.tracking)
        #expect(result.symbols.contains { $0.text == expected.tracking && $0.passes == [.profile] })
    }
}

@Suite("Small and blurred codes: regions and strips", .cpuBound)
struct BarProfileRegionTests {
    /// Vertical bars of `pattern` (1 = dark module) at `module` px, in a `width`×`height` white frame.
    func bars(width: Int, height: Int, module: Int, pattern: [Int], top: Int, bottom: Int) -> GreyImage {
        var pixels = [UInt8](repeating: 235, count: width * height)
        let left = (width - pattern.count * module) / 2
        for y in top..<bottom {
            for (index, dark) in pattern.enumerated() where dark == 1 {
                for x in 0..<module { pixels[y * width + left + index * module + x] = 20 }
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }

    /// Bars and spaces of 1–2 modules (a code's texture; no dark run wide enough to hold a gradient-free block).
    func codeTexture() -> [Int] {
        let widths = [1, 2, 1, 1, 2, 2, 1, 2]
        var pattern: [Int] = []
        var dark = 1
        while pattern.count < 120 {
            pattern += Array(repeating: dark, count: widths[pattern.count % widths.count])
            dark = 1 - dark
        }
        return pattern
    }

    @Test("a block of bars is one region, read across the bars; a lone printed rule is not a region")
    func region() throws {
        let pattern = codeTexture()
        var image = bars(width: 640, height: 480, module: 3, pattern: pattern, top: 150, bottom: 260)
        // A rule across the frame under the bars.
        for x in 20..<620 { for y in 330..<333 { image.pixels[y * 640 + x] = 20 } }
        let regions = BarProfile.regions(in: image, until: .now + .seconds(5))
        let region = try #require(regions.first)
        #expect(regions.count == 1)
        #expect(abs(region.directionX) > 0.99)
        #expect(abs(region.centreY - 205) < 20)
        #expect(regions.allSatisfy { abs($0.centreY - 331) > 40 })
    }

    @Test("the tail's places from regions: both senses of each, none where a code was read, in original pixels")
    func regionSightings() throws {
        let pattern = codeTexture()
        // Two codes, one above the other.
        var image = bars(width: 640, height: 480, module: 3, pattern: pattern, top: 60, bottom: 150)
        let lower = bars(width: 640, height: 480, module: 3, pattern: pattern, top: 300, bottom: 390)
        for index in (300 * 640)..<(390 * 640) { image.pixels[index] = lower.pixels[index] }
        // A half-size working image (scale 2): places come back in original pixels.
        let both = PhoneTailReader.regionSightings(image: image, scale: 2, until: .now + .seconds(5))
        #expect(both.count == 4)
        #expect(Set(both.map { $0.points[0].y / 100 }) == [2, 6])
        #expect(both[0].directionX == -both[1].directionX && both[0].points == both[1].points)
        // A code read in the upper one (original pixels): only the lower one is left.
        let free = PhoneTailReader.regionSightings(
            image: image, scale: 2, avoiding: [PixelPoint(x: 700, y: 220)], until: .now + .seconds(5))
        #expect(free.count == 2)
        #expect(free.allSatisfy { abs($0.points[0].y - 690) < 40 })
    }

    @Test("noise, a blank frame and a checkerboard: no region or a bounded few, within the time")
    func hostile() {
        var generator = SystemRandomNumberGenerator()
        let noise = GreyImage(
            width: 1600, height: 1200, pixels: (0..<(1600 * 1200)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let blank = GreyImage(width: 1600, height: 1200, pixels: [UInt8](repeating: 255, count: 1600 * 1200))
        let checker = GreyImage(
            width: 1600, height: 1200, pixels: (0..<(1600 * 1200)).map { (($0 % 1600) / 4 + ($0 / 1600) / 4) % 2 == 0 ? 0 : 255 })
        for image in [noise, blank, checker] {
            let started = ContinuousClock.now
            let regions = BarProfile.regions(in: image, until: started + .seconds(2))
            #expect(regions.count <= 3)
            for region in regions {
                let strips = BarProfile.strips(for: region, source: image, factor: 1, toOriginal: { ($0, $1) })
                #expect(strips.allSatisfy { $0.image.width <= 24_000 && $0.image.height == BarProfile.stripRows })
            }
            #expect(ContinuousClock.now - started < .seconds(3))
        }
        #expect(BarProfile.regions(in: noise, until: .now - .seconds(1)).isEmpty)
    }

    @Test("deconvolution restores the contrast of one-module bars a blur filled in, more than the unsharp mask")
    func deconvolution() {
        // Bars and spaces of 1–3 modules at 3 samples a module, blurred with σ one module (3 samples).
        let widths = [1, 1, 2, 1, 3, 1, 1, 2, 2, 1, 1, 3]
        var sharp: [Double] = Array(repeating: 220, count: 30)
        var dark = true
        for width in widths + widths {
            sharp += Array(repeating: dark ? 40 : 220, count: 3 * width)
            dark.toggle()
        }
        sharp += Array(repeating: 220, count: 30)
        let radius = 9
        let kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * 3.0 * 3.0)) }
        let total = kernel.reduce(0, +)
        let blurred = sharp.indices.map { index in
            zip(-radius...radius, kernel).reduce(0.0) { sum, tap in
                sum + sharp[min(sharp.count - 1, max(0, index + tap.0))] * tap.1 / total
            }
        }
        // Contrast across the bars: the mean absolute difference from the local mean, over the bars only.
        func contrast(_ values: [Double]) -> Double {
            let bars = values[30..<(values.count - 30)]
            let mean = bars.reduce(0, +) / Double(bars.count)
            return bars.reduce(0) { $0 + abs($1 - mean) } / Double(bars.count)
        }
        let restored = BarProfile.deconvolved(blurred, sigma: 3)
        let sharpened = BarProfile.unsharp(blurred, sigma: 3, amount: 1.5)
        #expect(contrast(restored) > 1.3 * contrast(blurred))
        #expect(contrast(restored) > contrast(sharpened))
        // Bars and spaces on the right side of mid-grey at their middles: all of them once restored, where the
        // blur had merged the narrow ones into their neighbours.
        func rightSide(_ values: [Double]) -> Int {
            var position = 30
            var dark = true
            var count = 0
            for width in widths + widths {
                if dark == (values[position + 3 * width / 2] < 130) { count += 1 }
                position += 3 * width
                dark.toggle()
            }
            return count
        }
        #expect(rightSide(blurred) < 2 * widths.count)
        #expect(rightSide(restored) == 2 * widths.count)
        // Flat paper stays flat, and nothing runs away on noise.
        let flat = BarProfile.deconvolved(Array(repeating: 200, count: 200), sigma: 3)
        #expect(flat.allSatisfy { abs($0 - 200) < 0.5 })
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<3000).map { _ in Double(UInt8.random(in: 0...255, using: &generator)) }
        #expect(BarProfile.deconvolved(noise, sigma: 7.5).allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1_000 })
    }

    @Test("the unsharp mask steepens a blurred edge and leaves a flat run flat")
    func unsharp() {
        let edge = (0..<40).map { Double($0 < 20 ? 40 : 200) }
        let blurred = BarProfile.unsharp(edge, sigma: 3, amount: -0.9)  // a blur: the negative amount
        let sharpened = BarProfile.unsharp(blurred, sigma: 3, amount: 1.5)
        #expect(abs(sharpened[21] - sharpened[18]) > abs(blurred[21] - blurred[18]))
        #expect(abs(sharpened[2] - 40) < 1 && abs(sharpened[37] - 200) < 1)
    }
}

@Suite("Waybill choice: the label's QR data alone")
struct QROnlyWaybillTests {
    func qr(_ json: String) -> DecodedSymbol {
        DecodedSymbol(
            text: json, bytes: Array(json.utf8), symbology: .qrCode, pass: .full, passes: [.full], points: [],
            box: PixelBox(x: 0, y: 0, width: 1, height: 1))
    }

    @Test("a QR naming one courier-format waybill number confirms it: Reed–Solomon rejects damaged reads")
    func confirmsAlone() throws {
        let choice = try #require(WaybillRanker.choose([qr(#"{"waybillNo":"SF1234567890123","cp":"SF"}"#)]))
        #expect(choice.number == "SF1234567890123")
        #expect(choice.confirmed)
        #expect(WaybillRanker.isDone([qr(#"{"waybillNo":"SF1234567890123"}"#)]))
    }

    @Test("a QR number that fits only a length rule, or no rule, or two numbers: reported, not accepted")
    func notAlone() throws {
        for json in [#"{"no":"12345678"}"#, #"{"no":"ABC"}"#, #"{"waybillNo":"SF1234567890123","mailNo":"JT1234567890123"}"#] {
            let choice = WaybillRanker.choose([qr(json)])
            #expect(choice?.confirmed != true, "\(json)")
        }
    }
}
