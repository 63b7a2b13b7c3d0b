import Foundation
import Testing

@testable import Notices

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(baseSeconds: 60, capSeconds: 600, maxAttempts: 6, jitter: 0.2)

    @Test func backoffDoublesWithinJitterAndIsCapped() {
        #expect(policy.delayBounds(afterAttempt: 1) == 48...60)
        #expect(policy.delayBounds(afterAttempt: 2) == 96...120)
        #expect(policy.delayBounds(afterAttempt: 3) == 192...240)
        #expect(policy.delayBounds(afterAttempt: 4) == 384...480)
        #expect(policy.delayBounds(afterAttempt: 5) == 480...600, "960 s is capped at 600")
        #expect(policy.delay(afterAttempt: 2, random: 0) == 96)
        #expect(policy.delay(afterAttempt: 2, random: 0.5) == 108)
        for random in stride(from: 0.0, to: 1.0, by: 0.05) {
            let delay = policy.delay(afterAttempt: 5, random: random)!
            #expect(delay >= 480 && delay <= 600)
        }
    }

    @Test func noDelayAfterTheLastAttempt() {
        #expect(policy.delay(afterAttempt: 5, random: 0.3) != nil)
        #expect(policy.delay(afterAttempt: 6, random: 0.3) == nil)
        #expect(RetryPolicy(maxAttempts: 1).delay(afterAttempt: 1, random: 0) == nil)
    }

    @Test func hugeAttemptNumbersDoNotOverflow() {
        #expect(policy.delayBounds(afterAttempt: 10_000).upperBound == 600)
    }
}

@Suite struct QuietHoursTests {
    let night = QuietHours(start: TimeOfDay(hour: 21), end: TimeOfDay(hour: 8), timeZone: shanghai)

    @Test func nightAcrossMidnightDefersToTheMorning() {
        #expect(!night.contains(date(2026, 11, 22, 20, 59)))
        #expect(night.earliestSend(notBefore: date(2026, 11, 22, 20, 59)) == date(2026, 11, 22, 20, 59))
        #expect(night.contains(date(2026, 11, 22, 21, 0)))
        #expect(night.earliestSend(notBefore: date(2026, 11, 22, 21, 0)) == date(2026, 11, 23, 8))
        #expect(night.earliestSend(notBefore: date(2026, 11, 22, 23, 45)) == date(2026, 11, 23, 8))
        // After midnight: the end is the same day's morning.
        #expect(night.earliestSend(notBefore: date(2026, 11, 23, 2, 30)) == date(2026, 11, 23, 8))
        #expect(night.contains(date(2026, 11, 23, 7, 59)))
        #expect(!night.contains(date(2026, 11, 23, 8, 0)))
        // Month and year ends roll over.
        #expect(night.earliestSend(notBefore: date(2026, 12, 31, 22)) == date(2027, 1, 1, 8))
    }

    @Test func theStationsTimeZoneDecides() {
        let utc = TimeZone(identifier: "UTC")!
        // 13:30 UTC is 21:30 in China: quiet there, not in London's winter.
        let instant = date(2026, 11, 22, 13, 30, in: utc)
        #expect(night.contains(instant))
        #expect(night.earliestSend(notBefore: instant) == date(2026, 11, 23, 0, in: utc))
        let london = QuietHours(start: TimeOfDay(hour: 21), end: TimeOfDay(hour: 8), timeZone: TimeZone(identifier: "Europe/London")!)
        #expect(!london.contains(instant))
    }

    @Test func aNightWithADaylightSavingChangeEndsAtLocalMorning() {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let quiet = QuietHours(start: TimeOfDay(hour: 21), end: TimeOfDay(hour: 8), timeZone: berlin)
        // Clocks go forward at 02:00 on 29 March 2026: 08:00 CEST is 06:00 UTC.
        let end = quiet.earliestSend(notBefore: date(2026, 3, 28, 22, in: berlin))
        #expect(end == date(2026, 3, 29, 6, in: TimeZone(identifier: "UTC")!))
    }

    @Test func daytimeWindowsAndNone() {
        let lunch = QuietHours(start: TimeOfDay(hour: 12), end: TimeOfDay(hour: 13, minute: 30), timeZone: shanghai)
        #expect(!lunch.contains(date(2026, 11, 22, 11, 59)))
        #expect(lunch.earliestSend(notBefore: date(2026, 11, 22, 12, 10)) == date(2026, 11, 22, 13, 30))
        #expect(!lunch.contains(date(2026, 11, 22, 13, 30)))
        let none = QuietHours.none(timeZone: shanghai)
        #expect(!none.contains(date(2026, 11, 22, 0)))
        #expect(!none.contains(date(2026, 11, 22, 23, 59)))
    }

    @Test func configurationRoundTripsAndRejectsNonsense() throws {
        let json = #"{"start":"21:00","end":"8:00","timeZone":"Asia/Shanghai"}"#
        let decoded = try JSONDecoder().decode(QuietHours.self, from: Data(json.utf8))
        #expect(decoded == night)
        #expect(TimeOfDay("24:00") == nil)
        #expect(TimeOfDay("8:5") == nil)
        #expect(TimeOfDay("08:30")?.minutes == 510)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(QuietHours.self, from: Data(#"{"start":"21:00","end":"8:00","timeZone":"Mars/Base"}"#.utf8))
        }
    }
}

@Suite struct ReminderTests {
    @Test func remindersAreSpacedCountedAndStopAtTheDeadline() {
        let shelved = date(2026, 11, 22, 10)
        let hold = HoldPeriod(hours: 168)
        let deadline = hold.deadline(shelvedAt: shelved)
        #expect(deadline == date(2026, 11, 29, 10))
        let schedule = ReminderSchedule(firstAfterHours: 48, spacingHours: 24, maxReminders: 3)
        #expect(
            schedule.reminders(shelvedAt: shelved, deadline: deadline).map(\.due) == [
                date(2026, 11, 24, 10), date(2026, 11, 25, 10), date(2026, 11, 26, 10),
            ])
        #expect(schedule.reminderDue(4, shelvedAt: shelved, deadline: deadline) == nil)
        #expect(schedule.reminderDue(0, shelvedAt: shelved, deadline: deadline) == nil)
        // A short hold leaves room for one reminder only.
        let short = HoldPeriod(hours: 60).deadline(shelvedAt: shelved)
        #expect(schedule.reminders(shelvedAt: shelved, deadline: short).map(\.number) == [1])
        #expect(ReminderSchedule(maxReminders: 0).reminders(shelvedAt: shelved, deadline: deadline).isEmpty)
    }

    @Test func aShelvingPlansItsNotices() {
        let shelved = date(2026, 11, 22, 10)
        let plan = NoticePlan(reminders: .init(firstAfterHours: 48, spacingHours: 48, maxReminders: 2), hold: .init(hours: 168))
        let notices = plan.notices(eventId: "evt-9", shelvedAt: shelved)
        #expect(notices.map(\.key.description) == ["evt-9/first/0", "evt-9/reminder/1", "evt-9/reminder/2", "evt-9/overdue/0"])
        #expect(notices.map(\.due) == [shelved, date(2026, 11, 24, 10), date(2026, 11, 26, 10), date(2026, 11, 29, 10)])
        #expect(NoticePlan(overdueWarning: false).notices(eventId: "e", shelvedAt: shelved).last?.key.kind == .reminder)
    }
}

@Suite struct SlipTests {
    let slip = PickupSlip(liJiaCunFacts.withTrackingTail, openingHours: "8:00-20:00")

    @Test func htmlFitsThePaperAndEscapes() {
        let html58 = slip.html(paper: .mm58, timeZone: shanghai)
        #expect(html58.contains("size: 58mm auto"))
        #expect(html58.contains("width: 48mm"))
        #expect(html58.contains(#"<p class="code">3-2-0147</p>"#))
        #expect(html58.contains("11月29日前"))
        #expect(html58.contains("9012"))
        #expect(slip.html(paper: .mm80, timeZone: shanghai).contains("width: 72mm"))
        var hostile = slip
        hostile.stationName = "<script>x</script>&"
        #expect(hostile.html(paper: .mm58, timeZone: shanghai).contains("&lt;script&gt;x&lt;/script&gt;&amp;"))
    }

    @Test func textLinesFitTheColumns() {
        let text = slip.text(paper: .mm58, timeZone: shanghai)
        #expect(text.contains("3-2-0147"))
        #expect(text.contains("领取期限：11月29日前"))
        for line in text.split(separator: "\n") {
            #expect(PickupSlip.displayWidth(String(line)) <= 32, "\(line)")
        }
        #expect(PickupSlip.displayWidth("取件码") == 6)
    }
}

extension NoticeFacts {
    var withTrackingTail: NoticeMessage {
        try! NoticeComposer(timeZone: shanghai).compose(NoticeKey(eventId: "slip", kind: .first), facts: self, recipient: .init())
    }
}
