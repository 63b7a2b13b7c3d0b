import ArgumentParser
import Foundation
import ParcelDomain
import StationClient
import StationProtocol
import StationReceipts
import StrictJSON

struct Handoff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Handoffs (交接) with couriers and drivers: open, load the manifest, scan, close with badge or PIN.",
        discussion: """
              parcelctl handoff open --party zto-wang --direction inbound --kind delivery
              parcelctl handoff import HANDOFF manifest.csv
              parcelctl handoff scan HANDOFF 75100000000001 75100000000002
              parcelctl handoff scan HANDOFF 75100000000003 --damaged --note 箱角压坏 --photo dmg-1.jpg
              parcelctl handoff close HANDOFF --pin 4826          (or --badge TEXT)
              parcelctl handoff show HANDOFF
              parcelctl handoff list [--open]
            Between two parcel-stations (chain.stations), signed by both:
              parcelctl handoff sign HANDOFF -o manifest.json          (sender: sign what was loaded; `receipt sheet` prints it as QR)
              parcelctl handoff import-signed manifest.json            (receiver: open the inbound handoff from it)
              parcelctl handoff close HANDOFF --signed -o receipt.json (receiver: sign the receipt that goes back)
              parcelctl handoff import-receipt receipt.json            (sender: close the outbound handoff with it)
            """,
        subcommands: [
            OpenHandoff.self, ImportManifest.self, ScanHandoff.self, CloseHandoff.self, ShowHandoff.self, ListHandoffs.self,
            SignManifest.self, ImportSigned.self, ImportSignedReceipt.self,
        ])

    static func printDetail(_ result: HandoffResult) {
        let handoff = result.handoff
        print("交接 handoff \(handoff.id)  \(handoff.direction) \(handoff.kind)  \(handoff.state == "open" ? "进行中 open" : "已确认 closed")")
        print("  courier \(handoff.partyName) (\(handoff.party)\(handoff.company.map { ", \($0)" } ?? ""))  counter \(handoff.counter)")
        if let node = handoff.node { print("  node \(node)\(handoff.nodeTier.map { " (\($0))" } ?? "")") }
        if let vehicle = handoff.vehicle { print("  vehicle \(vehicle)") }
        var counts: [String: Int] = [:]
        for line in result.lines { counts[line.status, default: 0] += 1 }
        print(
            "  lines: "
                + ["expected", "scanned", "missing", "extra", "damaged", "misrouted"].map { "\($0) \(counts[$0] ?? 0)" }.joined(
                    separator: "  "))
        if !result.lines.isEmpty {
            print(
                Display.table(
                    header: ["运单号 TRACKING", "状态 STATUS", "袋 BAG", "NOTE"],
                    rows: result.lines.map {
                        [$0.tracking, $0.status, $0.bag ?? "-", [$0.note, $0.photo].compactMap { $0 }.joined(separator: " ")]
                    }))
        }
        if !result.discrepancies.isEmpty {
            print("差异 discrepancies:")
            for item in result.discrepancies {
                print(
                    "  #\(item.id) \(item.kind) \(item.tracking) \(item.resolution.map { "→ \($0) by \(item.resolvedBy ?? "?")" } ?? "open")"
                )
            }
        }
        if let seq = handoff.receiptSeq, let digest = handoff.receiptDigest { print("回单 receipt #\(seq) sha256 \(digest)") }
    }
}

struct OpenHandoff: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Open a handoff; prints its id.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The courier's or driver's configured id.") var party: String
    @Option(help: "inbound or outbound.") var direction: String = "inbound"
    @Option(help: "delivery, return, outgoing or transfer.") var kind: String = "delivery"
    @Option(help: "The other node's id (county, township or village station).") var node: String?
    @Option(name: .customLong("node-tier"), help: "county, township, village or courier.") var nodeTier: String?
    @Option(help: "Plate or shuttle number.") var vehicle: String?
    @Option(help: "The counter whose handoff-role scanners feed it.") var counter: String?

    func run() throws {
        try reporting {
            let params = HandoffOpenParams(
                direction: direction, kind: kind, party: party, node: node, nodeTier: nodeTier, vehicle: vehicle, counter: counter)
            guard let result = try global.call(Method.openHandoff, params, as: HandoffResult.self) else { return }
            Handoff.printDetail(result)
            print("\nid: \(result.handoff.id)")
        }
    }
}

struct ImportManifest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Load a manifest (交接单, CSV or JSON) into an open handoff: all lines or none.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The handoff id.") var handoff: String
    @Argument(help: "The manifest file (.csv or .json).") var file: String
    @Option(help: "csv or json (default: from the file name).") var format: String?

    func run() throws {
        try reporting {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw CLIError("cannot read \(file): \(error.localizedDescription)", code: 66)  // EX_NOINPUT
            }
            // UTF-8 (with or without BOM) or GB18030/GBK, as Excel and WPS save CSV.
            let content: String
            do {
                content = try ManifestText.decode(data).text
            } catch {
                throw CLIError("\(file): \(error)", code: 65)  // EX_DATAERR
            }
            let format = format ?? (file.lowercased().hasSuffix(".json") ? "json" : "csv")
            let params = HandoffImportParams(handoff: handoff, format: format, content: content)
            guard let result = try global.call(Method.importManifest, params, as: HandoffResult.self) else { return }
            Handoff.printDetail(result)
        }
    }
}

struct ScanHandoff: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scan", abstract: "Scan parcels or bags into an open handoff.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The handoff id.") var handoff: String
    @Argument(help: "Tracking numbers or bag ids, as scanned.") var texts: [String]
    @Flag(help: "The parcels are damaged (破损).") var damaged = false
    @Option(help: "A note for the line.") var note: String?
    @Option(help: "A reference to a photo of the damage.") var photo: String?
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let connection = try global.connect()
            var failures = 0
            for text in texts {
                let params = HandoffScanParams(handoff: handoff, text: text, damaged: damaged, note: note, photo: photo, staff: staff)
                let reply = try connection.callRaw(Method.scanHandoff.rawValue, params)
                if global.json { print(String(decoding: reply, as: UTF8.self)) }
                do {
                    let result = try StationConnection.decodeResult(reply, as: HandoffScanResult.self)
                    if !global.json {
                        let code = result.parcel?.pickupCode.map { "  取件码 \($0)" } ?? ""
                        let bag = result.result == "bag" ? "  \(result.bagLines) lines in this bag" : ""
                        print("\(Display.pad(result.result, to: 11)) \(text)\(code)\(bag)  (\(result.remaining) still expected)")
                    }
                } catch let error as WireError {
                    failures += 1
                    if !global.json { print("ERROR      \(text): \(error.message) [\(error.code.rawValue)]") }
                }
            }
            if failures > 0 { throw CLIError("\(failures) of \(texts.count) scans refused", code: 1) }
        }
    }
}

struct CloseHandoff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close", abstract: "Close a handoff with the courier's badge or PIN and issue its signed receipt.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The handoff id.") var handoff: String
    @Option(help: "The courier's badge barcode.") var badge: String?
    @Option(help: "The courier's PIN.") var pin: String?
    @Flag(help: "A handoff opened from another station's signed manifest: closed by this station, its receipt signed here.")
    var signed = false
    @Option(help: "Your name.") var staff: String?
    @Option(name: [.customShort("o"), .long], help: "Also write the receipt (JSON) to this file.") var receipt: String?

    func run() throws {
        try reporting {
            let params = HandoffCloseParams(handoff: handoff, badge: badge, pin: pin, signed: signed ? true : nil, staff: staff)
            guard let result = try global.call(Method.closeHandoff, params, as: HandoffResult.self) else { return }
            Handoff.printDetail(result)
            if let path = receipt, let document = result.receipt {
                try ReceiptCommand.write(document, to: path)
                print("receipt written to \(path)")
            }
        }
    }
}

struct ShowHandoff: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One handoff, its lines and discrepancies.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The handoff id.") var handoff: String

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.getHandoff, HandoffRefParams(handoff: handoff), as: HandoffResult.self) else {
                return
            }
            Handoff.printDetail(result)
        }
    }
}

struct ListHandoffs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Recent handoffs, or only the open ones.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only open handoffs.") var open = false
    @Option(help: "How many (1–1000).") var limit = 50

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.listHandoffs, ListParams(open: open, limit: limit), as: HandoffsResult.self)
            else { return }
            print(
                Display.table(
                    header: ["ID", "方向 DIR", "类型 KIND", "快递员 COURIER", "状态 STATE", "OPENED", "RECEIPT"],
                    rows: result.handoffs.map {
                        [
                            $0.id, $0.direction, $0.kind, $0.partyName, $0.state, Display.time($0.openedAt),
                            $0.receiptSeq.map { "#\($0)" } ?? "-",
                        ]
                    }))
        }
    }
}

struct Discrepancies: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discrepancy", abstract: "Open handoff discrepancies (短少, 多发, 破损, 错分) and their resolution.",
        subcommands: [ListDiscrepancies.self, ResolveDiscrepancy.self], defaultSubcommand: ListDiscrepancies.self)
}

struct ListDiscrepancies: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every open discrepancy.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.discrepancies, NoParams(), as: DiscrepanciesResult.self) else { return }
            guard !result.discrepancies.isEmpty else {
                print("no open discrepancies")
                return
            }
            print(
                Display.table(
                    header: ["#", "类型 KIND", "运单号 TRACKING", "交接 HANDOFF", "OPENED"],
                    rows: result.discrepancies.map { [String($0.id), $0.kind, $0.tracking, $0.handoff, Display.time($0.openedAt)] }))
        }
    }
}

struct ResolveDiscrepancy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Resolve a discrepancy: found, writtenOff or returned.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The discrepancy number.") var id: Int64
    @Argument(help: "found, writtenOff or returned.") var resolution: String
    @Option(help: "What happened.") var note: String?
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = ResolveParams(id: id, resolution: resolution, note: note, staff: staff)
            guard let result = try global.call(Method.resolveDiscrepancy, params, as: DiscrepancyDTO.self) else { return }
            print("#\(result.id) \(result.kind) \(result.tracking): \(result.resolution ?? "?") by \(result.resolvedBy ?? "?")")
        }
    }
}

struct ReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract:
            "Handoff receipts: export them, verify one offline; a station-to-station pair (manifest + receipt) checked offline, printed as QR sheets and read back.",
        subcommands: [VerifyReceipt.self, ExportReceipts.self, VerifyPair.self, DocumentSheet.self, DocumentFromQR.self])

    static func write(_ receipt: ReceiptDTO, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        do {
            try (try encoder.encode(receipt) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)", code: 73)
        }
    }
}

struct VerifyReceipt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a receipt file offline: its digest, its signature, and (with --public-key) that the station signed it.",
        discussion: """
            A file holds one receipt, or the `receipts` array of `parcelctl receipt export` (then the chain of
            previous digests is checked too). Needs no daemon. Exit status 0 valid, 1 not valid.
            """)
    @Argument(help: "The receipt file (JSON).") var file: String
    @Option(name: .customLong("public-key"), help: "The station's public key (base64), as `parcelctl status` shows it.")
    var publicKey: String?

    func run() throws {
        try reporting {
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file)", code: 66) }
            let receipts: [SignedReceipt]
            if let one = try? StrictJSONDecoder().decode(SignedReceipt.self, from: data) {
                receipts = [one]
            } else if let all = try? StrictJSONDecoder().decode(ReceiptsResult.self, from: data) {
                receipts = all.receipts.map {
                    SignedReceipt(body: $0.body, digest: $0.digest, signature: $0.signature, publicKey: $0.publicKey)
                }
            } else {
                throw CLIError("\(file) is not a parcel-station receipt", code: 1)
            }
            do {
                let bodies = try Receipts.verifyChain(receipts, trustedKey: publicKey)
                for body in bodies {
                    let counts = ["scanned", "missing", "extra", "damaged", "misrouted"].map { "\($0) \(body.counts[$0] ?? 0)" }
                    print(
                        "VALID receipt #\(body.seq) of \(body.station.name) (\(body.station.id)): handoff \(body.handoff) \(body.direction) \(body.kind) with \(body.party.name), closed \(body.closedAt); \(counts.joined(separator: ", "))"
                    )
                }
                if publicKey == nil {
                    print("note: checked against the key inside the file; pass --public-key to check it is the station's own")
                }
            } catch let failure as Receipts.Failure {
                throw CLIError("NOT VALID: \(failure.description)", code: 1)
            }
        }
    }
}

struct ExportReceipts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write every receipt (the handoff ledger, 交接台账) with the station's public key.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The file to write (default: standard output).") var out: String?

    func run() throws {
        try reporting {
            let connection = try global.connect()
            let reply = try connection.callRaw(Method.receipts.rawValue, NoParams())
            let result: ReceiptsResult
            do {
                result = try StationConnection.decodeResult(reply, as: ReceiptsResult.self)
            } catch let error as WireError {
                throw CLIError("\(error.message) [\(error.code.rawValue)]", code: 1)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            let data = try encoder.encode(result) + Data("\n".utf8)
            if let out {
                do {
                    try data.write(to: URL(fileURLWithPath: out))
                } catch {
                    throw CLIError("cannot write \(out): \(error.localizedDescription)", code: 73)
                }
                print("\(result.receipts.count) receipts written to \(out); public key \(result.publicKey)")
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }
}

struct SignManifest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign an outbound handoff's manifest for the parcel-station it goes to, and write it to a file.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The handoff id.") var handoff: String
    @Option(name: .shortAndLong, help: "The signed manifest (JSON) to write.") var output: String

    func run() throws {
        try reporting {
            guard
                let result = try global.call(Method.exportSignedManifest, HandoffRefParams(handoff: handoff), as: SignedDocumentResult.self)
            else { return }
            try ReceiptCommand.write(result.document, to: output)
            print(
                "signed manifest sha256 \(result.document.digest) written to \(output) (print it as QR: parcelctl receipt sheet \(output) -o sheet.html)"
            )
        }
    }
}

/// Reads a signed document file (a manifest or a receipt) as the socket takes it.
func readSignedDocument(_ path: String) throws -> ReceiptDTO {
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)", code: 66) }
    guard let document = try? JSONDecoder().decode(ReceiptDTO.self, from: data) else {
        throw CLIError("\(path) is not a signed parcel-station document (body, digest, signature, publicKey)", code: 65)
    }
    return document
}

struct ImportSigned: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-signed",
        abstract: "Open an inbound handoff from another parcel-station's signed manifest (its signature checked).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The signed manifest (JSON, or what `parcelctl receipt from-qr` wrote).") var file: String
    @Option(help: "The counter whose handoff scanners feed it.") var counter: String?
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = SignedDocumentParams(document: try readSignedDocument(file), counter: counter, staff: staff)
            guard let result = try global.call(Method.importSignedManifest, params, as: HandoffResult.self) else { return }
            Handoff.printDetail(result)
        }
    }
}

struct ImportSignedReceipt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-receipt", abstract: "Close an outbound handoff with the receiving station's signed receipt.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The receiving station's signed receipt (JSON).") var file: String
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = SignedDocumentParams(document: try readSignedDocument(file), staff: staff)
            guard let result = try global.call(Method.importReceipt, params, as: HandoffResult.self) else { return }
            Handoff.printDetail(result)
        }
    }
}
