/// A report as a document: what station and county reports both render from. It holds text and numbers
/// already chosen and (for times) already formatted; renderers only lay them out. Nothing here knows about
/// parcels or stations, so any report (a station's day, a county's month) can be written in it.
public struct ReportDocument: Sendable, Equatable, Codable {
    /// The report's name, in Chinese (`快递服务日报`).
    public var title: String
    /// Who it is about: a station's or a county's name (and id).
    public var subtitle: String?
    /// The period covered, as shown (`2026-11-22`, `2026-11-01 至 2026-11-30`).
    public var period: String?
    /// When it was generated, as shown (a local time with its zone).
    public var generatedAt: String?
    public var sections: [ReportSection]
    /// Lines shown after the last section (how figures are defined, what the inputs of a score were).
    public var notes: [String]

    public init(
        title: String, subtitle: String? = nil, period: String? = nil, generatedAt: String? = nil, sections: [ReportSection] = [],
        notes: [String] = []
    ) {
        self.title = title
        self.subtitle = subtitle
        self.period = period
        self.generatedAt = generatedAt
        self.sections = sections
        self.notes = notes
    }
}

/// One titled part of a report: a table (columns and rows, an optional totals row), an optional bar chart,
/// and notes.
public struct ReportSection: Sendable, Equatable, Codable {
    public var title: String
    public var columns: [ReportColumn]
    public var rows: [[ReportCell]]
    /// A last row set apart (合计); nil for none.
    public var totals: [ReportCell]?
    public var chart: ReportChart?
    public var notes: [String]
    /// Shown instead of the table when there are columns but no rows.
    public var emptyText: String

    public init(
        title: String, columns: [ReportColumn] = [], rows: [[ReportCell]] = [], totals: [ReportCell]? = nil, chart: ReportChart? = nil,
        notes: [String] = [], emptyText: String = "无记录"
    ) {
        self.title = title
        self.columns = columns
        self.rows = rows
        self.totals = totals
        self.chart = chart
        self.notes = notes
        self.emptyText = emptyText
    }

    /// A two-column table of named figures (项目 / 数值): the usual shape of a summary.
    public static func figures(
        _ title: String, _ items: [(String, ReportCell)], labelTitle: String = "项目", valueTitle: String = "数值", notes: [String] = []
    ) -> ReportSection {
        ReportSection(
            title: title, columns: [ReportColumn(labelTitle), ReportColumn(valueTitle, alignment: .trailing)],
            rows: items.map { [.text($0.0), $0.1] }, notes: notes)
    }
}

public enum ReportAlignment: String, Sendable, Equatable, Codable {
    case leading, center, trailing
}

public struct ReportColumn: Sendable, Equatable, Codable {
    public var title: String
    public var alignment: ReportAlignment

    public init(_ title: String, alignment: ReportAlignment = .leading) {
        self.title = title
        self.alignment = alignment
    }
}

/// One cell. Numbers stay numbers until rendered, so CSV gets plain values a spreadsheet can add up.
public enum ReportCell: Sendable, Equatable, Codable {
    case text(String)
    case integer(Int)
    /// An amount in fen (1/100 yuan), shown in yuan with two decimals: 1250 → `12.50`.
    case money(fen: Int)
    /// A share as a fraction (0.853 → `85.3%`).
    case percent(Double)
    /// A time already formatted for the reader (local time, zone chosen by the report's author).
    case timestamp(String)
    case empty

    /// The cell as a person reads it.
    public var display: String {
        switch self {
        case .text(let text), .timestamp(let text): text
        case .integer(let value): String(value)
        case .money(let fen): ReportFormat.yuan(fen: fen)
        case .percent(let fraction): ReportFormat.percent(fraction)
        case .empty: ""
        }
    }

    /// Whether it is a number (right-aligned by default).
    public var isNumeric: Bool {
        switch self {
        case .integer, .money, .percent: true
        default: false
        }
    }
}

/// A bar chart: one bar per label (an age distribution, parcels per day).
public struct ReportChart: Sendable, Equatable, Codable {
    public var title: String
    public var labels: [String]
    public var values: [Double]
    /// Unit of the values, for the value axis title (`件`).
    public var unit: String?
    /// What the bars are (`滞留时长`), under the label axis.
    public var labelAxisTitle: String?
    /// What the values are (`包裹数`), beside the value axis.
    public var valueAxisTitle: String?

    public init(
        title: String, labels: [String], values: [Double], unit: String? = nil, labelAxisTitle: String? = nil, valueAxisTitle: String? = nil
    ) {
        self.title = title
        self.labels = labels
        self.values = values
        self.unit = unit
        self.labelAxisTitle = labelAxisTitle
        self.valueAxisTitle = valueAxisTitle
    }

    public init(
        title: String, labels: [String], counts: [Int], unit: String? = nil, labelAxisTitle: String? = nil, valueAxisTitle: String? = nil
    ) {
        self.init(
            title: title, labels: labels, values: counts.map(Double.init), unit: unit, labelAxisTitle: labelAxisTitle,
            valueAxisTitle: valueAxisTitle)
    }

    /// Label/value pairs, padded or cut to the shorter of the two lists.
    public var bars: [(label: String, value: Double)] {
        zip(labels, values).map { ($0, $1.isFinite ? $1 : 0) }
    }
}

/// Number formats shared by every renderer (and by callers that want the same text elsewhere).
public enum ReportFormat {
    /// Fen as yuan with exactly two decimals, in integer arithmetic: 1250 → `12.50`, -5 → `-0.05`.
    public static func yuan(fen: Int) -> String {
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + "\(magnitude / 100)." + (cents < 10 ? "0" : "") + "\(cents)"
    }

    /// A fraction as a percentage with one decimal: 0.853 → `85.3%`.
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "-" }
        let tenths = (fraction * 1000).rounded()
        let magnitude = Int(abs(tenths))
        return (tenths < 0 ? "-" : "") + "\(magnitude / 10).\(magnitude % 10)%"
    }

    /// A chart value: whole numbers without decimals, others with up to two.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String((value * 100).rounded() / 100)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
