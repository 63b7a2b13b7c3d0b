public import Foundation

/// Where a notice stands in the queue.
public enum NoticeStatus: String, Sendable, Codable {
    /// Waiting for `nextAttemptAt` (possibly leased by a dispatcher that is about to send it).
    case pending
    /// An attempt has been recorded as started and has no result yet. Seen with an expired lease, it is an
    /// attempt interrupted by a crash: its outcome is unknown.
    case sending
    case sent
    case failed
    /// Withdrawn by the ledger (e.g. the parcel was collected before its reminder).
    case cancelled

    public var isFinal: Bool { self == .sent || self == .failed || self == .cancelled }
}

/// A dispatcher's exclusive hold on a notice until `expiresAt`.
public struct NoticeLease: Sendable, Codable, Equatable {
    public var holder: String
    public var expiresAt: Date

    public init(holder: String, expiresAt: Date) {
        self.holder = holder
        self.expiresAt = expiresAt
    }
}

/// A notice as the queue holds it.
public struct QueuedNotice: Sendable, Equatable {
    public var message: NoticeMessage
    public var status: NoticeStatus
    public var queuedAt: Date
    /// Not to be attempted before this.
    public var nextAttemptAt: Date
    /// Attempts started so far (recorded by `beginAttempt`).
    public var attempts: Int
    public var lease: NoticeLease?
    /// Why it failed or was cancelled, or the last attempt's reason.
    public var lastReason: String?

    public var key: NoticeKey { message.key }

    public init(
        message: NoticeMessage, status: NoticeStatus = .pending, queuedAt: Date, nextAttemptAt: Date, attempts: Int = 0,
        lease: NoticeLease? = nil, lastReason: String? = nil
    ) {
        self.message = message
        self.status = status
        self.queuedAt = queuedAt
        self.nextAttemptAt = nextAttemptAt
        self.attempts = attempts
        self.lease = lease
        self.lastReason = lastReason
    }
}

/// How an attempt ended, as recorded.
public enum AttemptOutcome: Sendable, Equatable, Codable {
    case result(DeliveryResult)
    /// The process died (or lost its lease) between recording the attempt and recording its result: the
    /// notice may or may not have been delivered.
    case interrupted
}

/// One row of a notice's attempt log.
public struct NoticeAttempt: Sendable, Equatable, Codable {
    public var key: NoticeKey
    /// 1-based.
    public var number: Int
    public var holder: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// nil while in flight.
    public var outcome: AttemptOutcome?

    public init(key: NoticeKey, number: Int, holder: String, startedAt: Date, finishedAt: Date? = nil, outcome: AttemptOutcome? = nil) {
        self.key = key
        self.number = number
        self.holder = holder
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
    }
}

/// What becomes of a notice after an attempt.
public enum NoticeNextStep: Sendable, Equatable {
    case sent
    /// Back to pending, not before the date.
    case retry(at: Date)
    case failed(reason: String)
}

/// The durable queue the dispatcher works over. The ledger implements it on SQLite; `InMemoryNoticeQueue` is the
/// reference implementation and the one the tests use.
///
/// Every method is one transaction, durable when it returns. `claim`, `beginAttempt`, `finishAttempt` and
/// `reschedule` are compare-and-set on the lease: they change nothing and answer nil/false when `holder` does not
/// hold the notice's lease (or, for `claim`, when the notice cannot be taken).
public protocol NoticeQueue: Sendable {
    /// Adds a pending notice due at `dueAt`, unless one with the same key exists (whatever its status):
    /// answers whether it was added. This is what makes queueing idempotent for an event.
    func enqueue(_ message: NoticeMessage, dueAt: Date, now: Date) async throws -> Bool

    /// Up to `limit` notices a dispatcher may claim at `now`, earliest `nextAttemptAt` first: pending ones due by
    /// `now` whose lease is absent or expired, and `sending` ones whose lease has expired (interrupted attempts).
    func due(now: Date, limit: Int) async throws -> [QueuedNotice]

    /// Takes the lease on `key` for `holder` until `leaseUntil`, if at `now` the notice is pending and due, or
    /// sending, and has no unexpired lease (by anyone, `holder` included). Answers the notice as claimed.
    func claim(key: NoticeKey, holder: String, now: Date, leaseUntil: Date) async throws -> QueuedNotice?

    /// Records attempt `number` (= attempts + 1) as started: status `sending`, attempts = number, and an attempt
    /// row without an outcome. Must be durable before the channel is called. False if the lease is not held
    /// by `holder` or has expired at `at`.
    func beginAttempt(key: NoticeKey, number: Int, holder: String, at: Date) async throws -> Bool

    /// Records the outcome of attempt `number` and applies `next` (sent / back to pending at a time / failed),
    /// releasing the lease, in one transaction. False, changing nothing, if `holder` no longer holds the lease
    /// (another dispatcher took the notice after the lease expired).
    func finishAttempt(
        key: NoticeKey, number: Int, holder: String, at: Date, outcome: AttemptOutcome, next: NoticeNextStep
    ) async throws -> Bool

    /// Releases the lease without an attempt, pending again at `to` (quiet-hours deferral).
    func reschedule(key: NoticeKey, holder: String, to: Date) async throws -> Bool

    /// Every attempt of a notice, in order.
    func attempts(key: NoticeKey) async throws -> [NoticeAttempt]
}

/// A `NoticeQueue` in memory: the reference semantics for the SQLite one, and the tests' queue. (Its methods
/// never throw; they are declared `throws` to read like the protocol at call sites.)
public actor InMemoryNoticeQueue: NoticeQueue {
    private var notices: [NoticeKey: QueuedNotice] = [:]
    private var log: [NoticeKey: [NoticeAttempt]] = [:]

    public init() {}

    public func enqueue(_ message: NoticeMessage, dueAt: Date, now: Date) throws -> Bool {
        guard notices[message.key] == nil else { return false }
        notices[message.key] = QueuedNotice(message: message, queuedAt: now, nextAttemptAt: dueAt)
        return true
    }

    public func due(now: Date, limit: Int) throws -> [QueuedNotice] {
        let claimable = notices.values.filter { isClaimable($0, now: now) }
        return Array(claimable.sorted { ($0.nextAttemptAt, $0.key) < ($1.nextAttemptAt, $1.key) }.prefix(limit))
    }

    private func isClaimable(_ notice: QueuedNotice, now: Date) -> Bool {
        if let lease = notice.lease, lease.expiresAt > now { return false }
        switch notice.status {
        case .pending: return notice.nextAttemptAt <= now
        case .sending: return true
        case .sent, .failed, .cancelled: return false
        }
    }

    public func claim(key: NoticeKey, holder: String, now: Date, leaseUntil: Date) throws -> QueuedNotice? {
        guard var notice = notices[key], isClaimable(notice, now: now) else { return nil }
        notice.lease = NoticeLease(holder: holder, expiresAt: leaseUntil)
        notices[key] = notice
        return notice
    }

    public func beginAttempt(key: NoticeKey, number: Int, holder: String, at: Date) throws -> Bool {
        guard var notice = notices[key], let lease = notice.lease, lease.holder == holder, lease.expiresAt > at,
            number == notice.attempts + 1, !notice.status.isFinal
        else { return false }
        notice.status = .sending
        notice.attempts = number
        notices[key] = notice
        log[key, default: []].append(NoticeAttempt(key: key, number: number, holder: holder, startedAt: at))
        return true
    }

    public func finishAttempt(
        key: NoticeKey, number: Int, holder: String, at: Date, outcome: AttemptOutcome, next: NoticeNextStep
    ) throws -> Bool {
        guard var notice = notices[key], notice.lease?.holder == holder, notice.status == .sending,
            notice.attempts == number
        else { return false }
        if let index = log[key]?.lastIndex(where: { $0.number == number }) {
            log[key]![index].finishedAt = at
            log[key]![index].outcome = outcome
        }
        switch outcome {
        case .result(let result): notice.lastReason = result.reason
        case .interrupted: notice.lastReason = "interrupted"
        }
        switch next {
        case .sent:
            notice.status = .sent
        case .retry(let date):
            notice.status = .pending
            notice.nextAttemptAt = date
        case .failed(let reason):
            notice.status = .failed
            notice.lastReason = reason
        }
        notice.lease = nil
        notices[key] = notice
        return true
    }

    public func reschedule(key: NoticeKey, holder: String, to date: Date) throws -> Bool {
        guard var notice = notices[key], notice.lease?.holder == holder, notice.status == .pending else { return false }
        notice.nextAttemptAt = date
        notice.lease = nil
        notices[key] = notice
        return true
    }

    public func attempts(key: NoticeKey) throws -> [NoticeAttempt] { log[key] ?? [] }

    // Beyond the protocol: what the ledger does on its own side, and what tests look at.

    /// Withdraws a notice that has not been sent (the parcel was collected).
    public func cancel(key: NoticeKey, reason: String) -> Bool {
        guard var notice = notices[key], notice.status == .pending else { return false }
        notice.status = .cancelled
        notice.lastReason = reason
        notice.lease = nil
        notices[key] = notice
        return true
    }

    public func notice(_ key: NoticeKey) -> QueuedNotice? { notices[key] }

    public var all: [QueuedNotice] { notices.values.sorted { $0.key < $1.key } }
}
