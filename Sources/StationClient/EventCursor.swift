import Synchronization

/// Where a tool stands in the daemon's event sequence: the `seq` of the last durable event it received. Kept
/// across reconnections by whoever follows the events (`StationEvents.follow`), which subscribes again with it as
/// `since`, so the daemon replays exactly what was missed.
public final class EventCursor: Sendable {
    private let value: Mutex<Int64?>

    /// `seq`: where to resume; nil to start with live events only.
    public init(seq: Int64? = nil) { value = Mutex(seq) }

    /// The last durable event received; nil before the first subscription's reply.
    public var seq: Int64? { value.withLock { $0 } }

    /// Moves forward only: a replayed event never takes the cursor back.
    func advance(to seq: Int64) { value.withLock { $0 = max($0 ?? seq, seq) } }

    /// Forgets the position: the daemon cannot replay from it (`events.gap`, `events.sinceAhead`), so the tool
    /// re-reads what it shows and the next subscription starts live.
    func reset() { value.withLock { $0 = nil } }
}
