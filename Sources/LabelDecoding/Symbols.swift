/// Barcode symbologies the decoder reports.
public enum Symbology: String, Sendable, Equatable, Codable, CaseIterable {
    case code128 = "CODE128"
    case qrCode = "QRCODE"
    case ean13 = "EAN13"
    case ean8 = "EAN8"
    case upcA = "UPCA"
    case upcE = "UPCE"
    case itf = "ITF"
    case code39 = "CODE39"
    /// Read only by the ZXing-C++ fallback pass (zbar has no decoder for them).
    case dataMatrix = "DATAMATRIX"
    case pdf417 = "PDF417"
    case other = "OTHER"
}

/// The passes of the decoding cascade, in the order the decoder tries them. Which passes exist and in which
/// order is justified by the corpus figures in `LabelDecoder.standardCascade`.
public enum DecodePass: String, Sendable, Equatable, Codable, CaseIterable {
    /// Half-size image (a DCT-scaled JPEG decode) of a large frame.
    case half
    /// The image at full resolution.
    case full
    /// The working image rotated by 45°, 22.5° and 67.5°: zbar reads 1D codes only up to ~30° off its scan
    /// lines (horizontal and vertical).
    case rotate45
    case rotate22
    case rotate67
    /// 1st–99th percentile contrast stretch.
    case stretch
    /// Binarised against the local mean (shadow, glare).
    case threshold
    /// Small frames upscaled 2×, for codes under ~2 px per module.
    case doubled
    /// The working image's negative, for light codes on a dark ground. Runs only when no earlier pass has read
    /// anything (`runsOnlyOnEmpty`): such codes are rare, and a whole-image pass costs as much as any other.
    case inverted
    /// A crop around a tracking-number read of the pass before, resampled, scanned again: the cheap second read
    /// that confirms a number instead of running further whole-image passes. Not listed in a cascade; it runs
    /// after any pass that reads an unconfirmed tracking number when `LabelDecoder.confirmsByCrop` is set.
    case confirm
    /// ZXing-C++ (a second, independent decoder) on the working image: DataMatrix and PDF417, which zbar lacks,
    /// QR codes and worn 1D codes zbar misses.
    case zxing
    /// ZXing on the working image rotated by 45°: its row scans read 1D codes only near its axes (and, trying
    /// harder, the perpendicular), so this one pass covers the diagonals, where small and blurred codes beat
    /// zbar's rotated passes.
    case zxing45
    /// Barcode-like regions located by their gradients, each read from a profile averaged across the bars'
    /// height, upsampled and sharpened (`BarProfile`): small and blurred codes.
    case profile

    /// Passes the cascade skips once anything has been read (outside `LabelDecoder.exhaustive`).
    public var runsOnlyOnEmpty: Bool { self == .inverted }
}

/// A point in the original image's pixel coordinates.
public struct PixelPoint: Sendable, Equatable, Codable {
    public var x: Int
    public var y: Int
    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// An axis-aligned box in the original image's pixel coordinates.
public struct PixelBox: Sendable, Equatable, Codable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
}

/// One decoded symbol.
public struct DecodedSymbol: Sendable, Equatable {
    /// The data as text: UTF-8 when it is valid UTF-8 (labels write Chinese that way), else ISO 8859-1.
    public let text: String
    /// The data exactly as encoded.
    public let bytes: [UInt8]
    public let symbology: Symbology
    /// The first pass that read it.
    public let pass: DecodePass
    /// Every pass that read it (the same code read at different scales or angles is independent evidence).
    public internal(set) var passes: [DecodePass]
    /// The points zbar located the symbol at (scan-line crossings for 1D codes, corners for QR), mapped to
    /// original-image pixels.
    public let points: [PixelPoint]
    /// Bounding box of `points`.
    public let box: PixelBox
    /// Every read's location and reading direction (a label's main barcode and its stub's repeat are both here),
    /// to find the recipient block from.
    var sightings: [Sighting] = []
}

/// The tracking number chosen among the decoded symbols.
public struct WaybillChoice: Sendable, Equatable {
    /// The normalised number.
    public let number: String
    /// The most likely courier code, from `ParcelDomain`'s rule table.
    public let courier: String
    /// Rule strength of that courier match (4 check digit, 3 letter prefix, 2 digit prefix and length, 1 length).
    public let strength: Int
    /// True when the number fits a courier rule and was read twice (two passes, or zbar and the label's QR) or
    /// equals the waybill number in the label's QR data. An unconfirmed number is reported as uncertain.
    public let confirmed: Bool
    /// Why it is (or is not) confirmed, in words.
    public let evidence: String
    /// Other tracking-number-like reads, best first.
    public let alternatives: [String]
}

/// What one pass did (for the benchmark's per-pass figures and for diagnostics).
public struct PassRecord: Sendable, Equatable {
    public let pass: DecodePass
    /// Wall time of the pass including preparing its image (a decode, a rotation).
    public let milliseconds: Double
    /// Texts of every symbol this pass read, including ones earlier passes read too.
    public let texts: [String]
}

/// The result of decoding one image.
public struct LabelDecodeResult: Sendable, Equatable {
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    /// Every distinct symbol found, in the order found.
    public let symbols: [DecodedSymbol]
    /// The tracking number, when a symbol looks like one.
    public let waybill: WaybillChoice?
    /// The passes that ran.
    public let passLog: [PassRecord]
    /// False when the time budget stopped the cascade before it would have ended by itself.
    public let complete: Bool
    /// The recipient's phone tail read from the label (OCR of the recipient block found from the tracking
    /// number's barcode); nil when the decoder was not asked to read it.
    public var phoneTail: PhoneTailRead?
}
