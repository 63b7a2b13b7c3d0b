/// `vvvv:pppp`, `vvvv:*` or `vvvv` (hex): a vendor with one product or any. JSON: that string.
public struct USBIDPattern: Hashable, Codable, Sendable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productID: UInt16?

    public init(vendorID: UInt16, productID: UInt16? = nil) {
        self.vendorID = vendorID
        self.productID = productID
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts[0].count == 4, let vendor = UInt16(parts[0], radix: 16) else { return nil }
        vendorID = vendor
        if parts.count == 2 && parts[1] != "*" {
            guard parts[1].count == 4, let product = UInt16(parts[1], radix: 16) else { return nil }
            productID = product
        }
    }

    public var description: String {
        ScannerIdentity.hex(vendorID) + ":" + (productID.map(ScannerIdentity.hex) ?? "*")
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let pattern = USBIDPattern(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected vvvv:pppp or vvvv:* (hex), got \(text)")
        }
        self = pattern
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// How a matched USB interface is read.
public enum ScannerMode: String, Codable, Sendable, Hashable {
    /// HID POS when the report descriptor names usage page 0x8C with a decoded-data field, else keyboard.
    case auto
    case keyboard
    case pos
}

/// One line of the scanner catalogue: which USB interfaces the daemon takes. Every field set must match; an
/// absent field matches anything. JSON: `{"name": "…", "usb": "0c2e:0b61", "interfaceClass": 3,
/// "interfaceSubclass": 1, "interfaceProtocol": 1, "usagePage": 140, "mode": "auto", "keyboard": {…}}`.
public struct ScannerCatalogueEntry: Codable, Sendable, Hashable {
    public var name: String?
    public var usb: USBIDPattern?
    public var interfaceClass: UInt8?
    public var interfaceSubclass: UInt8?
    public var interfaceProtocol: UInt8?
    /// A HID usage page the report descriptor must name (0x8C for HID POS, 0x07 keyboard), checked when the
    /// descriptor can be read.
    public var usagePage: UInt16?
    public var mode: ScannerMode
    /// Decoding of keyboard-style scanners matched by this entry; nil: the configuration's default.
    public var keyboard: KeyboardDecoderConfiguration?

    public init(
        name: String? = nil, usb: USBIDPattern? = nil, interfaceClass: UInt8? = 3, interfaceSubclass: UInt8? = nil,
        interfaceProtocol: UInt8? = nil, usagePage: UInt16? = nil, mode: ScannerMode = .auto, keyboard: KeyboardDecoderConfiguration? = nil
    ) {
        self.name = name
        self.usb = usb
        self.interfaceClass = interfaceClass
        self.interfaceSubclass = interfaceSubclass
        self.interfaceProtocol = interfaceProtocol
        self.usagePage = usagePage
        self.mode = mode
        self.keyboard = keyboard
    }

    /// True when the device and interface fit this entry (the usage page is checked later, once readable).
    public func matches(vendorID: UInt16, productID: UInt16, interfaceClass: UInt8, subclass: UInt8, protocol: UInt8) -> Bool {
        if let usb, usb.vendorID != vendorID || (usb.productID.map { $0 != productID } ?? false) { return false }
        if let wanted = self.interfaceClass, wanted != interfaceClass { return false }
        if let wanted = interfaceSubclass, wanted != subclass { return false }
        if let wanted = interfaceProtocol, wanted != `protocol` { return false }
        return true
    }

    public var label: String { name ?? usb?.description ?? "interface \(interfaceClass.map(String.init) ?? "*")" }

    enum CodingKeys: String, CodingKey { case name, usb, interfaceClass, interfaceSubclass, interfaceProtocol, usagePage, mode, keyboard }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        usb = try c.decodeIfPresent(USBIDPattern.self, forKey: .usb)
        interfaceClass = try c.decodeIfPresent(UInt8.self, forKey: .interfaceClass)
        interfaceSubclass = try c.decodeIfPresent(UInt8.self, forKey: .interfaceSubclass)
        interfaceProtocol = try c.decodeIfPresent(UInt8.self, forKey: .interfaceProtocol)
        usagePage = try c.decodeIfPresent(UInt16.self, forKey: .usagePage)
        mode = try c.decodeIfPresent(ScannerMode.self, forKey: .mode) ?? .auto
        keyboard = try c.decodeIfPresent(KeyboardDecoderConfiguration.self, forKey: .keyboard)
        if usb == nil && interfaceClass == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .usb, in: c, debugDescription: "a catalogue entry needs usb or interfaceClass, or it would take every device")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(usb, forKey: .usb)
        try c.encodeIfPresent(interfaceClass, forKey: .interfaceClass)
        try c.encodeIfPresent(interfaceSubclass, forKey: .interfaceSubclass)
        try c.encodeIfPresent(interfaceProtocol, forKey: .interfaceProtocol)
        try c.encodeIfPresent(usagePage, forKey: .usagePage)
        try c.encode(mode, forKey: .mode)
        try c.encodeIfPresent(keyboard, forKey: .keyboard)
    }
}

/// The built-in catalogue. `udev/70-parcel-station.rules` is written from `vendors`; a test checks they agree.
public enum ScannerCatalogue {
    /// USB vendors whose HID interfaces are barcode scanners. Generic keyboard or serial-bridge vendors are left
    /// out on purpose: matching them would take the station's real keyboard. Add other scanners by configuration.
    public static let vendors: [(vendorID: UInt16, name: String)] = [
        (0x0C2E, "Honeywell (Metrologic)"),
        (0x0536, "Hand Held Products (Honeywell)"),
        (0x05E0, "Symbol (Zebra)"),
        (0x05F9, "Datalogic (PSC)"),
        (0x1EAB, "Newland"),
    ]

    /// Any HID interface of a listed vendor, read as HID POS when it speaks it, else as a keyboard.
    public static let `default`: [ScannerCatalogueEntry] = vendors.map {
        ScannerCatalogueEntry(name: $0.name, usb: USBIDPattern(vendorID: $0.vendorID), interfaceClass: 3)
    }
}

/// What ends a code from a serial scanner.
public enum SerialTerminator: String, Codable, Sendable, Hashable {
    /// CR ends a code; an LF right after it is skipped (so CR LF scanners work too).
    case cr
    /// LF ends a code.
    case lf
    /// CR LF ends a code (an LF; the CR before it is removed).
    case crlf
    /// Only the inter-character timeout ends a code.
    case none
}

/// A CDC-ACM (or any tty) scanner: by path, or by USB id looked up in sysfs.
public struct SerialScannerConfiguration: Codable, Sendable, Hashable {
    public var path: String?
    public var usb: USBIDPattern?
    public var baudRate: Int
    public var terminator: SerialTerminator
    public var interCharacterTimeoutMilliseconds: Int?
    public var stripAIMPrefix: Bool
    public var maximumLength: Int

    public init(
        path: String? = nil, usb: USBIDPattern? = nil, baudRate: Int = 9600, terminator: SerialTerminator = .cr,
        interCharacterTimeoutMilliseconds: Int? = nil, stripAIMPrefix: Bool = true, maximumLength: Int = 4096
    ) {
        self.path = path
        self.usb = usb
        self.baudRate = baudRate
        self.terminator = terminator
        self.interCharacterTimeoutMilliseconds = interCharacterTimeoutMilliseconds
        self.stripAIMPrefix = stripAIMPrefix
        self.maximumLength = maximumLength
    }

    enum CodingKeys: String, CodingKey {
        case path, usb, baudRate, terminator, interCharacterTimeoutMilliseconds, stripAIMPrefix, maximumLength
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        usb = try c.decodeIfPresent(USBIDPattern.self, forKey: .usb)
        baudRate = try c.decodeIfPresent(Int.self, forKey: .baudRate) ?? 9600
        terminator = try c.decodeIfPresent(SerialTerminator.self, forKey: .terminator) ?? .cr
        interCharacterTimeoutMilliseconds = try c.decodeIfPresent(Int.self, forKey: .interCharacterTimeoutMilliseconds)
        stripAIMPrefix = try c.decodeIfPresent(Bool.self, forKey: .stripAIMPrefix) ?? true
        maximumLength = try c.decodeIfPresent(Int.self, forKey: .maximumLength) ?? 4096
        guard path != nil || usb != nil else {
            throw DecodingError.dataCorruptedError(forKey: .path, in: c, debugDescription: "a serial scanner needs path or usb")
        }
        guard SerialPort.speed(for: baudRate) != nil else {
            throw DecodingError.dataCorruptedError(forKey: .baudRate, in: c, debugDescription: "unsupported baud rate \(baudRate)")
        }
        if terminator == .none && interCharacterTimeoutMilliseconds == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .terminator, in: c, debugDescription: "terminator none needs interCharacterTimeoutMilliseconds")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(path, forKey: .path)
        try c.encodeIfPresent(usb, forKey: .usb)
        try c.encode(baudRate, forKey: .baudRate)
        try c.encode(terminator, forKey: .terminator)
        try c.encodeIfPresent(interCharacterTimeoutMilliseconds, forKey: .interCharacterTimeoutMilliseconds)
        try c.encode(stripAIMPrefix, forKey: .stripAIMPrefix)
        try c.encode(maximumLength, forKey: .maximumLength)
    }
}

/// Everything the scanner monitor is configured with. Every JSON field is optional.
public struct ScannerInputConfiguration: Codable, Sendable, Hashable {
    /// Read USB scanners through libusb (false: serial scanners only).
    public var usbEnabled: Bool
    public var catalogue: [ScannerCatalogueEntry]
    /// Keyboard decoding for catalogue entries without their own.
    public var keyboard: KeyboardDecoderConfiguration
    public var serial: [SerialScannerConfiguration]
    /// Same code from the same scanner within this is a suppressed duplicate; 0 turns suppression off.
    public var duplicateWindowMilliseconds: Int
    /// A scanner gone and back within this (a re-enumeration, a loose cable) is not reported as detached.
    public var reattachGraceMilliseconds: Int
    /// A HID POS code whose continuation report does not come within this is dropped as partial.
    public var continuationTimeoutMilliseconds: Int

    public init(
        usbEnabled: Bool = true, catalogue: [ScannerCatalogueEntry] = ScannerCatalogue.default,
        keyboard: KeyboardDecoderConfiguration = KeyboardDecoderConfiguration(), serial: [SerialScannerConfiguration] = [],
        duplicateWindowMilliseconds: Int = 1500, reattachGraceMilliseconds: Int = 2000, continuationTimeoutMilliseconds: Int = 1000
    ) {
        self.usbEnabled = usbEnabled
        self.catalogue = catalogue
        self.keyboard = keyboard
        self.serial = serial
        self.duplicateWindowMilliseconds = duplicateWindowMilliseconds
        self.reattachGraceMilliseconds = reattachGraceMilliseconds
        self.continuationTimeoutMilliseconds = continuationTimeoutMilliseconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ScannerInputConfiguration()
        usbEnabled = try c.decodeIfPresent(Bool.self, forKey: .usbEnabled) ?? d.usbEnabled
        catalogue = try c.decodeIfPresent([ScannerCatalogueEntry].self, forKey: .catalogue) ?? d.catalogue
        keyboard = try c.decodeIfPresent(KeyboardDecoderConfiguration.self, forKey: .keyboard) ?? d.keyboard
        serial = try c.decodeIfPresent([SerialScannerConfiguration].self, forKey: .serial) ?? d.serial
        duplicateWindowMilliseconds = try c.decodeIfPresent(Int.self, forKey: .duplicateWindowMilliseconds) ?? d.duplicateWindowMilliseconds
        reattachGraceMilliseconds = try c.decodeIfPresent(Int.self, forKey: .reattachGraceMilliseconds) ?? d.reattachGraceMilliseconds
        continuationTimeoutMilliseconds =
            try c.decodeIfPresent(Int.self, forKey: .continuationTimeoutMilliseconds) ?? d.continuationTimeoutMilliseconds
    }
}
