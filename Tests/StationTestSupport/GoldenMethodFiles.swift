public import Foundation
public import StationProtocol

/// Each socket method's recorded request and reply (`Tests/StationProtocolTests/Golden/methods`, made by
/// `scripts/record-golden.py`): MethodGoldenTests round-trip them through the declared types, the access tests
/// send the requests.
public enum GoldenMethodFiles {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StationProtocolTests/Golden/methods")

    /// `<Method>.request.json` or `<Method>.result.json`.
    public static func url(_ method: Method, _ suffix: String) -> URL {
        directory.appendingPathComponent("\(method.rawValue).\(suffix).json")
    }

    /// The method's golden request as one request line, newline included.
    public static func requestLine(for method: Method) throws -> [UInt8] {
        let object = try JSONSerialization.jsonObject(with: try Data(contentsOf: url(method, "request")))
        return Array(try JSONSerialization.data(withJSONObject: object)) + [10]
    }
}
