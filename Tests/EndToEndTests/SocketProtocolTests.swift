import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// The socket protocol against a real daemon process.
@Suite(.serialized, .waitsOnProcesses) struct SocketProtocolTests {
    @Test func stationFlowOverTheSocket() throws {
        let daemon = try DaemonProcess()
        let client = try StationConnection(socketPath: daemon.socketPath)
        let hello = try client.hello(client: "e2e")
        #expect(hello.protocol == ProtocolVersion.current)
        #expect(hello.access == "write")
        #expect(Set(hello.methods).isSuperset(of: Method.allCases.map(\.rawValue)))

        let intake = try client.intake("SF1234567890123\r", phoneTail: "5678")
        #expect(!intake.repeat)
        #expect(intake.parcel.state == "shelved")
        #expect(intake.parcel.couriers.first?.code == "SF")
        let code = try #require(intake.parcel.pickupCode)
        #expect(try client.intake("SF1234567890123").repeat)

        let got = try client.call(Method.get.rawValue, GetParams(tracking: "sf1234567890123"), as: GetResult.self)
        #expect(got.events.map(\.kind) == ["intake", "shelve"])

        let verified = try client.call(Method.verifyPickup.rawValue, VerifyParams(code: code), as: ParcelsResult.self)
        #expect(verified.parcels.map(\.tracking) == ["SF1234567890123"])
        let confirmed = try client.call(
            Method.confirmPickup.rawValue, ConfirmParams(trackings: ["SF1234567890123"], code: code, staff: "王芳"), as: ConfirmResult.self)
        #expect(confirmed.parcels.first?.state == "pickedUp")

        let found = try client.call(Method.search.rawValue, SearchParams(states: ["pickedUp"]), as: ParcelsResult.self)
        #expect(found.parcels.count == 1)
        let backlog = try client.call(Method.backlog.rawValue, BacklogParams(olderThanHours: 0), as: BacklogResult.self)
        #expect(backlog.total == 0)
        let status = try client.call(Method.status.rawValue, NoParams(), as: StatusResult.self)
        #expect(status.parcels["pickedUp"] == 1)
        #expect(daemon.terminate() == 0)
    }

    @Test func badInputGetsItsErrorCodeAndTheConnectionStaysUsable() throws {
        let daemon = try DaemonProcess(config: #"{"server":{"maxLineBytes":1024}}"#)
        let client = try daemon.connect()
        let bystander = try daemon.connect(client: "bystander")
        let cases: [(String, String)] = [
            ("not json\n", "request.malformed"),
            ("[1,2,3]\n", "request.malformed"),
            ("{\"id\":1}\n", "request.malformed"),
            ("{\"id\":2,\"method\":\"Parcel.Explode\"}\n", "request.unknownMethod"),
            ("{\"id\":3,\"method\":\"Parcel.Intake\",\"params\":{\"tracking\":42}}\n", "request.invalidParams"),
            ("{\"id\":4,\"method\":\"Parcel.Intake\",\"params\":{}}\n", "request.invalidParams"),
            ("{\"id\":5,\"method\":\"Parcel.Intake\"}\n", "request.invalidParams"),
            ("{\"id\":6,\"method\":\"Pickup.Confirm\",\"params\":{\"trackings\":\"SF1\",\"code\":\"1-1-1\"}}\n", "request.invalidParams"),
            (
                "{\"id\":7,\"method\":\"Station.Hello\",\"params\":{\"protocol\":{\"major\":2,\"minor\":0}}}\n",
                "protocol.unsupportedVersion"
            ),
            ("{\"id\":8,\"method\":\"Parcel.Intake\",\"params\":{\"tracking\":\"\\u0000\\r\\n\"}}\n", "request.controlCharacter"),
            ("{\"id\":8,\"method\":\"Parcel.Intake\",\"params\":{\"tracking\":\"\\r\\n\"}}\n", "tracking.invalid"),
            ("{\"id\":9,\"method\":\"Parcel.Intake\",\"params\":{\"tracking\":\"EA123456784CN\"}}\n", "tracking.checkDigit"),
            ("{\"id\":10,\"method\":\"Pickup.Verify\",\"params\":{\"code\":\"3-2\"}}\n", "pickupCode.invalid"),
            ("{\"id\":11,\"method\":\"Pickup.Verify\",\"params\":{}}\n", "pickup.credentialRequired"),
            ("{\"id\":12,\"method\":\"Parcel.Get\",\"params\":{\"tracking\":\"SF0000000000000\"}}\n", "parcel.notFound"),
            ("{\"id\":13,\"method\":\"Parcel.Intake\",\"params\":{\"tracking\":\"SF1234567890123\",\"phone\":\"12\"}}\n", "phone.invalid"),
            ("{\"id\":14,\"method\":\"Report.Backlog\",\"params\":{\"olderThanHours\":-5}}\n", "request.invalidParams"),
            ("{\"id\":\"x\",\"method\":\"" + String(repeating: "A", count: 5000) + "\"}\n", "request.tooLarge"),
        ]
        for (line, expected) in cases {
            #expect(try client.errorCode(forRawLine: line) == expected, "\(line.prefix(80))")
        }
        // Invalid UTF-8 bytes.
        try client.send([0x7B, 0xFF, 0xFE, 0x7D, 0x0A])
        #expect(StationConnection.errorCode(of: try client.readLine()) == "request.invalidUTF8")
        // Ids are echoed whatever their type.
        try client.send(Array("{\"id\":\"abc\",\"method\":\"Station.Status\"}\n".utf8))
        #expect(String(decoding: try client.readLine(), as: UTF8.self).contains("\"id\":\"abc\""))
        // Still usable, and the other client never noticed.
        #expect(try client.intake("JT1234567890123").parcel.state == "shelved")
        #expect(try bystander.intake("JT1234567890124").parcel.state == "shelved")
        #expect(daemon.terminate() == 0)
    }

    @Test func twoHundredConcurrentClients() throws {
        let daemon = try DaemonProcess(config: #"{"shelves":[{"id":1,"layers":10,"layerCapacity":100}]}"#)
        let failures = Collected<String>()
        let codes = Collected<String>()
        let path = daemon.socketPath
        onThreads(200) { index in
            do {
                let client = try StationConnection(socketPath: path)
                try client.hello(client: "c\(index)")
                let result = try client.intake("JD00\(String(1_000_000_000_000 + index))")
                codes.append(result.parcel.pickupCode ?? "")
            } catch {
                failures.append("\(index): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all.prefix(5))")
        #expect(Set(codes.all).count == 200)
        let status = try daemon.connect().call(Method.status.rawValue, NoParams(), as: StatusResult.self)
        #expect(status.active == 200)
        #expect(daemon.terminate() == 0)
    }

    @Test func connectionLimitAnswersBusyWithoutHurtingOthers() throws {
        let daemon = try DaemonProcess(config: #"{"server":{"maxConnections":3}}"#)
        var open = try (0..<3).map { _ in try daemon.connect() }
        let extra = try StationConnection(socketPath: daemon.socketPath)
        #expect(StationConnection.errorCode(of: try extra.readLine()) == "server.busy")
        #expect(throws: ClientError.connectionClosed) { _ = try extra.readLine() }
        #expect(try open[0].intake("SF1000000000001").parcel.state == "shelved")
        open.removeLast()
        // The closed connection's slot frees up (the daemon notices the close asynchronously).
        var admitted = false
        for _ in 0..<50 where !admitted {
            if let again = try? daemon.connect(), (try? again.intake("SF1000000000002")) != nil { admitted = true }
            usleep(50_000)
        }
        #expect(admitted)
        #expect(daemon.terminate() == 0)
    }

    @Test func idleConnectionsAreClosedButSubscribersStay() throws {
        let daemon = try DaemonProcess(config: #"{"server":{"idleTimeoutSeconds":1}}"#)
        let idle = try daemon.connect()
        let subscriber = try daemon.connect()
        _ = try subscriber.call(Method.subscribe.rawValue, NoParams(), as: SubscribeResult.self)
        let start = Date()
        #expect(StationConnection.errorCode(of: try idle.readLine()) == "connection.idleTimeout")
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(throws: ClientError.connectionClosed) { _ = try idle.readLine() }
        sleep(2)
        // The subscriber, idle for longer than the timeout, still hears about an intake.
        _ = try daemon.connect().intake("SF1000000000003")
        let event = String(decoding: try subscriber.nextEvent(), as: UTF8.self)
        #expect(event.contains("\"event\":\"parcel.intake\""))
        #expect(event.contains("SF1000000000003"))
        #expect(daemon.terminate() == 0)
    }

    @Test func aClientVanishingMidRequestLosesNothing() throws {
        let daemon = try DaemonProcess()
        for index in 0..<20 {
            let client = try StationConnection(socketPath: daemon.socketPath)
            try client.send(
                Array("{\"id\":1,\"method\":\"Parcel.Intake\",\"params\":{\"tracking\":\"YT10000000000\(10 + index)\"}}\n".utf8))
            // Dropped without reading the reply (and half the time before the daemon could even read it all).
        }
        let checker = try daemon.connect()
        var active = 0
        for _ in 0..<100 {
            active = try checker.call(Method.status.rawValue, NoParams(), as: StatusResult.self).active
            if active == 20 { break }
            usleep(50_000)
        }
        #expect(active == 20)
        #expect(daemon.terminate() == 0)
    }

    @Test func subscribersReceiveEventsFromOtherClients() throws {
        let daemon = try DaemonProcess()
        let watcher = try daemon.connect(client: "counter-display")
        let subscribed = try watcher.call(Method.subscribe.rawValue, NoParams(), as: SubscribeResult.self)
        #expect(subscribed.events.contains("parcel.intake"))
        let desk = try daemon.connect(client: "desk")
        let parcel = try desk.intake("SF5555555555555", phoneTail: "4321").parcel
        _ = try desk.call(
            Method.confirmPickup.rawValue, ConfirmParams(trackings: [parcel.tracking], phoneTail: "4321"), as: ConfirmResult.self)
        var names: [String] = []
        while names.count < 3 {
            let message = try JSONDecoder().decode(EventMessage<ParcelEventData>.self, from: Data(try watcher.nextEvent()))
            #expect(message.data.parcel.tracking == "SF5555555555555")
            names.append(message.event)
        }
        #expect(names == ["parcel.intake", "parcel.stateChanged", "parcel.pickedUp"])
        #expect(daemon.terminate() == 0)
    }

    @Test func subscribingTwiceOnOneConnectionDeliversEachEventOnce() throws {
        let daemon = try DaemonProcess()
        let watcher = try daemon.connect(client: "display")
        for _ in 0..<2 { _ = try watcher.call(Method.subscribe.rawValue, NoParams(), as: SubscribeResult.self) }
        let desk = try daemon.connect(client: "desk")
        let parcel = try desk.intake("YT5555555555555", phoneTail: "1111").parcel
        _ = try desk.call(
            Method.confirmPickup.rawValue, ConfirmParams(trackings: [parcel.tracking], phoneTail: "1111"), as: ConfirmResult.self)
        var names: [String] = []
        for _ in 0..<3 {
            names.append(try JSONDecoder().decode(EventMessage<ParcelEventData>.self, from: Data(try watcher.nextEvent())).event)
        }
        // A second stream would have repeated the intake events before the pickup.
        #expect(names == ["parcel.intake", "parcel.stateChanged", "parcel.pickedUp"])
        #expect(daemon.terminate() == 0)
    }
}
