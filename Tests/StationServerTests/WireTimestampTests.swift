import Foundation
import Testing

@testable import StationServer

/// Wire times are ISO 8601 UTC with milliseconds, as Foundation's formatter writes them.
@Suite struct WireTimestampTests {
    @Test func timestampsMatchFoundationsFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        for millis: Int64 in [0, 1, 999, 1_763_800_000_000, 1_764_750_123_456, 253_402_300_799_999] {
            #expect(
                WireMapping.timestamp(millis) == formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000)), "\(millis)")
        }
        #expect(WireMapping.timestamp(1_764_750_123_045) == "2025-12-03T08:22:03.045Z")
    }
}
