import CountySync
import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// The three tiers as one chain, with three real daemons on one machine and the real county database: the county's
/// distribution centre sends the day's bags to the 青山镇 township station, which keeps its own parcels and relays the
/// villages' in transit; it sends 李家村's on with a manifest it signs, carried as a file and as a printed QR sheet
/// read back with zbar; 李家村 signs the receipt, the township closes with it, and each side's discrepancies, the
/// township's backlog, assessment and notices, the offline pair check and the county's route check are asserted.
@Suite(.serialized) struct StationChainTests {
    static let bag = "00106141411234567941"

    static func config(id: String, name: String, villages: [String] = [], sortCodes: [String] = [], extra: String = "") -> String {
        func list(_ values: [String]) -> String { values.map { "\"\($0)\"" }.joined(separator: ", ") }
        return """
            {"station": {"id": "\(id)", "name": "\(name)", "villages": [\(list(villages))], "sortCodes": [\(list(sortCodes))]},
             "shelves": [{"id": 1, "layers": 2, "layerCapacity": 50}],
             "handoffs": {"parties": [{"id": "bus-chen", "name": "县乡班车 陈师傅", "pin": "2468"}]}\(extra)}
            """
    }

    static func county(_ link: CountyLink, passwordFile: String) -> String {
        """
        , "county": {"host": "127.0.0.1", "port": \(link.port), "database": "\(link.database)", "user": "\(link.user)",
                     "passwordFile": "\(passwordFile)", "pollSeconds": 1, "retryMaxSeconds": 1, "timeoutSeconds": 5}
        """
    }

    func waitForUpload(_ connection: StationConnection) async throws {
        let deadline = Date().addingTimeInterval(60)
        var status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        while (status.pending > 0 || status.state != "idle") && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            status = try connection.call(Method.syncStatus.rawValue, NoParams(), as: SyncStatusResult.self)
        }
        #expect(status.pending == 0, "\(status.lastError ?? "-")")
    }

    func parcelctl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(BuiltProducts.parcelctl, arguments)
    }

    @Test func aDaysBagsRelayedThroughTheTownshipWithHandoffsBothStationsSign() async throws {
        let owner = try await CountyTestServer.freshDatabase("chain")
        let townshipLink = try await CountyTestServer.registerStation(owner, id: "xiang-05", name: "青山镇服务站", tier: .township, township: nil)
        let villageLink = try await CountyTestServer.registerStation(owner, id: "cun-li", name: "李家村服务站")
        let folder = try TemporaryDirectory(prefix: "station-chain")
        for (name, link) in [("township", townshipLink), ("village", villageLink)] {
            try (link.password ?? "").write(toFile: folder.file("\(name)-password"), atomically: true, encoding: .utf8)
        }

        // First starts make each station's signing key; each configuration then names the others with their keys.
        var hub = try DaemonProcess(config: Self.config(id: "xian-hub", name: "县配送中心"))
        var township = try DaemonProcess(config: Self.config(id: "xiang-05", name: "青山镇服务站"))
        var village = try DaemonProcess(config: Self.config(id: "cun-li", name: "李家村服务站"))
        func key(_ daemon: DaemonProcess) throws -> String {
            try daemon.connect().call(Method.receipts.rawValue, NoParams(), as: ReceiptsResult.self).publicKey
        }
        let (hubKey, townshipKey, villageKey) = (try key(hub), try key(township), try key(village))
        let wangKey = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
        for daemon in [hub, township, village] { daemon.terminate() }
        hub = try hub.restarted(
            config: Self.config(
                id: "xian-hub", name: "县配送中心",
                extra: """
                    , "chain": {"stations": [{"id": "xiang-05", "name": "青山镇服务站", "tier": "township", "publicKey": "\(townshipKey)",
                                              "villages": ["青山镇", "李家村", "王家村"], "sortCodes": ["571"]}]}
                    """))
        township = try township.restarted(
            config: Self.config(
                id: "xiang-05", name: "青山镇服务站", villages: ["青山镇"],
                extra: """
                    , "chain": {"stations": [
                        {"id": "xian-hub", "name": "县配送中心", "tier": "county", "publicKey": "\(hubKey)"},
                        {"id": "cun-li", "name": "李家村服务站", "tier": "village", "publicKey": "\(villageKey)", "villages": ["李家村"],
                         "sortCodes": ["571-03"]},
                        {"id": "cun-wang", "name": "王家村服务站", "tier": "village", "publicKey": "\(wangKey)", "villages": ["王家村"]}]}
                    """ + Self.county(townshipLink, passwordFile: folder.file("township-password"))))
        village = try village.restarted(
            config: Self.config(
                id: "cun-li", name: "李家村服务站", villages: ["李家村"], sortCodes: ["571-03"],
                extra: """
                    , "chain": {"stations": [{"id": "xiang-05", "name": "青山镇服务站", "tier": "township", "publicKey": "\(townshipKey)"}]}
                    """ + Self.county(villageLink, passwordFile: folder.file("village-password"))))
        defer { for daemon in [hub, township, village] { daemon.terminate() } }
        let hubClient = try hub.connect()
        let townshipClient = try township.connect()
        let villageClient = try village.connect()

        // MARK: The county hub packs one bag for the township: its own parcel, three for 李家村, one for 王家村.
        let own = "SF1432768590231"
        let li = ["75160234981208", "JT5000112233452", "YT7312045567801"]
        let wang = "773058214690317"
        let destinations = [own: "青山镇", li[0]: "浙江省青山镇李家村3组", li[1]: "李家村", li[2]: "571-03-17", wang: "王家村"]
        for (tracking, destination) in destinations {
            let taken = try hubClient.call(
                Method.intake.rawValue, IntakeParams(tracking: tracking, phoneTail: "6688", destination: destination), as: ParcelResult.self
            )
            #expect(taken.parcel.state == "inTransit")
            #expect(taken.parcel.relayTo == "xiang-05")
        }
        let toTownship = try hubClient.call(
            Method.openHandoff.rawValue, HandoffOpenParams(direction: "outbound", kind: "transfer", party: "bus-chen", node: "xiang-05"),
            as: HandoffResult.self)
        #expect(Set(toTownship.lines.map(\.tracking)) == Set(destinations.keys))
        let packing = try hubClient.call(
            Method.scanHandoff.rawValue, HandoffScanParams(handoff: toTownship.handoff.id, text: Self.bag), as: HandoffScanResult.self)
        #expect(packing.result == "packing")
        for tracking in destinations.keys {
            _ = try hubClient.call(
                Method.scanHandoff.rawValue, HandoffScanParams(handoff: toTownship.handoff.id, text: tracking), as: HandoffScanResult.self)
        }
        let hubManifest = folder.file("hub-manifest.json")
        #expect(try hub.parcelctl(["handoff", "sign", toTownship.handoff.id, "-o", hubManifest]).status == 0)

        // MARK: The township takes the bag in: one scan ticks all five; the villages' go on unopened.
        let imported = try township.parcelctl(["handoff", "import-signed", hubManifest])
        #expect(imported.status == 0, "\(imported.stderr)")
        let inbound = try #require(
            try townshipClient.call(Method.listHandoffs.rawValue, ListParams(open: true), as: HandoffsResult.self).handoffs.first)
        #expect(inbound.party == "xian-hub")
        let bagScan = try townshipClient.call(
            Method.scanHandoff.rawValue, HandoffScanParams(handoff: inbound.id, text: Self.bag), as: HandoffScanResult.self)
        #expect(bagScan.bagLines == 5)
        #expect(bagScan.remaining == 0)
        let ownScan = try townshipClient.call(
            Method.scanHandoff.rawValue, HandoffScanParams(handoff: inbound.id, text: own), as: HandoffScanResult.self)
        #expect(ownScan.parcel?.state == "shelved")
        #expect(ownScan.parcel?.pickupCode != nil)
        let closedInbound = try townshipClient.call(
            Method.closeHandoff.rawValue, HandoffCloseParams(handoff: inbound.id, signed: true), as: HandoffResult.self)
        #expect(closedInbound.handoff.confirmedBy == "station")
        #expect(closedInbound.discrepancies.isEmpty)
        let bins = try townshipClient.call(Method.relayBins.rawValue, NoParams(), as: RelayBinsResult.self).bins
        #expect(bins.map(\.station) == ["cun-li", "cun-wang"])
        #expect(Set(bins[0].parcels.map(\.tracking)) == Set(li))
        // The township's backlog and assessment see only its own parcel; no notice is queued for the others.
        #expect(try townshipClient.call(Method.backlog.rawValue, BacklogParams(), as: BacklogResult.self).total == 1)
        let daily = try townshipClient.call(Method.dailyReport.rawValue, DailyReportParams(), as: StationReportResult.self)
        #expect(daily.assessment.inputs.parcelsShelved == 1)
        #expect(daily.relay?.relayed == 4)
        let printed = try township.parcelctl(["report", "daily"])
        #expect(printed.stdout.contains("中转"), "\(printed.stdout)")
        #expect(printed.stdout.contains("王家村服务站（cun-wang）"))
        for tracking in li + [wang] {
            let notices = try townshipClient.call(Method.notices.rawValue, GetParams(tracking: tracking), as: NoticesResult.self)
            #expect(notices.notices.isEmpty, "\(tracking)")
        }
        // The hub closes its side with the township's receipt.
        let townshipReceipt = folder.file("township-receipt.json")
        let documents = try townshipClient.call(
            Method.handoffDocuments.rawValue, HandoffRefParams(handoff: inbound.id), as: HandoffDocumentsResult.self)
        let sentBack = try #require(documents.documents.first { $0.role == "receiptSent" })
        try JSONEncoder().encode(sentBack.document).write(to: URL(fileURLWithPath: townshipReceipt))
        #expect(try hub.parcelctl(["handoff", "import-receipt", townshipReceipt]).status == 0)
        let hubClosed = try hubClient.call(
            Method.getHandoff.rawValue, HandoffRefParams(handoff: toTownship.handoff.id), as: HandoffResult.self)
        #expect(hubClosed.handoff.confirmedBy == "receiver")
        #expect(hubClosed.discrepancies.isEmpty)

        // MARK: The township's shuttle to 李家村: the bin, a misrouted parcel refused, the manifest signed, printed as QR.
        let toVillage = try townshipClient.call(
            Method.openHandoff.rawValue, HandoffOpenParams(direction: "outbound", kind: "transfer", party: "bus-chen", node: "cun-li"),
            as: HandoffResult.self)
        #expect(Set(toVillage.lines.map(\.tracking)) == Set(li))
        for tracking in li {
            _ = try townshipClient.call(
                Method.scanHandoff.rawValue, HandoffScanParams(handoff: toVillage.handoff.id, text: tracking), as: HandoffScanResult.self)
        }
        // From a handoff-role scanner at the counter: the display names the bin the parcel belongs in.
        let switched = try townshipClient.call(Method.submitScan.rawValue, SubmitScanParams(text: "PSCMD:HANDOFF"), as: ScanOutcomeDTO.self)
        #expect(switched.role == "handoff")
        let wrongBus = try townshipClient.call(Method.submitScan.rawValue, SubmitScanParams(text: wang), as: ScanOutcomeDTO.self)
        #expect(wrongBus.message.hasPrefix("错分：这件发往 王家村服务站"), "\(wrongBus.message)")
        let manifest = folder.file("township-manifest.json")
        #expect(try township.parcelctl(["handoff", "sign", toVillage.handoff.id, "-o", manifest]).status == 0)
        let pages = folder.file("sheet")
        let sheet = try parcelctl(["receipt", "sheet", manifest, "-o", folder.file("sheet.html"), "--png-dir", pages])
        #expect(sheet.status == 0, "\(sheet.stderr)")
        let images = try FileManager.default.contentsOfDirectory(atPath: pages).filter { $0.hasSuffix(".png") }.sorted().map {
            pages + "/" + $0
        }
        #expect(!images.isEmpty)
        // A page missing is named, and nothing is imported from it.
        if images.count > 1 {
            let short = try parcelctl(["receipt", "from-qr"] + images.dropFirst() + ["-o", folder.file("short.json")])
            #expect(short.status != 0)
            #expect(short.stderr.contains("missing"), "\(short.stderr)")
        }
        let readBack = folder.file("manifest-from-qr.json")
        let decoded = try parcelctl(["receipt", "from-qr"] + images + ["-o", readBack])
        #expect(decoded.status == 0, "\(decoded.stderr)")

        // MARK: 李家村 imports what it read from the sheet; a forged copy is refused. One parcel is not in the bus.
        let forged = folder.file("forged.json")
        let text = try String(contentsOfFile: readBack, encoding: .utf8)
        try text.replacingOccurrences(of: li[2], with: "YT7312045567899").write(toFile: forged, atomically: true, encoding: .utf8)
        let refused = try village.parcelctl(["handoff", "import-signed", forged])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("exchange.badSignature"), "\(refused.stderr)")
        #expect(try village.parcelctl(["handoff", "import-signed", readBack]).status == 0)
        let atVillage = try #require(
            try villageClient.call(Method.listHandoffs.rawValue, ListParams(open: true), as: HandoffsResult.self).handoffs.first)
        for tracking in li.prefix(2) {
            let scan = try villageClient.call(
                Method.scanHandoff.rawValue, HandoffScanParams(handoff: atVillage.id, text: tracking), as: HandoffScanResult.self)
            #expect(scan.parcel?.state == "shelved", "\(tracking): \(scan.result)")
        }
        let villageReceipt = folder.file("village-receipt.json")
        let closedAtVillage = try village.parcelctl(["handoff", "close", atVillage.id, "--signed", "-o", villageReceipt])
        #expect(closedAtVillage.status == 0, "\(closedAtVillage.stderr)")
        let villageSide = try villageClient.call(
            Method.getHandoff.rawValue, HandoffRefParams(handoff: atVillage.id), as: HandoffResult.self)
        #expect(villageSide.discrepancies.map(\.tracking) == [li[2]])

        // MARK: The receipt goes back; the township's side closes confirmed by the receiver, the missing one open there too.
        let unknownReceipt = try township.parcelctl(["handoff", "import-receipt", townshipReceipt])
        #expect(unknownReceipt.stderr.contains("exchange."), "\(unknownReceipt.stderr)")
        #expect(try township.parcelctl(["handoff", "import-receipt", villageReceipt]).status == 0)
        let townshipSide = try townshipClient.call(
            Method.getHandoff.rawValue, HandoffRefParams(handoff: toVillage.handoff.id), as: HandoffResult.self)
        #expect(townshipSide.handoff.confirmedBy == "receiver")
        #expect(
            Set(townshipSide.discrepancies.map { "\($0.kind) \($0.tracking)" }) == ["missing \(li[2])", "misrouted \(wang)"])
        let forwarded = try townshipClient.call(
            Method.search.rawValue, SearchParams(states: ["forwarded"], limit: 10), as: ParcelsResult.self)
        #expect(Set(forwarded.parcels.map(\.tracking)) == Set(li))

        // MARK: Offline, with both keys: the pair verifies; a tampered receipt and a wrong key do not.
        let pair = try parcelctl([
            "receipt", "verify-pair", readBack, villageReceipt, "--sender-key", townshipKey, "--receiver-key", villageKey,
        ])
        #expect(pair.status == 0, "\(pair.stdout) \(pair.stderr)")
        #expect(pair.stdout.contains("VALID"))
        let wrongKey = try parcelctl([
            "receipt", "verify-pair", readBack, villageReceipt, "--sender-key", villageKey, "--receiver-key", villageKey,
        ])
        #expect(wrongKey.status != 0)
        let tampered = folder.file("tampered-receipt.json")
        try String(contentsOfFile: villageReceipt, encoding: .utf8).replacingOccurrences(of: "missing", with: "scanned")
            .write(toFile: tampered, atomically: true, encoding: .utf8)
        let tamperedPair = try parcelctl([
            "receipt", "verify-pair", readBack, tampered, "--sender-key", townshipKey, "--receiver-key", villageKey,
        ])
        #expect(tamperedPair.status != 0)

        // MARK: The county: in transit at the township is no backlog there; the signed pair disagrees by one parcel.
        try await waitForUpload(townshipClient)
        try await waitForUpload(villageClient)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let (backlog, handoffs) = try await owner.withConnection(logger: CountyTestServer.logger) { connection in
            let reports = CountyReports(
                connection: connection, logger: CountyTestServer.logger, timeZone: TimeZone(identifier: "Asia/Shanghai")!)
            return (try await reports.backlog(now: now, holdHours: 168), try await reports.handoffs(now: now, graceHours: 24))
        }
        #expect(backlog.stations.first { $0.station.id == "xiang-05" }?.total == 1)
        #expect(backlog.inTransit.map { "\($0.from)→\($0.to) \($0.count)" } == ["xiang-05→cun-wang 1"])
        let mismatch = try #require(handoffs.pairMismatches.first)
        #expect(handoffs.pairMismatches.count == 1)
        #expect(mismatch.sender == "xiang-05")
        #expect(mismatch.receiver == "cun-li")
        #expect(mismatch.notReceived == 1)
        #expect(mismatch.notSent == 0)
        let forwardedInCounty = try await CountyTestServer.rows(
            owner, "SELECT count(*) FROM county.parcel WHERE station_id = 'xiang-05' AND state = 'forwarded' AND released_at IS NOT NULL")
        #expect(forwardedInCounty == [["3"]])
    }
}
