import Foundation

/// Decodes barcode photos: loads the image to grey within `limits`, then runs a cascade of zbar passes until
/// the label's tracking number is confirmed, the image shows codes that are not a waybill, the passes run out
/// or the time budget does.
///
/// A value type holding only configuration: safe to share and call from any number of threads at once (each
/// call has its own zbar scanner and buffers). It blocks the calling thread; from async code use
/// `LabelDecodingPool`.
public struct LabelDecoder: Sendable {
    public var limits: DecodeLimits
    /// The passes to try, in order.
    public var cascade: [DecodePass]
    /// Runs every pass of `cascade` whatever earlier passes found (the benchmark's per-pass figures).
    public var exhaustive: Bool
    /// After a pass reads a tracking number once, scans a resampled crop around it (`DecodePass.confirm`) for
    /// the second read that confirms it, so the cascade can stop there.
    public var confirmsByCrop: Bool

    /// Frames whose long side is at least this many pixels get a half-size first pass. Below it a halved code
    /// falls under ~1.5 px per module, which zbar no longer resolves.
    public static let halfScaleMinimumSide = 1600

    /// The default order, from `label-bench --exhaustive` on the shared labels/ split (100 photos): every pass
    /// run on every image, then ordered by reads gained per millisecond. half (large frames) reads 15 for
    /// 72 ms and saves the full decode when it does; full 56; rotate67 27 (8 no other pass reads), rotate22 26
    /// (5), rotate45 12 (3); stretch 2 and doubled 1 that nothing else reads. threshold read nothing the others
    /// did not and is left out. After any pass that reads a tracking number once, `confirm` re-reads a crop
    /// around it (it read the number again in 46 of the 49 crops, ~35 ms): labels/ median 223 → 158 ms with
    /// 81 numbers confirmed instead of 74. `zxing` follows the zbar passes: on labels/ it reads no tracking
    /// number zbar misses (38 alone, 0 only it) and costs ~17 ms on the ~15 images that reach it, where its 1D
    /// and QR reads add confirmations; on blackbox/ it reads DataMatrix and PDF417 (zbar has no decoder) and the
    /// QR and 1D codes zbar misses. `inverted` (zbar on the negative) comes last and runs only when nothing at
    /// all, ZXing included, has been read: on blackbox/ it reads a light-on-dark QR code and a UPC-E no other
    /// pass reads, for ~17 ms on the 39 images that reach it; on labels/ it reads nothing and runs only on the
    /// photos every other pass failed on.
    public static let standardCascade: [DecodePass] = [
        .half, .full, .rotate67, .rotate22, .rotate45, .stretch, .doubled, .zxing, .inverted,
    ]

    public init(
        limits: DecodeLimits = .standard, cascade: [DecodePass] = LabelDecoder.standardCascade, exhaustive: Bool = false,
        confirmsByCrop: Bool = true
    ) {
        self.limits = limits
        self.cascade = cascade
        self.exhaustive = exhaustive
        self.confirmsByCrop = confirmsByCrop
    }

    /// Decodes the image file at `path`.
    public func decode(path: String) throws(LabelDecodeError) -> LabelDecodeResult {
        let started = ContinuousClock.now
        let bytes = try ImageLoader.readFile(path, limits: limits)
        return try decode(bytes: bytes, started: started)
    }

    /// Decodes an image held in memory (an inline payload).
    public func decode(bytes: [UInt8]) throws(LabelDecodeError) -> LabelDecodeResult {
        try decode(bytes: bytes, started: ContinuousClock.now)
    }

    private func decode(bytes: [UInt8], started: ContinuousClock.Instant) throws(LabelDecodeError) -> LabelDecodeResult {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= limits.maxFileBytes else { throw .tooLarge(bytes: bytes.count, limit: limits.maxFileBytes) }
        guard let format = ImageLoader.sniff(bytes) else { throw .unsupportedFormat }
        let (width, height) = try ImageLoader.dimensions(bytes, format: format)
        let large = max(width, height) >= Self.halfScaleMinimumSide
        let scanner = ZBarScanner()
        var state = CascadeState(bytes: bytes, limits: limits, large: large)
        var symbols: [DecodedSymbol] = []
        var log: [PassRecord] = []
        var complete = true
        var ranAny = false
        var triedConfirming = Set<[UInt8]>()

        /// Adds one pass's reads to `symbols`; returns their texts and, for each, its index in `symbols`.
        func record(_ raw: [ZBarScanner.RawSymbol], pass: DecodePass, map: (Double, Double) -> (x: Double, y: Double)) -> (
            texts: [String], indices: [Int]
        ) {
            var texts: [String] = []
            var indices: [Int] = []
            for read in raw {
                let text = Self.text(of: read.bytes)
                texts.append(text)
                if let index = symbols.firstIndex(where: { $0.symbology == read.symbology && $0.bytes == read.bytes }) {
                    if !symbols[index].passes.contains(pass) { symbols[index].passes.append(pass) }
                    indices.append(index)
                    continue
                }
                let points = read.points.map { point -> PixelPoint in
                    // +0.5: the decoders report pixel indices; map their centres.
                    let mapped = map(Double(point.x) + 0.5, Double(point.y) + 0.5)
                    return PixelPoint(
                        x: min(width - 1, max(0, Int(mapped.x.rounded(.down)))), y: min(height - 1, max(0, Int(mapped.y.rounded(.down)))))
                }
                let xs = points.map(\.x)
                let ys = points.map(\.y)
                let box = PixelBox(
                    x: xs.min() ?? 0, y: ys.min() ?? 0, width: (xs.max() ?? 0) - (xs.min() ?? 0) + 1,
                    height: (ys.max() ?? 0) - (ys.min() ?? 0) + 1)
                indices.append(symbols.count)
                symbols.append(
                    DecodedSymbol(text: text, bytes: read.bytes, symbology: read.symbology, pass: pass, passes: [pass], points: points, box: box))
            }
            return (texts, indices)
        }

        for pass in cascade {
            if ranAny, ContinuousClock.now - started > limits.timeBudget {
                complete = false
                break
            }
            if pass.runsOnlyOnEmpty, !exhaustive, !symbols.isEmpty { continue }
            let passStart = ContinuousClock.now
            guard let (image, transform) = try state.image(for: pass) else { continue }
            ranAny = true
            let raw = pass == .zxing ? ZXingReader.read(image) : scanner.scan(image, density: density(transform, image))
            let (texts, indices) = record(raw, pass: pass, map: transform.original)
            log.append(PassRecord(pass: pass, milliseconds: (ContinuousClock.now - passStart).milliseconds, texts: texts))
            if !exhaustive, WaybillRanker.isDone(symbols) { break }
            guard confirmsByCrop, ContinuousClock.now - started <= limits.timeBudget else { continue }
            // A tracking number this pass read once: look again at a resampled crop around it rather than at the
            // whole image in further passes.
            let waiting = WaybillRanker.awaitingConfirmation(symbols)
            for (rawIndex, index) in indices.enumerated() where waiting.contains(index) && !triedConfirming.contains(symbols[index].bytes) {
                triedConfirming.insert(symbols[index].bytes)
                let confirmStart = ContinuousClock.now
                guard let crop = ConfirmCrop(points: raw[rawIndex].points, text: symbols[index].text, in: image) else { continue }
                let reads = scanner.scan(crop.image, density: 1)
                let (confirmTexts, _) = record(reads, pass: .confirm) { x, y in
                    let working = crop.working(x: x, y: y)
                    return transform.original(x: working.x, y: working.y)
                }
                log.append(
                    PassRecord(pass: .confirm, milliseconds: (ContinuousClock.now - confirmStart).milliseconds, texts: confirmTexts))
            }
            if !exhaustive, WaybillRanker.isDone(symbols) { break }
        }
        // The cascade stopped early on codes that are not a confirmed tracking number (a product or QR code, or a
        // zbar misread): ZXing looks too, for a few ms. blackbox/ zbar-capable: 165 → 166 of 192; labels/ unchanged.
        if !exhaustive, complete, cascade.contains(.zxing), !log.contains(where: { $0.pass == .zxing }),
            WaybillRanker.choose(symbols)?.confirmed != true, let (image, transform) = try state.image(for: .zxing)
        {
            let passStart = ContinuousClock.now
            let (texts, _) = record(ZXingReader.read(image), pass: .zxing, map: transform.original)
            log.append(PassRecord(pass: .zxing, milliseconds: (ContinuousClock.now - passStart).milliseconds, texts: texts))
        }
        if !complete && symbols.isEmpty {
            throw .timeout(milliseconds: Int(limits.timeBudget.milliseconds))
        }
        return LabelDecodeResult(
            format: format, width: width, height: height, symbols: symbols, waybill: WaybillRanker.choose(symbols), passLog: log,
            complete: complete)
    }

    /// Scan-line spacing for a pass: one line per `densityDivisor` pixels of the image's short side (before
    /// rotation), so frames from 900 px are scanned every 2nd line, large ones every 3rd–6th. 450 instead of
    /// 700: labels/ median 224 → 158 ms for one read of 91 lost (label bars are tall; still 90/100, 0 wrong).
    public static let densityDivisor = 450

    private func density(_ transform: ImageTransform, _ image: GreyImage) -> Int {
        let shortSide = transform.degrees == 0 ? min(image.width, image.height) : min(transform.scaledWidth, transform.scaledHeight)
        return max(1, shortSide / Self.densityDivisor)
    }

    /// UTF-8 when valid (Chinese label printers); else Shift-JIS, which QR codes without an ECI often carry
    /// (Japanese readers' default); else ISO 8859-1, the standard's default.
    static func text(of bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        if bytes.contains(where: { $0 >= 0x80 }), let text = String(data: Data(bytes), encoding: .shiftJIS) { return text }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}

/// The images of one decode, made lazily and kept for the passes that share them.
private struct CascadeState {
    let bytes: [UInt8]
    let limits: DecodeLimits
    let large: Bool
    var fullImage: GreyImage?
    var halfImage: GreyImage?
    var width = 0
    var height = 0

    init(bytes: [UInt8], limits: DecodeLimits, large: Bool) {
        self.bytes = bytes
        self.limits = limits
        self.large = large
    }

    mutating func full() throws(LabelDecodeError) -> GreyImage {
        if let fullImage { return fullImage }
        let decoded = try ImageLoader.decode(bytes, limits: limits, halve: false).image
        fullImage = decoded
        return decoded
    }

    mutating func half() throws(LabelDecodeError) -> GreyImage {
        if let halfImage { return halfImage }
        let decoded: GreyImage
        if let fullImage {
            decoded = fullImage.halved()
        } else {
            decoded = try ImageLoader.decode(bytes, limits: limits, halve: true).image
        }
        halfImage = decoded
        return decoded
    }

    /// The working image for derived passes: half size on large frames, where rotating the full frame costs
    /// 4× as much for few extra reads.
    mutating func base() throws(LabelDecodeError) -> (GreyImage, Double) {
        large ? (try half(), 2) : (try full(), 1)
    }

    /// The image a pass scans and how to map its coordinates back; nil when the pass does not apply.
    mutating func image(for pass: DecodePass) throws(LabelDecodeError) -> (GreyImage, ImageTransform)? {
        switch pass {
        case .half:
            guard large else { return nil }
            let image = try half()
            return (image, ImageTransform(scale: 2))
        case .full:
            return (try full(), ImageTransform(scale: 1))
        case .rotate45, .rotate22, .rotate67:
            let degrees: Double = pass == .rotate45 ? 45 : pass == .rotate22 ? 22.5 : 67.5
            let (image, scale) = try base()
            let rotated = image.rotated(by: degrees)
            return (
                rotated,
                ImageTransform(
                    scale: scale, degrees: degrees, scaledWidth: image.width, scaledHeight: image.height, canvasWidth: rotated.width,
                    canvasHeight: rotated.height)
            )
        case .stretch:
            let (image, scale) = try base()
            return (image.stretched(), ImageTransform(scale: scale))
        case .threshold:
            let (image, scale) = try base()
            return (image.locallyThresholded(radius: max(8, max(image.width, image.height) / 64)), ImageTransform(scale: scale))
        case .inverted:
            let (image, scale) = try base()
            return (image.inverted(), ImageTransform(scale: scale))
        case .doubled:
            guard !large else { return nil }
            let image = try full()
            return (image.doubled(), ImageTransform(scale: 0.5))
        case .zxing:
            let (image, scale) = try base()
            return (image, ImageTransform(scale: scale))
        case .confirm:
            // Runs on a crop of another pass's image, never on its own.
            return nil
        }
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
