import Foundation
internal import GRDB
public import ParcelDomain

/// A report's period: consecutive intervals `[b0, b1), [b1, b2), …` (one for a day, one per day for a month),
/// reckoned as of `asOf` (exclusive): the period's end, or just after now for a period still running, so a
/// past period's report never changes.
public struct ReportWindow: Sendable, Equatable {
    /// Increasing instants (ms since 1970), at least two.
    public let boundaries: [Int64]
    public let asOf: Int64

    public init(boundaries: [Int64], now: Int64) {
        precondition(boundaries.count >= 2 && zip(boundaries, boundaries.dropFirst()).allSatisfy { $0 < $1 }, "increasing boundaries")
        self.boundaries = boundaries
        asOf = min(boundaries[boundaries.count - 1], now + 1)
    }

    public var from: Int64 { boundaries[0] }
    public var to: Int64 { boundaries[boundaries.count - 1] }
    public var intervals: Int { boundaries.count - 1 }
}

/// What happened in one interval: counts of ledger events (transactions), outgoing parcels, handoffs and
/// complaints.
public struct ActivityFigures: Sendable, Equatable {
    /// Parcels taken in (intake events).
    public var received = 0
    /// First pickup notices sent (notify events from a state other than `notified`).
    public var notified = 0
    /// Further notices: reminders (催取), notify events from `notified`. (A sent overdue warning is recorded on the
    /// notice, not as a notify event.)
    public var reminders = 0
    public var pickedUp = 0
    public var returnRequested = 0
    /// Returns completed: handed back to the courier.
    public var returned = 0
    /// Outgoing parcels accepted (寄件), produce (农产品上行) counted apart, with their fees in fen.
    public var outgoingAccepted = 0
    public var produceAccepted = 0
    public var outgoingFeesFen = 0
    public var produceFeesFen = 0
    /// Outgoing parcels handed to their courier by a closed handoff.
    public var outgoingHandedOver = 0
    public var inboundHandoffs = 0
    public var outboundHandoffs = 0
    /// Handoffs closed with their receipt.
    public var handoffsClosed = 0
    public var complaints = 0
    /// Pickups by courier code (`UNKNOWN` for none): what commissions are computed from.
    public var pickedUpByCourier: [String: Int] = [:]

    public init() {}
}

/// Per courier over the whole period.
public struct CourierActivity: Sendable, Equatable {
    public let courier: String
    public var received = 0
    public var pickedUp = 0
    public var returned = 0
    /// Outgoing parcels accepted for this courier (produce included) and their fees.
    public var outgoing = 0
    public var outgoingFeesFen = 0
}

/// Everything a station's daily or monthly report reads from the ledger, in one snapshot.
public struct StationPeriodFigures: Sendable, Equatable {
    public let window: ReportWindow
    public let total: ActivityFigures
    /// One per interval of the window, in order.
    public let intervals: [ActivityFigures]
    /// Busiest first, then by code.
    public let byCourier: [CourierActivity]
    /// Discrepancies opened in the period (at handoff closing), by kind.
    public let discrepanciesOpened: [DiscrepancyKind: Int]
    /// Parcels at the station at the end of the period (shelved, not yet picked up or returned).
    public let atStationAtEnd: Int
    /// The counts the 快递代办服务 assessment is computed from.
    public let assessment: ServiceAssessment.Inputs
    /// Problem parcels: open at the time of the report, opened and resolved in the period.
    public var problems = ProblemCounts()
    /// Intakes in the period that a staff override took in against the plausibility check.
    public var forcedIntakes = 0
    /// Wrong pickup codes or phone numbers in the period, and the cool-downs they started.
    public var pickupMisses = 0
    public var pickupCooldowns = 0
    /// The township relay (中转): what passed through in the period and what waits in the bins.
    public var relay = RelayFigures()
}

/// Parcels passing through for downstream stations.
public struct RelayFigures: Sendable, Equatable {
    /// One relay bin as the report was made.
    public struct Bin: Sendable, Equatable {
        public let station: String
        public let waiting: Int
        /// When its longest-waiting parcel arrived (ms since 1970).
        public let oldestReceivedAt: Int64
        /// Waiting longer than 24 hours.
        public let olderThanADay: Int
    }
    /// Put into a relay bin in the period (at intake or sent on by hand; a re-route does not count again).
    public var relayed = 0
    /// Left on a closed transfer handoff in the period.
    public var forwarded = 0
    /// Pulled back into local pickup in the period.
    public var pulledBack = 0
    /// The bins now, most waiting first.
    public var bins: [Bin] = []
}

/// One handoff of the handoff ledger (交接台账) with its line counts.
public struct HandoffLedgerEntry: Sendable, Equatable {
    /// The handoff (its `receipt` text is not loaded; `receiptSeq` and `receiptDigest` are).
    public let handoff: HandoffRecord
    /// Lines on the courier's list.
    public let listed: Int
    public let scanned: Int
    public let missing: Int
    public let extra: Int
    public let damaged: Int
    public let misrouted: Int
    /// Listed lines not scanned yet (open handoffs only).
    public let pending: Int
    public let total: Int
    /// Discrepancies of this handoff still unresolved now.
    public let openDiscrepancies: Int
}

/// What needs someone's attention beside the waiting parcels themselves (whose notified and overdue counts
/// come with the backlog's own scan).
public struct BacklogAttention: Sendable, Equatable {
    /// Of the backlog's parcels, those notified at least twice (a reminder went out).
    public let reminded: Int
    /// Station-wide: parcels marked for return still at the station (the courier has yet to take them).
    public let returnRequested: Int
    /// Station-wide: handoffs not reconciled, still open or closed with a discrepancy unresolved.
    public let openHandoffs: Int
    public let handoffsWithOpenDiscrepancies: Int
    public let openDiscrepancies: Int
}

extension LedgerReader {
    /// `CASE` numbering the interval of `window` that `column` falls in (0 when there is one interval).
    static func intervalSQL(_ column: String, _ window: ReportWindow) -> String {
        let inner = window.boundaries.dropFirst().dropLast()
        guard !inner.isEmpty else { return "0" }
        return "CASE " + inner.enumerated().map { "WHEN \(column) < \($1) THEN \($0)" }.joined(separator: " ") + " ELSE \(inner.count) END"
    }

    /// Activity, stock and assessment counts for a daily or monthly report.
    ///
    /// Ledger events are counted through the parcels whose stay overlaps the period (received before its end,
    /// not released before its start), each parcel's events read by the `parcel_event_parcel` index: one scan of
    /// the parcel table instead of the whole event log.
    public func periodFigures(_ window: ReportWindow, holdHours: Int) throws -> StationPeriodFigures {
        var intervals = [ActivityFigures](repeating: ActivityFigures(), count: window.intervals)
        var couriers: [String: CourierActivity] = [:]
        func courier(_ code: String) -> CourierActivity { couriers[code] ?? CourierActivity(courier: code) }
        let unknown = CourierCandidate.unknownCode

        // 1. Ledger events in the period.
        let events = try Row.fetchCursor(
            db,
            sql: """
                SELECT \(Self.intervalSQL("e.at", window)) AS slot, e.kind AS kind,
                       ifnull(e.from_state = 'notified', 0) AS again, ifnull(p.courier, '\(unknown)') AS courier, count(*) AS n
                FROM parcel p CROSS JOIN parcel_event e
                WHERE p.received_at < ?2 AND (p.released_at IS NULL OR p.released_at >= ?1)
                  AND e.parcel_id = p.id AND e.at >= ?1 AND e.at < ?2
                GROUP BY slot, kind, again, courier
                """, arguments: [window.from, window.to])
        while let row = try events.next() {
            let slot: Int = row["slot"]
            let n: Int = row["n"]
            let code: String = row["courier"]
            var figures = intervals[slot]
            var perCourier = courier(code)
            switch ParcelEventKind(rawValue: row["kind"]) {
            case .intake:
                figures.received += n
                perCourier.received += n
            case .notify:
                if (row["again"] as Int) == 1 { figures.reminders += n } else { figures.notified += n }
            case .pickUp:
                figures.pickedUp += n
                figures.pickedUpByCourier[code, default: 0] += n
                perCourier.pickedUp += n
            case .requestReturn:
                figures.returnRequested += n
            case .completeReturn:
                figures.returned += n
                perCourier.returned += n
            // An undone step never happened for the figures: it cancels the step it undoes.
            case .undoIntake:
                figures.received -= n
                perCourier.received -= n
            case .undoPickup:
                figures.pickedUp -= n
                figures.pickedUpByCourier[code, default: 0] -= n
                perCourier.pickedUp -= n
            default:
                continue
            }
            intervals[slot] = figures
            couriers[code] = perCourier
        }

        // 2. Outgoing parcels accepted, and handed over.
        let accepted = try Row.fetchCursor(
            db,
            sql: """
                SELECT \(Self.intervalSQL("accepted_at", window)) AS slot, produce, courier, count(*) AS n, sum(fee_fen) AS fees
                FROM outgoing WHERE accepted_at >= ?1 AND accepted_at < ?2
                GROUP BY slot, produce, courier
                """, arguments: [window.from, window.to])
        while let row = try accepted.next() {
            let slot: Int = row["slot"]
            let n: Int = row["n"]
            let fees: Int = row["fees"]
            if (row["produce"] as Int) == 1 {
                intervals[slot].produceAccepted += n
                intervals[slot].produceFeesFen += fees
            } else {
                intervals[slot].outgoingAccepted += n
                intervals[slot].outgoingFeesFen += fees
            }
            let code: String = row["courier"]
            var perCourier = courier(code)
            perCourier.outgoing += n
            perCourier.outgoingFeesFen += fees
            couriers[code] = perCourier
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.intervalSQL("handed_at", window)) AS slot, count(*) AS n FROM outgoing
                WHERE handed_at >= ?1 AND handed_at < ?2 GROUP BY slot
                """, arguments: [window.from, window.to])
        {
            intervals[row["slot"] as Int].outgoingHandedOver += row["n"] as Int
        }

        // 3. Handoffs opened and closed, complaints.
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.intervalSQL("opened_at", window)) AS slot, direction, count(*) AS n FROM handoff
                WHERE opened_at >= ?1 AND opened_at < ?2 GROUP BY slot, direction
                """, arguments: [window.from, window.to])
        {
            let slot: Int = row["slot"]
            if (row["direction"] as String) == HandoffDirection.inbound.rawValue {
                intervals[slot].inboundHandoffs += row["n"] as Int
            } else {
                intervals[slot].outboundHandoffs += row["n"] as Int
            }
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.intervalSQL("closed_at", window)) AS slot, count(*) AS n FROM handoff
                WHERE closed_at >= ?1 AND closed_at < ?2 GROUP BY slot
                """, arguments: [window.from, window.to])
        {
            intervals[row["slot"] as Int].handoffsClosed += row["n"] as Int
        }
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.intervalSQL("at", window)) AS slot, count(*) AS n FROM complaint
                WHERE at >= ?1 AND at < ?2 GROUP BY slot
                """, arguments: [window.from, window.to])
        {
            intervals[row["slot"] as Int].complaints += row["n"] as Int
        }
        var discrepancies: [DiscrepancyKind: Int] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT kind, count(*) AS n FROM discrepancy WHERE opened_at >= ?1 AND opened_at < ?2 GROUP BY kind",
            arguments: [window.from, window.to])
        {
            if let kind = DiscrepancyKind(rawValue: row["kind"]) { discrepancies[kind, default: 0] += row["n"] as Int }
        }

        // 4. Stock and the assessment's counts, as of the period's end. A parcel is at the station from
        // `shelved_at` until `released_at`, and overdue from `shelved_at + hold` until then.
        let hold = Int64(holdHours) * 3_600_000
        let stock = try Row.fetchOne(
            db,
            sql: """
                SELECT ifnull(sum(shelved_at >= ?1), 0) AS shelved, count(*) AS on_shelf,
                       ifnull(sum(shelved_at + ?3 < ?2 AND (released_at IS NULL OR (released_at > ?1 AND released_at > shelved_at + ?3))), 0)
                           AS overdue,
                       ifnull(sum(released_at IS NULL OR released_at >= ?2), 0) AS at_end,
                       ifnull(sum(shelved_at + ?3 < ?2 AND (released_at IS NULL OR released_at >= ?2)), 0) AS past_hold_at_end
                FROM parcel
                WHERE shelved_at IS NOT NULL AND shelved_at < ?2 AND (released_at IS NULL OR released_at > ?1)
                  AND state <> 'voided'  -- scanned in by mistake: never on the shelf
                """, arguments: [window.from, window.asOf, hold])
        let handoffs = try Row.fetchOne(
            db,
            sql: """
                SELECT count(*) AS handoffs, ifnull(sum(h.closed_at < ?2), 0) AS closed,
                       ifnull(sum(h.closed_at < ?2 AND EXISTS (
                           SELECT 1 FROM discrepancy d WHERE d.handoff_id = h.id AND (d.resolution IS NULL OR d.resolved_at >= ?2))), 0)
                           AS unresolved
                FROM handoff h WHERE h.opened_at >= ?1 AND h.opened_at < ?2
                """, arguments: [window.from, window.asOf])

        var total = ActivityFigures()
        for figures in intervals {
            total.received += figures.received
            total.notified += figures.notified
            total.reminders += figures.reminders
            total.pickedUp += figures.pickedUp
            total.returnRequested += figures.returnRequested
            total.returned += figures.returned
            total.outgoingAccepted += figures.outgoingAccepted
            total.produceAccepted += figures.produceAccepted
            total.outgoingFeesFen += figures.outgoingFeesFen
            total.produceFeesFen += figures.produceFeesFen
            total.outgoingHandedOver += figures.outgoingHandedOver
            total.inboundHandoffs += figures.inboundHandoffs
            total.outboundHandoffs += figures.outboundHandoffs
            total.handoffsClosed += figures.handoffsClosed
            total.complaints += figures.complaints
            total.pickedUpByCourier.merge(figures.pickedUpByCourier, uniquingKeysWith: +)
        }
        let inputs = ServiceAssessment.Inputs(
            handoffs: handoffs?["handoffs"] ?? 0, handoffsClosedWithReceipt: handoffs?["closed"] ?? 0,
            handoffsWithOpenDiscrepancies: handoffs?["unresolved"] ?? 0, parcelsShelved: stock?["shelved"] ?? 0,
            parcelsOnShelf: stock?["on_shelf"] ?? 0, parcelsOverdue: stock?["overdue"] ?? 0,
            parcelsWaitingPastHold: stock?["past_hold_at_end"] ?? 0, complaints: total.complaints, holdHours: holdHours)
        let byCourier = couriers.values.sorted {
            ($0.received + $0.pickedUp + $0.outgoing, $1.courier) > ($1.received + $1.pickedUp + $1.outgoing, $0.courier)
        }
        var figures = StationPeriodFigures(
            window: window, total: total, intervals: intervals, byCourier: byCourier, discrepanciesOpened: discrepancies,
            atStationAtEnd: stock?["at_end"] ?? 0, assessment: inputs)
        figures.problems = try problemCounts(from: window.from, to: window.to)
        figures.forcedIntakes =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM parcel p CROSS JOIN parcel_event e
                    WHERE p.received_at >= ?1 AND p.received_at < ?2 AND e.parcel_id = p.id AND e.kind = 'intake'
                      AND e.details <> '{}' AND json_extract(e.details, '$.forced') IS NOT NULL
                    """, arguments: [window.from, window.to]) ?? 0
        (figures.pickupMisses, figures.pickupCooldowns) = try pickupMisses(from: window.from, to: window.to)
        figures.relay = try relayFigures(from: window.from, to: window.to, now: window.asOf)
        return figures
    }

    /// What the relay did in `[from, to)` (relay, forward and pull-back events) and its bins as of `now`.
    public func relayFigures(from: Int64, to: Int64, now: Int64) throws -> RelayFigures {
        var figures = RelayFigures()
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT kind, count(*) AS n FROM parcel_event
                WHERE at >= ?1 AND at < ?2 AND kind IN ('relay', 'forward', 'pullBack') AND (kind <> 'relay' OR from_state <> 'inTransit')
                GROUP BY kind
                """, arguments: [from, to])
        {
            let n: Int = row["n"]
            switch row["kind"] as String {
            case "relay": figures.relayed = n
            case "forward": figures.forwarded = n
            default: figures.pulledBack = n
            }
        }
        figures.bins = try Row.fetchAll(
            db,
            sql: """
                SELECT relay_to, count(*) AS n, min(received_at) AS oldest, ifnull(sum(received_at < ?1), 0) AS old
                FROM parcel INDEXED BY parcel_in_transit WHERE state = 'inTransit' GROUP BY relay_to ORDER BY n DESC, relay_to
                """, arguments: [now - 86_400_000]
        ).map { row in
            RelayFigures.Bin(station: row["relay_to"] ?? "", waiting: row["n"], oldestReceivedAt: row["oldest"], olderThanADay: row["old"])
        }
        return figures
    }

    /// The handoff ledger (交接台账): every handoff opened in `[from, to)`, oldest first, with its line counts and
    /// how many of its discrepancies are still open.
    public func handoffLedger(from: Int64, to: Int64) throws -> [HandoffLedgerEntry] {
        // `handoffColumns` without the receipt document, which can be large; its number and digest are enough here.
        let columns = """
            h.id, h.uid, h.direction, h.kind, h.party, h.party_name, h.company, h.node, h.node_tier, h.vehicle, h.counter, h.state,
            h.opened_at, h.opened_by, h.closed_at, h.closed_by, h.confirmed_by, h.receipt_seq, NULL AS receipt, h.receipt_digest
            """
        return try Row.fetchAll(
            db,
            sql: """
                SELECT \(columns),
                       (SELECT count(*) FROM handoff_line l WHERE l.handoff_id = h.id) AS line_total,
                       (SELECT count(*) FROM handoff_line l WHERE l.handoff_id = h.id AND l.expected = 1) AS line_listed,
                       (SELECT count(*) FROM handoff_line l WHERE l.handoff_id = h.id AND l.status = 'scanned') AS line_scanned,
                       (SELECT count(*) FROM handoff_line l WHERE l.handoff_id = h.id AND l.status = 'missing') AS line_missing,
                       (SELECT count(*) FROM handoff_line l WHERE l.handoff_id = h.id AND l.status = 'extra') AS line_extra,
                       (SELECT count(*) FROM handoff_line l WHERE l.handoff_id = h.id AND l.status = 'damaged') AS line_damaged,
                       (SELECT count(*) FROM handoff_line l WHERE l.handoff_id = h.id AND l.status = 'misrouted') AS line_misrouted,
                       (SELECT count(*) FROM handoff_line l WHERE l.handoff_id = h.id AND l.status = 'expected') AS line_pending,
                       (SELECT count(*) FROM discrepancy d WHERE d.handoff_id = h.id AND d.resolution IS NULL) AS open_discrepancies
                FROM handoff h WHERE h.opened_at >= ? AND h.opened_at < ? ORDER BY h.opened_at, h.id
                """, arguments: [from, to]
        ).map { row in
            HandoffLedgerEntry(
                handoff: Self.handoff(from: row), listed: row["line_listed"], scanned: row["line_scanned"], missing: row["line_missing"],
                extra: row["line_extra"], damaged: row["line_damaged"], misrouted: row["line_misrouted"], pending: row["line_pending"],
                total: row["line_total"], openDiscrepancies: row["open_discrepancies"])
        }
    }

    /// Reminded waiting parcels shelved at or before ?1, counted in their own partial index; `INDEXED BY` turns a
    /// schema change that breaks its use into an error instead of a read of every waiting parcel.
    static let remindedCountSQL = "SELECT count(*) FROM parcel INDEXED BY parcel_reminded WHERE \(Schema.remindedSQL) AND shelved_at <= ?"

    /// The backlog's attention counts, beside `backlog(now:olderThanHours:…)`: each an index-only count or a
    /// count over small tables.
    public func backlogAttention(now: Int64, olderThanHours: Int) throws -> BacklogAttention {
        let cutoff = now - Int64(olderThanHours) * 3_600_000
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT
                      (SELECT count(*) FROM parcel WHERE state = 'returnRequested') AS return_requested,
                      (SELECT count(*) FROM handoff WHERE state = 'open') AS open_handoffs,
                      (SELECT count(DISTINCT handoff_id) FROM discrepancy WHERE resolution IS NULL) AS unresolved_handoffs,
                      (SELECT count(*) FROM discrepancy WHERE resolution IS NULL) AS open_discrepancies
                    """))
        let reminded = try Int.fetchOne(db.cachedStatement(sql: Self.remindedCountSQL), arguments: [cutoff]) ?? 0
        return BacklogAttention(
            reminded: reminded, returnRequested: row?["return_requested"] ?? 0, openHandoffs: row?["open_handoffs"] ?? 0,
            handoffsWithOpenDiscrepancies: row?["unresolved_handoffs"] ?? 0, openDiscrepancies: row?["open_discrepancies"] ?? 0)
    }
}
