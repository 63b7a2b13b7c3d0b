import Foundation

/// What one delivery attempt came to.
public struct DeliveryResult: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Status: String, Sendable, Codable {
        case delivered
        /// Worth trying again later (timeout, gateway error, connection refused).
        case retryable
        /// Trying again would fail the same way (the gateway refused the notice).
        case permanent
    }

    public var status: Status
    /// Short, for the attempt log: `HTTP 503`, `timed out after 10 s`, the channel's first stderr line.
    public var reason: String

    public init(_ status: Status, _ reason: String) {
        self.status = status
        self.reason = Self.shorten(reason)
    }

    public static func delivered(_ reason: String = "delivered") -> DeliveryResult { .init(.delivered, reason) }
    public static func retryable(_ reason: String) -> DeliveryResult { .init(.retryable, reason) }
    public static func permanent(_ reason: String) -> DeliveryResult { .init(.permanent, reason) }

    public var description: String { "\(status.rawValue): \(reason)" }

    /// The first line, at most 200 characters: reasons end up in logs and the ledger.
    static func shorten(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed
    }
}

/// A way to deliver notices. Implementations never throw: every failure is a `DeliveryResult`.
public protocol NoticeChannel: Sendable {
    /// The longest one `deliver` can take, for sizing the dispatcher's lease.
    var timeLimit: Duration { get }
    func deliver(_ payload: NoticePayload) async -> DeliveryResult
}
