import Foundation
import Testing

@testable import LabelDecoding

/// `TextSkew` on drawn crops: a recipient block's shape (two rules, three lines of word-sized ink blocks, a big
/// glyph at the left) turned by a known angle about the crop's middle.
@Suite("TextSkew: the slant of printed lines in a crop")
struct TextSkewTests {
    static let width = 592
    static let height = 416

    /// Whether the level block has ink at (u, v).
    static func inkAt(_ u: Double, _ v: Double) -> Bool {
        guard u >= 20, u < Double(width) - 20 else { return false }
        // Rules across the label.
        if (58.0..<61.0).contains(v) || (210.0..<213.0).contains(v) { return true }
        // The big 收 at the left of the recipient's line.
        if (30.0..<70.0).contains(u) && (70.0..<110.0).contains(v) { return Int(u + v) % 7 < 3 }
        // Text lines of word-sized blocks with gaps, their widths varying along the line.
        for (top, bottom) in [(72.0, 96.0), (120.0, 140.0), (156.0, 176.0), (230.0, 248.0)] where v >= top && v < bottom {
            guard u >= 100 else { return false }
            let word = Int((u - 100) / 23)
            let inWord = (u - 100).truncatingRemainder(dividingBy: 23)
            return inWord < Double(12 + (word * 7) % 9)
        }
        return false
    }

    /// The drawn block turned by `degrees` (positive: lines running down to the right), on white paper.
    static func crop(turnedBy degrees: Double) -> GreyImage {
        let angle = degrees * .pi / 180
        let (cx, cy) = (Double(width) / 2, Double(height) / 2)
        var pixels = [UInt8](repeating: 250, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let (px, py) = (Double(x) - cx, Double(y) - cy)
                let u = px * cos(angle) + py * sin(angle) + cx
                let v = -px * sin(angle) + py * cos(angle) + cy
                if inkAt(u, v) { pixels[y * width + x] = 20 }
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }

    @Test("a turned block's slant is measured to within a step", arguments: [-14.0, -9.0, -4.0, -1.5, 2.5, 7.0, 11.0])
    func turned(_ degrees: Double) {
        let measured = TextSkew.angle(in: Self.crop(turnedBy: degrees)) * 180 / .pi
        #expect(abs(measured - degrees) <= TextSkew.stepDegrees, "measured \(measured)° for \(degrees)°")
    }

    @Test("a level block measures level")
    func level() {
        #expect(TextSkew.angle(in: Self.crop(turnedBy: 0)) == 0)
    }

    @Test("blank paper, a crop all ink, and a tiny crop give no slant")
    func nothingToMeasure() {
        #expect(TextSkew.angle(in: GreyImage(width: 400, height: 300, pixels: [UInt8](repeating: 250, count: 400 * 300))) == 0)
        #expect(TextSkew.angle(in: GreyImage(width: 400, height: 300, pixels: [UInt8](repeating: 10, count: 400 * 300))) == 0)
        #expect(TextSkew.angle(in: GreyImage(width: 8, height: 8, pixels: [UInt8](repeating: 10, count: 64))) == 0)
    }

    /// A mottled background with no lines (a parcel's cardboard beside the label): no slant is reported, as no
    /// slant's profile stands out from the level one's by the required gain.
    @Test("texture without lines gives no slant")
    func texture() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var pixels = [UInt8](repeating: 250, count: 400 * 300)
        for index in pixels.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            pixels[index] = (state >> 33) % 4 == 0 ? 40 : 230
        }
        #expect(TextSkew.angle(in: GreyImage(width: 400, height: 300, pixels: pixels)) == 0)
    }
}
