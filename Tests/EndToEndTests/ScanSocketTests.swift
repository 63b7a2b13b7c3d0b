import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// Scans submitted on the socket, acted on by scanner role, seen on the event stream and in the inventory.
@Suite(.serialized, .waitsOnProcesses) struct ScanSocketTests {
    static let config = """
        {"scanners": {"defaultRole": "intake", "duplicateWindowMs": 1500,
          "assignments": [{"match": "counter-1", "role": "pickup", "counter": "A", "name": "取件台"}]}}
        """

    func scan(_ client: StationConnection, _ text: String, scanner: String? = nil) throws -> ScanOutcomeDTO {
        try client.call(Method.submitScan.rawValue, SubmitScanParams(text: text, scanner: scanner), as: ScanOutcomeDTO.self)
    }

    func event<T: Codable & Sendable>(_ watcher: StationConnection, named name: String, as type: T.Type) throws -> T {
        while true {
            let line = try watcher.nextEvent()
            let message = try JSONDecoder().decode(EventMessage<AnyData>.self, from: Data(line))
            if message.event == name { return try JSONDecoder().decode(EventMessage<T>.self, from: Data(line)).data }
        }
    }

    struct AnyData: Codable, Sendable {}

    @Test func scansActByRoleAndEveryOutcomeReachesSubscribers() throws {
        let daemon = try DaemonProcess(config: Self.config)
        let client = try daemon.connect(client: "desk")
        let watcher = try daemon.connect(client: "display")
        _ = try watcher.call(Method.subscribe.rawValue, NoParams(), as: SubscribeResult.self)

        let taken = try scan(client, "]C0SF1234567890123\r")
        #expect(taken.result == "intake")
        #expect(taken.scanner == "socket:desk")
        let code = try #require(taken.parcel?.pickupCode)
        #expect(taken.message.contains(code))
        // Ledger events come first, then what the scan did.
        #expect(try event(watcher, named: EventName.intake, as: ParcelEventData.self).parcel.tracking == "SF1234567890123")
        #expect(try event(watcher, named: EventName.scan, as: ScanOutcomeDTO.self).result == "intake")

        #expect(try scan(client, "SF1234567890123").result == "duplicate")
        #expect(try scan(client, "EA123456784CN").error?.code == .checkDigit)
        _ = try client.intake("SF1234567890124", phoneTail: "5678")

        // The counter's pickup scanner: nothing without a verified recipient, then exactly their parcels.
        #expect(try scan(client, "SF1234567890123", scanner: "counter-1").result == "verifyFirst")
        let verified = try client.call(
            Method.verifyPickup.rawValue, VerifyParams(code: code, counter: "A"), as: ParcelsResult.self)
        #expect(verified.parcels.map(\.tracking) == ["SF1234567890123"])
        #expect(try scan(client, "SF1234567890124", scanner: "counter-1").result == "notThisRecipient")
        let handed = try scan(client, "SF1234567890123", scanner: "counter-1")
        #expect(handed.result == "pickedUp")
        #expect(handed.parcel?.state == "pickedUp")
        #expect(handed.remaining == 0)
        #expect(try event(watcher, named: EventName.pickup, as: ParcelEventData.self).parcel.tracking == "SF1234567890123")
        let shown = try event(watcher, named: EventName.scan, as: ScanOutcomeDTO.self)
        #expect(shown.result == "pickedUp")
        #expect(shown.counter == "A")

        let list = try client.call(Method.scanners.rawValue, NoParams(), as: ScannersResult.self).scanners
        let desk = try #require(list.first { $0.id == "socket:desk" })
        #expect(desk.scans == 3)
        #expect(desk.duplicates == 1)
        #expect(desk.rejected == 1)
        let counter = try #require(list.first { $0.id == "counter-1" })
        #expect(counter.role == "pickup")
        #expect(counter.name == "取件台")
        #expect(counter.lastResult == "pickedUp")
        #expect(daemon.terminate() == 0)
    }

    @Test func commandBarcodesSwitchRolesUntilSwitchedBackAcrossRestarts() throws {
        let daemon = try DaemonProcess(config: Self.config)
        let client = try daemon.connect(client: "desk")
        let switched = try scan(client, "PSCMD:OFF")
        #expect(switched.result == "roleChanged")
        #expect(switched.role == "off")
        #expect(try scan(client, "JT1234567890123").result == "ignored")
        #expect(try client.call(Method.status.rawValue, NoParams(), as: StatusResult.self).events == 0)
        #expect(daemon.terminate() == 0)

        let again = try daemon.restarted(config: Self.config)
        let client2 = try again.connect(client: "desk")
        #expect(try scan(client2, "JT1234567890123").result == "ignored")
        let reset = try client2.call(
            Method.setScannerRole.rawValue, SetRoleParams(scanner: "socket:desk", role: nil), as: ScannersResult.self)
        #expect(reset.scanners.first?.role == "intake")
        #expect(reset.scanners.first?.roleSource == "default")
        #expect(try scan(client2, "JT1234567890123").result == "intake")
        #expect(
            try client2.errorCode(
                forRawLine: "{\"id\":1,\"method\":\"Scanner.SetRole\",\"params\":{\"scanner\":\"nope\",\"role\":\"off\"}}\n")
                == "scanner.notFound")
        #expect(
            try client2.errorCode(
                forRawLine: "{\"id\":2,\"method\":\"Scanner.SetRole\",\"params\":{\"scanner\":\"socket:desk\",\"role\":\"dance\"}}\n")
                == "request.invalidParams")
        #expect(again.terminate() == 0)
    }
}
