public import StationEngine
import Synchronization

/// Time under the test's control: it moves only when the test moves it.
public final class FakeClock: StationClock {
    private let millis: Mutex<Int64>

    public init(_ start: Int64 = 1_800_000_000_000) { millis = Mutex(start) }

    public func nowMillis() -> Int64 { millis.withLock { $0 } }
    public func set(_ value: Int64) { millis.withLock { $0 = value } }
    public func advance(hours: Double) { millis.withLock { $0 += Int64(hours * 3_600_000) } }
    public func advance(seconds: Double) { millis.withLock { $0 += Int64(seconds * 1000) } }
}
