/// The 快递代办服务 (parcel agency service) item of the programme's yearly station assessment: 15 points, of
/// which 5 for complete handoff ledgers (台账), 10 for no delay and no backlog (不延后、不积压), minus 1 point for
/// each complaint, never below 0.
///
/// A pure function of counts, so the station (its daily and monthly reports) and the county (the same figures
/// from the uploaded ledgers) compute the same score, and every report can print the inputs it used.
///
/// The rule, as implemented:
/// - **Ledgers, 5 points, in proportion.** A handoff of the period is *complete* when, at the end of the period,
///   it is closed with a signed receipt and none of its discrepancies is unresolved. Points = 5 × complete ÷
///   handoffs. A period without handoffs keeps the 5 points (no ledger was left incomplete). Proportional rather
///   than all-or-nothing: one unreconciled handoff among forty should cost a little, not everything; the county
///   still sees each unreconciled handoff in the report.
/// - **Timeliness, 10 points, in proportion.** The parcels *on the shelf* in the period are those at the station
///   at some moment of it (shelved before its end, not released before its start). One is *overdue* when it stayed
///   at the station past the hold period (`holdHours`, default 168 h) at some moment of the period, whether it was
///   then picked up, returned or is still there. Points = 10 × (on shelf − overdue) ÷ on shelf; a period with no
///   parcel on the shelf keeps the 10 points. Parcels still waiting past the hold at the end of the period are
///   among the overdue ones; they are shown apart because they are what the county chases.
/// - **Complaints:** minus 1 point per complaint recorded in the period (resolved or not).
/// - The total is floored at 0. Each part is rounded to two decimals and the total is the sum of the rounded parts.
public struct ServiceAssessment: Sendable, Equatable, Codable {
    /// What the score is computed from: counts only, so it can be shown beside the score and recomputed by anyone.
    public struct Inputs: Sendable, Equatable, Codable {
        /// Handoffs (交接) opened in the period, inbound and outbound.
        public var handoffs: Int
        /// Of those, closed with a signed receipt by the end of the period.
        public var handoffsClosedWithReceipt: Int
        /// Of those closed, with at least one discrepancy still unresolved at the end of the period.
        public var handoffsWithOpenDiscrepancies: Int
        /// Parcels shelved in the period (shown for context; the timeliness share counts `parcelsOnShelf`).
        public var parcelsShelved: Int
        /// Parcels at the station at some moment of the period.
        public var parcelsOnShelf: Int
        /// Of those, at the station past the hold period at some moment of the period.
        public var parcelsOverdue: Int
        /// Of those, still at the station past the hold period at the end of the period.
        public var parcelsWaitingPastHold: Int
        /// Complaints recorded in the period.
        public var complaints: Int
        /// The hold period in hours after which a waiting parcel is overdue.
        public var holdHours: Int

        public init(
            handoffs: Int = 0, handoffsClosedWithReceipt: Int = 0, handoffsWithOpenDiscrepancies: Int = 0, parcelsShelved: Int = 0,
            parcelsOnShelf: Int = 0, parcelsOverdue: Int = 0, parcelsWaitingPastHold: Int = 0, complaints: Int = 0, holdHours: Int = 168
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

    public static let item = "快递代办服务"
    public static let maxPoints = 15.0
    public static let ledgerMaxPoints = 5.0
    public static let timelinessMaxPoints = 10.0
    public static let pointsPerComplaint = 1.0

    public let inputs: Inputs
    /// Handoffs closed with a receipt and no unresolved discrepancy.
    public let completeHandoffs: Int
    /// 0…5.
    public let ledgerPoints: Double
    /// Parcels on the shelf in the period that were never overdue in it.
    public let timelyParcels: Int
    /// 0…10.
    public let timelinessPoints: Double
    /// 1 per complaint.
    public let complaintDeduction: Double
    /// 0…15: ledger + timeliness − complaints, at least 0.
    public let points: Double

    /// Scores `inputs` by the rule above. Negative counts are read as 0; counts that contradict each other (more
    /// closed handoffs than handoffs, more overdue parcels than parcels on the shelf) are capped, never trusted
    /// to raise the score.
    public init(_ inputs: Inputs) {
        self.inputs = inputs
        let handoffs = max(0, inputs.handoffs)
        let closed = min(handoffs, max(0, inputs.handoffsClosedWithReceipt))
        let complete = max(0, closed - max(0, inputs.handoffsWithOpenDiscrepancies))
        completeHandoffs = complete
        ledgerPoints = handoffs == 0 ? Self.ledgerMaxPoints : Self.round(Self.ledgerMaxPoints * Double(complete) / Double(handoffs))

        let overdue = max(0, inputs.parcelsOverdue, inputs.parcelsWaitingPastHold)
        let onShelf = max(0, inputs.parcelsOnShelf, overdue)
        timelyParcels = onShelf - overdue
        timelinessPoints =
            onShelf == 0 ? Self.timelinessMaxPoints : Self.round(Self.timelinessMaxPoints * Double(onShelf - overdue) / Double(onShelf))

        complaintDeduction = Double(max(0, inputs.complaints)) * Self.pointsPerComplaint
        points = max(0, Self.round(ledgerPoints + timelinessPoints - complaintDeduction))
    }

    /// Two decimals, half away from zero.
    static func round(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    /// A score as printed: `15`, `14.5`, `9.67`.
    public static func format(_ points: Double) -> String {
        let hundredths = Int((points * 100).rounded())
        let whole = hundredths / 100
        let fraction = abs(hundredths % 100)
        if fraction == 0 { return "\(whole)" }
        if fraction % 10 == 0 { return "\(whole).\(fraction / 10)" }
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// The rule in one line per part, in Chinese, with this score's numbers filled in: for a report's notes.
    public var explanation: [String] {
        let i = inputs
        let f = Self.format
        let ledger =
            max(0, i.handoffs) == 0
            ? "交接台账完整（满分 5 分）：本期无交接，记 5 分。"
            : "交接台账完整（满分 5 分）：本期交接 \(i.handoffs) 次，已签回单且无未结差异 \(completeHandoffs) 次"
                + "（已签回单 \(i.handoffsClosedWithReceipt) 次，其中仍有未结差异 \(i.handoffsWithOpenDiscrepancies) 次），"
                + "得 5 × \(completeHandoffs) ÷ \(i.handoffs) = \(f(ledgerPoints)) 分。"
        let onShelf = timelyParcels + max(0, i.parcelsOverdue, i.parcelsWaitingPastHold)
        let timely =
            onShelf == 0
            ? "不延后、不积压（满分 10 分）：本期无在站包裹，记 10 分。"
            : "不延后、不积压（满分 10 分）：本期在站包裹 \(onShelf) 件，其中超过保管期（\(i.holdHours) 小时）未取走 \(onShelf - timelyParcels) 件"
                + "（期末仍滞留 \(i.parcelsWaitingPastHold) 件），得 10 × \(timelyParcels) ÷ \(onShelf) = \(f(timelinessPoints)) 分。"
        let complaints = "投诉扣分：本期投诉 \(max(0, i.complaints)) 件，每件扣 1 分，共扣 \(f(complaintDeduction)) 分。"
        let total = "合计：\(f(ledgerPoints)) + \(f(timelinessPoints)) − \(f(complaintDeduction)) = \(f(points)) 分（满分 15 分，最低 0 分）。"
        return [ledger, timely, complaints, total]
    }
}
