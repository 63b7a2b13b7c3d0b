import Logging
import NIOCore
import StationEngine
import StationProtocol

/// One connection's subscription: the live stream, taken before the ledger's latest sequence was read, and where
/// the subscriber stands in the station-wide event sequence.
///
/// The order makes the hand-over from replay to live exact: subscribe to the live hub first, then read the
/// ledger's latest seq (`through`), replay the durable events after `since` up to it, then send live events,
/// dropping the durable ones already replayed (seq ≤ what was sent). Durable events are numbered without holes,
/// so a live event further ahead than the next number means the stream's buffer lost some (a burst while this
/// connection was replaying): they are read back from the ledger before it, so a subscriber sees every durable
/// event once, in order. Live-only events (scans, scanners) carry no seq and are never replayed.
struct EventSubscription: Sendable {
    let stream: AsyncStream<StationEvent>
    /// The last durable event the subscriber has: its `since`, or the latest when it asked for live events only.
    let after: Int64
    /// Replayed from the ledger before the live events: the latest seq once the live stream existed.
    let through: Int64

    /// Events read from the ledger per page: one read, one write to the socket, whose completion is awaited so a
    /// replay never holds more than a page in memory.
    static let page = 1000

    /// Streams the subscription to `channel` until the stream ends or the task is cancelled.
    func run(on channel: any Channel, engine: StationEngine, logger: Logger) async {
        var delivered = after
        var dropped = 0
        do {
            delivered = try await Self.replay(after: delivered, through: through, to: channel, engine: engine)
            for await event in stream {
                if let seq = event.seq {
                    if seq <= delivered { continue }
                    if !channel.isWritable {
                        // Dropped and said so: the subscriber can reconnect with `since` to have them replayed.
                        dropped += 1
                        delivered = seq
                        continue
                    }
                    if seq > delivered + 1 {
                        delivered = try await Self.replay(after: delivered, through: seq - 1, to: channel, engine: engine)
                    }
                    delivered = seq
                } else if !channel.isWritable {
                    dropped += 1
                    continue
                }
                // Never let a subscriber that does not read grow the daemon's memory: drop and say so.
                if dropped > 0 {
                    ConnectionHandler.write(
                        RequestDispatcher.line(EventMessage(event: EventName.dropped, data: DroppedEventData(count: dropped))), to: channel)
                    dropped = 0
                }
                ConnectionHandler.write(RequestDispatcher.eventLine(event, engine: engine), to: channel)
            }
        } catch {
            // The ledger could not be read or the peer went away: end the subscription rather than leave a hole.
            logger.debug("subscription ended: \(error)")
            channel.close(promise: nil)
        }
    }

    /// Sends the durable events with `after` < seq ≤ `through` from the ledger, a page at a time; returns `through`.
    static func replay(after: Int64, through: Int64, to channel: any Channel, engine: StationEngine) async throws -> Int64 {
        var cursor = after
        // One page on its way to the socket while the next is read: at most two pages in memory.
        var sending: EventLoopFuture<Void>?
        while cursor < through {
            let events = try await engine.durableEvents(after: cursor, through: through, limit: page)
            try await sending?.get()
            guard let last = events.last?.seq else { break }
            var buffer = channel.allocator.buffer(capacity: events.count * 600)
            for event in events { buffer.writeBytes(RequestDispatcher.eventLine(event, engine: engine)) }
            sending = channel.writeAndFlush(buffer)
            cursor = last
        }
        try await sending?.get()
        return through
    }
}

extension HandlerTable {
    mutating func registerEvents() {
        handle(Method.subscribe) { params, context, id in
            let engine = context.engine
            // Subscribing twice on one connection keeps the one stream it has.
            guard !context.connection.isSubscribed else {
                return .reply(RequestDispatcher.replyLine(id: id, SubscribeResult(events: EventName.all)))
            }
            if let since = params.since { try await Self.checkReplay(since: since, engine: engine) }
            let stream = try await engine.subscribe()
            let latest = try await engine.latestEventSequence()
            context.connection.markSubscribed()
            let reply = RequestDispatcher.replyLine(id: id, SubscribeResult(events: EventName.all, seq: latest))
            return .subscribe(reply, EventSubscription(stream: stream, after: params.since ?? latest, through: latest))
        }
    }

    /// Refuses a `since` the ledger cannot follow on from: ahead of it, or too far behind to replay.
    static func checkReplay(since: Int64, engine: StationEngine) async throws {
        let latest = try await engine.latestEventSequence()
        guard since <= latest else {
            throw WireError(
                .eventsSinceAhead,
                "since \(since) is past this ledger's latest event \(latest): the tool followed another ledger or this one before a restore; re-read with Parcel.Search and subscribe without since"
            )
        }
        let limit = engine.settings.eventReplayLimit
        guard try await engine.durableEventCount(after: since, limit: limit) <= limit else {
            throw WireError(
                .eventsGap,
                "\(latest - since) events were missed since \(since), more than the \(limit) this daemon replays; re-read with Parcel.Search and the reports, then subscribe without since"
            )
        }
    }
}
