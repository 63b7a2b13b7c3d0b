import Foundation
import StationTestSupport
import Testing

@testable import Notices

@Suite struct DispatcherTests {
    let noon = date(2026, 11, 22, 12)
    let night = QuietHours(start: TimeOfDay(hour: 21), end: TimeOfDay(hour: 8), timeZone: shanghai)
    let retry = RetryPolicy(baseSeconds: 60, capSeconds: 600, maxAttempts: 3, jitter: 0.2)

    func dispatcher(
        _ queue: InMemoryNoticeQueue, _ channel: any NoticeChannel, holder: String = "d1", retryInterrupted: Bool = false
    ) -> NoticeDispatcher {
        NoticeDispatcher(
            queue: queue, channel: channel,
            configuration: .init(
                holder: holder, retry: retry, quietHours: night, leaseSeconds: 60, retryInterruptedAttempts: retryInterrupted),
            clock: { fatalError("runOnce must not read the clock") }, random: { 1 })
    }

    @Test func enqueueingIsIdempotentPerKey() async throws {
        let queue = InMemoryNoticeQueue()
        #expect(try await queue.enqueue(message("evt-1"), dueAt: noon, now: noon))
        #expect(try await !queue.enqueue(message("evt-1"), dueAt: noon, now: noon))
        #expect(try await queue.enqueue(message("evt-1", kind: .reminder, reminder: 1), dueAt: noon, now: noon))
        #expect(await queue.all.count == 2)
    }

    @Test func aFailedAttemptIsRetriedAfterBackoffAndEveryAttemptIsRecorded() async throws {
        let queue = InMemoryNoticeQueue()
        let channel = ScriptedChannel([.retryable("HTTP 500"), .delivered("HTTP 200")])
        let dispatcher = dispatcher(queue, channel)
        let key = NoticeKey(eventId: "evt-1", kind: .first)
        _ = try await queue.enqueue(message("evt-1"), dueAt: noon, now: noon)

        var summary = try await dispatcher.runOnce(now: noon)
        #expect(summary.retrying == 1)
        let waiting = try #require(await queue.notice(key))
        #expect(waiting.status == .pending)
        #expect(waiting.lease == nil)
        // random = 1: the full 60 s, plus the real time the round took (small, but seconds on a loaded machine).
        #expect(waiting.nextAttemptAt.timeIntervalSince(noon) >= 60 && waiting.nextAttemptAt.timeIntervalSince(noon) < 120)

        summary = try await dispatcher.runOnce(now: noon + 30)
        #expect(summary == DispatchSummary(), "not due yet")
        summary = try await dispatcher.runOnce(now: noon + 180)
        #expect(summary.delivered == 1)
        #expect(await queue.notice(key)?.status == .sent)
        #expect(try await dispatcher.runOnce(now: noon + 3600) == DispatchSummary())

        let attempts = try await queue.attempts(key: key)
        #expect(attempts.map(\.number) == [1, 2])
        #expect(attempts.map(\.outcome) == [.result(.retryable("HTTP 500")), .result(.delivered("HTTP 200"))])
        #expect(attempts.allSatisfy { $0.holder == "d1" && $0.finishedAt != nil })
        #expect(await channel.payloads.map(\.attempt) == [1, 2])
    }

    @Test func aPermanentFailureStopsRetries() async throws {
        let queue = InMemoryNoticeQueue()
        let channel = ScriptedChannel([.permanent("HTTP 400: bad number")])
        let dispatcher = dispatcher(queue, channel)
        _ = try await queue.enqueue(message("evt-1"), dueAt: noon, now: noon)
        #expect(try await dispatcher.runOnce(now: noon).failed == 1)
        let notice = try #require(await queue.notice(NoticeKey(eventId: "evt-1", kind: .first)))
        #expect(notice.status == .failed)
        #expect(notice.lastReason == "HTTP 400: bad number")
        #expect(try await dispatcher.runOnce(now: noon + 86400) == DispatchSummary())
        #expect(await channel.payloads.count == 1)
    }

    @Test func retriesStopAfterMaxAttempts() async throws {
        let queue = InMemoryNoticeQueue()
        let channel = ScriptedChannel([.retryable("timed out after 10 s")])
        let dispatcher = dispatcher(queue, channel)
        _ = try await queue.enqueue(message("evt-1"), dueAt: noon, now: noon)
        var now = noon
        for _ in 0..<6 {
            try await dispatcher.runOnce(now: now)
            now += 700
        }
        #expect(await channel.payloads.count == 3)
        let notice = try #require(await queue.notice(NoticeKey(eventId: "evt-1", kind: .first)))
        #expect(notice.status == .failed)
        #expect(notice.lastReason == "gave up after 3 attempts: timed out after 10 s")
    }

    @Test func nothingIsSentTwiceWhenRoundsRunConcurrently() async throws {
        let queue = InMemoryNoticeQueue()
        // A slow channel widens the window in which two rounds see the same notice as due.
        let channel = ScriptedChannel([.delivered()], pause: .milliseconds(20))
        let first = dispatcher(queue, channel, holder: "d1")
        let second = dispatcher(queue, channel, holder: "d2")
        let keys = (0..<30).map { NoticeKey(eventId: "evt-\($0)", kind: .first) }
        for key in keys { _ = try await queue.enqueue(message(key.eventId), dueAt: noon, now: noon) }

        let summaries = try await withThrowingTaskGroup(of: DispatchSummary.self) { group in
            for round in 0..<6 {
                let dispatcher = round.isMultiple(of: 2) ? first : second
                group.addTask { try await dispatcher.runOnce(now: noon) }
            }
            return try await group.reduce(into: [DispatchSummary]()) { $0.append($1) }
        }
        #expect(summaries.map(\.delivered).reduce(0, +) == 30)
        for key in keys {
            #expect(await channel.count(key) == 1, "\(key)")
            #expect(try await queue.attempts(key: key).count == 1)
        }
    }

    @Test func noticesDueInQuietHoursWaitForTheMorning() async throws {
        let queue = InMemoryNoticeQueue()
        let channel = ScriptedChannel([.delivered()])
        let dispatcher = dispatcher(queue, channel)
        let evening = date(2026, 11, 22, 22, 30)
        let key = NoticeKey(eventId: "evt-1", kind: .first)
        _ = try await queue.enqueue(message("evt-1"), dueAt: evening, now: evening)

        #expect(try await dispatcher.runOnce(now: evening).deferred == 1)
        #expect(await queue.notice(key)?.nextAttemptAt == date(2026, 11, 23, 8))
        #expect(try await queue.attempts(key: key).isEmpty, "a deferral is not an attempt")
        #expect(try await dispatcher.runOnce(now: date(2026, 11, 23, 7, 59)) == DispatchSummary())
        #expect(try await dispatcher.runOnce(now: date(2026, 11, 23, 8)).delivered == 1)
        #expect(await channel.payloads.count == 1)
    }

    @Test func aRetryThatWouldLandInQuietHoursWaitsForTheirEnd() async throws {
        let queue = InMemoryNoticeQueue()
        let dispatcher = dispatcher(queue, ScriptedChannel([.retryable("HTTP 503")]))
        let late = date(2026, 11, 22, 20, 59)
        _ = try await queue.enqueue(message("evt-1"), dueAt: late, now: late)
        try await dispatcher.runOnce(now: late)
        #expect(await queue.notice(NoticeKey(eventId: "evt-1", kind: .first))?.nextAttemptAt == date(2026, 11, 23, 8))
    }

    @Test func anAttemptInterruptedByACrashIsNotResentByDefault() async throws {
        let queue = InMemoryNoticeQueue()
        let key = NoticeKey(eventId: "evt-1", kind: .first)
        _ = try await queue.enqueue(message("evt-1"), dueAt: noon, now: noon)
        // A dispatcher that died after recording its attempt and before recording the result.
        _ = try await queue.claim(key: key, holder: "dead", now: noon, leaseUntil: noon + 60)
        #expect(try await queue.beginAttempt(key: key, number: 1, holder: "dead", at: noon))

        let channel = ScriptedChannel([.delivered()])
        let dispatcher = dispatcher(queue, channel)
        #expect(try await dispatcher.runOnce(now: noon + 30) == DispatchSummary(), "the lease still holds")
        let summary = try await dispatcher.runOnce(now: noon + 61)
        #expect(summary.interrupted == 1 && summary.failed == 1)
        #expect(await channel.payloads.isEmpty)
        let notice = try #require(await queue.notice(key))
        #expect(notice.status == .failed)
        #expect(notice.lastReason?.contains("interrupted") == true)
        #expect(try await queue.attempts(key: key).map(\.outcome) == [.interrupted])
        // The dead dispatcher, should it come back, cannot record over it.
        #expect(
            try await !queue.finishAttempt(
                key: key, number: 1, holder: "dead", at: noon + 62, outcome: .result(.delivered()), next: .sent))
    }

    @Test func anInterruptedAttemptCanBeRetriedWhenConfigured() async throws {
        let queue = InMemoryNoticeQueue()
        let key = NoticeKey(eventId: "evt-1", kind: .first)
        _ = try await queue.enqueue(message("evt-1"), dueAt: noon, now: noon)
        _ = try await queue.claim(key: key, holder: "dead", now: noon, leaseUntil: noon + 60)
        _ = try await queue.beginAttempt(key: key, number: 1, holder: "dead", at: noon)

        let channel = ScriptedChannel([.delivered()])
        let dispatcher = dispatcher(queue, channel, retryInterrupted: true)
        #expect(try await dispatcher.runOnce(now: noon + 61).interrupted == 1)
        // Later by more than a loaded machine's round could take (the retry is due from the round's end).
        #expect(try await dispatcher.runOnce(now: noon + 180).delivered == 1)
        #expect(await channel.payloads.map(\.attempt) == [2])
        #expect(await channel.payloads.first?.key == key.description, "the same key, so the gateway can deduplicate")
        #expect(try await queue.attempts(key: key).map(\.outcome) == [.interrupted, .result(.delivered())])
    }

    @Test func aCancelledReminderIsNotSent() async throws {
        let queue = InMemoryNoticeQueue()
        let channel = ScriptedChannel([.delivered()])
        let key = NoticeKey(eventId: "evt-1", kind: .reminder, reminder: 1)
        _ = try await queue.enqueue(message("evt-1", kind: .reminder, reminder: 1), dueAt: noon, now: noon)
        #expect(await queue.cancel(key: key, reason: "collected"))
        #expect(try await dispatcher(queue, channel).runOnce(now: noon) == DispatchSummary())
        #expect(await channel.payloads.isEmpty)
    }

    @Test func aRoundCancelledByShutdownStartsNoSend() async throws {
        let queue = InMemoryNoticeQueue()
        let channel = ScriptedChannel([.delivered()])
        let dispatcher = dispatcher(queue, channel)
        let key = NoticeKey(eventId: "evt-1", kind: .first)
        _ = try await queue.enqueue(message("evt-1"), dueAt: noon, now: noon)
        let round = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await dispatcher.runOnce(now: noon)
        }
        _ = try await round.value
        #expect(await channel.payloads.isEmpty)
        let notice = try #require(await queue.notice(key))
        #expect(notice.status == .pending && notice.lease == nil && notice.nextAttemptAt == noon, "handed back untouched")
        #expect(try await dispatcher.runOnce(now: noon).delivered == 1)
    }

    @Test func theQueueRefusesAttemptsWithoutTheLease() async throws {
        let queue = InMemoryNoticeQueue()
        let key = NoticeKey(eventId: "evt-1", kind: .first)
        _ = try await queue.enqueue(message("evt-1"), dueAt: noon, now: noon)
        #expect(try await !queue.beginAttempt(key: key, number: 1, holder: "d1", at: noon), "not claimed")
        #expect(try await queue.claim(key: key, holder: "d1", now: noon, leaseUntil: noon + 60) != nil)
        #expect(try await queue.claim(key: key, holder: "d2", now: noon, leaseUntil: noon + 60) == nil)
        #expect(try await queue.claim(key: key, holder: "d1", now: noon, leaseUntil: noon + 60) == nil, "not even its holder twice")
        #expect(try await !queue.beginAttempt(key: key, number: 1, holder: "d2", at: noon))
        #expect(try await !queue.beginAttempt(key: key, number: 2, holder: "d1", at: noon), "attempt numbers run in order")
        #expect(try await !queue.beginAttempt(key: key, number: 1, holder: "d1", at: noon + 60), "lease expired")
        #expect(try await queue.claim(key: key, holder: "d2", now: noon + 60, leaseUntil: noon + 120) != nil)
    }

    @Test func theRunLoopSendsThroughARealScriptAndStopsOnCancellation() async throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let script = try dir.script("send.sh", #"cat >> "$1"; echo >> "$1""#)
        let queue = InMemoryNoticeQueue()
        let dispatcher = NoticeDispatcher(
            queue: queue, channel: ExecChannel(.init(executable: script, arguments: [dir.file("sent")], timeoutSeconds: 5)),
            configuration: .init(quietHours: .none(timeZone: shanghai), pollInterval: .seconds(30)))
        let runner = Task { await dispatcher.run() }
        // Give the first (empty) round time to pass, then queue and wake it instead of waiting 30 s.
        try await Task.sleep(for: .milliseconds(200))
        _ = try await queue.enqueue(message("evt-run"), dueAt: Date(), now: Date())
        dispatcher.wake()
        var status: NoticeStatus?
        for _ in 0..<100 {
            status = await queue.notice(NoticeKey(eventId: "evt-run", kind: .first))?.status
            if status == .sent { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == .sent)
        runner.cancel()
        await runner.value
        let sent = try String(contentsOfFile: dir.file("sent"), encoding: .utf8)
        #expect(try decodePayload(String(sent.split(separator: "\n")[0])).eventId == "evt-run")
    }

    /// Between rounds the dispatcher waits for the poll interval or a wake-up, and neither is lost or repeated:
    /// an earlier version finished its wake-up stream the first time the timeout won, and from then on ran rounds
    /// back to back (60–80 % of a core on a station with a notice channel).
    @Test func theRunLoopWaitsBetweenRoundsInsteadOfSpinning() async throws {
        let rounds = RoundCounter()
        // A minute between rounds: the first round runs at once, the next only on a wake-up.
        let dispatcher = NoticeDispatcher(
            queue: InMemoryNoticeQueue(), channel: ScriptedChannel([]),
            configuration: .init(quietHours: .none(timeZone: shanghai), pollInterval: .seconds(60)),
            clock: {
                rounds.add()
                return Date()
            })
        let runner = Task { await dispatcher.run() }
        try await Task.sleep(for: .milliseconds(500))
        // The old loop made about 19,000 rounds a second here.
        #expect(rounds.count <= 1, "\(rounds.count) rounds before any wake-up")
        dispatcher.wake()
        try await waitFor(rounds, atLeast: 2)
        #expect(rounds.count == 2)
        // Two wake-ups that come together start one round or two, never a run of them.
        dispatcher.wake()
        dispatcher.wake()
        try await waitFor(rounds, atLeast: 3)
        try await Task.sleep(for: .milliseconds(300))
        #expect((3...4).contains(rounds.count), "\(rounds.count) rounds after three wake-ups")
        runner.cancel()
        await runner.value
    }

    private func waitFor(_ rounds: RoundCounter, atLeast count: Int) async throws {
        for _ in 0..<400 where rounds.count < count { try await Task.sleep(for: .milliseconds(25)) }
        #expect(rounds.count >= count, "a wake-up started no round")
    }

    @Test func endToEndOverHTTPFailingFirstThenSucceeding() async throws {
        let gateway = try GatewayServer(statuses: [500, 200])
        let queue = InMemoryNoticeQueue()
        let dispatcher = dispatcher(queue, HTTPChannel(.init(url: gateway.url, timeoutSeconds: 5)))
        _ = try await queue.enqueue(message("evt-h"), dueAt: noon, now: noon)
        #expect(try await dispatcher.runOnce(now: noon).retrying == 1)
        #expect(try await dispatcher.runOnce(now: noon + 120).delivered == 1)
        let bodies = try gateway.requests().map { try decodePayload($0.body) }
        #expect(bodies.map(\.attempt) == [1, 2])
        #expect(Set(bodies.map(\.key)) == ["evt-h/first/0"])
    }
}
