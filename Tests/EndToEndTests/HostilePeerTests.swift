import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// Issue 14's socket faults, each reproduced with its exact input against a real daemon: the station must answer
/// with a clear error and keep serving everyone else.
@Suite(.serialized, .waitsOnProcesses) struct HostilePeerTests {
    @Test func deepNestingIsRefusedAndTheDaemonLives() throws {
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        // These lines killed the daemon (SIGILL inside Foundation's JSON error path).
        for line in [
            #"{"method":"Station.Status","id":"# + String(repeating: "[", count: 512),
            String(repeating: "[", count: 513),
            #"{"id":1,"method":"Parcel.Intake","params":{"tracking":"# + String(repeating: "{\"a\":", count: 5000) + "1"
                + String(repeating: "}", count: 5000) + "}}",
        ] {
            #expect(try client.errorCode(forRawLine: line + "\n") == "request.tooDeep")
        }
        // Nesting a request really uses is fine, and the connection is still usable.
        #expect(try client.errorCode(forRawLine: #"{"id":2,"method":"Station.Status","params":{"a":[[[{"b":[1]}]]]}}"# + "\n") == nil)
        #expect(try client.intake("SF1000000000101").parcel.state == "shelved")
        #expect(daemon.process.isRunning)
        #expect(daemon.terminate() == 0)
    }

    @Test func requestIdsMayBeAnyNumber() throws {
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        for (sent, echoed) in [
            ("1.5", "1.5"), ("-3", "-3"), ("1e3", "1000"), ("2.5e-3", "0.0025"), ("9007199254740993", "9007199254740993"),
        ] {
            try client.send(Array(#"{"id":\#(sent),"method":"Station.Status"}"#.utf8) + [10])
            let reply = String(decoding: try client.readLine(), as: UTF8.self)
            #expect(reply.hasPrefix(#"{"id":\#(echoed),"#) || reply.contains(#""id":\#(echoed)}"#), "\(sent): \(reply.prefix(80))")
            #expect(!reply.contains("\"error\""), "\(reply.prefix(120))")
        }
        // The scan reply is written by hand: the same rule.
        try client.send(Array(#"{"id":2.25,"method":"Parcel.Intake","params":{"tracking":"SF1000000000102"}}"#.utf8) + [10])
        #expect(String(decoding: try client.readLine(), as: UTF8.self).hasPrefix(#"{"id":2.25,"#))
        #expect(daemon.terminate() == 0)
    }

    /// Every method refuses a control character in any of its text fields, before anything is stored; tab, line
    /// feed and carriage return are kept whole and the custody log still verifies.
    @Test func controlCharactersInTextAreRefusedInEveryField() throws {
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        // The text fields of every method's params (Protocol.md), plus Hello's client name.
        let fields = [
            "client", "scanner", "text", "symbology", "tracking", "phone", "phoneTail", "courier", "staff", "collector", "reason",
            "party", "node", "vehicle", "counter", "content", "note", "photo", "pin", "badge", "source", "resolution", "waybill",
            "destination", "senderPhone", "senderTail", "path", "data", "shelf", "handoff", "stocktake", "date", "month", "from", "to",
        ]
        var id = 0
        for method in Method.allCases {
            for field in fields {
                for bad in [#"\u0000"#, #"abc\u0000"#, #"\u0000abc"#, #"a\u001bb"#, #"\b"#, #"\u007f"#, #"\u0085"#] {
                    id += 1
                    let line = #"{"id":\#(id),"method":"\#(method.rawValue)","params":{"\#(field)":"\#(bad)","trackings":["x\#(bad)"]}}"#
                    try client.send(Array(line.utf8) + [10])
                    let reply = try client.readLine()
                    #expect(StationConnection.errorCode(of: reply) == "request.controlCharacter", "\(method.rawValue) \(field) \(bad)")
                    #expect(String(decoding: reply, as: UTF8.self).contains("\"id\":\(id)"))
                }
            }
        }
        // The three reported cases, by name.
        #expect(
            try client.errorCode(
                forRawLine: #"{"id":1,"method":"Scan.Submit","params":{"scanner":"gun\u0000one","text":"SF1000000000103"}}"# + "\n")
                == "request.controlCharacter")
        #expect(
            try client.errorCode(
                forRawLine: #"{"id":2,"method":"Station.Hello","params":{"protocol":{"major":1,"minor":0},"client":"a\u0000"}}"# + "\n")
                == "request.controlCharacter")
        _ = try client.intake("SF1000000000104")
        for text in [#"\u0000abc"#, #"abc\u0000"#] {
            #expect(
                try client.errorCode(
                    forRawLine: #"{"id":3,"method":"Complaint.Record","params":{"tracking":"SF1000000000104","text":"\#(text)"}}"# + "\n")
                    == "request.controlCharacter")
        }
        // Whitespace controls are text: kept whole, stored whole, and the chain agrees with what is stored.
        let kept = try client.call(
            Method.recordComplaint.rawValue, ComplaintParams(tracking: "SF1000000000104", text: "第一行\r\n第二行\tend", staff: "王\t芳"),
            as: ComplaintDTO.self)
        #expect(kept.text == "第一行\r\n第二行\tend")
        let listed = try client.call(Method.complaints.rawValue, ListParams(), as: ComplaintsResult.self)
        #expect(listed.complaints.map(\.text) == ["第一行\r\n第二行\tend"])
        _ = try client.call(
            Method.submitScan.rawValue, SubmitScanParams(text: "SF1000000000105", scanner: "gun\tone"), as: ScanOutcomeDTO.self)
        let audit = try client.call(Method.verifyAudit.rawValue, NoParams(), as: AuditResult.self)
        #expect(audit.valid)
        #expect(daemon.terminate() == 0)
    }

    /// Connections trickling an unfinished line are closed at the line deadline, and one user cannot hold every
    /// connection: another user still gets in meanwhile.
    @Test(.enabled(if: getuid() == 0, "needs root to connect as a second user"))
    func slowClientsCannotLockOthersOut() throws {
        let directory = try TemporaryDirectory(prefix: "slow")
        chmod(directory.path, 0o755)
        let daemon = try DaemonProcess(
            config: #"{"server":{"socketMode":"0666","maxConnections":16,"maxConnectionsPerUser":8,"lineTimeoutSeconds":3}}"#,
            directory: directory)
        // Eight trickling connections from root: root's whole share.
        // Each says hello first: connections are admitted in no fixed order, and the ninth must come after them.
        let tricklers = try (0..<8).map { _ in try daemon.connect(client: "trickler") }
        // A ninth from root is refused with its own code; another user is served at once.
        let ninth = try StationConnection(socketPath: daemon.socketPath, timeout: 5)
        #expect(StationConnection.errorCode(of: (try? ninth.readLine()) ?? []) == "connection.tooMany", "\(daemon.log)")
        let other = try runCommand(
            "/usr/sbin/runuser", ["-u", "nobody", "--", BuiltProducts.parcelctl, "--socket", daemon.socketPath, "status"])
        #expect(other.status == 0, "\(other.stderr)")
        // Trickle a byte every 200 ms for 1.5 s: never silent, never a whole line. The deadline counts from the
        // line's first byte, so each is answered and closed at 3 s, long before the 300 s idle timeout.
        let start = Date()
        for connection in tricklers { try connection.send(Array(#"{"id":1,"#.utf8)) }
        while Date().timeIntervalSince(start) < 1.5 {
            usleep(200_000)
            for connection in tricklers { _ = try? connection.send(Array(" ".utf8)) }
        }
        for connection in tricklers {
            #expect(StationConnection.errorCode(of: (try? connection.readLine()) ?? []) == "request.lineTimeout")
            #expect(throws: ClientError.self) { _ = try connection.readLine() }
        }
        #expect(Date().timeIntervalSince(start) < 10)
        // Root's share is free again.
        #expect(try daemon.connect().intake("SF1000000000106").parcel.state == "shelved")
        #expect(daemon.terminate() == 0)
    }

    /// Wrong pickup credentials from one client, or at one counter, meet a cool-down; the right one is then refused
    /// too until it passes, and the station's log says so.
    @Test func pickupGuessingMeetsACooldown() throws {
        let daemon = try DaemonProcess(
            config: #"{"pickupGuessing":{"clientFailures":6,"counterFailures":3,"windowSeconds":600,"cooldownSeconds":2}}"#)
        let client = try daemon.connect()
        let code = try #require(try client.intake("SF1000000000107", phoneTail: "1234").parcel.pickupCode)
        let parts = code.split(separator: "-").compactMap { Int($0) }
        let wrong = "\(parts[0])-\(parts[1])-\(parts[2] + 7)"
        func verify(_ code: String, counter: String? = nil, phoneTail: String? = nil) throws -> String? {
            let params = VerifyParams(code: phoneTail == nil ? code : nil, phoneTail: phoneTail, counter: counter)
            do {
                _ = try client.call(Method.verifyPickup.rawValue, params, as: ParcelsResult.self)
                return nil
            } catch let error as WireError {
                return error.code.rawValue
            }
        }
        // Per counter: three wrong tries at counter A cool it down; counter B still works.
        for _ in 0..<3 { #expect(try verify(wrong, counter: "A") == "pickup.noMatch") }
        #expect(try verify(code, counter: "A") == "pickup.tooManyAttempts")
        #expect(try verify(code, counter: "B") == nil)
        // Per client: its sixth wrong try (three were at counter A) cools the whole client down, right code or not.
        for _ in 0..<2 { #expect(try verify(wrong) == "pickup.noMatch") }
        #expect(try verify("0000", phoneTail: "9999") == "pickup.noMatch")
        #expect(try verify(code) == "pickup.tooManyAttempts")
        #expect(try verify("", phoneTail: "1234") == "pickup.tooManyAttempts")
        // A reconnect is the same peer.
        let again = try daemon.connect(client: "renamed")
        #expect(throws: WireError.self) {
            _ = try again.call(Method.verifyPickup.rawValue, VerifyParams(code: code), as: ParcelsResult.self)
        }
        #expect(daemon.log.contains("pickup guessing"))
        // After the cool-down the right code works again.
        sleep(3)
        #expect(try verify(code) == nil)
        #expect(daemon.terminate() == 0)
    }

    /// Configuration that Foundation would have accepted, or crashed on, is refused with EX_CONFIG.
    @Test func badConfigurationExitsWith78() throws {
        let cases = [
            #"{"station":{"id":"v1","name":"村站"},}"#,
            #"{"logLevel":"chatty"}"#,
            #"{"station":{"id":"v1"}} trailing"#,
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
            #"{"station":{"name":"a\u0000"}}"#,
            #"{"server":{"lineTimeoutSeconds":0}}"#,
            #"{"labels":{"phoneTail":true,"phoneTailBudgetMs":0}}"#,
        ]
        for config in cases {
            let directory = try TemporaryDirectory(prefix: "badconfig")
            try config.write(toFile: directory.file("config.json"), atomically: true, encoding: .utf8)
            let result = try runCommand(
                BuiltProducts.daemon,
                ["--state-dir", directory.file("state"), "--socket", directory.file("s.sock"), "--config", directory.file("config.json")])
            #expect(result.status == 78, "\(config.prefix(60)): \(result.stderr)")
            #expect(result.stderr.contains("configuration"), "\(result.stderr)")
        }
    }
}
