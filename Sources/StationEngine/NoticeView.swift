import Foundation
import ParcelDomain
public import ParcelStore

extension StationEngine {
    /// A parcel's pickup notices and every attempt to send them, for staff answering "I never got a message".
    public struct NoticeHistory: Sendable {
        public let notice: NoticeRow
        public let attempts: [NoticeAttemptRow]
    }

    public nonisolated func notices(scan: String) async throws -> [NoticeHistory] {
        let tracking = try ScanText(raw: scan).text
        return try await store.read { reader in
            guard let parcel = try reader.latestParcel(tracking: tracking) else { throw EngineError.parcelNotFound(tracking) }
            return try reader.notices(parcelID: parcel.id).map {
                NoticeHistory(notice: $0, attempts: try reader.noticeAttempts(key: $0.key))
            }
        }
    }
}
