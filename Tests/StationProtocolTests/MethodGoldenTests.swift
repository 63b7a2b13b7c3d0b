import Foundation
import StationTestSupport
import Testing

@testable import StationProtocol

/// Every declared method has a recorded request and reply (Golden/methods, made by `scripts/record-golden.py`
/// from a real daemon), and both decode as the method's declared types and encode back to the same JSON: a
/// renamed, retyped or dropped field, or a new method without its pair, fails here.
@Suite struct MethodGoldenTests {
    /// `json` decoded as `T` and encoded again, as a JSON value to compare.
    func roundTrip<T: Codable>(_ type: T.Type, _ json: Any) throws -> Any {
        let value = try JSONDecoder().decode(T.self, from: try JSONSerialization.data(withJSONObject: json))
        return try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value))
    }

    /// Canonical JSON text (sorted keys), so two values compare whatever their key order.
    func text(_ json: Any) -> String {
        (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    func golden(_ method: Method, _ suffix: String) throws -> [String: Any] {
        let url = GoldenMethodFiles.url(method, suffix)
        guard let data = try? Data(contentsOf: url) else {
            Issue.record("\(method): no Golden/methods/\(url.lastPathComponent); record it with scripts/record-golden.py")
            return [:]
        }
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(arguments: Method.allCases.map(\.rawValue))
    func requestAndReplyRoundTripThroughTheDeclaredTypes(_ name: String) throws {
        let method = try #require(Method(rawValue: name))
        let request = try golden(method, "request")
        let reply = try golden(method, "result")
        guard !request.isEmpty, !reply.isEmpty else { return }
        #expect(request["method"] as? String == name)
        let params = try #require(request["params"])
        let paramsBack = try roundTrip(method.paramsType, params)
        #expect(text(paramsBack) == text(params), "\(name) params do not round-trip")
        let decoded = try JSONDecoder().decode(method.paramsType, from: try JSONSerialization.data(withJSONObject: params))
        #expect(throws: Never.self) { try decoded.validate() }
        let result = try #require(reply["result"], "\(name): the golden reply is an error")
        let resultBack = try roundTrip(method.resultType, result)
        #expect(text(resultBack) == text(result), "\(name) result does not round-trip")
    }

    @Test func noGoldenFileForAMethodThatDoesNotExist() throws {
        let names = Set(Method.allCases.map(\.rawValue))
        for file in try FileManager.default.contentsOfDirectory(atPath: GoldenMethodFiles.directory.path) where file.hasSuffix(".json") {
            let method = file.replacingOccurrences(of: ".request.json", with: "").replacingOccurrences(of: ".result.json", with: "")
            #expect(names.contains(method), "Golden/methods/\(file) names no declared method")
        }
    }

    @Test func everyMethodSaysWhetherItWrites() {
        // Spelled out so a change of access is a deliberate diff here, not a side effect.
        let writes = Set(Method.allCases.filter(\.mutates).map(\.rawValue))
        #expect(
            writes == [
                "Parcel.Intake", "Parcel.Return", "Parcel.Undo", "Parcel.SetPhone", "Pickup.Verify", "Pickup.Confirm", "Scanner.SetRole",
                "Scan.Submit",
                "Label.Decode", "Handoff.Open", "Handoff.Import", "Handoff.Scan", "Handoff.Close", "Discrepancy.Resolve",
                "Stocktake.Start", "Stocktake.Scan", "Stocktake.Close", "Complaint.Record", "Complaint.Resolve", "Outgoing.Accept",
                "Backup.Now", "Pickup.AttachProof", "Privacy.Purge", "Problem.Open", "Problem.OpenMissing", "Problem.Resolve",
                "Relay.Send", "Relay.PullBack", "Handoff.SignManifest", "Handoff.ImportSigned", "Handoff.ImportReceipt",
            ])
    }

    @Test func errorCodesAreAnOpenSet() throws {
        let reply = try JSONDecoder().decode(
            ErrorReply.self, from: Data(#"{"id":1,"error":{"code":"parcel.quarantined","message":"held for inspection"}}"#.utf8))
        #expect(reply.error.code == ErrorCode(rawValue: "parcel.quarantined"))
        #expect(!reply.error.code.isKnown)
        #expect(reply.error.message == "held for inspection")
        #expect(ErrorCode.accessDenied.isKnown)
        #expect(Set(ErrorCode.known).count == ErrorCode.known.count, "a code is listed twice")
        #expect(String(decoding: try JSONEncoder().encode(ErrorCode.accessDenied), as: UTF8.self) == #""access.denied""#)
    }
}
