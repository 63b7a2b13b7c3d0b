import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Synchronization

extension StationConnection {
    /// Sends a raw line and returns the reply's error code, or nil for a success.
    func errorCode(forRawLine line: String) throws -> String? {
        try send(Array(line.utf8))
        return try Self.errorCode(of: readLine())
    }

    static func errorCode(of reply: [UInt8]) -> String? {
        (try? JSONDecoder().decode(AnyServerMessage.self, from: Data(reply)))?.error?.code.rawValue
    }

    func intake(_ tracking: String, phoneTail: String? = nil) throws -> ParcelResult {
        try call(Method.intake.rawValue, IntakeParams(tracking: tracking, phoneTail: phoneTail), as: ParcelResult.self)
    }
}

/// A thread-safe list for results gathered from client threads.
final class Collected<T: Sendable>: Sendable {
    private let items = Mutex<[T]>([])
    func append(_ item: T) { items.withLock { $0.append(item) } }
    var all: [T] { items.withLock { $0 } }
}
