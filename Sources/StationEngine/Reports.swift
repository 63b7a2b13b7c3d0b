public import Foundation
public import ParcelDomain
public import ParcelStore

/// Station reports: the backlog with what needs attention, the daily report (日报), the monthly report (月报) with
/// its days, and the handoff ledger (交接台账). Each is read in one snapshot of the ledger. Days and months are
/// reckoned in the station's reporting time zone (`StationSettings.timeZone`).
extension StationEngine {
    // MARK: Backlog

    public struct BacklogOverview: Sendable {
        public let report: BacklogReport
        public let attention: BacklogAttention
    }

    /// The backlog (`backlog(olderThanHours:)`, with its notified and overdue counts) and, from the same snapshot,
    /// what else needs attention: reminded parcels, returns waiting for their courier, unreconciled handoffs.
    public nonisolated func backlogOverview(olderThanHours: Int) async throws -> BacklogOverview {
        guard olderThanHours >= 0, olderThanHours <= 24 * 3650 else {
            throw EngineError.invalidParameter(name: "olderThanHours", reason: "must be between 0 and 87600")
        }
        let now = clock.nowMillis()
        let holdHours = settings.holdHours
        return try await store.read { reader in
            let report = try reader.backlog(now: now, olderThanHours: olderThanHours, holdHours: holdHours)
            return BacklogOverview(
                report: report, attention: try reader.backlogAttention(now: now, olderThanHours: olderThanHours))
        }
    }

    // MARK: Daily and monthly reports

    public enum ReportKind: String, Sendable {
        case day, month
    }

    /// A daily or monthly report: the ledger's figures, the days of a month, commissions and the assessment.
    public struct PeriodReport: Sendable {
        public let kind: ReportKind
        /// `2026-11-22` or `2026-11`.
        public let label: String
        public let timeZone: String
        public let generatedAt: Int64
        public let figures: StationPeriodFigures
        /// `YYYY-MM-DD` of each interval (one for a day, every day of a month).
        public let days: [String]
        /// Commission per interval, and in all, in fen.
        public let commissionByInterval: [Int]
        public let commissionFen: Int
        public let assessment: ServiceAssessment

        /// The rate applied to `courier`'s pickups.
        public let rates: [String: Int]
        public func commissionRate(for courier: String) -> Int { StationEngine.commissionRate(courier, rates: rates) }
    }

    /// The daily report for `date` (`YYYY-MM-DD`, local), default today.
    public nonisolated func dailyReport(date: String?) async throws -> PeriodReport {
        let calendar = reportCalendar
        let now = clock.nowMillis()
        let day = try date.map { try Self.parseDay($0, name: "date") } ?? Self.localDay(now, calendar)
        let start = try Self.instant(of: day, calendar)
        let end = try Self.instant(of: Self.addDays(1, to: day, calendar), calendar)
        return try await periodReport(kind: .day, label: Self.dayLabel(day), days: [day], boundaries: [start, end], now: now)
    }

    /// The monthly report for `month` (`YYYY-MM`, local), default this month, with one row per day.
    public nonisolated func monthlyReport(month: String?) async throws -> PeriodReport {
        let calendar = reportCalendar
        let now = clock.nowMillis()
        let first: DateComponents
        if let month {
            first = try Self.parseMonth(month)
        } else {
            let today = Self.localDay(now, calendar)
            first = DateComponents(year: today.year, month: today.month, day: 1)
        }
        var days: [DateComponents] = []
        var day = first
        while day.month == first.month {
            days.append(day)
            day = try Self.addDays(1, to: day, calendar)
        }
        var boundaries = try days.map { try Self.instant(of: $0, calendar) }
        boundaries.append(try Self.instant(of: day, calendar))
        return try await periodReport(
            kind: .month, label: String(Self.dayLabel(first).prefix(7)), days: days, boundaries: boundaries, now: now)
    }

    nonisolated func periodReport(kind: ReportKind, label: String, days: [DateComponents], boundaries: [Int64], now: Int64) async throws
        -> PeriodReport
    {
        let window = ReportWindow(boundaries: boundaries, now: now)
        let holdHours = settings.holdHours
        let figures = try await store.read { try $0.periodFigures(window, holdHours: holdHours) }
        let rates = settings.commissionFen
        let perInterval = figures.intervals.map { interval in
            interval.pickedUpByCourier.reduce(0) { $0 + $1.value * Self.commissionRate($1.key, rates: rates) }
        }
        return PeriodReport(
            kind: kind, label: label, timeZone: reportTimeZone.identifier, generatedAt: now, figures: figures,
            days: days.map(Self.dayLabel), commissionByInterval: perInterval, commissionFen: perInterval.reduce(0, +),
            assessment: ServiceAssessment(figures.assessment), rates: rates)
    }

    static func commissionRate(_ courier: String, rates: [String: Int]) -> Int {
        rates[courier.uppercased()] ?? rates["default"] ?? 0
    }

    // MARK: Handoff ledger

    public struct HandoffLedgerReport: Sendable {
        /// `2026-11-01..2026-11-22`.
        public let label: String
        public let timeZone: String
        public let from: Int64
        public let to: Int64
        public let asOf: Int64
        public let generatedAt: Int64
        public let entries: [HandoffLedgerEntry]
    }

    /// Every handoff opened from the local day `from` to the local day `to`, both included (default: this month
    /// so far), with its line counts and receipt.
    public nonisolated func handoffLedger(from: String?, to: String?) async throws -> HandoffLedgerReport {
        let calendar = reportCalendar
        let now = clock.nowMillis()
        let today = Self.localDay(now, calendar)
        let last = try to.map { try Self.parseDay($0, name: "to") } ?? today
        let first =
            try from.map { try Self.parseDay($0, name: "from") }
            ?? (to == nil
                ? DateComponents(year: today.year, month: today.month, day: 1) : DateComponents(year: last.year, month: last.month, day: 1))
        let start = try Self.instant(of: first, calendar)
        let end = try Self.instant(of: Self.addDays(1, to: last, calendar), calendar)
        guard start < end else { throw EngineError.invalidParameter(name: "from", reason: "must not be after to") }
        guard end - start <= 3660 * 86_400_000 else {
            throw EngineError.invalidParameter(name: "to", reason: "a ledger covers at most ten years")
        }
        let entries = try await store.read { try $0.handoffLedger(from: start, to: end) }
        return HandoffLedgerReport(
            label: "\(Self.dayLabel(first))..\(Self.dayLabel(last))", timeZone: reportTimeZone.identifier, from: start, to: end,
            asOf: min(end, now + 1), generatedAt: now, entries: entries)
    }

    // MARK: Calendar

    /// The reporting time zone; an unknown identifier (the daemon's configuration refuses one) falls back to
    /// China Standard Time, which has had no daylight saving since 1991.
    public nonisolated var reportTimeZone: TimeZone {
        TimeZone(identifier: settings.timeZone) ?? TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
    }

    nonisolated var reportCalendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = reportTimeZone
        return calendar
    }

    static func localDay(_ millis: Int64, _ calendar: Calendar) -> DateComponents {
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(millis) / 1000))
        return DateComponents(year: parts.year, month: parts.month, day: parts.day)
    }

    static func instant(of day: DateComponents, _ calendar: Calendar) throws -> Int64 {
        guard let date = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) else {
            throw EngineError.invalidParameter(name: "date", reason: "not a day of the calendar")
        }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func addDays(_ count: Int, to day: DateComponents, _ calendar: Calendar) throws -> DateComponents {
        guard let date = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)),
            let next = calendar.date(byAdding: .day, value: count, to: date)
        else { throw EngineError.invalidParameter(name: "date", reason: "not a day of the calendar") }
        let parts = calendar.dateComponents([.year, .month, .day], from: next)
        return DateComponents(year: parts.year, month: parts.month, day: parts.day)
    }

    /// `YYYY-MM-DD`, a real day between 2000 and 2199.
    static func parseDay(_ text: String, name: String) throws -> DateComponents {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (2000...2199).contains(year),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { throw EngineError.invalidParameter(name: name, reason: "a day as YYYY-MM-DD, e.g. 2026-11-22") }
        return DateComponents(year: year, month: month, day: day)
    }

    /// `YYYY-MM` → its first day.
    static func parseMonth(_ text: String) throws -> DateComponents {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
            (2000...2199).contains(year), (1...12).contains(month)
        else { throw EngineError.invalidParameter(name: "month", reason: "a month as YYYY-MM, e.g. 2026-11") }
        return DateComponents(year: year, month: month, day: 1)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func dayLabel(_ day: DateComponents) -> String {
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(day.year, 4))-\(pad(day.month, 2))-\(pad(day.day, 2))"
    }
}
