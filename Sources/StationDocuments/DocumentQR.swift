internal import CPNG
internal import CQREncode
internal import CZlib
import Crypto
public import Foundation
import ReportRendering

/// A document (a signed manifest or receipt as JSON, up to a few hundred KB) carried on paper as QR codes, for
/// stations without a shared link or USB stick: printed as a sheet, scanned back in any order.
///
/// The scheme, `PSDOC1`: the document's UTF-8 bytes are deflated (zlib format, RFC 1950), the result cut into `n`
/// pieces of nearly equal size, and each piece carried by one QR code (byte mode, error correction M) as
///
///     PSDOC1:<id>:<i>/<n>:<base64 of piece i>
///
/// where `<id>` is the first 12 lower-case hex digits of the SHA-256 of the document's UTF-8 bytes (it tells the
/// pieces of one document from another's, and checks the text put back together) and `i` runs from 1 to `n`.
/// Deflate divides a manifest's size by about 4, so a 2,000-line manifest fits on a few pages instead of dozens.
public enum DocumentQR {
    public static let scheme = "PSDOC1"

    /// Why pieces do not give back a document.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case noPieces
        /// A piece that is not `PSDOC1:…` or whose parts do not read (the piece, shortened, and why).
        case malformed(piece: String, why: String)
        /// Pieces of more than one document: each document's id and how many of its pieces were given.
        case mixedDocuments([String: Int])
        /// Piece numbers (from 1) not among those given, of `count`.
        case missing([Int], count: Int)
        /// The pieces put together do not inflate to UTF-8 text.
        case undecodable(String)
        /// The text put together is not the document the pieces name.
        case digestMismatch(expected: String, found: String)

        public var description: String {
            switch self {
            case .noPieces: return "no PSDOC1 pieces were given"
            case .malformed(let piece, let why): return "not a readable document piece (\(why)): \(piece)"
            case .mixedDocuments(let counts):
                let listed = counts.keys.sorted().map { "\($0) (\(counts[$0]!) pieces)" }.joined(separator: ", ")
                return "pieces of \(counts.count) different documents are mixed: \(listed); scan one document's sheet at a time"
            case .missing(let numbers, let count):
                let shown = numbers.prefix(40).map(String.init).joined(separator: ", ") + (numbers.count > 40 ? ", …" : "")
                return numbers.count == 1
                    ? "piece \(shown) of \(count) missing: a code or page was not scanned"
                    : "pieces \(shown) of \(count) missing (\(numbers.count) in all): a page was not scanned"
            case .undecodable(let why): return "the pieces do not make a document: \(why)"
            case .digestMismatch(let expected, let found):
                return "the text put together has digest \(found)…, the pieces name \(expected)…: a piece was misread or altered"
            }
        }
    }

    /// The first 12 hex digits of the SHA-256 of `text`'s UTF-8 bytes: a document's id in its pieces.
    public static func id(of text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    /// The pieces carrying `document`, in order, each at most `maxBytes` characters (at least 64). 1,200 fits a
    /// version-29 QR code at level M (133 modules), which prints at 6 a page with half-millimetre modules.
    public static func payloads(for document: String, maxBytes: Int = 1200) -> [String] {
        let packed = deflate(Array(document.utf8))
        let id = id(of: document)
        let limit = max(64, maxBytes)
        // The header is `PSDOC1:` + id + `:` + `i/n` + `:`; its length depends on the digits of n.
        var count = 1
        while true {
            let header = scheme.count + 1 + id.count + 1 + 2 * String(count).count + 1 + 1
            let perPiece = (limit - header) / 4 * 3
            let needed = max(1, (packed.count + perPiece - 1) / perPiece)
            if needed <= count { break }
            count = needed
        }
        let size = (packed.count + count - 1) / count
        return (0..<count).map { index in
            let start = min(packed.count, index * size)
            let piece = Data(packed[start..<min(packed.count, start + size)])
            return "\(scheme):\(id):\(index + 1)/\(count):\(piece.base64EncodedString())"
        }
    }

    /// The document the pieces carry. Pieces may come in any order, and twice; surrounding whitespace is ignored.
    public static func reassemble(_ payloads: [String]) throws -> String {
        struct Piece {
            var id: String
            var index: Int
            var count: Int
            var bytes: Data
        }
        var pieces: [Piece] = []
        for raw in payloads {
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            let shown = text.count > 48 ? String(text.prefix(48)) + "…" : text
            let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == scheme else {
                throw Failure.malformed(piece: shown, why: "it does not start with \(scheme):")
            }
            let id = String(parts[1])
            guard id.count == 12, id.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw Failure.malformed(piece: shown, why: "its document id is not 12 hex digits")
            }
            let numbers = parts[2].split(separator: "/", omittingEmptySubsequences: false)
            guard numbers.count == 2, let index = Int(numbers[0]), let count = Int(numbers[1]), count >= 1, count <= 100_000,
                (1...count).contains(index)
            else { throw Failure.malformed(piece: shown, why: "its number is not i/n with 1 ≤ i ≤ n") }
            guard let bytes = Data(base64Encoded: String(parts[3])), !bytes.isEmpty else {
                throw Failure.malformed(piece: shown, why: "its content is not base64")
            }
            pieces.append(Piece(id: id, index: index, count: count, bytes: bytes))
        }
        guard let first = pieces.first else { throw Failure.noPieces }
        let ids = Dictionary(grouping: pieces, by: \.id)
        guard ids.count == 1 else { throw Failure.mixedDocuments(ids.mapValues { Set($0.map(\.index)).count }) }
        let count = first.count
        var byIndex: [Int: Data] = [:]
        for piece in pieces {
            guard piece.count == count else {
                throw Failure.malformed(
                    piece: "\(scheme):\(piece.id):\(piece.index)/\(piece.count):…", why: "other pieces of it say there are \(count)")
            }
            if let earlier = byIndex[piece.index], earlier != piece.bytes {
                throw Failure.malformed(
                    piece: "\(scheme):\(piece.id):\(piece.index)/\(count):…", why: "piece \(piece.index) was read twice, differently")
            }
            byIndex[piece.index] = piece.bytes
        }
        let missing = (1...count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else { throw Failure.missing(missing, count: count) }
        var packed: [UInt8] = []
        for index in 1...count { packed += byIndex[index]! }
        let bytes = try inflate(packed)
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw Failure.undecodable("the text is not UTF-8") }
        let found = id(of: text)
        guard found == first.id else { throw Failure.digestMismatch(expected: first.id, found: found) }
        return text
    }

    // MARK: Printing

    /// A printable A4 page (several pages when the document needs more codes): `codesPerPage` codes a page, each
    /// numbered `i / n` under it, and the document's id. Self-contained: inline SVG and CSS, no script.
    public static func sheetHTML(title: String, subtitle: String, document: String, codesPerPage: Int = 6) -> String {
        let pieces = payloads(for: document)
        let perPage = max(1, codesPerPage)
        let pages = stride(from: 0, to: pieces.count, by: perPage).map { Array(pieces.indices[$0..<min(pieces.count, $0 + perPage)]) }
        let id = id(of: document)
        let escapedTitle = HTMLRenderer.escape(title)
        var html = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(escapedTitle)</title>
            <style>
            @page { size: A4; margin: 8mm; }
            body { font-family: "Noto Sans CJK SC", sans-serif; margin: 0; color: #000; }
            .page { page-break-after: always; break-after: page; }
            .page:last-child { page-break-after: auto; break-after: auto; }
            header { font-size: 10pt; margin-bottom: 2mm; }
            header h1 { font-size: 13pt; margin: 0 0 1mm 0; }
            .codes { display: grid; grid-template-columns: 1fr 1fr; gap: 2mm 6mm; }
            figure { margin: 0; text-align: center; break-inside: avoid; }
            figure svg { width: 78mm; height: 78mm; }
            figcaption { font-size: 12pt; font-weight: bold; }
            figcaption small { font-weight: normal; font-size: 8pt; }
            </style></head><body>

            """
        for (pageIndex, page) in pages.enumerated() {
            html += """
                <section class="page"><header><h1>\(escapedTitle)</h1>\(HTMLRenderer.escape(subtitle))<br>\
                文件 \(id) · 第 \(pageIndex + 1) / \(pages.count) 页 · 共 \(pieces.count) 个码，任意顺序扫描全部码 \
                (page \(pageIndex + 1) of \(pages.count); scan all \(pieces.count) codes, in any order)</header>
                <div class="codes">

                """
            for index in page {
                let caption = "<figcaption>\(index + 1) / \(pieces.count) <small>\(id)</small></figcaption>"
                if let matrix = QRMatrix(pieces[index]) {
                    html += "<figure>\(matrix.svg(label: "\(index + 1) / \(pieces.count)"))\(caption)</figure>\n"
                } else {
                    html += "<figure><p>码 \(index + 1) 太大，无法生成 (piece too large for a QR code)</p>\(caption)</figure>\n"
                }
            }
            html += "</div></section>\n"
        }
        html += "</body></html>\n"
        return html
    }

    /// Why page images cannot be made.
    public enum RenderFailure: Error, CustomStringConvertible {
        case pieceTooLarge(Int)
        case png(String)

        public var description: String {
            switch self {
            case .pieceTooLarge(let index): return "piece \(index) does not fit a QR code"
            case .png(let why): return "cannot write the page image: \(why)"
            }
        }
    }

    /// The sheet as PNG images, one a page: A4 at 200 dpi (1654 × 2339, grey), two codes across, each scaled to
    /// whole pixels a module (4 px for a full 1,200-byte piece, 0.5 mm printed) with its `i / n` drawn under it.
    public static func pngPages(document: String, codesPerPage: Int = 6) throws -> [Data] {
        let pieces = payloads(for: document)
        let perPage = max(1, codesPerPage)
        let columns = perPage == 1 ? 1 : 2
        let rows = (perPage + columns - 1) / columns
        let width = 1654
        let height = 2339
        let margin = 60
        let captionHeight = 60
        let cellWidth = (width - 2 * margin) / columns
        let cellHeight = (height - 2 * margin) / rows
        var pages: [Data] = []
        for pageStart in stride(from: 0, to: pieces.count, by: perPage) {
            var canvas = Canvas(width: width, height: height)
            for index in pageStart..<min(pieces.count, pageStart + perPage) {
                guard let matrix = QRMatrix(pieces[index]) else { throw RenderFailure.pieceTooLarge(index + 1) }
                let slot = index - pageStart
                let left = margin + (slot % columns) * cellWidth
                let top = margin + (slot / columns) * cellHeight
                let side = matrix.width + 2 * QRMatrix.quietZone
                let module = max(1, min(cellWidth, cellHeight - captionHeight) / side)
                let codeLeft = left + (cellWidth - side * module) / 2
                for y in 0..<matrix.width {
                    for x in 0..<matrix.width where matrix.isDark(x: x, y: y) {
                        canvas.fill(
                            x: codeLeft + (x + QRMatrix.quietZone) * module, y: top + (y + QRMatrix.quietZone) * module, width: module,
                            height: module)
                    }
                }
                let caption = "\(index + 1)/\(pieces.count)"
                let scale = 5
                let captionWidth = Digits.width(of: caption) * scale
                Digits.draw(caption, on: &canvas, x: left + (cellWidth - captionWidth) / 2, y: top + side * module + 4, scale: scale)
            }
            pages.append(try canvas.png())
        }
        return pages
    }

    // MARK: zlib

    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &size, source.baseAddress, uLong(source.count), Z_BEST_COMPRESSION)
            }
        }
        // compressBound is enough by definition; only running out of memory could fail here.
        precondition(status == Z_OK, "zlib compress2 failed: \(status)")
        return Array(out.prefix(Int(size)))
    }

    /// The largest document inflated (a hostile sheet cannot make us allocate more).
    static let maximumInflated = 16 << 20

    static func inflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure.undecodable("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var input = bytes
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            var status = Z_OK
            while status == Z_OK {
                status = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                output += chunk.prefix(chunk.count - Int(stream.avail_out))
                if output.count > maximumInflated { return Z_MEM_ERROR }
                if status == Z_OK, stream.avail_in == 0, stream.avail_out != 0 { return Z_BUF_ERROR }
            }
            return status
        }
        switch status {
        case Z_STREAM_END:
            guard stream.avail_in == 0 else { throw Failure.undecodable("bytes follow the end of the compressed document") }
            return output
        case Z_MEM_ERROR: throw Failure.undecodable("it inflates to more than \(maximumInflated >> 20) MB")
        case Z_BUF_ERROR: throw Failure.undecodable("the compressed document ends early")
        default: throw Failure.undecodable("the compressed document is corrupt")
        }
    }
}

/// One QR code's modules (libqrencode, byte mode, level M, the smallest version that holds the text).
struct QRMatrix {
    static let quietZone = 4
    let width: Int
    private let modules: [Bool]

    init?(_ text: String) {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { return nil }
        defer { QRcode_free(code) }
        width = Int(code.pointee.width)
        modules = (0..<width * width).map { code.pointee.data[$0] & 1 == 1 }
    }

    func isDark(x: Int, y: Int) -> Bool { modules[y * width + x] }

    /// Inline SVG, one path of one-module-high runs of dark modules (presentation attributes only, no `style`).
    func svg(label: String) -> String {
        var path = ""
        for y in 0..<width {
            var x = 0
            while x < width {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                var run = 1
                while x + run < width, isDark(x: x + run, y: y) { run += 1 }
                path += "M\(x + Self.quietZone) \(y + Self.quietZone)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let size = width + 2 * Self.quietZone
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" role="img" aria-label="\(label)" \
            shape-rendering="crispEdges"><rect width="\(size)" height="\(size)" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }
}

/// A white grey-scale page to draw black rectangles on, written as PNG by libpng.
struct Canvas {
    let width: Int
    let height: Int
    var pixels: [UInt8]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 255, count: width * height)
    }

    mutating func fill(x: Int, y: Int, width fillWidth: Int, height fillHeight: Int) {
        for row in max(0, y)..<min(height, y + fillHeight) {
            let start = row * width
            for column in max(0, x)..<min(width, x + fillWidth) { pixels[start + column] = 0 }
        }
    }

    func png() throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_GRAY)
        var size = 0
        // First call: the size needed.
        guard pixels.withUnsafeBytes({ png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }) != 0 else {
            throw DocumentQR.RenderFailure.png(Self.message(image))
        }
        var out = Data(count: size)
        let written = out.withUnsafeMutableBytes { target in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, target.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard written != 0 else { throw DocumentQR.RenderFailure.png(Self.message(image)) }
        png_image_free(&image)
        return out.prefix(size)
    }

    static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// A 5 × 7 pixel font for the piece numbers drawn on page images: digits and `/`.
enum Digits {
    static let glyphs: [Character: [String]] = [
        "0": ["01110", "10001", "10011", "10101", "11001", "10001", "01110"],
        "1": ["00100", "01100", "00100", "00100", "00100", "00100", "01110"],
        "2": ["01110", "10001", "00001", "00010", "00100", "01000", "11111"],
        "3": ["11111", "00010", "00100", "00010", "00001", "10001", "01110"],
        "4": ["00010", "00110", "01010", "10010", "11111", "00010", "00010"],
        "5": ["11111", "10000", "11110", "00001", "00001", "10001", "01110"],
        "6": ["00110", "01000", "10000", "11110", "10001", "10001", "01110"],
        "7": ["11111", "00001", "00010", "00100", "01000", "01000", "01000"],
        "8": ["01110", "10001", "10001", "01110", "10001", "10001", "01110"],
        "9": ["01110", "10001", "10001", "01111", "00001", "00010", "01100"],
        "/": ["00001", "00010", "00010", "00100", "01000", "01000", "10000"],
    ]

    /// Width in font pixels: 5 a glyph and 1 between.
    static func width(of text: String) -> Int { max(0, text.count * 6 - 1) }

    static func draw(_ text: String, on canvas: inout Canvas, x: Int, y: Int, scale: Int) {
        for (offset, character) in text.enumerated() {
            guard let rows = glyphs[character] else { continue }
            for (row, bits) in rows.enumerated() {
                for (column, bit) in bits.enumerated() where bit == "1" {
                    canvas.fill(x: x + (offset * 6 + column) * scale, y: y + row * scale, width: scale, height: scale)
                }
            }
        }
    }
}
