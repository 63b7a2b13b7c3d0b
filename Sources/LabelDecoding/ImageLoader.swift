internal import CPNG
internal import CTurboJPEG
internal import CWebP
import Foundation
import ParcelDomain

/// Reads image files and payloads into `GreyImage`s, checking the limits before decoding any pixel.
enum ImageLoader {
    /// Recognises the container from its magic bytes.
    static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.count >= 12, bytes[0..<4].elementsEqual(Array("RIFF".utf8)), bytes[8..<12].elementsEqual(Array("WEBP".utf8)) {
            return .webp
        }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") { return .pgm }
        return nil
    }

    /// Reads a whole file, refusing it before reading when it is empty or over the size limit. With a
    /// `requester`, only a file that user may read themselves (`PeerFileAccess`); without, the daemon's own.
    static func readFile(_ path: String, limits: DecodeLimits, for requester: FileRequester? = nil) throws(ImageRejection) -> [UInt8] {
        let fd: Int32
        if let requester {
            do {
                fd = try PeerFileAccess.open(path, for: requester)
            } catch {
                switch error {
                case .denied(let reason): throw .accessDenied(path: path, reason: reason)
                case .failed(let code): throw .unreadable(path: path, errno: code)
                }
            }
        } else {
            // O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused as not a regular file).
            fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
            guard fd >= 0 else { throw .unreadable(path: path, errno: errno) }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, errno: errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .unreadable(path: path, errno: EISDIR) }
        let size = Int(info.st_size)
        guard size > 0 else { throw .empty }
        guard size <= limits.maxFileBytes else { throw .tooLarge(bytes: size, limit: limits.maxFileBytes) }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        var readError: Int32 = 0
        bytes.withUnsafeMutableBytes { buffer in
            while filled < size {
                let n = read(fd, buffer.baseAddress! + filled, size - filled)
                if n < 0 {
                    if errno == EINTR { continue }
                    readError = errno
                    return
                }
                if n == 0 { break }  // the file shrank while we read it
                filled += n
            }
        }
        if readError != 0 { throw .unreadable(path: path, errno: readError) }
        guard filled > 0 else { throw .empty }
        if filled < size { bytes.removeLast(size - filled) }
        return bytes
    }

    /// Image size from the header alone.
    static func dimensions(_ bytes: [UInt8], format: ImageFormat) throws(ImageRejection) -> (width: Int, height: Int) {
        switch format {
        case .jpeg:
            guard let handle = tjInitDecompress() else { throw .corrupt(format: .jpeg, detail: "decoder unavailable") }
            defer { tjDestroy(handle) }
            var width: Int32 = 0
            var height: Int32 = 0
            var subsampling: Int32 = 0
            var colorspace: Int32 = 0
            let status = bytes.withUnsafeBufferPointer {
                tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
            }
            guard status == 0, width > 0, height > 0 else {
                if !hasJPEGEnd(bytes) && bytes.count < 1024 { throw .truncated(format: .jpeg) }
                throw .corrupt(format: .jpeg, detail: errorString(handle))
            }
            return (Int(width), Int(height))
        case .png:
            // IHDR is always the first chunk: width and height are big-endian at offsets 16 and 20.
            guard bytes.count >= 24 else { throw .truncated(format: .png) }
            guard bytes[12..<16].elementsEqual(Array("IHDR".utf8)) else { throw .corrupt(format: .png, detail: "no IHDR chunk") }
            let width = bytes[16..<20].reduce(0) { $0 << 8 | Int($1) }
            let height = bytes[20..<24].reduce(0) { $0 << 8 | Int($1) }
            guard width > 0, height > 0 else { throw .corrupt(format: .png, detail: "zero width or height") }
            return (width, height)
        case .webp:
            var width: Int32 = 0
            var height: Int32 = 0
            let ok = bytes.withUnsafeBufferPointer { WebPGetInfo($0.baseAddress, $0.count, &width, &height) }
            guard ok != 0, width > 0, height > 0 else {
                if bytes.count < 30 { throw .truncated(format: .webp) }
                throw .corrupt(format: .webp, detail: "bad header")
            }
            return (Int(width), Int(height))
        case .pgm:
            let header = try pgmHeader(bytes)
            return (header.width, header.height)
        }
    }

    /// Refuses, from the header's size alone, more pixels than `maxPixels` and shapes no photo has (a side
    /// over `maxSide`, or more elongated than `maxAspectRatio`), whose rotations and scans cost far more than
    /// their pixel count says.
    static func checkShape(width: Int, height: Int, limits: DecodeLimits) throws(ImageRejection) {
        // Checked in Int with the multiplication guarded: 100000×100000 fits, a forged 2^31 side does not overflow.
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= limits.maxPixels else {
            throw .tooManyPixels(width: width, height: height, limit: limits.maxPixels)
        }
        guard max(width, height) <= limits.maxSide, max(width, height) <= limits.maxAspectRatio * min(width, height) else {
            throw .badGeometry(width: width, height: height, maxSide: limits.maxSide, maxAspectRatio: limits.maxAspectRatio)
        }
    }

    /// What a format's decoder allocates beyond our output buffer, per pixel: a progressive JPEG holds every
    /// DCT coefficient (2 bytes a sample, 1.5 samples a pixel in 4:2:0); lossless WebP decodes to a full ARGB
    /// image, and our YUV decode adds the two chroma planes. libpng and baseline JPEG work row by row.
    static func scratchBytes(_ bytes: [UInt8], format: ImageFormat, pixels: Int) -> Int {
        switch format {
        case .jpeg: isProgressiveJPEG(bytes) ? 3 * pixels : 0
        case .webp: isLosslessWebP(bytes) ? 4 * pixels + pixels / 2 : pixels / 2
        case .png, .pgm: 0
        }
    }

    /// Whether the image is (or, extended, may be) lossless: its first chunk is VP8L, or VP8X.
    static func isLosslessWebP(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 16 && (bytes[12..<16].elementsEqual(Array("VP8L".utf8)) || bytes[12..<16].elementsEqual(Array("VP8X".utf8)))
    }

    /// Whether the first frame header is SOF2 (progressive, Huffman).
    static func isProgressiveJPEG(_ bytes: [UInt8]) -> Bool {
        var index = 2
        while index + 3 < bytes.count, bytes[index] == 0xFF {
            let marker = bytes[index + 1]
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                return marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
            }
            index += 2 + (Int(bytes[index + 2]) << 8 | Int(bytes[index + 3]))
        }
        return false
    }

    /// Decodes to grey. `halve` asks for a half-size image: JPEG decodes straight to it (DCT scaling, several
    /// times cheaper than a full decode), other formats are decoded whole and box-averaged. The output and the
    /// decoder's scratch are charged to `budget` first (the scratch refunded after); a decode that does not fit
    /// is refused, one the deadline interrupts (our own loops) throws `timeout`.
    static func decode(_ bytes: [UInt8], limits: DecodeLimits, halve: Bool, budget: DecodeBudget? = nil) throws(ImageRejection) -> (
        image: GreyImage, format: ImageFormat, width: Int, height: Int
    ) {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= limits.maxFileBytes else { throw .tooLarge(bytes: bytes.count, limit: limits.maxFileBytes) }
        guard let format = sniff(bytes) else { throw .unsupportedFormat }
        let (width, height) = try dimensions(bytes, format: format)
        try checkShape(width: width, height: height, limits: limits)
        let pixels = width * height
        // JPEG halves while decoding; the others decode whole, then halve (the whole image is freed after).
        let output = halve ? (width + 1) / 2 * ((height + 1) / 2) : pixels
        let transient = scratchBytes(bytes, format: format, pixels: pixels) + (halve && format != .jpeg ? pixels : 0)
        if let budget {
            guard budget.charge(output + transient) else {
                throw .overMemoryBudget(width: width, height: height, bytes: budget.held + output + transient, limit: budget.memoryLimit)
            }
            budget.refund(transient)
        }
        let deadline = budget?.deadline
        let image: GreyImage
        switch format {
        case .jpeg: image = try decodeJPEG(bytes, width: width, height: height, halve: halve)
        case .png: image = try halved(try decodePNG(bytes), halve, deadline)
        case .webp: image = try halved(try decodeWebP(bytes, width: width, height: height), halve, deadline)
        case .pgm: image = try halved(try decodePGM(bytes, until: deadline), halve, deadline)
        }
        return (image, format, width, height)
    }

    private static func halved(_ full: GreyImage, _ halve: Bool, _ deadline: ContinuousClock.Instant?) throws(ImageRejection) -> GreyImage {
        guard halve else { return full }
        guard let half = full.halved(until: deadline) else { throw .timeout(milliseconds: 0) }
        return half
    }

    private static func hasJPEGEnd(_ bytes: [UInt8]) -> Bool {
        // EOI (FF D9), allowing a little trailing padding some cameras append.
        let tail = bytes.suffix(64)
        var previous: UInt8 = 0
        for byte in tail {
            if previous == 0xFF && byte == 0xD9 { return true }
            previous = byte
        }
        return false
    }

    private static func errorString(_ handle: tjhandle) -> String {
        guard let message = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: message)
    }

    private static func decodeJPEG(_ bytes: [UInt8], width: Int, height: Int, halve: Bool) throws(ImageRejection) -> GreyImage {
        guard let handle = tjInitDecompress() else { throw .corrupt(format: .jpeg, detail: "decoder unavailable") }
        defer { tjDestroy(handle) }
        // TJSCALED: ceil(dimension × 1/2).
        let w = halve ? (width + 1) / 2 : width
        let h = halve ? (height + 1) / 2 : height
        var out = [UInt8](repeating: 0, count: w * h)
        // TJPF_GRAY decodes the luma component only, skipping chroma upsampling and colour conversion.
        let status = bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(
                    handle, src.baseAddress, UInt(bytes.count), dst.baseAddress, Int32(w), Int32(w), Int32(h),
                    Int32(TJPF_GRAY.rawValue), 0)
            }
        }
        if status != 0 {
            // A warning still produced an image; "premature end" is a truncated file, which we refuse rather
            // than scan a half-grey picture.
            let fatal = tjGetErrorCode(handle) == Int32(TJERR_FATAL.rawValue)
            let message = errorString(handle)
            if message.contains("Premature end") || (!hasJPEGEnd(bytes) && fatal) { throw .truncated(format: .jpeg) }
            if fatal { throw .corrupt(format: .jpeg, detail: message) }
        }
        return GreyImage(width: w, height: h, pixels: out)
    }

    private static func decodePNG(_ bytes: [UInt8]) throws(ImageRejection) -> GreyImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let began = bytes.withUnsafeBufferPointer { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard began != 0 else {
            throw .corrupt(
                format: .png, detail: withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        defer { png_image_free(&image) }
        image.format = UInt32(PNG_FORMAT_GRAY)
        let width = Int(image.width)
        let height = Int(image.height)
        var out = [UInt8](repeating: 0, count: width * height)
        let finished = bytes.withUnsafeBufferPointer { _ in
            out.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, Int32(width), nil) }
        }
        guard finished != 0 else {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let iend: [UInt8] = [0x49, 0x45, 0x4E, 0x44]
            let complete = bytes.count >= 12 && bytes[(bytes.count - 8)..<(bytes.count - 4)].elementsEqual(iend)
            if !complete { throw .truncated(format: .png) }
            throw .corrupt(format: .png, detail: message)
        }
        return GreyImage(width: width, height: height, pixels: out)
    }

    private static func decodeWebP(_ bytes: [UInt8], width: Int, height: Int) throws(ImageRejection) -> GreyImage {
        // The Y plane of a YUV decode is the grey image; U and V go to small scratch buffers.
        var luma = [UInt8](repeating: 0, count: width * height)
        let chromaWidth = (width + 1) / 2
        let chromaSize = chromaWidth * ((height + 1) / 2)
        var u = [UInt8](repeating: 0, count: chromaSize)
        var v = [UInt8](repeating: 0, count: chromaSize)
        let result = bytes.withUnsafeBufferPointer { src in
            luma.withUnsafeMutableBufferPointer { y in
                u.withUnsafeMutableBufferPointer { ub in
                    v.withUnsafeMutableBufferPointer { vb in
                        WebPDecodeYUVInto(
                            src.baseAddress, src.count, y.baseAddress, y.count, Int32(width), ub.baseAddress, ub.count,
                            Int32(chromaWidth), vb.baseAddress, vb.count, Int32(chromaWidth))
                    }
                }
            }
        }
        guard result != nil else {
            // WebPGetFeatures tells a short file from a bad one only through the status of a full decode; the
            // RIFF size field says how long the file should be.
            let declared = bytes.count >= 8 ? Int(bytes[4]) | Int(bytes[5]) << 8 | Int(bytes[6]) << 16 | Int(bytes[7]) << 24 : 0
            if declared + 8 > bytes.count { throw .truncated(format: .webp) }
            throw .corrupt(format: .webp, detail: "undecodable data")
        }
        expandStudioRange(&luma)
        return GreyImage(width: width, height: height, pixels: luma)
    }

    /// WebP's Y plane is BT.601 studio range (black 16, white 235); the grey an RGB decode gives (Pillow,
    /// ImageMagick) spans 0–255. Expanding it gives the decoders' contrast thresholds the full range: on
    /// blackbox/ zbar reads one more UPC-A and ZXing a UPC-E and a DataMatrix, none lost.
    private static let studioToFull: [UInt8] = (0...255).map { UInt8(min(255, max(0, ((Int($0) - 16) * 255 + 109) / 219))) }

    private static func expandStudioRange(_ pixels: inout [UInt8]) {
        studioToFull.withUnsafeBufferPointer { table in
            pixels.withUnsafeMutableBufferPointer { buffer in
                for index in buffer.indices { buffer[index] = table[Int(buffer[index])] }
            }
        }
    }

    private struct PGMHeader {
        let width: Int
        let height: Int
        let maxValue: Int
        let dataOffset: Int
    }

    private static func pgmHeader(_ bytes: [UInt8]) throws(ImageRejection) -> PGMHeader {
        var index = 2
        var fields: [Int] = []
        while fields.count < 3 {
            // Whitespace and comments between fields.
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                    index += 1
                } else {
                    break
                }
            }
            guard index < bytes.count else { throw .truncated(format: .pgm) }
            var value = 0
            var digits = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]), digits < 9 {
                value = value * 10 + Int(bytes[index] - 0x30)
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw .corrupt(format: .pgm, detail: "bad header field") }
            fields.append(value)
        }
        guard index < bytes.count else { throw .truncated(format: .pgm) }
        guard fields[0] > 0, fields[1] > 0, (1...65535).contains(fields[2]) else {
            throw .corrupt(format: .pgm, detail: "bad size or maximum value")
        }
        return PGMHeader(width: fields[0], height: fields[1], maxValue: fields[2], dataOffset: index + 1)
    }

    private static func decodePGM(_ bytes: [UInt8], until deadline: ContinuousClock.Instant? = nil) throws(ImageRejection) -> GreyImage {
        let header = try pgmHeader(bytes)
        let count = header.width * header.height
        let sampleBytes = header.maxValue > 255 ? 2 : 1
        guard bytes.count - header.dataOffset >= count * sampleBytes else { throw .truncated(format: .pgm) }
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            if i & 0xFFFF == 0, let deadline, ContinuousClock.now >= deadline { throw .timeout(milliseconds: 0) }
            // 16-bit samples are big-endian; scale either depth to 0–255.
            let sample =
                sampleBytes == 2
                ? Int(bytes[header.dataOffset + 2 * i]) << 8 | Int(bytes[header.dataOffset + 2 * i + 1])
                : Int(bytes[header.dataOffset + i])
            out[i] = UInt8(min(255, sample * 255 / header.maxValue))
        }
        return GreyImage(width: header.width, height: header.height, pixels: out)
    }
}
