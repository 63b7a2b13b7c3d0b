import Foundation
import Logging
import ParcelDomain
import ParcelStore
import StationClient
import StationEngine
import StationProtocol
import StationTestSupport
import Testing

@testable import StationServer

/// The dispatcher in process, with peers the test makes up: no root, no second user needed.
@Suite struct AccessTests {
    let directory: TemporaryDirectory
    let store: ParcelStore
    let engine: StationEngine
    let dispatcher: RequestDispatcher

    init() async throws {
        directory = try TemporaryDirectory(prefix: "parcel-access")
        store = try ParcelStore(path: directory.file("parcels.sqlite"))
        let settings = StationSettings(
            stationID: "441581-lijiacun", stationName: "李家村服务站",
            shelves: ShelfLayout(shelves: [.init(id: 3, layers: 4, layerCapacity: 200)]),
            codeCooldownHours: 24, holdHours: 168)
        engine = try await StationEngine(store: store, settings: settings, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        dispatcher = RequestDispatcher(engine: engine, serverName: "parcel-stationd test", logger: Logger(label: "test")) { 1 }
    }

    static let reader = PeerCredentials(pid: 4242, uid: 65534, gid: 65534)

    func send(_ line: [UInt8], as connection: ConnectionState) async throws -> [String: Any] {
        let outcome = await dispatcher.handle(line: ByteBufferBytes(bytes: line), connection: connection)
        let reply: [UInt8]
        switch outcome {
        case .reply(let bytes): reply = bytes
        case .subscribe(let bytes, _): reply = bytes
        }
        return try #require(try JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any])
    }

    /// What a refused write could have changed: the ledger's events and parcels, scanner roles, the custody head.
    func snapshot() async throws -> String {
        let status = try await engine.status()
        let audit = try await engine.verifyCustodyLog()
        let roles = engine.scanners().map { "\($0.descriptor.id)=\($0.role.rawValue)" }.sorted()
        return "\(status.counts.events) \(status.counts.byState) \(audit.head ?? "-") \(roles)"
    }

    @Test func everyWritingMethodIsRefusedToAReadOnlyPeerAndChangesNothing() async throws {
        // Something on the shelf and a scanner with a role, so a write that slipped through would show.
        let caller = Caller(client: "test", uid: 1000, staff: "王芳")
        _ = try await engine.intake(.init(scan: "SF1234567890123", phoneTail: "5678"), by: caller)
        let before = try await snapshot()
        let reader = ConnectionState(peer: Self.reader, mayWrite: false)
        var refused: [String] = []
        for method in Method.allCases {
            let reply = try await send(try GoldenMethodFiles.requestLine(for: method), as: reader)
            let code = (reply["error"] as? [String: Any])?["code"] as? String
            if method.mutates {
                #expect(code == ErrorCode.accessDenied.rawValue, "\(method) answered a read-only peer: \(reply)")
                refused.append(method.rawValue)
            } else {
                #expect(code != ErrorCode.accessDenied.rawValue, "\(method) reads, yet was refused")
            }
        }
        #expect(try await snapshot() == before)
        // The methods that change records or how the station acts, as the declarations say.
        #expect(refused.contains("Pickup.Verify"), "Pickup.Verify with a counter arms that counter's scanners")
        #expect(refused.contains("Label.Decode") && refused.contains("Backup.Now") && refused.contains("Parcel.Intake"))
    }

    @Test func aWriterIsServedTheSameRequests() async throws {
        let writer = ConnectionState(peer: PeerCredentials(pid: 4243, uid: 1000, gid: 1000), mayWrite: true)
        for method in [Method.intake.method, Method.verifyPickup.method, Method.status.method] {
            let reply = try await send(try GoldenMethodFiles.requestLine(for: method), as: writer)
            #expect(reply["result"] != nil, "\(method): \(reply)")
        }
    }

    @Test func everyDeclaredMethodHasExactlyOneHandler() {
        let handled = Set(HandlerTable.station.handlers.keys)
        let declared = Set(Method.allCases.map(\.rawValue))
        #expect(
            handled == declared,
            "handlers without a declaration: \(handled.subtracting(declared)); declarations without a handler: \(declared.subtracting(handled))"
        )
        #expect(declared.count == Method.allCases.count, "a method is declared twice")
        for (name, handler) in HandlerTable.station.handlers { #expect(handler.method.rawValue == name) }
    }

    @Test func paramsAreValidatedOnceAtDecodingWithTheRequestsID() async throws {
        let writer = ConnectionState(peer: PeerCredentials(pid: 4243, uid: 1000, gid: 1000), mayWrite: true)
        for (line, message) in [
            (#"{"id":"l1","method":"Handoff.List","params":{"limit":0}}"#, "limit: between 1 and 1000"),
            (#"{"id":"l1","method":"Complaint.List","params":{"limit":5000}}"#, "limit: between 1 and 1000"),
            (
                #"{"id":"l1","method":"Handoff.Close","params":{"handoff":"x","badge":"B","pin":"1"}}"#,
                "give exactly one of badge, pin or signed"
            ),
            (#"{"id":"l1","method":"Complaint.Record","params":{"text":"t"}}"#, "give exactly one of tracking or handoff"),
            (#"{"id":"l1","method":"Label.Decode","params":{"path":"relative.jpg"}}"#, "path: an absolute path"),
            (
                #"{"id":"l1","method":"Pickup.Verify","params":{"code":"3-1-0001","counter":""}}"#,
                "counter: a counter name of 1 to 32 characters"
            ),
            (#"{"id":"l1","method":"Parcel.Intake","params":{}}"#, "params.tracking: required"),
            (#"{"id":"l1","method":"Parcel.Intake"}"#, "params.tracking: required"),
        ] {
            let reply = try await send(Array(line.utf8), as: writer)
            let error = try #require(reply["error"] as? [String: Any], "\(line)")
            #expect(error["code"] as? String == "request.invalidParams", "\(line)")
            #expect(error["message"] as? String == message, "\(line)")
            #expect(reply["id"] as? String == "l1")
        }
    }

    @Test func aClientShowsTheMessageOfAnErrorCodeItDoesNotKnow() throws {
        // A code added in a later minor version: the reply still decodes, with its code and message intact.
        let line = Array(#"{"id":3,"error":{"code":"parcel.quarantined","message":"this parcel is held for inspection"}}"#.utf8)
        #expect {
            _ = try StationConnection.decodeResult(line, as: ParcelResult.self)
        } throws: { error in
            guard let wire = error as? WireError else { return false }
            return wire.code.rawValue == "parcel.quarantined" && !wire.code.isKnown && wire.message == "this parcel is held for inspection"
        }
    }

    @Test func everyImageRejectionMapsToAKnownImageCode() {
        for kind in ImageRejection.Kind.allCases {
            let wire = WireMapping.wireError(EngineError.imageRejected(ImageRejection(kind, "m", detail: "libjpeg said x")))
            #expect(wire.code.isKnown && wire.code.rawValue.hasPrefix("image."), "\(kind) gives \(wire.code)")
            #expect(wire.message == "m")
        }
    }
}
