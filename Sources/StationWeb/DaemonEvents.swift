import Foundation
public import Logging
import StationClient
import StationProtocol
import StrictJSON

/// One subscription to the daemon's events, shared by every open page: each browser gets its own stream of
/// server-sent events from here, so a hundred tabs cost the daemon one connection. When the daemon goes away
/// the pages are told (`daemon` event), and the hub reconnects on its own with a capped backoff.
public actor DaemonEvents {
    /// What a page receives: an event name and its JSON.
    public struct Message: Sendable {
        public var name: String
        public var json: String
    }

    public enum Audience: Sendable, Equatable {
        /// Signed-in staff: every event as the daemon sends it.
        case staff
        /// The customer-facing display: only a scan's result, its pickup code and its display line.
        case display
    }

    private let socketPath: String
    private let logger: Logger
    private var subscribers: [UUID: (audience: Audience, continuation: AsyncStream<Message>.Continuation)] = [:]
    public private(set) var daemonUp = false
    /// Why the last attempt to follow the daemon ended, logged once each time it changes (not every retry).
    private var lastFailure: String?
    /// Bumped at each (re)connection: pages that saw a gap reload their data.
    private var connection = 0
    /// The last durable event forwarded: a reconnection resumes from it, so the daemon replays what the pages
    /// missed while it was away (reset when the daemon cannot, and the pages then reload).
    private let cursor = EventCursor()

    public init(socketPath: String, logger: Logger = Logger(label: "parcel-station-web.events")) {
        self.socketPath = socketPath
        self.logger = logger
    }

    /// A stream that starts with the daemon's state and then carries events as they come.
    public func subscribe(_ audience: Audience) -> AsyncStream<Message> {
        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        subscribers[id] = (audience, continuation)
        continuation.yield(stateMessage)
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    /// Ends every page's stream (shutdown): their responses complete and the server can stop.
    public func closeSubscribers() {
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers = [:]
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    private var stateMessage: Message {
        Message(name: "daemon", json: #"{"up":\#(daemonUp),"connection":\#(connection)}"#)
    }

    /// Runs until cancelled: subscribe, forward, and on any failure wait and subscribe again.
    public func run() async {
        var backoff: Duration = .milliseconds(250)
        while !Task.isCancelled {
            do {
                try await followOnce()
                backoff = .milliseconds(250)
            } catch {
                let failure = "\(error)"
                if failure != lastFailure, !Task.isCancelled {
                    logger.warning("cannot follow parcel-stationd's events; retrying", metadata: ["error": "\(failure)"])
                }
                lastFailure = failure
            }
            setUp(false)
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(3))
        }
        closeSubscribers()
    }

    private func followOnce() async throws {
        try await StationEvents.follow(
            socketPath: socketPath, client: "parcel-station-web", cursor: cursor, subscribed: { await self.setUp(true) },
            event: { name, line in await self.forward(name: name, line: line) })
    }

    private func setUp(_ up: Bool) {
        guard up != daemonUp else { return }
        daemonUp = up
        if up {
            connection += 1
            if lastFailure != nil { logger.info("following parcel-stationd's events again") }
            lastFailure = nil
        }
        broadcast(stateMessage, to: nil)
    }

    private func forward(name: String, line: [UInt8]) {
        // The line is passed through as the daemon wrote it (`{"event":…,"data":…}`): nothing added, nothing lost.
        broadcast(Message(name: name, json: String(decoding: line, as: UTF8.self)), to: .staff)
        if name == EventName.scan, let display = EventLine.displayProjection(of: line) {
            broadcast(Message(name: "display", json: display), to: .display)
        }
    }

    private func broadcast(_ message: Message, to audience: Audience?) {
        for subscriber in subscribers.values where audience == nil || subscriber.audience == audience {
            subscriber.continuation.yield(message)
        }
    }
}

/// Reading an event line without re-encoding it.
enum EventLine {
    private struct ScanEnvelope: Decodable { let data: ScanOutcomeDTO }

    /// What the customer display may show of a scan: nothing that names a person or a parcel number.
    static func displayProjection(of line: [UInt8]) -> String? {
        guard let scan = try? StrictJSONDecoder.ownOutput.decode(ScanEnvelope.self, from: Data(line)).data else { return nil }
        struct Display: Encodable {
            let result: String
            let role: String
            let code: String?
            let message: String
        }
        let display = Display(result: scan.result, role: scan.role, code: scan.parcel?.pickupCode, message: scan.message)
        return (try? JSONEncoder().encode(display)).map { String(decoding: $0, as: UTF8.self) }
    }
}
