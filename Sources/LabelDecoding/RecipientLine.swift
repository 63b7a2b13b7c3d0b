import Foundation

/// Finds the recipient's line in the rectified block under a waybill's main barcode by the label's printed
/// rules, and cuts it out as one straight text line for OCR.
///
/// Chinese e-waybills rule their blocks off with full-width lines: one under the tracking digits (rule A), the
/// recipient's block (收, name and masked number on its first line, the address under it), then a second rule
/// 19 mm further down (rule B) over the sender's block. The first long thin line under the barcode is rule A,
/// which gives the recipient line's place and slant exactly, and the distance to rule B, when it is in the frame,
/// gives the scale the barcode's module only estimates (labels print modules of 0.25–0.375 mm). Tesseract then
/// reads one line (page segmentation mode 7) instead of laying out a block holding the barcode's feet, the big
/// 收 and the address: on generated sets that layout step dropped or garbled clear recipient lines, and one line
/// costs a fraction of the block's time.
enum RecipientLine {
    /// A rule found in the crop: its row at column 0, its slant (rows per column) and its length in pixels.
    struct Rule: Equatable {
        var row: Double
        var slope: Double
        var length: Int

        func row(at column: Double) -> Double { row + slope * column }
    }

    /// The recipient's line as an image, and whether its place is sure (rule B found at the layout's distance).
    struct Cut {
        var image: GreyImage
        var confirmedByRuleB: Bool
        /// Whether the band is known to hold the line's whole height: its foot set by rule B or by a blank gap
        /// under the text, not by the scale estimate alone (which may cut through the digits).
        var wholeLine: Bool = true
        /// The rule the line was cut under, and the crop's pixels per real mm the cut took.
        var ruleA: Rule
        var perMillimetre: Double
        /// The same line over the wider span where rule A's row is inked at all, when that reaches more than
        /// 2 mm further left: the second choice, for a rule partly in shadow (see `labelColumns`).
        var wider: GreyImage? = nil
    }

    /// Printed layout, in real millimetres: rule A to rule B, and the recipient line's band below rule A (its
    /// text starts 1.5 mm under the rule; the big 收 reaches ~7 mm, the address line starts at 7.5 mm).
    static let ruleSpacing = 19.0
    static let bandTop = 0.3
    static let bandBottom = 7.3
    /// Slants tried, rows per column: ±11° (the barcode's measured angle leaves the perspective's degrees: up to
    /// ~9.5° on seed 606, where ±8° missed both rules); a step of 0.007 is off by at most ~2 px at the crop's ends,
    /// within the gap allowance.
    static let slopes = stride(from: -0.2, through: 0.2, by: 0.007).map { $0 }
    /// A pixel darker than this is ink (the crop is flattened and stretched: paper ~255, print near 0).
    static let inkBelow: UInt8 = 128

    /// Rules in `crop` (made at `pixelsPerMillimetre` estimated): lines of ink at least 40 % of the crop wide,
    /// allowing gaps of a few pixels, with little ink ~0.9 mm above and below them (not a row through text or
    /// bars). Sorted top to bottom; none once `deadline` has passed (checked between slants: the search is the tail's
    /// longest step outside Tesseract, ~15 ms a crop in a release build and ten times that in a debug one).
    static func rules(
        in crop: GreyImage, pixelsPerMillimetre: Double, inkBelow ruleInk: UInt8 = inkBelow, until deadline: ContinuousClock.Instant? = nil
    ) -> [Rule] {
        let width = crop.width
        let height = crop.height
        guard width >= 32, height >= 32 else { return [] }
        let minimumLength = width * 2 / 5
        let gapAllowed = 4
        let clearance = max(3, Int((0.9 * pixelsPerMillimetre).rounded()))
        var best = [Rule?](repeating: nil, count: height)
        // Every other column: a rule is long, and this halves the search (~48 → ~20 ms a crop).
        let columnStep = 2
        let ink = crop.pixels.map { $0 < ruleInk }
        let samples = (width + columnStep - 1) / columnStep
        // A run of `minimumLength` spans this many samples, and has ink within `gapSamples` of each of them.
        let runSamples = minimumLength / columnStep
        let gapSamples = gapAllowed / columnStep
        // Samples so placed that every run long enough spans one: a path with no ink near any of them holds no
        // rule and is skipped (most paths, through paper or between text lines: the search ran ~3 times faster).
        let checkpoints = Array(stride(from: runSamples - 1, to: samples, by: max(1, runSamples - 1)))
        let finished = ink.withUnsafeBufferPointer { ink in
            for slope in slopes {
                if let deadline, ContinuousClock.now >= deadline { return false }
                // Row offsets along the slant, per sampled column.
                let offsets = stride(from: 0, to: width, by: columnStep).map { Int((slope * Double($0)).rounded()) }
                func inked(_ start: Int, _ sample: Int) -> Bool {
                    let row = start + offsets[sample]
                    return row >= 0 && row < height && ink[row * width + sample * columnStep]
                }
                for start in 0..<height {
                    let nearCheckpoint = checkpoints.contains { checkpoint in
                        (max(0, checkpoint - gapSamples)...min(samples - 1, checkpoint + gapSamples)).contains { inked(start, $0) }
                    }
                    guard nearCheckpoint else { continue }
                    // Only a run longer than this row's best so far counts: the search stops when none can be.
                    let needed = max(minimumLength, (best[start]?.length ?? 0) + 1)
                    var longest = 0
                    var run = 0
                    var gap = 0
                    for sample in 0..<samples {
                        if inked(start, sample) {
                            run += (gap + 1) * columnStep
                            gap = 0
                        } else if run > 0 {
                            gap += 1
                            if gap * columnStep > gapAllowed {
                                longest = max(longest, run)
                                run = 0
                                gap = 0
                            }
                        }
                        if longest < needed, run + (gap + samples - sample) * columnStep < needed { break }
                    }
                    longest = max(longest, run)
                    if longest >= needed {
                        best[start] = Rule(row: Double(start), slope: slope, length: longest)
                    }
                }
            }
            return true
        }
        guard finished else { return [] }
        // One rule per peak (a line ~2–3 px thick scores on neighbouring rows), kept only when clear above and below.
        var found: [Rule] = []
        for start in 0..<height {
            guard let rule = best[start] else { continue }
            let neighbours = max(0, start - clearance)...min(height - 1, start + clearance)
            guard neighbours.allSatisfy({ best[$0].map { $0.length <= rule.length } ?? true }) else { continue }
            if let last = found.last, Double(start) - last.row(at: 0) < Double(clearance) { continue }
            let above = inkFraction(crop, rule: rule, offset: -Double(clearance))
            let below = inkFraction(crop, rule: rule, offset: Double(clearance))
            guard above < 0.15, below < 0.15 else { continue }
            found.append(rule)
        }
        return found
    }

    /// Rows under `rule` (offsets from it) where the first text under it ends: the first run of ~0.4 mm of
    /// near-blank rows after inked ones, searched up to `limit`; nil when none.
    static func textBottom(
        _ crop: GreyImage, under rule: Rule, from top: Double, limit: Double, perMillimetre: Double, columns: Range<Int>? = nil
    ) -> Double? {
        let blankRun = max(2, Int((0.4 * perMillimetre).rounded()))
        var inked = 0
        var blank = 0
        var offset = top
        while offset < limit {
            if inkFraction(crop, rule: rule, offset: offset, columns: columns) < 0.005 {
                blank += 1
                if inked >= Int(2 * perMillimetre), blank >= blankRun { return offset - Double(blank) + 2 }
            } else {
                inked += 1
                blank = 0
            }
            offset += 1
        }
        return nil
    }

    /// Share of the crop's columns that are ink `offset` rows from `rule`.
    static func inkFraction(_ crop: GreyImage, rule: Rule, offset: Double, columns: Range<Int>? = nil) -> Double {
        var count = 0
        var seen = 0
        for column in columns ?? 0..<crop.width {
            let row = Int((rule.row(at: Double(column)) + offset).rounded())
            guard row >= 0, row < crop.height else { continue }
            seen += 1
            if crop.pixels[row * crop.width + column] < inkBelow { count += 1 }
        }
        return seen == 0 ? 1 : Double(count) / Double(seen)
    }

    /// The recipient's line cut from `crop` (rectified at `pixelsPerMillimetre` estimated, its top on the main
    /// barcode's scan line, the barcode's centre at column `codeColumn`), straightened along rule A; nil when no
    /// rule A is found, or when `deadline` passes during the search.
    static func cut(
        from crop: GreyImage, pixelsPerMillimetre: Double, codeColumn: Int? = nil, until deadline: ContinuousClock.Instant? = nil
    ) -> Cut? {
        var found = rules(in: crop, pixelsPerMillimetre: pixelsPerMillimetre, until: deadline)
        // No rule at all: a blur may have left the thin rules lighter than mid-grey (σ ~1.5 px and more on a
        // 0.3 mm line). A lighter threshold finds them there.
        let faintOnly = found.isEmpty
        if faintOnly { found = rules(in: crop, pixelsPerMillimetre: pixelsPerMillimetre, inkBelow: faintInkBelow, until: deadline) }
        guard let first = found.first else { return nil }
        let middle = Double(crop.width) / 2
        // The first rule at B's depth under the bars, faint or not: rule A went unseen (seed 606: A and B slanted
        // past the slants tried, the faint threshold found B alone, and the sender's line cut under it was read
        // twice alike and taken).
        if let codeColumn, let bottom = barsBottom(crop, codeColumn: codeColumn, pixelsPerMillimetre: pixelsPerMillimetre),
            firstIsRuleB(found, barsBottom: bottom, at: Double(codeColumn), pixelsPerMillimetre: pixelsPerMillimetre)
        {
            return lineAboveRuleB(
                first, next: found.dropFirst().first, in: crop, pixelsPerMillimetre: pixelsPerMillimetre, until: deadline)
        }
        // Faint rules only: the first is A by its depth, but B is as likely the sender block's foot (12 mm further,
        // equally faint or missed): the line is cut at the estimate's scale, unconfirmed.
        if faintOnly {
            return line(from: crop, under: first, ruleB: nil, pixelsPerMillimetre: pixelsPerMillimetre, ruleInk: faintInkBelow)
        }
        let ruleA = first
        // Rule B, the next rule, at its printed distance within the module estimate's error (labels print
        // 0.17–0.375 mm modules, 2–3 dots, where the estimate takes 0.30): the scale, measured.
        var ruleB = found.dropFirst().first.flatMap { rule -> Rule? in
            let distance = (rule.row(at: middle) - ruleA.row(at: middle)) / pixelsPerMillimetre
            guard distance > ruleSpacing / 1.8 && distance < ruleSpacing * 1.5 else { return nil }
            // The crop starts on the bars: rule A lies at most ~22 mm under that (8 mm of bars, the digits, the
            // gap), less than 1.4 times A to B. Were A missed, the first two rules found are B and the sender's
            // block's foot, 12 mm apart and at least 22 mm under the bars: that ratio is then over 1.8.
            return ruleA.row(at: middle) < 1.4 * (rule.row(at: middle) - ruleA.row(at: middle)) ? rule : nil
        }
        if let next = ruleB,
            let faint = faintRule(between: ruleA, and: next, in: crop, pixelsPerMillimetre: pixelsPerMillimetre, until: deadline)
        {
            ruleB = faint
        }
        return line(from: crop, under: ruleA, ruleB: ruleB, pixelsPerMillimetre: pixelsPerMillimetre)
    }

    /// Rule B found with the faint threshold between rule A and `next`, the next rule the normal threshold found,
    /// where B lies when `next` is the sender block's foot (B at 19 of the 31 mm from A to the foot, within the
    /// reads' error); nil when there is none. Rule B greyed by blur or light over part of its length is
    /// otherwise skipped, and the foot taken for it gives a scale 1.6 times too large (seed 202).
    static func faintRule(
        between ruleA: Rule, and next: Rule, in crop: GreyImage, pixelsPerMillimetre: Double, until deadline: ContinuousClock.Instant? = nil
    ) -> Rule? {
        let top = ruleA.row(at: Double(crop.width) / 2)
        let span = next.row(at: Double(crop.width) / 2) - top
        guard span * 0.35 >= 2 * max(3, 0.9 * pixelsPerMillimetre) else { return nil }
        return faintRule(
            rows: (top + 0.5 * span)...(top + 0.72 * span), slope: ruleA.slope, in: crop, pixelsPerMillimetre: pixelsPerMillimetre,
            until: deadline)
    }

    /// The first rule the faint threshold finds whose row at the crop's middle lies in `rows`. Only the band that
    /// can hold one is searched (`rows` widened by the slant over half the crop and the clearance `rules` checks
    /// above and below a rule), a fraction of the whole crop's search time.
    static func faintRule(
        rows: ClosedRange<Double>, slope: Double, in crop: GreyImage, pixelsPerMillimetre: Double,
        until deadline: ContinuousClock.Instant? = nil
    ) -> Rule? {
        let middle = Double(crop.width) / 2
        let reach = abs(slope) * middle + 2 * max(3, 0.9 * pixelsPerMillimetre)
        // At least the 32 rows `rules` needs, kept inside the crop.
        let first = max(0, min(Int((rows.lowerBound - reach).rounded(.down)), crop.height - 32))
        let band = crop.rows(from: first, to: max(first + 32, Int((rows.upperBound + reach).rounded(.up))))
        return rules(in: band, pixelsPerMillimetre: pixelsPerMillimetre, inkBelow: faintInkBelow, until: deadline).lazy
            .map { Rule(row: $0.row + Double(first), slope: $0.slope, length: $0.length) }
            .first { rows.contains($0.row(at: middle)) }
    }

    /// A lighter threshold for rules a blur has greyed (the crop is flattened: paper ~250).
    static let faintInkBelow: UInt8 = 185
    /// Printed layout, real mm: the sender block's foot lies 12 mm under rule B.
    static let senderBlock = 12.0

    /// The row where the main barcode's bars end in `crop`: the first near-blank row (the gap above the printed
    /// digits) after rows that cross many bars, measured in a window around the code's centre column; nil when
    /// the crop does not start on bars.
    static func barsBottom(_ crop: GreyImage, codeColumn: Int, pixelsPerMillimetre: Double) -> Int? {
        let low = max(0, codeColumn - Int(12 * pixelsPerMillimetre))
        let high = min(crop.width, codeColumn + Int(8 * pixelsPerMillimetre))
        guard high - low >= 32 else { return nil }
        // Bars: at least ~0.6 edges per mm across the window (a code has ~1.8), blank: at most 2.
        let barEdges = Int(0.6 * Double(high - low) / pixelsPerMillimetre)
        var barRows = 0
        for row in 0..<min(crop.height, Int(30 * pixelsPerMillimetre)) {
            var edges = 0
            var previous = crop.pixels[row * crop.width + low] < inkBelow
            for column in (low + 1)..<high {
                let ink = crop.pixels[row * crop.width + column] < inkBelow
                if ink != previous { edges += 1 }
                previous = ink
            }
            if edges >= barEdges {
                barRows += 1
            } else if edges <= 2, barRows >= Int(1 * pixelsPerMillimetre) {
                return row
            } else if barRows == 0, row > Int(3 * pixelsPerMillimetre) {
                return nil
            }
        }
        return nil
    }

    /// Whether the first rule found lies where rule B does rather than rule A, judged from the bars' foot: with a
    /// second rule, by depth over spacing (A: 6 over 19 mm; B: 25 over 12), which no scale error changes; alone,
    /// by its depth at the estimated scale (A ~6 mm, B ~25: apart even at the estimate's ±35 %).
    static func firstIsRuleB(_ found: [Rule], barsBottom: Int, at column: Double, pixelsPerMillimetre: Double) -> Bool {
        guard let first = found.first else { return false }
        let depth = first.row(at: column) - Double(barsBottom)
        if let second = found.dropFirst().first {
            let spacing = second.row(at: column) - first.row(at: column)
            return spacing > 0 && depth / spacing > 1
        }
        return depth / pixelsPerMillimetre > 13
    }

    /// The recipient's line when the first rule found is B (rule A too faint or broken): the scale from B to the
    /// next rule when that is the sender block's foot, rule A found with the faint threshold one spacing above
    /// B, or placed there. Confirmed (placed by the rules) when the scale was measured or rule A was found.
    static func lineAboveRuleB(
        _ ruleB: Rule, next: Rule?, in crop: GreyImage, pixelsPerMillimetre: Double, until deadline: ContinuousClock.Instant? = nil
    ) -> Cut? {
        let middle = Double(crop.width) / 2
        var scale = pixelsPerMillimetre
        var measured = false
        if let next {
            let spacing = (next.row(at: middle) - ruleB.row(at: middle)) / senderBlock
            if spacing > pixelsPerMillimetre / 1.45 && spacing < pixelsPerMillimetre * 1.45 {
                scale = spacing
                measured = true
            }
        }
        let predicted = ruleB.row(at: middle) - ruleSpacing * scale
        guard predicted > 0 else { return nil }
        let faint = faintRule(
            rows: (predicted - 2.5 * scale)...(predicted + 2.5 * scale), slope: ruleB.slope, in: crop, pixelsPerMillimetre: scale,
            until: deadline)
        let ruleA =
            faint
            ?? Rule(row: ruleB.row - ruleSpacing * scale, slope: ruleB.slope, length: ruleB.length)
        guard
            var cut = line(
                from: crop, under: ruleA, ruleB: ruleB, pixelsPerMillimetre: scale, ruleInk: faint == nil ? inkBelow : faintInkBelow,
                columnsAlong: faint == nil ? ruleB : nil)
        else { return nil }
        cut.confirmedByRuleB = measured || faint != nil
        return cut
    }

    /// The line one rule spacing above `cut`'s, for when `cut` read the sender's line (寄): the rule taken for A
    /// was B, A went unseen (too faint, or broken by the barcode's feet). That place is the recipient's line by
    /// the layout, as rule B's would be; nil when it is outside the crop.
    static func lineAbove(_ cut: Cut, in crop: GreyImage) -> Cut? {
        let ruleA = Rule(
            row: cut.ruleA.row - ruleSpacing * cut.perMillimetre, slope: cut.ruleA.slope, length: cut.ruleA.length)
        guard ruleA.row(at: Double(crop.width) / 2) > 0 else { return nil }
        return line(from: crop, under: ruleA, ruleB: cut.ruleA, pixelsPerMillimetre: cut.perMillimetre)
    }

    /// The label's columns along `ruleA`, not the background beside the label, whose texture Tesseract reads as
    /// glyphs and which hides blank rows. `strict`: a column is on the rule only when the rule's row is ink and
    /// paper lies ~0.9 mm above and below it (the background is dark or mottled there), and the rule is the
    /// longest run of such columns with gaps under 2 mm. Otherwise: from the first to the last column where the
    /// rule's row is ink, which keeps a part of the rule in shadow (lighter than the threshold, the clearance
    /// test fails there) but takes in a dark background beside the label.
    static func labelColumns(_ crop: GreyImage, ruleA: Rule, ruleInk: UInt8, perMillimetre: Double, strict: Bool) -> Range<Int> {
        let width = crop.width
        let clearance = max(3, Int((0.9 * perMillimetre).rounded()))
        let gapAllowed = Int(2 * perMillimetre)
        var (first, last) = (width, -1)
        var (runStart, gap) = (-1, 0)
        for column in 0..<width {
            let row = Int(ruleA.row(at: Double(column)).rounded())
            var onRule = row >= 1 && row < crop.height - 1 && (row - 1...row + 1).contains { crop.pixels[$0 * width + column] < ruleInk }
            if strict {
                onRule =
                    onRule && row - clearance >= 0 && row + clearance < crop.height
                    && crop.pixels[(row - clearance) * width + column] >= ruleInk
                    && crop.pixels[(row + clearance) * width + column] >= ruleInk
            }
            guard onRule else {
                gap += 1
                continue
            }
            if !strict {
                (first, last) = (min(first, column), column)
                continue
            }
            if runStart < 0 || gap > gapAllowed { runStart = column }
            gap = 0
            if column - runStart > last - first { (first, last) = (runStart, column) }
        }
        return first <= last ? first..<(last + 1) : 0..<width
    }

    /// The line under `ruleA`, straightened along it; with `ruleB`, scaled by their distance.
    static func line(
        from crop: GreyImage, under ruleA: Rule, ruleB: Rule?, pixelsPerMillimetre: Double, ruleInk: UInt8 = inkBelow,
        columnsAlong columnsRule: Rule? = nil
    ) -> Cut? {
        let middle = Double(crop.width) / 2
        let perMillimetre = ruleB.map { ($0.row(at: middle) - ruleA.row(at: middle)) / ruleSpacing } ?? pixelsPerMillimetre
        let width = crop.width
        let labelColumns = Self.labelColumns(
            crop, ruleA: columnsRule ?? ruleA, ruleInk: ruleInk, perMillimetre: perMillimetre, strict: true)
        let top = bandTop * perMillimetre
        // Without rule B the scale is the estimate's: the band ends at the first blank gap under the line's text
        // instead, when there is one before the estimate's worst case.
        let foundBottom =
            ruleB != nil
            ? bandBottom * perMillimetre
            : textBottom(
                crop, under: ruleA, from: top, limit: bandBottom * perMillimetre * 1.3, perMillimetre: perMillimetre, columns: labelColumns)
        let bottom = foundBottom ?? bandBottom * perMillimetre
        let padding = 8
        let rows = Int(bottom - top) + 2 * padding
        guard rows > 2 * padding + 8 else { return nil }
        var out = [UInt8](repeating: 255, count: rows * width)
        crop.pixels.withUnsafeBufferPointer { src in
            for row in padding..<(rows - padding) {
                let offset = top + Double(row - padding)
                for column in 0..<width {
                    let y = ruleA.row(at: Double(column)) + offset
                    guard y >= 0, y < Double(crop.height - 1) else { continue }
                    let y0 = Int(y)
                    let fy = y - Double(y0)
                    let value = Double(src[y0 * width + column]) * (1 - fy) + Double(src[(y0 + 1) * width + column]) * fy
                    out[row * width + column] = UInt8(value.rounded())
                }
            }
        }
        // Tesseract's time grows with the line's length: keep the label's columns and only up to the last inked
        // one, with a margin.
        var lastInk = -1
        for column in stride(from: width - 1, through: 0, by: -1) {
            if (padding..<(rows - padding)).contains(where: { out[$0 * width + column] < inkBelow }) {
                lastInk = column
                break
            }
        }
        func trimmed(from first: Int) -> GreyImage? {
            let left = max(0, first - padding)
            let right = min(width, max(lastInk, left + 16) + 2 * padding)
            guard right - left >= 32 else { return nil }
            var pixels = [UInt8](repeating: 255, count: rows * (right - left))
            for row in 0..<rows {
                pixels.replaceSubrange(
                    (row * (right - left))..<((row + 1) * (right - left)), with: out[(row * width + left)..<(row * width + right)])
            }
            return GreyImage(width: right - left, height: rows, pixels: pixels)
        }
        guard let image = trimmed(from: labelColumns.lowerBound) else { return nil }
        // The wider span only at the standard threshold: at a faint rule's lighter one it is the background's.
        var wider: GreyImage?
        if ruleInk == inkBelow {
            let wide = Self.labelColumns(crop, ruleA: columnsRule ?? ruleA, ruleInk: ruleInk, perMillimetre: perMillimetre, strict: false)
            if Double(labelColumns.lowerBound - wide.lowerBound) > 2 * perMillimetre { wider = trimmed(from: wide.lowerBound) }
        }
        return Cut(
            image: image, confirmedByRuleB: ruleB != nil, wholeLine: foundBottom != nil, ruleA: ruleA, perMillimetre: perMillimetre,
            wider: wider)
    }
}
