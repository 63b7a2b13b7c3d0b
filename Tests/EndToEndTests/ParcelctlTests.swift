import Foundation
import StationProtocol
import StationTestSupport
import Testing

/// `parcelctl` as a station user runs it.
@Suite(.serialized) struct ParcelctlTests {
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
}
