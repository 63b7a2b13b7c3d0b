import Foundation
import GRDB
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// Issue 17: proof at pickup (出库拍照) and the privacy purge (隐私), on a real daemon, socket, parcelctl and files.
@Suite(.serialized, .waitsOnProcesses) struct PrivacyDaemonTests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LabelDecodingTests/Fixtures/labels/\(name)").path
    }

    static func waitFor(_ what: String, seconds: Double = 90, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            guard Date() < deadline else { throw CLIFailure("timed out waiting for \(what)") }
            usleep(100_000)
        }
    }

    struct CLIFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func sha256(_ path: String) throws -> String {
        let result = try runCommand("/usr/bin/sha256sum", [path])
        return String(result.stdout.prefix(64))
    }

    static func pickUp(_ client: StationConnection, _ parcel: ParcelDTO, collector: String? = nil) throws -> ConfirmResult {
        try client.call(
            Method.confirmPickup,
            ConfirmParams(trackings: [parcel.tracking], code: try #require(parcel.pickupCode), staff: "王芳", collector: collector))
    }

    // MARK: Proof at pickup

    @Test func photoDroppedIntoTheProofFolderIsChainedAndAuditedAndTamperingIsReported() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-proof")
        let spool = directory.file("pickup-camera")
        // Lines up to 1 MiB: the PNG signature goes inline as base64.
        let config =
            #"{"server": {"maxLineBytes": 1048576}, "labels": {"spool": [{"path": "\#(spool)", "proof": "photo", "counter": "1"}]}}"#
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
        let daemon = try DaemonProcess(config: config, directory: directory)
        let client = try daemon.connect()
        let parcel = try client.intake("SF1234567890123", phoneTail: "4821").parcel
        let pickup = try Self.pickUp(client, parcel)

        // The document camera writes its photo just after the pickup; its name names nothing.
        let photo = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("label_0033.jpg")))
        try photo.write(to: URL(fileURLWithPath: "\(spool)/IMG_0001.jpg"))
        // Not an image: refused into failed/ with its reason, never decoded.
        try Data("hello, not a photo".utf8).write(to: URL(fileURLWithPath: "\(spool)/notes.jpg"))
        do {
            try Self.waitFor("the proof notes") {
                FileManager.default.fileExists(atPath: "\(spool)/done/IMG_0001.jpg.json")
                    && FileManager.default.fileExists(atPath: "\(spool)/failed/notes.jpg.json")
            }
        } catch {
            let folders = ["", "processing", "done", "failed"].map { folder in
                "\(folder): \((try? FileManager.default.contentsOfDirectory(atPath: spool + "/" + folder)) ?? [])"
            }
            Issue.record("\(error); spool \(folders.joined(separator: "; ")); daemon log: \(daemon.log.suffix(3000))")
            throw error
        }
        let note = try String(contentsOfFile: "\(spool)/done/IMG_0001.jpg.json", encoding: .utf8)
        #expect(note.contains("proofAttached") && note.contains("\"pickupId\" : \(pickup.pickupId)"), "\(note)")
        #expect(!FileManager.default.fileExists(atPath: "\(spool)/done/IMG_0001.jpg"), "the image moved to the proof folder")
        #expect(try String(contentsOfFile: "\(spool)/failed/notes.jpg.json", encoding: .utf8).contains("notAnImage"))

        let sha = try Self.sha256(Self.fixture("label_0033.jpg"))
        let stored = "\(daemon.stateDir)/proofs/\(sha).jpg"
        #expect(try Self.sha256(stored) == sha)
        let got = try client.call(Method.get, GetParams(tracking: parcel.tracking))
        let event = try #require(got.events.last)
        #expect(event.kind == "attachProof" && event.to == "pickedUp")
        #expect(event.details["sha256"] == sha && event.details["file"] == "\(sha).jpg" && event.details["proof"] == "photo")
        #expect(event.details["pickupId"] == String(pickup.pickupId))
        let shown = try daemon.parcelctl(["show", parcel.tracking])
        #expect(shown.status == 0 && shown.stdout.contains("出库凭证") && shown.stdout.contains("sha256 \(sha)"), "\(shown)")

        // A signature through the socket, named by tracking number; wrong requests are refused clearly.
        let signature = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("label_0033.png")))
        let signed = try client.call(
            Method.attachProof,
            AttachProofParams(tracking: parcel.tracking, kind: "signature", bytes: signature.base64EncodedString()))
        #expect(signed.pickupId == pickup.pickupId && signed.file.hasSuffix(".png") && !signed.repeated)
        let again = try client.call(
            Method.attachProof, AttachProofParams(pickupId: pickup.pickupId, kind: "signature", bytes: signature.base64EncodedString()))
        #expect(again.repeated)
        func refusal(_ params: AttachProofParams) throws -> String? {
            do {
                _ = try client.call(Method.attachProof, params)
                return nil
            } catch let error as WireError {
                return error.code.rawValue
            }
        }
        #expect(
            try refusal(AttachProofParams(pickupId: pickup.pickupId, bytes: Data("GIF89a not ours".utf8).base64EncodedString()))
                == "proof.notAnImage")
        #expect(try refusal(AttachProofParams(pickupId: 999_999, bytes: photo.base64EncodedString())) == "proof.noPickup")
        let waiting = try client.intake("YT0629322539683", phoneTail: "4821").parcel
        #expect(try refusal(AttachProofParams(tracking: waiting.tracking, bytes: photo.base64EncodedString())) == "proof.noPickup")

        let intact = try daemon.parcelctl(["audit", "verify"])
        #expect(
            intact.status == 0 && intact.stdout.contains("INTACT") && intact.stdout.contains("2 files re-hashed, 0 altered, 0 missing"),
            "\(intact)")

        // The stored photo altered on disk: the chain is intact, the proof no longer matches its chained digest.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: stored))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0x00]))
        try handle.close()
        let altered = try daemon.parcelctl(["audit", "verify"])
        #expect(altered.status == 1 && altered.stderr.contains("ALTERED: proof \(sha).jpg"), "\(altered)")
        // Gone altogether: reported apart, not as a broken chain.
        try FileManager.default.removeItem(atPath: stored)
        let missing = try daemon.parcelctl(["audit", "verify"])
        #expect(missing.status == 0 && missing.stdout.contains("MISSING: proof \(sha).jpg"), "\(missing)")
        #expect(daemon.terminate() == 0)
    }

    // MARK: Purge

    /// Where `needle` occurs in `haystack` outside a run of hex digits and dashes (a uid, a SHA-256 in hex): those
    /// may hold any 4 digits by chance, a stored phone tail never sits inside one.
    static func occurrences(of needle: [UInt8], in haystack: [UInt8], outsideHex: Bool = false) -> Int {
        guard haystack.count >= needle.count else { return 0 }
        func isHex(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || byte == 0x2D }
        var count = 0
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && Array(haystack[index..<index + needle.count]) == needle {
                var start = index
                var end = index + needle.count
                while start > 0 && isHex(haystack[start - 1]) { start -= 1 }
                while end < haystack.count && isHex(haystack[end]) { end += 1 }
                if !outsideHex || end - start < 32 { count += 1 }
            }
            index += 1
        }
        return count
    }

    static func rawLedger(_ stateDir: String) -> [UInt8] {
        ["parcels.sqlite", "parcels.sqlite-wal"].flatMap { name in
            (FileManager.default.contents(atPath: "\(stateDir)/\(name)")).map { [UInt8]($0) } ?? []
        }
    }

    @Test func purgeAfterTheRetentionLeavesNoTailHashOrNameInTheFileOrItsWAL() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-purge")
        let config = #"{"storeFullPhone": true, "notices": {"exec": {"executable": "/bin/true"}}, "privacy": {"retentionDays": 30}}"#
        let daemon = try DaemonProcess(config: config, directory: directory)
        let client = try daemon.connect()
        let phone = "13912347391"
        let collector = "王小明测试"
        let collected = try client.call(Method.intake, IntakeParams(tracking: "SF1234567890123", phone: phone)).parcel
        let waiting = try client.intake("YT0629322539683", phoneTail: "5286").parcel
        let ledger = "\(daemon.stateDir)/parcels.sqlite"
        let reader = try DatabaseQueue(
            path: ledger,
            configuration: { () -> Configuration in
                var configuration = Configuration()
                configuration.readonly = true
                return configuration
            }())
        // Its first notice (取件通知) carries the number: wait until it is queued.
        try Self.waitFor("the first notice") {
            try reader.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM notice WHERE message LIKE ?", arguments: ["%\(phone)%"]) ?? 0
            } > 0
        }
        _ = try Self.pickUp(client, collected, collector: collector)
        let hash = try #require(
            try reader.read { db in
                try Data.fetchOne(db, sql: "SELECT phone_hash FROM parcel WHERE tracking = ?", arguments: [collected.tracking])
            })
        try reader.close()
        let before = Self.rawLedger(daemon.stateDir)
        // The test can fail: before the purge each value is there.
        #expect(Self.occurrences(of: Array(collector.utf8), in: before) > 0)
        #expect(Self.occurrences(of: Array(phone.utf8), in: before) > 0)
        #expect(Self.occurrences(of: Array("7391".utf8), in: before, outsideHex: true) > 0)
        #expect(Self.occurrences(of: [UInt8](hash), in: before) > 0)

        // Within the retention nothing is erased.
        let early = try client.call(Method.purge, NoParams())
        #expect(early.run.purged == PurgeCountsDTO(parcels: 0, pickups: 0, handoffLines: 0, notices: 0, outgoing: 0))
        #expect(daemon.terminate() == 0)

        // 31 days later: the start-up run erases them; `purge --now` after it finds nothing more.
        let later = try daemon.restarted(config: config, environment: ["PARCEL_STATION_CLOCK_OFFSET_SECONDS": String(31 * 86_400)])
        let client2 = try later.connect()
        // Each start runs the purge: the first daemon's run (nothing due) is recorded too.
        try Self.waitFor("the start-up purge") {
            try client2.call(Method.privacyStatus, NoParams()).runs.filter { $0.trigger == "start" }.count == 2
        }
        let status = try client2.call(Method.privacyStatus, NoParams())
        #expect(status.purgedParcels == 1 && status.due == 0 && status.retentionDays == 30)
        let startRun = try #require(status.runs.first { $0.trigger == "start" })
        #expect(startRun.purged.parcels == 1 && startRun.purged.pickups == 1 && startRun.purged.notices >= 1, "\(startRun)")
        let now = try later.parcelctl(["purge", "--now"])
        #expect(now.status == 0 && now.stdout.contains("purged: 0 parcels") && now.stdout.contains("WAL truncated"), "\(now)")
        let audit = try later.parcelctl(["audit", "verify"])
        #expect(audit.status == 0 && audit.stdout.contains("INTACT"), "\(audit)")

        #expect(try client2.call(Method.get, GetParams(tracking: collected.tracking)).parcel.phoneTail == nil)
        // The parcel still on the shelf keeps its data.
        #expect(try client2.call(Method.get, GetParams(tracking: waiting.tracking)).parcel.phoneTail == "5286")

        for (moment, bytes) in [
            ("running", Self.rawLedger(later.stateDir)),
            (
                "stopped",
                { () -> [UInt8] in
                    later.terminate()
                    return Self.rawLedger(later.stateDir)
                }()
            ),
        ] {
            #expect(Self.occurrences(of: Array(collector.utf8), in: bytes) == 0, "collector's name left (\(moment))")
            #expect(Self.occurrences(of: Array(phone.utf8), in: bytes) == 0, "full number left (\(moment))")
            #expect(Self.occurrences(of: Array("7391".utf8), in: bytes, outsideHex: true) == 0, "phone tail left (\(moment))")
            #expect(Self.occurrences(of: [UInt8](hash), in: bytes) == 0, "phone hash left (\(moment))")
            #expect(Self.occurrences(of: Array("5286".utf8), in: bytes, outsideHex: true) > 0, "the waiting parcel's tail (\(moment))")
        }
    }

    @Test func retentionZeroPurgesAtOnceAndKeepsTheChain() throws {
        let config = #"{"privacy": {"retentionDays": 0}}"#
        let daemon = try DaemonProcess(config: config)
        let client = try daemon.connect()
        let parcel = try client.intake("SF1234567890123", phoneTail: "7391").parcel
        let waiting = try client.intake("YT0629322539683", phoneTail: "7391").parcel
        let returned = try client.intake("JT3913308560800", phoneTail: "7391").parcel
        _ = try Self.pickUp(client, parcel, collector: "王小明测试")
        let back = try daemon.parcelctl(["return", returned.tracking, "--reason", "overdue", "--handed-over"])
        #expect(back.status == 0, "\(back)")
        let purged = try daemon.parcelctl(["purge", "--now"])
        #expect(purged.status == 0 && purged.stdout.contains("purged: 2 parcels, 1 collectors"), "\(purged)")
        #expect(try client.call(Method.get, GetParams(tracking: parcel.tracking)).parcel.phoneTail == nil)
        #expect(try client.call(Method.get, GetParams(tracking: returned.tracking)).parcel.phoneTail == nil)
        #expect(try client.call(Method.get, GetParams(tracking: waiting.tracking)).parcel.phoneTail == "7391")
        let listed = try daemon.parcelctl(["purge"])
        #expect(listed.status == 0 && listed.stdout.contains("purged so far: 2 parcels") && listed.stdout.contains("request"), "\(listed)")
        let audit = try daemon.parcelctl(["audit", "verify"])
        #expect(audit.status == 0 && audit.stdout.contains("INTACT"), "\(audit)")
        #expect(daemon.terminate() == 0)
    }
}
