import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing
import WebDriver

/// What issue 18 put on the console, as a township's staff use it in a real Chromium: the relay bins (中转) with a
/// parcel pulled back onto the shelf and one of ours sent on to a village.
@Suite(.serialized)
struct RelayPageTests {
    static let daemonConfig = """
        {"station": {"id": "xiang-05", "name": "青山镇服务站"},
         "shelves": [{"id": 1, "layers": 2, "layerCapacity": 40}],
         "chain": {"stations": [
            {"id": "cun-li", "name": "李家村服务站", "tier": "village", "villages": ["李家村"]},
            {"id": "cun-wang", "name": "王家村服务站", "tier": "village", "villages": ["王家村"]}]}}
        """

    @Test func theRelayBinsShowWhatWaitsForEachVillageAndStaffPullBackOrSendOn() async throws {
        try await ConsoleFixture(daemonConfig: Self.daemonConfig).run { fixture in
            try await fixture.signIn()
            let connection = try fixture.connect()
            for (tracking, destination) in [("SF1432768590231", "李家村"), ("JT5000112233452", "李家村"), ("YT7312045567801", "王家村")] {
                let taken = try connection.call(Method.intake, IntakeParams(tracking: tracking, destination: destination))
                #expect(taken.parcel.state == "inTransit")
            }
            _ = try connection.call(Method.intake, IntakeParams(tracking: "75160234981208"))

            try await fixture.browser.navigate(fixture.url("/relay"))
            #expect(try await fixture.text("#bin-cun-li h2").contains("李家村服务站"))
            #expect(try await fixture.text("#bin-cun-li h2").contains("2 件"))
            #expect(try await fixture.text("#bin-cun-wang").contains("YT7312045567801"))
            try await fixture.screenshot("relay-bins")

            // The first parcel of 李家村's bin is for us after all: back on the shelf with a code.
            try await fixture.browser.click(try await fixture.browser.find("#bin-cun-li form button"))
            try await fixture.waitForText("main", "已拉回本站上架，取件码")
            #expect(try connection.call(Method.get, GetParams(tracking: "SF1432768590231")).parcel.state == "shelved")

            // A parcel of ours that belongs to 王家村 (错分): sent on from the form.
            try await fixture.browser.type(
                "75160234981208", into: try await fixture.browser.find("form[action='/relay/send'] input[name=tracking]"))
            try await fixture.browser.type("王家村", into: try await fixture.browser.find("form[action='/relay/send'] input[name=to]"))
            try await fixture.browser.click(try await fixture.browser.find("form[action='/relay/send'] button"))
            try await fixture.waitForText("main", "75160234981208 → 王家村服务站")
            #expect(try await fixture.text("#bin-cun-wang h2").contains("2 件"))
            // A destination nobody serves is refused, saying so.
            try await fixture.browser.type(
                "JT5000112233452", into: try await fixture.browser.find("form[action='/relay/send'] input[name=tracking]"))
            try await fixture.browser.type("北山村", into: try await fixture.browser.find("form[action='/relay/send'] input[name=to]"))
            try await fixture.browser.click(try await fixture.browser.find("form[action='/relay/send'] button"))
            try await fixture.waitForText("main", "没有转出：本站和下级服务站都不服务这个目的地")
            try await fixture.screenshot("relay-after")
        }
    }
}
