import Foundation
import Logging
import Notices
import ParcelDomain
import ParcelStore
import ServiceLifecycle
import StationEngine
import StrictJSON

/// The Notices module's queue, on the ledger. A first notice or reminder that is sent marks the parcel
/// `notified` in the same transaction, so the ledger never says a notice went out that did not, or the reverse.
struct LedgerNoticeQueue: NoticeQueue {
    let store: ParcelStore
    let actor = "notices"

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    static func queued(_ row: NoticeRow) throws -> QueuedNotice {
        QueuedNotice(
            message: try NoticeMessage.fromStorageJSON(Data(row.message.utf8)), status: NoticeStatus(rawValue: row.status) ?? .failed,
            queuedAt: date(row.queuedAt), nextAttemptAt: date(row.nextAttemptAt), attempts: row.attempts,
            lease: row.leaseHolder.flatMap { holder in row.leaseUntil.map { NoticeLease(holder: holder, expiresAt: date($0)) } },
            lastReason: row.lastReason)
    }

    /// Queues a notice for the parcel of the event its key names (the scheduler queues in its own transactions;
    /// this is the protocol's entry point for anything else, e.g. a notice queued by hand).
    func enqueue(_ message: NoticeMessage, dueAt: Date, now: Date) async throws -> Bool {
        let json = String(decoding: try message.storageJSON(), as: UTF8.self)
        return try await store.write { tx in
            guard let parcelID = try tx.parcelID(eventUID: message.key.eventId) else {
                throw StoreError.unavailable("no event \(message.key.eventId) to notify about")
            }
            return try tx.insertNotice(
                key: message.key.description, parcelID: parcelID, message: json, dueAt: Self.millis(dueAt), now: Self.millis(now))
        }
    }

    func due(now: Date, limit: Int) async throws -> [QueuedNotice] {
        try await store.read { try $0.dueNotices(now: Self.millis(now), limit: limit) }.map(Self.queued)
    }

    func claim(key: NoticeKey, holder: String, now: Date, leaseUntil: Date) async throws -> QueuedNotice? {
        try await store.write { tx in
            try tx.claimNotice(key: key.description, holder: holder, now: Self.millis(now), leaseUntil: Self.millis(leaseUntil))
        }.map(Self.queued)
    }

    func beginAttempt(key: NoticeKey, number: Int, holder: String, at: Date) async throws -> Bool {
        try await store.write { tx in try tx.beginNoticeAttempt(key: key.description, number: number, holder: holder, at: Self.millis(at)) }
    }

    func finishAttempt(key: NoticeKey, number: Int, holder: String, at: Date, outcome: AttemptOutcome, next: NoticeNextStep) async throws
        -> Bool
    {
        let outcomeJSON = Self.storedOutcome(outcome)
        let (status, nextAt, reason): (String, Int64?, String?) =
            switch next {
            case .sent: ("sent", nil, nil)
            case .retry(let when): ("pending", Self.millis(when), Self.reason(outcome))
            case .failed(let why): ("failed", nil, why)
            }
        let actor = self.actor
        return try await store.write { tx in
            guard
                try tx.finishNoticeAttempt(
                    key: key.description, number: number, holder: holder, at: Self.millis(at), outcome: outcomeJSON, status: status,
                    nextAttemptAt: nextAt, reason: reason)
            else { return false }
            if case .sent = next, key.kind != .overdue, let row = try tx.notice(key: key.description),
                let parcel = try tx.parcel(id: row.parcelID), ParcelState.awaitingPickup.contains(parcel.state)
            {
                try tx.apply(.notify, to: parcel, at: Self.millis(at), actor: actor, details: ["notice": key.description])
            }
            return true
        }
    }

    /// An attempt's outcome as the ledger keeps it: `{"result": delivered|retryable|permanent|interrupted,
    /// "reason": …}`, a shape of our own that socket clients read too (not Swift's enum coding).
    struct StoredOutcome: Codable {
        var result: String
        var reason: String?
    }

    static func storedOutcome(_ outcome: AttemptOutcome) -> String {
        let stored: StoredOutcome =
            switch outcome {
            case .result(let result): StoredOutcome(result: result.status.rawValue, reason: result.reason)
            case .interrupted: StoredOutcome(result: "interrupted", reason: nil)
            }
        return String(decoding: (try? JSONEncoder().encode(stored)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func outcome(stored text: String) -> AttemptOutcome? {
        guard let stored = try? StrictJSONDecoder.ownOutput.decode(StoredOutcome.self, from: Data(text.utf8)) else { return nil }
        if stored.result == "interrupted" { return .interrupted }
        return DeliveryResult.Status(rawValue: stored.result).map { .result(DeliveryResult($0, stored.reason ?? "")) }
    }

    static func reason(_ outcome: AttemptOutcome) -> String? {
        if case .result(let result) = outcome { return result.reason }
        return "interrupted"
    }

    func reschedule(key: NoticeKey, holder: String, to: Date) async throws -> Bool {
        try await store.write { tx in try tx.rescheduleNotice(key: key.description, holder: holder, to: Self.millis(to)) }
    }

    func attempts(key: NoticeKey) async throws -> [NoticeAttempt] {
        try await store.read { try $0.noticeAttempts(key: key.description) }.map { row in
            NoticeAttempt(
                key: key, number: row.number, holder: row.holder, startedAt: Self.date(row.startedAt),
                finishedAt: row.finishedAt.map(Self.date),
                outcome: row.outcome.flatMap { Self.outcome(stored: $0) })
        }
    }
}

/// Queues notices from the ledger's event log: a parcel shelved gets its first notice, reminders and overdue
/// warning; a parcel picked up or sent back has its unsent ones cancelled. It reads the log from a cursor
/// kept in the ledger and moves the cursor in the same transaction as the notices it queues, so a crash
/// neither loses nor doubles a notice.
final class NoticeService: Service, Sendable {
    let store: ParcelStore
    let settings: StationSettings
    let composer: NoticeComposer
    let plan: NoticePlan
    let openingHours: String
    let dispatcher: NoticeDispatcher
    let logger: Logger
    static let cursorKey = "notices.cursor"

    init(
        store: ParcelStore, settings: StationSettings, composer: NoticeComposer, plan: NoticePlan, openingHours: String,
        channel: any NoticeChannel, quietHours: QuietHours, retry: RetryPolicy, clock: any StationClock = SystemClock(), logger: Logger
    ) {
        self.store = store
        self.settings = settings
        self.composer = composer
        self.plan = plan
        self.openingHours = openingHours
        self.logger = logger
        self.dispatcher = NoticeDispatcher(
            queue: LedgerNoticeQueue(store: store),
            channel: channel,
            configuration: NoticeDispatcherConfiguration(retry: retry, quietHours: quietHours, pollInterval: .seconds(2)),
            clock: { LedgerNoticeQueue.date(clock.nowMillis()) }, logger: logger)
    }

    func run() async throws {
        let dispatcher = self.dispatcher
        let sending = Task { await dispatcher.run() }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if try await self.scheduleFromLog() > 0 { dispatcher.wake() }
                } catch {
                    self.logger.error("could not queue notices: \(error)")
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
        sending.cancel()
        await sending.value
    }

    static func cancelReason(_ kind: ParcelEventKind) -> String { "parcel \(kind.rawValue)" }

    static func cursor(_ reader: LedgerReader) throws -> Int64 {
        try reader.meta(cursorKey).flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 0
    }

    /// One batch of the event log after the cursor; returns how many notices it queued.
    func scheduleFromLog() async throws -> Int {
        let composer = self.composer
        let plan = self.plan
        let station = settings.stationName
        let hours = openingHours
        let keepsPhone = settings.storeFullPhone
        // A read first: an idle station then costs a one-row read a second, not a write transaction.
        let behind = try await store.read { reader in try reader.lastEventID() > Self.cursor(reader) }
        guard behind else { return 0 }
        return try await store.write { tx -> Int in
            func recipient(of parcel: ParcelRecord) throws -> NoticeRecipient {
                NoticeRecipient(phone: keepsPhone ? try tx.fullPhone(parcelID: parcel.id) : nil, phoneTail: parcel.phoneTail)
            }

            /// Composes and queues one notice of the parcel's stay; 1 when queued, 0 when its key was queued already.
            func queue(
                _ key: NoticeKey, due: Date, for parcel: ParcelRecord, code: PickupCode, shelvedAt: Date, recipient: NoticeRecipient,
                now: Int64
            ) throws -> Int {
                let courier = parcel.candidates.first { $0.code == parcel.courier }?.name ?? parcel.courier ?? "快递"
                let facts = NoticeFacts(
                    stationName: station, pickupCode: code.description, trackingNumber: parcel.tracking, courierName: courier,
                    openingHours: hours, deadline: plan.hold.deadline(shelvedAt: shelvedAt), reminderCount: key.reminder)
                let message = try composer.compose(key, facts: facts, recipient: recipient)
                let json = String(decoding: try message.storageJSON(), as: UTF8.self)
                let inserted = try tx.insertNotice(
                    key: key.description, parcelID: parcel.id, message: json, dueAt: LedgerNoticeQueue.millis(due), now: now)
                return inserted ? 1 : 0
            }

            let cursor = try Self.cursor(tx)
            let events = try tx.events(after: cursor, limit: 500)
            guard let last = events.last else { return 0 }
            var queued = 0
            for event in events {
                switch event.kind {
                case .shelve:
                    guard let parcel = try tx.parcel(id: event.parcelID), let code = parcel.pickupCode,
                        ParcelState.awaitingPickup.contains(parcel.state)
                    else { continue }
                    let shelvedAt = LedgerNoticeQueue.date(event.at)
                    let recipient = try recipient(of: parcel)
                    for (key, due) in plan.notices(eventId: event.uid, shelvedAt: shelvedAt) {
                        queued += try queue(
                            key, due: due, for: parcel, code: code, shelvedAt: shelvedAt, recipient: recipient, now: event.at)
                    }
                case .setPhone:
                    // The recipient changed: what is still pending goes to the new one. A first notice already sent,
                    // or claimed by a sender (which keeps the message it read), went to the old recipient or to none:
                    // the new one gets a first notice of their own, keyed by this event and due now, as a parcel taken
                    // in with this phone would. (A claim that only defers the old one past quiet hours costs a second
                    // first notice later: better than none.)
                    guard let parcel = try tx.parcel(id: event.parcelID), let code = parcel.pickupCode,
                        let shelved = parcel.shelvedAt, ParcelState.awaitingPickup.contains(parcel.state)
                    else { continue }
                    let recipient = try recipient(of: parcel)
                    var firstPending = false
                    for row in try tx.notices(parcelID: parcel.id) where row.status == "pending" {
                        var message = try NoticeMessage.fromStorageJSON(Data(row.message.utf8))
                        message.recipient = recipient
                        let json = String(decoding: try message.storageJSON(), as: UTF8.self)
                        if try tx.replacePendingNotice(key: row.key, message: json), message.key.kind == .first, row.leaseHolder == nil {
                            firstPending = true
                        }
                    }
                    // `unchanged` since 1.7; `replacedTail` (the digits) on events written before the privacy purge existed.
                    let sameTail =
                        event.details["unchanged"] == "true"
                        || (event.details["given"] == "phoneTail" && event.details["replacedTail"] == parcel.phoneTail)
                    guard !firstPending, !sameTail else { continue }
                    queued += try queue(
                        NoticeKey(eventId: event.uid, kind: .first), due: LedgerNoticeQueue.date(event.at), for: parcel, code: code,
                        shelvedAt: LedgerNoticeQueue.date(shelved), recipient: recipient, now: event.at)
                case .pickUp, .requestReturn, .completeReturn, .undoIntake:
                    try tx.cancelNotices(parcelID: event.parcelID, reason: Self.cancelReason(event.kind))
                case .undoPickup:
                    queued += try tx.reopenNotices(parcelID: event.parcelID, cancelledBecause: Self.cancelReason(.pickUp))
                default: continue
                }
            }
            try tx.setMeta(Self.cursorKey, Data(String(last.id).utf8))
            return queued
        }
    }
}
