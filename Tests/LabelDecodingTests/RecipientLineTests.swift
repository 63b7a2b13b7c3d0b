import Foundation
import StationTestSupport
import Testing

@testable import LabelDecoding

@Suite("Phone tail: the recipient line found by the label's rules", .cpuBound)
struct RecipientLineTests {
    static let perMillimetre = PhoneTailReader.outputPixelsPerMillimetre

    /// A rectified crop: bars at the top, rule A slanted by `slope`, a line of "text" blocks under it, and rule B
    /// `spacing` mm further down when `ruleB`.
    /// `ruleBInk` greys rule B (blur, light); `foot`, when given, draws the sender block's foot rule that many mm
    /// under rule A.
    func crop(
        slope: Double, ruleA: Int = 120, spacing: Double = 19, ruleB: Bool = true, ruleBInk: UInt8 = 10, foot: Double? = nil
    ) -> GreyImage {
        let width = 592
        let height = 416
        var pixels = [UInt8](repeating: 250, count: width * height)
        func dark(_ x: Int, _ y: Int, _ ink: UInt8 = 10) {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            pixels[y * width + x] = ink
        }
        // Bars: every third column dark from row 0 to 60 (a long run of ink with gaps, many rows deep).
        for y in 0..<60 { for x in stride(from: 40, to: 560, by: 3) { dark(x, y) } }
        var rows: [(Double, UInt8)] = [(Double(ruleA), 10)]
        if ruleB { rows.append((Double(ruleA) + spacing * Self.perMillimetre, ruleBInk)) }
        if let foot { rows.append((Double(ruleA) + foot * Self.perMillimetre, 10)) }
        for (start, ink) in rows {
            for x in 0..<width {
                let y = Int((start + slope * Double(x)).rounded())
                for thickness in 0..<3 { dark(x, y + thickness, ink) }
            }
        }
        // Text under rule A: 12 blocks 3 mm tall starting 1.5 mm under it.
        for block in 0..<12 {
            for x in (60 + block * 40)..<(84 + block * 40) {
                let top = Double(ruleA) + slope * Double(x) + 1.5 * Self.perMillimetre
                for y in Int(top)..<Int(top + 3 * Self.perMillimetre) { dark(x, y) }
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }

    @Test("the rule search gives up at the tail's deadline: no rules, no cut; before it, the same rules")
    func deadline() {
        let image = crop(slope: 0.05)
        let passed = ContinuousClock.now - .milliseconds(1)
        #expect(RecipientLine.rules(in: image, pixelsPerMillimetre: Self.perMillimetre, until: passed).isEmpty)
        #expect(RecipientLine.cut(from: image, pixelsPerMillimetre: Self.perMillimetre, until: passed) == nil)
        let later = ContinuousClock.now + .seconds(60)
        #expect(
            RecipientLine.rules(in: image, pixelsPerMillimetre: Self.perMillimetre, until: later)
                == RecipientLine.rules(in: image, pixelsPerMillimetre: Self.perMillimetre))
    }

    @Test("rule A and rule B are found across slants; the bars above are not a rule", arguments: [-0.1, -0.03, 0, 0.05, 0.12])
    func rules(_ slope: Double) throws {
        let found = RecipientLine.rules(in: crop(slope: slope), pixelsPerMillimetre: Self.perMillimetre)
        #expect(found.count == 2)
        let first = try #require(found.first)
        #expect(abs(first.row(at: 296) - (120 + slope * 296)) <= 3)
        #expect(abs(first.slope - slope) <= 0.01)
        let cut = try #require(RecipientLine.cut(from: crop(slope: slope), pixelsPerMillimetre: Self.perMillimetre))
        #expect(cut.confirmedByRuleB)
        // The text blocks are in the cut, straightened: ink in its middle rows, none in its first padding rows.
        let ink = cut.image.pixels.enumerated().filter { $0.element < RecipientLine.inkBelow }.map { $0.offset / cut.image.width }
        #expect(!ink.isEmpty)
        #expect((ink.min() ?? 0) >= 8)
    }

    @Test("rules slanted past 8° against the barcode's direction (perspective) are found", arguments: [-0.18, 0.18])
    func steepRules(_ slope: Double) throws {
        // Rule A low enough that, rising to the right, it stays clear of the bars.
        let ruleA = slope < 0 ? 220 : 120
        let found = RecipientLine.rules(in: crop(slope: slope, ruleA: ruleA), pixelsPerMillimetre: Self.perMillimetre)
        #expect(found.count == 2)
        let first = try #require(found.first)
        #expect(abs(first.slope - slope) <= 0.01)
        let cut = try #require(RecipientLine.cut(from: crop(slope: slope, ruleA: ruleA), pixelsPerMillimetre: Self.perMillimetre))
        #expect(cut.confirmedByRuleB)
    }

    @Test("rule B greyed past the ink threshold is found between rule A and the sender block's foot", arguments: [-0.04, 0, 0.06])
    func faintRuleB(_ slope: Double) throws {
        // The label prints smaller than the estimate (0.8): A to B 19 real mm, A to the foot 31, both in estimated mm.
        let image = crop(slope: slope, spacing: 19 * 0.8, ruleBInk: 160, foot: 31 * 0.8)
        #expect(RecipientLine.rules(in: image, pixelsPerMillimetre: Self.perMillimetre).count == 2)
        let cut = try #require(RecipientLine.cut(from: image, pixelsPerMillimetre: Self.perMillimetre))
        #expect(cut.confirmedByRuleB)
        // The scale from A to B, not from A to the foot (which would give 31/19 of it).
        #expect(abs(cut.perMillimetre - Self.perMillimetre * 0.8) < 0.4)
    }

    @Test("rule B at the wrong distance, or missing, leaves the line unconfirmed by the rules")
    func unconfirmed() throws {
        for image in [crop(slope: 0, spacing: 40), crop(slope: 0, ruleB: false)] {
            let cut = try #require(RecipientLine.cut(from: image, pixelsPerMillimetre: Self.perMillimetre))
            #expect(!cut.confirmedByRuleB)
        }
    }

    @Test("the sender's line read under the rule taken for A: the line one spacing above is cut instead", arguments: [-0.05, 0, 0.08])
    func lineAbove(_ slope: Double) throws {
        let image = crop(slope: slope)
        let ruleB = try #require(RecipientLine.rules(in: image, pixelsPerMillimetre: Self.perMillimetre).last)
        let wrong = RecipientLine.Cut(
            image: image, confirmedByRuleB: false, ruleA: ruleB, perMillimetre: Self.perMillimetre)
        let above = try #require(RecipientLine.lineAbove(wrong, in: image))
        #expect(abs(above.ruleA.row(at: 296) - (120 + slope * 296)) <= 3)
        #expect(above.confirmedByRuleB)
        // The text blocks under rule A are in it.
        #expect(above.image.pixels.contains { $0 < RecipientLine.inkBelow })
        // Rule A itself taken for B: above it is outside the crop.
        let first = try #require(RecipientLine.rules(in: image, pixelsPerMillimetre: Self.perMillimetre).first)
        let top = RecipientLine.Cut(image: image, confirmedByRuleB: false, ruleA: first, perMillimetre: Self.perMillimetre)
        #expect(RecipientLine.lineAbove(top, in: image) == nil)
    }

    @Test("blank, noise and stripes: no rule, no cut")
    func hostile() {
        var generator = SystemRandomNumberGenerator()
        let blank = GreyImage(width: 592, height: 416, pixels: [UInt8](repeating: 255, count: 592 * 416))
        let noise = GreyImage(width: 592, height: 416, pixels: (0..<(592 * 416)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let stripes = GreyImage(width: 592, height: 416, pixels: (0..<(592 * 416)).map { ($0 / 592) % 4 < 2 ? 0 : 255 })
        for image in [blank, noise, stripes] {
            #expect(RecipientLine.cut(from: image, pixelsPerMillimetre: Self.perMillimetre) == nil)
        }
    }

    @Test("on the recipient line a masked number is sure when the rules place it or 收 is read on it, never on 寄's")
    func chooseOnLine() {
        func line(_ text: String, confidence: Double = 98) -> TesseractOCR.Line {
            TesseractOCR.Line(
                glyphs: text.enumerated().map { index, character in
                    TesseractOCR.Glyph(text: String(character), confidence: confidence, box: (index * 12, 0, 10, 20))
                })
        }
        #expect(PhoneTailParser.chooseOnRecipientLine([line("王伟 159****0014")], placedByRules: true).tail == "0014")
        #expect(PhoneTailParser.chooseOnRecipientLine([line("收 王伟 159****0014")], placedByRules: false).tail == "0014")
        #expect(PhoneTailParser.chooseOnRecipientLine([line("王伟 159****0014")], placedByRules: false).status == .uncertain)
        #expect(PhoneTailParser.chooseOnRecipientLine([line("寄 王伟 159****0014")], placedByRules: true).tail == nil)
        #expect(PhoneTailParser.chooseOnRecipientLine([line("收 王伟 159****0014", confidence: 80)], placedByRules: true).tail == nil)
    }
}

@Suite("Phone tail: rule A missed, the first rule found is B", .cpuBound)
struct RuleBFirstTests {
    static let perMillimetre = PhoneTailReader.outputPixelsPerMillimetre

    /// Bars from the top to row 60 around column 496, then only rule B (25 mm under the bars' foot) and the sender
    /// block's foot 12 mm under B: rule A is not printed (as when a blur greyed it).
    /// `ruleInk` greys both rules (a blur): only the faint threshold finds them.
    func crop(ruleInk: UInt8 = 10) -> GreyImage {
        let width = 592
        let height = 416
        var pixels = [UInt8](repeating: 250, count: width * height)
        for y in 0..<60 { for x in stride(from: 300, to: 592, by: 3) { pixels[y * width + x] = 10 } }
        for start in [60 + Int(25 * Self.perMillimetre), 60 + Int(37 * Self.perMillimetre)] {
            for x in 0..<width { for t in 0..<3 { pixels[(start + t) * width + x] = ruleInk } }
        }
        // The recipient's text, 1.5 mm under where rule A would be (19 mm above B).
        let ruleA = 60 + Int(6 * Self.perMillimetre)
        for block in 0..<10 {
            for x in (60 + block * 40)..<(84 + block * 40) {
                for y in (ruleA + 12)..<(ruleA + 36) { pixels[y * width + x] = 10 }
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }

    @Test("the bars' foot is found, the first rule is judged B, and the line is cut one spacing above it")
    func lineAboveB() throws {
        let image = crop()
        let bottom = try #require(RecipientLine.barsBottom(image, codeColumn: 496, pixelsPerMillimetre: Self.perMillimetre))
        #expect(abs(bottom - 60) <= 2)
        let found = RecipientLine.rules(in: image, pixelsPerMillimetre: Self.perMillimetre)
        #expect(found.count == 2)
        #expect(RecipientLine.firstIsRuleB(found, barsBottom: bottom, at: 496, pixelsPerMillimetre: Self.perMillimetre))
        let cut = try #require(RecipientLine.cut(from: image, pixelsPerMillimetre: Self.perMillimetre, codeColumn: 496))
        // Placed from B with the scale B to the sender's foot measured: rule A's row, the text under it.
        #expect(abs(cut.ruleA.row(at: 296) - Double(60 + Int(6 * Self.perMillimetre))) <= 3)
        #expect(cut.confirmedByRuleB)
        #expect(cut.image.pixels.contains { $0 < RecipientLine.inkBelow })
    }

    @Test("only faint rules, the first at B's depth: the line is cut one spacing above it, not under it (the sender's)")
    func faintRuleBFirst() throws {
        let image = crop(ruleInk: 160)
        #expect(RecipientLine.rules(in: image, pixelsPerMillimetre: Self.perMillimetre).isEmpty)
        let cut = try #require(RecipientLine.cut(from: image, pixelsPerMillimetre: Self.perMillimetre, codeColumn: 496))
        #expect(abs(cut.ruleA.row(at: 296) - Double(60 + Int(6 * Self.perMillimetre))) <= 3)
        #expect(cut.image.pixels.contains { $0 < RecipientLine.inkBelow })
    }

    @Test("a first rule just under the bars is rule A")
    func ruleAFirst() {
        let rules = [
            RecipientLine.Rule(row: 60 + 6 * Self.perMillimetre, slope: 0, length: 500),
            RecipientLine.Rule(row: 60 + 25 * Self.perMillimetre, slope: 0, length: 500),
        ]
        #expect(!RecipientLine.firstIsRuleB(rules, barsBottom: 60, at: 296, pixelsPerMillimetre: Self.perMillimetre))
        #expect(!RecipientLine.firstIsRuleB(Array(rules.prefix(1)), barsBottom: 60, at: 296, pixelsPerMillimetre: Self.perMillimetre))
    }
}

@Suite("Phone tail: the crop's light evened out")
struct FlattenedTests {
    @Test("the running extreme equals the brute-force one: odd, even and too wide windows, at the borders", arguments: [1, 4, 15, 61])
    func slidingExtreme(_ window: Int) {
        var generator = SystemRandomNumberGenerator()
        let image = GreyImage(width: 37, height: 23, pixels: (0..<(37 * 23)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let radius = window / 2
        for brightest in [true, false] {
            let fast = image.slidingExtreme(window: window, brightest: brightest)
            for y in 0..<image.height {
                for x in 0..<image.width {
                    var values: [UInt8] = []
                    for yy in max(0, y - radius)...min(image.height - 1, y + radius) {
                        for xx in max(0, x - radius)...min(image.width - 1, x + radius) {
                            values.append(image.pixels[yy * image.width + xx])
                        }
                    }
                    let expected = brightest ? values.max()! : values.min()!
                    #expect(fast.pixels[y * image.width + x] == expected)
                }
            }
        }
    }

    @Test("a shadow's edge and a dark ground beside the label turn to paper up to their edges; the strokes stay ink")
    func shadowAndGround() {
        let width = 200
        let height = 80
        // Dark ground on columns 0..<40, lit paper to 120, paper in shadow (half the light) from there on.
        func paper(_ x: Int) -> Int { x < 40 ? 35 : (x < 120 ? 240 : 120) }
        var pixels = (0..<(width * height)).map { UInt8(paper($0 % width)) }
        // Strokes 3 px wide every 10 columns from 44 on, at a fifth of the paper's light, across the shadow's edge.
        for x in stride(from: 44, to: width - 3, by: 10) {
            for column in x..<(x + 3) {
                for y in 20..<60 { pixels[y * width + column] = UInt8(paper(column) / 5) }
            }
        }
        let flat = GreyImage(width: width, height: height, pixels: pixels).flattened(window: 15)
        for y in [10, 40, 70] {
            for x in 0..<width {
                let value = flat.pixels[y * width + x]
                let stroke = y == 40 && x >= 44 && (x - 44) % 10 < 3 && x < width - 3
                if stroke {
                    #expect(value < RecipientLine.inkBelow, "stroke at \(x), \(y): \(value)")
                } else {
                    #expect(value > 200, "paper at \(x), \(y): \(value)")
                }
            }
        }
    }
}
