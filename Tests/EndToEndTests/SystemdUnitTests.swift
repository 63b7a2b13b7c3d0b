import Foundation
import StationTestSupport
import Testing

/// The shipped systemd files, checked by systemd's own tools.
@Suite(.waitsOnProcesses) struct SystemdUnitTests {
    /// The repository's `systemd/` folder, found from this source file.
    static let unitDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("systemd").path

    /// A copy of the units whose ExecStart names the binary just built, so `verify` can check it exists.
    func stagedUnits() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "units")
        for name in ["parcel-stationd.service", "parcel-stationd.socket", "parcel-station-web.service"] {
            var text = try String(contentsOfFile: "\(Self.unitDirectory)/\(name)", encoding: .utf8)
            text = text.replacingOccurrences(of: "/usr/bin/parcel-stationd", with: BuiltProducts.daemon)
            text = text.replacingOccurrences(of: "/usr/bin/parcel-station-web", with: BuiltProducts.path(of: "parcel-station-web"))
            try text.write(toFile: directory.file(name), atomically: true, encoding: .utf8)
        }
        return directory
    }

    @Test func unitsPassSystemdAnalyzeVerify() throws {
        let directory = try stagedUnits()
        let result = try runCommand(
            "/usr/bin/systemd-analyze",
            [
                "verify", directory.file("parcel-stationd.service"), directory.file("parcel-stationd.socket"),
                directory.file("parcel-station-web.service"),
            ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(!result.stderr.contains("Unknown key"), "\(result.stderr)")
    }

    @Test func serviceExposureIsAtMostTwo() throws {
        let directory = try stagedUnits()
        let result = try runCommand("/usr/bin/systemd-analyze", ["security", "--offline=true", directory.file("parcel-stationd.service")])
        let line = try #require(
            result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(result.stdout)\(result.stderr)")
        // "→ Overall exposure level for parcel-stationd.service: 0.6 SAFE"
        let number = try #require(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) })
        #expect(number <= 2.0, "\(line)")
    }

    /// The console may use the network, but only loopback by default: its exposure stays at most 2.5.
    @Test func consoleExposureIsAtMostTwoAndAHalfWithLoopbackOnly() throws {
        let directory = try stagedUnits()
        let result = try runCommand(
            "/usr/bin/systemd-analyze", ["security", "--offline=true", directory.file("parcel-station-web.service")])
        let line = try #require(
            result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(result.stdout)\(result.stderr)")
        let number = try #require(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) })
        #expect(number <= 2.5, "\(line)")
        let text = try String(contentsOfFile: "\(Self.unitDirectory)/parcel-station-web.service", encoding: .utf8)
        #expect(text.contains("IPAddressDeny=any") && text.contains("IPAddressAllow=localhost"))
        #expect(text.contains("User=parcel-station-web") && text.contains("SupplementaryGroups=parcel-staff"))
    }

    @Test func serviceIsNotifyTypeWithWatchdogAndStaticAccount() throws {
        let text = try String(contentsOfFile: "\(Self.unitDirectory)/parcel-stationd.service", encoding: .utf8)
        for line in ["Type=notify", "WatchdogSec=", "User=parcel-station", "StateDirectory=parcel-station"] {
            #expect(text.contains(line), "\(line)")
        }
        #expect(!text.contains("DynamicUser=yes"))
    }

    @Test func sysusersCreatesTheAccountAndStaffGroup() throws {
        let root = try TemporaryDirectory(prefix: "sysroot")
        try FileManager.default.createDirectory(atPath: root.file("etc"), withIntermediateDirectories: true)
        let result = try runCommand("/usr/bin/systemd-sysusers", ["--root=\(root.path)", "\(Self.unitDirectory)/parcel-station.sysusers"])
        #expect(result.status == 0, "\(result.stderr)")
        let passwd = try String(contentsOfFile: root.file("etc/passwd"), encoding: .utf8)
        let group = try String(contentsOfFile: root.file("etc/group"), encoding: .utf8)
        #expect(passwd.contains("parcel-station:x:"))
        #expect(passwd.contains("/usr/sbin/nologin"))
        #expect(group.contains("parcel-staff:x:"))
        #expect(passwd.contains("parcel-station-web:x:"))
        #expect(group.split(separator: "\n").contains { $0.hasPrefix("parcel-staff:x:") && $0.hasSuffix("parcel-station-web") })
    }
}
