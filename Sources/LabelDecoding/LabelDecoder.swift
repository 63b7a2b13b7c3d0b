import Foundation
public import ParcelDomain

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
    /// Reads the recipient's phone tail (OCR of the recipient block, found from the tracking number's barcode)
    /// when a tracking number was read and time is left.
    public var readsPhoneTail: Bool
    /// The most the phone tail may add to a decode (within the decode's own time budget).
    public var phoneTailBudget = LabelDecoder.standardPhoneTailBudget

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
    ///
    /// `profile` (2026-12-04, tuned on fresh generated sets, seed 202): run alone on every photo it reads 270 of
    /// 358 tracking numbers, more than any other pass, 26 of them no other pass reads (small codes under ~1.8 px
    /// per module, blur, diagonals), for ~18 ms; after half and full it takes the set from 86.3 % to 91.6 %
    /// read, 0 wrong accepted, median unchanged (42 ms without the tail). Placed first it reads as many but
    /// costs every photo its region search (median 58 ms).
    public static let standardCascade: [DecodePass] = [
        .half, .full, .profile, .rotate67, .rotate22, .rotate45, .stretch, .doubled, .zxing, .inverted,
    ]

    public init(
        limits: DecodeLimits = .standard, cascade: [DecodePass] = LabelDecoder.standardCascade, exhaustive: Bool = false,
        confirmsByCrop: Bool = true, readsPhoneTail: Bool = true
    ) {
        self.limits = limits
        self.cascade = cascade
        self.exhaustive = exhaustive
        self.confirmsByCrop = confirmsByCrop
        self.readsPhoneTail = readsPhoneTail
    }

    /// Decodes the image file at `path`; with a `requester`, only if that user may read it themselves.
    public func decode(path: String, for requester: FileRequester? = nil) throws(ImageRejection) -> LabelDecodeResult {
        let started = ContinuousClock.now
        let bytes = try ImageLoader.readFile(path, limits: limits, for: requester)
        return try decode(bytes: bytes, started: started)
    }

    /// Reads the file at `path` within the size limit (for `requester`, as `decode(path:for:)`).
    public func read(path: String, for requester: FileRequester? = nil) throws(ImageRejection) -> [UInt8] {
        try ImageLoader.readFile(path, limits: limits, for: requester)
    }

    /// Decodes an image held in memory (an inline payload).
    public func decode(bytes: [UInt8]) throws(ImageRejection) -> LabelDecodeResult {
        try decode(bytes: bytes, started: ContinuousClock.now)
    }

    private func decode(bytes: [UInt8], started: ContinuousClock.Instant) throws(ImageRejection) -> LabelDecodeResult {
        let budget = DecodeBudget(limits: limits, started: started)
        return try decode(bytes: bytes, budget: budget)
    }

    /// Decodes within `budget`, which the caller may read afterwards (its peak memory).
    func decode(bytes: [UInt8], budget: DecodeBudget) throws(ImageRejection) -> LabelDecodeResult {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= limits.maxFileBytes else { throw .tooLarge(bytes: bytes.count, limit: limits.maxFileBytes) }
        guard let format = ImageLoader.sniff(bytes) else { throw .unsupportedFormat }
        let (width, height) = try ImageLoader.dimensions(bytes, format: format)
        try ImageLoader.checkShape(width: width, height: height, limits: limits)
        guard budget.charge(bytes.count) else {
            throw .overMemoryBudget(width: width, height: height, bytes: bytes.count, limit: limits.maxMemoryBytes)
        }
        let large = max(width, height) >= Self.halfScaleMinimumSide
        let scanner = ZBarScanner()
        var state = CascadeState(bytes: bytes, limits: limits, large: large, budget: budget)
        var symbols: [DecodedSymbol] = []
        var log: [PassRecord] = []
        var complete = true
        var ranAny = false
        var triedConfirming = Set<[UInt8]>()
        /// zbar's measured cost on this image and machine, per scan-line pixel: predicts whether a pass fits
        /// the time left.
        var zbarNanosPerUnit: Double?

        /// Adds one pass's reads to `symbols`; returns their texts and, for each, its index in `symbols`.
        func record(_ raw: [ZBarScanner.RawSymbol], pass: DecodePass, map: (Double, Double) -> (x: Double, y: Double)) -> (
            texts: [String], indices: [Int]
        ) {
            var texts: [String] = []
            var indices: [Int] = []
            for read in raw {
                let text = Self.text(of: read.bytes)
                texts.append(text)
                let sighting = Self.sighting(read, map: map, width: width, height: height)
                if let index = symbols.firstIndex(where: { $0.symbology == read.symbology && $0.bytes == read.bytes }) {
                    if !symbols[index].passes.contains(pass) { symbols[index].passes.append(pass) }
                    if let sighting, symbols[index].sightings.count < Self.maxSightings { symbols[index].sightings.append(sighting) }
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
                    DecodedSymbol(
                        text: text, bytes: read.bytes, symbology: read.symbology, pass: pass, passes: [pass], points: points, box: box,
                        sightings: sighting.map { [$0] } ?? []))
            }
            return (texts, indices)
        }

        /// One library scan of `image`, charged to the budget first: nil when its memory does not fit or its
        /// predicted time does not (then `complete` is false: the budget, not the image, stopped it).
        func scan(_ image: GreyImage, pass: DecodePass, density: Int) -> [ZBarScanner.RawSymbol]? {
            let pixels = image.width * image.height
            let zxing = pass == .zxing || pass == .zxing45
            let memory = pixels * (zxing ? Self.zxingBytesPerPixel : Self.zbarBytesPerPixel)
            let units = Double(2 * pixels / density)
            let predicted: Double? = zxing ? Double(pixels) * Self.zxingNanosPerPixel : zbarNanosPerUnit.map { $0 * units }
            if let predicted, ranAny, predicted > Double(budget.remaining.milliseconds * 1e6) {
                complete = false
                return nil
            }
            guard budget.charge(memory) else { return nil }
            defer { budget.refund(memory) }
            let scanStart = ContinuousClock.now
            ranAny = true
            if zxing { return ZXingReader.read(image) }
            let reads = scanner.scan(image, density: density)
            if pass != .confirm {
                // Small crops cost more per pixel (set-up): only whole-image scans calibrate.
                let nanos = (ContinuousClock.now - scanStart).milliseconds * 1e6
                zbarNanosPerUnit = max(zbarNanosPerUnit ?? 0, nanos / max(1, units))
            }
            return reads
        }

        /// Whether the cascade may stop: a tracking number is settled and, when the phone tail is wanted, a barcode
        /// of it was seen (the tail is found from the barcode's place; a number the QR confirmed alone has none).
        func finished() -> Bool {
            guard !exhaustive, WaybillRanker.isDone(symbols) else { return false }
            guard readsPhoneTail, let number = WaybillRanker.choose(symbols)?.number else { return true }
            return symbols.contains { $0.symbology != .qrCode && $0.text == number && !$0.sightings.isEmpty }
        }

        for pass in cascade {
            if ranAny, budget.expired {
                complete = false
                break
            }
            if pass.runsOnlyOnEmpty, !exhaustive, !symbols.isEmpty { continue }
            let passStart = ContinuousClock.now
            if pass == .profile {
                // Regions found on the working image, profiles sampled from the full one (its detail is the point).
                guard let (working, scale) = try? state.base(), let source = try? state.full() else { continue }
                var texts: [String] = []
                regions: for region in BarProfile.regions(in: working, until: budget.deadline) {
                    for strip in BarProfile.strips(for: region, source: source, factor: scale, toOriginal: { ($0, $1) }) {
                        guard !budget.expired else { break regions }
                        let reads =
                            scanner.scan(strip.image, density: 1)
                            + ZXingReader.readLinear(strip.image)
                        let recorded = record(reads, pass: .profile, map: strip.original)
                        texts += recorded.texts
                        if !recorded.texts.isEmpty { break }
                    }
                }
                log.append(PassRecord(pass: .profile, milliseconds: (ContinuousClock.now - passStart).milliseconds, texts: texts))
                if finished() { break }
                continue
            }
            let prepared: PassImage?
            do {
                prepared = try state.image(for: pass)
            } catch {
                // A transform the deadline interrupted: the budget, not the image, ends the cascade.
                guard error.kind == .timeout else { throw error }
                complete = false
                break
            }
            guard let prepared else { continue }
            defer { budget.refund(prepared.charged) }
            let image = prepared.image
            let transform = prepared.transform
            guard let raw = scan(image, pass: pass, density: density(transform, image)) else { continue }
            let (texts, indices) = record(raw, pass: pass, map: transform.original)
            log.append(PassRecord(pass: pass, milliseconds: (ContinuousClock.now - passStart).milliseconds, texts: texts))
            if finished() { break }
            guard confirmsByCrop, !budget.expired else { continue }
            // A tracking number this pass read once: look again at a resampled crop around it rather than at the
            // whole image in further passes.
            let waiting = WaybillRanker.awaitingConfirmation(symbols)
            for (rawIndex, index) in indices.enumerated() where waiting.contains(index) && !triedConfirming.contains(symbols[index].bytes) {
                triedConfirming.insert(symbols[index].bytes)
                let confirmStart = ContinuousClock.now
                guard !budget.expired, let crop = ConfirmCrop(points: raw[rawIndex].points, text: symbols[index].text, in: image),
                    let reads = scan(crop.image, pass: .confirm, density: 1)
                else { continue }
                let (confirmTexts, _) = record(reads, pass: .confirm) { x, y in
                    let working = crop.working(x: x, y: y)
                    return transform.original(x: working.x, y: working.y)
                }
                log.append(
                    PassRecord(pass: .confirm, milliseconds: (ContinuousClock.now - confirmStart).milliseconds, texts: confirmTexts))
            }
            if finished() { break }
        }
        // The cascade stopped early on codes that are not a confirmed tracking number (a product or QR code, or a
        // zbar misread): ZXing looks too, for a few ms. blackbox/ zbar-capable: 165 → 166 of 192; labels/ unchanged.
        if !exhaustive, complete, !budget.expired, cascade.contains(.zxing), !log.contains(where: { $0.pass == .zxing }),
            WaybillRanker.choose(symbols)?.confirmed != true, let prepared = try? state.image(for: .zxing)
        {
            let passStart = ContinuousClock.now
            if let raw = scan(prepared.image, pass: .zxing, density: 1) {
                let (texts, _) = record(raw, pass: .zxing, map: prepared.transform.original)
                log.append(PassRecord(pass: .zxing, milliseconds: (ContinuousClock.now - passStart).milliseconds, texts: texts))
            }
            budget.refund(prepared.charged)
        }
        if !complete && symbols.isEmpty {
            throw .timeout(milliseconds: Int(limits.timeBudget.milliseconds))
        }
        let waybill = WaybillRanker.choose(symbols)
        var phoneTail: PhoneTailRead?
        if readsPhoneTail {
            phoneTail = .notFound()
            // The image the passes already hold: full size, or half on large frames (still ≥ ~6 px per mm there).
            let held = state.fullImage.map { ($0, 1.0) } ?? state.halfImage.map { ($0, 2.0) }
            let sightings = symbols.filter { $0.symbology != .qrCode && $0.text == waybill?.number }.flatMap(\.sightings)
            if let waybill, let (image, scale) = held, !budget.expired {
                let deadline = min(budget.deadline, ContinuousClock.now + phoneTailBudget)
                func read(_ sightings: [Sighting]) -> PhoneTailRead {
                    PhoneTailReader.read(
                        image: image, scale: scale, sightings: sightings, text: waybill.number, ocr: TesseractOCR.shared,
                        until: deadline)
                }
                var tail = sightings.isEmpty ? PhoneTailRead.notFound() : read(sightings)
                // No sure tail from the number's barcode reads, or none (the number read off the QR alone, or only
                // the stub's small copy read): the barcode-like regions found by their bars, where no code was read.
                if tail.status != .confident, waybill.confirmed, ContinuousClock.now < deadline {
                    let readAt = symbols.flatMap(\.sightings).flatMap(\.points)
                    let regions = PhoneTailReader.regionSightings(image: image, scale: scale, avoiding: readAt, until: deadline)
                    if !regions.isEmpty {
                        let again = read(regions)
                        if again.status == .confident || tail.status == .notFound {
                            tail = PhoneTailRead(
                                status: again.status, tail: again.tail, confidence: again.confidence, candidate: again.candidate,
                                milliseconds: tail.milliseconds + again.milliseconds)
                        }
                    }
                }
                phoneTail = tail
            }
        }
        return LabelDecodeResult(
            format: format, width: width, height: height, symbols: symbols, waybill: waybill, passLog: log,
            complete: complete, phoneTail: phoneTail)
    }

    /// The phone tail's standard budget: the recipient line, then the block, for up to three places of the code
    /// (the main barcode first) would otherwise spend the whole budget on a label whose recipient block cannot
    /// be read (seed 909: one photo took 3 s).
    public static let standardPhoneTailBudget = Duration.milliseconds(1500)

    /// Reads of one symbol kept for finding the recipient block (the main barcode, its stub, re-reads).
    static let maxSightings = 8

    /// A read's location and reading direction in original pixels; nil when the reader gave no direction.
    static func sighting(
        _ read: ZBarScanner.RawSymbol, map: (Double, Double) -> (x: Double, y: Double), width: Int, height: Int
    ) -> Sighting? {
        guard !read.points.isEmpty, read.direction != (0, 0) else { return nil }
        let count = Double(read.points.count)
        let centreX = read.points.reduce(0.0) { $0 + Double($1.x) } / count + 0.5
        let centreY = read.points.reduce(0.0) { $0 + Double($1.y) } / count + 0.5
        let from = map(centreX, centreY)
        let to = map(centreX + 32 * read.direction.x, centreY + 32 * read.direction.y)
        let length = ((to.x - from.x) * (to.x - from.x) + (to.y - from.y) * (to.y - from.y)).squareRoot()
        guard length > 0 else { return nil }
        let points = read.points.map { point -> PixelPoint in
            let mapped = map(Double(point.x) + 0.5, Double(point.y) + 0.5)
            return PixelPoint(
                x: min(width - 1, max(0, Int(mapped.x.rounded(.down)))), y: min(height - 1, max(0, Int(mapped.y.rounded(.down)))))
        }
        return Sighting(points: points, directionX: (to.x - from.x) / length, directionY: (to.y - from.y) / length)
    }

    /// What the libraries allocate per pixel of the image they scan, charged before each scan: zbar binarises a
    /// copy for its QR finder; ZXing binarises the image and its rotations and downscales it.
    static let zbarBytesPerPixel = 1
    static let zxingBytesPerPixel = 3
    /// ZXing's cost per pixel (both reads, try-harder and rotations), rounded up from ~12 ns measured on a 12 MP
    /// frame; a ZXing pass predicted to overrun the time left is skipped. zbar's cost is measured on each image.
    static let zxingNanosPerPixel = 30.0

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

/// A pass's working image, how to map its points back, and the bytes charged for it (refunded after the pass).
private struct PassImage {
    let image: GreyImage
    let transform: ImageTransform
    let charged: Int
}

/// The images of one decode, made lazily and kept for the passes that share them (charged to the budget once).
/// Derived images are charged before they are made and refunded by the caller after their pass; one whose
/// memory does not fit is not made (the pass is skipped), one the deadline interrupts throws `timeout`.
private struct CascadeState {
    let bytes: [UInt8]
    let limits: DecodeLimits
    let large: Bool
    let budget: DecodeBudget
    var fullImage: GreyImage?
    var halfImage: GreyImage?

    /// Rotated canvases above this many times the working image's pixels (elongated images, whose canvas is
    /// mostly white corners) are not made, unless small: a square's is 2×, a 16:9 frame's 2.2×.
    static let maxCanvasRatio = 4
    static let smallCanvas = 4_000_000

    init(bytes: [UInt8], limits: DecodeLimits, large: Bool, budget: DecodeBudget) {
        self.bytes = bytes
        self.limits = limits
        self.large = large
        self.budget = budget
    }

    mutating func full() throws(ImageRejection) -> GreyImage {
        if let fullImage { return fullImage }
        let decoded = try ImageLoader.decode(bytes, limits: limits, halve: false, budget: budget).image
        fullImage = decoded
        return decoded
    }

    mutating func half() throws(ImageRejection) -> GreyImage {
        if let halfImage { return halfImage }
        let decoded: GreyImage
        if let fullImage {
            let size = (fullImage.width / 2) * (fullImage.height / 2)
            guard budget.charge(size) else {
                throw .overMemoryBudget(
                    width: fullImage.width, height: fullImage.height, bytes: budget.held + size, limit: budget.memoryLimit)
            }
            guard let halved = fullImage.halved(until: budget.deadline) else { throw .timeout(milliseconds: 0) }
            decoded = halved
        } else {
            decoded = try ImageLoader.decode(bytes, limits: limits, halve: true, budget: budget).image
        }
        halfImage = decoded
        return decoded
    }

    /// The working image for derived passes: half size on large frames, where rotating the full frame costs
    /// 4× as much for few extra reads.
    mutating func base() throws(ImageRejection) -> (GreyImage, Double) {
        large ? (try half(), 2) : (try full(), 1)
    }

    /// A derived image of `pixels` pixels made by `make`, charged first: nil when it does not fit.
    private func derived(_ pixels: Int, _ make: (ContinuousClock.Instant) -> GreyImage?) throws(ImageRejection) -> (GreyImage, Int)? {
        guard budget.charge(pixels) else { return nil }
        guard let image = make(budget.deadline) else {
            budget.refund(pixels)
            throw .timeout(milliseconds: 0)
        }
        return (image, pixels)
    }

    /// The image a pass scans and how to map its coordinates back; nil when the pass does not apply or its
    /// image does not fit the memory budget.
    mutating func image(for pass: DecodePass) throws(ImageRejection) -> PassImage? {
        switch pass {
        case .half:
            guard large else { return nil }
            return PassImage(image: try half(), transform: ImageTransform(scale: 2), charged: 0)
        case .full:
            return PassImage(image: try full(), transform: ImageTransform(scale: 1), charged: 0)
        case .rotate45, .rotate22, .rotate67, .zxing45:
            let degrees: Double = pass == .rotate45 || pass == .zxing45 ? 45 : pass == .rotate22 ? 22.5 : 67.5
            let (image, scale) = try base()
            let canvas = GreyImage.rotatedCanvas(width: image.width, height: image.height, degrees: degrees)
            let canvasPixels = canvas.width * canvas.height
            guard canvasPixels <= Self.smallCanvas || canvasPixels <= Self.maxCanvasRatio * image.width * image.height else { return nil }
            guard let (rotated, charged) = try derived(canvasPixels, { image.rotated(by: degrees, until: $0) }) else { return nil }
            return PassImage(
                image: rotated,
                transform: ImageTransform(
                    scale: scale, degrees: degrees, scaledWidth: image.width, scaledHeight: image.height, canvasWidth: rotated.width,
                    canvasHeight: rotated.height),
                charged: charged)
        case .stretch:
            let (image, scale) = try base()
            guard let (made, charged) = try derived(image.pixels.count, { image.stretched(until: $0) }) else { return nil }
            return PassImage(image: made, transform: ImageTransform(scale: scale), charged: charged)
        case .threshold:
            let (image, scale) = try base()
            // The integral image: 8 bytes a pixel.
            guard
                let (made, charged) = try derived(
                    9 * image.pixels.count,
                    { deadline in
                        image.locallyThresholded(radius: max(8, max(image.width, image.height) / 64), until: deadline)
                    })
            else { return nil }
            return PassImage(image: made, transform: ImageTransform(scale: scale), charged: charged)
        case .inverted:
            let (image, scale) = try base()
            guard let (made, charged) = try derived(image.pixels.count, { image.inverted(until: $0) }) else { return nil }
            return PassImage(image: made, transform: ImageTransform(scale: scale), charged: charged)
        case .doubled:
            guard !large else { return nil }
            let image = try full()
            guard let (made, charged) = try derived(4 * image.pixels.count, { image.doubled(until: $0) }) else { return nil }
            return PassImage(image: made, transform: ImageTransform(scale: 0.5), charged: charged)
        case .zxing:
            let (image, scale) = try base()
            return PassImage(image: image, transform: ImageTransform(scale: scale), charged: 0)
        case .confirm, .profile:
            // Runs on a crop of another pass's image, or on strips the cascade makes itself.
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
