import Foundation
import Testing

@testable import StationProtocol

/// The hand-written scan reply against the Codable types it stands in for.
@Suite struct ParcelReplyWriterTests {
    static let awkward = [
        "SF1234567890123", "", "\"quoted\" \\ back/slash", "第3-2层 顺丰速运 🚚", "\u{2028}\u{2029}\u{7F}", "tab\tnew\nline\rcr",
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }),
    ]

    static func parcels() -> [ParcelDTO] {
        var parcels: [ParcelDTO] = []
        for (index, text) in awkward.enumerated() {
            let some = index % 2 == 0
            parcels.append(
                ParcelDTO(
                    tracking: text, rawScan: "]C0" + text, state: "shelved", pickupCode: some ? "3-2-0147" : nil,
                    courier: some ? nil : text,
                    couriers: (0..<(index % 3)).map { CourierDTO(code: "SF\($0)", name: text, reason: "prefix SF; " + text) },
                    phoneTail: some ? "5678" : nil, receivedAt: "2026-11-22T08:30:00.000Z",
                    shelvedAt: some ? nil : "2026-11-22T08:30:00.000Z",
                    releasedAt: index == 3 ? "2026-11-23T08:30:00.000Z" : nil, overdue: index % 3 == 0, notices: index * 7))
            // In transit (since 1.8): the relay bin's station and its name.
            if index % 3 == 1 {
                parcels[parcels.count - 1].relayTo = text
                parcels[parcels.count - 1].relayName = "→ " + text
            }
        }
        return parcels
    }

    @Test("decodes to exactly what it was written from, for every id form and awkward text")
    func roundTrip() throws {
        let ids: [RequestID?] = [
            nil, .number(0), .number(42), .number(-7), .number(Int64.max), .number(Int64.min), .string("a\"b\\c/d 请求"),
        ]
        for parcel in Self.parcels() {
            for id in ids {
                for (repeated, forced) in [(false, nil), (true, nil), (false, "EAN-13, China (690–699)")] {
                    let result = ParcelResult(parcel: parcel, repeat: repeated, forced: forced)
                    let line = ParcelReplyWriter.line(id: id, result)
                    #expect(line.last == UInt8(ascii: "\n"))
                    #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false, "a reply is one line")
                    let decoded = try JSONDecoder().decode(Reply<ParcelResult>.self, from: Data(line))
                    #expect(decoded.id == id)
                    #expect(decoded.result == result)
                    // The same JSON as JSONEncoder writes (whose key order is unspecified), an absent id as null.
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.withoutEscapingSlashes]
                    let reference = try #require(
                        try JSONSerialization.jsonObject(with: encoder.encode(Reply(id: id, result: result))) as? [String: Any])
                    let written = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                    #expect(NSDictionary(dictionary: written).isEqual(to: reference))
                }
            }
        }
    }

    @Test("knows every field of the parcel object: a new one must be added to the writer too")
    func fieldList() throws {
        let parcel = Self.parcels()[1]
        let written = try JSONSerialization.jsonObject(
            with: Data(ParcelReplyWriter.line(id: nil, ParcelResult(parcel: parcel, repeat: false))))
        let encoded = try JSONSerialization.jsonObject(
            with: JSONEncoder().encode(Reply(id: nil, result: ParcelResult(parcel: parcel, repeat: false))))
        let writtenKeys = ((written as? [String: Any])?["result"] as? [String: Any])?["parcel"] as? [String: Any]
        let encodedKeys = ((encoded as? [String: Any])?["result"] as? [String: Any])?["parcel"] as? [String: Any]
        #expect(writtenKeys.map { Set($0.keys) } == encodedKeys.map { Set($0.keys) })
    }

    @Test("handoff scan replies: every optional part present or absent, awkward text, every id form")
    func handoffScan() throws {
        let parcels = Self.parcels()
        let ids: [RequestID?] = [nil, .number(9), .string("扫描-1")]
        for (index, text) in Self.awkward.enumerated() {
            let some = index % 2 == 0
            let line = HandoffLineDTO(
                tracking: text, courier: some ? "ZTO" : nil, bag: some ? nil : text, destination: some ? text : nil,
                manifestLine: some ? index * 13 : nil, expected: !some, status: "damaged",
                scannedAt: some ? "2026-11-22T08:10:00.000Z" : nil,
                note: some ? nil : "箱角压坏 " + text, photo: some ? "dmg-\(index).jpg" : nil)
            for result in [
                HandoffScanResult(
                    result: "scanned", handoff: "019a-" + text, line: line, parcel: parcels[index], bagLines: index, remaining: 2000 - index
                ),
                HandoffScanResult(result: "bag", handoff: "h", line: nil, parcel: nil, bagLines: 12, remaining: 0),
                HandoffScanResult(result: "extra", handoff: "h", line: line, parcel: nil, bagLines: 0, remaining: -1),
            ] {
                for id in ids {
                    let bytes = ParcelReplyWriter.line(id: id, result)
                    #expect(bytes.last == UInt8(ascii: "\n") && !bytes.dropLast().contains(UInt8(ascii: "\n")))
                    let decoded = try JSONDecoder().decode(Reply<HandoffScanResult>.self, from: Data(bytes))
                    #expect(decoded.id == id)
                    #expect(decoded.result == result)
                    let reference = try #require(
                        try JSONSerialization.jsonObject(with: JSONEncoder().encode(Reply(id: id, result: result))) as? [String: Any])
                    let written = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
                    #expect(NSDictionary(dictionary: written).isEqual(to: reference))
                }
            }
        }
    }
}
