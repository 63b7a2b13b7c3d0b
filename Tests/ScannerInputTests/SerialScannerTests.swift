import Foundation
import StationTestSupport
import Testing

@testable import ScannerInput

@Suite struct SerialFramerTests {
    func frame(_ terminator: SerialTerminator, _ input: String, timeout: Int? = nil) -> [String] {
        var framer = SerialFramer(
            configuration: SerialScannerConfiguration(path: "/dev/null", terminator: terminator, interCharacterTimeoutMilliseconds: timeout)
        )
        return framer.feed(Array(input.utf8), at: .milliseconds(0)).map(\.text)
    }

    @Test func terminators() {
        #expect(frame(.cr, "A1\rB2\r\nC3\r") == ["A1", "B2", "C3"])
        #expect(frame(.lf, "A1\nB2\n") == ["A1", "B2"])
        #expect(frame(.crlf, "A1\r\nB2\r\n") == ["A1", "B2"])
        #expect(frame(.crlf, "A\rB\r\n") == ["A\rB"])
        #expect(frame(.cr, "\r\r\n") == [])
    }

    @Test func codesSplitOverReadsAndTimeout() {
        var framer = SerialFramer(
            configuration: SerialScannerConfiguration(path: "/dev/null", terminator: .none, interCharacterTimeoutMilliseconds: 30))
        #expect(framer.feed(Array("40063".utf8), at: .milliseconds(0)).isEmpty)
        #expect(framer.feed(Array("81333931".utf8), at: .milliseconds(10)).isEmpty)
        #expect(framer.deadline == .milliseconds(40))
        let code = framer.expire(at: .milliseconds(41))
        #expect(code?.text == "4006381333931")
        #expect(code?.completion == .timeout)
    }

    @Test func aimPrefixAndPartialAndLength() {
        var framer = SerialFramer(configuration: SerialScannerConfiguration(path: "/dev/null", maximumLength: 8))
        let code = framer.feed(Array("]Q1hello\r".utf8), at: .milliseconds(0)).first
        #expect(code?.symbology == "]Q1" && code?.text == "hello")
        #expect(framer.feed(Array("0123456789\r".utf8), at: .milliseconds(1)).first?.rejection != nil)
        _ = framer.feed(Array("PART".utf8), at: .milliseconds(2))
        #expect(framer.dropPartial() == Array("PART".utf8))
    }
}

@Suite struct SysfsTTYTests {
    /// A sysfs tree like the kernel's: class/tty/ttyACM0 → devices/…/1-2/1-2:1.0/tty/ttyACM0.
    @Test func findsATTYByUSBIDAndReadsItsIdentity() throws {
        let root = try TemporaryDirectory(prefix: "sysfs")
        let usbDevice = root.file("devices/pci0000:00/0000:00:14.0/usb1/1-2")
        let ttyFolder = "\(usbDevice)/1-2:1.0/tty/ttyACM0"
        try FileManager.default.createDirectory(atPath: ttyFolder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root.file("class/tty"), withIntermediateDirectories: true)
        for (name, value) in ["idVendor": "0c2e\n", "idProduct": "0b6a\n", "serial": "SN0002\n"] {
            try value.write(toFile: "\(usbDevice)/\(name)", atomically: true, encoding: .utf8)
        }
        try FileManager.default.createSymbolicLink(atPath: root.file("class/tty/ttyACM0"), withDestinationPath: ttyFolder)
        try FileManager.default.createDirectory(atPath: root.file("class/tty/ttyS0"), withIntermediateDirectories: true)

        let found = SysfsTTY.find(USBIDPattern("0c2e:0b6a"), sysfsRoot: root.path, devRoot: "/dev")
        #expect(found.count == 1)
        #expect(found.first?.node == "/dev/ttyACM0")
        #expect(found.first?.identity.key == "tty:0c2e:0b6a:sn=SN0002")
        #expect(found.first?.identity.portPath == "1-2")
        #expect(SysfsTTY.find(USBIDPattern("0c2e:0b61"), sysfsRoot: root.path).isEmpty)
        #expect(SysfsTTY.find(USBIDPattern("0c2e:*"), sysfsRoot: root.path).count == 1)
    }
}

@Suite struct ConfigurationTests {
    @Test func decodesHexIDsAndDefaults() throws {
        let json = #"""
            {"catalogue": [{"usb": "0c2e:0b61", "mode": "keyboard", "keyboard": {"layout": "fr"}},
                           {"interfaceClass": 3, "usagePage": 140}],
             "serial": [{"usb": "0c2e:*", "baudRate": 115200, "terminator": "crlf"}],
             "duplicateWindowMilliseconds": 500}
            """#
        let configuration = try JSONDecoder().decode(ScannerInputConfiguration.self, from: Data(json.utf8))
        #expect(configuration.catalogue[0].usb == USBIDPattern(vendorID: 0x0C2E, productID: 0x0B61))
        #expect(configuration.catalogue[0].interfaceClass == nil)
        #expect(configuration.catalogue[0].keyboard?.layout == "fr")
        #expect(configuration.catalogue[1].mode == .auto)
        #expect(configuration.serial[0].usb?.productID == nil && configuration.serial[0].terminator == .crlf)
        #expect(configuration.duplicateWindowMilliseconds == 500)
        #expect(configuration.reattachGraceMilliseconds == 2000)
        #expect(try JSONDecoder().decode(ScannerInputConfiguration.self, from: Data("{}".utf8)) == ScannerInputConfiguration())
    }

    @Test func refusesEntriesThatWouldTakeEveryDevice() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ScannerCatalogueEntry.self, from: Data(#"{"mode":"pos"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ScannerCatalogueEntry.self, from: Data(#"{"usb":"c2e:1"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(SerialScannerConfiguration.self, from: Data(#"{"path":"/dev/ttyACM0","baudRate":12345}"#.utf8))
        }
    }

    @Test func catalogueMatching() {
        let entry = ScannerCatalogueEntry(usb: USBIDPattern("0c2e:*"), interfaceClass: 3, interfaceSubclass: 1)
        #expect(entry.matches(vendorID: 0x0C2E, productID: 0x1234, interfaceClass: 3, subclass: 1, protocol: 1))
        #expect(!entry.matches(vendorID: 0x0C2E, productID: 0x1234, interfaceClass: 3, subclass: 0, protocol: 0))
        #expect(!entry.matches(vendorID: 0x05E0, productID: 0x1234, interfaceClass: 3, subclass: 1, protocol: 1))
        #expect(!entry.matches(vendorID: 0x0C2E, productID: 0x1234, interfaceClass: 2, subclass: 1, protocol: 1))
    }
}
