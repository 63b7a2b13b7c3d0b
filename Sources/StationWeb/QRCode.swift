internal import CQREncode

/// A QR code as inline SVG (libqrencode makes the modules): no image file, no script, prints sharp at any size.
enum QRCode {
    /// The code for `text` at error-correction level M, or nil when it does not fit a QR code.
    static func svg(_ text: String, moduleSize: Int = 4, label: String) -> HTML? {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let quiet = 4
        var path = ""
        for y in 0..<width {
            for x in 0..<width where code.pointee.data[y * width + x] & 1 == 1 {
                path += "M\(x + quiet) \(y + quiet)h1v1h-1z"
            }
        }
        let size = width + 2 * quiet
        let pixels = size * moduleSize
        return HTML(
            """
            <svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" width="\(pixels)" height="\(pixels)" \
            role="img" aria-label="\(label)" shape-rendering="crispEdges"><rect width="\(size)" height="\(size)" fill="#fff"/>\
            <path d="\(path)" fill="#000"/></svg>
            """)
    }
}
