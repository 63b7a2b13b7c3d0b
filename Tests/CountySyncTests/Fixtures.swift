import CountySync
import Foundation
import LedgerSync
import Logging
import ParcelDomain
import ParcelStore
import StationEngine
import StationTestSupport

/// A station in process: a real ledger file and engine, with time under the test's control (its clock is shared
/// with the station's syncer).
final class TestStation: EngineSuite, Sendable {
    let id: String
    let fixture: EngineFixture
    let staff = Caller(client: "test", uid: 1000, staff: "王芳")

    init(id: String, name: String, start: Int64, parties: [Party] = []) async throws {
        self.id = id
        fixture = try await EngineFixture(
            prefix: "county-\(id)",
            settings: StationSettings(
                stationID: id, stationName: name,
                shelves: ShelfLayout(shelves: (1...4).map { .init(id: $0, layers: 4, layerCapacity: 60) }),
                parties: parties),
            clock: FakeClock(start), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Takes a parcel in; returns its pickup code.
    @discardableResult
    func intake(_ tracking: String, courier: String? = nil, phoneTail: String? = "5678") async throws -> ParcelRecord {
        try await engine.intake(.init(scan: tracking, phoneTail: phoneTail, courier: courier), by: staff).parcel
    }

    func pickUp(_ parcel: ParcelRecord) async throws {
        _ = try await engine.confirmPickup(.init(trackings: [parcel.tracking], credential: .code(parcel.pickupCode!)), by: staff)
    }

    func sendBack(_ parcel: ParcelRecord) async throws {
        _ = try await engine.returnParcel(scan: parcel.tracking, reason: "超期退回", handedOver: true, by: staff)
    }

    func outboxHead() async throws -> Int64 { try await store.read { try $0.outboxHead() } }

    /// Runs a syncer until the county holds the whole outbox (or `seconds` pass), and returns its last status.
    func syncUntilCaughtUp(_ link: CountyLink, seconds: Double = 60, batchSize: Int = 1000) async throws -> SyncStatus {
        let syncer = CountySyncer(
            link: link, stationID: id, source: LedgerOutboxSource(store: store),
            pacing: SyncPacing(
                batchSize: batchSize, pollInterval: .milliseconds(50), retryMin: .milliseconds(100), retryMax: .milliseconds(400)),
            logger: Logger(label: "sync-\(id)") { _ in SwiftLogNoOpLogHandler() }, now: { [clock] in clock.nowMillis() })
        let task = Task { await syncer.run() }
        defer { task.cancel() }
        let head = try await outboxHead()
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let status = syncer.status
            if status.acknowledged == head, status.state == .idle { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CountyError("station \(id) did not catch up in \(seconds) s: \(syncer.status)")
    }
}

/// The link proxy (Tests/Fixtures/county/link_proxy.py): lets a test take the county link down, bring it back
/// and cut it in the middle of an upload.
final class LinkProxy: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    let port: Int

    init(targetPort: Int) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["\(CountyTestServer.repositoryRoot)/Tests/Fixtures/county/link_proxy.py", String(targetPort)]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        guard let line = Self.readLine(output.fileHandleForReading), let port = Int(line) else {
            throw CountyError("the link proxy did not start")
        }
        self.port = port
    }

    static func readLine(_ handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while true {
            let data = handle.readData(ofLength: 1)
            guard let byte = data.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    @discardableResult
    func send(_ command: String) -> String? {
        input.fileHandleForWriting.write(Data("\(command)\n".utf8))
        return Self.readLine(output.fileHandleForReading)
    }

    /// The county link through this proxy.
    func link(_ direct: CountyLink) -> CountyLink {
        var link = direct
        link.port = port
        link.timeoutSeconds = 5
        return link
    }

    deinit {
        input.fileHandleForWriting.write(Data("quit\n".utf8))
        process.waitUntilExit()
    }
}
