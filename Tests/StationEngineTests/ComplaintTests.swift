import Foundation
import ParcelDomain
import StationTestSupport
import Testing

@testable import ParcelStore
@testable import StationEngine

@Suite struct ComplaintTests {
    @Test func complaintsAboutParcelsAndHandoffsAreResolvedOnce() async throws {
        let settings = StationSettings(parties: [Party(id: "zto", name: "王师傅", company: "ZTO", pin: "1234")])
        let fixture = try await EngineFixture(prefix: "parcel-complaint", settings: settings)
        let engine = fixture.engine
        let staff = Caller(client: "t", staff: "王芳")
        _ = try await engine.intake(.init(scan: "SF1000000000001"), by: staff)
        let handoff = try await engine.openHandoff(.init(direction: .inbound, kind: .delivery, party: "zto"), by: staff)
        let first = try await engine.recordComplaint(about: .parcel("sf1000000000001"), text: "取件码短信没收到", source: "phone", by: staff)
        #expect(first.tracking == "SF1000000000001")
        let second = try await engine.recordComplaint(about: .handoff(handoff.uid), text: "少了一袋", source: nil, by: staff)
        #expect(second.handoff == handoff.uid)
        await #expect(throws: EngineError.parcelNotFound("SF9999999999999")) {
            _ = try await engine.recordComplaint(about: .parcel("SF9999999999999"), text: "x", source: nil, by: staff)
        }
        await #expect(throws: EngineError.self) {
            _ = try await engine.recordComplaint(about: .parcel("SF1000000000001"), text: "  ", source: nil, by: staff)
        }
        let resolved = try await engine.resolveComplaint(first.id, resolution: "重发短信", by: staff)
        #expect(resolved.resolvedBy == staff.actor)
        await #expect(throws: EngineError.complaintResolved(first.id)) {
            _ = try await engine.resolveComplaint(first.id, resolution: "x", by: staff)
        }
        #expect(try await engine.complaints(openOnly: true, limit: 10).map(\.id) == [second.id])
        #expect(try await engine.complaints(openOnly: false, limit: 10).count == 2)
    }
}
