import Testing

@testable import ScannerInput

/// The report descriptor of the project's fake HID POS scanner (`Tests/Fixtures/usb/fake_usb_scanner.py`).
let posReportDescriptor: [UInt8] = hexBytes(
    "058c0902a10185020912a1020501093b150026ff00750895018102058c09fb09fc09fd9503810209fe953882020109ff250175019501810275078103c0c0")

func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// One Honeywell-layout report: ID 2, count, AIM id, 56 data bytes, flags.
func posReport(_ data: String, symbology: String = "]E0", continued: Bool = false) -> [UInt8] {
    let bytes = Array(data.utf8)
    return [2, UInt8(bytes.count)] + Array(symbology.utf8) + bytes + [UInt8](repeating: 0, count: 56 - bytes.count) + [continued ? 1 : 0]
}

@Suite struct HIDPOSDecoderTests {
    @Test func descriptorWalkFindsTheHoneywellLayout() throws {
        let descriptor = try HIDReportDescriptor(bytes: posReportDescriptor)
        #expect(descriptor.usagePages.contains(0x8C))
        #expect(descriptor.usagePages.contains(0x01))
        let layout = try #require(HIDPOSReportLayout(descriptor: descriptor))
        #expect(layout == .honeywell)
    }

    @Test func bootKeyboardDescriptorHasNoDecodedData() throws {
        let keyboard = try HIDReportDescriptor(
            bytes: hexBytes(
                "05010906a101050719e029e71500250175019508810295017508810195057501050819012905910295017503910195067508150025650507190029658100c0"
            ))
        #expect(keyboard.usagePages == [0x01, 0x07, 0x08])
        #expect(HIDPOSReportLayout(descriptor: keyboard) == nil)
        #expect(keyboard.inputFields.map(\.bitOffset) == [0, 8, 16])
    }

    @Test func truncatedDescriptorThrows() {
        #expect(throws: HIDDescriptorError.self) { try HIDReportDescriptor(bytes: [0x05, 0x8C, 0x26, 0xFF]) }
    }

    @Test func oneReportIsOneCodeWithItsSymbology() {
        var decoder = HIDPOSDecoder()
        let code = decoder.feed(posReport("4006381333931"))
        #expect(code?.text == "4006381333931")
        #expect(code?.symbology == "]E0")
        #expect(code?.rejection == nil)
        #expect(decoder.feed(posReport("https://example.com/qr", symbology: "]Q1"))?.symbology == "]Q1")
    }

    @Test func longCodeContinuesAcrossReports() {
        var decoder = HIDPOSDecoder()
        let text = String(repeating: "0123456789", count: 12)  // 120 bytes: 56 + 56 + 8
        let parts = [text.prefix(56), text.dropFirst(56).prefix(56), text.dropFirst(112)].map(String.init)
        #expect(decoder.feed(posReport(parts[0], symbology: "]Q1", continued: true)) == nil)
        #expect(decoder.partial.count == 56)
        #expect(decoder.feed(posReport(parts[1], symbology: "]Q1", continued: true)) == nil)
        let code = decoder.feed(posReport(parts[2], symbology: "]Q1"))
        #expect(code?.text == text)
        #expect(code?.symbology == "]Q1")
        #expect(decoder.partial.isEmpty)
    }

    @Test func bytesAreKeptExactlyIncludingGroupSeparator() {
        var decoder = HIDPOSDecoder()
        var report = posReport("0100000000000000001\u{1D}10AB", symbology: "]C1")
        report[10] = 0xFF  // not UTF-8: kept as is in the bytes
        let code = decoder.feed(report)
        #expect(code?.bytes.contains(0x1D) == true)
        #expect(code?.bytes[5] == 0xFF)
    }

    @Test func otherReportIDsAreIgnoredAndBadCountsRejected() {
        var decoder = HIDPOSDecoder()
        #expect(decoder.feed([4, 1, 0, 0]) == nil)
        var bad = posReport("123")
        bad[1] = 60
        #expect(decoder.feed(bad)?.rejection?.contains("byte count") == true)
        #expect(decoder.feed([2, 1])?.rejection != nil)
    }

    @Test func unplugDropsTheContinuedPart() {
        var decoder = HIDPOSDecoder()
        _ = decoder.feed(posReport("PART", continued: true))
        #expect(decoder.dropPartial() == Array("PART".utf8))
        #expect(decoder.dropPartial() == nil)
    }

    @Test func layoutWithoutByteCountEndsDataAtNul() {
        var decoder = HIDPOSDecoder(
            layout: HIDPOSReportLayout(
                reportID: 2, byteCountBit: nil, symbologyBits: [0, 8, 16], dataBit: 24, dataCapacity: 60, continuedBit: nil))
        // The illustrative layout of the feasibility study's replay fixture: ID, AIM id, NUL-padded data.
        let report: [UInt8] = [2] + Array("]E04006381333931".utf8) + [UInt8](repeating: 0, count: 47)
        #expect(decoder.feed(report)?.text == "4006381333931")
    }
}
