public import Foundation
public import Logging
public import ParcelDomain
public import PostgresNIO
public import ReportRendering

/// A station as the county registered it.
public struct CountyStation: Codable, Sendable, Equatable {
    public let id: String
    public let name: String
    public let tier: String
    public let township: String?
}

/// A period of whole local days, [from, to).
public struct CountyPeriod: Codable, Sendable, Equatable {
    public let from: Int64
    public let to: Int64
    /// As shown: `2026-11` or `2026-05 至 2026-10`.
    public let label: String

    var start: Date { Date(timeIntervalSince1970: Double(from) / 1000) }
    var end: Date { Date(timeIntervalSince1970: Double(to) / 1000) }

    /// The calendar month `yyyy-MM` in `zone`, or `count` months ending with it.
    public static func months(ending month: String, count: Int = 1, zone: TimeZone) throws -> CountyPeriod {
        let parts = month.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, (1...12).contains(parts[1]), (2000...2200).contains(parts[0]) else {
            throw CountyError("a month is written yyyy-MM (got \(month))")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let last = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: 1))!
        let first = calendar.date(byAdding: .month, value: -(count - 1), to: last)!
        let end = calendar.date(byAdding: .month, value: 1, to: last)!
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM"
        let label = count == 1 ? formatter.string(from: last) : "\(formatter.string(from: first)) 至 \(formatter.string(from: last))"
        return CountyPeriod(from: millis(first), to: millis(end), label: label)
    }

    /// From the first day to the last day (inclusive), `yyyy-MM-dd`, in `zone`.
    public static func days(from: String, to: String, zone: TimeZone) throws -> CountyPeriod {
        let formatter = DateFormatter()
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd"
        guard let first = formatter.date(from: from), let last = formatter.date(from: to), first <= last else {
            throw CountyError("dates are written yyyy-MM-dd, the first not after the last (got \(from) and \(to))")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let end = calendar.date(byAdding: .day, value: 1, to: last)!
        return CountyPeriod(from: millis(first), to: millis(end), label: from == to ? from : "\(from) 至 \(to)")
    }

    /// The month before `month` (`yyyy-MM`).
    static func previous(_ month: String, by count: Int, zone: TimeZone) throws -> String {
        let period = try months(ending: month, count: count + 1, zone: zone)
        return String(period.label.prefix(7))
    }
}

func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

/// The county's reports: each is fetched from PostgreSQL into a Codable value (what `--json` prints) and turned
/// into a `ReportDocument` for the terminal, CSV and HTML.
public struct CountyReports: Sendable {
    public let connection: PostgresConnection
    public let logger: Logger
    public let timeZone: TimeZone
    public let countyName: String

    /// `yyyy-MM-dd HH:mm` in the county's zone, made once: a report formats a time per listed row.
    let timeStyle: Date.VerbatimFormatStyle

    public init(connection: PostgresConnection, logger: Logger, timeZone: TimeZone, countyName: String = "县级物流中心") {
        self.connection = connection
        self.logger = logger
        self.timeZone = timeZone
        self.countyName = countyName
        timeStyle = Date.VerbatimFormatStyle(
            format:
                "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
            timeZone: timeZone, calendar: Calendar(identifier: .gregorian))
    }

    func rows(_ sql: String, _ binds: [any PostgresEncodable & Sendable]) async throws -> [PostgresRandomAccessRow] {
        try await CountySQL.rows(connection, sql, binds, logger: logger)
    }

    public func stations() async throws -> [CountyStation] {
        try await rows(CountySQL.stations, []).map {
            CountyStation(id: try $0.text(0), name: try $0.text(1), tier: try $0.text(2), township: try $0.optionalText(3))
        }
    }

    func format(_ millis: Int64?) -> String {
        guard let millis else { return "" }
        return Date(timeIntervalSince1970: Double(millis) / 1000).formatted(timeStyle)
    }

    func document(_ title: String, period: String?, generatedAt: Int64, sections: [ReportSection], notes: [String] = []) -> ReportDocument {
        ReportDocument(
            title: title, subtitle: countyName, period: period, generatedAt: format(generatedAt) + " (\(timeZone.identifier))",
            sections: sections, notes: notes)
    }

    static func stationCell(_ station: CountyStation?, _ id: String) -> ReportCell {
        .text(station.map { "\($0.name)（\($0.id)）" } ?? id)
    }
}

// MARK: Backlog

public struct CountyBacklogReport: Codable, Sendable, Equatable {
    public struct CourierRow: Codable, Sendable, Equatable {
        public let courier: String
        public let total: Int
        public let counts: [Int]
        public let overdue: Int
    }
    public struct StationRow: Codable, Sendable, Equatable {
        public let station: CountyStation
        public let total: Int
        /// Per age bucket, in the order of `buckets`.
        public let counts: [Int]
        /// Waiting past the hold period.
        public let overdue: Int
        /// Waiting after two or more notices (a reminder went out).
        public let reminded: Int
        public let couriers: [CourierRow]
    }
    /// Parcels in transit at one station for another (a township's relay bin for a village).
    public struct TransitRow: Codable, Sendable, Equatable {
        public let from: String
        public let to: String
        public let count: Int
        public let oldestReceivedAt: Int64?
    }
    public static let buckets = ["< 24 小时", "1–2 天", "2–3 天", "3–7 天", "> 7 天"]
    public let generatedAt: Int64
    public let holdHours: Int
    public let buckets: [String]
    public let total: Int
    public let overdue: Int
    public let stations: [StationRow]
    public let inTransit: [TransitRow]
}

extension CountyReports {
    public func backlog(now: Int64, holdHours: Int) async throws -> CountyBacklogReport {
        let stations = try await stations()
        var byStation: [String: [CountyBacklogReport.CourierRow]] = [:]
        var reminded: [String: Int] = [:]
        for row in try await rows(CountySQL.backlog, [Date(timeIntervalSince1970: Double(now) / 1000), holdHours]) {
            let id = try row.text(0)
            let counts = try (3...7).map { try row.int($0) }
            byStation[id, default: []].append(
                .init(courier: try row.text(1), total: try row.int(2), counts: counts, overdue: try row.int(8)))
            reminded[id, default: 0] += try row.int(9)
        }
        let known = Set(stations.map(\.id))
        let unknown = byStation.keys.filter { !known.contains($0) }.map { CountyStation(id: $0, name: $0, tier: "?", township: nil) }
        let rows = (stations + unknown).map { station -> CountyBacklogReport.StationRow in
            let couriers = (byStation[station.id] ?? []).sorted { ($0.total, $1.courier) > ($1.total, $0.courier) }
            let counts = couriers.reduce(into: [Int](repeating: 0, count: CountyBacklogReport.buckets.count)) { sums, courier in
                for (index, value) in courier.counts.enumerated() { sums[index] += value }
            }
            return .init(
                station: station, total: couriers.reduce(0) { $0 + $1.total }, counts: counts,
                overdue: couriers.reduce(0) { $0 + $1.overdue },
                reminded: reminded[station.id] ?? 0, couriers: couriers)
        }.sorted { ($0.overdue, $0.total, $1.station.id) > ($1.overdue, $1.total, $0.station.id) }
        let transit = try await self.rows(CountySQL.inTransit, []).map { row in
            CountyBacklogReport.TransitRow(
                from: try row.text(0), to: try row.text(1), count: try row.int(2), oldestReceivedAt: try row.millis(3))
        }
        return CountyBacklogReport(
            generatedAt: now, holdHours: holdHours, buckets: CountyBacklogReport.buckets, total: rows.reduce(0) { $0 + $1.total },
            overdue: rows.reduce(0) { $0 + $1.overdue }, stations: rows, inTransit: transit)
    }

    public func document(_ report: CountyBacklogReport) -> ReportDocument {
        let names = Dictionary(report.stations.map { ($0.station.id, $0.station) }, uniquingKeysWith: { first, _ in first })
        let totals = report.stations.reduce(into: [Int](repeating: 0, count: report.buckets.count)) { sums, row in
            for (index, value) in row.counts.enumerated() { sums[index] += value }
        }
        let stationColumns =
            [ReportColumn("服务站"), ReportColumn("在架合计", alignment: .trailing)]
            + report.buckets.map { ReportColumn($0, alignment: .trailing) }
            + [ReportColumn("超期（>\(report.holdHours) 小时）", alignment: .trailing), ReportColumn("已催领", alignment: .trailing)]
        let stationRows = report.stations.map { row -> [ReportCell] in
            [Self.stationCell(row.station, row.station.id), .integer(row.total)] + row.counts.map(ReportCell.integer)
                + [.integer(row.overdue), .integer(row.reminded)]
        }
        let courierRows = report.stations.flatMap { row in
            row.couriers.map { courier -> [ReportCell] in
                [Self.stationCell(row.station, row.station.id), .text(courier.courier), .integer(courier.total)]
                    + courier.counts.map(ReportCell.integer) + [.integer(courier.overdue)]
            }
        }
        return document(
            "全县滞留包裹报表", period: nil, generatedAt: report.generatedAt,
            sections: [
                ReportSection(
                    title: "各服务站在架包裹（按滞留时长）", columns: stationColumns, rows: stationRows,
                    totals: [.text("合计"), .integer(report.total)] + totals.map(ReportCell.integer)
                        + [.integer(report.overdue), .integer(report.stations.reduce(0) { $0 + $1.reminded })],
                    chart: ReportChart(
                        title: "全县在架包裹滞留时长分布", labels: report.buckets, counts: totals, unit: "件", labelAxisTitle: "滞留时长",
                        valueAxisTitle: "包裹数")),
                ReportSection(
                    title: "按服务站与快递公司",
                    columns: [ReportColumn("服务站"), ReportColumn("快递公司"), ReportColumn("合计", alignment: .trailing)]
                        + report.buckets.map { ReportColumn($0, alignment: .trailing) } + [ReportColumn("超期", alignment: .trailing)],
                    rows: courierRows),
                ReportSection(
                    title: "中转在途（乡镇代转给下级服务站，不计入滞留）",
                    columns: [ReportColumn("中转站"), ReportColumn("目的站"), ReportColumn("件数", alignment: .trailing), ReportColumn("最早到达")],
                    rows: report.inTransit.map {
                        [
                            Self.stationCell(names[$0.from], $0.from), Self.stationCell(names[$0.to], $0.to), .integer($0.count),
                            .timestamp(format($0.oldestReceivedAt)),
                        ]
                    }, emptyText: "没有中转在途的包裹"),
            ],
            notes: [
                "在架：状态为已上架或已通知、等待取件的包裹；滞留时长自上架起算。超期：滞留超过保管期 \(report.holdHours) 小时。",
                "中转在途：乡镇站为下级服务站代收、尚未转出的包裹，计入目的站的线路而不是中转站的滞留。",
                "数据截至各服务站最近一次上传；离线服务站的数据在联网补传后更新（见 parcelctl county sync-status）。",
            ])
    }
}

// MARK: Overdue

public struct CountyOverdueReport: Codable, Sendable, Equatable {
    public struct StationRow: Codable, Sendable, Equatable {
        public let station: CountyStation
        public let overdue: Int
        public let oldestShelvedAt: Int64?
    }
    public struct ParcelRow: Codable, Sendable, Equatable {
        public let stationID: String
        public let tracking: String
        public let courier: String
        public let shelvedAt: Int64?
        public let notices: Int
    }
    public let generatedAt: Int64
    public let holdHours: Int
    public let total: Int
    public let stations: [StationRow]
    public let parcels: [ParcelRow]
    /// More overdue parcels exist than listed.
    public let truncated: Bool
}

extension CountyReports {
    public func overdue(now: Int64, holdHours: Int, limit: Int = 1000) async throws -> CountyOverdueReport {
        let stations = Dictionary(uniqueKeysWithValues: try await stations().map { ($0.id, $0) })
        let at = Date(timeIntervalSince1970: Double(now) / 1000)
        let stationRows = try await rows(CountySQL.overdueStations, [at, holdHours]).map { row in
            let id = try row.text(0)
            return CountyOverdueReport.StationRow(
                station: stations[id] ?? CountyStation(id: id, name: id, tier: "?", township: nil), overdue: try row.int(1),
                oldestShelvedAt: try row.millis(2))
        }
        let parcels = try await rows(CountySQL.overdueParcels, [at, holdHours, limit]).map { row in
            CountyOverdueReport.ParcelRow(
                stationID: try row.text(0), tracking: try row.text(1), courier: try row.text(2), shelvedAt: try row.millis(3),
                notices: try row.int(4))
        }
        let total = stationRows.reduce(0) { $0 + $1.overdue }
        return CountyOverdueReport(
            generatedAt: now, holdHours: holdHours, total: total, stations: stationRows, parcels: parcels, truncated: total > parcels.count)
    }

    public func document(_ report: CountyOverdueReport) -> ReportDocument {
        var names: [String: CountyStation] = [:]
        for row in report.stations { names[row.station.id] = row.station }
        let days = { (shelved: Int64?) -> ReportCell in
            guard let shelved else { return .empty }
            return .text(String(format: "%.1f", Double(report.generatedAt - shelved) / 86_400_000))
        }
        return document(
            "超期包裹清单", period: nil, generatedAt: report.generatedAt,
            sections: [
                ReportSection(
                    title: "存有超期包裹的服务站",
                    columns: [ReportColumn("服务站"), ReportColumn("超期件数", alignment: .trailing), ReportColumn("最早上架")],
                    rows: report.stations.map {
                        [Self.stationCell($0.station, $0.station.id), .integer($0.overdue), .timestamp(format($0.oldestShelvedAt))]
                    },
                    totals: [.text("合计"), .integer(report.total), .empty], emptyText: "没有超期包裹"),
                ReportSection(
                    title: report.truncated ? "超期包裹（最久的 \(report.parcels.count) 件，共 \(report.total) 件）" : "超期包裹",
                    columns: [
                        ReportColumn("服务站"), ReportColumn("运单号"), ReportColumn("快递公司"), ReportColumn("上架时间"),
                        ReportColumn("已滞留（天）", alignment: .trailing), ReportColumn("通知次数", alignment: .trailing),
                    ],
                    rows: report.parcels.map {
                        [
                            Self.stationCell(names[$0.stationID], $0.stationID), .text($0.tracking), .text($0.courier),
                            .timestamp(format($0.shelvedAt)),
                            days($0.shelvedAt), .integer($0.notices),
                        ]
                    }, emptyText: "没有超期包裹"),
            ],
            notes: ["超期：在架等待取件超过保管期 \(report.holdHours) 小时。报表不含收件人电话或姓名。"])
    }
}

// MARK: Handoffs between tiers

public struct CountyHandoffReport: Codable, Sendable, Equatable {
    public struct Unreconciled: Codable, Sendable, Equatable {
        public let stationID: String
        public let uid: String
        public let direction: String
        public let kind: String
        public let company: String?
        public let node: String?
        public let nodeTier: String?
        public let state: String
        public let openedAt: Int64?
        public let closedAt: Int64?
        public let expected: Int
        public let missing: Int
        public let extra: Int
        public let damaged: Int
        public let misrouted: Int
        public let openDiscrepancies: Int
    }
    public struct InTransit: Codable, Sendable, Equatable {
        public let from: String
        public let to: String
        public let handoffUID: String
        public let tracking: String
        public let handedAt: Int64?
    }
    /// A station-to-station handoff whose sender's and receiver's records disagree.
    public struct PairMismatch: Codable, Sendable, Equatable {
        public let sender: String
        public let senderHandoff: String
        public let receiver: String
        /// The receiver's handoff on the same manifest; nil when it has none.
        public let receiverHandoff: String?
        public let manifestDigest: String
        public let sentAt: Int64?
        /// The receiver's handoff state (`open`, `closed`), nil when it has none.
        public let receiverState: String?
        /// Loaded by the sender, not scanned in by the receiver; scanned in by the receiver, not loaded by the sender.
        public let notReceived: Int
        public let notSent: Int
    }
    public let generatedAt: Int64
    public let graceHours: Int
    public let unreconciled: [Unreconciled]
    public var pairMismatches: [PairMismatch] = []
    /// Handed on by one station to another and not scanned in there.
    public let sentNotReceived: [InTransit]
    public let truncated: Bool
}

extension CountyReports {
    public func handoffs(now: Int64, graceHours: Int, limit: Int = 2000) async throws -> CountyHandoffReport {
        let at = Date(timeIntervalSince1970: Double(now) / 1000)
        let unreconciled = try await rows(CountySQL.unreconciledHandoffs, [at, graceHours]).map { row in
            CountyHandoffReport.Unreconciled(
                stationID: try row.text(0), uid: try row.text(1), direction: try row.text(2), kind: try row.text(3),
                company: try row.optionalText(4), node: try row.optionalText(5), nodeTier: try row.optionalText(6), state: try row.text(7),
                openedAt: try row.millis(8), closedAt: try row.millis(9), expected: try row.int(10), missing: try row.int(11),
                extra: try row.int(12), damaged: try row.int(13), misrouted: try row.int(14), openDiscrepancies: try row.int(15))
        }
        let transit = try await rows(CountySQL.sentNotReceived, [at, graceHours, limit + 1]).map { row in
            CountyHandoffReport.InTransit(
                from: try row.text(0), to: try row.text(1), handoffUID: try row.text(2), tracking: try row.text(3),
                handedAt: try row.millis(4))
        }
        var report = CountyHandoffReport(
            generatedAt: now, graceHours: graceHours, unreconciled: unreconciled, sentNotReceived: Array(transit.prefix(limit)),
            truncated: transit.count > limit)
        report.pairMismatches = try await rows(CountySQL.exchangeMismatches, [at, graceHours]).map { row in
            CountyHandoffReport.PairMismatch(
                sender: try row.text(0), senderHandoff: try row.text(1), receiver: try row.optionalText(2) ?? "?",
                receiverHandoff: try row.optionalText(4), manifestDigest: try row.text(5), sentAt: try row.millis(6),
                receiverState: try row.optionalText(7), notReceived: try row.int(8), notSent: try row.int(9))
        }
        return report
    }

    static func receiverCell(_ pair: CountyHandoffReport.PairMismatch) -> String {
        guard let uid = pair.receiverHandoff else { return "未导入" }
        return pair.receiverState == "closed" ? uid : uid + "（未确认）"
    }

    public func document(_ report: CountyHandoffReport, stations: [CountyStation]) -> ReportDocument {
        let names = Dictionary(uniqueKeysWithValues: stations.map { ($0.id, $0) })
        let direction = ["inbound": "接收", "outbound": "交出"]
        let state = ["open": "未结束", "closed": "已签收"]
        var pairs: [String: (from: String, to: String, count: Int, oldest: Int64?)] = [:]
        for line in report.sentNotReceived {
            let key = "\(line.from)→\(line.to)"
            let entry = pairs[key] ?? (line.from, line.to, 0, line.handedAt)
            pairs[key] = (line.from, line.to, entry.count + 1, [entry.oldest, line.handedAt].compactMap { $0 }.min())
        }
        return document(
            "未对账交接报表", period: nil, generatedAt: report.generatedAt,
            sections: [
                ReportSection(
                    title: "未结束超过 \(report.graceHours) 小时或有未处理差异的交接",
                    columns: [
                        ReportColumn("服务站"), ReportColumn("交接单"), ReportColumn("方向"), ReportColumn("对方"), ReportColumn("状态"),
                        ReportColumn("开始"), ReportColumn("应交", alignment: .trailing), ReportColumn("短少", alignment: .trailing),
                        ReportColumn("多出", alignment: .trailing), ReportColumn("破损", alignment: .trailing),
                        ReportColumn("错分", alignment: .trailing), ReportColumn("未处理差异", alignment: .trailing),
                    ],
                    rows: report.unreconciled.map { row in
                        [
                            Self.stationCell(names[row.stationID], row.stationID), .text(row.uid),
                            .text(direction[row.direction] ?? row.direction),
                            .text([row.company, row.node, row.nodeTier].compactMap { $0 }.joined(separator: " / ")),
                            .text(state[row.state] ?? row.state), .timestamp(format(row.openedAt)), .integer(row.expected),
                            .integer(row.missing),
                            .integer(row.extra), .integer(row.damaged), .integer(row.misrouted), .integer(row.openDiscrepancies),
                        ]
                    }, emptyText: "全部交接均已对账"),
                ReportSection(
                    title: "上下级之间已交出但对方未扫描接收（按线路）",
                    columns: [
                        ReportColumn("交出站"), ReportColumn("接收站"), ReportColumn("件数", alignment: .trailing), ReportColumn("最早交出"),
                    ],
                    rows: pairs.values.sorted { ($0.count, $1.from) > ($1.count, $0.from) }.map {
                        [
                            Self.stationCell(names[$0.from], $0.from), Self.stationCell(names[$0.to], $0.to), .integer($0.count),
                            .timestamp(format($0.oldest)),
                        ]
                    }, emptyText: "没有在途未达的包裹"),
                ReportSection(
                    title: "站间签名交接：双方记录不一致",
                    columns: [
                        ReportColumn("交出站"), ReportColumn("交接单"), ReportColumn("接收站"), ReportColumn("接收方交接"),
                        ReportColumn("交出时间"), ReportColumn("交出未收到", alignment: .trailing), ReportColumn("收到未交出", alignment: .trailing),
                    ],
                    rows: report.pairMismatches.map {
                        [
                            Self.stationCell(names[$0.sender], $0.sender), .text($0.senderHandoff),
                            Self.stationCell(names[$0.receiver], $0.receiver),
                            .text(Self.receiverCell($0)),
                            .timestamp(format($0.sentAt)), .integer($0.notReceived), .integer($0.notSent),
                        ]
                    }, emptyText: "站间签名交接双方记录一致"),
                ReportSection(
                    title: report.truncated ? "在途未达包裹（前 \(report.sentNotReceived.count) 件）" : "在途未达包裹",
                    columns: [ReportColumn("交出站"), ReportColumn("接收站"), ReportColumn("交接单"), ReportColumn("运单号"), ReportColumn("交出时间")],
                    rows: report.sentNotReceived.map {
                        [.text($0.from), .text($0.to), .text($0.handoffUID), .text($0.tracking), .timestamp(format($0.handedAt))]
                    }, emptyText: "没有在途未达的包裹"),
            ],
            notes: [
                "在途未达：服务站交给县内另一服务站（交接单的对方节点为该站编号），交出超过 \(report.graceHours) 小时后，接收站既无该单号入库也无交接扫描。",
                "站间签名交接：交出站与接收站按同一份签名交接单（摘要）各自记录；双方记录不一致、或交出超过 \(report.graceHours) 小时接收站仍未确认的列在“双方记录不一致”。",
            ])
    }
}

// MARK: Monthly volume ranking, inactive stations, produce

public struct CountyVolume: Codable, Sendable, Equatable {
    public let received: Int
    public let pickedUp: Int
    public let returned: Int
    public let sent: Int
    public let produceSent: Int
    public let produceGrams: Int
    /// 业务量: parcels received for villagers plus parcels sent from the station.
    public var transactions: Int { received + sent }
}

public struct CountyRankingReport: Codable, Sendable, Equatable {
    public struct StationRow: Codable, Sendable, Equatable {
        public let station: CountyStation
        /// Per month, oldest first (the months of `months`).
        public let volumes: [CountyVolume]
        /// Rank by transactions in each month (1 = most), ties sharing a rank.
        public let ranks: [Int]
        /// Last (or tied last) in every one of the months.
        public let bottomEveryMonth: Bool
    }
    public let generatedAt: Int64
    public let months: [String]
    public let stations: [StationRow]
}

public struct CountyInactiveReport: Codable, Sendable, Equatable {
    public struct StationRow: Codable, Sendable, Equatable {
        public let station: CountyStation
        public let volume: CountyVolume
        public let transactions: Int
        public let below: Bool
    }
    public let generatedAt: Int64
    public let period: CountyPeriod
    public let threshold: Int
    public let stations: [StationRow]
}

/// Problem parcels (问题件) per station and kind.
public struct CountyProblemReport: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public let station: CountyStation
        public let kind: String
        public let open: Int
        public let opened: Int
        public let resolved: Int
    }
    public let generatedAt: Int64
    public let period: CountyPeriod
    public let rows: [Row]
}

public struct CountyProduceReport: Codable, Sendable, Equatable {
    public struct StationRow: Codable, Sendable, Equatable {
        public let station: CountyStation
        public let volume: CountyVolume
    }
    public let generatedAt: Int64
    public let period: CountyPeriod
    public let stationCount: Int
    public let shippingProduce: Int
    public let share: Double
    public let target: Double
    public let stations: [StationRow]
}

extension CountyReports {
    func volumes(_ period: CountyPeriod) async throws -> [String: CountyVolume] {
        var result: [String: CountyVolume] = [:]
        for row in try await rows(CountySQL.volume, [period.start, period.end]) {
            result[try row.text(0)] = CountyVolume(
                received: try row.int(1), pickedUp: try row.int(2), returned: try row.int(3), sent: try row.int(4),
                produceSent: try row.int(5), produceGrams: try row.int(6))
        }
        return result
    }

    static func ranks(_ values: [String: Int]) -> [String: Int] {
        // Competition ranking: equal volumes share a rank, the next rank skips.
        let sorted = values.values.sorted(by: >)
        return values.mapValues { value in (sorted.firstIndex(of: value) ?? 0) + 1 }
    }

    /// Volume ranking for `month` and the `span - 1` months before it; flags stations last in every one.
    public func ranking(month: String, span: Int = 3, now: Int64) async throws -> CountyRankingReport {
        let stations = try await stations().filter { $0.tier != "county" }
        var months: [String] = []
        var volumes: [[String: CountyVolume]] = []
        for back in stride(from: span - 1, through: 0, by: -1) {
            let label = back == 0 ? month : try CountyPeriod.previous(month, by: back, zone: timeZone)
            months.append(label)
            volumes.append(try await self.volumes(try CountyPeriod.months(ending: label, zone: timeZone)))
        }
        let zero = CountyVolume(received: 0, pickedUp: 0, returned: 0, sent: 0, produceSent: 0, produceGrams: 0)
        let ranks = volumes.map { month in
            Self.ranks(Dictionary(uniqueKeysWithValues: stations.map { ($0.id, month[$0.id]?.transactions ?? 0) }))
        }
        let rows = stations.map { station -> CountyRankingReport.StationRow in
            let stationRanks = ranks.map { $0[station.id] ?? 0 }
            let bottom = zip(ranks, stationRanks).allSatisfy { monthRanks, rank in rank == monthRanks.values.max() }
            return .init(
                station: station, volumes: volumes.map { $0[station.id] ?? zero }, ranks: stationRanks,
                bottomEveryMonth: stations.count > 1 && bottom)
        }.sorted { ($0.ranks.last ?? 0, $0.station.id) < ($1.ranks.last ?? 0, $1.station.id) }
        return CountyRankingReport(generatedAt: now, months: months, stations: rows)
    }

    public func document(_ report: CountyRankingReport) -> ReportDocument {
        let columns =
            [ReportColumn("服务站")]
            + report.months.flatMap { [ReportColumn("\($0) 业务量", alignment: .trailing), ReportColumn("\($0) 名次", alignment: .trailing)] }
            + [ReportColumn("连续 \(report.months.count) 个月末位")]
        let rows = report.stations.map { row -> [ReportCell] in
            [Self.stationCell(row.station, row.station.id)]
                + zip(row.volumes, row.ranks).flatMap { [ReportCell.integer($0.transactions), .integer($1)] }
                + [.text(row.bottomEveryMonth ? "是" : "")]
        }
        let flagged = report.stations.filter(\.bottomEveryMonth).map { "\($0.station.name)（\($0.station.id)）" }
        return document(
            "服务站月度业务量排名", period: report.months.last, generatedAt: report.generatedAt,
            sections: [
                ReportSection(title: "业务量与名次（\(report.months.first ?? "") 至 \(report.months.last ?? "")）", columns: columns, rows: rows),
                ReportSection.figures(
                    "连续 \(report.months.count) 个月排名末位",
                    flagged.isEmpty ? [("服务站", .text("无"))] : flagged.map { ("服务站", .text($0)) }),
            ],
            notes: ["业务量 = 当月入库（代收）包裹数 + 当月寄出（代发）包裹数。名次按业务量从高到低，并列同名次；末位含并列末位。"])
    }

    /// Stations under `threshold` transactions in the `months` months ending with `month`.
    /// Problem parcels per station and kind: open now, opened and resolved in `period`.
    public func problems(period: CountyPeriod, now: Int64) async throws -> CountyProblemReport {
        let stations = Dictionary(uniqueKeysWithValues: try await stations().map { ($0.id, $0) })
        var found: [CountyProblemReport.Row] = []
        for row in try await rows(CountySQL.problems, [period.start, period.end]) {
            let id = try row.text(0)
            guard let station = stations[id] else { continue }
            found.append(
                .init(station: station, kind: try row.text(1), open: try row.int(2), opened: try row.int(3), resolved: try row.int(4)))
        }
        return CountyProblemReport(generatedAt: now, period: period, rows: found)
    }

    public func document(_ report: CountyProblemReport) -> ReportDocument {
        let labels = ["lost": "丢失", "damaged": "破损", "wrongCollected": "错拿/冒领", "refused": "拒收", "badAddress": "地址错误"]
        return document(
            "问题件", period: report.period.label, generatedAt: report.generatedAt,
            sections: [
                ReportSection(
                    title: "各服务站问题件（按类别）",
                    columns: [
                        ReportColumn("服务站"), ReportColumn("类别"), ReportColumn("未处理", alignment: .trailing),
                        ReportColumn("本期登记", alignment: .trailing), ReportColumn("本期处理", alignment: .trailing),
                    ],
                    rows: report.rows.map {
                        [
                            Self.stationCell($0.station, $0.station.id), .text(labels[$0.kind] ?? $0.kind), .integer($0.open),
                            .integer($0.opened), .integer($0.resolved),
                        ]
                    },
                    emptyText: "没有问题件")
            ])
    }

    public func inactive(month: String, months: Int = 6, threshold: Int = 100, now: Int64) async throws -> CountyInactiveReport {
        let period = try CountyPeriod.months(ending: month, count: months, zone: timeZone)
        let volumes = try await self.volumes(period)
        let zero = CountyVolume(received: 0, pickedUp: 0, returned: 0, sent: 0, produceSent: 0, produceGrams: 0)
        let rows = try await stations().filter { $0.tier != "county" }.map { station -> CountyInactiveReport.StationRow in
            let volume = volumes[station.id] ?? zero
            return .init(station: station, volume: volume, transactions: volume.transactions, below: volume.transactions < threshold)
        }.sorted { ($0.transactions, $0.station.id) < ($1.transactions, $1.station.id) }
        return CountyInactiveReport(generatedAt: now, period: period, threshold: threshold, stations: rows)
    }

    public func document(_ report: CountyInactiveReport) -> ReportDocument {
        let below = report.stations.filter(\.below)
        return document(
            "业务量不足服务站", period: report.period.label, generatedAt: report.generatedAt,
            sections: [
                ReportSection(
                    title: "半年业务量低于 \(report.threshold) 笔的服务站（\(below.count) 个）",
                    columns: [
                        ReportColumn("服务站"), ReportColumn("业务量", alignment: .trailing), ReportColumn("入库", alignment: .trailing),
                        ReportColumn("寄出", alignment: .trailing),
                    ],
                    rows: below.map {
                        [
                            Self.stationCell($0.station, $0.station.id), .integer($0.transactions), .integer($0.volume.received),
                            .integer($0.volume.sent),
                        ]
                    },
                    emptyText: "没有业务量不足的服务站"),
                ReportSection(
                    title: "全部服务站",
                    columns: [ReportColumn("服务站"), ReportColumn("业务量", alignment: .trailing), ReportColumn("需整改")],
                    rows: report.stations.map {
                        [Self.stationCell($0.station, $0.station.id), .integer($0.transactions), .text($0.below ? "是" : "")]
                    }),
            ],
            notes: ["规则：半年业务量少于 \(report.threshold) 笔的服务站须整改。业务量 = 入库包裹数 + 寄出包裹数。"])
    }

    /// Share of stations that shipped produce up the chain in the period (target: at least 20 %).
    public func produce(period: CountyPeriod, now: Int64) async throws -> CountyProduceReport {
        let volumes = try await self.volumes(period)
        let zero = CountyVolume(received: 0, pickedUp: 0, returned: 0, sent: 0, produceSent: 0, produceGrams: 0)
        let rows = try await stations().filter { $0.tier != "county" }.map {
            CountyProduceReport.StationRow(station: $0, volume: volumes[$0.id] ?? zero)
        }
        .sorted { ($0.volume.produceSent, $1.station.id) > ($1.volume.produceSent, $0.station.id) }
        let shipping = rows.filter { $0.volume.produceSent > 0 }.count
        return CountyProduceReport(
            generatedAt: now, period: period, stationCount: rows.count, shippingProduce: shipping,
            share: rows.isEmpty ? 0 : Double(shipping) / Double(rows.count), target: 0.2, stations: rows)
    }

    public func document(_ report: CountyProduceReport) -> ReportDocument {
        document(
            "农产品上行情况", period: report.period.label, generatedAt: report.generatedAt,
            sections: [
                ReportSection.figures(
                    "概况",
                    [
                        ("服务站数", .integer(report.stationCount)), ("有农产品上行的服务站", .integer(report.shippingProduce)),
                        ("占比", .percent(report.share)), ("目标", .percent(report.target)),
                        ("是否达标", .text(report.share >= report.target ? "达标" : "未达标")),
                    ]),
                ReportSection(
                    title: "各服务站寄出",
                    columns: [
                        ReportColumn("服务站"), ReportColumn("农产品件数", alignment: .trailing), ReportColumn("农产品重量（千克）", alignment: .trailing),
                        ReportColumn("全部寄出", alignment: .trailing),
                    ],
                    rows: report.stations.map {
                        [
                            Self.stationCell($0.station, $0.station.id), .integer($0.volume.produceSent),
                            .text(String(format: "%.1f", Double($0.volume.produceGrams) / 1000)), .integer($0.volume.sent),
                        ]
                    }),
            ],
            notes: ["目标：至少 20% 的服务站开展农产品上行（寄件时标记为农产品）。"])
    }
}

// MARK: Assessment

public struct CountyAssessmentReport: Codable, Sendable, Equatable {
    public struct StationRow: Codable, Sendable, Equatable {
        public let station: CountyStation
        public let assessment: ServiceAssessment
    }
    public let generatedAt: Int64
    public let period: CountyPeriod
    public let holdHours: Int
    public let stations: [StationRow]
}

extension CountyReports {
    /// Each station's 快递代办服务 item for the period, from the same rule the station's own reports use.
    public func assessment(period: CountyPeriod, holdHours: Int, now: Int64) async throws -> CountyAssessmentReport {
        let stations = Dictionary(uniqueKeysWithValues: try await stations().map { ($0.id, $0) })
        // A period still running is judged as of now, as the station's own reports do: what is overdue "at the
        // end" of a month not yet over is what is overdue today, not a guess about the month's last day.
        let end = min(period.end, Date(timeIntervalSince1970: Double(now) / 1000))
        let rows = try await rows(CountySQL.assessmentInputs, [period.start, end, holdHours]).map { row in
            let id = try row.text(0)
            let inputs = ServiceAssessment.Inputs(
                handoffs: try row.int(1), handoffsClosedWithReceipt: try row.int(2), handoffsWithOpenDiscrepancies: try row.int(3),
                parcelsShelved: try row.int(4), parcelsOnShelf: try row.int(5), parcelsOverdue: try row.int(6),
                parcelsWaitingPastHold: try row.int(7), complaints: try row.int(8), holdHours: holdHours)
            return CountyAssessmentReport.StationRow(
                station: stations[id] ?? CountyStation(id: id, name: id, tier: "?", township: nil), assessment: ServiceAssessment(inputs))
        }.sorted { ($0.assessment.points, $1.station.id) < ($1.assessment.points, $0.station.id) }
        return CountyAssessmentReport(generatedAt: now, period: period, holdHours: holdHours, stations: rows)
    }

    public func document(_ report: CountyAssessmentReport) -> ReportDocument {
        let f = ServiceAssessment.format
        return document(
            "快递代办服务考核（15 分）", period: report.period.label, generatedAt: report.generatedAt,
            sections: [
                ReportSection(
                    title: "各服务站得分与计算依据",
                    columns: [
                        ReportColumn("服务站"), ReportColumn("得分", alignment: .trailing), ReportColumn("台账（5）", alignment: .trailing),
                        ReportColumn("时效（10）", alignment: .trailing), ReportColumn("投诉扣分", alignment: .trailing),
                        ReportColumn("交接", alignment: .trailing), ReportColumn("已签回单", alignment: .trailing),
                        ReportColumn("有未结差异", alignment: .trailing), ReportColumn("在站包裹", alignment: .trailing),
                        ReportColumn("超期", alignment: .trailing), ReportColumn("期末仍超期", alignment: .trailing),
                        ReportColumn("投诉", alignment: .trailing),
                    ],
                    rows: report.stations.map { row in
                        let a = row.assessment
                        let i = a.inputs
                        return [
                            Self.stationCell(row.station, row.station.id), .text(f(a.points)), .text(f(a.ledgerPoints)),
                            .text(f(a.timelinessPoints)),
                            .text(f(a.complaintDeduction)), .integer(i.handoffs), .integer(i.handoffsClosedWithReceipt),
                            .integer(i.handoffsWithOpenDiscrepancies), .integer(i.parcelsOnShelf), .integer(i.parcelsOverdue),
                            .integer(i.parcelsWaitingPastHold), .integer(i.complaints),
                        ]
                    })
            ],
            notes: [
                "交接台账完整 5 分：5 × 已签回单且无未结差异的交接 ÷ 本期交接（无交接记满分）。",
                "不延后、不积压 10 分：10 × 未超期的在站包裹 ÷ 本期在站包裹（超过保管期 \(report.holdHours) 小时未取走即超期；无在站包裹记满分）。",
                "每件投诉扣 1 分，总分最低 0 分。与服务站日报、月报中的考核项按同一规则计算。",
            ])
    }
}
