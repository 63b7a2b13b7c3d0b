/// Bounds on what one decode may read and spend. Checked before any pixel is decoded (file size, pixel count
/// from the header) and between passes (time), so a hostile or oversized file costs little.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest file or inline payload accepted. The corpus' largest photo is ~1.5 MB; phone JPEGs stay under
    /// 16 MB.
    public var maxFileBytes: Int
    /// Largest pixel count (width × height from the header) decoded. 50 MP is above any phone or document
    /// camera in use (a 4000×3000 frame is 12 MP) and keeps the grey buffer under 50 MB.
    public var maxPixels: Int
    /// Time one image may take. Checked between passes: the pass running when it expires finishes, no
    /// further pass starts.
    public var timeBudget: Duration

    public init(maxFileBytes: Int = 32 << 20, maxPixels: Int = 50_000_000, timeBudget: Duration = .seconds(3)) {
        self.maxFileBytes = maxFileBytes
        self.maxPixels = maxPixels
        self.timeBudget = timeBudget
    }

    /// The defaults above.
    public static let standard = DecodeLimits()
}

/// Why an image could not be decoded. Each case has a stable `code` for the socket and the CLI.
public enum LabelDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file or payload has no bytes.
    case empty
    /// The file or payload is larger than `DecodeLimits.maxFileBytes`.
    case tooLarge(bytes: Int, limit: Int)
    /// The header announces more pixels than `DecodeLimits.maxPixels` (a decompression bomb, or a camera far
    /// beyond what a station uses).
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// The image data ends before the image does.
    case truncated(format: ImageFormat)
    /// The header or data is not a valid image of its format.
    case corrupt(format: ImageFormat, detail: String)
    /// Not JPEG, PNG, WebP or binary PGM.
    case unsupportedFormat
    /// The time budget ran out before any code was found.
    case timeout(milliseconds: Int)
    /// The file could not be opened or read.
    case unreadable(path: String, errno: Int32)

    /// Stable machine-readable code.
    public var code: String {
        switch self {
        case .empty: "image.empty"
        case .tooLarge: "image.tooLarge"
        case .tooManyPixels: "image.tooManyPixels"
        case .truncated: "image.truncated"
        case .corrupt: "image.corrupt"
        case .unsupportedFormat: "image.unsupportedFormat"
        case .timeout: "image.timeout"
        case .unreadable: "image.unreadable"
        }
    }

    public var description: String {
        switch self {
        case .empty: "the file is empty"
        case .tooLarge(let bytes, let limit): "\(bytes) bytes is over the limit of \(limit) bytes"
        case .tooManyPixels(let width, let height, let limit):
            "\(width)×\(height) pixels is over the limit of \(limit) pixels"
        case .truncated(let format): "the \(format.rawValue) data ends early (truncated file)"
        case .corrupt(let format, let detail): "not a valid \(format.rawValue) image: \(detail)"
        case .unsupportedFormat: "not a JPEG, PNG, WebP or PGM image"
        case .timeout(let milliseconds): "no code found within the time budget of \(milliseconds) ms"
        case .unreadable(let path, let errno): "cannot read \(path) (errno \(errno))"
        }
    }
}

/// Image container formats the loader knows, recognised by their magic bytes (never by file name).
public enum ImageFormat: String, Sendable, Equatable, Codable {
    case jpeg = "JPEG"
    case png = "PNG"
    case webp = "WebP"
    case pgm = "PGM"
}
