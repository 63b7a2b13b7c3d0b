/// Marks double scans (STANDARDS P7): the same code (symbology and bytes) from the same scanner within `window`
/// of the last time that code was *accepted* is a duplicate. Measuring from the accepted scan, not from the last
/// bounce, lets a held trigger in continuous mode through once per window instead of never. Pure: time is passed
/// in.
public struct DuplicateSuppressor: Sendable {
    public var windowMilliseconds: Int
    private var accepted: [String: [Key: MonotonicInstant]] = [:]
    private var pruneCounter = 0

    struct Key: Hashable, Sendable {
        var symbology: String?
        var bytes: [UInt8]
    }

    public init(windowMilliseconds: Int) { self.windowMilliseconds = windowMilliseconds }

    /// True when `bytes` from `scanner` at `now` is a duplicate; otherwise records it as accepted.
    public mutating func isDuplicate(scanner: String, bytes: [UInt8], symbology: String?, at now: MonotonicInstant) -> Bool {
        guard windowMilliseconds > 0 else { return false }
        let key = Key(symbology: symbology, bytes: bytes)
        if let last = accepted[scanner]?[key], now < last.adding(milliseconds: windowMilliseconds) {
            return true
        }
        accepted[scanner, default: [:]][key] = now
        pruneCounter += 1
        if pruneCounter >= 256 {
            pruneCounter = 0
            prune(at: now)
        }
        return false
    }

    /// Forgets a scanner's history (for instance when it is re-assigned).
    public mutating func forget(scanner: String) { accepted[scanner] = nil }

    /// Drops entries older than the window so memory stays bounded by the scans of one window.
    mutating func prune(at now: MonotonicInstant) {
        for (scanner, codes) in accepted {
            let live = codes.filter { now < $0.value.adding(milliseconds: windowMilliseconds) }
            accepted[scanner] = live.isEmpty ? nil : live
        }
    }

    var entryCount: Int { accepted.values.reduce(0) { $0 + $1.count } }
}
