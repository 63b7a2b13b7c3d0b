import Foundation

/// Times as the counter reads them: `2026-12-03 14:05` in the PC's own time zone (the daemon's wire times are UTC).
enum Dates {
    static func date(_ iso: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(iso)) ?? (try? Date.ISO8601FormatStyle().parse(iso))
    }

    static func local(_ iso: String?) -> String {
        guard let iso, let date = date(iso) else { return iso ?? "" }
        return local(date)
    }

    static func local(_ date: Date) -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: .current, from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }
}
