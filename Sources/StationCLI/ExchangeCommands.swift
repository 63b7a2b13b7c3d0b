import ArgumentParser
import Foundation
import LabelDecoding
import ParcelDomain
import StationDocuments
import StationReceipts
import StrictJSON

/// `parcelctl receipt verify-pair`, `sheet` and `from-qr`: a station-to-station handoff's signed manifest and
/// receipt, checked together offline, printed as QR sheets and read back from photos or scans of them. No daemon.
enum ExchangeFiles {
    static func readDocument(_ path: String) throws -> (text: String, document: SignedDocument) {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)", code: 66) }
        guard let document = try? StrictJSONDecoder().decode(SignedDocument.self, from: data) else {
            throw CLIError("\(path) is not a signed parcel-station document (manifest or receipt)", code: 1)
        }
        return (String(decoding: data, as: UTF8.self), document)
    }

    static func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)", code: 73)
        }
    }
}

struct VerifyPair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-pair",
        abstract: "Check a station-to-station handoff offline: the sender's signed manifest and the receiver's receipt for it.",
        discussion: """
            Checks each document's digest and signature against the key given for its station (never the key the file \
            names), that the receipt names this manifest's digest, was made by the station the manifest is addressed \
            to, for a handoff with the sending station. Prints VALID with the differences (manifest lines the receiver \
            did not report scanned, parcels received that were not on it), or NOT VALID and why. Exit status 0 valid, \
            1 not valid.
            """)
    @Argument(help: "The sender's signed manifest (JSON).") var manifest: String
    @Argument(help: "The receiver's signed receipt (JSON).") var receipt: String
    @Option(name: .customLong("sender-key"), help: "The sending station's public key (base64).") var senderKey: String
    @Option(name: .customLong("receiver-key"), help: "The receiving station's public key (base64).") var receiverKey: String

    func run() throws {
        try reporting {
            let manifestDocument = try ExchangeFiles.readDocument(manifest).document
            let receiptDocument = try ExchangeFiles.readDocument(receipt).document
            let report: Exchange.PairReport
            do {
                report = try Exchange.verifyPair(
                    manifest: manifestDocument, receipt: receiptDocument, senderKey: senderKey, receiverKey: receiverKey)
            } catch let failure as Exchange.Failure {
                throw CLIError("NOT VALID: \(failure.description)", code: 1)
            }
            let sent = report.manifest
            let received = report.receipt
            print(
                "VALID pair: manifest #\(sent.seq) of \(sent.from.name) (\(sent.from.id)) → \(sent.to.name) (\(sent.to.id)), handoff \(sent.handoff) \(sent.kind), \(sent.lines.count) lines in \(sent.bags.count) bags, \(sent.createdAt)"
            )
            let counts = ["scanned", "missing", "damaged", "extra", "misrouted"].map { "\($0) \(received.counts[$0] ?? 0)" }
            print(
                "  answered by receipt #\(received.seq) of \(received.station.name) (\(received.station.id)), handoff \(received.handoff), closed \(received.closedAt) by \(received.staff) (\(received.confirmedBy)); \(counts.joined(separator: ", "))"
            )
            if report.differences.isEmpty {
                print("  no differences: every manifest line was received")
            } else {
                print("  \(report.differences.count) \(report.differences.count == 1 ? "difference" : "differences"):")
                for difference in report.differences {
                    print(
                        "    \(difference.tracking)  \(difference.listed ? "on the manifest" : "not on the manifest")  \(difference.status)"
                    )
                }
            }
        }
    }
}

struct DocumentSheet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sheet",
        abstract: "Print a signed manifest or receipt as QR codes: a page to print, and (with --png-dir) its page images.",
        discussion: """
            The file is carried exactly as it is, deflated, in numbered PSDOC1 pieces, six codes a page; `parcelctl \
            receipt from-qr` puts it back together from photos or scans of the pages, in any order. The document is \
            checked first (its digest and signature against the key it names), so a damaged file is not printed.
            """)
    @Argument(help: "The signed document (JSON).") var file: String
    @Option(name: .shortAndLong, help: "The HTML page to write.") var output: String
    @Option(name: .customLong("png-dir"), help: "Also write the pages as PNG images (page-1.png, …) into this folder.")
    var pngDir: String?

    func run() throws {
        try reporting {
            let (text, document) = try ExchangeFiles.readDocument(file)
            let title: String
            let subtitle: String
            if let manifest = try? Manifests.verify(document, trustedKey: document.publicKey) {
                title = "交接清单 Signed manifest #\(manifest.seq) · \(manifest.handoff)"
                subtitle =
                    "\(manifest.from.name) → \(manifest.to.name) · \(manifest.lines.count) 件 lines, \(manifest.bags.count) 袋 bags · \(manifest.createdAt)"
            } else {
                let receipt: ReceiptBody
                do {
                    receipt = try Receipts.verify(document)
                } catch {
                    throw CLIError("\(file) does not verify, not printing it: \(error)", code: 1)
                }
                title = "交接回执 Signed receipt #\(receipt.seq) · \(receipt.handoff)"
                subtitle = "\(receipt.station.name) ← \(receipt.party.name) · \(receipt.lines.count) 件 lines · \(receipt.closedAt)"
            }
            let pieces = DocumentQR.payloads(for: text).count
            try ExchangeFiles.write(
                Data(DocumentQR.sheetHTML(title: title, subtitle: subtitle, document: text).utf8), to: output)
            print("\(pieces) codes on \((pieces + 5) / 6) pages written to \(output) (document \(DocumentQR.id(of: text)))")
            if let pngDir {
                let pages: [Data]
                do {
                    pages = try DocumentQR.pngPages(document: text)
                } catch {
                    throw CLIError("\(error)", code: 1)
                }
                try FileManager.default.createDirectory(atPath: pngDir, withIntermediateDirectories: true)
                for (index, page) in pages.enumerated() {
                    try ExchangeFiles.write(page, to: pngDir + "/page-\(index + 1).png")
                }
                print("\(pages.count) page images written to \(pngDir)")
            }
        }
    }
}

struct DocumentFromQR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "from-qr",
        abstract: "Put a signed manifest or receipt back together from photos or scans of its QR sheet (any order).",
        discussion: """
            Reads every PSDOC1 code in the images with zbar (and ZXing), then joins the pieces. A page not scanned is \
            named by its pieces' numbers; pieces of two documents are refused. Exit status 0 when the document was \
            written, 1 otherwise.
            """)
    @Argument(help: "Images of the pages (PNG, JPEG, WebP, PGM).") var images: [String]
    @Option(name: .shortAndLong, help: "The document file to write (default: standard output).") var output: String?

    func run() throws {
        try reporting {
            let decoder = LabelDecoder(cascade: [.full, .zxing, .half], confirmsByCrop: false, readsPhoneTail: false)
            var pieces: [String] = []
            for image in images {
                do throws(ImageRejection) {
                    let found = try decoder.decode(path: image).symbols.map(\.text).filter { $0.hasPrefix(DocumentQR.scheme + ":") }
                    FileHandle.standardError.write(Data("\(image): \(Set(found).count) pieces\n".utf8))
                    pieces += found
                } catch {
                    throw CLIError("\(image): \(error.description)", code: 1)
                }
            }
            let text: String
            do {
                text = try DocumentQR.reassemble(pieces)
            } catch let failure as DocumentQR.Failure {
                throw CLIError(failure.description, code: 1)
            }
            if let output {
                try ExchangeFiles.write(Data(text.utf8), to: output)
                FileHandle.standardError.write(Data("document \(DocumentQR.id(of: text)) written to \(output)\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
