import Foundation
import StationTestSupport
import Testing

/// The real libusb path of `scanner-probe` against the project's fake scanners in a umockdev testbed: enumeration,
/// hot-plug, kernel-driver detach, claiming, interrupt transfers, cancellation and unplug all run for real.
@Suite(.enabled(if: USBFixtures.unavailable == nil, "\(USBFixtures.unavailable ?? "")"), .serialized)
struct USBScannerTests {
    @Test func keyboardScannerPresentAtStartTypesMixedCaseAndGS1() throws {
        let run = try USBFixtures.run(
            #"""
            [{"plug": "keyboard", "serial": "SN0001"},
             {"start": []},
             {"expect": {"event": "attached"}},
             {"scan": "SF1234567890123"},
             {"scan": "AbC-xyz.9"},
             {"scan": "]C1010123456789012\u001d10AB-12"},
             {"expect": {"event": "scan", "symbology": "]C1"}}]
            """#, probeArguments: ["--device", "0c2e:*"])
        #expect(run.status == 0, "\(run)")
        let scans = run.events("scan")
        #expect(scans.compactMap(\.text) == ["SF1234567890123", "AbC-xyz.9", "010123456789012\u{1D}10AB-12"], "\(run)")
        #expect(scans.last?["symbology"] as? String == "]C1")
        #expect(scans.last?["rawHex"] as? String == Array("010123456789012".utf8).hex + "1d" + Array("10AB-12".utf8).hex)
        #expect(scans.map { $0["sequence"] as? Int } == [1, 2, 3])
        let attached = try #require(run.events("attached").first)
        #expect(attached.scannerField["key"] as? String == "usb:0c2e:0b61:sn=SN0001")
        #expect(attached.scannerField["portPath"] as? String == "1-1")
        #expect(attached.scannerField["source"] as? String == "usbHIDKeyboard")
        #expect(attached["manufacturer"] as? String == "Fake Scanner Co")
    }

    @Test func kernelDriverIsDetachedOnClaimAndGivenBackOnStop() throws {
        let run = try USBFixtures.run(
            #"""
            [{"plug": "keyboard"}, {"start": []}, {"expect": {"event": "attached"}},
             {"scan": "X1"}, {"expect": {"event": "scan", "text": "X1"}}, {"sleep": 0.3}, {"stop": true}]
            """#, probeArguments: ["--device", "0c2e:0b61"])
        #expect(run.status == 0, "\(run)")
        let ioctls = try #require(run.ioctls(port: "1"), "\(run)")
        let names = ioctls["names"] as? [String] ?? []
        // Auto-detach: usbhid is unbound as the interface is claimed (DISCONNECT_CLAIM) …
        #expect(names.contains("USBDEVFS_DISCONNECT_CLAIM"), "\(names)")
        // … and on stop the pending transfer is cancelled, the interface released and usbhid bound again.
        #expect(names.contains("USBDEVFS_DISCARDURB"), "\(names)")
        #expect(names.contains("USBDEVFS_RELEASEINTERFACE"), "\(names)")
        #expect(ioctls["driverBound"] as? Bool == true)
        #expect((ioctls["claimed"] as? [Int])?.isEmpty == true)
        #expect(run.eventNames.last == "inventory")
    }

    @Test func hidPOSScannerSendsSymbologyAndLongCodesInContinuedReports() throws {
        let long = String(repeating: "https://example.com/qr/", count: 7)  // 161 bytes: three reports
        let run = try USBFixtures.run(
            """
            [{"plug": "pos", "serial": "POS1"}, {"start": []}, {"expect": {"event": "attached"}},
             {"pos": "4006381333931", "symbology": "]E0"},
             {"pos": "\(long)", "symbology": "]Q1"},
             {"expect": {"event": "scan", "symbology": "]Q1"}}]
            """, probeArguments: ["--device", "0c2e:0b62"])
        #expect(run.status == 0, "\(run)")
        let scans = run.events("scan")
        #expect(scans.compactMap(\.text) == ["4006381333931", long])
        #expect(scans.compactMap { $0["symbology"] as? String } == ["]E0", "]Q1"])
        #expect(scans.first?.scannerField["source"] as? String == "usbHIDPOS")
    }

    @Test func compositeScannerGivesItsKeyboardInterfaceBackAndReadsHIDPOS() throws {
        // Interface 0 is a boot keyboard, interface 1 HID POS; the catalogue asks for usage page 0x8C.
        let run = try USBFixtures.run(
            #"""
            [{"plug": "composite"}, {"start": []}, {"expect": {"event": "attached"}},
             {"pos": "4006381333931"}, {"expect": {"event": "scan"}}, {"sleep": 0.2}, {"unplug": "1"},
             {"expect": {"event": "detached"}}]
            """#, probeArguments: ["--device", "0c2e:0b63", "--usage-page", "140", "--grace-ms", "0"])
        #expect(run.status == 0, "\(run)")
        #expect(run.events("scan").first?.scannerField["source"] as? String == "usbHIDPOS")
        #expect(run.events("scan").first?.text == "4006381333931")
        // While it ran: interface 1 claimed (its driver detached), interface 0 back with usbhid.
        let ioctls = try #require(run.ioctls(port: "1"))
        #expect(ioctls["claimed"] as? [Int] == [1], "\(ioctls)")
        #expect(ioctls["drivers"] as? [Int] == [0], "\(ioctls)")
    }

    @Test func posCodeWhoseContinuationNeverComesIsDropped() throws {
        let first = posReport("SF12345", symbology: "]C0", continued: true).hex
        let run = try USBFixtures.run(
            """
            [{"plug": "pos"}, {"start": []}, {"expect": {"event": "attached"}},
             {"reports": ["\(first)"]},
             {"expect": {"event": "partialDropped", "text": "SF12345"}},
             {"pos": "4006381333931"}, {"expect": {"event": "scan", "text": "4006381333931"}}]
            """, probeArguments: ["--device", "0c2e:0b62"])
        #expect(run.status == 0, "\(run)")
        #expect((run.events("partialDropped").first?["reason"] as? String)?.contains("continuation") == true)
    }

    @Test func configurationFileChoosesCatalogueAndLayout() throws {
        let directory = try TemporaryDirectory(prefix: "probe-config")
        let config = directory.file("scanners.json")
        try #"""
        {"catalogue": [{"name": "desk scanner", "usb": "0c2e:0b61", "mode": "keyboard", "keyboard": {"layout": "de"}}],
         "duplicateWindowMilliseconds": 0}
        """#.write(toFile: config, atomically: true, encoding: .utf8)
        // The fake types US key positions; a scanner set to German sends the US "y" key for z.
        let run = try USBFixtures.run(
            #"""
            [{"plug": "keyboard"}, {"start": []}, {"expect": {"event": "attached", "catalogueEntry": "desk scanner"}},
             {"scan": "zy-1"}, {"expect": {"event": "scan"}}]
            """#, probeArguments: ["--config", config])
        #expect(run.status == 0, "\(run)")
        #expect(run.events("scan").first?.text == "yzß1", "\(run)")
    }

    @Test func hotPlugArriveScanLeaveWithTwoScannersAtOnce() throws {
        let run = try USBFixtures.run(
            #"""
            [{"start": []}, {"expect": {"event": "started"}}, {"sleep": 0.2},
             {"plug": "keyboard", "port": "1", "devnum": 2, "serial": "DESK"},
             {"expect": {"event": "attached", "scanner": {"serialNumber": "DESK"}}},
             {"plug": "pos", "port": "2", "devnum": 3, "serial": "COUNTER"},
             {"expect": {"event": "attached", "scanner": {"serialNumber": "COUNTER"}}},
             {"scan": "SF1111111111111", "port": "1"},
             {"pos": "75123456789012", "port": "2"},
             {"expect": {"event": "scan", "text": "SF1111111111111"}},
             {"expect": {"event": "scan", "text": "75123456789012"}},
             {"unplug": "1"},
             {"expect": {"event": "detached", "scanner": {"serialNumber": "DESK"}}},
             {"pos": "SF2222222222222", "port": "2"},
             {"expect": {"event": "scan", "text": "SF2222222222222"}}]
            """#, probeArguments: ["--device", "0c2e:*", "--grace-ms", "0"])
        #expect(run.status == 0, "\(run)")
        let keys = Dictionary(grouping: run.events("scan"), by: { $0.scannerKey ?? "" }).mapValues { $0.compactMap(\.text) }
        #expect(keys["usb:0c2e:0b61:sn=DESK"] == ["SF1111111111111"])
        #expect(keys["usb:0c2e:0b62:sn=COUNTER"] == ["75123456789012", "SF2222222222222"])
        #expect(run.events("detached").count == 1)
    }

    @Test func unplugMidScanDropsThePartialCode() throws {
        let run = try USBFixtures.run(
            #"""
            [{"plug": "keyboard"}, {"start": []}, {"expect": {"event": "attached"}},
             {"scan": "SF12345", "enter": false}, {"idle": "1"}, {"sleep": 0.1},
             {"unplug": "1"},
             {"expect": {"event": "partialDropped"}},
             {"expect": {"event": "detached"}}]
            """#, probeArguments: ["--device", "0c2e:*", "--grace-ms", "0"])
        #expect(run.status == 0, "\(run)")
        #expect(run.events("partialDropped").first?.text == "SF12345")
        #expect(run.events("scan").isEmpty)
        let inventory = try #require(run.events("inventory").first?["scanners"] as? [[String: Any]])
        #expect(inventory.first?["partialsDropped"] as? Int == 1)
        #expect(inventory.first?["state"] as? String == "detached")
    }

    @Test func noDeviceFromATransferCountsAsUnplugWithoutAUevent() throws {
        let run = try USBFixtures.run(
            #"""
            [{"plug": "keyboard"}, {"start": []}, {"expect": {"event": "attached"}},
             {"unplug": "1", "uevent": false},
             {"expect": {"event": "detached"}}]
            """#, probeArguments: ["--device", "0c2e:*", "--grace-ms", "0"])
        #expect(run.status == 0, "\(run)")
        #expect((run.events("detached").first?["reason"] as? String)?.contains("NO_DEVICE") == true, "\(run)")
    }

    @Test func reattachKeepsIdentityAndBriefReEnumerationDoesNotFlap() throws {
        let run = try USBFixtures.run(
            #"""
            [{"plug": "keyboard", "port": "1", "devnum": 2, "serial": "SN7"},
             {"start": []}, {"expect": {"event": "attached"}},
             {"scan": "A1"}, {"expect": {"event": "scan", "text": "A1"}},
             {"unplug": "1"},
             {"plug": "keyboard", "port": "3", "devnum": 4, "serial": "SN7"},
             {"scan": "A2", "port": "3"}, {"expect": {"event": "scan", "text": "A2"}},
             {"unplug": "3"}, {"sleep": 1.2},
             {"expect": {"event": "detached"}},
             {"plug": "keyboard", "port": "1", "devnum": 5, "serial": "SN7"},
             {"expect": {"event": "attached", "reattached": true}},
             {"scan": "A3"}, {"expect": {"event": "scan", "text": "A3"}}]
            """#, probeArguments: ["--device", "0c2e:*", "--grace-ms", "700"])
        #expect(run.status == 0, "\(run)")
        // Unplugged and back on another port within the grace: one identity, no detach in between.
        #expect(
            run.eventNames.filter { $0 != "inventory" } == ["started", "attached", "scan", "scan", "detached", "attached", "scan"], "\(run)"
        )
        let scans = run.events("scan")
        #expect(Set(scans.compactMap(\.scannerKey)) == ["usb:0c2e:0b61:sn=SN7"])
        #expect(scans.map { $0["sequence"] as? Int } == [1, 2, 3])
        #expect(scans[1].scannerField["portPath"] as? String == "1-3")
        let inventory = try #require(run.events("inventory").first?["scanners"] as? [[String: Any]])
        #expect(inventory.count == 1)
        #expect(inventory.first?["reattachments"] as? Int == 2)
    }

    @Test func duplicateScansAreSuppressedAndTimeoutEndsCodesWithoutTerminator() throws {
        let run = try USBFixtures.run(
            #"""
            [{"plug": "keyboard"}, {"start": []}, {"expect": {"event": "attached"}},
             {"scan": "DUP1", "enter": false}, {"expect": {"event": "scan", "text": "DUP1"}},
             {"scan": "DUP1", "enter": false}, {"expect": {"event": "suppressedDuplicate", "text": "DUP1"}},
             {"scan": "NEXT", "enter": false}, {"expect": {"event": "scan", "text": "NEXT"}}]
            """#,
            probeArguments: [
                "--device", "0c2e:*", "--terminator", "none", "--inter-character-timeout-ms", "300", "--duplicate-window-ms", "5000",
            ])
        #expect(run.status == 0, "\(run)")
        let inventory = try #require(run.events("inventory").first?["scanners"] as? [[String: Any]])
        #expect(inventory.first?["scans"] as? Int == 2)
        #expect(inventory.first?["suppressedDuplicates"] as? Int == 1)
    }

    @Test func claimRefusedByABusyDeviceIsTriedAgain() throws {
        let run = try USBFixtures.run(
            #"""
            [{"plug": "keyboard", "busy": 1}, {"start": []}, {"expect": {"event": "error"}},
             {"expect": {"event": "attached"}, "timeout": 5},
             {"scan": "AFTER-RETRY"}, {"expect": {"event": "scan", "text": "AFTER-RETRY"}}]
            """#, probeArguments: ["--device", "0c2e:*"])
        #expect(run.status == 0, "\(run)")
        let message = run.events("error").first?["message"] as? String ?? ""
        #expect(message.contains("LIBUSB_ERROR_BUSY") && message.contains("trying again"), "\(run)")
        #expect(run.eventNames.filter { $0 != "inventory" } == ["started", "error", "attached", "scan"])
    }

    @Test func devicesOutsideTheCatalogueAreLeftAlone() throws {
        let run = try USBFixtures.run(
            #"""
            [{"plug": "keyboard"}, {"start": []}, {"expect": {"event": "started"}}, {"sleep": 0.5}, {"stop": true}]
            """#, probeArguments: ["--device", "0c2e:*", "--usage-page", "140"])
        #expect(run.status == 0, "\(run)")
        #expect(run.events("attached").isEmpty, "\(run)")
        // A keyboard interface when HID POS is asked for: claimed to read its descriptor, then given back.
        let ioctls = try #require(run.ioctls(port: "1"))
        #expect(ioctls["driverBound"] as? Bool == true)
        #expect((ioctls["claimed"] as? [Int])?.isEmpty == true)

        let other = try USBFixtures.run(
            #"[{"plug": "keyboard"}, {"start": []}, {"expect": {"event": "started"}}, {"sleep": 0.3}, {"stop": true}]"#,
            probeArguments: ["--device", "05e0:1200"])
        #expect(other.events("attached").isEmpty)
        #expect((other.ioctls(port: "1")?["names"] as? [String])?.isEmpty == true, "\(other)")
    }
}

extension [UInt8] {
    var hex: String { map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}
