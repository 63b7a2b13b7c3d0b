import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// A full day at a village station (村级服务站), end to end through the real `parcel-stationd`, its socket and
/// `parcelctl`: a parcel left from last week, the township shuttle's handoff in the morning, pickup notices through a real executable and a real
/// HTTP gateway, pickups, a return, produce going up the chain, a stocktake, and the evening's receipts, custody log
/// and daily report. One ledger all day; the daemon is restarted between the notice phases (it serves one notice
/// channel at a time) and everything, the notice queue included, carries over. The station's clock is moved
/// (`PARCEL_STATION_CLOCK_OFFSET_SECONDS`) so the day is 2026-11-23 from 08:00 in Shanghai, whenever the test runs,
/// and last week is last week.
///
/// Fixtures (manifests, the HTTP gateway stand-in) are in Tests/Fixtures/village-day, read from the source tree.
@Suite(.serialized, .waitsOnProcesses) struct VillageDayTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/village-day").path

    /// The station: two shelves, the township shuttle driver and the ZTO courier, commissions for the daily report.
    /// `notices` is the one notice channel of this part of the day (the daemon takes exactly one).
    static func config(notices: String? = nil) -> String {
        """
        {"station": {"id": "cun-lijia", "name": "李家村服务站"},
         "shelves": [{"id": 1, "layers": 2, "layerCapacity": 20}, {"id": 2, "layers": 2, "layerCapacity": 20}],
         "holdHours": 168,
         "handoffs": {"parties": [
             {"id": "xiang-zhao", "name": "赵师傅", "company": "EMS", "badge": "BADGE-XIANG05-0007", "pin": "2580"},
             {"id": "zto-wang", "name": "王师傅", "company": "ZTO", "badge": "BADGE-ZTO-0042", "pin": "4826"}],
           "pinAttempts": 3, "pinLockoutMinutes": 15},
         "reports": {"timeZone": "Asia/Shanghai", "commissionFen": {"ZTO": 40, "default": 30}}\(notices.map { #", "notices": \#($0)"# } ?? "")}
        """
    }

    // MARK: The parcels of the day

    /// The township shuttle's manifest (Tests/Fixtures/village-day/township-manifest.csv), in its order.
    static let sf = "SF1432768590231"  // picked up by its code
    static let jt = "JT5000112233445"  // arrives damaged (破损)
    static let yto = "YT7312045567801"
    static let zto = "75160234981207"  // never collected: returned to ZTO in the afternoon
    static let sto = "773058214690317"
    static let yunda = "4312657890123"  // on the list, never in the bag: missing (短少)
    static let ems = "EA204819365CN"  // UPU S10, valid check digit; collected by a neighbour (代取)
    static let deppon = "DPK364019283746"  // no courier rule knows it: UNKNOWN, still taken in
    static let manifest = [sf, jt, yto, zto, sto, yunda, ems, deppon]
    /// In the bag but not on the list (多发).
    static let extraJD = "JDV012345678907"
    /// Brought in at lunchtime while the SMS gateway hangs.
    static let lunchYTO = "YT7312045567802"
    /// Dropped at the counter in the afternoon: three for the Li family (phone tail 6688), one for Zhang (3721).
    static let li = ["75160234981208", "SF1432768590245", "JT5000112233452"]
    static let zhang = "773058214690324"
    /// Taken in eight days ago and never collected: overdue today, it goes back to ZTO with the refused one.
    static let lastWeekZTO = "75160234980016"
    /// Scanned in by mistake at the counter (it is for the next village), and undone.
    static let mistaken = "YT7312045567899"
    /// Going out on the shuttle: two boxes of produce (农产品上行) and one ordinary parcel (寄件), all EMS.
    static let produce = ["EA330192744CN", "EA330192758CN"]
    static let gift = "CX581204478CN"

    /// 2026-11-23 08:00 in Asia/Shanghai.
    static let morning = Date(timeIntervalSince1970: 1_795_392_000)

    @Test func aFullDayAtAVillageStation() throws {
        let day = try TemporaryDirectory(prefix: "village-day")
        let today = "2026-11-23"
        #expect(Self.shanghaiDate(Self.morning) == today)
        // Every daemon start of the day runs on the same moved clock, so time flows on from 08:00.
        let offset = Int(Self.morning.timeIntervalSinceNow.rounded())
        let clock = ["PARCEL_STATION_CLOCK_OFFSET_SECONDS": String(offset)]

        // MARK: 0. Last week: a ZTO parcel is taken in and notified, and nobody comes for it

        let lastWeekLog = day.file("last-week-notices.jsonl")
        let lastWeekScript = try day.script("last-week-sms.sh", "cat >> \"$1\"\n")
        let lastWeekNotices = #"{"exec": {"executable": "\#(lastWeekScript)", "arguments": ["\#(lastWeekLog)"]}}"#
        var daemon = try DaemonProcess(
            config: Self.config(notices: lastWeekNotices), directory: day,
            // Eight days before this morning, at 10:00 rather than 08:00 so that rounding to whole seconds cannot
            // move it onto the day before.
            environment: ["PARCEL_STATION_CLOCK_OFFSET_SECONDS": String(offset - 8 * 86_400 + 7_200)])
        var station = try daemon.connect(client: "counter-pc")
        let old = try station.call(
            Method.intake.rawValue, IntakeParams(tracking: Self.lastWeekZTO, phoneTail: "2468", staff: "李娟"), as: ParcelResult.self)
        #expect(old.parcel.receivedAt.hasPrefix("2026-11-15"))
        #expect(try Self.waitUntil { try Self.parcel(station, Self.lastWeekZTO).parcel.state == "notified" }, "\(daemon.log.suffix(2000))")
        #expect(try Self.lines(lastWeekLog).count == 1)
        #expect(daemon.terminate() == 0)

        // The SMS gateway of the morning: an executable that appends each notice (one JSON line) to a file.
        let execLog = day.file("exec-notices.jsonl")
        let sendScript = try day.script("send-sms.sh", "cat >> \"$1\"\necho \"短信已提交\" >&2\n")
        let execNotices =
            #"{"exec": {"executable": "\#(sendScript)", "arguments": ["\#(execLog)"], "timeoutSeconds": 5}, "retryBaseSeconds": 1, "retryCapSeconds": 2}"#

        daemon = try daemon.restarted(config: Self.config(notices: execNotices), environment: clock)
        station = try daemon.connect(client: "counter-pc")
        #expect(try Self.parcel(station, Self.lastWeekZTO).parcel.overdue)

        // MARK: 1. Morning: the township shuttle's handoff (交接)

        let opened = try station.call(
            Method.openHandoff.rawValue,
            HandoffOpenParams(
                direction: "inbound", kind: "delivery", party: "xiang-zhao", node: "xiang-05", nodeTier: "township", vehicle: "粤R·C3021"),
            as: HandoffResult.self)
        let morning = opened.handoff.id
        #expect(opened.handoff.state == "open")
        #expect(opened.handoff.partyName == "赵师傅")
        #expect(opened.handoff.company == "EMS")
        #expect(opened.lines.isEmpty)

        // A manifest with a misread number on line 4 (bad UPU S10 check digit) is refused whole: its three good
        // lines are not imported either.
        let misread = try String(contentsOfFile: Self.fixtures + "/township-manifest-misread.csv", encoding: .utf8)
        let refused = Self.wireError {
            _ = try station.call(
                Method.importManifest.rawValue, HandoffImportParams(handoff: morning, format: "csv", content: misread),
                as: HandoffResult.self)
        }
        #expect(refused?.code == .manifestInvalid)
        #expect(refused?.message.contains("line 4") == true, "\(refused?.message ?? "-")")
        #expect(refused?.message.contains("EA204819364CN") == true)
        #expect(refused?.message.contains("line 2") == false)
        #expect(try Self.handoff(station, morning).lines.isEmpty)

        // The real manifest: eight parcels of eight couriers in two bags.
        let manifestText = try String(contentsOfFile: Self.fixtures + "/township-manifest.csv", encoding: .utf8)
        let imported = try station.call(
            Method.importManifest.rawValue, HandoffImportParams(handoff: morning, format: "csv", content: manifestText),
            as: HandoffResult.self)
        #expect(imported.lines.map(\.tracking) == Self.manifest)
        #expect(imported.lines.allSatisfy { $0.expected && $0.status == "expected" })
        #expect(imported.lines.map(\.manifestLine) == Array(2...9))
        #expect(imported.lines.first { $0.tracking == Self.deppon }?.courier == nil)

        // The bag label first: bag 1 holds three listed parcels, ticked as arrived by the one scan.
        let bag = try Self.scan(station, morning, "XIANG05-B1")
        #expect(bag.result == "bag")
        #expect(bag.bagLines == 3)
        #expect(bag.remaining == 5)

        // Each parcel scanned is taken in and shelved with a pickup code in the same transaction; those its bag's
        // label ticked are not counted a second time.
        var remaining = 5
        for tracking in [Self.sf, Self.yto, Self.zto, Self.sto, Self.ems, Self.deppon] {
            let scanned = try Self.scan(station, morning, tracking)
            if ![Self.sf, Self.yto].contains(tracking) { remaining -= 1 }
            #expect(scanned.result == "scanned", "\(tracking)")
            #expect(scanned.remaining == remaining)
            #expect(scanned.parcel?.state == "shelved")
            #expect(scanned.parcel?.pickupCode != nil)
        }
        // An unknown courier's number (德邦, no rule) is still accepted: courier null, candidate UNKNOWN.
        let unknown = try Self.parcel(station, Self.deppon).parcel
        #expect(unknown.courier == nil)
        #expect(unknown.couriers.map(\.code) == ["UNKNOWN"])
        #expect(try Self.parcel(station, Self.zto).parcel.courier == "ZTO")
        #expect(try Self.parcel(station, Self.ems).parcel.courier == "EMS")

        // The J&T box is crushed: scanned as damaged, with a photo reference; it is still taken in.
        let damaged = try station.call(
            Method.scanHandoff.rawValue,
            HandoffScanParams(
                handoff: morning, text: Self.jt, damaged: true, note: "外箱压破", photo: "photos/dmg-\(Self.jt).jpg", staff: "李娟"),
            as: HandoffScanResult.self)
        #expect(damaged.result == "damaged")
        #expect(damaged.line?.status == "damaged")
        #expect(damaged.line?.photo == "photos/dmg-\(Self.jt).jpg")
        #expect(damaged.parcel?.state == "shelved")
        #expect(damaged.remaining == 1)
        // A JD parcel in the bag that is not on the list: extra (多发), taken in all the same.
        let extra = try Self.scan(station, morning, Self.extraJD)
        #expect(extra.result == "extra")
        #expect(extra.line?.expected == false)
        #expect(extra.parcel?.courier == "JD")
        // Scanning the same parcel again changes nothing; a misread S10 number is refused as a misread.
        #expect(try Self.scan(station, morning, Self.sf).result == "repeatScan")
        #expect(Self.wireError { _ = try Self.scan(station, morning, "EA204819364CN") }?.code == .checkDigit)

        // The driver confirms with his PIN, but guesses wrong until he is locked out; then even the right PIN is
        // refused (documented: handoffs.pinAttempts wrong PINs lock the PIN for pinLockoutMinutes; a badge still works).
        let firstWrong = Self.wireError { _ = try Self.close(station, morning, pin: "0000") }
        #expect(firstWrong?.code == .confirmationFailed)
        #expect(firstWrong?.message.contains("2 tries left") == true, "\(firstWrong?.message ?? "-")")
        #expect(Self.wireError { _ = try Self.close(station, morning, pin: "1234") }?.code == .confirmationFailed)
        let locked = Self.wireError { _ = try Self.close(station, morning, pin: "2468") }
        #expect(locked?.code == .lockedOut)
        #expect(locked?.message.contains("a badge still works") == true)
        #expect(Self.wireError { _ = try Self.close(station, morning, pin: "2580") }?.code == .lockedOut)
        #expect(try Self.handoff(station, morning).handoff.state == "open")

        // He scans his badge instead: closed, the unscanned Yunda parcel is missing, three discrepancies, receipt #1.
        let closed = try station.call(
            Method.closeHandoff.rawValue, HandoffCloseParams(handoff: morning, badge: "BADGE-XIANG05-0007", staff: "李娟"),
            as: HandoffResult.self)
        #expect(closed.handoff.state == "closed")
        #expect(closed.handoff.confirmedBy == "badge")
        #expect(closed.handoff.receiptSeq == 1)
        #expect(closed.lines.first { $0.tracking == Self.yunda }?.status == "missing")
        #expect(
            Dictionary(grouping: closed.lines, by: \.status).mapValues(\.count) == ["scanned": 6, "damaged": 1, "missing": 1, "extra": 1])
        #expect(
            Set(closed.discrepancies.map { "\($0.kind) \($0.tracking)" })
                == ["missing \(Self.yunda)", "extra \(Self.extraJD)", "damaged \(Self.jt)"])
        let morningReceipt = try #require(closed.receipt)
        let morningBody = Self.object(morningReceipt.body)
        #expect(morningBody["seq"] as? Int == 1)
        #expect(morningBody["previousDigest"] as? String == nil)  // the first receipt of the station
        #expect(morningBody["confirmedBy"] as? String == "badge")
        #expect(
            morningBody["counts"] as? [String: Int]
                == ["scanned": 6, "missing": 1, "extra": 1, "damaged": 1, "misrouted": 0, "expected": 8, "total": 9])
        #expect(closed.handoff.receiptDigest == morningReceipt.digest)
        // Closing it again: the receipt is final.
        #expect(Self.wireError { _ = try Self.close(station, morning, badge: "BADGE-XIANG05-0007") }?.code == .handoffClosed)
        #expect(Self.wireError { _ = try Self.scan(station, morning, Self.yunda) }?.code == .handoffClosed)

        // MARK: 2a. Notices through the executable channel

        // Eight parcels were shelved, so eight first notices: each delivered once through the script, addressed to the
        // recipient the manifest named (its phone column; the station keeps the tail and a salted hash, not the number).
        let takenIn = Self.manifest.filter { $0 != Self.yunda } + [Self.extraJD]
        #expect(
            try Self.waitUntil { try takenIn.allSatisfy { try Self.parcel(station, $0).parcel.state == "notified" } },
            "\(daemon.log.suffix(2000))")
        let execAll = try Self.jsonLines(execLog)
        // Last week's parcel had its two reminders (催取) and its overdue warning due by this morning: sent once each.
        let oldCode = try #require(old.parcel.pickupCode)
        let oldNotices = execAll.filter { $0["pickupCode"] as? String == oldCode }
        #expect(oldNotices.compactMap { $0["kind"] as? String }.sorted() == ["overdue", "reminder", "reminder"], "\(oldNotices)")
        // The reminders count as notices on the parcel; the overdue warning does not (it is no new notice of arrival).
        #expect(try Self.waitUntil { try Self.parcel(station, Self.lastWeekZTO).parcel.notices == 3 })
        let execSent = execAll.filter { $0["pickupCode"] as? String != oldCode }
        #expect(execSent.count == 8)
        #expect(Set(execSent.compactMap { $0["key"] as? String }).count == 8)
        #expect(execSent.allSatisfy { $0["kind"] as? String == "first" && $0["station"] as? String == "李家村服务站" })
        for tracking in takenIn {
            let parcel = try Self.parcel(station, tracking).parcel
            let code = try #require(parcel.pickupCode)
            let sentHere = execSent.filter { $0["pickupCode"] as? String == code }
            #expect(sentHere.count == 1, "\(tracking) \(code)")
            // The manifest's numbers end in four equal digits (13800001111 …); the 德邦 line and the extra parcel have none.
            let tail = (sentHere.first?["recipient"] as? [String: Any])?["phoneTail"] as? String
            #expect(tail == parcel.phoneTail, "\(tracking)")
            #expect((tracking == Self.deppon || tracking == Self.extraJD) == (tail == nil), "\(tracking): \(tail ?? "-")")
            #expect(parcel.notices == 1)
            let notices = try Self.notices(station, tracking)
            let first = try #require(notices.first { $0.key.hasSuffix("/first/0") })
            #expect(first.status == "sent")
            #expect(first.attempts.map(\.result) == ["delivered"])
            #expect(first.attempts.first?.reason == "短信已提交")
            #expect(first.text?.contains(code) == true)
            // Two reminders (催取) and the overdue warning wait for later.
            #expect(notices.filter { $0.status == "pending" }.count == 3)
        }

        // MARK: Mid-day restart: nothing is lost

        let beforeRestart = try Self.status(station)
        let receiptsBefore = try station.call(Method.receipts.rawValue, NoParams(), as: ReceiptsResult.self)
        #expect(beforeRestart.parcels["notified"] == 9)
        #expect(beforeRestart.active == 9)
        #expect(beforeRestart.overdue == 1)
        #expect(daemon.terminate() == 0)

        // The gateway hangs now: the executable sleeps far past its 1 s timeout.
        let hangLog = day.file("hanging-calls")
        let hangScript = try day.script("hanging-sms.sh", "echo \"$$\" >> \"$1\"\nexec sleep 60\n")
        let hangingNotices =
            #"{"exec": {"executable": "\#(hangScript)", "arguments": ["\#(hangLog)"], "timeoutSeconds": 1}, "retryBaseSeconds": 1, "retryCapSeconds": 1}"#
        daemon = try daemon.restarted(config: Self.config(notices: hangingNotices), environment: clock)
        station = try daemon.connect(client: "counter-pc")
        let afterRestart = try Self.status(station)
        #expect(afterRestart.parcels == beforeRestart.parcels)
        #expect(afterRestart.events == beforeRestart.events)
        #expect(afterRestart.publicKey == beforeRestart.publicKey)
        #expect(try station.call(Method.receipts.rawValue, NoParams(), as: ReceiptsResult.self) == receiptsBefore)
        #expect(try station.call(Method.discrepancies.rawValue, NoParams(), as: DiscrepanciesResult.self).discrepancies.count == 3)
        #expect(try Self.handoff(station, morning).handoff.state == "closed")

        // MARK: 2b. A hanging notice channel: attempts time out, are recorded as retryable, and are retried

        let lunch = try station.call(
            Method.intake.rawValue, IntakeParams(tracking: Self.lunchYTO, phone: "+86 139-1234-8866", staff: "李娟"), as: ParcelResult.self)
        #expect(lunch.parcel.state == "shelved")
        #expect(lunch.parcel.phoneTail == "8866")
        #expect(lunch.parcel.courier == "YTO")
        var hung: NoticeDTO? = nil
        #expect(
            try Self.waitUntil(timeout: 40) {
                hung = try Self.notices(station, Self.lunchYTO).first { $0.key.hasSuffix("/first/0") }
                guard let hung else { return false }
                return hung.status == "pending" && hung.attempts.count >= 2 && hung.attempts.allSatisfy { $0.finishedAt != nil }
            }, "\(hung.map { "\($0)" } ?? "no notice"): \(daemon.log.suffix(1500))")
        let timedOut = try #require(hung)
        #expect(timedOut.attempts.allSatisfy { $0.result == "retryable" && $0.reason == "timed out after 1 s" }, "\(timedOut.attempts)")
        #expect(timedOut.attempts.map(\.number) == Array(1...timedOut.attempts.count))
        // Retried later: the second attempt started only after the first had timed out.
        #expect(timedOut.attempts[1].startedAt > (timedOut.attempts[0].finishedAt ?? "~"))
        #expect(timedOut.lastReason == "timed out after 1 s")
        #expect(try Self.parcel(station, Self.lunchYTO).parcel.state == "shelved")
        #expect(try Self.lines(hangLog).count >= 2)
        #expect(daemon.terminate() == 0)

        // MARK: 2c. The HTTP gateway: fails its first request, then accepts; the queue survived the restart

        let httpLog = day.file("http-notices.jsonl")
        let portFile = day.file("gateway.port")
        let gateway = Process()
        gateway.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gateway.arguments = ["python3", Self.fixtures + "/sms_gateway.py", httpLog, portFile, "1"]
        gateway.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try gateway.run()
        defer { Self.stop(gateway) }
        #expect(Self.waitUntil(timeout: 15) { FileManager.default.fileExists(atPath: portFile) })
        let port = try String(contentsOfFile: portFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let httpNotices =
            #"{"http": {"url": "http://127.0.0.1:\#(port)/sms", "headers": {"Authorization": "Bearer cun-lijia"}, "timeoutSeconds": 5}, "retryBaseSeconds": 1, "retryCapSeconds": 2}"#
        daemon = try daemon.restarted(config: Self.config(notices: httpNotices), environment: clock)
        station = try daemon.connect(client: "counter-pc")

        // The lunchtime notice still pending from the hanging gateway goes out now: 503 first, then 200.
        #expect(
            try Self.waitUntil { try Self.parcel(station, Self.lunchYTO).parcel.state == "notified" },
            "\(daemon.log.suffix(2000))")
        let lunchNotice = try #require(try Self.notices(station, Self.lunchYTO).first { $0.key.hasSuffix("/first/0") })
        #expect(lunchNotice.status == "sent")
        let results = lunchNotice.attempts.map { $0.result ?? "-" }
        #expect(results.count >= 4, "\(lunchNotice.attempts)")
        #expect(Array(results.suffix(2)) == ["retryable", "delivered"])
        #expect(lunchNotice.attempts.dropLast(2).allSatisfy { $0.reason == "timed out after 1 s" })
        #expect(lunchNotice.attempts.dropLast().last?.reason?.hasPrefix("HTTP 503") == true, "\(lunchNotice.attempts)")
        #expect(lunchNotice.attempts.last?.reason?.hasPrefix("HTTP 200") == true)
        var posted = try Self.jsonLines(httpLog)
        #expect(posted.map { $0["status"] as? Int } == [503, 200])
        #expect(posted.allSatisfy { $0["key"] as? String == lunchNotice.key && $0["authorization"] as? String == "Bearer cun-lijia" })
        let lunchBody = try #require(posted.last?["body"] as? [String: Any])
        #expect(lunchBody["pickupCode"] as? String == lunch.parcel.pickupCode)
        #expect(lunchBody["attempt"] as? Int == results.count)
        #expect((lunchBody["recipient"] as? [String: Any])?["phoneTail"] as? String == "8866")
        #expect((lunchBody["recipient"] as? [String: Any])?["phone"] == nil)  // storeFullPhone is off

        // The afternoon drop-off at the counter: each new parcel's notice is POSTed once, and succeeds at once.
        var afternoon: [String: ParcelDTO] = [:]
        for (tracking, tail) in Self.li.map({ ($0, "6688") }) + [(Self.zhang, "3721")] {
            let taken = try station.call(
                Method.intake.rawValue, IntakeParams(tracking: tracking, phoneTail: tail, staff: "李娟"), as: ParcelResult.self)
            #expect(taken.repeat == false)
            #expect(taken.parcel.phoneTail == tail)
            afternoon[tracking] = taken.parcel
        }
        #expect(
            try Self.waitUntil { try afternoon.keys.allSatisfy { try Self.parcel(station, $0).parcel.state == "notified" } },
            "\(daemon.log.suffix(2000))")
        posted = try Self.jsonLines(httpLog)
        #expect(posted.filter { $0["status"] as? Int == 503 }.count == 1)
        let accepted = posted.filter { $0["status"] as? Int == 200 }
        #expect(accepted.count == 5)
        #expect(Set(accepted.compactMap { $0["key"] as? String }).count == 5)
        for (tracking, parcel) in afternoon {
            #expect(
                accepted.filter { ($0["body"] as? [String: Any])?["pickupCode"] as? String == parcel.pickupCode }.count == 1, "\(tracking)")
            let first = try #require(try Self.notices(station, tracking).first { $0.key.hasSuffix("/first/0") })
            #expect(first.attempts.map(\.result) == ["delivered"])
        }

        // MARK: 3. Pickups (出库)

        // By pickup code.
        let sfCode = try #require(try Self.parcel(station, Self.sf).parcel.pickupCode)
        #expect(try Self.verify(station, VerifyParams(code: sfCode)).map(\.tracking) == [Self.sf])
        let byCode = try Self.confirm(station, ConfirmParams(trackings: [Self.sf], code: sfCode, staff: "李娟"))
        #expect(byCode.parcels.map(\.state) == ["pickedUp"])
        #expect(byCode.parcels.first?.releasedAt != nil)
        #expect(try Self.lastEvent(station, Self.sf)?.details["method"] == "code")

        // By phone tail (手机尾号): verify, then confirm with the same tail.
        #expect(try Self.verify(station, VerifyParams(phoneTail: "3721")).map(\.tracking) == [Self.zhang])
        let byTail = try Self.confirm(station, ConfirmParams(trackings: [Self.zhang], phoneTail: "3721", staff: "李娟"))
        #expect(byTail.parcels.map(\.state) == ["pickedUp"])
        #expect(try Self.lastEvent(station, Self.zhang)?.details["method"] == "phoneTail")

        // A neighbour collects the EMS parcel (代取): a wrong code is refused, the right one records the collector.
        let emsCode = try #require(try Self.parcel(station, Self.ems).parcel.pickupCode)
        let ytoCode = try #require(try Self.parcel(station, Self.yto).parcel.pickupCode)
        #expect(
            Self.wireError { _ = try Self.confirm(station, ConfirmParams(trackings: [Self.ems], code: ytoCode, staff: "李娟")) }?.code
                == .codeMismatch)
        let byProxy = try Self.confirm(station, ConfirmParams(trackings: [Self.ems], code: emsCode, staff: "李娟", collector: "王秀英（邻居）"))
        #expect(byProxy.parcels.map(\.state) == ["pickedUp"])
        let proxyEvent = try #require(try Self.lastEvent(station, Self.ems))
        #expect(proxyEvent.kind == "pickUp")
        // The name stays in the pickup record (which the privacy purge erases), never in the chained event.
        #expect(proxyEvent.details["byProxy"] == "true" && proxyEvent.details["collector"] == nil)
        #expect(proxyEvent.actor.hasPrefix("李娟@counter-pc"))

        // The Li family's three parcels in one confirmation.
        #expect(Set(try Self.verify(station, VerifyParams(phoneTail: "6688")).map(\.tracking)) == Set(Self.li))
        let several = try Self.confirm(station, ConfirmParams(trackings: Self.li, phoneTail: "6688", staff: "李娟"))
        #expect(Set(several.parcels.map(\.tracking)) == Set(Self.li))
        #expect(several.parcels.allSatisfy { $0.state == "pickedUp" })
        #expect(Set([byCode.pickupId, byTail.pickupId, byProxy.pickupId, several.pickupId]).count == 4)
        #expect(Self.wireError { _ = try Self.verify(station, VerifyParams(phoneTail: "6688")) }?.code == .noMatch)
        // A parcel already handed out has no active stay left to hand out.
        #expect(
            Self.wireError { _ = try Self.confirm(station, ConfirmParams(trackings: [Self.sf], code: sfCode)) }?.code == .parcelNotFound)

        // A slip at the counter (撤销): the Li family's third parcel went to the wrong person. The pickup is undone, the
        // parcel is back on its shelf under its code, and the right person collects it.
        let liCode = try #require(several.parcels.first { $0.tracking == Self.li[2] }?.pickupCode)
        let undone = try station.call(
            Method.undo.rawValue, UndoParams(tracking: Self.li[2], step: "pickup", reason: "给错人了", staff: "李娟"), as: ParcelResult.self)
        #expect(undone.parcel.state == "notified")
        #expect(undone.parcel.pickupCode == liCode)
        #expect(undone.parcel.releasedAt == nil)
        let undoEvent = try #require(try Self.lastEvent(station, Self.li[2]))
        #expect(undoEvent.kind == "undoPickup")
        #expect(undoEvent.from == "pickedUp")
        #expect(undoEvent.details["undoesPickupId"] == String(several.pickupId))
        #expect(undoEvent.details["reason"] == "给错人了")
        #expect(try Self.verify(station, VerifyParams(phoneTail: "6688")).map(\.tracking) == [Self.li[2]])
        let rightPerson = try Self.confirm(station, ConfirmParams(trackings: [Self.li[2]], code: liCode, staff: "李娟"))
        #expect(rightPerson.parcels.map(\.state) == ["pickedUp"])
        // Undoing it twice is not a thing: the second undo finds a parcel on the shelf, then picked up again.
        #expect(try Self.parcel(station, Self.li[2]).events.suffix(3).map(\.kind) == ["pickUp", "undoPickup", "pickUp"])

        // A parcel for the next village scanned in by mistake; its notice went out before anyone noticed. The intake is
        // undone: the stay is voided and its reminders cancelled. A parcel the morning's receipt counts is not undone.
        _ = try station.call(
            Method.intake.rawValue, IntakeParams(tracking: Self.mistaken, phoneTail: "9090", staff: "李娟"), as: ParcelResult.self)
        #expect(try Self.waitUntil { try Self.parcel(station, Self.mistaken).parcel.state == "notified" })
        let voided = try station.call(
            Method.undo.rawValue, UndoParams(tracking: Self.mistaken, step: "intake", reason: "扫错件，下个村的", staff: "李娟"),
            as: ParcelResult.self)
        #expect(voided.parcel.state == "voided")
        #expect(voided.parcel.releasedAt != nil)
        #expect(try Self.waitUntil { try Self.notices(station, Self.mistaken).filter { $0.status == "cancelled" }.count == 3 })
        #expect(try Self.status(station).parcels["voided"] == 1)
        let onReceipt = Self.wireError {
            _ = try station.call(Method.undo.rawValue, UndoParams(tracking: Self.yto, step: "intake"), as: ParcelResult.self)
        }
        #expect(onReceipt?.code == .undoOnHandoff)
        #expect(onReceipt?.message.contains(morning) == true, "\(onReceipt?.message ?? "-")")

        // MARK: 4. Overdue and return (滞留/退件)

        // Last week's ZTO parcel is past its hold period (滞留超期): staff decide to send it back. The recipient of this
        // morning's ZTO parcel refused it (拒收): it goes back too.
        let overdue = try Self.parcel(station, Self.lastWeekZTO).parcel
        #expect(overdue.state == "notified")
        #expect(overdue.overdue)
        #expect(try Self.status(station).overdue == 1)
        #expect(try Self.parcel(station, Self.zto).parcel.overdue == false)
        for (tracking, reason) in [(Self.lastWeekZTO, "overdue"), (Self.zto, "拒收 refused")] {
            let requested = try station.call(
                Method.returnParcel.rawValue, ReturnParams(tracking: tracking, reason: reason, staff: "李娟"), as: ParcelResult.self)
            #expect(requested.parcel.state == "returnRequested")
            #expect(try Self.lastEvent(station, tracking)?.details["reason"] == reason)
        }
        #expect(try Self.status(station).overdue == 0)
        // The refused one's unsent reminders and overdue warning are cancelled (last week's were all sent).
        #expect(try Self.waitUntil { try Self.notices(station, Self.zto).filter { $0.status == "cancelled" }.count == 3 })

        // Both join the next outbound return handoff to ZTO by themselves, and leave with it.
        let returnOpened = try station.call(
            Method.openHandoff.rawValue, HandoffOpenParams(direction: "outbound", kind: "return", party: "zto-wang", nodeTier: "courier"),
            as: HandoffResult.self)
        let returnHandoff = returnOpened.handoff.id
        #expect(Set(returnOpened.lines.map(\.tracking)) == [Self.lastWeekZTO, Self.zto])
        #expect(returnOpened.lines.allSatisfy { $0.status == "expected" })
        #expect(try Self.scan(station, returnHandoff, Self.lastWeekZTO).remaining == 1)
        let returnScan = try Self.scan(station, returnHandoff, Self.zto)
        #expect(returnScan.result == "scanned")
        #expect(returnScan.remaining == 0)
        let returnClosed = try Self.close(station, returnHandoff, pin: "4826")
        #expect(returnClosed.handoff.state == "closed")
        #expect(returnClosed.handoff.confirmedBy == "pin")
        #expect(returnClosed.handoff.receiptSeq == 2)
        #expect(returnClosed.discrepancies.isEmpty)
        let returnBody = Self.object(try #require(returnClosed.receipt).body)
        #expect(returnBody["previousDigest"] as? String == morningReceipt.digest)
        #expect(
            Set((returnBody["lines"] as? [[String: Any]])?.map { "\($0["tracking"] ?? "") \($0["status"] ?? "")" } ?? [])
                == ["\(Self.lastWeekZTO) scanned", "\(Self.zto) scanned"])
        for tracking in [Self.lastWeekZTO, Self.zto] {
            let returned = try Self.parcel(station, tracking)
            #expect(returned.parcel.state == "returned")
            #expect(returned.parcel.releasedAt != nil)
            #expect(returned.events.last?.kind == "completeReturn")
            #expect(returned.events.last?.details["handoff"] == returnHandoff)
        }

        // MARK: 5. Produce going up the chain (农产品上行) on the shuttle

        for (waybill, destination, grams, fen) in [
            (Self.produce[0], "广东省广州市", 5200, 1800), (Self.produce[1], "浙江省杭州市", 3100, 1500),
        ] {
            let accepted = try station.call(
                Method.acceptOutgoing.rawValue,
                OutgoingParams(
                    waybill: waybill, courier: "EMS", destination: destination, weightGrams: grams, feeFen: fen, produce: true,
                    senderTail: "5123",
                    idChecked: true, staff: "李娟"), as: OutgoingDTO.self)
            #expect(accepted.state == "waiting")
            #expect(accepted.produce)
        }
        let gift = try station.call(
            Method.acceptOutgoing.rawValue,
            OutgoingParams(
                waybill: Self.gift, courier: "EMS", destination: "北京市", weightGrams: 800, feeFen: 1200, idChecked: true, staff: "李娟"),
            as: OutgoingDTO.self)
        #expect(gift.produce == false)
        #expect(
            Self.wireError {
                _ = try station.call(
                    Method.acceptOutgoing.rawValue,
                    OutgoingParams(waybill: Self.gift, courier: "EMS", destination: "北京市", weightGrams: 800, feeFen: 1200),
                    as: OutgoingDTO.self)
            }?.code == .outgoingDuplicate)
        #expect(try Self.outgoing(station, open: true).count == 3)

        // The evening shuttle: its outbound outgoing handoff lists the three waiting parcels by itself.
        let shuttle = try station.call(
            Method.openHandoff.rawValue,
            HandoffOpenParams(
                direction: "outbound", kind: "outgoing", party: "xiang-zhao", node: "xiang-05", nodeTier: "township", vehicle: "粤R·C3021"),
            as: HandoffResult.self)
        #expect(Set(shuttle.lines.map(\.tracking)) == Set(Self.produce + [Self.gift]))
        for waybill in Self.produce + [Self.gift] { #expect(try Self.scan(station, shuttle.handoff.id, waybill).result == "scanned") }
        // The driver's PIN is still locked out since the morning, across two restarts; his badge closes it.
        #expect(Self.wireError { _ = try Self.close(station, shuttle.handoff.id, pin: "2580") }?.code == .lockedOut)
        let shuttleClosed = try Self.close(station, shuttle.handoff.id, badge: "BADGE-XIANG05-0007")
        #expect(shuttleClosed.handoff.receiptSeq == 3)
        #expect(shuttleClosed.discrepancies.isEmpty)
        let sent = try Self.outgoing(station, open: false)
        #expect(Set(sent.map(\.waybill)) == Set(Self.produce + [Self.gift]))
        #expect(sent.allSatisfy { $0.state == "handedOver" && $0.handedAt != nil })
        #expect(sent.filter(\.produce).count == 2)
        #expect(try Self.outgoing(station, open: true).isEmpty)

        // MARK: 6. Stocktake (盘点) of shelf 1, at the terminal

        let active = try station.call(Method.search.rawValue, SearchParams(active: true), as: ParcelsResult.self).parcels
        #expect(Set(active.map(\.tracking)) == [Self.jt, Self.yto, Self.sto, Self.deppon, Self.extraJD, Self.lunchYTO])
        let shelfOne = active.filter { $0.pickupCode?.hasPrefix("1-") == true }.map(\.tracking)
        let stray = try #require(active.first { $0.pickupCode?.hasPrefix("2-") == true }, "\(active.map { $0.pickupCode ?? "-" })")
        let startedSweep = try Self.ctl(daemon, ["stocktake", "start", "--shelf", "1"])
        #expect(startedSweep.status == 0, "\(startedSweep.stderr)")
        let sweep = try #require(startedSweep.stdout.split(separator: "\n").last.map { String($0.dropFirst(4)) })
        // Everything on shelf 1 is there; one parcel of shelf 2 has been put on shelf 1 by mistake.
        let swept = try Self.ctl(daemon, ["stocktake", "scan", sweep] + shelfOne + [stray.tracking])
        #expect(swept.status == 0, "\(swept.stderr)")
        #expect(swept.stdout.split(separator: "\n").filter { $0.hasPrefix("found") }.count == shelfOne.count)
        #expect(swept.stdout.contains("misplaced   \(stray.tracking)"), "\(swept.stdout)")
        let report = try Self.ctl(daemon, ["stocktake", "close", sweep])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("错放 misplaced (belongs on another shelf): 1"), "\(report.stdout)")
        #expect(report.stdout.contains(stray.tracking))
        #expect(report.stdout.contains("缺失 missing (ledger has it here, not found): 0"))
        #expect(report.stdout.contains("在架 found: \(shelfOne.count)"))
        let kept = try station.call(Method.getStocktake.rawValue, StocktakeRefParams(stocktake: sweep), as: StocktakeReportDTO.self)
        #expect(kept.closedAt != nil)
        #expect(kept.scanned == shelfOne.count + 1)
        #expect(kept.misplaced.map(\.tracking) == [stray.tracking])
        #expect(kept.misplaced.first?.pickupCode == stray.pickupCode)
        #expect(kept.missing.isEmpty && kept.unknown.isEmpty && kept.longStay.isEmpty)

        // MARK: 7. End of day: daily report, receipts, custody log

        // The daily report (日报): 8 + 1 + 4 received (the mistaken intake undone), 6 picked up, 1 returned, 3 sent (2 of them produce).
        let daily = try station.call(Method.dailyReport.rawValue, DailyReportParams(), as: StationReportResult.self)
        #expect(daily.period.label == today, "the day changed during the test (Asia/Shanghai midnight)")
        let totals = daily.totals
        #expect(totals.received == 13)
        #expect(totals.notified == 14)  // the mistaken parcel's notice went out before its intake was undone
        #expect(totals.reminders == 2)  // last week's parcel's two reminders
        #expect(totals.pickedUp == 6)
        #expect(totals.returnRequested == 2)
        #expect(totals.returned == 2)
        #expect(totals.outgoing == 1)
        #expect(totals.produce == 2)
        #expect(totals.outgoingFeesFen == 1200)
        #expect(totals.produceFeesFen == 3300)
        #expect(totals.feesFen == 4500)
        #expect(totals.outgoingHandedOver == 3)
        #expect(totals.inboundHandoffs == 1)
        #expect(totals.outboundHandoffs == 2)
        #expect(totals.handoffsClosed == 3)
        #expect(totals.complaints == 0)
        #expect(totals.commissionFen == 40 + 5 * 30)  // one ZTO parcel picked up at 40 fen, five others at 30
        #expect(daily.discrepancies == DiscrepancyCountsDTO(missing: 1, extra: 1, damaged: 1, misrouted: 0))
        #expect(daily.atStationAtEnd == 6)
        let ztoRow = daily.byCourier.first { $0.courier == "ZTO" }
        #expect(ztoRow?.received == 2)
        #expect(ztoRow?.pickedUp == 1)
        #expect(ztoRow?.returned == 2)
        #expect(daily.byCourier.first { $0.courier == "EMS" }?.outgoing == 3)
        // The assessment: 2 of 3 handoffs reconciled (the morning one has open discrepancies), and one parcel of the 14
        // at the station during the day was overdue: 13/14 of the 10 timeliness points.
        #expect(daily.assessment.inputs.handoffs == 3)
        #expect(daily.assessment.inputs.handoffsClosedWithReceipt == 3)
        #expect(daily.assessment.inputs.handoffsWithOpenDiscrepancies == 1)
        #expect(daily.assessment.completeHandoffs == 2)
        #expect(daily.assessment.ledgerPoints == 3.33)
        #expect(daily.assessment.timelinessPoints == 9.29)
        #expect(daily.assessment.points == 12.62)

        // The receipts (交接台账), verified offline with the station's public key.
        let publicKey = try #require(try Self.status(station).publicKey)
        let ledger = try station.call(Method.receipts.rawValue, NoParams(), as: ReceiptsResult.self)
        #expect(ledger.publicKey == publicKey)
        #expect(ledger.receipts.count == 3)
        let ledgerFile = day.file("receipts.json")
        try Self.writeJSON(ledger, to: ledgerFile)
        let valid = try runCommand(BuiltProducts.parcelctl, ["receipt", "verify", ledgerFile, "--public-key", publicKey])
        #expect(valid.status == 0, "\(valid.stderr)")
        let validLines = valid.stdout.split(separator: "\n").filter { $0.hasPrefix("VALID receipt #") }
        #expect(validLines.count == 3, "\(valid.stdout)")
        #expect(validLines.first?.contains("VALID receipt #1 of 李家村服务站 (cun-lijia)") == true)
        #expect(validLines.first?.contains("scanned 6, missing 1, extra 1, damaged 1, misrouted 0") == true)
        #expect(validLines.dropFirst().first?.contains("outbound return with 王师傅") == true)
        #expect(validLines.last?.contains("outbound outgoing with 赵师傅") == true)

        // Someone edits receipt #1 to hide the missing parcel: caught.
        var edited = ledger
        #expect(edited.receipts[0].body.contains(#""missing":1"#))
        edited.receipts[0].body = edited.receipts[0].body.replacingOccurrences(of: #""missing":1"#, with: #""missing":0"#)
        let countFile = day.file("receipts-count-edited.json")
        try Self.writeJSON(edited, to: countFile)
        let countCaught = try runCommand(BuiltProducts.parcelctl, ["receipt", "verify", countFile, "--public-key", publicKey])
        #expect(countCaught.status == 1)
        #expect(countCaught.stderr.contains("NOT VALID: the body was changed"), "\(countCaught.stderr)")
        // Someone swaps the returned parcel's number in receipt #2 and even fixes up the digest: the signature catches it.
        var swapped = ledger
        swapped.receipts[1].body = swapped.receipts[1].body.replacingOccurrences(of: Self.zto, with: "75160234981299")
        swapped.receipts[1].digest = try Self.sha256Hex(swapped.receipts[1].body)
        let swapFile = day.file("receipts-tracking-edited.json")
        try Self.writeJSON(swapped, to: swapFile)
        let swapCaught = try runCommand(BuiltProducts.parcelctl, ["receipt", "verify", swapFile, "--public-key", publicKey])
        #expect(swapCaught.status == 1)
        #expect(swapCaught.stderr.contains("NOT VALID: the signature does not match the body"), "\(swapCaught.stderr)")

        // The custody log is intact.
        let events = try Self.status(station).events
        let intact = try Self.ctl(daemon, ["audit", "verify"])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("INTACT: \(events) events"), "\(intact.stdout)")
        #expect(daemon.terminate() == 0)

        // After closing, someone edits the neighbour's pickup in the SQLite file to name another collector (dropping
        // the trigger that refuses updates first). Audit verify names that event as the first broken link.
        let database = daemon.stateDir + "/parcels.sqlite"
        let tamper = try runCommand(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit(); print(c.execute('SELECT details FROM parcel_event WHERE id=' + sys.argv[3]).fetchone()[0])",
                database,
                "DROP TRIGGER parcel_event_no_update; UPDATE parcel_event SET details = json_set(details, '$.collector', '张三') WHERE id = \(proxyEvent.seq);",
                String(proxyEvent.seq),
            ])
        #expect(tamper.status == 0, "\(tamper.stderr)")
        #expect(tamper.stdout.contains("张三"))
        daemon = try daemon.restarted(config: Self.config(), environment: clock)
        station = try daemon.connect(client: "counter-pc")
        let broken = try Self.ctl(daemon, ["audit", "verify"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("BROKEN: event #\(proxyEvent.seq) (\(proxyEvent.uid))"), "\(broken.stderr)")
        let audit = try station.call(Method.verifyAudit.rawValue, NoParams(), as: AuditResult.self)
        #expect(audit.valid == false)
        #expect(audit.events == Int(events))
        #expect(audit.firstBroken == AuditResult.Link(seq: proxyEvent.seq, uid: proxyEvent.uid))
        #expect(daemon.terminate() == 0)
    }

    // MARK: Helpers

    static func wireError(_ body: () throws -> Void) -> WireError? {
        do {
            try body()
            return nil
        } catch let error as WireError {
            return error
        } catch {
            Issue.record("expected an error reply, got \(error)")
            return nil
        }
    }

    /// Polls `condition` every 100 ms until it holds or `timeout` seconds have passed.
    static func waitUntil(timeout: TimeInterval = 30, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(100_000)
        }
        return try condition()
    }

    /// SIGTERM to a helper process this test started, SIGKILL if it is still there 5 s later.
    static func stop(_ process: Process) {
        if process.isRunning { process.terminate() }
        if !(waitUntil(timeout: 5) { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    static func ctl(_ daemon: DaemonProcess, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(BuiltProducts.parcelctl, arguments + ["--socket", daemon.socketPath])
    }

    static func status(_ station: StationConnection) throws -> StatusResult {
        try station.call(Method.status.rawValue, NoParams(), as: StatusResult.self)
    }

    static func parcel(_ station: StationConnection, _ tracking: String) throws -> GetResult {
        try station.call(Method.get.rawValue, GetParams(tracking: tracking), as: GetResult.self)
    }

    static func lastEvent(_ station: StationConnection, _ tracking: String) throws -> EventDTO? {
        try parcel(station, tracking).events.last
    }

    static func notices(_ station: StationConnection, _ tracking: String) throws -> [NoticeDTO] {
        try station.call(Method.notices.rawValue, GetParams(tracking: tracking), as: NoticesResult.self).notices
    }

    static func handoff(_ station: StationConnection, _ id: String) throws -> HandoffResult {
        try station.call(Method.getHandoff.rawValue, HandoffRefParams(handoff: id), as: HandoffResult.self)
    }

    static func scan(_ station: StationConnection, _ handoff: String, _ text: String) throws -> HandoffScanResult {
        try station.call(
            Method.scanHandoff.rawValue, HandoffScanParams(handoff: handoff, text: text, staff: "李娟"), as: HandoffScanResult.self)
    }

    static func close(_ station: StationConnection, _ handoff: String, pin: String? = nil, badge: String? = nil) throws -> HandoffResult {
        try station.call(
            Method.closeHandoff.rawValue, HandoffCloseParams(handoff: handoff, badge: badge, pin: pin, staff: "李娟"), as: HandoffResult.self)
    }

    static func verify(_ station: StationConnection, _ params: VerifyParams) throws -> [ParcelDTO] {
        try station.call(Method.verifyPickup.rawValue, params, as: ParcelsResult.self).parcels
    }

    static func confirm(_ station: StationConnection, _ params: ConfirmParams) throws -> ConfirmResult {
        try station.call(Method.confirmPickup.rawValue, params, as: ConfirmResult.self)
    }

    static func outgoing(_ station: StationConnection, open: Bool) throws -> [OutgoingDTO] {
        try station.call(Method.listOutgoing.rawValue, ListParams(open: open), as: OutgoingListResult.self).outgoing
    }

    static func writeJSON(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(value).write(to: URL(fileURLWithPath: path))
    }

    static func lines(_ path: String) throws -> [Substring] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    }

    static func jsonLines(_ path: String) throws -> [[String: Any]] {
        try lines(path).map { object(String($0)) }
    }

    static func object(_ json: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
    }

    static func sha256Hex(_ text: String) throws -> String {
        let result = try runCommand(
            "/usr/bin/env", ["python3", "-c", "import hashlib,sys; print(hashlib.sha256(sys.argv[1].encode()).hexdigest())", text])
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The day as the station's reports reckon it (reports.timeZone Asia/Shanghai).
    static func shanghaiDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}
