import Foundation
import Glibc
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// What protocol 1.6 added for the station console, against a real daemon: a phone tail added after intake, the
/// ledger disk in `Station.Status`, and the staff a submitted scan names.
@Suite(.serialized, .waitsOnProcesses) struct ConsoleProtocolTests {
    func ctl(_ daemon: DaemonProcess, _ subcommand: String, _ arguments: [String] = []) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        try runCommand(BuiltProducts.parcelctl, [subcommand, "--socket", daemon.socketPath] + arguments)
    }

    @Test func aTailAddedAfterIntakeFindsTheParcelAtPickupAndSubscribersHearOfIt() throws {
        let daemon = try DaemonProcess()
        let watcher = try daemon.connect(client: "counter-display")
        #expect(try watcher.call(Method.subscribe, SubscribeParams()).events.contains(EventName.updated))
        let desk = try daemon.connect(client: "console")
        let parcel = try desk.intake("SF1234567890123").parcel
        #expect(parcel.phoneTail == nil)
        let before = try desk.callRaw(Method.verifyPickup.rawValue, VerifyParams(phoneTail: "5678"))
        #expect(StationConnection.errorCode(of: before) == ErrorCode.noMatch.rawValue)

        let updated = try desk.call(Method.setPhone, SetPhoneParams(tracking: "SF1234567890123", phoneTail: "5678", staff: "王芳"))
        #expect(updated.parcel.phoneTail == "5678")
        #expect(updated.parcel.state == "shelved")
        #expect(updated.parcel.pickupCode == parcel.pickupCode)
        #expect(!updated.repeat)

        var heard: [EventMessage<ParcelEventData>] = []
        while heard.count < 3 {
            heard.append(try JSONDecoder().decode(EventMessage<ParcelEventData>.self, from: Data(try watcher.nextEvent())))
        }
        #expect(heard.map(\.event) == [EventName.intake, EventName.stateChanged, EventName.updated])
        let event = try #require(heard.last?.data)
        #expect(event.event.kind == "setPhone")
        #expect(event.event.from == "shelved" && event.event.to == "shelved")
        #expect(event.event.actor.hasPrefix("王芳@console"))
        #expect(event.parcel.phoneTail == "5678")

        let waiting = try desk.call(Method.verifyPickup, VerifyParams(phoneTail: "5678"))
        #expect(waiting.parcels.map(\.tracking) == ["SF1234567890123"])

        // A full number is kept as its tail and hash: no reply and no event carries it.
        let full = try desk.callRaw(Method.setPhone.rawValue, SetPhoneParams(tracking: "SF1234567890123", phone: "139 8765 4321"))
        #expect(!String(decoding: full, as: UTF8.self).contains("98765"))
        #expect(try StationConnection.decodeResult(full, as: ParcelResult.self).parcel.phoneTail == "4321")
        let history = try desk.callRaw(Method.get.rawValue, GetParams(tracking: "SF1234567890123"))
        #expect(!String(decoding: history, as: UTF8.self).contains("98765"))
        let got = try StationConnection.decodeResult(history, as: GetResult.self)
        #expect(got.events.map(\.kind) == ["intake", "shelve", "setPhone", "setPhone"])
        #expect(got.events.last?.details["replaced"] == "true")
        #expect(try desk.call(Method.verifyPickup, VerifyParams(phone: "13987654321")).parcels.count == 1)
        let wrongNumber = try desk.callRaw(Method.verifyPickup.rawValue, VerifyParams(phone: "13900004321"))
        #expect(StationConnection.errorCode(of: wrongNumber) == ErrorCode.noMatch.rawValue)

        // Refused: neither or both, a malformed tail, an unknown number, a parcel handed out. Nothing is written.
        let refusals: [(SetPhoneParams, ErrorCode)] = [
            (SetPhoneParams(tracking: "SF1234567890123"), .invalidParams),
            (SetPhoneParams(tracking: "SF1234567890123", phone: "13987654321", phoneTail: "4321"), .invalidParams),
            (SetPhoneParams(tracking: "SF1234567890123", phoneTail: "43a1"), .invalidParams),
            (SetPhoneParams(tracking: "SF1234567890123", phone: "12345"), .phoneInvalid),
            (SetPhoneParams(tracking: "YT9999999999999", phoneTail: "4321"), .parcelNotFound),
        ]
        for (params, code) in refusals {
            #expect(StationConnection.errorCode(of: try desk.callRaw(Method.setPhone.rawValue, params)) == code.rawValue, "\(params)")
        }
        _ = try desk.call(Method.confirmPickup, ConfirmParams(trackings: ["SF1234567890123"], phoneTail: "4321"))
        let late = try desk.callRaw(Method.setPhone.rawValue, SetPhoneParams(tracking: "SF1234567890123", phoneTail: "1111"))
        #expect(StationConnection.errorCode(of: late) == ErrorCode.illegalTransition.rawValue)
        #expect(try desk.call(Method.get, GetParams(tracking: "SF1234567890123")).events.count == 5)

        let audit = try desk.call(Method.verifyAudit, NoParams())
        #expect(audit.valid)
        #expect(audit.events == 5)
        #expect(daemon.terminate() == 0)
    }

    @Test func statusShowsTheSpaceOnTheLedgersDisk() throws {
        let daemon = try DaemonProcess()
        let status = try daemon.connect().call(Method.status, NoParams())
        let disk = try #require(status.disk)
        #expect(disk.path == URL(fileURLWithPath: status.database).deletingLastPathComponent().path)
        #expect(disk.path == URL(fileURLWithPath: daemon.stateDir).standardizedFileURL.path)
        var info = statvfs()
        #expect(statvfs(daemon.stateDir, &info) == 0)
        #expect(disk.totalBytes == Int64(info.f_blocks) * Int64(info.f_frsize))
        #expect(disk.freeBytes > 0 && disk.freeBytes <= disk.totalBytes)
        // Other tests write meanwhile: free space is compared within 1 GiB.
        #expect(abs(disk.freeBytes - Int64(info.f_bavail) * Int64(info.f_frsize)) < 1 << 30)

        let shown = try ctl(daemon, "status")
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("disk \(disk.path): "), "\(shown.stdout)")
        #expect(shown.stdout.contains(" free of "), "\(shown.stdout)")
        #expect(daemon.terminate() == 0)
    }

    @Test func aSubmittedScanRecordsTheStaffItNamesWithWhatItDoes() throws {
        let daemon = try DaemonProcess()
        let console = try daemon.connect(client: "console")
        let scanned = try console.call(Method.submitScan, SubmitScanParams(text: "SF1234567890123\r", staff: "王芳"))
        #expect(scanned.result == "intake")
        let events = try console.call(Method.get, GetParams(tracking: "SF1234567890123")).events
        #expect(events.map(\.actor) == ["王芳@scanner socket:console", "王芳@scanner socket:console"])
        _ = try console.call(Method.submitScan, SubmitScanParams(text: "YT1234567890123"))
        #expect(try console.call(Method.get, GetParams(tracking: "YT1234567890123")).events.first?.actor == "scanner socket:console")

        let typed = try ctl(daemon, "scan", ["--staff", "李四", "--scanner", "desk-2", "ZT1234567890123"])
        #expect(typed.status == 0, "\(typed.stderr)")
        #expect(try console.call(Method.get, GetParams(tracking: "ZT1234567890123")).events.first?.actor == "李四@scanner desk-2")
        #expect(daemon.terminate() == 0)
    }

    @Test func parcelctlPhoneSetsATailAndSaysWhatIsWrong() throws {
        let daemon = try DaemonProcess()
        #expect(try ctl(daemon, "intake", ["SF1234567890123"]).status == 0)
        let set = try ctl(daemon, "phone", ["SF1234567890123", "--tail", "5678", "--staff", "王芳"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.contains("5678"))
        let show = try ctl(daemon, "show", ["SF1234567890123"])
        #expect(show.stdout.contains("setPhone"))
        #expect(show.stdout.contains("王芳@parcelctl"))
        #expect(try ctl(daemon, "pickup", ["--phone-tail", "5678"]).stdout.contains("1 waiting"))

        #expect(try ctl(daemon, "phone", ["SF1234567890123", "--tail", "5678", "--phone", "13812345678"]).status == 64)
        #expect(try ctl(daemon, "phone", ["SF1234567890123"]).status == 64)
        let unknown = try ctl(daemon, "phone", ["YT9999999999999", "--tail", "5678"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("parcel.notFound"))
        #expect(daemon.terminate() == 0)
    }
}
