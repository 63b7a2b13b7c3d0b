import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing
import WebDriver

/// The console as staff use it: a real daemon, a real `parcel-station-web` and a real Chromium. Serialized: each
/// test starts its own browser, and two at once on a two-core station PC would only measure each other.
@Suite(.serialized)
struct ConsoleBrowserTests {
    @Test func aScanThroughTheSocketShowsItsPickupCodeOnTheIntakePage() async throws {
        try await ConsoleFixture().run { fixture in
            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/intake"))
            try await waitUntilLive(fixture)
            // Nothing to undo before the first intake: the button is not on screen.
            #expect(
                try await fixture.browser.execute("return getComputedStyle(document.getElementById('undo')).display;") as? String == "none")

            let connection = try fixture.connect()
            let outcome = try connection.call(Method.submitScan, SubmitScanParams(text: "SF1234567890123"))
            let code = try #require(outcome.parcel?.pickupCode)
            try await fixture.waitForText("#code", code)
            #expect(try await fixture.text("#result") == "新入库")
            #expect(try await fixture.text("#today") == "1")
            try await fixture.screenshot("intake")

            // A scan the daemon refuses shows its reason in words, not a code.
            _ = try connection.call(Method.submitScan, SubmitScanParams(text: "PSCMD:NOSUCH"))
            try await fixture.browser.wait("a refused scan") { try await fixture.text("#result") != "新入库" }
            #expect(try await fixture.text("#code") != code)
            #expect(
                try await fixture.browser.execute("return document.getElementById('outcome').className;") as? String == "outcome refused")
        }
    }

    @Test func aTypedNumberIsTakenInUnderTheStaffsNameAndCanBeUndone() async throws {
        try await ConsoleFixture().run { fixture in
            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/intake"))
            try await waitUntilLive(fixture)

            try await fixture.browser.type("YT7400000000001\n", into: try await fixture.browser.find("#entry"))
            try await fixture.browser.wait("the typed parcel's code") { try await fixture.text("#code").contains("-") }
            let connection = try fixture.connect()
            let parcel = try connection.call(Method.get, GetParams(tracking: "YT7400000000001"))
            #expect(try await fixture.text("#code") == parcel.parcel.pickupCode)
            #expect(
                parcel.events.contains {
                    $0.actor.contains(ConsoleFixture.staffName) || $0.details.values.contains(ConsoleFixture.staffName)
                })

            try await fixture.browser.click(try await fixture.browser.find("#undo"))
            try await fixture.waitForText("#result", "已撤销入库")
            let after = try connection.call(Method.get, GetParams(tracking: "YT7400000000001"))
            #expect(after.parcel.pickupCode == nil || after.parcel.state != "shelved")
        }
    }

    @Test func pickupByPhoneTailHandsOutTwoParcels() async throws {
        try await ConsoleFixture().run { fixture in
            let connection = try fixture.connect()
            for tracking in ["SF1000000000011", "JT0000000000022"] {
                _ = try connection.call(Method.intake, IntakeParams(tracking: tracking, phoneTail: "5678"))
            }
            _ = try connection.call(Method.intake, IntakeParams(tracking: "YT7400000000033", phoneTail: "1111"))

            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/pickup"))
            try await fixture.browser.type("5678\n", into: try await fixture.browser.find("input[name=q]"))
            try await fixture.browser.wait("two waiting parcels") { try await fixture.browser.findAll(".parcels tbody tr").count == 2 }
            try await fixture.screenshot("pickup")
            // Four digits, Enter, Enter: the second Enter in the same box hands the listed parcels out.
            try await fixture.browser.type("\n", into: try await fixture.browser.find("input[name=q]"))
            try await fixture.waitForText(".notice.ok", "已出库 2 件")

            for tracking in ["SF1000000000011", "JT0000000000022"] {
                #expect(try connection.call(Method.get, GetParams(tracking: tracking)).parcel.state == "pickedUp")
            }
            #expect(try connection.call(Method.get, GetParams(tracking: "YT7400000000033")).parcel.state != "pickedUp")

            // One parcel's page: its state, history and notices; the status page: the ledger's disk.
            try await fixture.browser.navigate(fixture.url("/parcel?t=SF1000000000011"))
            #expect(try await fixture.text("main").contains("已取件"))
            #expect(try await fixture.text("main").contains("取件通知"))
            try await fixture.browser.navigate(fixture.url("/status"))
            try await fixture.waitForText("#live", "可用")
        }
    }

    @Test func aForgedWriteIsRefusedAndChangesNothing() async throws {
        try await ConsoleFixture().run { fixture in
            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/intake"))
            // Same browser, same session cookie, but no CSRF token: what a page of another site could at most send.
            let status = try await fixture.browser.execute(
                """
                const xhr = new XMLHttpRequest(); xhr.open("POST", "/intake", false);
                xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded"); xhr.setRequestHeader("Accept", "application/json");
                xhr.send("text=SF1999999999999"); return xhr.status;
                """)
            #expect(status as? Int == 403)
            // Without the session cookie at all.
            let outside = try await fixture.http("POST", "/intake", body: "text=SF1999999999999", headers: ["Accept": "application/json"])
            #expect(outside.status == 401)
            let connection = try fixture.connect()
            #expect(throws: WireError.self) { try connection.call(Method.get, GetParams(tracking: "SF1999999999999")) }
        }
    }

    @Test func theSessionLocksAfterIdleAndUnlocksWithThePIN() async throws {
        try await ConsoleFixture(consoleExtra: ["idleLockSeconds": "2"]).run { fixture in
            try await fixture.signIn()
            try await Task.sleep(for: .seconds(3))
            try await fixture.browser.navigate(fixture.url("/pickup"))
            try await fixture.browser.wait("the lock screen") { try await fixture.browser.currentURL().contains("/unlock") }
            try await fixture.browser.type("0000\n", into: try await fixture.browser.find("#pin"))
            try await fixture.waitForText(".notice.refused", "PIN 不对")
            try await fixture.browser.type(ConsoleFixture.pin + "\n", into: try await fixture.browser.find("#pin"))
            try await fixture.browser.wait("back on the pickup page") { try await fixture.browser.currentURL().hasSuffix("/pickup") }
        }
    }

    @Test func theDaemonStoppedAndStartedWhileThePageIsOpen() async throws {
        try await ConsoleFixture().run { fixture in
            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/intake"))
            try await waitUntilLive(fixture)
            try await fixture.browser.execute("window.__sameDocument = true;")

            fixture.daemon.terminate()
            try await fixture.browser.wait("the daemon-down banner") {
                try await fixture.browser.execute("return document.getElementById('banner').className;") as? String == "banner shown"
            }
            #expect(try await fixture.text("#banner").contains("未运行"))
            try await fixture.screenshot("intake-daemon-down")

            let restarted = try fixture.daemon.restarted()
            defer { restarted.terminate() }
            try await fixture.browser.wait("the banner to go", timeout: .seconds(15)) {
                try await fixture.browser.execute("return document.body.dataset.live + ' ' + document.getElementById('banner').className;")
                    as? String
                    == "up banner"
            }
            let outcome = try restarted.connect().call(Method.submitScan, SubmitScanParams(text: "SF2000000000017"))
            try await fixture.waitForText("#code", try #require(outcome.parcel?.pickupCode))
            #expect(
                try await fixture.browser.execute("return window.__sameDocument === true;") as? Bool == true, "recovered without a reload")
        }
    }

    @Test func theCustomerDisplayShowsCodesAndCanChangeNothing() async throws {
        try await ConsoleFixture().run { fixture in
            try await fixture.browser.navigate(fixture.url("/display"))
            try await waitUntilLive(fixture)
            let outcome = try fixture.connect().call(Method.submitScan, SubmitScanParams(text: "SF3000000000012", scanner: nil))
            let code = try #require(outcome.parcel?.pickupCode)
            try await fixture.waitForText("#display-code", code)
            let page = try await fixture.browser.execute("return document.documentElement.outerHTML;") as? String ?? ""
            #expect(!page.contains("SF3000000000012"), "the display shows no tracking number")
            #expect(!page.contains("name=\"csrf\""), "the display holds no write token")
            try await fixture.screenshot("display")

            let write = try await fixture.http("POST", "/display/intake", body: "text=SF3999999999990")
            #expect(write.status == 403)
            let intake = try await fixture.http("POST", "/intake", body: "text=SF3999999999990")
            #expect(intake.status == 401)
            #expect(throws: WireError.self) { try fixture.connect().call(Method.get, GetParams(tracking: "SF3999999999990")) }
        }
    }

    @Test func aSessionCookieFromAnotherStationAsksToSignInAgain() async throws {
        try await ConsoleFixture().run { fixture in
            let reply = try await fixture.http("GET", "/intake", headers: ["Cookie": "ps_session=" + String(repeating: "ab", count: 32)])
            #expect(reply.status == 303)
            try await fixture.browser.navigate(fixture.url("/signin?stale=1"))
            #expect(try await fixture.text(".notice.refused").contains("另一个站点"))
            // Wrong PINs pause sign-in for that name.
            for _ in 0..<5 { _ = try await fixture.http("POST", "/signin", body: "name=%E7%8E%8B%E8%8A%B3&pin=0000") }
            let paused = try await fixture.http("POST", "/signin", body: "name=%E7%8E%8B%E8%8A%B3&pin=\(ConsoleFixture.pin)")
            #expect(paused.status == 401)
            #expect(paused.body.contains("次数太多"))
            // A sign-in form far over the form limit is refused in words, not buffered.
            let huge = try await fixture.http("POST", "/signin", body: "pin=" + String(repeating: "1", count: 200_000))
            #expect(huge.status == 413)
            #expect(huge.body.contains("文件太大"))
        }
    }

    /// The page's event stream is open and the daemon is up.
    private func waitUntilLive(_ fixture: ConsoleFixture) async throws {
        try await fixture.browser.wait("the live event stream") {
            try await fixture.browser.execute("return document.body.dataset.live;") as? String == "up"
        }
    }
}

/// Serving the LAN: a device that is not the PC must pair with a code that only staff at the PC can show.
@Suite(.serialized)
struct ConsolePairingTests {
    /// This machine's first non-loopback IPv4 address: where a counter tablet would reach the console.
    static func lanAddress() throws -> String? {
        let result = try runCommand("/usr/bin/hostname", ["-I"])
        return result.stdout.split(separator: " ").map(String.init).first { $0.contains(".") && !$0.hasPrefix("127.") }
    }

    @Test func aLANDeviceMustPairWithACodeShownOnThePC() async throws {
        let lan = try #require(try Self.lanAddress(), "no LAN address to reach the console from")
        try await ConsoleFixture(consoleExtra: ["allowLAN": "true"], listen: "0.0.0.0:0").run { fixture in
            let unpaired = try await fixture.http("GET", "/intake", host: lan)
            #expect(unpaired.status == 303)
            #expect(unpaired.headers["location"] == "/pair")
            #expect(try await fixture.http("GET", "/display", host: lan).headers["location"] == "/pair", "not even the display")
            // A device on the LAN cannot ask for a code itself.
            #expect(try await fixture.http("POST", "/pair/new", body: "csrf=x", host: lan).status == 403)

            try await fixture.signIn()
            try await fixture.browser.navigate(fixture.url("/status"))
            try await fixture.browser.click(try await fixture.browser.find("form[action='/pair/new'] button"))
            try await fixture.browser.wait("the pairing code") { try await fixture.text(".outcome .code").count == 6 }
            let code = try await fixture.text(".outcome .code")
            let wrong = String(code.reversed()) == code ? "000000" : String(code.reversed())
            #expect(try await fixture.http("POST", "/pair", body: "code=\(wrong)", host: lan).status == 401)
            let paired = try await fixture.http("POST", "/pair", body: "code=\(code)", host: lan)
            #expect(paired.status == 303)
            let cookie = try #require(paired.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
            #expect(cookie.hasPrefix("ps_device="))
            #expect(try await fixture.http("GET", "/signin", headers: ["Cookie": cookie], host: lan).status == 200)
            // The code is spent.
            #expect(try await fixture.http("POST", "/pair", body: "code=\(code)", host: lan).status == 401)
        }
    }
}

/// Stopping the console (systemd's SIGTERM) while pages hold their event streams open.
struct ConsoleShutdownTests {
    @Test func sigtermStopsTheConsoleWhileAPageStreamsEvents() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.terminate() }
        let console = try ConsoleProcess(
            socketPath: daemon.socketPath, folder: daemon.directory.path, staff: [.init(name: "王芳", pin: "2468")])
        // The customer display's stream needs no sign-in: open it and leave it open, as a screen on the wall does.
        let stream = Process()
        stream.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        stream.arguments = ["-s", "-N", "-o", "/dev/null", console.baseURL + "/display/events"]
        try stream.run()
        defer { if stream.isRunning { stream.terminate() } }
        try await Task.sleep(for: .milliseconds(500))
        #expect(stream.isRunning, "the stream is open")
        let started = ContinuousClock.now
        kill(console.process.processIdentifier, SIGTERM)
        while console.process.isRunning, ContinuousClock.now - started < .seconds(8) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!console.process.isRunning, "still running 8 s after SIGTERM with a page's stream open")
        #expect(console.process.isRunning || console.process.terminationStatus == 0)
    }
}
