import Crypto
import Foundation
import ParcelDomain
import StationReceipts
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

/// Handoffs between two parcel-stations through two real engines and ledgers: what each refuses, and that nothing
/// is half-recorded when it does.
@Suite struct HandoffExchangeTests {
    let staff = Caller(client: "test", uid: 1000, staff: "赵敏")

    /// A township and a village engine, each configured with the other's key (the keys are made at first start).
    func stations() async throws -> (township: StationEngine, village: StationEngine, villageStore: ParcelStore, keep: [EngineFixture]) {
        let shelves = ShelfLayout(shelves: [.init(id: 1, layers: 2, layerCapacity: 30)])
        let first = try await EngineFixture(prefix: "exchange-township", settings: StationSettings(stationID: "xiang-05", shelves: shelves))
        let second = try await EngineFixture(prefix: "exchange-village", settings: StationSettings(stationID: "cun-li", shelves: shelves))
        var township = StationSettings(
            stationID: "xiang-05", stationName: "青山镇服务站", shelves: shelves, parties: [Party(id: "bus", name: "班车", pin: "1357")])
        township.chainStations = [
            ChainStation(id: "cun-li", name: "李家村服务站", tier: .village, publicKey: second.engine.publicKey, villages: ["李家村"])
        ]
        var village = StationSettings(stationID: "cun-li", stationName: "李家村服务站", shelves: shelves)
        village.ownVillages = ["李家村"]
        village.chainStations = [ChainStation(id: "xiang-05", name: "青山镇服务站", tier: .township, publicKey: first.engine.publicKey)]
        return (
            try await first.restartedEngine(settings: township), try await second.restartedEngine(settings: village), second.store,
            [first, second]
        )
    }

    @Test func forgedUnknownAndMisaddressedDocumentsAreRefusedAndRecordNothing() async throws {
        let (township, village, villageStore, fixtures) = try await stations()
        _ = fixtures
        _ = try await township.intake(.init(scan: "SF1432768590231", destination: "李家村"), by: staff)
        let out = try await township.openHandoff(
            .init(direction: .outbound, kind: .transfer, party: "bus", node: "cun-li", nodeTier: .village), by: staff)
        // Nothing loaded yet: nothing to sign.
        await #expect(throws: EngineError.self) { _ = try await township.exportManifest(handoff: out.uid, by: staff) }
        _ = try await township.scanIntoHandoff(out.uid, scan: "SF1432768590231", by: staff)
        let manifest = try await township.exportManifest(handoff: out.uid, by: staff)

        // An altered manifest: refused, naming why; no handoff opened.
        var altered = manifest
        altered.body = altered.body.replacingOccurrences(of: "SF1432768590231", with: "SF1432768590245")
        await #expect(throws: EngineError.self) { _ = try await village.importSignedManifest(altered, counter: nil, by: staff) }
        do {
            _ = try await village.importSignedManifest(altered, counter: nil, by: staff)
        } catch EngineError.badSignature(let why) {
            #expect(why.contains("xiang-05"))
        }
        #expect(try await village.handoffs(openOnly: false, limit: 10).isEmpty)
        // Signed by a station the village does not know: the township itself cannot import its own manifest.
        await #expect(throws: EngineError.unknownSigner("xiang-05")) {
            _ = try await township.importSignedManifest(manifest, counter: nil, by: staff)
        }

        // The real one opens one handoff, once.
        let opened = try await village.importSignedManifest(manifest, counter: nil, by: staff)
        #expect(opened.lines.map(\.tracking) == ["SF1432768590231"])
        #expect(try await village.importSignedManifest(manifest, counter: nil, by: staff).handoff.uid == opened.handoff.uid)
        #expect(try await village.handoffs(openOnly: false, limit: 10).count == 1)

        // A receipt for a manifest the township never signed: refused, the handoff stays open.
        _ = try await village.scanIntoHandoff(opened.handoff.uid, scan: "SF1432768590231", by: staff)
        let (_, receipt) = try await village.closeHandoff(opened.handoff.uid, confirmation: .station, by: staff)
        var forOther = try Receipts.verify(receipt)
        forOther.manifestDigest = String(repeating: "0", count: 64)
        let key = try await villageStore.read { try $0.meta(StationEngine.signingKeyMeta) }
        let resigned = try Receipts.sign(forOther, with: try Curve25519.Signing.PrivateKey(rawRepresentation: try #require(key)))
        await #expect(throws: EngineError.receiptForUnknownManifest(String(repeating: "0", count: 64))) {
            _ = try await township.importReceipt(resigned, by: staff)
        }
        #expect(try await township.handoff(out.uid).handoff.isOpen)
        // The real receipt closes it, confirmed by the receiver; again, the same answer.
        let (closed, _) = try await township.importReceipt(receipt, by: staff)
        #expect(closed.confirmedBy == "receiver")
        #expect(try await township.importReceipt(receipt, by: staff).0.uid == closed.uid)
        #expect(try await township.search(ParcelQuery(states: [.forwarded], limit: 5)).map(\.tracking) == ["SF1432768590231"])
    }
}
