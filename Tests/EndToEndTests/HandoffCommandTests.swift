import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// A handoff as station staff run it with parcelctl, and its receipt checked offline.
@Suite(.serialized, .waitsOnProcesses) struct HandoffCommandTests {
    static let config = """
        {"station": {"id": "cun-01", "name": "李家村服务站"},
         "handoffs": {"parties": [{"id": "zto-wang", "name": "王师傅", "company": "ZTO", "badge": "BADGE-ZTO-0042", "pin": "4826"}],
                      "pinAttempts": 3}}
        """

    @Test func inboundHandoffWithManifestScansAndAVerifiableReceipt() throws {
        let daemon = try DaemonProcess(config: Self.config)
        let opened = try daemon.parcelctl(["handoff", "open", "--party", "zto-wang", "--node", "xiang-05", "--node-tier", "township"])
        #expect(opened.status == 0, "\(opened.stderr)")
        let id = try #require(opened.stdout.split(separator: "\n").last.map { String($0.dropFirst(4)) })
        let manifest = daemon.directory.file("manifest.csv")
        try "\u{FEFF}tracking,courier,bag\n75100000000001,ZTO,BAG-A\n75100000000002,ZTO,BAG-A\n75100000000003,ZTO,\n".write(
            toFile: manifest, atomically: true, encoding: .utf8)
        let imported = try daemon.parcelctl(["handoff", "import", id, manifest])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("expected 3"))

        let bad = daemon.directory.file("bad.csv")
        try "tracking\nEA123456784CN\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = try daemon.parcelctl(["handoff", "import", id, bad])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 2"))
        #expect(refused.stderr.contains("manifest.invalid"))

        let scanned = try daemon.parcelctl(["handoff", "scan", id, "75100000000001", "SF1000000000099"])
        #expect(scanned.status == 0, "\(scanned.stderr)")
        #expect(scanned.stdout.contains("scanned"))
        #expect(scanned.stdout.contains("extra"))
        #expect(scanned.stdout.contains("取件码"))
        let damaged = try daemon.parcelctl(["handoff", "scan", id, "75100000000002", "--damaged", "--photo", "dmg-1.jpg"])
        #expect(damaged.stdout.contains("damaged"))

        let wrong = try daemon.parcelctl(["handoff", "close", id, "--pin", "0000"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("handoff.confirmationFailed"))
        let receiptFile = daemon.directory.file("receipt.json")
        let closed = try daemon.parcelctl(["handoff", "close", id, "--badge", "BADGE-ZTO-0042", "--receipt", receiptFile])
        #expect(closed.status == 0, "\(closed.stderr)")
        #expect(closed.stdout.contains("missing 1"))
        let again = try daemon.parcelctl(["handoff", "close", id, "--pin", "4826"])
        #expect(again.stderr.contains("handoff.closed"))

        let status = try daemon.connect().call(Method.status.rawValue, NoParams(), as: StatusResult.self)
        let key = try #require(status.publicKey)
        #expect(daemon.terminate() == 0)

        // Offline: no daemon is running any more.
        let valid = try runCommand(BuiltProducts.parcelctl, ["receipt", "verify", receiptFile, "--public-key", key])
        #expect(valid.status == 0, "\(valid.stderr)")
        #expect(valid.stdout.contains("VALID receipt #1 of 李家村服务站"))
        #expect(valid.stdout.contains("missing 1, extra 1, damaged 1"))
        var text = try String(contentsOfFile: receiptFile, encoding: .utf8)
        text = text.replacingOccurrences(of: "\\\"missing\\\":1", with: "\\\"missing\\\":0")
        let tampered = daemon.directory.file("tampered.json")
        try text.write(toFile: tampered, atomically: true, encoding: .utf8)
        let caught = try runCommand(BuiltProducts.parcelctl, ["receipt", "verify", tampered, "--public-key", key])
        #expect(caught.status == 1)
        #expect(caught.stderr.contains("NOT VALID"))
        let foreign = try runCommand(
            BuiltProducts.parcelctl, ["receipt", "verify", receiptFile, "--public-key", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="])
        #expect(foreign.status == 1)

        let restarted = try daemon.restarted(config: Self.config)
        let list = try restarted.parcelctl(["discrepancy"])
        #expect(list.stdout.contains("missing"))
        #expect(list.stdout.contains("75100000000003"))
        let export = daemon.directory.file("ledger.json")
        #expect(try restarted.parcelctl(["receipt", "export", "--out", export]).status == 0)
        let chain = try runCommand(BuiltProducts.parcelctl, ["receipt", "verify", export, "--public-key", key])
        #expect(chain.status == 0, "\(chain.stderr)")
        #expect(restarted.terminate() == 0)
    }
}

/// The custody log as staff check it.
@Suite(.serialized, .waitsOnProcesses) struct AuditCommandTests {
    @Test func auditVerifyReportsAnIntactLogThenTheAlteredEvent() throws {
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        for tracking in ["SF1234567890123", "JT1234567890123", "YT1234567890123"] { _ = try client.intake(tracking) }
        let intact = try runCommand(BuiltProducts.parcelctl, ["audit", "verify", "--socket", daemon.socketPath])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("INTACT: 6 events"))
        #expect(daemon.terminate() == 0)

        // Someone edits the file behind the daemon's back.
        let database = daemon.stateDir + "/parcels.sqlite"
        let sql = "DROP TRIGGER parcel_event_no_update; UPDATE parcel_event SET actor = 'nobody' WHERE id = 4;"
        let edited = try runCommand(
            "/usr/bin/env",
            [
                "python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", database,
                sql,
            ])
        #expect(edited.status == 0, "\(edited.stderr)")
        let again = try daemon.restarted()
        let broken = try runCommand(BuiltProducts.parcelctl, ["audit", "verify", "--socket", again.socketPath])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("BROKEN: event #4"))
        #expect(again.terminate() == 0)
    }
}
