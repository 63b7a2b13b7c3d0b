internal import CZBar
import Foundation

/// One zbar image scanner, configured for the symbologies parcel labels and goods use. zbar scanners are not
/// thread-safe, so each decode makes its own (creating one costs microseconds).
final class ZBarScanner {
    private let scanner: OpaquePointer

    /// Symbologies enabled: labels carry Code 128 and QR; goods in parcels carry EAN/UPC; ITF and Code 39
    /// appear on older waybills and cartons. UPC-A and UPC-E are left to the EAN-13 decoder, which reports them as GTIN-13.
    /// Every other decoder is off: each enabled one costs CPU on every scan line and adds false reads.
    static let enabled: [zbar_symbol_type_t] = [ZBAR_CODE128, ZBAR_QRCODE, ZBAR_EAN13, ZBAR_EAN8, ZBAR_I25, ZBAR_CODE39]

    init() {
        scanner = zbar_image_scanner_create()
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        for symbology in Self.enabled {
            zbar_image_scanner_set_config(scanner, symbology, ZBAR_CFG_ENABLE, 1)
        }
        // Raw QR bytes: label printers write UTF-8 without an ECI, which zbar would otherwise guess at (often as
        // Shift-JIS). We decode the bytes ourselves.
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)
    }

    deinit { zbar_image_scanner_destroy(scanner) }

    /// A symbol as zbar reports it, in the scanned image's coordinates.
    struct RawSymbol {
        var bytes: [UInt8]
        var symbology: Symbology
        var points: [(x: Int, y: Int)]
        var quality: Int
        /// The direction the symbol reads in (start to stop), a unit vector in the scanned image; (0, 0) unknown.
        var direction: (x: Double, y: Double) = (0, 0)
    }

    /// Scans every `density`-th row and column. A label's 1D codes are hundreds of rows tall on a large
    /// frame, so thinning the scan lines there costs no reads and divides zbar's time.
    func scan(_ image: GreyImage, density: Int = 1) -> [RawSymbol] {
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, Int32(density))
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, Int32(density))
        guard let zimage = zbar_image_create() else { return [] }
        defer { zbar_image_destroy(zimage) }
        zbar_image_set_format(zimage, 0x3030_3859)  // fourcc "Y800": 8-bit grey
        zbar_image_set_size(zimage, UInt32(image.width), UInt32(image.height))
        var found: [RawSymbol] = []
        image.pixels.withUnsafeBufferPointer { buffer in
            // zbar only reads the buffer during zbar_scan_image; no cleanup handler, we own the memory.
            zbar_image_set_data(zimage, buffer.baseAddress, UInt(buffer.count), nil)
            guard zbar_scan_image(scanner, zimage) > 0 else { return }
            var symbol = zbar_image_first_symbol(zimage)
            while let current = symbol {
                let length = Int(zbar_symbol_get_data_length(current))
                var bytes: [UInt8] = []
                if length > 0, let data = zbar_symbol_get_data(current) {
                    bytes = data.withMemoryRebound(to: UInt8.self, capacity: length) {
                        Array(UnsafeBufferPointer(start: $0, count: length))
                    }
                }
                let pointCount = Int(zbar_symbol_get_loc_size(current))
                var points: [(x: Int, y: Int)] = []
                points.reserveCapacity(pointCount)
                for index in 0..<pointCount {
                    points.append(
                        (Int(zbar_symbol_get_loc_x(current, UInt32(index))), Int(zbar_symbol_get_loc_y(current, UInt32(index)))))
                }
                let symbology = Symbology(zbar: zbar_symbol_get_type(current))
                if symbology == .code39 { bytes = Code39.reported(bytes) }
                // zbar's coarse orientation: upright reads left to right, "right" top to bottom (image y down).
                let direction: (x: Double, y: Double) =
                    switch zbar_symbol_get_orientation(current) {
                    case ZBAR_ORIENT_UP: (1, 0)
                    case ZBAR_ORIENT_RIGHT: (0, 1)
                    case ZBAR_ORIENT_DOWN: (-1, 0)
                    case ZBAR_ORIENT_LEFT: (0, -1)
                    default: (0, 0)
                    }
                found.append(
                    RawSymbol(
                        bytes: bytes, symbology: symbology, points: points, quality: Int(zbar_symbol_get_quality(current)),
                        direction: direction))
                symbol = zbar_symbol_next(current)
            }
            // Detach the buffer before it goes out of scope.
            zbar_image_set_data(zimage, nil, 0, nil)
        }
        return found
    }
}

extension Symbology {
    init(zbar type: zbar_symbol_type_t) {
        switch type {
        case ZBAR_CODE128: self = .code128
        case ZBAR_QRCODE: self = .qrCode
        case ZBAR_EAN13: self = .ean13
        case ZBAR_EAN8: self = .ean8
        case ZBAR_UPCA: self = .upcA
        case ZBAR_UPCE: self = .upcE
        case ZBAR_I25: self = .itf
        case ZBAR_CODE39: self = .code39
        default: self = .other
        }
    }
}
