import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing
import WebDriver

/// 交接 through the console: a GB18030 manifest uploaded from the browser, the reconciliation filling in live as the
/// counter's handoff scanner ticks lines, the courier closing it with a PIN, the printable receipt with its QR code,
/// and files that are not manifests refused without importing anything.
@Suite(.serialized)
struct HandoffPageTests {
    static let daemonConfig = """
        {"station": {"id": "441581-lijiacun", "name": "李家村服务站"},
         "handoffs": {"parties": [{"id": "zto-wang", "name": "王师傅", "company": "ZTO", "badge": "BADGE-ZTO-0042", "pin": "4826"}]},
         "scanners": {"assignments": [{"match": "socket:handoff-desk", "role": "handoff", "counter": "1"}]}}
        """
    static let onManifest = ["75100000000001", "75100000000002", "75100000000003"]

    /// The manifest as a Chinese Windows saves "CSV": GB18030, with 李家村 in the destination column.
    static func gb18030Manifest() -> Data {
        var bytes = Array("tracking,courier,destination\n".utf8)
        for tracking in onManifest { bytes += Array("\(tracking),ZTO,".utf8) + [0xC0, 0xEE, 0xBC, 0xD2, 0xB4, 0xE5, 0x0A] }
        return Data(bytes)
    }

    @Test func aGB18030ManifestReconciledLiveAndClosedByTheCouriersPIN() async throws {
        try await ConsoleFixture(daemonConfig: Self.daemonConfig, consoleExtra: ["maxUploadBytes": "2048"]).run { fixture in
            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/handoffs"))
            try await fixture.browser.click(try await fixture.browser.find("form[action='/handoffs'] button.primary"))
            try await fixture.browser.wait("the new handoff's page") { try await fixture.browser.currentURL().contains("/handoffs/") }
            let handoff = try #require(try await fixture.browser.currentURL().split(separator: "/").last.map(String.init))
            try await fixture.browser.wait("the live stream") {
                try await fixture.browser.execute("return document.body.dataset.live;") as? String == "up"
            }

            // Not manifests: each refused in words, nothing imported.
            let files = try TemporaryDirectory(prefix: "manifests")
            let refusals: [(String, Data, String)] = [
                ("scan.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00]), "不是文本文件"),
                ("latin1.csv", Data("tracking\n751000000000\u{0}".utf8).prefix(10) + Data([0x80, 0x0A]), "编码无法识别"),
                ("huge.csv", Data(repeating: UInt8(ascii: "7"), count: 4096), "超过"),
            ]
            for (name, data, words) in refusals {
                try data.write(to: URL(fileURLWithPath: files.file(name)))
                try await upload(files.file(name), fixture)
                try await fixture.waitForText("#manifest-result", words)
            }
            let connection = try fixture.connect()
            #expect(try connection.call(Method.getHandoff, HandoffRefParams(handoff: handoff)).lines.isEmpty)

            try Self.gb18030Manifest().write(to: URL(fileURLWithPath: files.file("交接单.csv")))
            try await upload(files.file("交接单.csv"), fixture)
            try await fixture.waitForText("#manifest-result", "已导入清单：3 件（GB18030）")
            try await fixture.waitForText("#tile-expected b", "3")
            #expect(try connection.call(Method.getHandoff, HandoffRefParams(handoff: handoff)).lines.allSatisfy { $0.destination == "李家村" })

            // The counter's handoff scanner ticks two lines and finds one the manifest does not list.
            let desk = try fixture.connect()
            for text in [Self.onManifest[0], Self.onManifest[1], "75100000000099"] {
                _ = try desk.call(Method.submitScan, SubmitScanParams(text: text, scanner: "socket:handoff-desk"))
            }
            try await fixture.waitForText("#tile-extra b", "1")
            try await fixture.waitForText("#tile-missing b", "1")
            try await fixture.screenshot("handoff")

            try await fixture.browser.type("4826", into: try await fixture.browser.find("input[name=pin]"))
            try await fixture.browser.click(try await fixture.browser.find("form.close button.primary"))
            try await fixture.browser.wait("the receipt") { try await fixture.browser.currentURL().hasSuffix("/receipt") }
            let closed = try connection.call(Method.getHandoff, HandoffRefParams(handoff: handoff))
            #expect(closed.handoff.state == "closed")
            #expect(closed.handoff.confirmedBy == "pin")
            let digest = try #require(closed.receipt?.digest)
            #expect(try await fixture.text(".digest") == digest)
            #expect(try await fixture.browser.findAll("svg.qr").count == 1)
            #expect(try await fixture.text("main").contains("短少 1"))
            try await fixture.screenshot("handoff-receipt")
        }
    }

    @Test func aWrongPINLeavesTheHandoffOpenAndSaysSo() async throws {
        try await ConsoleFixture(daemonConfig: Self.daemonConfig).run { fixture in
            let opened = try fixture.connect().call(
                Method.openHandoff, HandoffOpenParams(direction: "inbound", kind: "delivery", party: "zto-wang", counter: "1"))
            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/handoffs/\(opened.handoff.id)"))
            try await fixture.browser.type("1111", into: try await fixture.browser.find("input[name=pin]"))
            try await fixture.browser.click(try await fixture.browser.find("form.close button.primary"))
            try await fixture.waitForText(".notice.refused", "没有结束交接")
            #expect(try fixture.connect().call(Method.getHandoff, HandoffRefParams(handoff: opened.handoff.id)).handoff.state == "open")
        }
    }

    /// Chooses a file in the manifest form (WebDriver types its path into the file input) and submits it.
    private func upload(_ path: String, _ fixture: ConsoleFixture) async throws {
        try await fixture.browser.execute("document.getElementById('manifest-result').textContent = '';")
        let input = try await fixture.browser.find("#manifest")
        try await fixture.browser.execute("arguments[0].value = '';", [["element-6066-11e4-a52f-4a6d7c4cf6a0": input.id]])
        try await fixture.browser.type(path, into: input)
        try await fixture.browser.click(try await fixture.browser.find("#manifestform button.primary"))
    }
}
