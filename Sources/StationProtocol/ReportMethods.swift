// Station reports: Report.Daily (日报), Report.Monthly (月报), Report.Ledger (交接台账), and the attention counts
// of Report.Backlog. Money is always in fen (1/100 yuan); times are ISO 8601 UTC like everywhere else, and the
// station's reporting time zone is given so a client can show local times.

extension Method {
    public static let backlog = MethodDeclaration<BacklogParams, BacklogResult>("Report.Backlog", .read)
    public static let dailyReport = MethodDeclaration<DailyReportParams, StationReportResult>("Report.Daily", .read)
    public static let monthlyReport = MethodDeclaration<MonthlyReportParams, StationReportResult>("Report.Monthly", .read)
    public static let handoffLedger = MethodDeclaration<HandoffLedgerParams, HandoffLedgerResult>("Report.Ledger", .read)

    static let reportArea: [Method] = [backlog.method, dailyReport.method, monthlyReport.method, handoffLedger.method]
}

// MARK: Params

public struct DailyReportParams: RequestParams, Equatable {
    /// The local day `YYYY-MM-DD` in the station's reporting time zone; default today.
    public var date: String?
    public init(date: String? = nil) { self.date = date }
}

public struct MonthlyReportParams: RequestParams, Equatable {
    /// The local month `YYYY-MM`; default this month.
    public var month: String?
    public init(month: String? = nil) { self.month = month }
}

public struct HandoffLedgerParams: RequestParams, Equatable {
    /// First and last local day `YYYY-MM-DD`, both included; default from the first of this month to today.
    public var from: String?
    public var to: String?
    public init(from: String? = nil, to: String? = nil) {
        self.from = from
        self.to = to
    }
}

// MARK: Shared objects

/// The period a report covers.
public struct ReportPeriodDTO: Codable, Sendable, Equatable {
    /// `day`, `month` or `range`.
    public var kind: String
    /// `2026-11-22`, `2026-11`, or `2026-11-01..2026-11-22`.
    public var label: String
    /// Start (included) and end (excluded) of the period.
    public var from: String
    public var to: String
    /// Counts that depend on a moment (stock, the assessment's inputs) are as of this time: the period's end,
    /// or now for a period still running.
    public var asOf: String
    /// The IANA time zone the period's days are reckoned in.
    public var timeZone: String
    public init(kind: String, label: String, from: String, to: String, asOf: String, timeZone: String) {
        self.kind = kind
        self.label = label
        self.from = from
        self.to = to
        self.asOf = asOf
        self.timeZone = timeZone
    }
}

/// What happened in a period (or one day of it).
public struct ActivityDTO: Codable, Sendable, Equatable {
    /// Parcels taken in (入库).
    public var received: Int
    /// First pickup notices sent (通知).
    public var notified: Int
    /// Reminders and overdue warnings sent (催取).
    public var reminders: Int
    /// Parcels handed to their recipients (出库).
    public var pickedUp: Int
    public var returnRequested: Int
    /// Returns handed back to the courier (退回).
    public var returned: Int
    /// Outgoing parcels accepted (寄件), not produce.
    public var outgoing: Int
    /// Produce accepted for sending up the chain (农产品上行).
    public var produce: Int
    /// Fees of `outgoing` and of `produce`, and both together, in fen.
    public var outgoingFeesFen: Int
    public var produceFeesFen: Int
    public var feesFen: Int
    /// Outgoing parcels (both kinds) handed over to their courier.
    public var outgoingHandedOver: Int
    public var inboundHandoffs: Int
    public var outboundHandoffs: Int
    /// Handoffs closed with a signed receipt.
    public var handoffsClosed: Int
    /// Complaints recorded (投诉).
    public var complaints: Int
    /// Commission earned on `pickedUp` at the configured rates, in fen.
    public var commissionFen: Int

    public init(
        received: Int, notified: Int, reminders: Int, pickedUp: Int, returnRequested: Int, returned: Int, outgoing: Int, produce: Int,
        outgoingFeesFen: Int, produceFeesFen: Int, feesFen: Int, outgoingHandedOver: Int, inboundHandoffs: Int, outboundHandoffs: Int,
        handoffsClosed: Int, complaints: Int, commissionFen: Int
    ) {
        self.received = received
        self.notified = notified
        self.reminders = reminders
        self.pickedUp = pickedUp
        self.returnRequested = returnRequested
        self.returned = returned
        self.outgoing = outgoing
        self.produce = produce
        self.outgoingFeesFen = outgoingFeesFen
        self.produceFeesFen = produceFeesFen
        self.feesFen = feesFen
        self.outgoingHandedOver = outgoingHandedOver
        self.inboundHandoffs = inboundHandoffs
        self.outboundHandoffs = outboundHandoffs
        self.handoffsClosed = handoffsClosed
        self.complaints = complaints
        self.commissionFen = commissionFen
    }
}

/// One local day of a monthly report.
public struct DayActivityDTO: Codable, Sendable, Equatable {
    /// `YYYY-MM-DD`.
    public var date: String
    public var activity: ActivityDTO
    public init(date: String, activity: ActivityDTO) {
        self.date = date
        self.activity = activity
    }
}

/// One courier over the period.
public struct CourierActivityDTO: Codable, Sendable, Equatable {
    /// Courier code; `UNKNOWN` for parcels no rule recognised.
    public var courier: String
    public var received: Int
    public var pickedUp: Int
    public var returned: Int
    /// Outgoing parcels accepted for this courier (produce included), and their fees.
    public var outgoing: Int
    public var outgoingFeesFen: Int
    /// The rate applied per parcel picked up, and the commission.
    public var commissionRateFen: Int
    public var commissionFen: Int
    public init(
        courier: String, received: Int, pickedUp: Int, returned: Int, outgoing: Int, outgoingFeesFen: Int, commissionRateFen: Int,
        commissionFen: Int
    ) {
        self.courier = courier
        self.received = received
        self.pickedUp = pickedUp
        self.returned = returned
        self.outgoing = outgoing
        self.outgoingFeesFen = outgoingFeesFen
        self.commissionRateFen = commissionRateFen
        self.commissionFen = commissionFen
    }
}

/// Discrepancies opened in the period (短少, 多发, 破损, 错分).
public struct DiscrepancyCountsDTO: Codable, Sendable, Equatable {
    public var missing: Int
    public var extra: Int
    public var damaged: Int
    public var misrouted: Int
    public init(missing: Int, extra: Int, damaged: Int, misrouted: Int) {
        self.missing = missing
        self.extra = extra
        self.damaged = damaged
        self.misrouted = misrouted
    }
}

/// The counts the assessment is computed from (see `AssessmentDTO`).
public struct AssessmentInputsDTO: Codable, Sendable, Equatable {
    public var handoffs: Int
    public var handoffsClosedWithReceipt: Int
    public var handoffsWithOpenDiscrepancies: Int
    public var parcelsShelved: Int
    public var parcelsOnShelf: Int
    public var parcelsOverdue: Int
    public var parcelsWaitingPastHold: Int
    public var complaints: Int
    public var holdHours: Int
    public init(
        handoffs: Int, handoffsClosedWithReceipt: Int, handoffsWithOpenDiscrepancies: Int, parcelsShelved: Int, parcelsOnShelf: Int,
        parcelsOverdue: Int, parcelsWaitingPastHold: Int, complaints: Int, holdHours: Int
    ) {
        self.handoffs = handoffs
        self.handoffsClosedWithReceipt = handoffsClosedWithReceipt
        self.handoffsWithOpenDiscrepancies = handoffsWithOpenDiscrepancies
        self.parcelsShelved = parcelsShelved
        self.parcelsOnShelf = parcelsOnShelf
        self.parcelsOverdue = parcelsOverdue
        self.parcelsWaitingPastHold = parcelsWaitingPastHold
        self.complaints = complaints
        self.holdHours = holdHours
    }
}

/// The 快递代办服务 item of the yearly assessment, computed with the inputs shown.
public struct AssessmentDTO: Codable, Sendable, Equatable {
    /// `快递代办服务`.
    public var item: String
    /// 15.
    public var maxPoints: Double
    /// 0…15: `ledgerPoints + timelinessPoints − complaintDeduction`, at least 0.
    public var points: Double
    /// 0…5: complete handoff ledgers.
    public var ledgerPoints: Double
    /// 0…10: no delay, no backlog.
    public var timelinessPoints: Double
    /// 1 per complaint.
    public var complaintDeduction: Double
    /// Handoffs closed with a receipt and no unresolved discrepancy.
    public var completeHandoffs: Int
    /// Parcels on the shelf in the period never overdue in it.
    public var timelyParcels: Int
    public var inputs: AssessmentInputsDTO
    /// The computation in words, in Chinese, one line per part.
    public var explanation: [String]
    public init(
        item: String, maxPoints: Double, points: Double, ledgerPoints: Double, timelinessPoints: Double, complaintDeduction: Double,
        completeHandoffs: Int, timelyParcels: Int, inputs: AssessmentInputsDTO, explanation: [String]
    ) {
        self.item = item
        self.maxPoints = maxPoints
        self.points = points
        self.ledgerPoints = ledgerPoints
        self.timelinessPoints = timelinessPoints
        self.complaintDeduction = complaintDeduction
        self.completeHandoffs = completeHandoffs
        self.timelyParcels = timelyParcels
        self.inputs = inputs
        self.explanation = explanation
    }
}

// MARK: Report.Daily, Report.Monthly

/// The result of `Report.Daily` and `Report.Monthly`.
public struct StationReportResult: Codable, Sendable, Equatable {
    public var station: StationInfo
    public var period: ReportPeriodDTO
    public var generatedAt: String
    public var totals: ActivityDTO
    /// `Report.Monthly`: one entry per day of the month, in order; empty for `Report.Daily`.
    public var days: [DayActivityDTO]
    /// Couriers with any activity in the period, busiest first.
    public var byCourier: [CourierActivityDTO]
    public var discrepancies: DiscrepancyCountsDTO
    /// Parcels at the station at `period.asOf` (on a shelf, or marked for return, not yet gone).
    public var atStationAtEnd: Int
    /// The configured commission per parcel picked up, in fen, by courier (`default` for the others).
    public var commissionRatesFen: [String: Int]
    public var assessment: AssessmentDTO
    /// Problem parcels (问题件) by kind (since 1.7).
    public var problems: ProblemCountsDTO?
    /// Intakes a staff override took in against the plausibility check (since 1.7).
    public var forcedIntakes: Int?
    /// Wrong pickup codes or phone numbers, and the cool-downs they started (since 1.7).
    public var pickupGuessing: PickupGuessingDTO?
    /// The township relay (中转): parcels passing through for downstream stations (since 1.8).
    public var relay: RelayFiguresDTO?
    public init(
        station: StationInfo, period: ReportPeriodDTO, generatedAt: String, totals: ActivityDTO, days: [DayActivityDTO],
        byCourier: [CourierActivityDTO], discrepancies: DiscrepancyCountsDTO, atStationAtEnd: Int, commissionRatesFen: [String: Int],
        assessment: AssessmentDTO, problems: ProblemCountsDTO? = nil, forcedIntakes: Int? = nil, pickupGuessing: PickupGuessingDTO? = nil,
        relay: RelayFiguresDTO? = nil
    ) {
        self.relay = relay
        self.problems = problems
        self.forcedIntakes = forcedIntakes
        self.pickupGuessing = pickupGuessing
        self.station = station
        self.period = period
        self.generatedAt = generatedAt
        self.totals = totals
        self.days = days
        self.byCourier = byCourier
        self.discrepancies = discrepancies
        self.atStationAtEnd = atStationAtEnd
        self.commissionRatesFen = commissionRatesFen
        self.assessment = assessment
    }
}

/// Parcels passing through for downstream stations: none of them counts in the backlog or the assessment.
public struct RelayFiguresDTO: Codable, Sendable, Equatable {
    public struct Bin: Codable, Sendable, Equatable {
        public var station: String
        public var name: String
        public var waiting: Int
        public var oldestReceivedAt: String
        public var olderThanADay: Int
        public init(station: String, name: String, waiting: Int, oldestReceivedAt: String, olderThanADay: Int) {
            self.station = station
            self.name = name
            self.waiting = waiting
            self.oldestReceivedAt = oldestReceivedAt
            self.olderThanADay = olderThanADay
        }
    }
    /// Put into a relay bin in the period; forwarded on a closed transfer; pulled back into local pickup.
    public var relayed: Int
    public var forwarded: Int
    public var pulledBack: Int
    /// The relay bins as the report was made, most waiting first.
    public var bins: [Bin]
    public init(relayed: Int, forwarded: Int, pulledBack: Int, bins: [Bin]) {
        self.relayed = relayed
        self.forwarded = forwarded
        self.pulledBack = pulledBack
        self.bins = bins
    }
}

/// Problem parcels by kind (`lost`, `damaged`, `wrongCollected`, `refused`, `badAddress`) and by resolution.
public struct ProblemCountsDTO: Codable, Sendable, Equatable {
    /// Open when the report was made.
    public var open: [String: Int]
    /// Opened in the period.
    public var opened: [String: Int]
    /// Resolved in the period, by resolution (`found`, `returnedToCourier`, `compensated`, `writtenOff`).
    public var resolved: [String: Int]
    public init(open: [String: Int], opened: [String: Int], resolved: [String: Int]) {
        self.open = open
        self.opened = opened
        self.resolved = resolved
    }
}

public struct PickupGuessingDTO: Codable, Sendable, Equatable {
    /// Wrong pickup codes or phone numbers given (Pickup.Verify, Pickup.Confirm).
    public var misses: Int
    /// Cool-downs those started (per client or per counter).
    public var cooldowns: Int
    public init(misses: Int, cooldowns: Int) {
        self.misses = misses
        self.cooldowns = cooldowns
    }
}

// MARK: Report.Ledger

/// A handoff's lines by how they ended up.
public struct HandoffLineCountsDTO: Codable, Sendable, Equatable {
    /// On the courier's list (应到).
    public var listed: Int
    public var scanned: Int
    public var missing: Int
    public var extra: Int
    public var damaged: Int
    public var misrouted: Int
    /// Listed, not scanned yet (open handoffs).
    public var pending: Int
    public var total: Int
    public init(listed: Int, scanned: Int, missing: Int, extra: Int, damaged: Int, misrouted: Int, pending: Int, total: Int) {
        self.listed = listed
        self.scanned = scanned
        self.missing = missing
        self.extra = extra
        self.damaged = damaged
        self.misrouted = misrouted
        self.pending = pending
        self.total = total
    }
}

public struct HandoffLedgerEntryDTO: Codable, Sendable, Equatable {
    public var handoff: HandoffDTO
    public var lines: HandoffLineCountsDTO
    /// Its discrepancies still unresolved now.
    public var openDiscrepancies: Int
    public init(handoff: HandoffDTO, lines: HandoffLineCountsDTO, openDiscrepancies: Int) {
        self.handoff = handoff
        self.lines = lines
        self.openDiscrepancies = openDiscrepancies
    }
}

public struct HandoffLedgerResult: Codable, Sendable, Equatable {
    public var station: StationInfo
    public var period: ReportPeriodDTO
    public var generatedAt: String
    /// Every handoff opened in the period, oldest first.
    public var handoffs: [HandoffLedgerEntryDTO]
    public init(station: StationInfo, period: ReportPeriodDTO, generatedAt: String, handoffs: [HandoffLedgerEntryDTO]) {
        self.station = station
        self.period = period
        self.generatedAt = generatedAt
        self.handoffs = handoffs
    }
}

// MARK: Report.Backlog attention

/// Beside the backlog: what needs a decision or a follow-up.
public struct BacklogAttentionDTO: Codable, Sendable, Equatable {
    /// Of the backlog's parcels: those whose recipient was notified, and those notified at least twice (reminded,
    /// 催取); `reminded` is always sent, but daemons before 2026-11-23 sent null on a backlog over 10,000 parcels.
    public var notified: Int
    public var reminded: Int?
    /// Return decisions pending, station-wide: parcels marked for return still here; and, of the backlog's parcels,
    /// those past the hold period (keep or return?).
    public var returnRequested: Int
    public var overdue: Int
    public var holdHours: Int
    /// Station-wide: handoffs not reconciled, open ones plus closed ones with an unresolved discrepancy.
    public var unreconciledHandoffs: Int
    public var openHandoffs: Int
    public var handoffsWithOpenDiscrepancies: Int
    public var openDiscrepancies: Int
    public init(
        notified: Int, reminded: Int?, returnRequested: Int, overdue: Int, holdHours: Int, unreconciledHandoffs: Int, openHandoffs: Int,
        handoffsWithOpenDiscrepancies: Int, openDiscrepancies: Int
    ) {
        self.notified = notified
        self.reminded = reminded
        self.returnRequested = returnRequested
        self.overdue = overdue
        self.holdHours = holdHours
        self.unreconciledHandoffs = unreconciledHandoffs
        self.openHandoffs = openHandoffs
        self.handoffsWithOpenDiscrepancies = handoffsWithOpenDiscrepancies
        self.openDiscrepancies = openDiscrepancies
    }
}

// MARK: Report.Backlog

public struct BacklogParams: RequestParams, Equatable {
    /// Only parcels waiting at least this many hours (default 0: everything on the shelf).
    public var olderThanHours: Int?
    public init(olderThanHours: Int? = nil) { self.olderThanHours = olderThanHours }
}

public struct BacklogResult: Codable, Sendable, Equatable {
    public struct Bucket: Codable, Sendable, Equatable {
        /// `<24h`, `1-2d`, `2-3d`, `3-7d`, `>7d`.
        public var label: String
        public var fromHours: Int
        /// Null for the last, open bucket.
        public var toHours: Int?
        public var count: Int
        public init(label: String, fromHours: Int, toHours: Int?, count: Int) {
            self.label = label
            self.fromHours = fromHours
            self.toHours = toHours
            self.count = count
        }
    }
    public struct CourierRow: Codable, Sendable, Equatable {
        public var courier: String
        public var total: Int
        /// Counts in the order of `buckets`.
        public var counts: [Int]
        public init(courier: String, total: Int, counts: [Int]) {
            self.courier = courier
            self.total = total
            self.counts = counts
        }
    }
    public var generatedAt: String
    public var olderThanHours: Int
    public var total: Int
    public var buckets: [Bucket]
    public var byCourier: [CourierRow]
    /// The longest-waiting parcels (at most 20), oldest first.
    public var oldest: [ParcelDTO]
    /// Station-wide counts needing a decision or a follow-up (reminders, returns, unreconciled handoffs); absent
    /// from servers older than the report methods.
    public var attention: BacklogAttentionDTO?
    /// The station, and the time zone its reports are reckoned in (for a report's heading); absent from older servers.
    public var station: StationInfo?
    public var timeZone: String?

    public init(
        generatedAt: String, olderThanHours: Int, total: Int, buckets: [Bucket], byCourier: [CourierRow], oldest: [ParcelDTO],
        attention: BacklogAttentionDTO? = nil, station: StationInfo? = nil, timeZone: String? = nil
    ) {
        self.generatedAt = generatedAt
        self.olderThanHours = olderThanHours
        self.total = total
        self.buckets = buckets
        self.byCourier = byCourier
        self.oldest = oldest
        self.attention = attention
        self.station = station
        self.timeZone = timeZone
    }
}
