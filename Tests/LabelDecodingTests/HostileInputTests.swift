import Foundation
import LabelDecoding
import ParcelDomain
import StationTestSupport
import Testing

/// Files a station could be sent by mistake or by malice: each gives its typed error, none crashes.
@Suite("Hostile input", .cpuBound)
struct HostileInputTests {
    // The test limits: what is checked is the outcome, not the time (the budget's own tests are `timeout` below and
    // BoundedDecodeTests); under the standard 3 s a debug build on a loaded machine ran out of time on the noise.
    let decoder = LabelDecoder(limits: Fixture.limits)

    func fixtureBytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixture.path(name))))
    }

    func error(_ bytes: [UInt8], decoder: LabelDecoder? = nil) -> ImageRejection? {
        do {
            _ = try (decoder ?? self.decoder).decode(bytes: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("a zero-byte file")
    func zeroBytes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString).jpg").path
        FileManager.default.createFile(atPath: path, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ImageRejection.empty) { try decoder.decode(path: path) }
        #expect(error([]) == .empty)
    }

    @Test("a missing file and a directory")
    func unreadable() {
        #expect(error(path: "/nonexistent/label.jpg")?.code == "image.unreadable")
        #expect(error(path: FileManager.default.temporaryDirectory.path)?.code == "image.unreadable")
    }

    func error(path: String) -> ImageRejection? {
        do {
            _ = try decoder.decode(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test("a JPEG cut in half", arguments: [0.5, 0.1])
    func truncatedJPEG(_ fraction: Double) throws {
        let bytes = try fixtureBytes("labels/label_0033.jpg")
        #expect(error(Array(bytes.prefix(Int(Double(bytes.count) * fraction)))) == .truncated(format: .jpeg))
    }

    @Test("a PNG cut in half")
    func truncatedPNG() throws {
        let bytes = try fixtureBytes("labels/label_0033.png")
        #expect(error(Array(bytes.prefix(bytes.count / 2))) == .truncated(format: .png))
    }

    @Test("a WebP cut in half")
    func truncatedWebP() throws {
        let bytes = try fixtureBytes("blackbox/qrcode-1-cpp-8.webp")
        #expect(error(Array(bytes.prefix(bytes.count / 2))) == .truncated(format: .webp))
    }

    @Test("a JPEG whose header is overwritten with noise")
    func corruptJPEG() throws {
        var bytes = try fixtureBytes("labels/label_0033.jpg")
        for index in 4..<600 { bytes[index] = UInt8(truncatingIfNeeded: index &* 37) }
        let refused = try #require(error(bytes))
        #expect(refused.code == "image.corrupt")
        Self.expectLibraryTextOnlyInDetail(refused, message: "the JPEG data is corrupt (not a valid JPEG image)")
    }

    /// What a client is told says what is wrong in words; the library's own text is kept for the log only.
    static func expectLibraryTextOnlyInDetail(
        _ refused: ImageRejection, message: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(refused.message == message, sourceLocation: sourceLocation)
        #expect("\(refused)" == message, sourceLocation: sourceLocation)
        let detail = refused.detail ?? ""
        #expect(!detail.isEmpty, sourceLocation: sourceLocation)
        #expect(!"\(refused)".contains(detail), sourceLocation: sourceLocation)
    }

    @Test("a PNG whose image data is overwritten")
    func corruptPNG() throws {
        var bytes = try fixtureBytes("labels/label_0033.png")
        for index in 200..<2000 { bytes[index] = 0x5A }
        let refused = try #require(error(bytes))
        #expect(refused.code == "image.corrupt")
        Self.expectLibraryTextOnlyInDetail(refused, message: "the PNG data is corrupt (not a valid PNG image)")
    }

    @Test("random bytes and a text file are not images")
    func unsupported() {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<4096).map { _ in UInt8.random(in: 1...255, using: &generator) }
        #expect(error([0x00] + random) == .unsupportedFormat)
        #expect(error(Array("GIF89a not supported".utf8)) == .unsupportedFormat)
    }

    /// A PNG signature and an IHDR chunk announcing `width`×`height`, with nothing behind it.
    static func pngHeader(width: UInt32, height: UInt32) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be(13) + Array("IHDR".utf8) + be(width) + be(height)
            + [8, 0, 0, 0, 0] + [0, 0, 0, 0]
    }

    @Test("a PNG header claiming 100000×100000 pixels is refused before decoding")
    func pngBomb() {
        #expect(
            error(Self.pngHeader(width: 100_000, height: 100_000)) == .tooManyPixels(width: 100_000, height: 100_000, limit: 50_000_000))
        #expect(error(Self.pngHeader(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF))?.code == "image.tooManyPixels")
    }

    @Test("a JPEG header claiming 60000×60000 pixels is refused before decoding")
    func jpegBomb() throws {
        var bytes = try fixtureBytes("labels/label_0033.jpg")
        // Patch the SOF0/SOF2 frame header's height and width (big-endian, 3 and 5 bytes after the length).
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { break }
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if marker == 0xC0 || marker == 0xC2 {
                bytes[index + 5] = 0xEA
                bytes[index + 6] = 0x60
                bytes[index + 7] = 0xEA
                bytes[index + 8] = 0x60
                break
            }
            index += 2 + length
        }
        #expect(error(bytes) == .tooManyPixels(width: 60_000, height: 60_000, limit: 50_000_000))
    }

    @Test("a payload over the size limit is refused before it is looked at")
    func tooLarge() throws {
        let small = LabelDecoder(limits: DecodeLimits(maxFileBytes: 1 << 20))
        let huge = [UInt8](repeating: 0xFF, count: (1 << 20) + 1)
        #expect(error(huge, decoder: small) == .tooLarge(bytes: (1 << 20) + 1, limit: 1 << 20))
        let bytes = try fixtureBytes("labels/label_0111.jpg")
        let tiny = LabelDecoder(limits: DecodeLimits(maxFileBytes: 100_000))
        #expect(throws: ImageRejection.tooLarge(bytes: bytes.count, limit: 100_000)) {
            try tiny.decode(path: Fixture.path("labels/label_0111.jpg"))
        }
    }

    @Test("a PGM header with a short body")
    func truncatedPGM() {
        #expect(error(Array("P5\n640 480\n255\n".utf8) + [UInt8](repeating: 7, count: 1000)) == .truncated(format: .pgm))
        #expect(error(Array("P5\n-1 x\n".utf8))?.code == "image.corrupt")
    }

    @Test("noise, stripes and a checkerboard go through the ZXing pass without a crash or a false read")
    func zxingOnNoise() throws {
        // Grey PGMs built in memory: zbar reads nothing in them, so the cascade reaches the ZXing pass.
        func pgm(_ width: Int, _ height: Int, _ pixel: (Int, Int) -> UInt8) -> [UInt8] {
            var bytes = Array("P5\n\(width) \(height)\n255\n".utf8)
            for y in 0..<height { for x in 0..<width { bytes.append(pixel(x, y)) } }
            return bytes
        }
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<(400 * 300)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let images = [
            pgm(400, 300) { x, y in noise[y * 400 + x] },
            pgm(400, 300) { x, _ in (x / 3) % 2 == 0 ? 0 : 255 },  // bars of one width: no valid code
            pgm(256, 256) { x, y in ((x / 4) + (y / 4)) % 2 == 0 ? 0 : 255 },  // a checkerboard, finder-like everywhere
            pgm(1, 1) { _, _ in 0 }, pgm(69, 1) { x, _ in x % 2 == 0 ? 0 : 255 }, pgm(1, 90) { _, y in y % 7 == 0 ? 0 : 255 },
        ]
        for bytes in images {
            let result = try decoder.decode(bytes: bytes)
            #expect(result.passLog.contains { $0.pass == .zxing })
            #expect(!result.symbols.contains { $0.pass == .zxing && $0.symbology != .itf })
            #expect(result.waybill == nil)
        }
        // Scan lines thousands of pixels long are not photos: refused from the header (fault 7).
        #expect(error(pgm(3000, 1) { x, _ in x % 2 == 0 ? 0 : 255 })?.code == "image.badGeometry")
        #expect(error(pgm(1, 2000) { _, y in y % 7 == 0 ? 0 : 255 })?.code == "image.badGeometry")
    }

    @Test("the time budget stops the cascade and is reported when nothing was found")
    func timeout() {
        let hurried = LabelDecoder(limits: DecodeLimits(timeBudget: .zero))
        #expect(throws: ImageRejection.timeout(milliseconds: 0)) {
            try hurried.decode(path: Fixture.path("blackbox/falsepositives-1-cpp-21.webp"))
        }
    }

    @Test("many threads decode at once with one shared decoder")
    func concurrent() async throws {
        let pool = LabelDecodingPool(decoder: LabelDecoder(limits: Fixture.limits), maxConcurrent: 4)
        let names = ["label_0033.jpg", "label_0075.jpg", "label_0207.jpg", "label_0033.png"]
        let expected = ["YT0629322539683", "RQ025057258CN", "JT3913308560800", "YT0629322539683"]
        try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for round in 0..<3 {
                for (index, name) in names.enumerated() {
                    group.addTask { (index, try await pool.decode(path: Fixture.path("labels/" + name)).waybill?.number) }
                }
                _ = round
            }
            for try await (index, number) in group { #expect(number == expected[index]) }
        }
    }
}
