import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing
import WebDriver

/// The back-office pages (报表, 扫描枪, 盘点, 寄件, 投诉) as staff use them: a real daemon, a real `parcel-station-web`
/// and a real Chromium; what the pages write is checked on the daemon's socket, what the socket does on the page.
@Suite(.serialized)
struct ConsolePagesTests {
    @Test func theDailyReportShowsItsChartAndDownloadsAsCSV() async throws {
        try await ConsoleFixture().run { fixture in
            let connection = try fixture.connect()
            for tracking in ["SF1000000000011", "JT0000000000022", "YT7400000000033"] {
                _ = try connection.call(Method.intake, IntakeParams(tracking: tracking, phoneTail: "5678"))
            }
            _ = try connection.call(Method.confirmPickup, ConfirmParams(trackings: ["SF1000000000011"], phoneTail: "5678"))
            let daily = try connection.call(Method.dailyReport, DailyReportParams())

            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/reports?kind=daily&date=\(daily.period.label)"))
            try await fixture.waitForText(".report h1", "快递服务日报")
            // The chart is drawn: inline SVG with a bar per courier, laid out (a CSP-blocked style would not stop
            // presentation attributes, but an unrendered SVG would have no size).
            let bars = try await fixture.browser.findAll(".report svg rect")
            #expect(bars.count == daily.byCourier.count)
            let width = try await fixture.browser.execute("return document.querySelector('.report svg').getBoundingClientRect().width;")
            #expect(((width as? Double) ?? Double((width as? Int) ?? 0)) > 300)
            #expect(try await fixture.text(".report").contains("入库（件）"))
            try await fixture.screenshot("reports")
            try await fixture.browser.execute("document.querySelector('.report svg').scrollIntoView({ block: 'center' });")
            try await fixture.screenshot("reports-chart")

            // The download link the page offers, fetched with the page's own session: the CSV parcelctl writes.
            let href = try #require(
                try await fixture.browser.attribute("href", of: try await fixture.browser.find("a[href*='format=csv']")))
            let csv =
                try await fixture.browser.execute(
                    """
                    return (async () => {
                      const response = await fetch(arguments[0], { credentials: "same-origin" });
                      const bytes = new Uint8Array(await response.arrayBuffer());
                      return { status: response.status, type: response.headers.get("content-type"),
                        disposition: response.headers.get("content-disposition"), bom: Array.from(bytes.slice(0, 3)).join(","),
                        text: new TextDecoder().decode(bytes.slice(3)) };
                    })();
                    """, [href]) as? [String: Any]
            #expect(csv?["status"] as? Int == 200)
            #expect((csv?["type"] as? String)?.hasPrefix("text/csv") == true)
            #expect((csv?["disposition"] as? String) == "attachment; filename=\"daily-\(daily.period.label).csv\"")
            #expect(csv?["bom"] as? String == "239,187,191")
            let lines = (csv?["text"] as? String ?? "").components(separatedBy: "\r\n")
            #expect(lines.first == "快递服务日报")
            #expect(lines.contains("入库（件）,\(daily.totals.received)"))
            #expect(lines.contains("出库取件（件）,\(daily.totals.pickedUp)"))
            #expect(lines.contains { $0.hasPrefix("快递公司,入库,取件") })

            // The other reports draw too; a bad period is said in words.
            for kind in ["monthly", "backlog", "ledger"] {
                try await fixture.browser.navigate(fixture.url("/reports?kind=\(kind)"))
                try await fixture.browser.wait("the \(kind) report") { try await fixture.browser.findAll(".report h1").count == 1 }
            }
            try await fixture.screenshot("reports-monthly-ledger")
            try await fixture.browser.navigate(fixture.url("/reports?kind=daily&date=2026-13-45"))
            try await fixture.waitForText(".notice.refused", "报表无法生成")
        }
    }

    @Test func anOutgoingParcelAcceptedOnThePageIsListedByTheDaemon() async throws {
        try await ConsoleFixture().run { fixture in
            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/outgoing"))
            let browser = fixture.browser
            try await browser.type("SF1234500000018", into: try await browser.find("input[name=waybill]"))
            try await browser.execute("document.querySelector('select[name=courier]').value = 'SF';")
            try await browser.type("浙江省杭州市", into: try await browser.find("input[name=destination]"))
            try await browser.type("2.5", into: try await browser.find("input[name=weight]"))
            try await browser.type("12.5", into: try await browser.find("input[name=fee]"))
            try await browser.type("4321", into: try await browser.find("input[name=tail]"))
            try await browser.click(try await browser.find("input[name=produce]"))
            try await browser.click(try await browser.find("input[name=idChecked]"))
            try await browser.click(try await browser.find("form.grid-form button[type=submit]"))
            try await fixture.waitForText(".notice.ok", "已受理寄件 SF1234500000018")

            let listed = try fixture.connect().call(Method.listOutgoing, ListParams())
            let parcel = try #require(listed.outgoing.first { $0.waybill == "SF1234500000018" })
            #expect(parcel.feeFen == 1250)
            #expect(parcel.weightGrams == 2500)
            #expect(parcel.produce && parcel.idChecked)
            #expect(parcel.senderTail == "4321")
            #expect(parcel.acceptedBy.contains(ConsoleFixture.staffName))
            #expect(try await fixture.text("table.outgoing").contains("12.50 元"))
            try await fixture.screenshot("outgoing")

            // A fee that is not an amount is refused in words, and nothing is accepted.
            try await browser.type("SF1234500000026", into: try await browser.find("input[name=waybill]"))
            try await browser.execute("document.querySelector('select[name=courier]').value = 'SF';")
            try await browser.type("北京市", into: try await browser.find("input[name=destination]"))
            try await browser.type("1", into: try await browser.find("input[name=weight]"))
            try await browser.type("十块", into: try await browser.find("input[name=fee]"))
            try await browser.click(try await browser.find("form.grid-form button[type=submit]"))
            try await fixture.waitForText(".notice.refused", "运费请填元")
            #expect(try fixture.connect().call(Method.listOutgoing, ListParams()).outgoing.count == 1)
        }
    }

    @Test func aComplaintIsRecordedAndResolved() async throws {
        try await ConsoleFixture().run { fixture in
            let connection = try fixture.connect()
            _ = try connection.call(Method.intake, IntakeParams(tracking: "SF1000000000011", phoneTail: "5678"))
            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/complaints"))
            let browser = fixture.browser
            try await browser.type("SF1000000000011", into: try await browser.find("input[name=about]"))
            try await browser.type("包裹外箱破损，顾客要求说明", into: try await browser.find("textarea[name=text]"))
            try await browser.click(try await browser.find("form.grid-form button[type=submit]"))
            try await fixture.waitForText(".notice.ok", "已登记投诉")
            let recorded = try #require(try connection.call(Method.complaints, ListParams(open: true)).complaints.first)
            #expect(recorded.tracking == "SF1000000000011")
            #expect(recorded.recordedBy.contains(ConsoleFixture.staffName))
            #expect(try await fixture.text("table.complaints").contains("包裹外箱破损"))
            try await fixture.browser.execute("document.querySelector('table.complaints').scrollIntoView({ block: 'center' });")
            try await fixture.screenshot("complaints")

            try await browser.type("已联系快递公司赔付", into: try await browser.find("#complaint-\(recorded.id) input[name=resolution]"))
            try await browser.click(try await browser.find("#complaint-\(recorded.id) button"))
            try await fixture.waitForText(".notice.ok", "已处理")
            let resolved = try connection.call(Method.complaints, ListParams()).complaints.first { $0.id == recorded.id }
            #expect(resolved?.resolution == "已联系快递公司赔付")
            #expect(try connection.call(Method.complaints, ListParams(open: true)).complaints.isEmpty)
            // An unknown parcel is refused in the daemon's words.
            try await browser.type("SF9999999999990", into: try await browser.find("input[name=about]"))
            try await browser.type("没有这个包裹", into: try await browser.find("textarea[name=text]"))
            try await browser.click(try await browser.find("form.grid-form button[type=submit]"))
            try await fixture.waitForText(".notice.refused", "没有登记")
        }
    }

    @Test func aStocktakeFillsInLiveAsTheShelfIsSweptAndClosesWithItsReport() async throws {
        try await ConsoleFixture().run { fixture in
            let connection = try fixture.connect()
            for tracking in ["SF1000000000011", "JT0000000000022"] {
                _ = try connection.call(Method.intake, IntakeParams(tracking: tracking, phoneTail: "5678"))
            }
            // A scanner at counter 1 switched to stocktake by its command barcode, as staff would.
            _ = try connection.call(Method.submitScan, SubmitScanParams(text: "PSCMD:STOCKTAKE", scanner: "shelf-gun"))

            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/stocktake"))
            try await fixture.browser.click(try await fixture.browser.find("form[action='/stocktake/start'] button"))
            try await fixture.browser.wait("the sweep page") { try await fixture.browser.findAll("#sweep").count == 1 }
            try await fixture.browser.wait("the live event stream") {
                try await fixture.browser.execute("return document.body.dataset.live;") as? String == "up"
            }
            #expect(try await fixture.text("#scanned") == "0")

            let outcome = try connection.call(Method.submitScan, SubmitScanParams(text: "SF1000000000011", scanner: "shelf-gun"))
            #expect(outcome.stocktakeResult == "found")
            try await fixture.waitForText("#scanned", "1")
            #expect(try await fixture.text("[data-count=found] b") == "1")
            try await fixture.screenshot("stocktake")

            // A number typed in the box, one the station does not hold.
            try await fixture.browser.type("YT7400000000033\n", into: try await fixture.browser.find("input[name=text]"))
            try await fixture.waitForText(".notice", "不在账上")
            try await fixture.browser.click(try await fixture.browser.find("form[action$='/close'] button"))
            try await fixture.waitForText("h1", "已结束")
            #expect(try await fixture.text("[data-count=found] b") == "1")
            #expect(try await fixture.text("[data-count=missing] b") == "1")
            #expect(try await fixture.text("[data-count=unknown] b") == "1")
            #expect(try await fixture.text("table.missing").contains("JT0000000000022"))
            try await fixture.screenshot("stocktake-report")
        }
    }

    @Test func onlyTheStationHeadChangesAScannersRole() async throws {
        try await ConsoleFixture().run { fixture in
            let connection = try fixture.connect()
            _ = try connection.call(Method.submitScan, SubmitScanParams(text: "SF1000000000011", scanner: "desk-gun"))

            try await fixture.signIn(name: "李强", pin: "1357")
            try await fixture.browser.navigate(fixture.url("/scanners"))
            try await fixture.waitForText("table.scanners", "desk-gun")
            #expect(try await fixture.browser.findAll("select[name=role]").isEmpty, "no role form for a non-head")
            // Posted anyway, with the page's own token: refused in words.
            let refused =
                try await fixture.browser.execute(
                    """
                    return (async () => {
                      const token = document.querySelector('meta[name="csrf"]').content;
                      const response = await fetch("/scanners/role", { method: "POST", credentials: "same-origin",
                        body: new URLSearchParams({ csrf: token, scanner: "desk-gun", role: "pickup" }) });
                      return { status: response.status, text: await response.text() };
                    })();
                    """) as? [String: Any]
            #expect(refused?["status"] as? Int == 403)
            #expect((refused?["text"] as? String)?.contains("只有站长可以更改扫描枪的用途") == true)
            #expect(try connection.call(Method.scanners, NoParams()).scanners.first { $0.id == "desk-gun" }?.role != "pickup")

            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/scanners"))
            try await fixture.browser.execute("document.querySelector('select[aria-label=\"desk-gun 的用途\"]').value = 'pickup';")
            try await fixture.browser.click(try await fixture.browser.find("form[action='/scanners/role'] button"))
            try await fixture.waitForText(".notice.ok", "已更改扫描枪 desk-gun 的用途")
            #expect(try connection.call(Method.scanners, NoParams()).scanners.first { $0.id == "desk-gun" }?.role == "pickup")
            #expect(try await fixture.text("table.scanners").contains("取件"))
            try await fixture.screenshot("scanners")

            try await fixture.browser.navigate(fixture.url("/scanners/commands"))
            #expect(try await fixture.browser.findAll("section.command svg").count == 5)
            try await fixture.screenshot("scanner-commands")
        }
    }
}
