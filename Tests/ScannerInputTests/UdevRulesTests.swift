import Foundation
import ScannerInput
import StationTestSupport
import Testing

/// `udev/70-parcel-station.rules`: well-formed, naming exactly the catalogue's vendors, and doing what it says when
/// systemd's own rules engine (`udevadm test`) runs it on emulated devices.
@Suite struct UdevRulesTests {
    static let rulesPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("udev/70-parcel-station.rules").path

    /// The rule lines, comments and blank lines dropped.
    static func ruleLines() throws -> [String] {
        try String(contentsOfFile: rulesPath, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// `KEY{attr}OP"value"` items of a rule line (values here never contain commas).
    static func items(_ line: String) -> [(key: String, op: String, value: String)]? {
        var result: [(String, String, String)] = []
        for item in line.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let match = item.wholeMatch(of: /([A-Z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"/) else { return nil }
            result.append((String(match.1), String(match.2), String(match.3)))
        }
        return result
    }

    @Test func everyLineParsesAndEveryGotoHasItsLabel() throws {
        let known: Set<String> = [
            "ACTION", "SUBSYSTEM", "KERNEL", "ENV", "ATTR", "ATTRS", "GOTO", "LABEL", "OWNER", "GROUP", "MODE", "TAG", "TEST",
        ]
        var labels: Set<String> = []
        var gotos: Set<String> = []
        for line in try Self.ruleLines() {
            let parsed = try #require(Self.items(line), "not key/operator/value items: \(line)")
            for (key, op, value) in parsed {
                let base = String(key.prefix { $0 != "{" })
                #expect(known.contains(base), "unknown key \(key)")
                switch base {
                case "LABEL": labels.insert(value)
                case "GOTO": gotos.insert(value)
                case "OWNER", "GROUP", "MODE": #expect(op == "=", "\(line)")
                default: break
                }
            }
        }
        #expect(gotos.isSubset(of: labels), "GOTO without LABEL: \(gotos.subtracting(labels))")
    }

    @Test func rulesNameExactlyTheCatalogueVendors() throws {
        let catalogue = Set(ScannerCatalogue.vendors.map { String(format: "%04x", $0.vendorID) })
        // Each section (usbfs node, tty, input device) lists every vendor once.
        var sections: [String: [String]] = [:]
        var current = ""
        for line in try Self.ruleLines() {
            for (key, _, value) in Self.items(line) ?? [] {
                if key == "LABEL" { current = value }
                if key == "ATTR{idVendor}" || key == "ATTRS{idVendor}" { sections[current, default: []].append(value) }
            }
        }
        #expect(Set(sections.keys) == ["parcel_station_usb", "parcel_station_tty", "parcel_station_input"])
        for (section, vendors) in sections {
            #expect(Set(vendors) == catalogue, "\(section)")
            #expect(vendors.count == catalogue.count, "\(section) repeats a vendor")
        }
        // The built-in catalogue is made from the same table.
        #expect(Set(ScannerCatalogue.default.compactMap { $0.usb.map { String(format: "%04x", $0.vendorID) } }) == catalogue)
    }

    /// systemd 252 (Debian 12) has no `udevadm verify`; `udevadm test` reads rules only from the system folders, so
    /// the test runs it in a private mount namespace (a user namespace too when not root) with this file bound over
    /// /etc/udev/rules.d, a passwd/group that know the daemon's account and a fresh /run (udevadm writes its
    /// database there), on devices emulated by umockdev. Nothing outside the namespace changes.
    static let unshareArguments = getuid() == 0 ? ["-m"] : ["-r", "-m"]

    static let evaluationUnavailable: String? = {
        for tool in ["/usr/bin/unshare", "/usr/bin/umockdev-run", "/usr/bin/udevadm"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (apt-get install util-linux umockdev udev)"
        }
        guard let probe = try? runCommand("/usr/bin/unshare", unshareArguments + ["/bin/true"]), probe.status == 0 else {
            return "cannot create a private mount namespace here (unshare \(unshareArguments.joined(separator: " ")))"
        }
        return nil
    }()

    @Test(.enabled(if: evaluationUnavailable == nil, "\(evaluationUnavailable ?? "")"))
    func udevadmAppliesTheRulesToScannersOnly() throws {
        let directory = try TemporaryDirectory(prefix: "udev")
        try FileManager.default.createDirectory(atPath: directory.file("rules"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.rulesPath, toPath: directory.file("rules/70-parcel-station.rules"))
        let passwd =
            try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
            + "parcel-station:x:990:990:Parcel station daemon:/var/lib/parcel-station:/usr/sbin/nologin\n"
        let group = try String(contentsOfFile: "/etc/group", encoding: .utf8) + "parcel-station:x:990:\nparcel-staff:x:991:\n"
        try passwd.write(toFile: directory.file("passwd"), atomically: true, encoding: .utf8)
        try group.write(toFile: directory.file("group"), atomically: true, encoding: .utf8)
        let hcd = "/devices/pci0000:00/0000:00:14.0/usb1"
        func usb(_ port: String, devnum: Int, vendor: String) -> String {
            """
            P: \(hcd)/1-\(port)
            N: bus/usb/001/00\(devnum)
            E: SUBSYSTEM=usb
            E: DEVTYPE=usb_device
            E: DEVNAME=/dev/bus/usb/001/00\(devnum)
            A: busnum=1
            A: devnum=\(devnum)
            A: idVendor=\(vendor)
            A: idProduct=0b61
            A: dev=189:\(devnum)

            """
        }
        let devices =
            usb("1", devnum: 2, vendor: "0c2e") + "\n" + usb("2", devnum: 3, vendor: "046d") + "\n" + usb("3", devnum: 4, vendor: "05e0")
                + """

                P: \(hcd)/1-3/1-3:1.0/tty/ttyACM0
                N: ttyACM0
                E: SUBSYSTEM=tty
                E: DEVNAME=/dev/ttyACM0
                A: dev=166:0

                """
        try devices.write(toFile: directory.file("devices.umockdev"), atomically: true, encoding: .utf8)
        let script = """
            set -e
            mount -t tmpfs tmpfs /run
            mount --bind \(directory.file("rules")) /etc/udev/rules.d
            mount --bind \(directory.file("passwd")) /etc/passwd
            mount --bind \(directory.file("group")) /etc/group
            for device in 1-1 1-2 1-3/1-3:1.0/tty/ttyACM0; do
              echo "@@device $device"
              umockdev-run -d \(directory.file("devices.umockdev")) -- udevadm test --action=add /sys\(hcd)/$device 2>&1
            done
            """
        let result = try runCommand("/usr/bin/timeout", ["60", "/usr/bin/unshare"] + Self.unshareArguments + ["/bin/sh", "-c", script])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let outputs = result.stdout.components(separatedBy: "@@device ").dropFirst()
        let byDevice = Dictionary(uniqueKeysWithValues: outputs.map { (String($0.prefix { $0 != "\n" }), $0) })
        let scanner = try #require(byDevice["1-1"], "\(result.stdout)")
        let keyboard = try #require(byDevice["1-2"])
        let tty = try #require(byDevice["1-3/1-3:1.0/tty/ttyACM0"])
        let complaints = result.stdout.split(separator: "\n").filter {
            $0.contains("70-parcel-station.rules") && ($0.contains("Invalid") || $0.contains("Unknown") || $0.contains("ignoring"))
        }
        #expect(complaints.isEmpty, "\(complaints)")
        for line in ["OWNER 990", "GROUP 991", "MODE 0660", "PARCEL_STATION_SCANNER=1", "TAGS=:parcel-station:"] {
            #expect(scanner.contains(line), "\(line)\n\(scanner)")
        }
        #expect(!keyboard.contains("PARCEL_STATION_SCANNER"), "a keyboard of another vendor is left alone")
        #expect(tty.contains("ID_MM_DEVICE_IGNORE=1"), "\(tty)")
        #expect(tty.contains("OWNER 990"), "\(tty)")
    }
}
