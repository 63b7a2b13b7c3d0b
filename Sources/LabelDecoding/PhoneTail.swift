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
}

/// Finds the recipient block of a Chinese e-waybill from its tracking-number barcode and reads the phone tail in
/// it. The block's place is taken from the label's layout, in millimetres from the main barcode's centre: a
/// 100 × 150 mm label has the recipient line (收, name, masked number) ~13–21 mm below that centre and the
/// sender's line (寄, its own masked number) from ~32 mm; the barcode's module size, ~0.25–0.375 mm, gives the
/// scale. Only the crop between is read, so the sender's number cannot be taken for the recipient's.
enum PhoneTailReader {
    /// Estimated X dimension of the main barcode, mm (labels print 0.25–0.375 mm).
    static let assumedModuleMillimetres = 0.30
    /// The crop, in estimated mm from the barcode's centre (x along the bars' reading direction, y down the label).
    static let cropLeft = -62.0
    static let cropRight = 12.0
    static let cropTop = 6.0
    static let cropBottom = 23.0
    /// Output pixels per estimated mm (~200 dpi: Tesseract's digits come out ~20–28 px tall).
    static let outputPixelsPerMillimetre = 8.0
    /// The lowest per-digit OCR confidence a tail is reported with as confident (tuned on generated sets).
    static let confidentAbove = 80.0

    /// Reads the tail near the barcode seen at `sightings` (original pixels) in `image`, which is the original
    /// scaled down by `scale`; `text` is the barcode's content (its length gives the module count).
    static func read(
        image: GreyImage, scale: Double, sightings: [Sighting], text: String, ocr: TesseractOCR?,
        until deadline: ContinuousClock.Instant
    ) -> PhoneTailRead {
        let started = ContinuousClock.now
        guard let ocr else { return .notFound() }
        let modules = Double(codeModules(text))
        // The main barcode's sightings first: its modules are larger than the stub's repeat of the same number.
        let ranked = sightings.compactMap { coarse -> (Sighting, Double)? in
            guard let sighting = refined(coarse, image: image, scale: scale),
                let perModule = measuredPixelsPerModule(image: image, scale: scale, sighting: sighting, modules: modules)
            else { return nil }
            return (sighting, perModule)
        }.sorted { $0.1 > $1.1 }
        var best = PhoneTailRead.notFound()
        for (sighting, perModule) in ranked.prefix(2) where ContinuousClock.now < deadline {
            guard
                let crop = recipientCrop(
                    image: image, scale: scale, sighting: sighting, pixelsPerModule: perModule)
            else { continue }
            let lines = ocr.lines(in: crop)
            let read = PhoneTailParser.choose(lines)
            if let folder = ProcessInfo.processInfo.environment["LABEL_TAIL_DEBUG"] {
                debugDump(crop, lines: lines, read: read, folder: folder, text: text)
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

    /// `LABEL_TAIL_DEBUG=folder`: each crop as PGM and its OCR lines, for tuning.
    static func debugDump(_ crop: GreyImage, lines: [TesseractOCR.Line], read: PhoneTailRead, folder: String, text: String) {
        let stem = folder + "/" + text + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let header = Array("P5\n\(crop.width) \(crop.height)\n255\n".utf8)
        FileManager.default.createFile(atPath: stem + ".pgm", contents: Data(header + crop.pixels))
        let report = lines.map { line in line.text + "  [" + line.glyphs.map { String(Int($0.confidence)) }.joined(separator: ",") + "]" }
            .joined(separator: "\n") + "\n=> \(read.status.rawValue) \(read.candidate ?? "-") \(read.confidence)\n"
        FileManager.default.createFile(atPath: stem + ".txt", contents: Data(report.utf8))
    }

    /// A Code 128 symbol's length in modules: 11 per character (digit pairs share one), start, check and stop.
    static func codeModules(_ text: String) -> Int {
        let digits = text.filter(\.isNumber).count
        return 11 * (text.count - digits + (digits + 1) / 2 + 3) + 2
    }

    /// Original pixels per module from the sighting's extent along its direction (its points mark both ends of
    /// the scan lines that read it); nil when that extent is too short to be the whole code.
    static func pixelsPerModule(_ sighting: Sighting, modules: Double) -> Double? {
        let projections = sighting.points.map { Double($0.x) * sighting.directionX + Double($0.y) * sighting.directionY }
        guard let low = projections.min(), let high = projections.max() else { return nil }
        let perModule = (high - low) / modules
        return perModule >= 0.6 ? perModule : nil
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
        var (jxx, jyy, jxy) = (0.0, 0.0, 0.0)
        image.pixels.withUnsafeBufferPointer { src in
            let w = image.width
            for y in Swift.stride(from: y0, through: y1, by: stride) {
                for x in Swift.stride(from: x0, through: x1, by: stride) {
                    let gx = Double(src[y * w + x + 1]) - Double(src[y * w + x - 1])
                    let gy = Double(src[(y + 1) * w + x]) - Double(src[(y - 1) * w + x])
                    jxx += gx * gx
                    jyy += gy * gy
                    jxy += gx * gy
                }
            }
        }
        let trace = jxx + jyy
        guard trace > 0 else { return nil }
        // Coherence: 1 for parallel bars, 0 for no preferred direction.
        let coherence = ((jxx - jyy) * (jxx - jyy) + 4 * jxy * jxy).squareRoot() / trace
        guard coherence > 0.3 else { return nil }
        let angle = 0.5 * atan2(2 * jxy, jxx - jyy)
        var (dx, dy) = (cos(angle), sin(angle))
        if dx * sighting.directionX + dy * sighting.directionY < 0 { (dx, dy) = (-dx, -dy) }
        // More than ~50° from the decoder's direction: not the code's bars.
        guard dx * sighting.directionX + dy * sighting.directionY > 0.6 else { return nil }
        return Sighting(points: sighting.points, directionX: dx, directionY: dy)
    }

    /// Original pixels per module measured on the image: the bars' extent along a profile through the sighting's
    /// centre, in its reading direction (edges no further apart than a few modules, where the quiet zone is 10),
    /// over the code's module count. nil when no code-like run of edges is there.
    static func measuredPixelsPerModule(image: GreyImage, scale: Double, sighting: Sighting, modules: Double) -> Double? {
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
        where derivative[index] >= strongest / 4 && derivative[index] >= derivative[index - 1] && derivative[index] > derivative[index + 1] {
            edges.append(index)
        }
        guard let middle = edges.indices.min(by: { abs(edges[$0] - samples) < abs(edges[$1] - samples) }) else { return nil }
        // Typical spacing near the centre: ~1.8 modules for Code 128 (6 edges per 11 modules).
        let local = edges[max(0, middle - 10)...min(edges.count - 1, middle + 10)]
        let gaps = zip(local.dropFirst(), local).map { $0 - $1 }.sorted()
        guard !gaps.isEmpty else { return nil }
        let typical = Double(gaps[gaps.count / 2])
        let limit = max(3, Int(typical * 3.6))  // ~6.5 modules: over the widest bar or space (4), under the quiet zone
        var first = middle
        while first > 0, edges[first] - edges[first - 1] <= limit { first -= 1 }
        var last = middle
        while last < edges.count - 1, edges[last + 1] - edges[last] <= limit { last += 1 }
        let perModule = Double(edges[last] - edges[first]) / modules * scale
        return perModule >= 0.6 ? perModule : nil
    }

    /// The recipient block rectified (reading direction to the right), at `outputPixelsPerMillimetre`, contrast
    /// stretched; nil when it falls outside the image.
    static func recipientCrop(image: GreyImage, scale: Double, sighting: Sighting, pixelsPerModule: Double) -> GreyImage? {
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
        let height = Int((cropBottom - cropTop) * outputPixelsPerMillimetre)
        var out = [UInt8](repeating: 255, count: width * height)
        var inside = 0
        image.pixels.withUnsafeBufferPointer { src in
            let w = image.width
            let h = image.height
            for row in 0..<height {
                let v = cropTop * sourcePerMillimetre + Double(row) * step
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
                    inside += 1
                }
            }
        }
        // Most of the block must be in the frame for its line to be there.
        guard inside * 2 >= width * height else { return nil }
        return GreyImage(width: width, height: height, pixels: out).flattened(block: 16)
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
    }

    static func digit(_ text: String) -> Character? {
        guard let scalar = text.unicodeScalars.first, text.unicodeScalars.count == 1 else { return nil }
        switch scalar.value {
        case 0x30...0x39: return Character(scalar)
        case 0xFF10...0xFF19: return Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
        default: return nil
        }
    }

    /// Candidates in one line: four digits right after a run of 2–7 mask glyphs, not followed by a digit.
    static func candidates(in line: TesseractOCR.Line) -> [Candidate] {
        let glyphs = line.glyphs.filter { $0.text != " " }
        var found: [Candidate] = []
        var index = 0
        while index < glyphs.count {
            guard isMask(glyphs[index]) else {
                index += 1
                continue
            }
            var end = index
            while end < glyphs.count, isMask(glyphs[end]) { end += 1 }
            let maskCount = end - index
            let tailGlyphs = glyphs[end..<min(glyphs.count, end + 4)]
            let digits = tailGlyphs.compactMap { digit($0.text) }
            let followedByDigit = end + 4 < glyphs.count && digit(glyphs[end + 4].text) != nil
            if (2...7).contains(maskCount), digits.count == 4, !followedByDigit {
                let prefix = glyphs[max(0, index - 3)..<index].compactMap { digit($0.text) }
                // Four asterisks come out as 3–7 glyphs (split, merged): the count is no evidence beyond that.
                let wholeNumber = index >= 3 && prefix.count == 3 && (3...7).contains(maskCount)
                found.append(
                    Candidate(
                        tail: String(digits), confidence: tailGlyphs.map(\.confidence).min() ?? 0, wholeNumber: wholeNumber))
            }
            index = end
        }
        return found
    }

    /// The tail of the crop's lines: confident only when one candidate tail was read, as a whole masked number,
    /// with every digit above `PhoneTailReader.confidentAbove`.
    static func choose(_ lines: [TesseractOCR.Line]) -> PhoneTailRead {
        // The sender's line (寄) holds a masked number too: never a candidate.
        let all = lines.filter { !$0.text.contains("寄") }.flatMap(candidates(in:))
        guard let best = all.max(by: { ($0.wholeNumber ? 1 : 0, $0.confidence) < ($1.wholeNumber ? 1 : 0, $1.confidence) }) else {
            return .notFound()
        }
        let agree = Set(all.map(\.tail)).count == 1
        let sure = agree && best.wholeNumber && best.confidence >= PhoneTailReader.confidentAbove
        return PhoneTailRead(
            status: sure ? .confident : .uncertain, tail: best.tail, confidence: best.confidence, candidate: best.tail, milliseconds: 0)
    }
}

extension GreyImage {
    /// Each pixel divided by the paper's white around it (the brightest pixel of the 3 × 3 blocks of `block`
    /// pixels around its own): uneven light evened out, and a dark ground beside the label turned light, which
    /// Tesseract's layout analysis would otherwise take for an inverted block and read nothing in.
    func flattened(block: Int) -> GreyImage {
        let columns = (width + block - 1) / block
        let rows = (height + block - 1) / block
        var brightest = [UInt8](repeating: 0, count: columns * rows)
        for y in 0..<height {
            for x in 0..<width {
                let cell = (y / block) * columns + x / block
                brightest[cell] = max(brightest[cell], pixels[y * width + x])
            }
        }
        var white = brightest
        for row in 0..<rows {
            for column in 0..<columns {
                var value: UInt8 = 0
                for r in max(0, row - 1)...min(rows - 1, row + 1) {
                    for c in max(0, column - 1)...min(columns - 1, column + 1) { value = max(value, brightest[r * columns + c]) }
                }
                white[row * columns + column] = value
            }
        }
        var out = pixels
        for y in 0..<height {
            for x in 0..<width {
                let level = max(24, Int(white[(y / block) * columns + x / block]))
                out[y * width + x] = UInt8(min(255, Int(pixels[y * width + x]) * 255 / level))
            }
        }
        return GreyImage(width: width, height: height, pixels: out).contrastStretched()
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
