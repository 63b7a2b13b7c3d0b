import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// Pickup notices through the real daemon and a real executable channel.
@Suite(.serialized, .waitsOnProcesses) struct NoticeDaemonTests {
    func sql(_ database: String, _ query: String) throws -> String {
        let result = try runCommand(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print('\\n'.join('|'.join(map(str,r)) for r in c.execute(sys.argv[2])))",
                database, query,
            ])
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the daemon's ledger until `query` answers `expected` (30 s at most), then checks it, with the daemon's
    /// last log lines when it does not.
    func waitForSQL(_ daemon: DaemonProcess, _ query: String, _ expected: String) throws {
        let database = daemon.stateDir + "/parcels.sqlite"
        let deadline = Date().addingTimeInterval(30)
        while try sql(database, query) != expected && Date() < deadline { usleep(100_000) }
        #expect(try sql(database, query) == expected, "\(query)\n\(daemon.log.suffix(2000))")
    }

    @Test func shelvingQueuesANoticeTheChannelGetsItOnceAfterAFailureAndPickupCancelsReminders() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-notice")
        let log = directory.file("sms.jsonl")
        let attempts = directory.file("attempts")
        // A gateway stand-in: fails its first call, then records each notice it gets.
        let script = try directory.script(
            "send-sms.sh",
            """
            echo x >> "\(attempts)"
            if [ "$(wc -l < "\(attempts)")" -eq 1 ]; then echo "gateway busy" >&2; exit 1; fi
            cat >> "\(log)"; echo >> "\(log)"
            echo "queued" >&2
            """)
        let config = """
            {"station": {"id": "cun-01", "name": "李家村服务站"}, "storeFullPhone": true,
             "notices": {"exec": {"executable": "\(script)"}, "openingHours": "8:00-20:00", "retryBaseSeconds": 1, "retryCapSeconds": 2,
                         "firstReminderAfterHours": 48, "maxReminders": 2}}
            """
        let daemon = try DaemonProcess(config: config, directory: directory)
        let client = try daemon.connect()
        _ = try client.call(
            Method.intake.rawValue, IntakeParams(tracking: "SF1234567890123", phone: "13812345678"), as: ParcelResult.self)

        let deadline = Date().addingTimeInterval(60)
        var state = ""
        while Date() < deadline {
            state = try client.call(Method.get.rawValue, GetParams(tracking: "SF1234567890123"), as: GetResult.self).parcel.state
            if state == "notified" { break }
            usleep(200_000)
        }
        #expect(state == "notified", "\(daemon.log.suffix(2000))")
        let sent = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(sent.count == 1)
        let notice = try #require(try JSONSerialization.jsonObject(with: Data(sent[0].utf8)) as? [String: Any])
        #expect(notice["kind"] as? String == "first")
        #expect((notice["text"] as? String)?.contains("李家村服务站") == true)
        #expect((notice["recipient"] as? [String: Any])?["phone"] as? String == "13812345678")
        let database = daemon.stateDir + "/parcels.sqlite"
        #expect(try sql(database, "SELECT count(*) FROM notice_attempt") == "2")
        #expect(try sql(database, "SELECT status FROM notice WHERE key LIKE '%/first/0'") == "sent")
        #expect(try sql(database, "SELECT count(*) FROM notice WHERE status = 'pending'") == "3")  // two reminders, one overdue warning

        // Staff can see what was sent and every attempt, never the phone number.
        let history = try client.call(Method.notices.rawValue, GetParams(tracking: "SF1234567890123"), as: NoticesResult.self).notices
        let first = try #require(history.first { $0.key.hasSuffix("/first/0") })
        #expect(first.status == "sent")
        #expect(first.attempts.map { $0.result ?? "-" } == ["retryable", "delivered"], "\(first.attempts)")
        #expect(first.attempts.first?.reason == "exit 1: gateway busy")
        #expect(first.text?.contains("李家村服务站") == true)
        #expect(history.count == 4)
        let reply = try client.callRaw(Method.notices.rawValue, GetParams(tracking: "SF1234567890123"))
        #expect(!String(decoding: reply, as: UTF8.self).contains("13812345678"))

        let got = try client.call(Method.get.rawValue, GetParams(tracking: "SF1234567890123"), as: GetResult.self)
        let code = try #require(got.parcel.pickupCode)
        _ = try client.call(
            Method.confirmPickup.rawValue, ConfirmParams(trackings: ["SF1234567890123"], code: code), as: ConfirmResult.self)
        let cancelDeadline = Date().addingTimeInterval(30)
        while try sql(database, "SELECT count(*) FROM notice WHERE status = 'pending'") != "0" && Date() < cancelDeadline {
            usleep(200_000)
        }
        #expect(try sql(database, "SELECT count(*) FROM notice WHERE status = 'cancelled'") == "3")
        #expect(daemon.terminate() == 0)

        // A restart queues nothing twice: the cursor moved with the notices it queued.
        let again = try daemon.restarted(config: config)
        usleep(1_500_000)
        #expect(try sql(database, "SELECT count(*) FROM notice") == "4")
        #expect(again.terminate() == 0)
    }

    @Test func anUndonePickupBringsItsRemindersBackAndAnUndoneIntakeCancelsItsNotices() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-notice-undo")
        let script = try directory.script("send-sms.sh", "cat > /dev/null")
        let config = """
            {"station": {"id": "cun-01", "name": "李家村服务站"},
             "notices": {"exec": {"executable": "\(script)"}, "firstReminderAfterHours": 48, "maxReminders": 2}}
            """
        let daemon = try DaemonProcess(config: config, directory: directory)
        let client = try daemon.connect()
        let database = daemon.stateDir + "/parcels.sqlite"
        func waitFor(_ query: String, _ expected: String) throws { try waitForSQL(daemon, query, expected) }
        let kept = try client.call(
            Method.intake.rawValue, IntakeParams(tracking: "SF1234567890123", phoneTail: "5678"), as: ParcelResult.self)
        _ = try client.call(Method.intake.rawValue, IntakeParams(tracking: "YT1234567890123", phoneTail: "1234"), as: ParcelResult.self)
        try waitFor("SELECT count(*) FROM notice WHERE status = 'sent'", "2")
        let keptID = "(SELECT id FROM parcel WHERE tracking = 'SF1234567890123')"
        _ = try client.call(
            Method.confirmPickup.rawValue, ConfirmParams(trackings: ["SF1234567890123"], code: try #require(kept.parcel.pickupCode)),
            as: ConfirmResult.self)
        try waitFor("SELECT count(*) FROM notice WHERE status = 'cancelled' AND parcel_id = \(keptID)", "3")

        let back = try client.call(Method.undo.rawValue, UndoParams(tracking: "SF1234567890123", step: "pickup"), as: ParcelResult.self)
        #expect(back.parcel.state == "notified")
        try waitFor("SELECT count(*) FROM notice WHERE status = 'pending' AND parcel_id = \(keptID)", "3")
        // The first notice was sent once and is not sent again.
        #expect(try sql(database, "SELECT count(*) FROM notice_attempt") == "2")

        _ = try client.call(Method.undo.rawValue, UndoParams(tracking: "YT1234567890123", step: "intake"), as: ParcelResult.self)
        try waitFor(
            "SELECT count(*) FROM notice WHERE status = 'cancelled' AND parcel_id = (SELECT id FROM parcel WHERE tracking = 'YT1234567890123')",
            "3")
        #expect(daemon.terminate() == 0)
    }

    @Test func aPhoneAddedAfterTheFirstNoticeWentOutGetsAFirstNoticeOfItsOwnAndThePendingOnesGoToIt() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-notice-phone")
        let log = directory.file("sms.jsonl")
        let script = try directory.script("send-sms.sh", #"cat >> "\#(log)"; echo >> "\#(log)""#)
        let config = """
            {"station": {"id": "cun-01", "name": "李家村服务站"},
             "notices": {"exec": {"executable": "\(script)"}, "firstReminderAfterHours": 48, "maxReminders": 2}}
            """
        let daemon = try DaemonProcess(config: config, directory: directory)
        let client = try daemon.connect()
        let database = daemon.stateDir + "/parcels.sqlite"
        func waitFor(_ query: String, _ expected: String) throws { try waitForSQL(daemon, query, expected) }
        func sent() throws -> [[String: Any]] {
            try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
        // Taken in without a phone (a privacy waybill): its first notice goes out to no one in particular.
        _ = try client.call(Method.intake, IntakeParams(tracking: "SF1234567890123"))
        try waitFor("SELECT count(*) FROM notice WHERE status = 'sent'", "1")
        #expect((try sent().first?["recipient"] as? [String: Any])?["phoneTail"] == nil)

        let updated = try client.call(Method.setPhone, SetPhoneParams(tracking: "SF1234567890123", phoneTail: "5678", staff: "王芳"))
        #expect(updated.parcel.phoneTail == "5678")
        let event = try #require(try client.call(Method.get, GetParams(tracking: "SF1234567890123")).events.last)
        #expect(event.kind == "setPhone")
        // A first notice of its own, keyed by the setPhone event, goes out to the new recipient at once.
        try waitFor("SELECT status FROM notice WHERE key = '\(event.uid)/first/0'", "sent")
        let second = try #require(try sent().last)
        #expect(second["kind"] as? String == "first")
        #expect(second["key"] as? String == "\(event.uid)/first/0")
        #expect((second["recipient"] as? [String: Any])?["phoneTail"] as? String == "5678")
        // The reminders and the overdue warning still to come go to the new recipient too.
        #expect(
            try sql(
                database, "SELECT count(*) FROM notice WHERE status = 'pending' AND json_extract(message, '$.recipient.phoneTail') = '5678'"
            )
                == "3")
        #expect(try sql(database, "SELECT count(*) FROM notice") == "5")

        // The same tail again changes no recipient: nothing more is queued.
        _ = try client.call(Method.setPhone, SetPhoneParams(tracking: "SF1234567890123", phoneTail: "5678"))
        try waitFor("SELECT CAST(value AS TEXT) = (SELECT max(id) FROM parcel_event) FROM station_meta WHERE key = 'notices.cursor'", "1")
        #expect(try sql(database, "SELECT count(*) FROM notice") == "5")
        #expect(try client.call(Method.verifyAudit, NoParams()).valid)
        #expect(daemon.terminate() == 0)
    }

    @Test func aPhoneAddedWhileTheFirstNoticeWaitsForQuietHoursToEndGoesIntoThatNotice() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-notice-quiet")
        let script = try directory.script("send-sms.sh", "cat > /dev/null")
        // Quiet from an hour ago to two hours from now (UTC), so the first notice waits.
        let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour ?? 0
        let config = """
            {"station": {"id": "cun-01", "name": "李家村服务站"},
             "notices": {"exec": {"executable": "\(script)"}, "firstReminderAfterHours": 48, "maxReminders": 2,
                         "quietHours": {"start": "\((hour + 23) % 24):00", "end": "\((hour + 2) % 24):00", "timeZone": "UTC"}}}
            """
        let daemon = try DaemonProcess(config: config, directory: directory)
        let client = try daemon.connect()
        let database = daemon.stateDir + "/parcels.sqlite"
        func waitFor(_ query: String, _ expected: String) throws { try waitForSQL(daemon, query, expected) }
        _ = try client.call(Method.intake, IntakeParams(tracking: "SF1234567890123"))
        // Deferred by the sender: pending again, unclaimed, due when the quiet hours end.
        try waitFor(
            "SELECT count(*) FROM notice WHERE key LIKE '%/first/0' AND status = 'pending' AND lease_holder IS NULL AND next_attempt_at > queued_at",
            "1")
        _ = try client.call(Method.setPhone, SetPhoneParams(tracking: "SF1234567890123", phone: "13812345678"))
        try waitFor("SELECT CAST(value AS TEXT) = (SELECT max(id) FROM parcel_event) FROM station_meta WHERE key = 'notices.cursor'", "1")
        // The waiting first notice now names the recipient; no second first notice.
        #expect(try sql(database, "SELECT count(*) FROM notice") == "4")
        #expect(
            try sql(
                database, "SELECT count(*) FROM notice WHERE status = 'pending' AND json_extract(message, '$.recipient.phoneTail') = '5678'"
            )
                == "4")
        #expect(try sql(database, "SELECT count(*) FROM notice_attempt") == "0")
        // Without storeFullPhone the number itself is nowhere in the ledger.
        #expect(try sql(database, "SELECT count(*) FROM notice WHERE message LIKE '%13812345678%'") == "0")
        #expect(try sql(database, "SELECT count(*) FROM parcel_event WHERE details LIKE '%1381234%'") == "0")
        #expect(daemon.terminate() == 0)
    }
}
