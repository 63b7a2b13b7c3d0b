import Foundation
import StationProtocol
import StationTestSupport
import Testing

/// `parcelctl` as a station user runs it.
@Suite(.serialized, .waitsOnProcesses) struct ParcelctlTests {
    func ctl(_ daemon: DaemonProcess?, _ subcommand: String, _ arguments: [String] = []) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let socket = daemon?.socketPath ?? "/nonexistent/parcel.sock"
        return try runCommand(BuiltProducts.parcelctl, [subcommand, "--socket", socket] + arguments)
    }

    @Test func intakePickupAndReportsAsAUserSeesThem() throws {
        let daemon = try DaemonProcess(config: #"{"station":{"id":"cun-01","name":"李家村服务站"}}"#)
        let intake = try ctl(daemon, "intake", ["SF1234567890123", "75123456789012", "--phone-tail", "5678", "--staff", "王芳"])
        #expect(intake.status == 0, "\(intake.stderr)")
        #expect(intake.stdout.contains("1-1-0001"))
        #expect(intake.stdout.contains("ZTO"))

        let json = try ctl(daemon, "intake", ["SF1234567890123", "--json"])
        let reply = try JSONDecoder().decode(Reply<ParcelResult>.self, from: Data(json.stdout.utf8))
        #expect(reply.result.repeat)

        let status = try ctl(daemon, "status")
        #expect(status.stdout.contains("李家村服务站"))

        let list = try ctl(daemon, "pickup", ["--phone-tail", "5678"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("2 waiting"))

        let handOut = try ctl(daemon, "pickup", ["--phone-tail", "5678", "--all", "--staff", "王芳"])
        #expect(handOut.status == 0, "\(handOut.stderr)")
        #expect(handOut.stdout.contains("handed out 2"))

        let show = try ctl(daemon, "show", ["SF1234567890123"])
        #expect(show.stdout.contains("pickUp"))
        #expect(show.stdout.contains("王芳@parcelctl"))

        let backlog = try ctl(daemon, "backlog", ["--json"])
        #expect(try JSONDecoder().decode(Reply<BacklogResult>.self, from: Data(backlog.stdout.utf8)).result.total == 0)
        #expect(daemon.terminate() == 0)
    }

    @Test func undoTakesBackAPickupAndAnIntakeAndSaysWhenItCannot() throws {
        let daemon = try DaemonProcess(config: #"{"station":{"id":"cun-01","name":"李家村服务站"},"undoWindowMinutes":5}"#)
        #expect(try ctl(daemon, "intake", ["SF1234567890123", "YT1234567890123", "--phone-tail", "5678"]).status == 0)
        #expect(try ctl(daemon, "pickup", ["--phone-tail", "5678", "--all", "--staff", "王芳"]).status == 0)

        let back = try ctl(daemon, "undo", ["pickup", "SF1234567890123", "--reason", "给错人了", "--staff", "王芳"])
        #expect(back.status == 0, "\(back.stderr)")
        #expect(back.stdout.contains("已通知") || back.stdout.contains("在架"), "\(back.stdout)")
        #expect(back.stdout.contains("1-1-0001"))
        let show = try ctl(daemon, "show", ["SF1234567890123"])
        #expect(show.stdout.contains("undoPickup"))
        #expect(show.stdout.contains("给错人了"))

        let again = try ctl(daemon, "undo", ["pickup", "SF1234567890123"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("parcel.illegalTransition"), "\(again.stderr)")

        #expect(try ctl(daemon, "intake", ["JT1234567890123"]).status == 0)
        let voided = try ctl(daemon, "undo", ["intake", "JT1234567890123", "--json"])
        let reply = try JSONDecoder().decode(Reply<ParcelResult>.self, from: Data(voided.stdout.utf8))
        #expect(reply.result.parcel.state == "voided")
        #expect(try ctl(daemon, "status").stdout.contains("已撤销"))

        let usage = try ctl(daemon, "undo", ["shelve", "SF1234567890123"])
        #expect(usage.status == 64)
        #expect(daemon.terminate() == 0)
    }

    @Test func errorsHaveMessagesAndExitCodes() throws {
        let daemon = try DaemonProcess()
        let missing = try ctl(daemon, "show", ["SF0000000000000"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("parcel.notFound"))

        let bad = try ctl(daemon, "intake", ["EA123456784CN", "SF1111111111111"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("tracking.checkDigit"))
        #expect(bad.stdout.contains("SF1111111111111"))

        let usage = try ctl(daemon, "pickup", [])
        #expect(usage.status == 64)

        let noDaemon = try ctl(nil, "status")
        #expect(noDaemon.status == 69)
        #expect(noDaemon.stderr.contains("Is the daemon running?"))
        #expect(daemon.terminate() == 0)
    }

    @Test func socketComesFromTheEnvironmentWhenNotGiven() throws {
        let daemon = try DaemonProcess()
        var environment = ProcessInfo.processInfo.environment
        environment["PARCEL_STATION_SOCKET"] = daemon.socketPath
        let result = try runCommand(BuiltProducts.parcelctl, ["status", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(daemon.terminate() == 0)
    }

    @Test func scansAndScannersFromTheCommandLine() throws {
        let daemon = try DaemonProcess()
        let scanned = try ctl(daemon, "scan", ["SF1234567890123", "PSCMD:OFF", "JT1234567890123"])
        #expect(scanned.status == 0, "\(scanned.stderr)")
        #expect(scanned.stdout.contains("入库成功"))
        #expect(scanned.stdout.contains("扫描枪已切换为：停用"))
        #expect(scanned.stdout.contains("ignored"))
        let list = try daemon.parcelctl(["scanners"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("socket:parcelctl"))
        #expect(list.stdout.contains("停用 off *"))
        let reset = try daemon.parcelctl(["scanners", "set-role", "socket:parcelctl", "configured"])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stdout.contains("intake (default)"))
        let bad = try ctl(daemon, "scan", ["EA123456784CN"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("rejected"))
        #expect(daemon.terminate() == 0)
    }

    /// The printed command barcodes are real Code 128 that zbar reads back as the command texts.
    @Test func printedCommandBarcodesDecode() throws {
        let folder = try TemporaryDirectory(prefix: "parcel-commands")
        let printed = try runCommand(BuiltProducts.parcelctl, ["scanners", "print-commands", "--format", "pgm", "--out", folder.path])
        #expect(printed.status == 0, "\(printed.stderr)")
        let files = ["intake", "pickup", "handoff", "stocktake", "off"].map { folder.file("\($0).pgm") }
        let decoded = try runCommand(BuiltProducts.parcelctl, ["decode", "--json"] + files)
        #expect(decoded.status == 0, "\(decoded.stderr)")
        for name in ["INTAKE", "PICKUP", "HANDOFF", "STOCKTAKE", "OFF"] {
            #expect(decoded.stdout.contains("\"PSCMD:\(name)\""), "\(name) not read back: \(decoded.stdout.prefix(400))")
        }
        let page = try runCommand(BuiltProducts.parcelctl, ["scanners", "print-commands"])
        #expect(page.stdout.contains("<svg"))
        #expect(page.stdout.contains("PSCMD:PICKUP"))
    }

    @Test func aPickupSlipForARecipientWithoutAPhone() throws {
        let daemon = try DaemonProcess(config: #"{"station":{"id":"cun-01","name":"李家村服务站"}}"#)
        let intake = try ctl(daemon, "intake", ["JT1234567890123"])
        #expect(intake.status == 0, "\(intake.stderr)")
        let slip = try ctl(daemon, "slip", ["JT1234567890123"])
        #expect(slip.status == 0, "\(slip.stderr)")
        #expect(slip.stdout.contains("李家村服务站"))
        #expect(slip.stdout.contains("1-1-0001"))
        #expect(slip.stdout.contains("0123"))
        let html = try ctl(daemon, "slip", ["JT1234567890123", "--html", "--paper", "80mm"])
        #expect(html.stdout.contains("<html"))
        #expect(try ctl(daemon, "slip", ["SF9999999999999"]).status == 1)
        #expect(daemon.terminate() == 0)
    }
}
