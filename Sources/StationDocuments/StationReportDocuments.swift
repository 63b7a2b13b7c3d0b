import Foundation
public import ReportRendering
public import StationProtocol

/// The station's reports as documents: each wire result becomes one `ReportDocument`, which the terminal table,
/// CSV and HTML are all rendered from, so the three always show the same figures. Times are shown in the
/// station's reporting time zone (from the result), not the zone of the machine running parcelctl. No phone
/// number is ever part of a result; a parcel shows at most its phone tail. Shared by parcelctl and the console, so a
/// report downloaded from either is the same file.
public enum StationReportDocuments {
    // MARK: Daily and monthly

    public static func period(_ report: StationReportResult) -> ReportDocument {
        let monthly = report.period.kind == "month"
        let zone = report.period.timeZone
        let totals = report.totals
        var sections: [ReportSection] = [
            .figures(
                "业务量",
                [
                    ("入库（件）", .integer(totals.received)),
                    ("发出取件通知（条）", .integer(totals.notified)),
                    ("催取及超期提醒（条）", .integer(totals.reminders)),
                    ("出库取件（件）", .integer(totals.pickedUp)),
                    ("申请退回（件）", .integer(totals.returnRequested)),
                    ("退回快递公司（件）", .integer(totals.returned)),
                    ("寄件（件）", .integer(totals.outgoing)),
                    ("农产品上行（件）", .integer(totals.produce)),
                    ("寄件交出（件）", .integer(totals.outgoingHandedOver)),
                    ("期末在站（件）", .integer(report.atStationAtEnd)),
                    ("投诉（件）", .integer(totals.complaints)),
                ], valueTitle: "数量"),
            .figures(
                "金额",
                [
                    ("寄件服务费", .money(fen: totals.outgoingFeesFen)),
                    ("农产品上行服务费", .money(fen: totals.produceFeesFen)),
                    ("服务费合计", .money(fen: totals.feesFen)),
                    ("代收佣金", .money(fen: totals.commissionFen)),
                    ("收入合计", .money(fen: totals.feesFen + totals.commissionFen)),
                ], valueTitle: "金额（元）",
                notes: report.commissionRatesFen.isEmpty
                    ? ["未配置代收佣金单价（reports.commissionFen），佣金按 0 计。"]
                    : ["代收佣金 = 各快递公司取件数 × 每件佣金单价：" + rates(report.commissionRatesFen) + "。"]),
            .figures(
                "交接",
                [
                    ("进站交接（次）", .integer(totals.inboundHandoffs)),
                    ("出站交接（次）", .integer(totals.outboundHandoffs)),
                    ("签发回单（次）", .integer(totals.handoffsClosed)),
                    ("短少（件）", .integer(report.discrepancies.missing)),
                    ("多发（件）", .integer(report.discrepancies.extra)),
                    ("破损（件）", .integer(report.discrepancies.damaged)),
                    ("错分（件）", .integer(report.discrepancies.misrouted)),
                ], valueTitle: "数量", notes: ["差异按交接确认时登记的件数计，明细见交接台账（parcelctl report ledger）。"]),
        ]
        if let problems = report.problems {
            sections.append(problemSection(problems, forced: report.forcedIntakes ?? 0, guessing: report.pickupGuessing))
        }
        // A township's relay (中转): shown where the station relays at all.
        if let relay = report.relay, relay.relayed + relay.forwarded + relay.pulledBack > 0 || !relay.bins.isEmpty {
            sections.append(relaySection(relay, zone: zone))
        }
        if monthly {
            sections.append(days(report))
        }
        sections.append(couriers(report))
        sections.append(contentsOf: assessment(report.assessment))
        let title = monthly ? "快递服务月报" : "快递服务日报"
        return ReportDocument(
            title: title, subtitle: station(report.station), period: "\(periodText(report.period))（\(zone)）",
            generatedAt: localTime(report.generatedAt, zone: zone),
            sections: sections,
            notes: [
                "入库、通知、取件、退回按台账事件计数；寄件按受理时间计；交接按开始时间计；投诉按登记时间计。",
                "期末在站及考核的在站、超期件数按\(report.period.kind == "month" ? "月末" : "日末")（统计期间未结束时按生成时间）计。",
                "报表不含收件人或寄件人手机号码。",
            ])
    }

    /// Problem parcels by kind, with the two counts that say whether the counter's checks held: intakes forced
    /// past the plausibility check, and wrong pickup codes.
    static func problemSection(_ problems: ProblemCountsDTO, forced: Int, guessing: PickupGuessingDTO?) -> ReportSection {
        let kinds: [(String, String)] = [
            ("lost", "丢失"), ("damaged", "破损"), ("wrongCollected", "错拿/冒领"), ("refused", "拒收"), ("badAddress", "地址错误"),
        ]
        var rows: [(String, ReportCell)] = kinds.map { kind, label in
            ("\(label)：本期登记 / 未处理（件）", .text("\(problems.opened[kind] ?? 0) / \(problems.open[kind] ?? 0)"))
        }
        let resolved = problems.resolved.values.reduce(0, +)
        rows.append(("本期处理（件）", .integer(resolved)))
        rows.append(("强制入库（件）", .integer(forced)))
        if let guessing {
            rows.append(("取件码/尾号输错（次）", .integer(guessing.misses)))
            rows.append(("输错过多暂停（次）", .integer(guessing.cooldowns)))
        }
        return .figures(
            "问题件与核验", rows, valueTitle: "数量",
            notes: ["未处理件数按生成报表时计；强制入库指经员工确认、收下了不像运单号的条码。"])
    }

    /// The relay: what passed through for downstream stations, and each bin's waiting parcels by age.
    static func relaySection(_ relay: RelayFiguresDTO, zone: String) -> ReportSection {
        ReportSection(
            title: "中转（代下级服务站转运，不计入本站滞留和考核）",
            columns: [
                ReportColumn("目的站"), ReportColumn("待转出（件）", alignment: .trailing), ReportColumn("超过 1 天（件）", alignment: .trailing),
                ReportColumn("最早到站"),
            ],
            rows: relay.bins.map {
                [
                    .text("\($0.name)（\($0.station)）"), .integer($0.waiting), .integer($0.olderThanADay),
                    .text(localTime($0.oldestReceivedAt, zone: zone)),
                ]
            },
            totals: [
                .text("本期放入中转 \(relay.relayed) 件 · 转出 \(relay.forwarded) 件 · 拉回本站 \(relay.pulledBack) 件"),
                .integer(relay.bins.reduce(0) { $0 + $1.waiting }), .integer(relay.bins.reduce(0) { $0 + $1.olderThanADay }), .text(""),
            ], emptyText: "中转区为空")
    }

    static func days(_ report: StationReportResult) -> ReportSection {
        let columns = [
            ReportColumn("日期"), ReportColumn("入库", alignment: .trailing), ReportColumn("通知", alignment: .trailing),
            ReportColumn("取件", alignment: .trailing), ReportColumn("退回", alignment: .trailing), ReportColumn("寄件", alignment: .trailing),
            ReportColumn("上行", alignment: .trailing), ReportColumn("服务费（元）", alignment: .trailing),
            ReportColumn("佣金（元）", alignment: .trailing), ReportColumn("交接", alignment: .trailing), ReportColumn("投诉", alignment: .trailing),
        ]
        func cells(_ label: String, _ a: ActivityDTO) -> [ReportCell] {
            [
                .text(label), .integer(a.received), .integer(a.notified), .integer(a.pickedUp), .integer(a.returned), .integer(a.outgoing),
                .integer(a.produce), .money(fen: a.feesFen), .money(fen: a.commissionFen), .integer(a.inboundHandoffs + a.outboundHandoffs),
                .integer(a.complaints),
            ]
        }
        return ReportSection(
            title: "每日明细", columns: columns, rows: report.days.map { cells($0.date, $0.activity) }, totals: cells("合计", report.totals),
            chart: ReportChart(
                title: "每日入库件数", labels: report.days.map { String($0.date.suffix(2)) },
                counts: report.days.map(\.activity.received), unit: "件", labelAxisTitle: "日期", valueAxisTitle: "入库"))
    }

    static func couriers(_ report: StationReportResult) -> ReportSection {
        let rows: [[ReportCell]] = report.byCourier.map {
            [
                .text(courierName($0.courier)), .integer($0.received), .integer($0.pickedUp), .integer($0.returned), .integer($0.outgoing),
                .money(fen: $0.outgoingFeesFen), .money(fen: $0.commissionRateFen), .money(fen: $0.commissionFen),
            ]
        }
        let sum = { (value: (CourierActivityDTO) -> Int) in report.byCourier.reduce(0) { $0 + value($1) } }
        return ReportSection(
            title: "分快递公司",
            columns: [
                ReportColumn("快递公司"), ReportColumn("入库", alignment: .trailing), ReportColumn("取件", alignment: .trailing),
                ReportColumn("退回", alignment: .trailing), ReportColumn("寄件", alignment: .trailing),
                ReportColumn("寄件费（元）", alignment: .trailing), ReportColumn("佣金单价（元/件）", alignment: .trailing),
                ReportColumn("佣金（元）", alignment: .trailing),
            ],
            rows: rows,
            totals: rows.isEmpty
                ? nil
                : [
                    .text("合计"), .integer(sum(\.received)), .integer(sum(\.pickedUp)), .integer(sum(\.returned)), .integer(sum(\.outgoing)),
                    .money(fen: sum(\.outgoingFeesFen)), .empty, .money(fen: sum(\.commissionFen)),
                ],
            // The day's shape at a glance on the page and in print; the CSV keeps the table only.
            chart: ReportChart(
                title: "分快递公司入库件数", labels: report.byCourier.map { courierNames[$0.courier] ?? $0.courier },
                counts: report.byCourier.map(\.received), unit: "件", labelAxisTitle: "快递公司", valueAxisTitle: "入库"),
            emptyText: "本期无快递业务")
    }

    static func assessment(_ a: AssessmentDTO) -> [ReportSection] {
        let score = ReportSection(
            title: "考核：\(a.item)（满分 \(points(a.maxPoints)) 分）",
            columns: [ReportColumn("考核项"), ReportColumn("满分", alignment: .trailing), ReportColumn("得分", alignment: .trailing)],
            rows: [
                [.text("交接台账完整"), .text("5"), .text(points(a.ledgerPoints))],
                [.text("不延后、不积压"), .text("10"), .text(points(a.timelinessPoints))],
                [.text("投诉扣分（每件 1 分）"), .text("-"), .text(a.complaintDeduction == 0 ? "0" : "−" + points(a.complaintDeduction))],
            ],
            totals: [.text("合计"), .text(points(a.maxPoints)), .text(points(a.points))],
            notes: a.explanation)
        let i = a.inputs
        let inputs = ReportSection.figures(
            "考核计算输入",
            [
                ("本期交接（次）", .integer(i.handoffs)),
                ("其中已签回单（次）", .integer(i.handoffsClosedWithReceipt)),
                ("其中仍有未结差异（次）", .integer(i.handoffsWithOpenDiscrepancies)),
                ("本期上架（件）", .integer(i.parcelsShelved)),
                ("本期在站（件）", .integer(i.parcelsOnShelf)),
                ("超过保管期（件）", .integer(i.parcelsOverdue)),
                ("期末仍超期滞留（件）", .integer(i.parcelsWaitingPastHold)),
                ("本期投诉（件）", .integer(i.complaints)),
                ("保管期（小时）", .integer(i.holdHours)),
            ], labelTitle: "输入", valueTitle: "数值", notes: ["得分按以上输入计算，县级可用同一规则复核。"])
        return [score, inputs]
    }

    // MARK: Backlog

    static let bucketNames = ["<24h": "24小时内", "1-2d": "1–2天", "2-3d": "2–3天", "3-7d": "3–7天", ">7d": "7天以上"]

    public static func backlog(_ report: BacklogResult) -> ReportDocument {
        let zone = report.timeZone ?? "Asia/Shanghai"
        let labels = report.buckets.map { bucketNames[$0.label] ?? $0.label }
        var overview: [(String, ReportCell)] = [("在架待取（件）", .integer(report.total))]
        var notes: [String] = []
        if let attention = report.attention {
            overview += [
                ("已通知（件）", .integer(attention.notified)),
                ("已催取：通知 2 次及以上（件）", attention.reminded.map { .integer($0) } ?? .text("未统计")),
                ("超过保管期 \(attention.holdHours) 小时，待决定留存或退回（件）", .integer(attention.overdue)),
                ("已决定退回，待快递公司取回（件）", .integer(attention.returnRequested)),
                ("未结交接（次）", .integer(attention.unreconciledHandoffs)),
                ("其中进行中（次）", .integer(attention.openHandoffs)),
                ("其中有未结差异（次）", .integer(attention.handoffsWithOpenDiscrepancies)),
                ("未结差异（件）", .integer(attention.openDiscrepancies)),
            ]
            if report.olderThanHours > 0 { notes.append("已决定退回、未结交接与未结差异为全站数字，不受滞留时长限制。") }
        }
        let sections: [ReportSection] = [
            .figures("概况", overview, valueTitle: "数量"),
            ReportSection(
                title: "滞留时长分布",
                columns: [ReportColumn("滞留时长"), ReportColumn("件数", alignment: .trailing)],
                rows: zip(labels, report.buckets).map { [.text($0), .integer($1.count)] },
                totals: [.text("合计"), .integer(report.total)],
                chart: ReportChart(
                    title: "在架待取包裹按滞留时长", labels: labels, counts: report.buckets.map(\.count), unit: "件",
                    labelAxisTitle: "滞留时长", valueAxisTitle: "包裹数")),
            ReportSection(
                title: "分快递公司",
                columns: [ReportColumn("快递公司")] + labels.map { ReportColumn($0, alignment: .trailing) }
                    + [ReportColumn("合计", alignment: .trailing)],
                rows: report.byCourier.map { row in
                    [.text(courierName(row.courier))] + row.counts.map { .integer($0) } + [.integer(row.total)]
                },
                totals: report.byCourier.isEmpty
                    ? nil : [.text("合计")] + report.buckets.map { .integer($0.count) } + [.integer(report.total)],
                emptyText: "无在架待取包裹"),
            ReportSection(
                title: "等待最久的包裹",
                columns: [
                    ReportColumn("取件码"), ReportColumn("运单号"), ReportColumn("快递公司"), ReportColumn("状态"), ReportColumn("手机尾号"),
                    ReportColumn("上架时间"), ReportColumn("已等待", alignment: .trailing), ReportColumn("通知次数", alignment: .trailing),
                ],
                rows: report.oldest.map { parcel in
                    [
                        .text(parcel.pickupCode ?? "-"), .text(parcel.tracking), .text(courierName(parcel.courier ?? "UNKNOWN")),
                        .text(stateName(parcel.state) + (parcel.overdue ? "（超期）" : "")), .text(parcel.phoneTail ?? "-"),
                        .timestamp(localTime(parcel.shelvedAt ?? parcel.receivedAt, zone: zone)),
                        .text(waited(from: parcel.shelvedAt ?? parcel.receivedAt, to: report.generatedAt)), .integer(parcel.notices),
                    ]
                }, emptyText: "无在架待取包裹"),
        ]
        return ReportDocument(
            title: "滞留包裹报告", subtitle: report.station.map(station),
            period: report.olderThanHours > 0 ? "滞留超过 \(report.olderThanHours) 小时的包裹" : nil,
            generatedAt: localTime(report.generatedAt, zone: zone), sections: sections, notes: notes + ["报表不含收件人手机号码，仅显示尾号。"])
    }

    // MARK: Handoff ledger

    public static func ledger(_ report: HandoffLedgerResult, fullDigests: Bool) -> ReportDocument {
        let zone = report.period.timeZone
        let entries = report.handoffs
        let columns: [ReportColumn] = [
            ReportColumn("回单号"), ReportColumn("开始"), ReportColumn("确认"), ReportColumn("方向"), ReportColumn("类型"),
            ReportColumn("交接人"), ReportColumn("公司"), ReportColumn("对方站点"), ReportColumn("确认方式"),
            ReportColumn("应到", alignment: .trailing), ReportColumn("已扫", alignment: .trailing), ReportColumn("待扫", alignment: .trailing),
            ReportColumn("短少", alignment: .trailing),
            ReportColumn("多发", alignment: .trailing), ReportColumn("破损", alignment: .trailing), ReportColumn("错分", alignment: .trailing),
            ReportColumn("未结差异", alignment: .trailing), ReportColumn(fullDigests ? "回单摘要（SHA-256）" : "回单摘要"),
        ]
        let rows: [[ReportCell]] = entries.map { entry in
            let h = entry.handoff
            let digest = h.receiptDigest.map { fullDigests ? $0 : String($0.prefix(16)) } ?? "-"
            let opened = localTime(h.openedAt, zone: zone)
            // Confirmed the same day: the time is enough.
            let closed = h.closedAt.map { localTime($0, zone: zone) }.map {
                $0.prefix(10) == opened.prefix(10) ? String($0.dropFirst(11)) : $0
            }
            return [
                .text(h.receiptSeq.map { "#\($0)" } ?? "-"), .timestamp(opened), closed.map { .timestamp($0) } ?? .text("进行中"),
                .text(h.direction == "inbound" ? "进站" : "出站"),
                .text(kindName(h.kind)), .text("\(h.partyName)（\(h.party)）"), .text(h.company.map(courierName) ?? "-"),
                .text([h.node, h.nodeTier.map(tierName)].compactMap { $0 }.joined(separator: " ").ifEmpty("-")),
                .text(h.confirmedBy.map { $0 == "badge" ? "工牌" : "密码" } ?? "-"),
                .integer(entry.lines.listed), .integer(entry.lines.scanned), .integer(entry.lines.pending), .integer(entry.lines.missing),
                .integer(entry.lines.extra), .integer(entry.lines.damaged), .integer(entry.lines.misrouted),
                .integer(entry.openDiscrepancies),
                .text(digest),
            ]
        }
        let sum = { (value: (HandoffLedgerEntryDTO) -> Int) in entries.reduce(0) { $0 + value($1) } }
        let closed = entries.filter { $0.handoff.state == "closed" }.count
        return ReportDocument(
            title: "交接台账", subtitle: station(report.station), period: "\(periodText(report.period))（\(zone)）",
            generatedAt: localTime(report.generatedAt, zone: zone),
            sections: [
                .figures(
                    "概况",
                    [
                        ("交接（次）", .integer(entries.count)),
                        ("已签回单（次）", .integer(closed)),
                        ("进行中（次）", .integer(entries.count - closed)),
                        ("有未结差异（次）", .integer(entries.filter { $0.openDiscrepancies > 0 }.count)),
                    ], valueTitle: "数量"),
                ReportSection(
                    title: "交接明细", columns: columns, rows: rows,
                    totals: rows.isEmpty
                        ? nil
                        : [.text("合计"), .empty, .empty, .empty, .empty, .empty, .empty, .empty, .empty]
                            + [
                                sum(\.lines.listed), sum(\.lines.scanned), sum(\.lines.pending), sum(\.lines.missing), sum(\.lines.extra),
                                sum(\.lines.damaged), sum(\.lines.misrouted), sum(\.openDiscrepancies),
                            ].map { .integer($0) } + [.empty],
                    notes: [
                        "应到为交接清单所列件数；已扫为清单内完好扫到的件数，破损、多发、错分另列；待扫为进行中交接尚未扫到的件数。",
                        fullDigests
                            ? "回单摘要为回单正文的 SHA-256，可用 parcelctl receipt verify 离线核验。"
                            : "回单摘要为 SHA-256 的前 16 位；完整回单用 parcelctl receipt export 导出，parcelctl receipt verify 核验。",
                    ], emptyText: "本期无交接"),
            ], notes: ["按交接开始时间统计；差异件数为交接确认时登记的件数，未结差异为当前仍未处理的件数。"])
    }

    // MARK: Words

    static func station(_ info: StationInfo) -> String { "\(info.name)（\(info.id)）" }

    static func periodText(_ period: ReportPeriodDTO) -> String {
        switch period.kind {
        case "month":
            let parts = period.label.split(separator: "-")
            return parts.count == 2 ? "\(parts[0])年\(Int(parts[1]) ?? 0)月" : period.label
        case "range":
            let parts = period.label.components(separatedBy: "..")
            return parts.count == 2 ? (parts[0] == parts[1] ? parts[0] : "\(parts[0]) 至 \(parts[1])") : period.label
        default:
            return period.label
        }
    }

    static func rates(_ rates: [String: Int]) -> String {
        rates.sorted { ($0.key == "default" ? 1 : 0, $0.key) < ($1.key == "default" ? 1 : 0, $1.key) }
            .map { "\($0.key == "default" ? "其他" : courierName($0.key)) \(ReportFormat.yuan(fen: $0.value)) 元" }
            .joined(separator: "，")
    }

    static func points(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        if fraction == 0 { return "\(hundredths / 100)" }
        return "\(hundredths / 100)." + (fraction % 10 == 0 ? "\(fraction / 10)" : (fraction < 10 ? "0" : "") + "\(fraction)")
    }

    static let courierNames = [
        "SF": "顺丰", "ZTO": "中通", "YTO": "圆通", "STO": "申通", "YUNDA": "韵达", "JD": "京东", "JT": "极兔", "EMS": "EMS",
        "POST": "邮政", "GS1": "GS1", "UNKNOWN": "未识别",
    ]

    public static func courierName(_ code: String) -> String {
        guard let name = courierNames[code] else { return code }
        return name == code ? code : "\(name) \(code)"
    }

    static func kindName(_ kind: String) -> String {
        ["delivery": "派件到站", "return": "退件", "outgoing": "寄件/上行", "transfer": "转运"][kind] ?? kind
    }

    static func tierName(_ tier: String) -> String {
        ["county": "县", "township": "乡镇", "village": "村", "courier": "快递"][tier] ?? tier
    }

    static func stateName(_ state: String) -> String {
        [
            "received": "已收", "shelved": "在架", "notified": "已通知", "pickedUp": "已取", "returnRequested": "待退回",
            "returned": "已退回", "exception": "异常", "voided": "已撤销", "writtenOff": "已核销", "inTransit": "中转中",
            "forwarded": "已转发",
        ][state] ?? state
    }

    // MARK: Time

    static func date(_ iso: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: iso)
    }

    /// A wire timestamp as `YYYY-MM-DD HH:mm` in `zone`.
    static func localTime(_ iso: String, zone: String) -> String {
        guard let date = date(iso) else { return iso }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone) ?? TimeZone(secondsFromGMT: 8 * 3600)
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// `3天5小时`, `7小时`.
    static func waited(from: String, to: String) -> String {
        guard let start = date(from), let end = date(to) else { return "-" }
        let hours = max(0, Int(end.timeIntervalSince(start) / 3600))
        return hours >= 24 ? "\(hours / 24)天\(hours % 24)小时" : "\(hours)小时"
    }
}

extension String {
    fileprivate func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
