import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// `parcelctl report …` against a real daemon: every report in every format, and never a phone number.
@Suite(.serialized, .waitsOnProcesses) struct ReportCommandTests {
    static let config = """
        {"station": {"id": "cun-01", "name": "李家村服务站"}, "storeFullPhone": true, "holdHours": 48,
         "handoffs": {"parties": [{"id": "zto-wang", "name": "王师傅", "company": "ZTO", "pin": "4826"}]},
         "reports": {"timeZone": "Asia/Shanghai", "commissionFen": {"ZTO": 40, "default": 30}}}
        """
    /// The full numbers the data set is created with (the station keeps them: `storeFullPhone`).
    static let phones = ["13812345678", "13900001111", "15000003333", "13700002222"]

    /// Three parcels (one picked up), a produce parcel sent, a handoff closed with a missing parcel, a complaint.
    func populate(_ daemon: DaemonProcess) throws {
        let client = try daemon.connect(client: "report-test")
        for (tracking, phone) in [
            ("SF1234567890123", Self.phones[0]), ("75123456789012", Self.phones[1]), ("YT1234567890123", Self.phones[2]),
        ] {
            _ = try client.call(Method.intake.rawValue, IntakeParams(tracking: tracking, phone: phone), as: ParcelResult.self)
        }
        _ = try client.call(
            Method.confirmPickup.rawValue, ConfirmParams(trackings: ["SF1234567890123"], phone: Self.phones[0], staff: "王芳"),
            as: ConfirmResult.self)
        _ = try client.call(
            Method.acceptOutgoing.rawValue,
            OutgoingParams(
                waybill: "75100000000901", courier: "ZTO", destination: "云南昆明", weightGrams: 1200, feeFen: 1250, produce: true,
                senderPhone: Self.phones[3], idChecked: true), as: OutgoingDTO.self)
        let opened = try client.call(
            Method.openHandoff.rawValue, HandoffOpenParams(direction: "inbound", kind: "delivery", party: "zto-wang", node: "xiang-05"),
            as: HandoffResult.self)
        _ = try client.call(
            Method.importManifest.rawValue,
            HandoffImportParams(handoff: opened.handoff.id, format: "csv", content: "tracking\n75100000000021\n75100000000022\n"),
            as: HandoffResult.self)
        _ = try client.call(
            Method.scanHandoff.rawValue, HandoffScanParams(handoff: opened.handoff.id, text: "75100000000021"), as: HandoffScanResult.self)
        _ = try client.call(
            Method.closeHandoff.rawValue, HandoffCloseParams(handoff: opened.handoff.id, pin: "4826"), as: HandoffResult.self)
        _ = try client.call(
            Method.recordComplaint.rawValue, ComplaintParams(tracking: "YT1234567890123", text: "取件码短信没收到，电话 13900001111 打不通"),
            as: ComplaintDTO.self)
    }

    @Test func dailyCSVAndBacklogHTMLFromARealDaemon() throws {
        let daemon = try DaemonProcess(config: Self.config)
        try populate(daemon)

        // The day the daemon calls today, so the CSV below reports the same day as the JSON.
        let json = try daemon.parcelctl(["report", "daily", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let daily = try JSONDecoder().decode(Reply<StationReportResult>.self, from: Data(json.stdout.utf8)).result
        #expect(daily.period.kind == "day")
        #expect(daily.period.timeZone == "Asia/Shanghai")
        #expect(daily.station.name == "李家村服务站")

        let directory = try TemporaryDirectory(prefix: "parcel-report-files")
        let csvPath = directory.file("日报.csv")
        let csv = try daemon.parcelctl(["report", "daily", "--csv", "--date", daily.period.label, "-o", csvPath])
        #expect(csv.status == 0, "\(csv.stderr)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: csvPath)))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.first == "快递服务日报")
        #expect(lines.contains("统计期间,\(daily.period.label)（Asia/Shanghai）"))
        #expect(lines.contains("入库（件）,\(daily.totals.received)"))
        #expect(lines.contains("出库取件（件）,\(daily.totals.pickedUp)"))
        #expect(lines.contains("农产品上行服务费,\(yuan(daily.totals.produceFeesFen))"))
        #expect(lines.contains("代收佣金,\(yuan(daily.totals.commissionFen))"))
        #expect(lines.contains { $0.hasPrefix("合计,15,") })
        // Everything happened just now, on this day (unless the test ran across midnight in Shanghai).
        if daily.totals.received == 4 {
            #expect(daily.totals.pickedUp == 1)
            #expect(daily.totals.produce == 1)
            #expect(daily.totals.produceFeesFen == 1250)
            #expect(daily.totals.commissionFen == 30)
            #expect(daily.discrepancies.missing == 1)
            #expect(daily.totals.complaints == 1)
            #expect(daily.assessment.ledgerPoints == 0)  // its one handoff still has an open discrepancy
            #expect(daily.assessment.points == 9)
            #expect(lines.contains("短少（件）,1"))
        }

        let htmlPath = directory.file("backlog.html")
        let html = try daemon.parcelctl(["report", "backlog", "--html", "-o", htmlPath])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stderr.contains("report written to"))
        let page = try String(contentsOfFile: htmlPath, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
        #expect(page.contains("<meta charset=\"utf-8\">"))
        #expect(page.contains("<h1>滞留包裹报告</h1>"))
        #expect(page.contains("李家村服务站（cun-01）"))
        #expect(page.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(page.components(separatedBy: "<rect ").count == 6)  // one bar per age bucket
        #expect(page.contains("已决定退回，待快递公司取回（件）"))
        #expect(page.contains("YT1234567890123"))
        #expect(page.hasSuffix("</html>\n"))

        // The old command is the same report.
        let alias = try daemon.parcelctl(["backlog", "--html"])
        #expect(alias.status == 0, "\(alias.stderr)")
        #expect(alias.stdout.hasPrefix("<!DOCTYPE html>"))
        let table = try daemon.parcelctl(["backlog"])
        #expect(table.stdout.contains("【滞留时长分布】"))
        #expect(daemon.terminate() == 0)
    }

    @Test func noReportInAnyFormatCarriesAPhoneNumber() throws {
        let daemon = try DaemonProcess(config: Self.config)
        try populate(daemon)
        let today = try JSONDecoder().decode(
            Reply<StationReportResult>.self, from: Data(try daemon.parcelctl(["report", "daily", "--json"]).stdout.utf8)
        ).result.period.label
        var outputs: [String: String] = [:]
        for report in [["daily"], ["monthly"], ["backlog"], ["ledger", "--from", "2020-01-01"]] {
            for format in [[], ["--csv"], ["--html"], ["--json"]] {
                let result = try daemon.parcelctl(["report"] + report + format)
                #expect(result.status == 0, "\(report) \(format): \(result.stderr)")
                outputs["\(report.joined(separator: " ")) \(format.joined())"] = result.stdout
            }
        }
        for (name, output) in outputs {
            for phone in Self.phones { #expect(!output.contains(phone), "\(name) shows \(phone)") }
            #expect(!output.isEmpty, "\(name)")
        }
        // The complaint's text holds a phone number the staff typed; the reports count complaints, never quote them.
        #expect(outputs["daily "]?.contains("投诉（件）") == true)
        // What each report is.
        #expect(outputs["monthly --html"]?.contains("<h1>快递服务月报</h1>") == true)
        #expect(outputs["monthly "]?.contains("【每日明细】") == true)
        #expect(outputs["daily --html"]?.contains("考核：快递代办服务（满分 15 分）") == true)
        let ledger = try JSONDecoder().decode(Reply<HandoffLedgerResult>.self, from: Data(outputs["ledger --from 2020-01-01 --json"]!.utf8))
        #expect(ledger.result.handoffs.count == 1)
        let entry = try #require(ledger.result.handoffs.first)
        #expect(
            entry.lines == HandoffLineCountsDTO(listed: 2, scanned: 1, missing: 1, extra: 0, damaged: 0, misrouted: 0, pending: 0, total: 2)
        )
        #expect(entry.openDiscrepancies == 1)
        let digest = try #require(entry.handoff.receiptDigest)
        // The CSV keeps the receipt's full digest; the page and the table show its first 16 digits.
        #expect(outputs["ledger --from 2020-01-01 --csv"]?.contains(digest) == true)
        #expect(outputs["ledger --from 2020-01-01 --html"]?.contains(String(digest.prefix(16))) == true)
        #expect(outputs["ledger --from 2020-01-01 --html"]?.contains(digest) == false)
        #expect(outputs["ledger --from 2020-01-01 "]?.contains("王师傅（zto-wang）") == true)

        // Bad dates are the daemon's refusal, with its code.
        let bad = try daemon.parcelctl(["report", "daily", "--date", "2026-02-30"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("request.invalidParams"))
        let both = try daemon.parcelctl(["report", "daily", "--csv", "--html"])
        #expect(both.status == 64)
        // Global options may come first, also before a nested subcommand.
        let leading = try runCommand(
            BuiltProducts.parcelctl, ["--socket", daemon.socketPath, "--json", "report", "ledger", "--from", "2020-01-01"])
        #expect(leading.status == 0, "\(leading.stderr)")
        #expect((try? JSONDecoder().decode(Reply<HandoffLedgerResult>.self, from: Data(leading.stdout.utf8)))?.result.handoffs.count == 1)
        #expect(!today.isEmpty)
        #expect(daemon.terminate() == 0)
    }

    func yuan(_ fen: Int) -> String { "\(fen / 100).\(fen % 100 < 10 ? "0" : "")\(fen % 100)" }
}
