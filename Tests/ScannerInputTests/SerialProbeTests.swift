import Foundation
import StationTestSupport
import Testing

/// A serial scanner stood in for by a pseudo-terminal: `scanner-probe --serial /dev/pts/N` opens the slave side in
/// raw mode, the test types into the master side.
@Suite struct SerialProbeTests {
    @Test func ptyScannerCodesRawModeAndHangUp() throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        #expect(openpty(&master, &slave, nil, nil, nil) == 0)
        defer { if slave >= 0 { close(slave) } }
        let path = String(cString: ttyname(slave))
        let probe = try ProbeProcess(["--no-usb", "--serial", path, "--baud", "115200", "--serial-terminator", "cr", "--grace-ms", "0"])
        let attached = probe.wait { $0["event"] as? String == "attached" }
        #expect(attached?.scannerField["portPath"] as? String == path, "\(probe.transcript)")
        #expect(attached?.scannerField["source"] as? String == "serial")

        // The probe set the line to raw mode at 115200 baud (the slave side shows the termios state it set).
        var options = termios()
        #expect(tcgetattr(slave, &options) == 0)
        #expect(cfgetispeed(&options) == speed_t(B115200))
        #expect(options.c_lflag & tcflag_t(ICANON) == 0)
        #expect(options.c_lflag & tcflag_t(ECHO) == 0)

        for chunk in ["4006381333931\r\n", "]C1SF12", "34567890123\r", "PART"] {
            _ = chunk.withCString { write(master, $0, strlen($0)) }
            usleep(50_000)
        }
        let second = probe.wait { $0["event"] as? String == "scan" && $0.text == "SF1234567890123" }
        #expect(second?["symbology"] as? String == "]C1", "\(probe.transcript)")
        // Hang up with a code in progress: it is dropped and reported, and the scanner detached.
        close(master)
        let dropped = probe.wait { $0["event"] as? String == "partialDropped" }
        #expect(dropped?.text == "PART", "\(probe.transcript)")
        #expect(probe.wait { $0["event"] as? String == "detached" } != nil, "\(probe.transcript)")
        #expect(probe.stop() == 0)
        #expect(probe.events.filter { $0["event"] as? String == "scan" }.compactMap(\.text) == ["4006381333931", "SF1234567890123"])
    }

    /// A CDC-ACM scanner found by USB id: umockdev emulates /sys (ttyACM0 under a USB device 0c2e:0b6a) and a tty
    /// that replays `acm.script` (two codes, CR LF), so sysfs discovery and the raw tty reader run for real.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/umockdev-run"), "umockdev is not installed"))
    func cdcACMScannerFoundThroughSysfs() throws {
        let result = try runCommand(
            "/usr/bin/timeout",
            [
                "60", "/usr/bin/umockdev-run", "-d", "\(USBFixtures.folder)/acm.umockdev", "-s",
                "/dev/ttyACM0=\(USBFixtures.folder)/acm.script", "--", USBFixtures.probe, "--no-usb", "--serial-usb", "0c2e:0b6a",
                "--serial-terminator", "crlf", "--exit-after", "2",
            ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let run = HarnessRun(status: result.status, stdout: result.stdout, stderr: result.stderr)
        #expect(run.events("scan").compactMap(\.text) == ["4006381333931", "UMOCKDEV-ACM"], "\(run)")
        let attached = try #require(run.events("attached").first)
        #expect(attached.scannerKey == "tty:0c2e:0b6a:sn=SN0002")
        #expect(attached.scannerField["portPath"] as? String == "1-2")
        #expect(attached.scannerField["deviceNode"] as? String == "/dev/ttyACM0")
    }
}
