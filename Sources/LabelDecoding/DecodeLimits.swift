public import ParcelDomain

/// Bounds on what one decode may read and spend. Size, shape and pixel count are checked from the header before
/// any pixel is decoded; time and memory inside the passes (`DecodeBudget`), so a hostile or oversized file
/// costs little.
public struct DecodeLimits: Sendable, Equatable {
    /// Largest file or inline payload accepted. The corpus' largest photo is ~1.5 MB; phone JPEGs stay under
    /// 16 MB.
    public var maxFileBytes: Int
    /// Largest pixel count (width × height from the header) decoded. 50 MP is above any phone or document
    /// camera in use (a 4000×3000 frame is 12 MP) and keeps the grey buffer under 50 MB.
    public var maxPixels: Int
    /// Time one image may take. Checked inside the passes' loops (a transform stops at the deadline) and
    /// before each pass (one predicted to overrun what is left is skipped); only a single library call (the
    /// image decode itself, bounded by `maxPixels`, or one zbar/ZXing scan) can run past it.
    public var timeBudget: Duration
    /// Memory one decode may hold: the file, the grey image and its half, the pass's working copy and what
    /// the decoders allocate for it (estimated). A pass that would exceed it is skipped; an image whose decode
    /// alone would is refused. 256 MB holds a 50 MP progressive JPEG and its passes.
    public var maxMemoryBytes: Int
    /// Longest side accepted. A 50 MP frame is 8660 px square and a panorama 16000 px; 65535 px sides are
    /// only ever built to make the rotations' canvases huge.
    public var maxSide: Int
    /// Most elongated shape accepted, long side over short side. The corpora's most extreme image is a 69×1
    /// single scan line; labels are under 2:1.
    public var maxAspectRatio: Int

    public init(
        maxFileBytes: Int = 32 << 20, maxPixels: Int = 50_000_000, timeBudget: Duration = .seconds(3), maxMemoryBytes: Int = 256 << 20,
        maxSide: Int = 20_000, maxAspectRatio: Int = 100
    ) {
        self.maxFileBytes = maxFileBytes
        self.maxPixels = maxPixels
        self.timeBudget = timeBudget
        self.maxMemoryBytes = maxMemoryBytes
        self.maxSide = maxSide
        self.maxAspectRatio = maxAspectRatio
    }

    /// The defaults above.
    public static let standard = DecodeLimits()
}

/// The decoder's refusals, each an `ImageRejection` of its kind with its message in words. The image libraries'
/// own text goes to `detail` (logged by the daemon, never sent to a client).
extension ImageRejection {
    /// The file or payload has no bytes.
    public static let empty = ImageRejection(.empty, "the file is empty")

    /// The file or payload is larger than `DecodeLimits.maxFileBytes`.
    public static func tooLarge(bytes: Int, limit: Int) -> ImageRejection {
        ImageRejection(.tooLarge, "\(bytes) bytes is over the limit of \(limit) bytes")
    }

    /// The header announces more pixels than `DecodeLimits.maxPixels` (a decompression bomb, or a camera far
    /// beyond what a station uses).
    public static func tooManyPixels(width: Int, height: Int, limit: Int) -> ImageRejection {
        ImageRejection(.tooManyPixels, "\(width)×\(height) pixels is over the limit of \(limit) pixels")
    }

    /// Decoding the image alone would hold more than `DecodeLimits.maxMemoryBytes` (an `image.tooManyPixels`: it
    /// is the pixel count, for the format, that is too large).
    public static func overMemoryBudget(width: Int, height: Int, bytes: Int, limit: Int) -> ImageRejection {
        ImageRejection(
            .tooManyPixels, "decoding \(width)×\(height) pixels needs \(bytes >> 20) MB, over the decode memory limit of \(limit >> 20) MB")
    }

    /// A side over `DecodeLimits.maxSide`, or a shape more elongated than `maxAspectRatio`: not a photo.
    public static func badGeometry(width: Int, height: Int, maxSide: Int, maxAspectRatio: Int) -> ImageRejection {
        ImageRejection(
            .badGeometry,
            "\(width)×\(height) pixels is not a photo's shape "
                + "(sides up to \(maxSide) px, the long one at most \(maxAspectRatio) times the short one)")
    }

    /// The image data ends before the image does.
    public static func truncated(format: ImageFormat) -> ImageRejection {
        ImageRejection(.truncated, "the \(format.rawValue) data ends early (truncated file)")
    }

    /// The header or data is not a valid image of its format; `detail` is the library's (or the header
    /// check's) reason, for the log.
    public static func corrupt(format: ImageFormat, detail: String) -> ImageRejection {
        ImageRejection(.corrupt, "the \(format.rawValue) data is corrupt (not a valid \(format.rawValue) image)", detail: detail)
    }

    /// Not JPEG, PNG, WebP or binary PGM.
    public static let unsupportedFormat = ImageRejection(.unsupportedFormat, "not a JPEG, PNG, WebP or PGM image")

    /// The time budget ran out before any code was found.
    public static func timeout(milliseconds: Int) -> ImageRejection {
        ImageRejection(.timeout, "no code found within the time budget of \(milliseconds) ms")
    }

    /// The file could not be opened or read (the path is the caller's own).
    public static func unreadable(path: String, errno: Int32) -> ImageRejection {
        ImageRejection(.unreadable, "cannot read \(path) (errno \(errno))")
    }

    /// The user the file is read for (the socket's peer) may not read it themselves.
    public static func accessDenied(path: String, reason: String) -> ImageRejection {
        ImageRejection(.accessDenied, "not reading \(path) for this peer: \(reason) (send the image bytes inline instead)")
    }
}

/// Image container formats the loader knows, recognised by their magic bytes (never by file name).
public enum ImageFormat: String, Sendable, Equatable, Codable {
    case jpeg = "JPEG"
    case png = "PNG"
    case webp = "WebP"
    case pgm = "PGM"
}

/// What one decode may still spend: a deadline checked inside the passes' loops, and a memory account every
/// buffer of the decode is charged to before it is allocated. One per decode, used by one thread.
final class DecodeBudget {
    let deadline: ContinuousClock.Instant
    let memoryLimit: Int
    /// Bytes currently charged.
    private(set) var held = 0
    /// The most charged at once (the decode's peak, for `malloc_trim` after large ones).
    private(set) var peak = 0

    init(limits: DecodeLimits, started: ContinuousClock.Instant) {
        deadline = started + limits.timeBudget
        memoryLimit = limits.maxMemoryBytes
    }

    /// A budget that never runs out (tests of the transforms).
    static var unlimited: DecodeBudget {
        DecodeBudget(limits: DecodeLimits(timeBudget: .seconds(1 << 40), maxMemoryBytes: .max / 2), started: .now)
    }

    var expired: Bool { ContinuousClock.now >= deadline }
    var remaining: Duration { deadline - ContinuousClock.now }

    /// Charges `bytes` if they fit; false (nothing charged) if they do not.
    func charge(_ bytes: Int) -> Bool {
        guard bytes <= memoryLimit - held else { return false }
        held += bytes
        peak = max(peak, held)
        return true
    }

    func fits(_ bytes: Int) -> Bool { bytes <= memoryLimit - held }

    func refund(_ bytes: Int) { held -= bytes }
}
