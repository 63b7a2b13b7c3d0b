import Foundation

/// Where a scan came from. Label photos (a later issue) produce the same events with `.photo`.
public enum ScanSource: String, Codable, Sendable, CaseIterable {
    case usbHIDKeyboard, usbHIDPOS, serial, photo
}

/// A point on the monotonic clock (CLOCK_MONOTONIC, nanoseconds): immune to wall-clock changes, comparable
/// within one boot only.
public struct MonotonicInstant: Comparable, Hashable, Codable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func now() -> MonotonicInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicInstant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    public static func milliseconds(_ value: UInt64) -> MonotonicInstant { MonotonicInstant(nanoseconds: value * 1_000_000) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `self + milliseconds`.
    public func adding(milliseconds: Int) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds &+ UInt64(max(0, milliseconds)) * 1_000_000)
    }

    /// Milliseconds from `earlier` to `self` (0 when `earlier` is later).
    public func milliseconds(since earlier: MonotonicInstant) -> Double {
        self > earlier ? Double(nanoseconds - earlier.nanoseconds) / 1_000_000 : 0
    }

    public var description: String { "\(nanoseconds)ns" }

    public init(from decoder: any Decoder) throws { nanoseconds = try decoder.singleValueContainer().decode(UInt64.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(nanoseconds)
    }
}

/// Who scanned: enough to tell scanners apart and to recognise one when it comes back.
public struct ScannerIdentity: Hashable, Codable, Sendable, CustomStringConvertible {
    public var source: ScanSource
    public var vendorID: UInt16?
    public var productID: UInt16?
    /// The USB iSerialNumber string, when the scanner has one.
    public var serialNumber: String?
    /// USB port path such as `1-1.2` (bus-port.port…); for a serial scanner without USB data, its tty path.
    public var portPath: String?
    /// The device node in use (`/dev/bus/usb/001/002`, `/dev/ttyACM0`); changes on every plug, not part of the key.
    public var deviceNode: String?

    public init(
        source: ScanSource, vendorID: UInt16? = nil, productID: UInt16? = nil, serialNumber: String? = nil, portPath: String? = nil,
        deviceNode: String? = nil
    ) {
        self.source = source
        self.vendorID = vendorID
        self.productID = productID
        self.serialNumber = serialNumber
        self.portPath = portPath
        self.deviceNode = deviceNode
    }

    /// `0c2e:0b61`, or nil when unknown.
    public var usbID: String? {
        guard let vendorID, let productID else { return nil }
        return Self.hex(vendorID) + ":" + Self.hex(productID)
    }

    /// The stable key a scanner keeps across unplug and re-plug: its serial number when it has one (so it may move
    /// to another port), else its port path (so two identical serial-less scanners stay apart).
    public var key: String {
        let kind = source == .serial ? "tty" : "usb"
        let id = usbID ?? "-"
        if let serialNumber, !serialNumber.isEmpty { return "\(kind):\(id):sn=\(serialNumber)" }
        return "\(kind):\(id):port=\(portPath ?? deviceNode ?? "?")"
    }

    public var description: String { key }

    static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    enum CodingKeys: String, CodingKey { case key, source, usbID, serialNumber, portPath, deviceNode }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        source = try container.decode(ScanSource.self, forKey: .source)
        serialNumber = try container.decodeIfPresent(String.self, forKey: .serialNumber)
        portPath = try container.decodeIfPresent(String.self, forKey: .portPath)
        deviceNode = try container.decodeIfPresent(String.self, forKey: .deviceNode)
        if let id = try container.decodeIfPresent(String.self, forKey: .usbID), let pair = USBIDPattern(id), let p = pair.productID {
            vendorID = pair.vendorID
            productID = p
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key, forKey: .key)
        try container.encode(source, forKey: .source)
        try container.encodeIfPresent(usbID, forKey: .usbID)
        try container.encodeIfPresent(serialNumber, forKey: .serialNumber)
        try container.encodeIfPresent(portPath, forKey: .portPath)
        try container.encodeIfPresent(deviceNode, forKey: .deviceNode)
    }
}

/// One good read, the same for every input path (UnifiedPOS DataEvent shaped).
public struct ScanEvent: Hashable, Codable, Sendable {
    public var scanner: ScannerIdentity
    public var source: ScanSource
    /// The code's bytes exactly as the scanner delivered them, framing (terminator) removed; for a keyboard-style
    /// scanner the UTF-8 of the decoded characters, control characters such as GS (0x1D) kept.
    public var rawBytes: [UInt8]
    /// `rawBytes` as text (UTF-8; invalid sequences replaced).
    public var text: String
    /// AIM / ISO 15424 symbology identifier (`]C0`, `]E0`, `]Q1`) when the scanner sent one.
    public var symbology: String?
    public var timestamp: MonotonicInstant
    /// Per scanner, counting from 1 for each scan and suppressed duplicate since the monitor started.
    public var sequence: UInt64

    public init(
        scanner: ScannerIdentity, source: ScanSource, rawBytes: [UInt8], symbology: String?, timestamp: MonotonicInstant,
        sequence: UInt64 = 0
    ) {
        self.scanner = scanner
        self.source = source
        self.rawBytes = rawBytes
        self.text = String(decoding: rawBytes, as: UTF8.self)
        self.symbology = symbology
        self.timestamp = timestamp
        self.sequence = sequence
    }
}

/// A scanner seen by the monitor.
public struct ScannerDescription: Hashable, Codable, Sendable {
    public var identity: ScannerIdentity
    public var manufacturer: String?
    public var product: String?
    /// The catalogue entry that matched (its name, or `vvvv:pppp`).
    public var catalogueEntry: String?

    public init(identity: ScannerIdentity, manufacturer: String? = nil, product: String? = nil, catalogueEntry: String? = nil) {
        self.identity = identity
        self.manufacturer = manufacturer
        self.product = product
        self.catalogueEntry = catalogueEntry
    }
}

/// Everything the monitor tells its consumer.
public enum ScannerEvent: Hashable, Sendable {
    /// A scanner is ready; `reattached` when it was known before (same serial number, else same port).
    case attached(ScannerDescription, reattached: Bool)
    /// A scanner went away and did not come back within the grace period.
    case detached(ScannerIdentity, reason: String)
    case scan(ScanEvent)
    /// The same code from the same scanner within the duplicate window: not to be acted on.
    case suppressedDuplicate(ScanEvent)
    /// Part of a code was received and then lost (scanner unplugged mid-scan, monitor stopped).
    case partialDropped(ScannerIdentity, bytes: [UInt8], reason: String)
    /// Data that is not a usable code (unknown keys, malformed HID POS report, over-long code).
    case rejected(ScannerIdentity, bytes: [UInt8], reason: String)
    case error(ScannerIdentity?, message: String)
}
