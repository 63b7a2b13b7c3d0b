import Foundation

/// The recipient's phone tail read from a label photo: the last four digits of the number printed in the
/// recipient block (收件人), which privacy waybills (隐私面单) print masked, e.g. `159****0014`.
public struct PhoneTailRead: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable, Codable {
        /// Four digits read clearly, once, in the recipient block: `tail` holds them.
        case confident
        /// A phone number was seen in the recipient block, but its digits are not sure: `tail` is nil, never a guess.
        case uncertain
        /// No recipient phone number was found (no tracking number to find the block by, the block outside the
        /// frame or unreadable, or OCR not installed).
        case notFound
    }

    public let status: Status
    /// The four digits, only when `status` is `confident`.
    public let tail: String?
    /// The lowest OCR confidence (0–100) among the four digits of the best candidate; 0 when none was found.
    public let confidence: Double
    /// The best candidate's digits whatever the status: for the benchmark's wrong-tail count and for diagnostics
    /// only, never acted on or sent.
    public let candidate: String?
    /// Time spent on the recipient block (cropping and OCR).
    public let milliseconds: Double

    public init(status: Status, tail: String?, confidence: Double, candidate: String?, milliseconds: Double) {
        self.status = status
        self.tail = status == .confident ? tail : nil
        self.confidence = confidence
        self.candidate = candidate
        self.milliseconds = milliseconds
    }

    static func notFound(milliseconds: Double = 0) -> PhoneTailRead {
        PhoneTailRead(status: .notFound, tail: nil, confidence: 0, candidate: nil, milliseconds: milliseconds)
    }
}

/// Where a decoder saw a symbol once: its location points and, when known, the direction it reads in (start to
/// stop), both in original-image pixels.
struct Sighting: Sendable, Equatable {
    var points: [PixelPoint]
    var directionX: Double
    var directionY: Double

    /// The same points, the reading direction turned by `radians` (positive: clockwise on the image, whose rows
    /// grow downwards).
    func turned(by radians: Double) -> Sighting {
        Sighting(
            points: points, directionX: cos(radians) * directionX - sin(radians) * directionY,
            directionY: cos(radians) * directionY + sin(radians) * directionX)
    }
}

/// Finds the recipient block of a Chinese e-waybill from its tracking-number barcode and reads the phone tail in
/// it. The block's place comes from the label's layout, in millimetres from the main barcode's centre: the
/// printed tracking digits under the bars, then the recipient's line (收, name, masked number) ~13–21 mm below
/// that centre, their address, and the sender's block from ~32 mm. The barcode gives the rest: the reading sense
/// (the decoder's orientation), the exact angle (the bars' structure tensor) and the scale (its length in
/// modules, measured on a profile; a module is taken as 0.30 mm, labels print 0.25–0.375). The band from 4 to 36
/// estimated mm under the centre is rectified, its light flattened and read by Tesseract; `PhoneTailParser`
/// decides which number is the recipient's and whether it is sure.
enum PhoneTailReader {
    /// Estimated X dimension of the main barcode, mm (labels print 0.25–0.375 mm).
    static let assumedModuleMillimetres = 0.30
    /// The crop, in estimated mm from the barcode's centre (x along the bars' reading direction, y down the label).
    static let cropLeft = -62.0
    static let cropRight = 12.0
    /// Where the phone number's tail may start, in the same mm: it follows the name, past 收 at the block's left.
    static let numberLeft = -36.0
    static let cropTop = 4.0
    static let cropBottom = 36.0
    /// The crop `RecipientLine` searches, from the barcode's centre line (the sighting may sit anywhere on the
    /// bars' height, up to 8 mm from their middle) to deep enough for rule B, 19 mm under rule A, at the scale's
    /// worst error.
    static let lineCropTop = 0.0
    static let lineCropBottom = 52.0
    /// Output pixels per estimated mm (~200 dpi: Tesseract's digits come out ~20–28 px tall).
    static let outputPixelsPerMillimetre = 8.0
    /// The lowest per-digit OCR confidence a tail is reported with as confident (tuned on generated sets).
    static let confidentAbove = 95.0
    /// The recipient line's second read, when the first is not sure, is made on the line upscaled by this.
    static let secondReadScale = 1.5

    /// Reads the tail near the barcode seen at `sightings` (original pixels) in `image`, which is the original
    /// scaled down by `scale`; `text` is the barcode's content (its length gives the module count).
    static func read(
        image: GreyImage, scale: Double, sightings: [Sighting], text: String, ocr: TesseractOCR?,
        until deadline: ContinuousClock.Instant
    ) -> PhoneTailRead {
        let started = ContinuousClock.now
        guard let ocr else { return .notFound() }
        let modules = Double(codeModules(text))
        let refinedSightings = sightings.flatMap(instances).prefix(16).compactMap { refined($0, image: image, scale: scale) }
        var places = refinedSightings.compactMap { measured(image: image, scale: scale, sighting: $0, modules: modules) }
        // ZXing's own place for the code checks the measured ones at the same place: one whose scale is more than
        // a quarter off ZXing's gives way to it (the profile's run of edges missed blurred bars, or ran on into the
        // text beside the code: half or twice the scale, the crop unreadable); within that, the measured place is
        // kept (ZXing's ends sit a little out in the quiet zone: its scale came out ~5 % larger).
        if let direction = refinedSightings.first,
            let zxing = located(image: image, scale: scale, text: text, direction: direction, modules: modules)
        {
            let (x, y) = centre(zxing.0)
            let here = places.indices.filter { index in
                let (px, py) = centre(places[index].0)
                return ((x - px) * (x - px) + (y - py) * (y - py)).squareRoot() < zxing.1 * modules / 2
            }
            let agreeing = here.filter { abs(log(places[$0].1 / zxing.1)) < log(1.25) }
            if agreeing.isEmpty {
                places = places.indices.filter { !here.contains($0) }.map { places[$0] } + [zxing]
            }
        }
        // The main barcode's sightings first: its modules are larger than the stub's repeat of the same number.
        let ranked = places.sorted { $0.1 > $1.1 }
        // One try per place: the same code re-read by other passes is the same block.
        var distinct: [(Sighting, Double)] = []
        for candidate in ranked {
            let (x, y) = centre(candidate.0)
            // The same place read the other way round is another try (`regionSightings` gives both senses).
            let seen = distinct.contains { other in
                let (ox, oy) = centre(other.0)
                let sameSense = other.0.directionX * candidate.0.directionX + other.0.directionY * candidate.0.directionY > 0
                return sameSense && ((x - ox) * (x - ox) + (y - oy) * (y - oy)).squareRoot() < candidate.1 * modules / 4
            }
            if !seen { distinct.append(candidate) }
        }
        var best = PhoneTailRead.notFound()
        for (sighting, perModule) in distinct.prefix(3) where ContinuousClock.now < deadline {
            guard
                let tall = recipientCrop(
                    image: image, scale: scale, sighting: sighting, pixelsPerModule: perModule, top: lineCropTop,
                    bottom: lineCropBottom)
            else { continue }
            var read = readPlace(tall, text: text, ocr: ocr, until: deadline)
            // Not sure, and the crop's lines slanted (the bars' angle measured poorly, as on codes of about a pixel
            // per module): the crop again, turned to the lines, read again. Only then: a crop already read sure
            // reads no better turned by a degree or two, and sometimes worse.
            if read.status != .confident, ContinuousClock.now < deadline, case let skew = TextSkew.angle(in: tall), skew != 0,
                let level = recipientCrop(
                    image: image, scale: scale, sighting: sighting.turned(by: skew), pixelsPerModule: perModule,
                    top: lineCropTop, bottom: lineCropBottom)
            {
                let again = readPlace(level, text: text, ocr: ocr, until: deadline)
                if again.status == .confident || read.status == .notFound { read = again }
            }
            if read.status == .confident {
                best = read
                break
            }
            if read.status == .uncertain, best.status == .notFound { best = read }
        }
        return PhoneTailRead(
            status: best.status, tail: best.tail, confidence: best.confidence, candidate: best.candidate,
            milliseconds: (ContinuousClock.now - started).milliseconds)
    }

    /// The tail read in one place's crop (`tall`, rectified from the code's centre line down): the recipient line
    /// found by the label's rules, read alone; the whole block when that finds no sure tail. A confident read, or
    /// the first uncertain one, or not found.
    static func readPlace(
        _ tall: GreyImage, text: String, ocr: TesseractOCR, until deadline: ContinuousClock.Instant
    ) -> PhoneTailRead {
        var best = PhoneTailRead.notFound()
        let debugFolder = ProcessInfo.processInfo.environment["LABEL_TAIL_DEBUG"]
        if let debugFolder {
            let rules = RecipientLine.rules(in: tall, pixelsPerMillimetre: outputPixelsPerMillimetre)
            debugDump(
                tall, lines: [], read: .notFound(), folder: debugFolder,
                text: text + "-tall-" + rules.map { "\(Int($0.row))x\($0.length)" }.joined(separator: "_"))
        }
        if var cut = RecipientLine.cut(
            from: tall, pixelsPerMillimetre: outputPixelsPerMillimetre, codeColumn: Int(-cropLeft * outputPixelsPerMillimetre),
            until: deadline)
        {
            /// One read of a cut line: its OCR lines and the tail they give.
            func readLine(_ image: GreyImage, tag: String) -> ([TesseractOCR.Line], PhoneTailRead) {
                let lines = ocr.lines(in: image, mode: .line, until: deadline)
                let read = PhoneTailParser.chooseOnRecipientLine(lines, placedByRules: cut.confirmedByRuleB)
                if let debugFolder { debugDump(image, lines: lines, read: read, folder: debugFolder, text: text + tag) }
                return (lines, read)
            }
            var (lines, read) = readLine(cut.image, tag: "-line")
            // The sender's line (寄): the rule taken for A was B; the recipient's line is one spacing above.
            if lines.contains(where: { $0.text.contains("寄") }), let above = RecipientLine.lineAbove(cut, in: tall) {
                cut = above
                (lines, read) = readLine(cut.image, tag: "-above")
            }
            // Not sure at once: a second read of the line on a finer pixel grid. Tesseract's unsure digits
            // come from where its glyph segmentation wavers, which the new grid moves; the same tail read
            // twice on the cut line is taken (on generated sets: no wrong tail among those agreements).
            if read.status == .uncertain, read.candidate != nil, ContinuousClock.now < deadline {
                let finer = cut.image.resampledCrop(
                    x: 0, y: 0, width: cut.image.width, height: cut.image.height, factor: secondReadScale)
                let again = ocr.lines(in: finer, mode: .line, until: deadline)
                read = PhoneTailParser.agreed(
                    read, lines, again, placedByRules: cut.confirmedByRuleB, wholeLine: cut.wholeLine)
                if let debugFolder { debugDump(finer, lines: again, read: read, folder: debugFolder, text: text + "-line2") }
            }
            // Not sure over the rule's clear span: the same line over the rule's whole inked span (a rule
            // partly in shadow), once.
            if read.status != .confident, let wider = cut.wider, ContinuousClock.now < deadline {
                let (_, widerRead) = readLine(wider, tag: "-wider")
                if widerRead.status == .confident || read.status == .notFound { read = widerRead }
            }
            if read.status == .confident { return read }
            if read.status == .uncertain { best = read }
        }
        guard ContinuousClock.now < deadline else { return best }
        let crop = tall.rows(
            from: Int((cropTop - lineCropTop) * outputPixelsPerMillimetre),
            to: Int((cropBottom - lineCropTop) * outputPixelsPerMillimetre))
        let lines = ocr.lines(in: crop, mode: .block, until: deadline)
        let choice = PhoneTailParser.blockChoice(lines, tracking: text)
        var read = choice.read
        if let debugFolder {
            debugDump(crop, lines: lines, read: read, folder: debugFolder, text: text)
        }
        // The recipient's number read, not sure: the number alone, on a finer grid, read again. Taken only
        // when that read is sure by itself (95) and gives the same tail: agreement at 90, as for the cut line,
        // took the same misread twice off one coarse crop (seed 606: 7815 for 7816 at 94.6 and 88).
        if read.status == .uncertain, let tail = read.candidate, choice.recipient, let index = choice.line,
            let image = numberImage(lines[index], tail: tail, in: crop), ContinuousClock.now < deadline
        {
            let again = ocr.lines(in: image, mode: .line, until: deadline)
            let alone = PhoneTailParser.chooseOnRecipientLine(again, placedByRules: true)
            if alone.status == .confident, alone.tail == tail { read = alone }
            if let debugFolder { debugDump(image, lines: again, read: alone, folder: debugFolder, text: text + "-again") }
        }
        if read.status == .confident || best.status == .notFound { return read }
        return best
    }

    /// Places to look for the recipient block from when the number's own reads gave no sure tail (the number read
    /// only off the label's QR code, or only the stub's small copy read): the barcode-like regions of `image`
    /// (`BarProfile.regions`, the largest first) that hold none of the `avoiding` points (where codes were read:
    /// the number's places already tried, another code's label), each in both reading senses, as the regions'
    /// bars give no sense. The wrong sense's crop lies above the code, upside down: Tesseract reads no masked
    /// number there, and a tail is still taken only where the label's rules or 收 place it.
    static func regionSightings(
        image: GreyImage, scale: Double, avoiding points: [PixelPoint] = [], limit: Int = 2, until deadline: ContinuousClock.Instant
    ) -> [Sighting] {
        let free = BarProfile.regions(in: image, limit: limit + 2, until: deadline).filter { region in
            !points.contains { point in
                let x = Double(point.x) / scale - region.centreX
                let y = Double(point.y) / scale - region.centreY
                let along = x * region.directionX + y * region.directionY
                let across = -x * region.directionY + y * region.directionX
                return abs(along) <= region.along / 2 + Double(BarProfile.block)
                    && abs(across) <= region.across / 2 + Double(BarProfile.block)
            }
        }
        return free.prefix(limit).flatMap { region -> [Sighting] in
            // Points along the region's middle line over most of its length, as a decoder's scan lines give: `refined`
            // measures the bars' angle over a window that spread sets (one point gave it 21 px, ~10° off on small
            // codes), and `instances` keeps them one group (spaced under its reach).
            let points = (-8...8).map { step -> PixelPoint in
                let t = Double(step) / 20 * region.along
                return PixelPoint(
                    x: Int(((region.centreX + t * region.directionX) * scale).rounded()),
                    y: Int(((region.centreY + t * region.directionY) * scale).rounded()))
            }
            return [1.0, -1.0].map { sense in
                Sighting(points: points, directionX: sense * region.directionX, directionY: sense * region.directionY)
            }
        }
    }

    /// The masked number of a block read cut out of the block: from about eight digit widths before its tail's
    /// four digits (the three digits and the mask before them) to two after, half the digits' height above and
    /// below, at `secondReadScale`. Only the number: the big 收 and the lines around it, cut in part, made a
    /// line read of the whole width misread. Nil when the tail's digits are not found on the line.
    static func numberImage(_ line: TesseractOCR.Line, tail: String, in block: GreyImage) -> GreyImage? {
        let glyphs = line.glyphs.filter { $0.text != " " }
        let wanted = Array(tail)
        guard wanted.count == 4, glyphs.count >= 4,
            let start = (0...(glyphs.count - 4)).last(where: { at in
                (0..<4).allSatisfy { PhoneTailParser.digit(glyphs[at + $0].text) == wanted[$0] }
            })
        else { return nil }
        let boxes = glyphs[start..<(start + 4)].map(\.box)
        let digitWidth = max(1, (boxes[3].x + boxes[3].width - boxes[0].x) / 4)
        let digitHeight = boxes.map(\.height).max() ?? 0
        let x0 = max(0, boxes[0].x - 8 * digitWidth)
        let x1 = min(block.width, boxes[3].x + boxes[3].width + 2 * digitWidth)
        // The line's slant from the tail's digits (first to last centre), at most 1 in 5: taken level, so that the
        // rows over the number hold neither the rule above it nor the address under it (a slanted number with
        // those in its crop read as nothing at all).
        let run = Double(boxes[3].x + boxes[3].width / 2 - boxes[0].x - boxes[0].width / 2)
        let rise = Double(boxes[3].y + boxes[3].height / 2 - boxes[0].y - boxes[0].height / 2)
        let slope = run > 0 ? max(-0.2, min(0.2, rise / run)) : 0
        // The rows at the crop's left edge: the tail's top and bottom carried back along the slant.
        let back = slope * Double(boxes[0].x - x0)
        guard let top = boxes.map(\.y).min(), let bottom = boxes.map({ $0.y + $0.height }).max() else { return nil }
        let margin = Double(max(2, digitHeight / 2))
        let y0 = Int((Double(top) - back - margin).rounded(.down))
        let y1 = Int((Double(bottom) - back + margin).rounded(.up))
        guard x1 > x0 + 8, y1 > y0 + 8 else { return nil }
        return block.resampledCrop(x: x0, y: y0, width: x1 - x0, height: y1 - y0, factor: secondReadScale, slope: slope)
    }

    /// `LABEL_TAIL_DEBUG=folder`: each crop as PGM and its OCR lines, for tuning.
    static func debugDump(_ crop: GreyImage, lines: [TesseractOCR.Line], read: PhoneTailRead, folder: String, text: String) {
        let stem = folder + "/" + text + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let header = Array("P5\n\(crop.width) \(crop.height)\n255\n".utf8)
        _ = FileManager.default.createFile(atPath: stem + ".pgm", contents: Data(header + crop.pixels))
        let report =
            lines.map { line in line.text + "  [" + line.glyphs.map { String(Int($0.confidence)) }.joined(separator: ",") + "]" }
            .joined(separator: "\n") + "\n=> \(read.status.rawValue) \(read.candidate ?? "-") \(read.confidence)\n"
        _ = FileManager.default.createFile(atPath: stem + ".txt", contents: Data(report.utf8))
    }

    static func centre(_ sighting: Sighting) -> (Double, Double) {
        let count = Double(max(1, sighting.points.count))
        return (
            sighting.points.reduce(0.0) { $0 + Double($1.x) } / count, sighting.points.reduce(0.0) { $0 + Double($1.y) } / count
        )
    }

    /// A Code 128 symbol's length in modules: 11 per character (digit pairs share one), start, check and stop.
    static func codeModules(_ text: String) -> Int {
        let digits = text.filter(\.isNumber).count
        return 11 * (text.count - digits + (digits + 1) / 2 + 3) + 2
    }

    /// The places in one sighting. zbar merges every place a scan reads the same data into one symbol, so a
    /// label's main barcode and its stub's repeat come as one point list, each scan line's point at the end where
    /// its decode finished: points are grouped by nearness (single linkage within a few percent of the frame), so
    /// a group is one end of one code; `measured` then finds the code's middle from there.
    static func instances(_ sighting: Sighting) -> [Sighting] {
        let points = Array(sighting.points.prefix(400))
        guard points.count > 1 else { return points.isEmpty ? [] : [sighting] }
        let xs = points.map(\.x)
        let ys = points.map(\.y)
        let extent = max((xs.max() ?? 0) - (xs.min() ?? 0), (ys.max() ?? 0) - (ys.min() ?? 0))
        let reach = max(12, extent / 12)
        var group = [Int](repeating: -1, count: points.count)
        var groups: [[PixelPoint]] = []
        for start in points.indices where group[start] < 0 {
            group[start] = groups.count
            var members = [points[start]]
            var queue = [start]
            while let current = queue.popLast() {
                for other in points.indices where group[other] < 0 {
                    if abs(points[other].x - points[current].x) <= reach && abs(points[other].y - points[current].y) <= reach {
                        group[other] = groups.count
                        members.append(points[other])
                        queue.append(other)
                    }
                }
            }
            groups.append(members)
        }
        return groups.sorted { $0.count > $1.count }.prefix(6).map {
            Sighting(points: $0, directionX: sighting.directionX, directionY: sighting.directionY)
        }
    }

    /// The sighting with its direction measured on the bars (the structure tensor of the grey gradients around its
    /// centre: the bars' normal, to a degree), its sense kept from the decoder's coarse orientation (zbar reports
    /// only up/right/down/left of the pass's image); nil when the gradients show no clear direction.
    static func refined(_ sighting: Sighting, image: GreyImage, scale: Double) -> Sighting? {
        let count = Double(sighting.points.count)
        guard count > 0 else { return nil }
        let centreX = sighting.points.reduce(0.0) { $0 + Double($1.x) } / count / scale
        let centreY = sighting.points.reduce(0.0) { $0 + Double($1.y) } / count / scale
        var spread = 0.0
        for point in sighting.points {
            let x = Double(point.x) / scale - centreX
            let y = Double(point.y) / scale - centreY
            spread = max(spread, (x * x + y * y).squareRoot())
        }
        let radius = Int(min(300, max(10, spread * 0.4)))
        let x0 = max(1, Int(centreX) - radius)
        let x1 = min(image.width - 2, Int(centreX) + radius)
        let y0 = max(1, Int(centreY) - radius)
        let y1 = min(image.height - 2, Int(centreY) + radius)
        guard x1 > x0 + 4, y1 > y0 + 4 else { return nil }
        let stride = max(1, radius / 60)
        let tensor = image.gradientTensor(xs: x0...x1, ys: y0...y1, step: stride)
        guard tensor.trace > 0 else { return nil }
        // Coherence: 1 for parallel bars, 0 for no preferred direction.
        guard tensor.coherence > 0.3 else { return nil }
        let angle = tensor.angle
        var (dx, dy) = (cos(angle), sin(angle))
        if dx * sighting.directionX + dy * sighting.directionY < 0 { (dx, dy) = (-dx, -dy) }
        // More than ~50° from the decoder's direction: not the code's bars.
        guard dx * sighting.directionX + dy * sighting.directionY > 0.6 else { return nil }
        return Sighting(points: sighting.points, directionX: dx, directionY: dy)
    }

    /// The code measured on the image from a place on it: the bars' extent along a profile through the sighting's
    /// centre, in its reading direction (edges no further apart than a few modules, where the quiet zone is 10).
    /// Returns the code's middle (a sighting of that one point) and its original pixels per module (the extent
    /// over the code's module count); nil when no code-like run of edges is there.
    static func measured(image: GreyImage, scale: Double, sighting: Sighting, modules: Double) -> (Sighting, Double)? {
        let count = Double(sighting.points.count)
        guard count > 0, modules > 20 else { return nil }
        let centreX = sighting.points.reduce(0.0) { $0 + Double($1.x) } / count / scale
        let centreY = sighting.points.reduce(0.0) { $0 + Double($1.y) } / count / scale
        let (dx, dy) = (sighting.directionX, sighting.directionY)
        let reach = Double(max(image.width, image.height)) * 0.6
        let samples = Int(reach)  // one sample per pixel each way
        var profile = [Double](repeating: -1, count: 2 * samples + 1)
        image.pixels.withUnsafeBufferPointer { src in
            for index in 0..<profile.count {
                let t = Double(index - samples)
                var sum = 0.0
                var n = 0
                for across in -2...2 {
                    let x = centreX + t * dx - Double(across) * dy
                    let y = centreY + t * dy + Double(across) * dx
                    guard x >= 0, y >= 0, x < Double(image.width - 1), y < Double(image.height - 1) else { continue }
                    sum += Double(src[Int(y) * image.width + Int(x)])
                    n += 1
                }
                if n > 0 { profile[index] = sum / Double(n) }
            }
        }
        // Edges: local maxima of the absolute derivative above a quarter of the strongest near the centre.
        var derivative = [Double](repeating: 0, count: profile.count)
        for index in 1..<(profile.count - 1) where profile[index - 1] >= 0 && profile[index + 1] >= 0 {
            derivative[index] = abs(profile[index + 1] - profile[index - 1])
        }
        let near = max(8, samples / 20)
        let strongest = derivative[max(0, samples - near)...min(profile.count - 1, samples + near)].max() ?? 0
        guard strongest > 8 else { return nil }
        var edges: [Int] = []
        for index in 1..<(derivative.count - 1)
        where derivative[index] >= strongest / 4 && derivative[index] >= derivative[index - 1] && derivative[index] > derivative[index + 1]
        {
            edges.append(index)
        }
        guard let middle = edges.indices.min(by: { abs(edges[$0] - samples) < abs(edges[$1] - samples) }) else { return nil }
        // Typical spacing near the centre: ~1.6 modules for Code 128 (6 edges per 11 modules, the widest fifth of
        // the gaps left out: a quiet zone the window reaches into). Not the median: most Code 128 elements are one
        // module wide, so at 3 px per module the median was one module, and the limit below fell under the widest
        // element (4 modules): the run stopped inside the code (seed 202, about 1 photo in 30).
        let local = edges[max(0, middle - 10)...min(edges.count - 1, middle + 10)]
        let gaps = zip(local.dropFirst(), local).map { $0 - $1 }.sorted()
        guard !gaps.isEmpty else { return nil }
        let kept = gaps.prefix(max(1, gaps.count * 4 / 5))
        let typical = Double(kept.reduce(0, +)) / Double(kept.count)
        let limit = max(3, Int(typical * 3.6))  // ~6 modules: over the widest bar or space (4), under the quiet zone
        var first = middle
        while first > 0, edges[first] - edges[first - 1] <= limit { first -= 1 }
        var last = middle
        while last < edges.count - 1, edges[last + 1] - edges[last] <= limit { last += 1 }
        let perModule = Double(edges[last] - edges[first]) / modules * scale
        guard perModule >= 0.6 else { return nil }
        // The code's middle, in original pixels: the one point the crop is placed from.
        let along = Double(edges[first] + edges[last]) / 2 - Double(samples)
        let codeMiddle = PixelPoint(x: Int(((centreX + along * dx) * scale).rounded()), y: Int(((centreY + along * dy) * scale).rounded()))
        return (Sighting(points: [codeMiddle], directionX: dx, directionY: dy), perModule)
    }

    /// The code as ZXing finds it in `image`: a 1D code is decoded between its start and stop patterns, so the
    /// ends of ZXing's scan line are the code's ends, wherever that line crosses the bars. Projected on the bars'
    /// reading direction (`direction`'s, measured on the bars: ZXing's line runs along the image's rows or columns),
    /// they give the code's middle and its length; nil when ZXing does not read `text` there.
    static func located(image: GreyImage, scale: Double, text: String, direction: Sighting, modules: Double) -> (Sighting, Double)? {
        let reads = ZXingReader.read(
            image, symbologies: ZXingReader.linearSymbologies, options: ZXingReader.tryHarderAndRotate, max: 1)
        guard let found = reads.first(where: { String(decoding: $0.bytes, as: UTF8.self) == text }), found.points.count == 4
        else { return nil }
        let (dx, dy) = (direction.directionX, direction.directionY)
        let along = found.points.map { Double($0.x) * dx + Double($0.y) * dy }
        guard let low = along.min(), let high = along.max() else { return nil }
        let perModule = (high - low) / modules * scale
        guard perModule >= 0.6 else { return nil }
        // The corners' centre, moved along the bars to the middle of the code's length.
        let cx = found.points.reduce(0.0) { $0 + Double($1.x) } / 4
        let cy = found.points.reduce(0.0) { $0 + Double($1.y) } / 4
        let shift = (low + high) / 2 - (cx * dx + cy * dy)
        let middle = PixelPoint(x: Int(((cx + shift * dx) * scale).rounded()), y: Int(((cy + shift * dy) * scale).rounded()))
        return (Sighting(points: [middle], directionX: dx, directionY: dy), perModule)
    }

    /// The recipient block rectified (reading direction to the right), at `outputPixelsPerMillimetre`, contrast
    /// stretched; nil when it falls outside the image.
    static func recipientCrop(
        image: GreyImage, scale: Double, sighting: Sighting, pixelsPerModule: Double, top: Double = cropTop,
        bottom: Double = cropBottom
    ) -> GreyImage? {
        let count = Double(sighting.points.count)
        guard count > 0 else { return nil }
        let centreX = sighting.points.reduce(0.0) { $0 + Double($1.x) } / count / scale
        let centreY = sighting.points.reduce(0.0) { $0 + Double($1.y) } / count / scale
        let (dx, dy) = (sighting.directionX, sighting.directionY)
        // Down the label: the reading direction turned a quarter clockwise (image y grows downwards).
        let (nx, ny) = (-dy, dx)
        let sourcePerMillimetre = pixelsPerModule / assumedModuleMillimetres / scale
        let step = sourcePerMillimetre / outputPixelsPerMillimetre
        let width = Int((cropRight - cropLeft) * outputPixelsPerMillimetre)
        let height = Int((bottom - top) * outputPixelsPerMillimetre)
        var out = [UInt8](repeating: 255, count: width * height)
        // Counted only where the number's tail can be: the name and 收 before it may be outside the frame.
        let numberColumns = Int((numberLeft - cropLeft) * outputPixelsPerMillimetre)
        var inside = 0
        image.pixels.withUnsafeBufferPointer { src in
            let w = image.width
            let h = image.height
            for row in 0..<height {
                let v = top * sourcePerMillimetre + Double(row) * step
                for column in 0..<width {
                    let u = cropLeft * sourcePerMillimetre + Double(column) * step
                    let x = centreX + u * dx + v * nx
                    let y = centreY + u * dy + v * ny
                    guard x >= 0, y >= 0, x < Double(w - 1), y < Double(h - 1) else { continue }
                    let x0 = Int(x)
                    let y0 = Int(y)
                    let fx = x - Double(x0)
                    let fy = y - Double(y0)
                    let i = y0 * w + x0
                    let top = Double(src[i]) * (1 - fx) + Double(src[i + 1]) * fx
                    let bottom = Double(src[i + w]) * (1 - fx) + Double(src[i + w + 1]) * fx
                    out[row * width + column] = UInt8(top * (1 - fy) + bottom * fy)
                    if column >= numberColumns { inside += 1 }
                }
            }
        }
        // Most of the block's right part must be in the frame for the number to be there (of the standard block's
        // rows: the deeper crop's extra rows, for rule B, may fall outside).
        let blockPixels = (width - numberColumns) * Int((cropBottom - cropTop) * outputPixelsPerMillimetre)
        guard inside * 2 >= blockPixels else { return nil }
        return GreyImage(width: width, height: height, pixels: out).flattened(window: 15)
    }
}

/// Picks the recipient's masked phone number out of OCR lines and decides whether its tail is sure.
enum PhoneTailParser {
    /// A glyph that may be a printed mask asterisk: chi_sim reads `****` as `*`, `x`, `#`, `s`, `+`, `“`… so any
    /// one-character glyph that is not a digit counts; the four digits after the run and the three before it
    /// carry the evidence.
    static func isMask(_ glyph: TesseractOCR.Glyph) -> Bool {
        guard glyph.text.count == 1, digit(glyph.text) == nil, glyph.text != " ", let scalar = glyph.text.unicodeScalars.first else {
            return false
        }
        // Not a CJK ideograph: those are the name before the number.
        return !(0x3400...0x9FFF).contains(scalar.value)
    }

    /// A candidate in one line: the four digits, their lowest confidence, and whether the number's `1`, operator
    /// digit and mask were all read before them.
    struct Candidate: Equatable {
        var tail: String
        var confidence: Double
        var wholeNumber: Bool
        /// In the masked number's form: read after a run of 2–9 mask glyphs (without the three digits before it,
        /// when those were not read), or a whole 11-glyph number word (`numberWords`).
        var masked: Bool
    }

    static func digit(_ text: String) -> Character? {
        guard let scalar = text.unicodeScalars.first, text.unicodeScalars.count == 1 else { return nil }
        switch scalar.value {
        case 0x30...0x39: return Character(scalar)
        case 0xFF10...0xFF19: return Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
        default: return nil
        }
    }

    /// Whether line `index` starts right under the tracking number's printed digits (the line under the main
    /// barcode): less than 4.5 of their heights below them, where the recipient's line is (~2.5) and the sender's,
    /// 19 mm further down, is not, even when Tesseract drops the lines between.
    static func underTrackingDigits(_ lines: [TesseractOCR.Line], _ index: Int, tracking: String) -> Bool {
        let trackingDigits = String(tracking.filter(\.isNumber))
        guard trackingDigits.count >= 8, index > 0 else { return false }
        for above in stride(from: index - 1, through: 0, by: -1) {
            let digitGlyphs = lines[above].glyphs.filter { digit($0.text) != nil }
            let digits = String(digitGlyphs.compactMap { digit($0.text) })
            // Six digits in a row of the tracking number (a stray glyph read before or after them does not count).
            let runs = digits.count >= 6 ? (0...(digits.count - 6)).map { Array(digits)[$0..<($0 + 6)] } : []
            guard runs.contains(where: { trackingDigits.contains(String($0)) }) else { continue }
            let heights = digitGlyphs.map(\.box.height).sorted()
            let height = Double(heights[heights.count / 2])
            let bottom = digitGlyphs.map { $0.box.y + $0.box.height }.max() ?? 0
            // The line's top from its glyphs' median: the big 收 at its head reaches up beside the tracking digits.
            let tops = lines[index].glyphs.filter { $0.text != " " }.map(\.box.y).sorted()
            let top = tops.isEmpty ? 0 : tops[tops.count / 2]
            let gap = Double(top - bottom)
            return height >= 4 && gap > 0 && gap < 4.5 * height
        }
        return false
    }

    /// Candidates in one line: four digits right after a run of 2–10 mask glyphs, not followed by a digit.
    static func candidates(in line: TesseractOCR.Line) -> [Candidate] {
        let glyphs = line.glyphs.filter { $0.text != " " }
        // Which glyphs start a new word: the four tail digits are printed as one, so a break inside them means
        // Tesseract joined a digit from beside the number (seed 4242: `951 5` taken for 9515, the tail 9519).
        var startsWord: [Bool] = []
        var afterSpace = false
        for glyph in line.glyphs {
            if glyph.text == " " {
                afterSpace = true
            } else {
                startsWord.append(afterSpace)
                afterSpace = false
            }
        }
        var found: [Candidate] = []
        var index = 0
        while index < glyphs.count {
            guard isMask(glyphs[index]) || glyphs[index].text == "大" || glyphs[index].text == "米" else {
                index += 1
                continue
            }
            var end = index
            while end < glyphs.count, isMask(glyphs[end]) { end += 1 }
            // Asterisks read as ideographs inside a run (`159xx夺1350`, `150*X大大3463`): a name never stands
            // between the mask and the tail, so up to two such glyphs after two mask glyphs, with more mask or the
            // digits after them, are part of the run.
            for _ in 0..<2 where end - index >= 2 && end < glyphs.count - 1 && !isMask(glyphs[end]) && digit(glyphs[end].text) == nil {
                end += 1
                while end < glyphs.count, isMask(glyphs[end]) { end += 1 }
            }
            // chi_sim also reads the printed asterisks as a run of 大 or 米: three or more in a row are a mask,
            // never a name.
            if end == index, glyphs[index].text == "大" || glyphs[index].text == "米" {
                while end < glyphs.count, glyphs[end].text == glyphs[index].text { end += 1 }
                if end - index < 3 { end = index }
            }
            let maskCount = end - index
            let tailGlyphs = glyphs[end..<min(glyphs.count, end + 4)]
            let digits = tailGlyphs.compactMap { digit($0.text) }
            let followedByDigit = end + 4 < glyphs.count && digit(glyphs[end + 4].text) != nil
            let oneWord = !startsWord[min(glyphs.count, end + 1)..<min(glyphs.count, end + 4)].contains(true)
            if (2...10).contains(maskCount), digits.count == 4, !followedByDigit, oneWord {
                let prefix = glyphs[max(0, index - 3)..<index].compactMap { digit($0.text) }
                // Four asterisks come out as 3–9 glyphs (split, merged): the count is no evidence beyond that.
                let wholeNumber = index >= 3 && prefix.count == 3 && (3...9).contains(maskCount)
                found.append(
                    Candidate(
                        tail: String(digits), confidence: tailGlyphs.map(\.confidence).min() ?? 0, wholeNumber: wholeNumber,
                        masked: (2...9).contains(maskCount)))
            }
            index = max(end, index + 1)
        }
        return found
    }

    /// The tail of the crop's lines: confident only when one candidate tail was read, as a whole masked number,
    /// with every digit above `PhoneTailReader.confidentAbove`.
    /// The crop runs from just under the barcode past where the sender's block may start, so the lines come in
    /// the label's order: the recipient's (收 name number), their address, then perhaps the sender's (name
    /// number, its large 寄 sometimes read as a line of its own). The recipient's number is the first masked
    /// number read. It is sure only when it is known to be the recipient's (收 read on its own line, or a second,
    /// different number read below it: the sender's), read as a whole masked number, with every tail digit at or
    /// above `PhoneTailReader.confidentAbove`. A line with 收 read above the first number means the recipient's
    /// own number was not read: whatever follows is the sender's, so the tail is uncertain.
    static func choose(_ lines: [TesseractOCR.Line], tracking: String = "") -> PhoneTailRead {
        blockChoice(lines, tracking: tracking).read
    }

    /// `choose`'s read, with the line its candidate was read on and whether that line is known to be the
    /// recipient's (so that a second read of that line alone can confirm an unsure tail with `agreed`).
    static func blockChoice(_ lines: [TesseractOCR.Line], tracking: String = "") -> (
        read: PhoneTailRead, line: Int?, recipient: Bool
    ) {
        var found: (candidate: Candidate, line: Int)?
        var secondBelow = false
        var recipientLineMissed = false
        for (index, line) in lines.enumerated() {
            let text = line.text
            // On the line 收 names the recipient's, a whole number word stands for a mask run misread as digits, as on
            // the cut line (`lineCandidates`); on the block's other lines an 11-digit word is another number.
            let candidates = marksRecipient(text) && !text.contains("寄") ? lineCandidates(in: line) : candidates(in: line)
            if found == nil, text.contains("寄") { return (.notFound(), nil, false) }
            if found == nil, let first = candidates.first {
                found = (first, index)
            } else if let found, candidates.contains(where: { $0.tail != found.candidate.tail }) {
                secondBelow = true
                break
            } else if found == nil, marksRecipient(text) {
                recipientLineMissed = true
            }
        }
        guard let (best, index) = found else {
            let read =
                recipientLineMissed
                ? PhoneTailRead(status: .uncertain, tail: nil, confidence: 0, candidate: nil, milliseconds: 0) : .notFound()
            return (read, nil, false)
        }
        let onRecipientLine = lines[index].text.contains("收") && !lines[index].text.contains("寄")
        let placed = onRecipientLine || underTrackingDigits(lines, index, tracking: tracking)
        let recipient = !recipientLineMissed && (placed || secondBelow)
        // A number whose first three digits were not read is still the recipient's masked number when its line is
        // placed (收 on it, or right under the tracking digits).
        let whole = best.wholeNumber || (placed && best.masked)
        let sure = recipient && whole && best.confidence >= PhoneTailReader.confidentAbove
        let read = PhoneTailRead(
            status: sure ? .confident : .uncertain, tail: best.tail, confidence: best.confidence, candidate: best.tail, milliseconds: 0)
        return (read, index, recipient)
    }
}

extension PhoneTailParser {
    /// Whether a line's read holds the recipient's mark 收, not as part of 签收 (the signature box's).
    static func marksRecipient(_ text: String) -> Bool {
        text.contains("收") && !text.contains("签收")
    }

    /// Whether a cut line's read names it the recipient's: 收 on it (not 签收, the signature box's), or 由 as its
    /// first ideograph, chi_sim's usual misread of the label's 收 at these sizes (seed 606: 31 of the cut lines'
    /// reads began with 由, every one the recipient's line). Only for the cut line: a block's lines are placed by
    /// 收 alone.
    static func namesRecipient(_ text: String) -> Bool {
        if marksRecipient(text) { return true }
        let ideograph = text.unicodeScalars.first { (0x4E00...0x9FFF).contains($0.value) }
        return ideograph == "由"
    }

    /// The candidates on a line read as the recipient's: the masked numbers `candidates` finds, or when it finds
    /// none, the whole number words (`numberWords`).
    static func lineCandidates(in line: TesseractOCR.Line) -> [Candidate] {
        let found = candidates(in: line)
        return found.isEmpty ? numberWords(in: line) : found
    }

    /// Words of exactly 11 glyphs, a mobile number's length, that start with 1 and end in four digits: their last
    /// four glyphs are the tail. Tesseract reads the mask's asterisks as anything, digits among them
    /// (`13565555117`, `136xxw48557`), which breaks the mask run `candidates` looks for, but while the word keeps
    /// its 11 places the tail's four are its last. Only on the recipient line, the cut one or a block's line with
    /// 收 on it (a block's other lines hold other numbers), and only when sure in one read (`agreed` does not take
    /// them).
    static func numberWords(in line: TesseractOCR.Line) -> [Candidate] {
        var words: [[TesseractOCR.Glyph]] = [[]]
        for glyph in line.glyphs {
            if glyph.text == " " { words.append([]) } else { words[words.count - 1].append(glyph) }
        }
        return words.compactMap { word in
            guard word.count == 11, digit(word[0].text) == "1" else { return nil }
            let tail = word.suffix(4)
            let digits = tail.compactMap { digit($0.text) }
            guard digits.count == 4 else { return nil }
            return Candidate(
                tail: String(digits), confidence: tail.map(\.confidence).min() ?? 0, wholeNumber: true, masked: true)
        }
    }

    /// The tail on the line `RecipientLine` cut under rule A: sure when one masked number was read on it, with
    /// every tail digit at or above `PhoneTailReader.confidentAbove`, and the line is known to be the
    /// recipient's (rule B found at the layout's distance, or 收 read on it); never on a line with 寄 (the sender's).
    static func chooseOnRecipientLine(_ lines: [TesseractOCR.Line], placedByRules: Bool) -> PhoneTailRead {
        let line = TesseractOCR.Line(glyphs: lines.flatMap(\.glyphs))
        let text = line.text
        if text.contains("寄") { return .notFound() }
        let found = lineCandidates(in: line)
        guard let best = found.first else {
            return text.contains("收")
                ? PhoneTailRead(status: .uncertain, tail: nil, confidence: 0, candidate: nil, milliseconds: 0) : .notFound()
        }
        let placed = placedByRules || namesRecipient(text)
        let agreed = found.allSatisfy { $0.tail == best.tail }
        let sure = placed && agreed && best.masked && best.confidence >= PhoneTailReader.confidentAbove
        return PhoneTailRead(
            status: sure ? .confident : .uncertain, tail: best.tail, confidence: best.confidence, candidate: best.tail, milliseconds: 0)
    }
}

extension PhoneTailParser {
    /// Two reads of the recipient line (the second on a finer grid) taken together: confident when each read
    /// one masked tail, the two tails are the same, no 寄 is on either, and the better read's confidence is at
    /// least `agreedAbove` on a placed line (rule B, or 收 read on either), `PhoneTailReader.confidentAbove` on one
    /// not placed; the confidence given is that read's. Otherwise the first read as it was.
    /// A line not placed is still the one cut under rule A: on seeds 202 and 606 (800 photos) no cut line read 寄,
    /// and the 60 agreements on unplaced lines were all the recipient's tail. But not when the band's foot came
    /// from the scale estimate alone (`wholeLine` false): a band that cut the digits' feet off read 7710 for 2710
    /// twice at 94 and 96 (seed 606).
    static let agreedAbove = 90.0

    static func agreed(
        _ first: PhoneTailRead, _ firstLines: [TesseractOCR.Line], _ secondLines: [TesseractOCR.Line], placedByRules: Bool,
        wholeLine: Bool = true
    ) -> PhoneTailRead {
        let reads = [firstLines, secondLines].map { TesseractOCR.Line(glyphs: $0.flatMap(\.glyphs)) }
        guard reads.allSatisfy({ !$0.text.contains("寄") }) else { return first }
        // Masked numbers only: a whole number word (`numberWords`) is taken only when sure in one read (seed 606:
        // `13244547815` read alike twice, 7815 for 7816).
        let found = reads.map { candidates(in: $0) }
        guard let tail = found[0].first?.tail,
            found.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.tail == tail && $0.masked } })
        else { return first }
        let placed = placedByRules || reads.contains { namesRecipient($0.text) }
        guard placed || wholeLine else { return first }
        // Agreement is not independence: a digit both reads doubt (one seen below 90) can be misread the same
        // way twice (seed 202: 4507 for 4517 at 84 and 87).
        let confidence = found.map { $0[0].confidence }.max() ?? 0
        guard confidence >= (placed ? agreedAbove : PhoneTailReader.confidentAbove) else { return first }
        return PhoneTailRead(status: .confident, tail: tail, confidence: confidence, candidate: tail, milliseconds: 0)
    }
}

extension GreyImage {
    /// Rows `from` up to `to` (clamped to the image).
    func rows(from: Int, to: Int) -> GreyImage {
        let first = max(0, min(height, from))
        let end = max(first, min(height, to))
        return GreyImage(width: width, height: end - first, pixels: Array(pixels[(first * width)..<(end * width)]))
    }

    /// Each pixel divided by the paper's white around it: the image closed (brightest, then darkest, over a
    /// `window`-pixel square), which wipes out strokes thinner than the window but keeps the edges of what is
    /// wider, a shadow's or the label's own. Uneven light is evened out, and a dark ground beside the label turns
    /// light right up to the label's edge (Tesseract's layout analysis takes a dark band for an inverted block and
    /// reads nothing in it). Whites taken from blocks instead left a shadow's edge as a staircase of grey blocks
    /// through the digits.
    func flattened(window: Int) -> GreyImage {
        let white = slidingExtreme(window: window, brightest: true).slidingExtreme(window: window, brightest: false)
        var out = pixels
        for index in out.indices {
            let level = max(24, Int(white.pixels[index]))
            out[index] = UInt8(min(255, Int(pixels[index]) * 255 / level))
        }
        return GreyImage(width: width, height: height, pixels: out).contrastStretched()
    }

    /// The brightest (or darkest) pixel of the square of odd side (`window` rounded up) centred on each pixel,
    /// clamped at the borders: van Herk and Gil–Werman's running extreme, along the rows, then down the columns,
    /// three comparisons a pixel whatever the window.
    func slidingExtreme(window: Int, brightest: Bool) -> GreyImage {
        let radius = window / 2
        guard radius > 0, width > 0, height > 0, width > 1 || height > 1 else { return self }
        // The running extremes forward and backward, for one row's pixels or for the image's rows at once.
        let capacity = (height + 2 * radius) * width  // also ≥ one padded row, width + 2·radius
        let forward = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        let backward = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { [forward, backward].forEach { $0.deallocate() } }
        var across = pixels
        var out = pixels
        pixels.withUnsafeBufferPointer { source in
            across.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    Self.runningExtreme(
                        from: source.baseAddress! + y * width, into: target.baseAddress! + y * width, count: width, lanes: 1,
                        radius: radius, brightest: brightest, forward: forward, backward: backward)
                }
            }
        }
        // Down the columns a whole row at a time: the same steps, each on `width` neighbouring pixels, in the order
        // they lie in memory (column by column, every pixel was a cache miss: the flattening took ~13 ms a crop).
        across.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                Self.runningExtreme(
                    from: source.baseAddress!, into: target.baseAddress!, count: height, lanes: width, radius: radius,
                    brightest: brightest, forward: forward, backward: backward)
            }
        }
        return GreyImage(width: width, height: height, pixels: out)
    }

    /// The running extreme over a line of `count` elements of `lanes` contiguous pixels each (one pixel of a row, or
    /// a whole row of the image), each lane on its own. The line is padded by `radius` elements at both ends with
    /// its edge elements; `forward` and `backward` (room for `count + 2·radius` elements) take its running
    /// extremes within blocks of the window's size, and the window over padded elements i … i + 2·radius spans at
    /// most two blocks: the backward run from i and the forward run to its end.
    private static func runningExtreme(
        from source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<UInt8>, count: Int, lanes: Int, radius: Int,
        brightest: Bool, forward: UnsafeMutablePointer<UInt8>, backward: UnsafeMutablePointer<UInt8>
    ) {
        let size = 2 * radius + 1
        let padded = count + 2 * radius
        func element(_ index: Int) -> UnsafePointer<UInt8> { source + min(max(index - radius, 0), count - 1) * lanes }
        func combine(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, into result: UnsafeMutablePointer<UInt8>) {
            if lanes == 1 {
                result.pointee = brightest ? max(a.pointee, b.pointee) : min(a.pointee, b.pointee)
            } else if brightest {
                for lane in 0..<lanes { result[lane] = max(a[lane], b[lane]) }
            } else {
                for lane in 0..<lanes { result[lane] = min(a[lane], b[lane]) }
            }
        }
        var blockStart = 0
        while blockStart < padded {
            let blockEnd = min(padded, blockStart + size)
            (forward + blockStart * lanes).update(from: element(blockStart), count: lanes)
            for index in (blockStart + 1)..<blockEnd {
                combine(forward + (index - 1) * lanes, element(index), into: forward + index * lanes)
            }
            (backward + (blockEnd - 1) * lanes).update(from: element(blockEnd - 1), count: lanes)
            for index in stride(from: blockEnd - 2, through: blockStart, by: -1) {
                combine(backward + (index + 1) * lanes, element(index), into: backward + index * lanes)
            }
            blockStart = blockEnd
        }
        for index in 0..<count {
            combine(backward + index * lanes, forward + (index + 2 * radius) * lanes, into: target + index * lanes)
        }
    }

    /// The 2nd–98th percentile range stretched to 0–255.
    func contrastStretched() -> GreyImage {
        var histogram = [Int](repeating: 0, count: 256)
        for value in pixels { histogram[Int(value)] += 1 }
        let total = pixels.count
        var low = 0
        var seen = 0
        while low < 255, seen + histogram[low] < total / 50 {
            seen += histogram[low]
            low += 1
        }
        var high = 255
        seen = 0
        while high > 0, seen + histogram[high] < total / 50 {
            seen += histogram[high]
            high -= 1
        }
        guard high - low >= 8 else { return self }
        let range = Double(high - low)
        let table = (0..<256).map { UInt8(max(0, min(255, (Double($0 - low) * 255 / range).rounded()))) }
        return GreyImage(width: width, height: height, pixels: pixels.map { table[Int($0)] })
    }
}
