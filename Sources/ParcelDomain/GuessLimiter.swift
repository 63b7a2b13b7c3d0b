/// How many wrong pickup credentials (code, phone tail, phone) one client or one counter may give before it must
/// wait. A pickup code is short by design (`shelf-layer-seq`) and a phone tail has 10,000 values, so unlimited
/// tries let anyone who can reach the socket, or stands at a self-service counter, list the waiting parcels.
public struct GuessLimit: Sendable, Equatable, Codable {
    /// Wrong credentials within `windowSeconds` that start a cool-down.
    public var failures: Int
    public var windowSeconds: Int
    /// The first cool-down; each further one in a row doubles, up to `maxCooldownSeconds`.
    public var cooldownSeconds: Int
    public var maxCooldownSeconds: Int

    /// Ten wrong tries in ten minutes is more than a busy counter mistypes; an attacker then gets about one
    /// try a minute at first and one every few minutes soon after.
    public init(failures: Int = 10, windowSeconds: Int = 600, cooldownSeconds: Int = 60, maxCooldownSeconds: Int = 3600) {
        self.failures = failures
        self.windowSeconds = windowSeconds
        self.cooldownSeconds = cooldownSeconds
        self.maxCooldownSeconds = maxCooldownSeconds
    }
}

/// Counts wrong credentials per key (a client, a counter) in a sliding window and imposes cool-downs. Pure: the
/// caller gives the time (ms) and keeps the value under its lock.
public struct GuessLimiter: Sendable {
    struct Record {
        /// Times of the wrong tries still inside the window, oldest first.
        var failures: [Int64] = []
        var lockedUntil: Int64 = 0
        /// Cool-downs in a row; reset once a whole window passes without a wrong try.
        var lockouts = 0
    }

    public let limit: GuessLimit
    private var records: [String: Record] = [:]
    /// Keys are clients and counters, few on a station; still, never let them grow without bound.
    static let maximumKeys = 4096

    public init(limit: GuessLimit) { self.limit = limit }

    /// Until when (ms) `key` is cooling down, or nil when it may try now.
    public func lockedUntil(_ key: String, now: Int64) -> Int64? {
        guard let until = records[key]?.lockedUntil, until > now else { return nil }
        return until
    }

    /// Records a wrong credential against `key`; returns the end (ms) of the cool-down this try started, if any.
    public mutating func recordFailure(_ key: String, now: Int64) -> Int64? {
        if records.count >= Self.maximumKeys { prune(now: now) }
        // Full even after pruning (every key cooling down): remember the keys already known, not new ones.
        guard records[key] != nil || records.count < Self.maximumKeys else { return nil }
        let window = Int64(limit.windowSeconds) * 1000
        var record = records[key] ?? Record()
        if let last = record.failures.last, now - last > window, record.lockedUntil <= now { record.lockouts = 0 }
        record.failures.removeAll { now - $0 > window }
        record.failures.append(now)
        var started: Int64? = nil
        if record.failures.count >= limit.failures {
            let exponent = min(record.lockouts, 20)
            let seconds = min(Int64(limit.cooldownSeconds) << exponent, Int64(limit.maxCooldownSeconds))
            record.lockedUntil = now + seconds * 1000
            record.lockouts += 1
            record.failures.removeAll()
            started = record.lockedUntil
        }
        records[key] = record
        return started
    }

    /// Drops keys with nothing left to remember.
    mutating func prune(now: Int64) {
        let window = Int64(limit.windowSeconds) * 1000
        records = records.filter { _, record in
            record.lockedUntil > now || record.failures.contains { now - $0 <= window }
                || record.lockouts > 0 && now - record.lockedUntil <= window
        }
        if records.count >= Self.maximumKeys { records = records.filter { $0.value.lockedUntil > now } }
    }
}
