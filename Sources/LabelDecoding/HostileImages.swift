internal import CPNG
internal import CTurboJPEG
import Foundation

/// Images built to cost a decoder as much as a small file can: degenerate shapes (1×65535; JPEG sides stop at 65500), pixel bombs just
/// under `DecodeLimits.maxPixels` that compress to kilobytes, and progressive JPEGs (whose decode holds every
/// coefficient). Encoded with the same system libraries the loader decodes with; for the tests and
/// `label-bench --hostile`, never used by the daemon.
public enum HostileImages {
    /// One named image of the set.
    public struct Sample: Sendable {
        public let name: String
        public let bytes: [UInt8]

        public init(name: String, bytes: [UInt8]) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The set: each format's extreme shapes and a near-limit bomb of each format.
    public static func standardSet() -> [Sample] {
        let stripes = Pattern.stripes
        var samples: [Sample] = []
        func add(_ name: String, _ bytes: [UInt8]?) { if let bytes { samples.append(Sample(name: name, bytes: bytes)) } }
        add("png-1x65535.png", png(width: 1, height: 65535, pattern: stripes))
        add("png-65535x1.png", png(width: 65535, height: 1, pattern: stripes))
        add("pgm-65535x1.pgm", pgm(width: 65535, height: 1, pattern: stripes))
        add("pgm-1x65535.pgm", pgm(width: 1, height: 65535, pattern: stripes))
        add("png-2x24000.png", png(width: 2, height: 24000, pattern: stripes))
        add("jpeg-1x65500.jpg", jpeg(width: 1, height: 65500, progressive: false, pattern: stripes))
        add("jpeg-65500x8.jpg", jpeg(width: 65500, height: 8, progressive: false, pattern: stripes))
        add("webp-1x16383.webp", webp(width: 1, height: 16383, pattern: stripes))
        add("webp-16383x1.webp", webp(width: 16383, height: 1, pattern: stripes))
        // Bombs: 49 MP (the limit is 50 M), one flat grey with a few lines so nothing reads and every pass runs.
        let flat = Pattern.grid
        add("png-bomb-7000x7000.png", png(width: 7000, height: 7000, pattern: flat))
        add("jpeg-bomb-7000x7000.jpg", jpeg(width: 7000, height: 7000, progressive: false, pattern: flat))
        add("jpeg-progressive-bomb-7000x7000.jpg", jpeg(width: 7000, height: 7000, progressive: true, pattern: flat))
        add("webp-bomb-7000x7000.webp", webp(width: 7000, height: 7000, pattern: flat))
        add("pgm-bomb-6000x5000.pgm", pgm(width: 6000, height: 5000, pattern: flat))
        return samples
    }

    /// What the images show. Built from a few distinct rows, so that even a debug build makes 49 MP quickly.
    public enum Pattern: Sendable {
        /// Diagonal stripes, 4 px black, 4 px white.
        case stripes
        /// Light grey with a dark line every 1000 px each way: nothing to read, so every pass runs.
        case grid

        func key(_ y: Int) -> Int {
            switch self {
            case .stripes: y % 8
            case .grid: y % 1000 == 0 ? 1 : 0
            }
        }

        func row(_ y: Int, width: Int) -> [UInt8] {
            switch self {
            case .stripes: (0..<width).map { (($0 + y) % 8) < 4 ? 0 : 255 }
            case .grid: y % 1000 == 0 ? [UInt8](repeating: 40, count: width) : (0..<width).map { $0 % 1000 == 0 ? 40 : 235 }
            }
        }
    }

    /// The pattern's pixels, `channels` bytes each (grey repeated).
    static func pixels(width: Int, height: Int, _ pattern: Pattern, channels: Int = 1) -> [UInt8] {
        var rows: [Int: [UInt8]] = [:]
        var out: [UInt8] = []
        out.reserveCapacity(width * height * channels)
        for y in 0..<height {
            let key = pattern.key(y)
            if rows[key] == nil {
                let grey = pattern.row(y, width: width)
                rows[key] = channels == 1 ? grey : grey.flatMap { [UInt8](repeating: $0, count: channels) }
            }
            out.append(contentsOf: rows[key]!)
        }
        return out
    }

    /// A binary PGM (P5).
    public static func pgm(width: Int, height: Int, pattern: Pattern) -> [UInt8] {
        Array("P5\n\(width) \(height)\n255\n".utf8) + pixels(width: width, height: height, pattern)
    }

    /// An 8-bit grey PNG, through libpng's simplified writer.
    public static func png(width: Int, height: Int, pattern: Pattern) -> [UInt8]? {
        let grey = pixels(width: width, height: height, pattern)
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_GRAY)
        var size = 0
        guard png_image_write_to_memory(&image, nil, &size, 0, grey, Int32(width), nil) != 0, size > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, grey, Int32(width), nil) }
        return ok != 0 ? Array(out.prefix(size)) : nil
    }

    /// A grey JPEG, baseline or progressive, through TurboJPEG.
    public static func jpeg(width: Int, height: Int, progressive: Bool, pattern: Pattern) -> [UInt8]? {
        let grey = pixels(width: width, height: height, pattern)
        guard let handle = tjInitCompress() else { return nil }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let flags = progressive ? Int32(TJFLAG_PROGRESSIVE) : 0
        let status = tjCompress2(
            handle, grey, Int32(width), Int32(width), Int32(height), Int32(TJPF_GRAY.rawValue), &buffer, &size, Int32(TJSAMP_GRAY.rawValue),
            90,
            flags)
        defer { tjFree(buffer) }
        guard status == 0, let buffer else { return nil }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(size)))
    }

    private typealias WebPEncodeLossless =
        @convention(c) (UnsafePointer<UInt8>?, Int32, Int32, Int32, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int
    private typealias WebPFree = @convention(c) (UnsafeMutableRawPointer?) -> Void

    /// A lossless WebP. The project's CWebP module exposes only the decoder, so the encoder (in the same
    /// libwebp.so) is looked up at run time; nil where it is missing.
    public static func webp(width: Int, height: Int, pattern: Pattern) -> [UInt8]? {
        guard let library = dlopen("libwebp.so.7", RTLD_NOW) ?? dlopen("libwebp.so", RTLD_NOW) else { return nil }
        defer { dlclose(library) }
        guard let encodeSymbol = dlsym(library, "WebPEncodeLosslessRGB"), let freeSymbol = dlsym(library, "WebPFree") else { return nil }
        let encode = unsafeBitCast(encodeSymbol, to: WebPEncodeLossless.self)
        let free = unsafeBitCast(freeSymbol, to: WebPFree.self)
        let rgb = pixels(width: width, height: height, pattern, channels: 3)
        var output: UnsafeMutablePointer<UInt8>? = nil
        let size = encode(rgb, Int32(width), Int32(height), Int32(width * 3), &output)
        defer { free(output) }
        guard size > 0, let output else { return nil }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
