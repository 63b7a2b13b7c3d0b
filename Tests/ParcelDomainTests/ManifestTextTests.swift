import Foundation
import ParcelDomain
import Testing

/// Manifest files as Excel and WPS save them, and what is not one.
struct ManifestTextTests {
    static let csv = "tracking,courier,destination\nSF1234567890123,SF,李家村\n"

    @Test func utf8WithAndWithoutBOM() throws {
        #expect(try ManifestText.decode(Data(Self.csv.utf8)) == (Self.csv, .utf8))
        #expect(try ManifestText.decode(Data([0xEF, 0xBB, 0xBF] + Array(Self.csv.utf8))) == (Self.csv, .utf8BOM))
    }

    @Test func gb18030AsAChineseWindowsSavesCSV() throws {
        // "李家村" in GB18030/GBK: C0EE BCD2 B4E5.
        let bytes = Array("tracking,courier,destination\nSF1234567890123,SF,".utf8) + [0xC0, 0xEE, 0xBC, 0xD2, 0xB4, 0xE5, 0x0A]
        let decoded = try ManifestText.decode(Data(bytes))
        #expect(decoded.encoding == .gb18030)
        #expect(decoded.text == Self.csv)
    }

    @Test func whatIsNotAManifestIsRefusedWithItsReason() {
        #expect(throws: ManifestText.Refusal.empty) { try ManifestText.decode(Data()) }
        #expect(throws: ManifestText.Refusal.binary) { try ManifestText.decode(Data([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00])) }
        #expect(throws: ManifestText.Refusal.utf16) { try ManifestText.decode(Data([0xFF, 0xFE, 0x74, 0x00])) }
        // A lone 0x80 or 0xFF is neither UTF-8 nor GB18030.
        #expect(throws: ManifestText.Refusal.unknownEncoding) { try ManifestText.decode(Data([0x74, 0x80, 0x0A])) }
        #expect(throws: ManifestText.Refusal.unknownEncoding) { try ManifestText.decode(Data([0x74, 0xFF, 0x0A])) }
    }
}
