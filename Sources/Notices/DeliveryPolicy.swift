public import Foundation

/// Pure timing rules for notices. Nothing here reads a clock or a random source: callers pass `now` and the
/// random fraction, so every decision can be replayed in a test.

/// Retry with exponential backoff: the delay after failed attempt n is `base · 2^(n−1)`, capped at `cap`, then
/// shortened by up to `jitter` of itself so notices that failed together do not retry together.
public struct RetryPolicy: Sendable, Codable, Equatable {
    public var baseSeconds: Double
    public var capSeconds: Double
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// 0…1: the fraction of the delay that is randomised.
    public var jitter: Double

    public init(baseSeconds: Double = 60, capSeconds: Double = 3600, maxAttempts: Int = 8, jitter: Double = 0.2) {
        self.baseSeconds = baseSeconds
        self.capSeconds = capSeconds
        self.maxAttempts = maxAttempts
        self.jitter = jitter
    }

    /// The range the delay after failed attempt `attempt` (1-based) falls in.
    public func delayBounds(afterAttempt attempt: Int) -> ClosedRange<Double> {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let full = min(capSeconds, baseSeconds * pow(2, exponent))
        let clampedJitter = min(1, max(0, jitter))
        return full * (1 - clampedJitter)...full
    }

    /// The delay before the next attempt, or nil when `attempt` was the last one allowed. `random` is in 0..<1.
    public func delay(afterAttempt attempt: Int, random: Double) -> Double? {
        guard attempt < maxAttempts else { return nil }
        let bounds = delayBounds(afterAttempt: attempt)
        return bounds.lowerBound + (bounds.upperBound - bounds.lowerBound) * min(1, max(0, random))
    }
}

/// A time of day, minutes after local midnight; written `21:00`.
public struct TimeOfDay: Sendable, Equatable, Comparable, Codable, CustomStringConvertible {
    public let minutes: Int

    public init(hour: Int, minute: Int = 0) {
        precondition((0..<24).contains(hour) && (0..<60).contains(minute), "no such time of day")
        minutes = hour * 60 + minute
    }

    /// `8:00`, `21:30`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour),
            (0..<60).contains(minute), parts[1].count == 2
        else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public var hour: Int { minutes / 60 }
    public var minute: Int { minutes % 60 }
    public var description: String { "\(hour):" + (minute < 10 ? "0" : "") + String(minute) }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutes < rhs.minutes }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = TimeOfDay(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected HH:MM, got \(text)"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Hours in which no notice goes out, e.g. 21:00–08:00 in Asia/Shanghai. `start` is inclusive, `end` exclusive;
/// `start > end` spans midnight; `start == end` means no quiet hours.
public struct QuietHours: Sendable, Equatable {
    public var start: TimeOfDay
    public var end: TimeOfDay
    public var timeZone: TimeZone

    public init(start: TimeOfDay, end: TimeOfDay, timeZone: TimeZone) {
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    public static func none(timeZone: TimeZone) -> QuietHours {
        QuietHours(start: TimeOfDay(hour: 0), end: TimeOfDay(hour: 0), timeZone: timeZone)
    }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    private func minuteOfDay(_ date: Date) -> Int {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
    }

    public func contains(_ date: Date) -> Bool {
        let minute = minuteOfDay(date)
        if start == end { return false }
        if start < end { return minute >= start.minutes && minute < end.minutes }
        return minute >= start.minutes || minute < end.minutes
    }

    /// `date` itself when it is outside quiet hours, else the end of the quiet hours it falls in.
    public func earliestSend(notBefore date: Date) -> Date {
        guard contains(date) else { return date }
        let calendar = calendar
        // The end is today if we are before it (the after-midnight part), else tomorrow.
        let day = minuteOfDay(date) < end.minutes ? date : calendar.date(byAdding: .day, value: 1, to: date)!
        let components = DateComponents(hour: end.hour, minute: end.minute)
        let startOfDay = calendar.startOfDay(for: day)
        // nextDate matches wall-clock time, so a DST change in the night is handled by the calendar.
        return calendar.nextDate(after: startOfDay.addingTimeInterval(-1), matching: components, matchingPolicy: .nextTime)
            ?? date
    }
}

extension QuietHours: Codable {
    private enum CodingKeys: String, CodingKey { case start, end, timeZone }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let zoneName = try container.decode(String.self, forKey: .timeZone)
        guard let zone = TimeZone(identifier: zoneName) else {
            throw DecodingError.dataCorruptedError(forKey: .timeZone, in: container, debugDescription: "unknown time zone \(zoneName)")
        }
        self.init(
            start: try container.decode(TimeOfDay.self, forKey: .start), end: try container.decode(TimeOfDay.self, forKey: .end),
            timeZone: zone)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try container.encode(timeZone.identifier, forKey: .timeZone)
    }
}

/// 催取: the first reminder `firstAfterHours` after shelving, then every `spacingHours`, at most `maxReminders`,
/// and none at or after the collection deadline (the overdue warning takes over there).
public struct ReminderSchedule: Sendable, Codable, Equatable {
    public var firstAfterHours: Double
    public var spacingHours: Double
    public var maxReminders: Int

    public init(firstAfterHours: Double = 48, spacingHours: Double = 24, maxReminders: Int = 2) {
        self.firstAfterHours = firstAfterHours
        self.spacingHours = spacingHours
        self.maxReminders = maxReminders
    }

    /// When reminder `number` (1-based) is due, or nil if there is no such reminder.
    public func reminderDue(_ number: Int, shelvedAt: Date, deadline: Date) -> Date? {
        guard number >= 1, number <= maxReminders else { return nil }
        let due = shelvedAt.addingTimeInterval((firstAfterHours + spacingHours * Double(number - 1)) * 3600)
        return due < deadline ? due : nil
    }

    /// Every reminder due for a parcel shelved at `shelvedAt`.
    public func reminders(shelvedAt: Date, deadline: Date) -> [(number: Int, due: Date)] {
        guard maxReminders >= 1 else { return [] }
        return (1...maxReminders).compactMap { number in
            reminderDue(number, shelvedAt: shelvedAt, deadline: deadline).map { (number, $0) }
        }
    }
}

/// The hold period (保管期): after it the parcel is overdue.
public struct HoldPeriod: Sendable, Codable, Equatable {
    public var hours: Double

    public init(hours: Double = 168) { self.hours = hours }

    public func deadline(shelvedAt: Date) -> Date { shelvedAt.addingTimeInterval(hours * 3600) }
}

/// Every notice one shelving calls for, with the time each is due (before quiet hours, which the dispatcher
/// applies when it sends): the first notice at once, the reminders, the overdue warning at the deadline.
public struct NoticePlan: Sendable, Codable, Equatable {
    public var reminders: ReminderSchedule
    public var hold: HoldPeriod
    /// Whether to queue the overdue warning at all.
    public var overdueWarning: Bool

    public init(reminders: ReminderSchedule = .init(), hold: HoldPeriod = .init(), overdueWarning: Bool = true) {
        self.reminders = reminders
        self.hold = hold
        self.overdueWarning = overdueWarning
    }

    public func notices(eventId: String, shelvedAt: Date) -> [(key: NoticeKey, due: Date)] {
        let deadline = hold.deadline(shelvedAt: shelvedAt)
        var plan = [(key: NoticeKey(eventId: eventId, kind: .first), due: shelvedAt)]
        for (number, due) in reminders.reminders(shelvedAt: shelvedAt, deadline: deadline) {
            plan.append((NoticeKey(eventId: eventId, kind: .reminder, reminder: number), due))
        }
        if overdueWarning { plan.append((NoticeKey(eventId: eventId, kind: .overdue), deadline)) }
        return plan
    }
}
