public import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Delivers a notice as an HTTP POST of its JSON (`NoticePayload`, `Content-Type: application/json`) to an SMS
/// gateway. 2xx is delivered; 4xx a permanent failure (the gateway refused this notice), except 408 and 429 which
/// are worth retrying; 5xx, other statuses, timeouts and connection errors are retryable. The notice key goes in
/// an `Idempotency-Key` header so a gateway that honours it can drop a resend after a crash.
public struct HTTPChannel: NoticeChannel {
    public struct Configuration: Sendable, Codable, Equatable {
        public var url: URL
        /// Extra request headers, e.g. `Authorization: Bearer …`.
        public var headers: [String: String]
        /// For the whole exchange, not just between bytes.
        public var timeoutSeconds: Double

        public init(url: URL, headers: [String: String] = [:], timeoutSeconds: Double = 15) {
            self.url = url
            self.headers = headers
            self.timeoutSeconds = timeoutSeconds
        }
    }

    public let configuration: Configuration
    private let session: URLSession

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.timeoutSeconds
        sessionConfiguration.timeoutIntervalForResource = configuration.timeoutSeconds
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: sessionConfiguration)
    }

    public var timeLimit: Duration { .seconds(configuration.timeoutSeconds) + .seconds(1) }

    public func deliver(_ payload: NoticePayload) async -> DeliveryResult {
        var request = URLRequest(url: configuration.url)
        request.httpMethod = "POST"
        request.timeoutInterval = configuration.timeoutSeconds
        do { request.httpBody = try payload.json() } catch { return .permanent("cannot encode the notice: \(error)") }
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue(payload.key, forHTTPHeaderField: "Idempotency-Key")
        for (name, value) in configuration.headers { request.setValue(value, forHTTPHeaderField: name) }

        let timeout = configuration.timeoutSeconds
        let state = ExchangeState()
        return await withCheckedContinuation { continuation in
            let task = session.dataTask(with: request) { data, response, error in
                let result: DeliveryResult
                if let error {
                    result =
                        state.timedOut
                        ? .retryable("timed out after \(formatSeconds(timeout)) s")
                        : Self.classify(error: error, timeout: timeout)
                } else if let http = response as? HTTPURLResponse {
                    result = Self.classify(status: http.statusCode, body: data ?? Data())
                } else {
                    result = .retryable("no HTTP response")
                }
                continuation.resume(returning: result)
            }
            // URLSession's own timeouts are per read; this bounds a gateway that trickles bytes too.
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak task] in
                state.timedOut = true
                task?.cancel()
            }
            task.resume()
        }
    }

    static func classify(status: Int, body: Data) -> DeliveryResult {
        let detail = DeliveryResult.shorten(String(decoding: body.prefix(512), as: UTF8.self))
        let reason = "HTTP \(status)" + (detail.isEmpty ? "" : ": \(detail)")
        switch status {
        case 200..<300: return .delivered(reason)
        case 408, 429: return .retryable(reason)
        case 400..<500: return .permanent(reason)
        default: return .retryable(reason)
        }
    }

    static func classify(error: any Error, timeout: Double) -> DeliveryResult {
        let nsError = error as NSError
        if nsError.domain == NSURLErrorDomain, nsError.code == NSURLErrorTimedOut {
            return .retryable("timed out after \(formatSeconds(timeout)) s")
        }
        return .retryable(nsError.localizedDescription)
    }
}

/// Set from the timer, read in the completion handler; they run on different queues.
private final class ExchangeState: @unchecked Sendable {
    private let lock = NSLock()
    private var _timedOut = false

    var timedOut: Bool {
        get { lock.withLock { _timedOut } }
        set { lock.withLock { _timedOut = newValue } }
    }
}
