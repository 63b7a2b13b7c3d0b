public import Logging
import Synchronization

/// Keeps every message a logger writes, with its metadata and error, so a test can check what reaches the log. Each test
/// makes its own and hands it to its logger (`logger()`); copies share one buffer, so the test reads what that
/// logger wrote and nothing from tests running beside it.
public struct CapturingLogHandler: LogHandler {
    private final class Buffer: Sendable {
        let lines = Mutex<[String]>([])
    }

    private let buffer = Buffer()
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init() {}

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let error = event.error.map { " \($0)" } ?? ""
        buffer.lines.withLock { $0.append("\(event.message) \(all)\(error)") }
    }

    /// Every line logged so far through this handler or its copies.
    public var lines: [String] { buffer.lines.withLock { $0 } }

    /// A logger that writes here.
    public func logger(label: String = "test") -> Logger { Logger(label: label) { _ in self } }
}
