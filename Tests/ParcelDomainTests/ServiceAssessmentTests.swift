import Foundation
import Testing

@testable import ParcelDomain

/// The 快递代办服务 assessment item, on cases computed by hand.
@Suite struct ServiceAssessmentTests {
    @Test func aCleanPeriodScoresFifteen() {
        let score = ServiceAssessment(
            .init(handoffs: 4, handoffsClosedWithReceipt: 4, parcelsShelved: 80, parcelsOnShelf: 100, complaints: 0))
        #expect(score.ledgerPoints == 5)
        #expect(score.timelinessPoints == 10)
        #expect(score.complaintDeduction == 0)
        #expect(score.points == 15)
        #expect(score.completeHandoffs == 4)
        #expect(score.timelyParcels == 100)
    }

    @Test func aPeriodWithNothingToJudgeKeepsItsPoints() {
        let score = ServiceAssessment(.init())
        #expect(score.ledgerPoints == 5)
        #expect(score.timelinessPoints == 10)
        #expect(score.points == 15)
        #expect(score.explanation[0].contains("本期无交接，记 5 分"))
        #expect(score.explanation[1].contains("本期无在站包裹，记 10 分"))
    }

    @Test func bothPartsScaleWithTheirShareAndComplaintsCostOneEach() {
        // 8 handoffs, 7 closed, 1 of them with an open discrepancy: 6 complete → 5 × 6/8 = 3.75.
        // 40 parcels on the shelf, 3 overdue: 10 × 37/40 = 9.25. Two complaints: 3.75 + 9.25 − 2 = 11.
        let score = ServiceAssessment(
            .init(
                handoffs: 8, handoffsClosedWithReceipt: 7, handoffsWithOpenDiscrepancies: 1, parcelsShelved: 30, parcelsOnShelf: 40,
                parcelsOverdue: 3, parcelsWaitingPastHold: 1, complaints: 2, holdHours: 168))
        #expect(score.completeHandoffs == 6)
        #expect(score.ledgerPoints == 3.75)
        #expect(score.timelyParcels == 37)
        #expect(score.timelinessPoints == 9.25)
        #expect(score.complaintDeduction == 2)
        #expect(score.points == 11)
        #expect(score.explanation[0].contains("5 × 6 ÷ 8 = 3.75 分"))
        #expect(score.explanation[1].contains("10 × 37 ÷ 40 = 9.25 分"))
        #expect(score.explanation[1].contains("168 小时"))
        #expect(score.explanation[2].contains("本期投诉 2 件"))
        #expect(score.explanation[3] == "合计：3.75 + 9.25 − 2 = 11 分（满分 15 分，最低 0 分）。")
    }

    @Test func partsAreRoundedToHundredthsAndTheTotalIsTheirSum() {
        // 5 × 2/3 = 3.333… → 3.33; 10 × 6/7 = 8.571… → 8.57; total 11.9.
        let score = ServiceAssessment(
            .init(handoffs: 3, handoffsClosedWithReceipt: 3, handoffsWithOpenDiscrepancies: 1, parcelsOnShelf: 7, parcelsOverdue: 1))
        #expect(score.ledgerPoints == 3.33)
        #expect(score.timelinessPoints == 8.57)
        #expect(score.points == 11.9)
        #expect(ServiceAssessment.format(score.points) == "11.9")
    }

    @Test func unclosedHandoffsCountAsIncomplete() {
        // 2 handoffs, 1 still open at the end of the period: 5 × 1/2 = 2.5.
        let score = ServiceAssessment(.init(handoffs: 2, handoffsClosedWithReceipt: 1, parcelsOnShelf: 5))
        #expect(score.ledgerPoints == 2.5)
        #expect(score.points == 12.5)
    }

    @Test func theTotalNeverGoesBelowZero() {
        let score = ServiceAssessment(.init(handoffs: 1, parcelsOnShelf: 2, parcelsOverdue: 2, complaints: 20))
        #expect(score.ledgerPoints == 0)
        #expect(score.timelinessPoints == 0)
        #expect(score.complaintDeduction == 20)
        #expect(score.points == 0)
    }

    @Test func contradictoryOrNegativeCountsNeverRaiseTheScore() {
        // More closed than opened: capped at the handoffs. More overdue than on the shelf: the overdue count wins.
        let capped = ServiceAssessment(
            .init(handoffs: 2, handoffsClosedWithReceipt: 5, handoffsWithOpenDiscrepancies: 0, parcelsOnShelf: 4, parcelsOverdue: 10))
        #expect(capped.completeHandoffs == 2)
        #expect(capped.ledgerPoints == 5)
        #expect(capped.timelinessPoints == 0)
        // Still waiting past the hold is part of overdue: 3 of 6 → 10 × 3/6 = 5.
        let waiting = ServiceAssessment(.init(parcelsOnShelf: 6, parcelsOverdue: 1, parcelsWaitingPastHold: 3))
        #expect(waiting.timelinessPoints == 5)
        let negative = ServiceAssessment(
            .init(handoffs: -3, handoffsClosedWithReceipt: -1, parcelsOnShelf: -5, parcelsOverdue: -2, complaints: -4))
        #expect(negative.points == 15)
        #expect(negative.complaintDeduction == 0)
    }

    @Test func itRoundTripsThroughJSON() throws {
        let score = ServiceAssessment(.init(handoffs: 3, handoffsClosedWithReceipt: 2, parcelsOnShelf: 9, parcelsOverdue: 2, complaints: 1))
        let data = try JSONEncoder().encode(score)
        #expect(try JSONDecoder().decode(ServiceAssessment.self, from: data) == score)
        let inputs = try JSONDecoder().decode(ServiceAssessment.Inputs.self, from: try JSONEncoder().encode(score.inputs))
        #expect(ServiceAssessment(inputs) == score)
    }

    @Test func pointsPrintWithoutTrailingZeros() {
        #expect(ServiceAssessment.format(15) == "15")
        #expect(ServiceAssessment.format(14.5) == "14.5")
        #expect(ServiceAssessment.format(9.67) == "9.67")
        #expect(ServiceAssessment.format(3.05) == "3.05")
        #expect(ServiceAssessment.format(0) == "0")
    }
}
