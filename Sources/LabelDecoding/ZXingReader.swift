internal import CZXingShim

/// ZXing-C++ (Debian libzxing-dev 1.4) through our C shim: the fallback decoder. Stateless, so safe from any
/// number of threads at once; every call allocates its own buffers and the shim catches every C++ exception.
enum ZXingReader {
    /// What the fallback pass looks for, in two reads. 2D: QR (the label's waybill data), and DataMatrix and
    /// PDF417, for which zbar has no decoder. 1D: the label symbologies zbar reads too (a second, independent
    /// decoder on worn codes).
    static let matrixSymbologies = Int32(ZXS_QRCODE | ZXS_DATAMATRIX | ZXS_PDF417)
    static let linearSymbologies = Int32(ZXS_CODE128 | ZXS_EAN13 | ZXS_EAN8 | ZXS_UPCA | ZXS_UPCE | ZXS_ITF | ZXS_CODE39)
    /// A label carries at most a handful of 2D codes; the cap bounds the work on a hostile image full of them.
    static let maxMatrixSymbols: Int32 = 8
    /// One 1D code per read: Debian's ZXing 1.4 fails an assertion (`lineCount() == 1`) when it merges several
    /// 1D reads of one image (9 of the 100 labels/ photos with "try harder"; none with one symbol), and the
    /// guarded read then loses everything it found.
    static let maxLinearSymbols: Int32 = 1
    /// ZXing's "try harder" (more scan lines) and "try rotate" (90° turns).
    static let tryHarderAndRotate = Int32(ZXS_TRY_HARDER | ZXS_TRY_ROTATE)

    /// Reads the image twice with ZXing's "try harder" (more scan lines) and "try rotate" (90° turns); the 2D
    /// read also reads copies a third the size of images from a 200 px short side (blackbox/: one tightly
    /// cropped, blurred QR code more; ZXing's own default starts at 500 px). Points are the symbol's four corners
    /// in the image's pixels.
    static func read(_ image: GreyImage) -> [ZBarScanner.RawSymbol] {
        let matrix = read(
            image, symbologies: matrixSymbologies, options: Int32(ZXS_TRY_HARDER | ZXS_TRY_ROTATE | ZXS_TRY_DOWNSCALE),
            max: maxMatrixSymbols)
        let linear = read(image, symbologies: linearSymbologies, options: tryHarderAndRotate, max: maxLinearSymbols)
        return matrix + linear
    }

    /// 1D symbologies only, no rotation: a synthetic strip whose rows all hold the same profile.
    static func readLinear(_ image: GreyImage) -> [ZBarScanner.RawSymbol] {
        read(image, symbologies: linearSymbologies, options: Int32(ZXS_TRY_HARDER), max: maxLinearSymbols)
    }

    static func read(_ image: GreyImage, symbologies: Int32, options: Int32, max: Int32) -> [ZBarScanner.RawSymbol] {
        var out: UnsafeMutablePointer<zxs_symbol>? = nil
        let count = image.pixels.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress, image.width <= Int(Int32.max), image.height <= Int(Int32.max) else { return -1 }
            return zxs_read(base, Int32(image.width), Int32(image.height), Int32(image.width), symbologies, options, max, &out)
        }
        guard count > 0, let symbols = out else { return [] }
        defer { zxs_free(symbols, count) }
        var found: [ZBarScanner.RawSymbol] = []
        for index in 0..<Int(count) {
            let symbol = symbols[index]
            var bytes: [UInt8] = []
            if symbol.length > 0, let data = symbol.bytes {
                bytes = Array(UnsafeBufferPointer(start: data, count: Int(symbol.length)))
            }
            let corners = [(symbol.x.0, symbol.y.0), (symbol.x.1, symbol.y.1), (symbol.x.2, symbol.y.2), (symbol.x.3, symbol.y.3)]
            let points = corners.map {
                (x: min(image.width - 1, Swift.max(0, Int($0.0))), y: min(image.height - 1, Swift.max(0, Int($0.1))))
            }
            var symbology = Symbology(zxing: symbol.symbology)
            switch symbol.symbology {
            case Int32(ZXS_UPCA):
                // As zbar reports UPC-A: the GTIN-13 with a leading 0.
                if bytes.count == 12 { bytes = [UInt8(ascii: "0")] + bytes }
                symbology = .ean13
            case Int32(ZXS_UPCE):
                // As zbar reports UPC-E when only its EAN-13 decoder is on: expanded to the GTIN-13.
                if let expanded = Self.expandUPCE(bytes) { bytes = expanded }
                symbology = .ean13
            case Int32(ZXS_CODE39):
                bytes = Code39.reported(bytes)
            default: break
            }
            // Corners in reading order (top-left, top-right, …): the top edge runs along the reading direction.
            let along = (x: Double(symbol.x.1 - symbol.x.0), y: Double(symbol.y.1 - symbol.y.0))
            let length = (along.x * along.x + along.y * along.y).squareRoot()
            let direction = length > 0 ? (x: along.x / length, y: along.y / length) : (x: 0.0, y: 0.0)
            found.append(
                ZBarScanner.RawSymbol(bytes: bytes, symbology: symbology, points: points, quality: 1, direction: direction))
        }
        return found
    }

    /// UPC-E (8 digits: number system, 6 digits, check) to its GTIN-13 (0 + the UPC-A expansion).
    static func expandUPCE(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count == 8, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let e = bytes.map { Character(UnicodeScalar($0)) }
        let d = Array(e[1..<7])
        let body: [Character]
        switch d[5] {
        case "0", "1", "2": body = [d[0], d[1], d[5], "0", "0", "0", "0", d[2], d[3], d[4]]
        case "3": body = [d[0], d[1], d[2], "0", "0", "0", "0", "0", d[3], d[4]]
        case "4": body = [d[0], d[1], d[2], d[3], "0", "0", "0", "0", "0", d[4]]
        default: body = [d[0], d[1], d[2], d[3], d[4], "0", "0", "0", "0", d[5]]
        }
        return Array(String(["0", e[0]] + body + [e[7]]).utf8)
    }
}

extension Symbology {
    init(zxing flag: Int32) {
        switch flag {
        case Int32(ZXS_CODE128): self = .code128
        case Int32(ZXS_QRCODE): self = .qrCode
        case Int32(ZXS_EAN13): self = .ean13
        case Int32(ZXS_EAN8): self = .ean8
        case Int32(ZXS_UPCA): self = .upcA
        case Int32(ZXS_UPCE): self = .upcE
        case Int32(ZXS_ITF): self = .itf
        case Int32(ZXS_CODE39): self = .code39
        case Int32(ZXS_DATAMATRIX): self = .dataMatrix
        case Int32(ZXS_PDF417): self = .pdf417
        default: self = .other
        }
    }
}
