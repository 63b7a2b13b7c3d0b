import Foundation
import Testing

@testable import StationProtocol

/// Every message shape against a golden JSON file: a change to the wire format shows up as a diff here and
/// must be deliberate (and, unless additive, bump the major version).
/// Regenerate with `PARCEL_STATION_UPDATE_GOLDEN=1 swift test --filter GoldenMessageTests`.
@Suite struct GoldenMessageTests {
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static let parcel = ParcelDTO(
        tracking: "SF1234567890123", rawScan: "]C0SF1234567890123\r", state: "shelved", pickupCode: "3-2-0147", courier: "SF",
        couriers: [CourierDTO(code: "SF", name: "顺丰速运", reason: "prefix SF + 13 digits")], phoneTail: "5678",
        receivedAt: "2026-11-22T08:30:00.000Z", shelvedAt: "2026-11-22T08:30:00.000Z", releasedAt: nil, overdue: false, notices: 0)
    static let event = EventDTO(
        seq: 2, uid: "3dc52e2c-7100-4510-899c-5643130b2258", kind: "shelve", from: "received", to: "shelved",
        at: "2026-11-22T08:30:00.000Z", actor: "王芳@parcelctl(uid 1000)", details: ["pickupCode": "3-2-0147"])

    func check<T: Codable & Equatable>(_ name: String, _ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let encoded = try encoder.encode(value)
        let url = Self.goldenDirectory.appendingPathComponent("\(name).json")
        if ProcessInfo.processInfo.environment["PARCEL_STATION_UPDATE_GOLDEN"] == "1" {
            try (encoded + Data("\n".utf8)).write(to: url)
        }
        let golden = try Data(contentsOf: url)
        #expect(
            String(decoding: encoded, as: UTF8.self) == String(decoding: golden, as: UTF8.self).trimmingCharacters(in: .newlines), "\(name)"
        )
        #expect(try JSONDecoder().decode(T.self, from: golden) == value, "\(name) does not decode back")
    }

    @Test func requests() throws {
        try check("hello.request", Request(id: .number(1), method: "Station.Hello", params: HelloParams(client: "parcelctl")))
        try check(
            "intake.request",
            Request(
                id: .number(2), method: "Parcel.Intake", params: IntakeParams(tracking: "SF1234567890123", phoneTail: "5678", staff: "王芳")))
        try check(
            "confirm.request",
            Request(
                id: .string("c-9"), method: "Pickup.Confirm",
                params: ConfirmParams(trackings: ["SF1234567890123"], code: "3-2-0147", staff: "王芳", collector: "李四")))
        try check("backlog.request", Request(id: .number(4), method: "Report.Backlog", params: BacklogParams(olderThanHours: 48)))
    }

    @Test func replies() throws {
        try check(
            "hello.result",
            Reply(
                id: .number(1),
                result: HelloResult(
                    protocol: .current, server: "parcel-stationd 0.1.0", station: StationInfo(id: "441581-lijiacun", name: "李家村服务站"),
                    capabilities: ["events", "groupCommit"], methods: Method.allCases.map(\.rawValue), access: "write")))
        try check("intake.result", Reply(id: .number(2), result: ParcelResult(parcel: Self.parcel, repeat: false)))
        try check("get.result", Reply(id: .number(3), result: GetResult(parcel: Self.parcel, events: [Self.event])))
        try check(
            "backlog.result",
            Reply(
                id: .number(4),
                result: BacklogResult(
                    generatedAt: "2026-11-22T08:30:00.000Z", olderThanHours: 0, total: 3,
                    buckets: [
                        .init(label: "<24h", fromHours: 0, toHours: 24, count: 2),
                        .init(label: "1-2d", fromHours: 24, toHours: 48, count: 0),
                        .init(label: "2-3d", fromHours: 48, toHours: 72, count: 0),
                        .init(label: "3-7d", fromHours: 72, toHours: 168, count: 1),
                        .init(label: ">7d", fromHours: 168, toHours: nil, count: 0),
                    ],
                    byCourier: [.init(courier: "SF", total: 3, counts: [2, 0, 0, 1, 0])], oldest: [Self.parcel])))
        try check(
            "error",
            ErrorReply(id: .number(5), error: WireError(.codeMismatch, "parcel SF1234567890123 does not belong to that code or phone")))
        try check("event.intake", EventMessage(event: EventName.intake, data: ParcelEventData(event: Self.event, parcel: Self.parcel)))
        try check("scanners.result", Reply(id: .number(6), result: ScannersResult(scanners: [Self.scanner])))
        try check("scan.result", Reply(id: .number(7), result: Self.outcome))
        try check("event.scan", EventMessage(event: EventName.scan, data: Self.outcome))
        try check(
            "event.scannerPartialDropped",
            EventMessage(event: EventName.scannerPartialDropped, data: ScannerEventData(scanner: Self.scanner, droppedBytes: 7)))
    }

    @Test func scannerRequests() throws {
        try check(
            "setRole.request",
            Request(id: .number(8), method: "Scanner.SetRole", params: SetRoleParams(scanner: "usb:0c2e:0b61:SN0001", role: "pickup")))
        try check(
            "submitScan.request",
            Request(id: .number(9), method: "Scan.Submit", params: SubmitScanParams(text: "SF1234567890123", symbology: "]C0")))
        try check(
            "verify.request", Request(id: .number(10), method: "Pickup.Verify", params: VerifyParams(phoneTail: "5678", counter: "1")))
    }

    @Test func handoffMessages() throws {
        let handoff = HandoffDTO(
            id: "019a8f2e-7c00-7000-8000-000000000001", direction: "inbound", kind: "delivery", party: "zto-wang", partyName: "王师傅",
            company: "ZTO", node: "xiang-05", nodeTier: "township", vehicle: "粤A·12345", counter: "1", state: "closed",
            openedAt: "2026-11-22T08:00:00.000Z", openedBy: "王芳@parcelctl(uid 1000)", closedAt: "2026-11-22T08:30:00.000Z",
            confirmedBy: "pin", receiptSeq: 7, receiptDigest: "9f2c")
        let line = HandoffLineDTO(
            tracking: "75100000000002", courier: "ZTO", bag: "BAG-A", destination: "cun-01", manifestLine: 3, expected: true,
            status: "damaged", scannedAt: "2026-11-22T08:10:00.000Z", note: "箱角压坏", photo: "dmg-1.jpg")
        let discrepancy = DiscrepancyDTO(
            id: 12, handoff: handoff.id, tracking: "75100000000002", kind: "damaged", openedAt: "2026-11-22T08:30:00.000Z",
            resolution: nil, resolvedAt: nil, resolvedBy: nil, note: nil)
        try check(
            "handoffOpen.request",
            Request(
                id: .number(11), method: "Handoff.Open",
                params: HandoffOpenParams(direction: "inbound", kind: "delivery", party: "zto-wang")))
        try check(
            "handoff.result",
            Reply(
                id: .number(12),
                result: HandoffResult(
                    handoff: handoff, lines: [line], discrepancies: [discrepancy],
                    receipt: ReceiptDTO(
                        body: "{\"format\":\"parcel-station-receipt/1\"}", digest: "9f2c", signature: "c2ln", publicKey: "a2V5"))))
        try check(
            "handoffScan.result",
            Reply(
                id: .number(13),
                result: HandoffScanResult(
                    result: "scanned", handoff: handoff.id, line: line, parcel: Self.parcel, bagLines: 0, remaining: 2)))
    }

    @Test func reportMessages() throws {
        try check("dailyReport.request", Request(id: .number(20), method: "Report.Daily", params: DailyReportParams(date: "2026-11-22")))
        try check(
            "monthlyReport.request", Request(id: .number(21), method: "Report.Monthly", params: MonthlyReportParams(month: "2026-11")))
        try check(
            "ledger.request",
            Request(id: .number(22), method: "Report.Ledger", params: HandoffLedgerParams(from: "2026-11-01", to: "2026-11-22")))
        let activity = ActivityDTO(
            received: 42, notified: 40, reminders: 6, pickedUp: 37, returnRequested: 2, returned: 1, outgoing: 3, produce: 5,
            outgoingFeesFen: 3600, produceFeesFen: 6250, feesFen: 9850, outgoingHandedOver: 8, inboundHandoffs: 2, outboundHandoffs: 1,
            handoffsClosed: 3, complaints: 1, commissionFen: 1310)
        let station = StationInfo(id: "441581-lijiacun", name: "李家村服务站")
        try check(
            "monthlyReport.result",
            Reply(
                id: .number(21),
                result: StationReportResult(
                    station: station,
                    period: ReportPeriodDTO(
                        kind: "month", label: "2026-11", from: "2026-10-31T16:00:00.000Z", to: "2026-11-30T16:00:00.000Z",
                        asOf: "2026-11-22T10:30:00.001Z", timeZone: "Asia/Shanghai"),
                    generatedAt: "2026-11-22T10:30:00.000Z", totals: activity,
                    days: [DayActivityDTO(date: "2026-11-01", activity: activity)],
                    byCourier: [
                        CourierActivityDTO(
                            courier: "ZTO", received: 20, pickedUp: 17, returned: 1, outgoing: 5, outgoingFeesFen: 6250,
                            commissionRateFen: 40,
                            commissionFen: 680)
                    ],
                    discrepancies: DiscrepancyCountsDTO(missing: 1, extra: 0, damaged: 1, misrouted: 0), atStationAtEnd: 12,
                    commissionRatesFen: ["ZTO": 40, "default": 30],
                    assessment: AssessmentDTO(
                        item: "快递代办服务", maxPoints: 15, points: 11.5, ledgerPoints: 3.33, timelinessPoints: 9.17, complaintDeduction: 1,
                        completeHandoffs: 2, timelyParcels: 55,
                        inputs: AssessmentInputsDTO(
                            handoffs: 3, handoffsClosedWithReceipt: 3, handoffsWithOpenDiscrepancies: 1, parcelsShelved: 42,
                            parcelsOnShelf: 60,
                            parcelsOverdue: 5, parcelsWaitingPastHold: 2, complaints: 1, holdHours: 168),
                        explanation: ["合计：3.33 + 9.17 − 1 = 11.5 分（满分 15 分，最低 0 分）。"]))))
        let handoff = HandoffDTO(
            id: "019a8f2e-7c00-7000-8000-000000000001", direction: "inbound", kind: "delivery", party: "zto-wang", partyName: "王师傅",
            company: "ZTO", node: "xiang-05", nodeTier: "township", vehicle: nil, counter: "1", state: "closed",
            openedAt: "2026-11-22T08:00:00.000Z", openedBy: "王芳@parcelctl(uid 1000)", closedAt: "2026-11-22T08:30:00.000Z",
            confirmedBy: "pin", receiptSeq: 7, receiptDigest: "9f2c")
        try check(
            "ledger.result",
            Reply(
                id: .number(22),
                result: HandoffLedgerResult(
                    station: station,
                    period: ReportPeriodDTO(
                        kind: "range", label: "2026-11-01..2026-11-22", from: "2026-10-31T16:00:00.000Z", to: "2026-11-22T16:00:00.000Z",
                        asOf: "2026-11-22T10:30:00.001Z", timeZone: "Asia/Shanghai"),
                    generatedAt: "2026-11-22T10:30:00.000Z",
                    handoffs: [
                        HandoffLedgerEntryDTO(
                            handoff: handoff,
                            lines: HandoffLineCountsDTO(
                                listed: 4, scanned: 1, missing: 1, extra: 1, damaged: 1, misrouted: 1, pending: 0, total: 5),
                            openDiscrepancies: 4)
                    ])))
        try check(
            "backlogAttention.result",
            Reply(
                id: .number(23),
                result: BacklogResult(
                    generatedAt: "2026-11-22T08:30:00.000Z", olderThanHours: 0, total: 1,
                    buckets: [.init(label: "<24h", fromHours: 0, toHours: 24, count: 1)],
                    byCourier: [.init(courier: "SF", total: 1, counts: [1])],
                    oldest: [Self.parcel],
                    attention: BacklogAttentionDTO(
                        notified: 1, reminded: 0, returnRequested: 2, overdue: 0, holdHours: 168, unreconciledHandoffs: 1, openHandoffs: 1,
                        handoffsWithOpenDiscrepancies: 0, openDiscrepancies: 0), station: station, timeZone: "Asia/Shanghai")))
    }

    static let scanner = ScannerDTO(
        id: "usb:0c2e:0b61:SN0001", source: "usb-keyboard", usb: "0c2e:0b61", serial: "SN0001", port: "1-1.2",
        product: "Fake HID Barcode Scanner", name: "取件台", attached: true, role: "pickup", roleSource: "configured", counter: "1",
        lastSeen: "2026-11-22T08:30:00.000Z", scans: 12, duplicates: 1, rejected: 2, lastResult: "pickedUp")
    static let outcome = ScanOutcomeDTO(
        scanner: "usb:0c2e:0b61:SN0001", role: "pickup", counter: "1", result: "pickedUp", message: "已取件 3-2-0147，该取件人还有 1 件",
        text: "SF1234567890123", symbology: "]C0", sequence: 12, at: "2026-11-22T08:30:00.000Z", parcel: Self.parcel, error: nil,
        remaining: 1)

    /// Protocol.md documents every method and every error code.
    @Test func backupMessages() throws {
        let entry = BackupEntry(
            name: "parcels-20261203T060000.000Z.sqlite", path: "/mnt/backup/parcels-20261203T060000.000Z.sqlite", bytes: 412_221_440,
            takenAt: "2026-12-03T06:00:00.000Z")
        try check("backupNow.request", Request(id: .number(40), method: "Backup.Now", params: NoParams()))
        try check(
            "backupNow.result",
            Reply(
                id: .number(40),
                result: BackupNowResult(
                    backup: entry, parcels: 1_000_000, events: 2_000_000,
                    head: "553748aea2ac57431ddd4ddf1e7be76bcaf0473a80839eacf2f80825a1e4895a",
                    copySeconds: 2.5, verifySeconds: 9.25, removed: ["parcels-20261119T060000.000Z.sqlite"])))
        try check(
            "backupList.result",
            Reply(
                id: .number(41),
                result: BackupListResult(
                    status: BackupStatus(
                        configured: true, folder: "/mnt/backup", intervalMinutes: 360, keep: 14, running: false, lastOk: entry,
                        lastFailureAt: "2026-12-02T18:00:00.000Z",
                        lastFailure: "backup folder /mnt/backup does not exist (is the disk or USB stick mounted?)",
                        nextDueAt: "2026-12-03T12:00:00.000Z"),
                    backups: [entry])))
        try check(
            "backupNotConfigured", Reply(id: .number(42), result: BackupListResult(status: BackupStatus(configured: false), backups: [])))
    }

    @Test func protocolDocumentCoversTheVocabulary() throws {
        let doc = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Sources/StationProtocol/Protocol.md"),
            encoding: .utf8)
        for method in Method.allCases { #expect(doc.contains("### `\(method.rawValue)`"), "\(method.rawValue) undocumented") }
        for code in ErrorCode.known { #expect(doc.contains("| `\(code.rawValue)` |"), "\(code.rawValue) undocumented") }
        for event in EventName.all { #expect(doc.contains("| `\(event)` |"), "event \(event) undocumented") }
    }

    @Test func requestIDsRoundTripAsNumbersOrStrings() throws {
        for raw in [#"{"id":7,"method":"m"}"#, #"{"id":"a-7","method":"m"}"#, #"{"method":"m"}"#] {
            let head = try JSONDecoder().decode(RequestHead.self, from: Data(raw.utf8))
            #expect(head.method == "m")
            let echoed = String(
                decoding: try JSONEncoder().encode(ErrorReply(id: head.id, error: WireError(.internal, "x"))), as: UTF8.self)
            if raw.contains("\"id\":7") { #expect(echoed.contains("\"id\":7")) }
            if raw.contains("a-7") { #expect(echoed.contains("\"id\":\"a-7\"")) }
        }
    }
}
