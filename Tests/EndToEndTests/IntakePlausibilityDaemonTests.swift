import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// What intake refuses as no parcel at all, through a real daemon: on the socket, from a scanner, from parcelctl,
/// and the staff override each way in, recorded as forced.
@Suite(.serialized, .waitsOnProcesses) struct IntakePlausibilityDaemonTests {
    static let config = """
        {"scanners": {"defaultRole": "intake", "duplicateWindowMs": 1500,
          "assignments": [{"match": "counter-1", "role": "pickup", "counter": "A"}]},
         "handoffs": {"parties": [{"id": "zto-wang", "name": "王师傅", "company": "ZTO", "badge": "BADGE-ZTO-0042", "pin": "4826"}]}}
        """

    /// One vector per kind: the scan, the error code it must meet.
    static let refused: [(scan: String, code: String)] = [
        ("6901234567892", "notAParcel.productCode"),  // EAN-13, China
        ("9787115293800", "notAParcel.productCode"),  // ISBN
        ("036000291452", "notAParcel.productCode"),  // UPC-A
        ("96385074", "notAParcel.productCode"),  // EAN-8
        ("00106141411234567897", "notAParcel.bagLabel"),  // SSCC without an AIM prefix
        ("]C100106141411234567897", "notAParcel.bagLabel"),
        ("PSCMD:PICKUP", "notAParcel.command"),
        ("BADGE-ZTO-0042", "notAParcel.command"),
        ("1", "notAParcel.tooShort"),
        ("1234567", "notAParcel.tooShort"),
        ("XYZ", "notAParcel.noDigits"),
    ]

    func scan(_ client: StationConnection, _ text: String, scanner: String? = nil) throws -> ScanOutcomeDTO {
        try client.call(Method.submitScan.rawValue, SubmitScanParams(text: text, scanner: scanner), as: ScanOutcomeDTO.self)
    }

    func events(_ client: StationConnection, _ tracking: String) throws -> [EventDTO] {
        try client.call(Method.get.rawValue, GetParams(tracking: tracking), as: GetResult.self).events
    }

    func parcelCount(_ client: StationConnection) throws -> Int {
        try client.call(Method.search.rawValue, SearchParams(), as: ParcelsResult.self).parcels.count
    }

    @Test func everyKindIsRefusedOnTheSocketAndForceTakesInWhatIsANumber() throws {
        let daemon = try DaemonProcess(config: Self.config)
        let client = try daemon.connect(client: "desk")
        for (scan, code) in Self.refused {
            let reply = try client.callRaw(Method.intake.rawValue, IntakeParams(tracking: scan))
            #expect(StationConnection.errorCode(of: reply) == code, "\(scan)")
        }
        #expect(try parcelCount(client) == 0)

        // Genuine waybills are not touched, including ones that pass a product check digit by chance.
        for tracking in ["SF1234567890123", "4312345678905", "1123456789014", "EA123456785CN"] {
            let taken = try client.intake(tracking)
            #expect(taken.forced == nil, "\(tracking)")
            #expect(try events(client, tracking).first?.details["forced"] == nil)
        }

        // The override: recorded on the intake event with the rule it overrode; commands and badges stay refused.
        let forced = try client.call(
            Method.intake.rawValue, IntakeParams(tracking: "6901234567892", staff: "王芳", force: true), as: ParcelResult.self)
        #expect(forced.forced == "EAN-13, China (690–699)")
        #expect(forced.parcel.pickupCode != nil)
        let intakeEvent = try #require(try events(client, "6901234567892").first)
        #expect(intakeEvent.details["forced"] == "EAN-13, China (690–699)")
        #expect(intakeEvent.actor.contains("王芳"))
        for scan in ["PSCMD:PICKUP", "BADGE-ZTO-0042"] {
            let reply = try client.callRaw(Method.intake.rawValue, IntakeParams(tracking: scan, force: true))
            #expect(StationConnection.errorCode(of: reply) == "notAParcel.command", "\(scan)")
        }
        // A forced number that needed no force is not marked.
        #expect(
            try client.call(Method.intake.rawValue, IntakeParams(tracking: "JT5000112233445", force: true), as: ParcelResult.self).forced
                == nil)
        #expect(try parcelCount(client) == 6)

        // parcelctl: refused with its reason, then taken in with --force.
        let refusedByCLI = try daemon.parcelctl(["intake", "1234567"])
        #expect(refusedByCLI.status != 0)
        #expect(refusedByCLI.stdout.contains("notAParcel.tooShort"))
        let forcedByCLI = try daemon.parcelctl(["intake", "--force", "--staff", "李四", "1234567"])
        #expect(forcedByCLI.status == 0, "\(forcedByCLI.stderr)")
        #expect(forcedByCLI.stdout.contains("forced"))
        #expect(try events(client, "1234567").first?.details["forced"] == "shorter than 8 characters")
        #expect(daemon.terminate() == 0)
    }

    @Test func aScannerShowsWhyAndItsForceCommandTakesInTheNextScanOnly() throws {
        let daemon = try DaemonProcess(config: Self.config)
        let client = try daemon.connect(client: "desk")
        let product = try scan(client, "4006381333931")
        #expect(product.result == "rejected")
        #expect(product.error?.code.rawValue == "notAParcel.productCode")
        #expect(product.message == "这是商品条码，不是快递单号：请扫描面单上的运单条码")
        #expect(try scan(client, "]C100106141411234567897").message.contains("总包"))
        // A reader that reports EAN apart from the text: refused even where a courier format would fit.
        let declared = try client.call(
            Method.submitScan.rawValue, SubmitScanParams(text: "4312345678905", symbology: "]E0"), as: ScanOutcomeDTO.self)
        #expect(declared.error?.code.rawValue == "notAParcel.productCode")

        let armed = try scan(client, "PSCMD:FORCE")
        #expect(armed.result == "forceArmed")
        #expect(armed.message.contains("强制入库"))
        let taken = try scan(client, "4006381333931")
        #expect(taken.result == "intake")
        #expect(try events(client, "4006381333931").first?.details["forced"] == "EAN-13")
        // Spent: the next product code is refused again.
        #expect(try scan(client, "5012345678900").result == "rejected")
        // Spent by a scan that needed no force, too.
        #expect(try scan(client, "PSCMD:FORCE").result == "forceArmed")
        #expect(try scan(client, "SF1234567890123").result == "intake")
        #expect(try scan(client, "5012345678900").result == "rejected")
        // At the pickup counter the force command is out of place and says so; the scanner keeps its role.
        let misplaced = try scan(client, "PSCMD:FORCE", scanner: "counter-1")
        #expect(misplaced.result == "rejected")
        #expect(misplaced.error?.code.rawValue == "notAParcel.command")
        #expect(misplaced.role == "pickup")
        #expect(daemon.terminate() == 0)
    }
}
