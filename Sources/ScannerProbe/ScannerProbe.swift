import ArgumentParser
import Foundation
import Logging
import ScannerInput
import StrictJSON

/// `scanner-probe`: runs the scanner monitor and prints every event as one JSON line, so station staff can see
/// what a scanner sends (and the tests can drive the real libusb path).
@main
struct ScannerProbe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scanner-probe",
        abstract: "Print every scanner event (attach, detach, scans, rejects) as one JSON line.",
        discussion: """
            Without --device or --interface the built-in catalogue is used (known scanner vendors' HID interfaces).
            Stop with Ctrl-C or SIGTERM: devices are released and a final {"event":"inventory"} line is printed.
            Run as root or as a member of the group the udev rules give the scanners to.
            """)

    @Option(name: .customLong("config"), help: "JSON file with a ScannerInputConfiguration; flags below override it.")
    var configFile: String?

    @Option(name: .customLong("device"), help: "Catalogue entry by USB id: vvvv:pppp or vvvv:* (hex). Repeatable.")
    var devices: [String] = []

    @Option(name: .customLong("interface"), help: "Catalogue entry by interface: CLASS[/SUBCLASS[/PROTOCOL]] (decimal), e.g. 3/1/1.")
    var interfaces: [String] = []

    @Option(help: "How matched interfaces are read: auto, keyboard or pos.")
    var mode: String = "auto"

    @Option(name: .customLong("usage-page"), help: "HID usage page the report descriptor must name (e.g. 140 for HID POS).")
    var usagePage: UInt16?

    @Option(help: "Keyboard layout of keyboard-style scanners: us, de or fr.")
    var layout: String?

    @Option(help: "Keyboard terminator: enter, tab or none.")
    var terminator: String?

    @Option(name: .customLong("inter-character-timeout-ms"), help: "Gap that ends a keyboard or serial code.")
    var interCharacterTimeout: Int?

    @Option(name: .customLong("gs-usage"), help: "Key usage (page 7) the scanner sends for GS, e.g. 69 for F12.")
    var groupSeparatorUsage: UInt8?

    @Option(name: .customLong("serial"), help: "A serial scanner's tty path. Repeatable.")
    var serialPaths: [String] = []

    @Option(name: .customLong("serial-usb"), help: "A serial scanner found in sysfs by USB id vvvv:pppp. Repeatable.")
    var serialUSB: [String] = []

    @Option(help: "Baud rate of serial scanners.")
    var baud: Int = 9600

    @Option(name: .customLong("serial-terminator"), help: "cr, lf, crlf or none.")
    var serialTerminator: String = "cr"

    @Option(name: .customLong("duplicate-window-ms"), help: "Same code from the same scanner within this is suppressed.")
    var duplicateWindow: Int?

    @Option(name: .customLong("grace-ms"), help: "A scanner back within this after leaving is not reported as detached.")
    var grace: Int?

    @Flag(name: .customLong("no-usb"), help: "Do not read USB scanners (serial only).")
    var noUSB = false

    @Option(name: .customLong("exit-after"), help: "Stop after this many scan events.")
    var exitAfter: Int?

    @Option(name: .customLong("log-level"), help: "swift-log level for stderr (default warning).")
    var logLevel: String = "warning"

    func makeConfiguration() throws -> ScannerInputConfiguration {
        var configuration = ScannerInputConfiguration()
        if let configFile {
            let data = try Data(contentsOf: URL(fileURLWithPath: configFile))
            configuration = try StrictJSONDecoder().decode(ScannerInputConfiguration.self, from: data)
        }
        guard let mode = ScannerMode(rawValue: mode) else { throw ValidationError("--mode must be auto, keyboard or pos") }
        var catalogue: [ScannerCatalogueEntry] = []
        for device in devices {
            guard let pattern = USBIDPattern(device) else { throw ValidationError("--device \(device): expected vvvv:pppp or vvvv:*") }
            catalogue.append(ScannerCatalogueEntry(usb: pattern, interfaceClass: nil, usagePage: usagePage, mode: mode))
        }
        for interface in interfaces {
            let parts = interface.split(separator: "/").map { UInt8($0) }
            guard (1...3).contains(parts.count), !parts.contains(nil) else {
                throw ValidationError("--interface \(interface): expected 3/1/1")
            }
            catalogue.append(
                ScannerCatalogueEntry(
                    interfaceClass: parts[0], interfaceSubclass: parts.count > 1 ? parts[1] : nil,
                    interfaceProtocol: parts.count > 2 ? parts[2] : nil, usagePage: usagePage, mode: mode))
        }
        if !catalogue.isEmpty { configuration.catalogue = catalogue }
        if let layout {
            guard KeyboardLayout.named(layout) != nil else { throw ValidationError("--layout must be us, de or fr") }
            configuration.keyboard.layout = layout
        }
        if let terminator {
            guard let value = KeyboardTerminator(rawValue: terminator) else {
                throw ValidationError("--terminator must be enter, tab or none")
            }
            configuration.keyboard.terminator = value
        }
        if let interCharacterTimeout { configuration.keyboard.interCharacterTimeoutMilliseconds = interCharacterTimeout }
        if configuration.keyboard.terminator == .none && configuration.keyboard.interCharacterTimeoutMilliseconds == nil {
            throw ValidationError("--terminator none needs --inter-character-timeout-ms")
        }
        if let groupSeparatorUsage { configuration.keyboard.groupSeparatorUsage = groupSeparatorUsage }
        guard let serialEnd = SerialTerminator(rawValue: serialTerminator) else {
            throw ValidationError("--serial-terminator must be cr, lf, crlf or none")
        }
        guard SerialPort.speed(for: baud) != nil else { throw ValidationError("--baud \(baud) is not a supported rate") }
        func serial(path: String?, usb: USBIDPattern?) -> SerialScannerConfiguration {
            SerialScannerConfiguration(
                path: path, usb: usb, baudRate: baud, terminator: serialEnd, interCharacterTimeoutMilliseconds: interCharacterTimeout)
        }
        configuration.serial += serialPaths.map { serial(path: $0, usb: nil) }
        for id in serialUSB {
            guard let pattern = USBIDPattern(id) else { throw ValidationError("--serial-usb \(id): expected vvvv:pppp") }
            configuration.serial.append(serial(path: nil, usb: pattern))
        }
        if let duplicateWindow { configuration.duplicateWindowMilliseconds = duplicateWindow }
        if let grace { configuration.reattachGraceMilliseconds = grace }
        if noUSB { configuration.usbEnabled = false }
        return configuration
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        let level = Logger.Level(rawValue: logLevel) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let hub = ScannerHub(configuration: configuration)
        do {
            try hub.start()
        } catch {
            Output.line(["event": "error", "message": "\(error)"])
            hub.stop()
            throw ExitCode(69)
        }
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let signals = [SIGTERM, SIGINT].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { hub.stop() }
            source.resume()
            return source
        }
        Output.line(["event": "started", "usb": configuration.usbEnabled ? "on" : "off"])
        var scans = 0
        for await event in hub.events {
            Output.encode(event)
            if case .scan = event {
                scans += 1
                if let exitAfter, scans >= exitAfter {
                    // Stop on another thread: stop() finishes this very stream.
                    DispatchQueue.global().async { hub.stop() }
                }
            }
        }
        Output.encode(Inventory(scanners: hub.inventory))
        for source in signals { source.cancel() }
    }
}

struct Inventory: Encodable {
    let event = "inventory"
    let scanners: [ScannerStatus]
}

/// Writes JSON lines straight to stdout (unbuffered, so a reader sees each event at once).
enum Output {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ value: some Encodable) {
        guard var data = try? encoder.encode(value) else { return }
        data.append(0x0A)
        FileHandle.standardOutput.write(data)
    }

    static func line(_ fields: [String: String]) { encode(fields) }
}
