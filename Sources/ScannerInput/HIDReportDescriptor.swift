/// The parts of a HID report descriptor the scanner code needs: which usage pages it names and where each input
/// field sits. Short items only (long items are skipped), as every scanner uses.
public struct HIDReportDescriptor: Sendable, Equatable {
    /// One Input main item.
    public struct Field: Sendable, Equatable {
        public var reportID: UInt8?
        /// Offset in bits from the start of the report data (after the report ID byte).
        public var bitOffset: Int
        public var bitSize: Int
        public var count: Int
        /// Full usages (page << 16 | id), one per element for a variable field (the last repeats).
        public var usages: [UInt32]
        public var isConstant: Bool
        public var isVariable: Bool

        /// The usage of element `index`.
        public func usage(ofElement index: Int) -> UInt32? {
            guard !usages.isEmpty, isVariable else { return nil }
            return usages[min(index, usages.count - 1)]
        }
    }

    public var inputFields: [Field] = []
    /// Every usage page named (by Usage Page items or by 32-bit usages).
    public var usagePages: Set<UInt16> = []

    public init(bytes: [UInt8]) throws {
        var usagePage: UInt16 = 0
        var reportSize = 0
        var reportCount = 0
        var reportID: UInt8? = nil
        var stack: [(UInt16, Int, Int, UInt8?)] = []
        var usages: [UInt32] = []
        var usageMinimum: UInt32? = nil
        var offsets: [UInt8: Int] = [:]  // next input bit per report ID (0 = none)
        var index = 0
        func full(_ value: UInt32, size: Int) -> UInt32 { size == 4 ? value : UInt32(usagePage) << 16 | value }
        while index < bytes.count {
            let prefix = bytes[index]
            if prefix == 0xFE {  // long item: size, tag, data
                guard index + 1 < bytes.count else { throw HIDDescriptorError.truncated(at: index) }
                index += 3 + Int(bytes[index + 1])
                continue
            }
            let size = [0, 1, 2, 4][Int(prefix & 0x03)]
            guard index + size < bytes.count else { throw HIDDescriptorError.truncated(at: index) }
            var value: UInt32 = 0
            for byte in 0..<size { value |= UInt32(bytes[index + 1 + byte]) << (8 * byte) }
            index += 1 + size
            switch (prefix >> 2) & 0x03 {
            case 0:  // main
                let tag = prefix >> 4
                if tag == 0x8 {  // Input
                    let key = reportID ?? 0
                    let offset = offsets[key] ?? 0
                    var fieldUsages = usages
                    if fieldUsages.isEmpty, let usageMinimum { fieldUsages = [usageMinimum] }
                    inputFields.append(
                        Field(
                            reportID: reportID, bitOffset: offset, bitSize: reportSize, count: reportCount, usages: fieldUsages,
                            isConstant: value & 0x01 != 0, isVariable: value & 0x02 != 0))
                    offsets[key] = offset + reportSize * reportCount
                }
                usages = []
                usageMinimum = nil
            case 1:  // global
                switch prefix >> 4 {
                case 0x0:
                    usagePage = UInt16(truncatingIfNeeded: value)
                    usagePages.insert(usagePage)
                case 0x7: reportSize = Int(value)
                case 0x8: reportID = UInt8(truncatingIfNeeded: value)
                case 0x9: reportCount = Int(value)
                case 0xA: stack.append((usagePage, reportSize, reportCount, reportID))
                case 0xB:
                    if let top = stack.popLast() { (usagePage, reportSize, reportCount, reportID) = top }
                default: break
                }
            case 2:  // local
                switch prefix >> 4 {
                case 0x0:
                    let usage = full(value, size: size)
                    usages.append(usage)
                    usagePages.insert(UInt16(usage >> 16))
                case 0x1: usageMinimum = full(value, size: size)
                case 0x2:
                    let maximum = full(value, size: size)
                    if let minimum = usageMinimum, maximum >= minimum, maximum - minimum < 1024 {
                        usages += Array(minimum...maximum)
                    }
                default: break
                }
            default: break
            }
        }
    }
}

public enum HIDDescriptorError: Error, Equatable {
    case truncated(at: Int)
}

/// Where a HID POS (usage page 0x8C) scanner puts a code in its input report.
public struct HIDPOSReportLayout: Sendable, Equatable {
    public var reportID: UInt8?
    /// Bit offsets from the start of the report data (after the report ID byte).
    public var byteCountBit: Int?
    public var symbologyBits: [Int]
    public var dataBit: Int
    /// Bytes of decoded data one report carries.
    public var dataCapacity: Int
    public var continuedBit: Int?

    public init(reportID: UInt8?, byteCountBit: Int?, symbologyBits: [Int], dataBit: Int, dataCapacity: Int, continuedBit: Int?) {
        self.reportID = reportID
        self.byteCountBit = byteCountBit
        self.symbologyBits = symbologyBits
        self.dataBit = dataBit
        self.dataCapacity = dataCapacity
        self.continuedBit = continuedBit
    }

    /// The layout Honeywell scanners use, for when the report descriptor cannot be read: report ID 2, byte count,
    /// 3 bytes AIM identifier, 56 bytes of data, a flags byte whose bit 0 is "continued" (62 bytes).
    public static let honeywell = HIDPOSReportLayout(
        reportID: 2, byteCountBit: 0, symbologyBits: [8, 16, 24], dataBit: 32, dataCapacity: 56, continuedBit: 60 * 8)

    static let page: UInt32 = 0x8C << 16
    static let byteCount: UInt32 = 0x0001_003B

    /// Finds the Decoded Data (0x8C:0xFE) field and its companions in the descriptor's input fields; nil when the
    /// descriptor has no decoded-data field.
    public init?(descriptor: HIDReportDescriptor) {
        var dataField: HIDReportDescriptor.Field?
        var dataIndex = 0
        outer: for field in descriptor.inputFields where !field.isConstant && field.bitSize == 8 {
            for element in 0..<field.count where field.usage(ofElement: element) == Self.page | 0xFE {
                dataField = field
                dataIndex = element
                break outer
            }
        }
        guard let dataField else { return nil }
        var capacity = 0
        while dataIndex + capacity < dataField.count, dataField.usage(ofElement: dataIndex + capacity) == Self.page | 0xFE {
            capacity += 1
        }
        func bit(of usage: UInt32) -> Int? {
            for field in descriptor.inputFields where field.reportID == dataField.reportID && !field.isConstant {
                for element in 0..<field.count where field.usage(ofElement: element) == usage {
                    return field.bitOffset + element * field.bitSize
                }
            }
            return nil
        }
        self.init(
            reportID: dataField.reportID, byteCountBit: bit(of: Self.byteCount),
            symbologyBits: [0xFB, 0xFC, 0xFD].compactMap { bit(of: Self.page | $0) },
            dataBit: dataField.bitOffset + dataIndex * 8, dataCapacity: capacity, continuedBit: bit(of: Self.page | 0xFF))
    }
}

/// Decodes HID POS scanned-data reports into codes, joining codes longer than one report ("decode data
/// continued"). Pure; reports of other IDs (status, trigger) are ignored.
public struct HIDPOSDecoder: Sendable {
    public let layout: HIDPOSReportLayout
    private var buffer: [UInt8] = []
    private var symbology: String?
    private var pending = false
    /// Longest joined code accepted.
    public var maximumLength = 8192

    public init(layout: HIDPOSReportLayout = .honeywell) { self.layout = layout }

    public var partial: [UInt8] { buffer }

    /// Feeds one input report (with its report ID byte when the layout has one); returns a code when one is
    /// complete (possibly a rejected one), nil when the report continues a code or is not a scanned-data report.
    public mutating func feed(_ report: [UInt8]) -> DecodedCode? {
        var data = report[...]
        if let id = layout.reportID {
            guard data.first == id else { return nil }
            data = data.dropFirst()
        }
        let payload = Array(data)
        let needed = (layout.dataBit + 7) / 8 + (layout.byteCountBit == nil ? 1 : 0)
        guard payload.count >= needed else {
            return reject(report, "report of \(report.count) bytes is shorter than the layout needs")
        }
        let start = layout.dataBit / 8
        let available = min(layout.dataCapacity, payload.count - start)
        let count: Int
        if let bit = layout.byteCountBit {
            count = Int(Self.bits(payload, at: bit, width: 8))
            guard count <= available else { return reject(report, "byte count \(count) exceeds the \(available) data bytes") }
        } else {
            // Without a byte count the data ends at the first NUL.
            count = payload[start..<start + available].firstIndex(of: 0).map { $0 - start } ?? available
        }
        if !pending {
            let id = layout.symbologyBits.map { UInt8(Self.bits(payload, at: $0, width: 8)) }.filter { $0 != 0 }
            symbology = id.isEmpty ? nil : String(decoding: id, as: UTF8.self)
        }
        buffer += payload[start..<start + count]
        guard buffer.count <= maximumLength else {
            _ = dropPartial()
            return DecodedCode(bytes: [], completion: .report, rejection: "continued code longer than \(maximumLength) bytes")
        }
        if let bit = layout.continuedBit, bit / 8 < payload.count, Self.bits(payload, at: bit, width: 1) == 1 {
            pending = true
            return nil
        }
        let code = DecodedCode(bytes: buffer, symbology: symbology, completion: .report)
        buffer = []
        symbology = nil
        pending = false
        return code
    }

    /// Discards a code whose continuation never came; returns what it held.
    public mutating func dropPartial() -> [UInt8]? {
        defer {
            buffer = []
            symbology = nil
            pending = false
        }
        return pending ? buffer : nil
    }

    private mutating func reject(_ report: [UInt8], _ reason: String) -> DecodedCode {
        _ = dropPartial()
        return DecodedCode(bytes: report, completion: .report, rejection: reason)
    }

    /// `width` (≤ 8) bits at bit offset `at`, little-endian bit order as HID packs fields.
    static func bits(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt8 {
        var value: UInt16 = 0
        let first = offset / 8
        if first < bytes.count { value = UInt16(bytes[first]) }
        if first + 1 < bytes.count { value |= UInt16(bytes[first + 1]) << 8 }
        return UInt8(truncatingIfNeeded: (value >> UInt16(offset % 8)) & ((1 << UInt16(width)) - 1))
    }
}
