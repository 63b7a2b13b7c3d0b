import Foundation

/// Display helpers for terminals: column alignment that counts CJK characters as two columns, local times,
/// and state names in the words station staff use.
enum Display {
    /// Terminal columns taken by `text`: East Asian wide and full-width characters take two.
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let v = scalar.value
            if scalar.properties.generalCategory == .nonspacingMark || v == 0x200B { return total }
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x20000...0x3FFFD).contains(v)
            return total + (wide ? 2 : 1)
        }
    }

    static func pad(_ text: String, to columns: Int) -> String {
        text + String(repeating: " ", count: max(0, columns - width(text)))
    }

    /// Rows aligned under a header, two spaces between columns; the columns in `alignRight` (numbers) are
    /// right-aligned.
    static func table(header: [String], rows: [[String]], alignRight: Set<Int> = []) -> String {
        let all = [header] + rows
        let widths = (0..<header.count).map { column in all.map { width($0.indices.contains(column) ? $0[column] : "") }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                if alignRight.contains(index), index < widths.count {
                    return String(repeating: " ", count: max(0, widths[index] - width(cell))) + cell
                }
                return index == row.count - 1 ? cell : pad(cell, to: widths[index])
            }
            .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    static let stateNames: [String: String] = [
        "received": "已收 received", "shelved": "在架 shelved", "notified": "已通知 notified", "pickedUp": "已取 picked up",
        "returnRequested": "待退回 return requested", "returned": "已退回 returned", "exception": "异常 exception",
        "voided": "已撤销 voided", "writtenOff": "已核销 written off", "inTransit": "中转中 in transit", "forwarded": "已转发 forwarded",
    ]

    static func state(_ name: String) -> String { stateNames[name] ?? name }

    /// A size in binary units, one decimal: `812.4 MiB`, `41.7 GiB`.
    static func bytes(_ count: Int64) -> String {
        let gib = Double(count) / 1_073_741_824
        return gib >= 1 ? String(format: "%.1f GiB", gib) : String(format: "%.1f MiB", Double(count) / 1_048_576)
    }

    // parcelctl is single-threaded; the formatters are only used from its main thread.
    nonisolated(unsafe) private static let parser: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    private static let local: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter
    }()

    /// A wire timestamp in the station's local time.
    static func time(_ iso: String?) -> String {
        guard let iso, let date = parser.date(from: iso) else { return iso ?? "-" }
        return local.string(from: date)
    }
}
