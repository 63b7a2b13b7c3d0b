import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing
import WebDriver

/// What issue 17 put on the console, as staff use it in a real Chromium: a scan refused as no waybill says why and
/// can be taken in anyway, and a stocktake's missing parcels become problem parcels that are resolved on their page.
@Suite(.serialized)
struct ProblemAndRefusalPageTests {
    static let daemonConfig = #"{"shelves": [{"id": 1, "layers": 2, "layerCapacity": 40}]}"#

    private func waitUntilLive(_ fixture: ConsoleFixture) async throws {
        try await fixture.browser.wait("the live event stream") {
            try await fixture.browser.execute("return document.body.dataset.live;") as? String == "up"
        }
    }

    private func visible(_ fixture: ConsoleFixture, _ id: String) async throws -> Bool {
        try await fixture.browser.execute("return getComputedStyle(document.getElementById('\(id)')).display !== 'none';") as? Bool == true
    }

    @Test func aRefusedScanSaysWhyAndStaffCanTakeItInAnyway() async throws {
        try await ConsoleFixture(daemonConfig: Self.daemonConfig).run { fixture in
            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/intake"))
            try await waitUntilLive(fixture)
            #expect(try await visible(fixture, "forceform") == false)

            // From a scanner: a product's barcode, refused with its reason; the override is offered.
            let connection = try fixture.connect()
            _ = try connection.call(Method.submitScan, SubmitScanParams(text: "6901234567892"))
            try await fixture.waitForText("#message", "这是商品条码，不是快递单号：请扫描面单上的运单条码")
            #expect(try await fixture.text("#code") == "✕")
            #expect(try await visible(fixture, "forceform"))
            try await fixture.screenshot("intake-refused")
            try await fixture.browser.click(try await fixture.browser.find("#forceform button"))
            try await fixture.browser.wait("the forced intake") { try await fixture.text("#code").contains("-") }
            #expect(try await fixture.text("#message").hasPrefix("已强制入库"))
            #expect(try await visible(fixture, "forceform") == false)
            let forced = try connection.call(Method.get, GetParams(tracking: "6901234567892"))
            #expect(forced.events.first?.details["forced"] == "EAN-13, China (690–699)")
            #expect(forced.events.first?.actor.contains(ConsoleFixture.staffName) == true)

            // The parcel's history says it was forced, and by which rule.
            try await fixture.browser.navigate(fixture.url("/parcel?t=6901234567892"))
            #expect(try await fixture.text("main").contains("强制入库：EAN-13, China (690–699)"))
            try await fixture.browser.navigate(fixture.url("/intake"))
            try await waitUntilLive(fixture)

            // Typed: a command sheet is refused and never offered to force.
            try await fixture.browser.type("PSCMD:PICKUP\n", into: try await fixture.browser.find("#entry"))
            try await fixture.waitForText("#result", "未入库")
            #expect(try await fixture.text("#message").contains("命令条码"))
            #expect(try await visible(fixture, "forceform") == false)
        }
    }

    @Test func aStocktakesMissingParcelsBecomeProblemsResolvedOnTheirPage() async throws {
        try await ConsoleFixture(daemonConfig: Self.daemonConfig).run { fixture in
            let connection = try fixture.connect()
            for tracking in ["SF1234567890111", "SF1234567890112", "SF1234567890113"] {
                _ = try connection.call(Method.intake, IntakeParams(tracking: tracking))
            }
            let stocktake = try connection.call(Method.startStocktake, StocktakeStartParams(shelf: 1))
            _ = try connection.call(Method.scanStocktake, StocktakeScanParams(stocktake: stocktake.id, text: "SF1234567890111"))
            _ = try connection.call(Method.closeStocktake, StocktakeRefParams(stocktake: stocktake.id))

            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/stocktake/\(stocktake.id)"))
            let button = try await fixture.browser.find("form[action='/problems/missing'] button")
            #expect(try await fixture.browser.text(of: button).contains("2 件"))
            try await fixture.browser.click(button)
            try await fixture.browser.wait("the problems page") { try await fixture.browser.currentURL().contains("/problems") }
            #expect(try await fixture.text(".notice").contains("2 件"))
            let rows = try await fixture.browser.findAll("table.problems tbody tr")
            #expect(rows.count == 2)
            try await fixture.screenshot("problems")

            // Found: back on the shelf with its code, off the open list.
            let open = try connection.call(Method.problems, ProblemListParams(open: true)).problems
            let first = try #require(open.first { $0.tracking == "SF1234567890112" })
            try await fixture.browser.click(try await fixture.browser.find("#problem-\(first.id) button"))
            try await fixture.browser.wait("the resolution") { try await fixture.text(".notice").contains("#\(first.id)") }
            #expect(try await fixture.text(".notice").contains("已上架"))
            #expect(try await fixture.browser.findAll("table.problems tbody tr").count == 1)
            let parcel = try connection.call(Method.get, GetParams(tracking: "SF1234567890112")).parcel
            #expect(parcel.state == "shelved")
            #expect(
                try connection.call(Method.problems, ProblemListParams()).problems.first { $0.id == first.id }?.resolvedBy?.contains(
                    ConsoleFixture.staffName) == true)

            // Recorded by hand: a damaged parcel with a photo reference.
            try await fixture.browser.type("SF1234567890111", into: try await fixture.browser.find("input[name=tracking]"))
            try await fixture.browser.execute("document.querySelector('select[name=kind]').value = 'damaged';")
            try await fixture.browser.type("IMG_0042.jpg", into: try await fixture.browser.find("input[name=photo]"))
            try await fixture.browser.click(try await fixture.browser.find("form[action='/problems'] button"))
            try await fixture.browser.wait("the damaged parcel") { try await fixture.text(".notice").contains("破损") }
            #expect(try connection.call(Method.get, GetParams(tracking: "SF1234567890111")).parcel.state == "exception")
        }
    }
}
