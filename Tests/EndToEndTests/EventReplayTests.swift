import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// `Events.Subscribe` with `since` against a real daemon: a tool that was away replays what it missed from the
/// ledger, then goes on live, seeing every durable event once and in order.
@Suite(.serialized, .waitsOnProcesses) struct EventReplayTests {
    /// What every event line says of itself.
    struct Head: Decodable {
        let event: String
        let seq: Int64?
    }

    static func head(_ line: [UInt8]) throws -> Head { try JSONDecoder().decode(Head.self, from: Data(line)) }

    @Test func aSubscriberAwayDuringAThousandIntakesSeesEachEventOnce() throws {
        let daemon = try DaemonProcess()
        let start = try daemon.connect().call(Method.subscribe, SubscribeParams()).seq
        #expect(start == 0)

        // Four desks take 1,000 parcels in meanwhile (group commits of several intakes, published as they commit).
        let desks = DispatchGroup()
        let failures = Collected<String>()
        let socketPath = daemon.socketPath
        for desk in 0..<4 {
            desks.enter()
            Thread {
                defer { desks.leave() }
                do {
                    let connection = try StationConnection(socketPath: socketPath, timeout: 30)
                    _ = try connection.hello(client: "desk-\(desk)")
                    for index in 0..<250 { _ = try connection.intake("SF" + String(2_000_000_000_000 + desk * 1000 + index)) }
                } catch {
                    failures.append("\(error)")
                }
            }.start()
        }

        var seqs: [Int64] = []
        var intakes: [String] = []
        func take(_ line: [UInt8]) throws {
            let message = try JSONDecoder().decode(EventMessage<ParcelEventData>.self, from: Data(line))
            seqs.append(try #require(message.seq, "\(String(decoding: line, as: UTF8.self))"))
            #expect(message.seq == message.data.event.seq)
            if message.event == EventName.intake { intakes.append(message.data.parcel.tracking) }
        }
        // The watcher goes away after every 150 events and comes back with the last seq it saw, while the desks
        // go on: each time the ledger replays what it missed and the live feed takes over.
        var reconnections = 0
        var watcher = try daemon.connect(client: "watcher")
        _ = try watcher.call(Method.subscribe, SubscribeParams(since: start))
        while seqs.last != 2000 {
            try take(try watcher.nextEvent())
            if seqs.count % 150 == 0 && seqs.count < 1800 {
                watcher = try daemon.connect(client: "watcher")
                _ = try watcher.call(Method.subscribe, SubscribeParams(since: seqs.last))
                reconnections += 1
            }
        }
        #expect(desks.wait(timeout: .now() + 60) == .success)
        #expect(failures.all.isEmpty, "\(failures.all)")
        #expect(reconnections == 11)

        // Each durable event once, in ledger order: no duplicate and no gap, 2 per intake.
        let duplicates = seqs.count - Set(seqs).count
        let missing = Set(1...2000).subtracting(seqs).sorted()
        let inOrder = seqs == seqs.sorted()
        #expect(duplicates == 0, "\(duplicates) events arrived twice")
        #expect(missing.isEmpty, "\(missing.count) events never arrived: \(missing.prefix(20))")
        #expect(inOrder)
        #expect(intakes.count == 1000 && Set(intakes).count == 1000, "\(intakes.count) intake events")
        // And the ledger agrees: its latest is what the watcher saw last.
        #expect(try daemon.connect().call(Method.subscribe, SubscribeParams()).seq == 2000)
        #expect(daemon.terminate() == 0)
    }

    @Test func tooFarBehindIsAGapAndAheadOfTheLedgerIsRefused() throws {
        let daemon = try DaemonProcess(config: #"{"eventReplayLimit": 5}"#)
        let desk = try daemon.connect(client: "desk")
        for index in 0..<5 { _ = try desk.intake("SF" + String(3_000_000_000_000 + index)) }  // seq 1…10

        let behind = try daemon.connect()
        let gap = try behind.callRaw(Method.subscribe.rawValue, SubscribeParams(since: 4))
        #expect(StationConnection.errorCode(of: gap) == "events.gap")
        #expect(String(decoding: gap, as: UTF8.self).contains("6 events were missed"))

        let ahead = try daemon.connect()
        #expect(
            StationConnection.errorCode(of: try ahead.callRaw(Method.subscribe.rawValue, SubscribeParams(since: 11)))
                == "events.sinceAhead")
        #expect(
            StationConnection.errorCode(of: try ahead.callRaw(Method.subscribe.rawValue, SubscribeParams(since: -1)))
                == "request.invalidParams")

        // Within the bound: exactly the 5 missed, then live.
        let near = try daemon.connect()
        #expect(try near.call(Method.subscribe, SubscribeParams(since: 5)).seq == 10)
        _ = try desk.intake("SF3000000000099")
        var seqs: [Int64] = []
        while seqs.count < 7 { seqs.append(try #require(try Self.head(try near.nextEvent()).seq)) }
        #expect(seqs == Array(6...12))
        #expect(daemon.terminate() == 0)
    }

    @Test func handoffAndStocktakeChangesAreEventsThatReplayAndTheChainStillVerifies() throws {
        let daemon = try DaemonProcess(config: HandoffCommandTests.config)
        let watcher = try daemon.connect(client: "watcher")
        _ = try watcher.call(Method.subscribe, SubscribeParams())
        let desk = try daemon.connect(client: "desk")

        _ = try desk.intake("SF4000000000001", phoneTail: "5678")
        let handoff = try desk.call(Method.openHandoff, HandoffOpenParams(direction: "inbound", kind: "delivery", party: "zto-wang"))
            .handoff.id
        _ = try desk.call(Method.scanHandoff, HandoffScanParams(handoff: handoff, text: "75100000000001", staff: "王芳"))
        _ = try desk.call(Method.closeHandoff, HandoffCloseParams(handoff: handoff, pin: "4826"))
        let discrepancy = try #require(try desk.call(Method.discrepancies, NoParams()).discrepancies.first)
        _ = try desk.call(Method.resolveDiscrepancy, ResolveParams(id: discrepancy.id, resolution: "found", note: "李四说在柜台下"))
        let stocktake = try desk.call(Method.startStocktake, StocktakeStartParams()).id
        _ = try desk.call(Method.scanStocktake, StocktakeScanParams(stocktake: stocktake, text: "SF4000000000001"))
        _ = try desk.call(Method.closeStocktake, StocktakeRefParams(stocktake: stocktake))
        _ = try desk.intake("SF4000000000002")

        let expected = [
            "parcel.intake", "parcel.stateChanged", "handoff.opened", "parcel.intake", "parcel.stateChanged", "handoff.lineScanned",
            "handoff.closed", "discrepancy.resolved", "stocktake.opened", "stocktake.scanned", "stocktake.closed", "parcel.intake",
            "parcel.stateChanged",
        ]
        var live: [(seq: Int64, name: String, line: String)] = []
        while live.count < expected.count {
            let line = try watcher.nextEvent()
            let head = try Self.head(line)
            live.append((try #require(head.seq, "\(head.event) has no seq"), head.event, String(decoding: line, as: UTF8.self)))
        }
        #expect(live.map(\.name) == expected)
        #expect(live.map(\.seq) == Array(1...Int64(expected.count)))
        let closed = try #require(live.first { $0.name == "handoff.closed" }?.line)
        #expect(closed.contains(#""handoff":"\#(handoff)""#) && closed.contains(#""discrepancies":1"#), "\(closed)")
        // No personal data in station events: not the recipient's phone, the courier's name, nor a free-text note.
        for event in live where !event.name.hasPrefix("parcel.") {
            #expect(!event.line.contains("5678") && !event.line.contains("王师傅") && !event.line.contains("李四"), "\(event.line)")
            #expect(event.line.contains(#""at":"20"#), "\(event.line)")
        }

        // A tool that saw nothing replays the same events with the same numbers (parcel data as it stands now).
        let late = try daemon.connect(client: "late")
        #expect(try late.call(Method.subscribe, SubscribeParams(since: 0)).seq == Int64(expected.count))
        var replayed: [(seq: Int64, name: String, line: String)] = []
        while replayed.count < expected.count {
            let line = try late.nextEvent()
            let head = try Self.head(line)
            replayed.append((try #require(head.seq), head.event, String(decoding: line, as: UTF8.self)))
        }
        #expect(replayed.map(\.seq) == live.map(\.seq) && replayed.map(\.name) == live.map(\.name))
        #expect(replayed.filter { !$0.name.hasPrefix("parcel.") }.map(\.line) == live.filter { !$0.name.hasPrefix("parcel.") }.map(\.line))

        // Parcel event ids skipped the station events' numbers; the custody chain verifies all the same.
        let audit = try daemon.parcelctl(["audit", "verify"])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        #expect(audit.stdout.contains("INTACT: 6 events"), "\(audit.stdout)")
        #expect(daemon.terminate() == 0)
    }
}
