import Foundation
import Testing

@testable import StationProtocol

/// The hand-written event lines against the Codable form they stand in for.
@Suite struct EventLineWriterTests {
    @Test func parcelEventLinesAreTheCodableFormWithTheirSeq() throws {
        for (index, parcel) in ParcelReplyWriterTests.parcels().enumerated() {
            let text = ParcelReplyWriterTests.awkward[index]
            let event = EventDTO(
                seq: Int64(index * 1000 + 7), uid: "0190a1b2-0000-7000-8000-00000000000\(index)", kind: "shelve",
                from: index % 2 == 0 ? nil : "received", to: "shelved", at: "2026-11-22T08:30:00.000Z", actor: text,
                details: index == 0 ? [:] : ["pickupCode": "3-2-0147", text: text, "z": "\(index)"])
            let data = ParcelEventData(event: event, parcel: parcel)
            let line = EventLineWriter.parcelEvent(name: EventName.stateChanged, seq: event.seq, data)
            #expect(line.last == UInt8(ascii: "\n") && !line.dropLast().contains(UInt8(ascii: "\n")), "one line")
            let decoded = try JSONDecoder().decode(EventMessage<ParcelEventData>.self, from: Data(line))
            #expect(decoded == EventMessage(event: EventName.stateChanged, seq: event.seq, data: data))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let reference = try JSONSerialization.jsonObject(
                with: encoder.encode(EventMessage(event: EventName.stateChanged, seq: event.seq, data: data)))
            let written = try JSONSerialization.jsonObject(with: Data(line))
            #expect(
                NSDictionary(dictionary: try #require(written as? [String: Any])).isEqual(to: try #require(reference as? [String: Any])))
        }
    }

    @Test func stationEventLinesPutTheTimeFirstInTheStoredData() throws {
        for stored in [#"{"handoff":"h-1","lines":3}"#, "{}", #"{"note":"第3层 \"x\"","n":null}"#] {
            let line = EventLineWriter.stationEvent(name: "handoff.opened", seq: 42, at: "2026-12-03T08:00:00.000Z", storedData: stored)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            #expect(object["event"] as? String == "handoff.opened")
            #expect(object["seq"] as? Int == 42)
            var expected = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
            expected["at"] = "2026-12-03T08:00:00.000Z"
            #expect(NSDictionary(dictionary: try #require(object["data"] as? [String: Any])).isEqual(to: expected))
            #expect(String(decoding: line, as: UTF8.self).hasPrefix(#"{"event":"handoff.opened","seq":42,"data":{"at":"#))
        }
    }
}
