public import Foundation
public import Logging

/// How the dispatcher sends.
public struct NoticeDispatcherConfiguration: Sendable {
    /// Names this dispatcher in leases and the attempt log; unique per process (the default is).
    public var holder: String
    public var retry: RetryPolicy
    public var quietHours: QuietHours
    /// How long a claim holds a notice. Raised to at least twice the channel's time limit, so a lease never
    /// runs out while its own send is still in progress.
    public var leaseSeconds: Double
    /// Notices looked at per round.
    public var batchSize: Int
    /// Sends in flight at once (a hanging channel then holds up only its own slot).
    public var maxConcurrentSends: Int
    /// Between rounds of `run()`.
    public var pollInterval: Duration
    /// What to do with an attempt interrupted by a crash (recorded as started, never finished): false (the
    /// default) fails the notice, so it is sent at most once; true tries again with the same key, so it is
    /// delivered at least once but possibly twice (unless the gateway deduplicates on the key).
    public var retryInterruptedAttempts: Bool

    public init(
        holder: String = "dispatcher-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))",
        retry: RetryPolicy = .init(), quietHours: QuietHours, leaseSeconds: Double = 120, batchSize: Int = 50,
        maxConcurrentSends: Int = 4, pollInterval: Duration = .seconds(5), retryInterruptedAttempts: Bool = false
    ) {
        self.holder = holder
        self.retry = retry
        self.quietHours = quietHours
        self.leaseSeconds = leaseSeconds
        self.batchSize = batchSize
        self.maxConcurrentSends = maxConcurrentSends
        self.pollInterval = pollInterval
        self.retryInterruptedAttempts = retryInterruptedAttempts
    }
}

/// What one round did.
public struct DispatchSummary: Sendable, Equatable {
    public var delivered = 0
    /// Failed this time, to be retried.
    public var retrying = 0
    /// Failed for good (permanent failure, attempts used up, or an interrupted attempt not retried).
    public var failed = 0
    /// Due in quiet hours, moved to their end.
    public var deferred = 0
    /// Interrupted attempts found and closed.
    public var interrupted = 0
    /// Taken by another dispatcher first.
    public var lost = 0

    public init() {}

    static func + (lhs: DispatchSummary, rhs: DispatchSummary) -> DispatchSummary {
        var sum = lhs
        sum.delivered += rhs.delivered
        sum.retrying += rhs.retrying
        sum.failed += rhs.failed
        sum.deferred += rhs.deferred
        sum.interrupted += rhs.interrupted
        sum.lost += rhs.lost
        return sum
    }
}

/// Sends due notices from a `NoticeQueue` through a `NoticeChannel`.
///
/// Guarantees, given a queue that keeps the `NoticeQueue` contract:
/// - One key, one notice: queueing is idempotent on the key (event id + kind + reminder number).
/// - One sender at a time: a notice is sent only under a lease (`claim`), and the attempt is recorded as started
///   (`beginAttempt`, durable) before the channel is called; two dispatchers, or two concurrent rounds of one,
///   cannot both begin the same attempt.
/// - Every attempt and its outcome is recorded (`finishAttempt`), in the same transaction as the notice's next
///   state.
/// - A crash between `beginAttempt` and `finishAttempt` leaves the attempt in flight with a lease that expires.
///   The next round that finds it records it as `interrupted` and, by default, fails the notice ("delivery
///   unknown"): each attempt is made at most once and a notice is never sent twice, at the price of a notice
///   possibly lost in a crash. With `retryInterruptedAttempts` it is retried instead (at least once; the gateway
///   sees the same key twice).
///
/// `runOnce(now:)` reads no clock: decisions use `now`, and finishing times add only the monotonic time spent
/// sending. `run()` reads the injected wall clock once per round.
public final class NoticeDispatcher: Sendable {
    public let configuration: NoticeDispatcherConfiguration
    let queue: any NoticeQueue
    let channel: any NoticeChannel
    let clock: @Sendable () -> Date
    let random: @Sendable () -> Double
    let logger: Logger
    let leaseSeconds: Double
    private let wakeSignal = WakeSignal()

    public init(
        queue: any NoticeQueue, channel: any NoticeChannel, configuration: NoticeDispatcherConfiguration,
        clock: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger = Logger(label: "parcel-station.notices")
    ) {
        self.queue = queue
        self.channel = channel
        self.configuration = configuration
        self.clock = clock
        self.random = random
        self.logger = logger
        let limit = channel.timeLimit.components
        let channelSeconds = Double(limit.seconds) + Double(limit.attoseconds) / 1e18
        leaseSeconds = max(configuration.leaseSeconds, 2 * channelSeconds)
    }

    /// Starts the next round now rather than after the poll interval (e.g. right after queueing a notice).
    public func wake() { wakeSignal.signal() }

    /// Rounds every poll interval (or on `wake()`) until the task is cancelled. Queue errors are logged and the
    /// round retried later; they never end the loop.
    public func run() async {
        logger.info("notice dispatcher started", metadata: ["holder": "\(configuration.holder)"])
        while !Task.isCancelled {
            do {
                let summary = try await runOnce(now: clock())
                if summary != DispatchSummary() { logger.debug("notice round", metadata: ["summary": "\(summary)"]) }
            } catch is CancellationError {
                break  // shutting down: the round's unfinished sends are picked up by the next run
            } catch {
                logger.error("notice round failed", metadata: ["error": "\(error)"])
            }
            await waitForNextRound()
        }
        logger.info("notice dispatcher stopped")
    }

    private func waitForNextRound() async {
        await wakeSignal.wait(timeout: configuration.pollInterval)
    }

    /// One round at `now`: every notice due is claimed, deferred, sent or closed.
    @discardableResult
    public func runOnce(now: Date) async throws -> DispatchSummary {
        let started = ContinuousClock.now
        let due = try await queue.due(now: now, limit: configuration.batchSize)
        let width = max(1, configuration.maxConcurrentSends)
        return try await withThrowingTaskGroup(of: DispatchSummary.self) { group in
            var total = DispatchSummary()
            var iterator = due.makeIterator()
            for _ in 0..<width {
                guard let notice = iterator.next() else { break }
                group.addTask { try await self.handle(notice.key, roundNow: now, roundStart: started) }
            }
            while let summary = try await group.next() {
                total = total + summary
                if let notice = iterator.next() {
                    group.addTask { try await self.handle(notice.key, roundNow: now, roundStart: started) }
                }
            }
            return total
        }
    }

    /// `now` moved on by the monotonic time since the round began.
    private func elapsed(_ now: Date, since start: ContinuousClock.Instant) -> Date {
        let spent = (ContinuousClock.now - start).components
        return now.addingTimeInterval(Double(spent.seconds) + Double(spent.attoseconds) / 1e18)
    }

    private func handle(_ key: NoticeKey, roundNow: Date, roundStart: ContinuousClock.Instant) async throws
        -> DispatchSummary
    {
        var summary = DispatchSummary()
        let holder = configuration.holder
        let now = elapsed(roundNow, since: roundStart)
        guard let notice = try await queue.claim(key: key, holder: holder, now: now, leaseUntil: now + leaseSeconds) else {
            summary.lost += 1
            return summary
        }
        var log = logger
        log[metadataKey: "notice"] = "\(key)"

        if notice.status == .sending {
            // An attempt began under an earlier lease and never finished: the sender died mid-send.
            summary.interrupted += 1
            let next: NoticeNextStep
            if configuration.retryInterruptedAttempts && notice.attempts < configuration.retry.maxAttempts {
                next = .retry(at: configuration.quietHours.earliestSend(notBefore: now))
                summary.retrying += 1
            } else {
                next = .failed(reason: "attempt \(notice.attempts) was interrupted; delivery unknown, not resent")
                summary.failed += 1
            }
            log.warning("interrupted notice attempt found", metadata: ["attempt": "\(notice.attempts)", "next": "\(next)"])
            _ = try await queue.finishAttempt(
                key: key, number: notice.attempts, holder: holder, at: now, outcome: .interrupted, next: next)
            return summary
        }

        let sendAt = configuration.quietHours.earliestSend(notBefore: now)
        if sendAt > now {
            summary.deferred += 1
            log.debug("notice deferred past quiet hours", metadata: ["until": "\(sendAt)"])
            _ = try await queue.reschedule(key: key, holder: holder, to: sendAt)
            return summary
        }

        if Task.isCancelled {
            // Shutting down: start no new send; hand the notice back for the next run.
            _ = try await queue.reschedule(key: key, holder: holder, to: notice.nextAttemptAt)
            return summary
        }
        let number = notice.attempts + 1
        guard try await queue.beginAttempt(key: key, number: number, holder: holder, at: now) else {
            summary.lost += 1
            return summary
        }
        let result = await channel.deliver(NoticePayload(message: notice.message, attempt: number))
        let finishedAt = elapsed(roundNow, since: roundStart)

        let next: NoticeNextStep
        switch result.status {
        case .delivered:
            next = .sent
            summary.delivered += 1
            log.info("notice delivered", metadata: ["attempt": "\(number)", "reason": "\(result.reason)"])
        case .permanent:
            next = .failed(reason: result.reason)
            summary.failed += 1
            log.warning("notice refused", metadata: ["attempt": "\(number)", "reason": "\(result.reason)"])
        case .retryable:
            if let delay = configuration.retry.delay(afterAttempt: number, random: random()) {
                next = .retry(at: configuration.quietHours.earliestSend(notBefore: finishedAt + delay))
                summary.retrying += 1
                log.notice("notice attempt failed, will retry", metadata: ["attempt": "\(number)", "reason": "\(result.reason)"])
            } else {
                next = .failed(reason: "gave up after \(number) attempts: \(result.reason)")
                summary.failed += 1
                log.warning("notice failed for good", metadata: ["attempt": "\(number)", "reason": "\(result.reason)"])
            }
        }
        // The send has happened: record it even if shutdown cancelled this task meanwhile (an unstructured task
        // does not inherit the cancellation), or a delivered notice would later read as interrupted.
        let queue = queue
        let recorded = try await Task {
            try await queue.finishAttempt(
                key: key, number: number, holder: holder, at: finishedAt, outcome: .result(result), next: next)
        }.value
        if !recorded {
            // Only if the lease was lost mid-send, which the lease length rules out unless the clock jumped.
            log.error("notice lease lost before its result was recorded", metadata: ["attempt": "\(number)"])
        }
        return summary
    }
}

/// A wake-up that is not lost when it comes between two waits, and a wait that ends at the signal or the timeout.
///
/// It replaces an AsyncStream read by a fresh iterator each round: cancelling the task blocked in that iterator
/// (when the timeout won) finished the stream, so from then on every wait returned at once and the dispatcher
/// spun, at 60–80 % of a core, whenever a notice channel was configured.
final class WakeSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?

    func signal() {
        lock.lock()
        if let waiter {
            self.waiter = nil
            lock.unlock()
            waiter.resume()
        } else {
            pending = true
            lock.unlock()
        }
    }

    func wait(timeout: Duration) async {
        let timer = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { self.signal() }
        }
        // Shutdown (the dispatcher's task cancelled) ends the wait at once, as the signal does.
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                lock.lock()
                if pending {
                    pending = false
                    lock.unlock()
                    continuation.resume()
                } else {
                    waiter = continuation
                    lock.unlock()
                }
            }
        } onCancel: {
            signal()
        }
        timer.cancel()
    }
}
