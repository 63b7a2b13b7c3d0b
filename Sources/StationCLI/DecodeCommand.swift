import ArgumentParser
import Foundation
import LabelDecoding
import ParcelDomain

/// `parcelctl decode FILE…`: decodes label photos in this process (no daemon needed).
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode barcodes in label photos (JPEG, PNG, WebP, PGM) here, without the daemon.",
        discussion: """
            Prints each file's codes with their symbology and the decoding pass that found them, and the tracking \
            number chosen among them (confirmed when read twice or equal to the label's QR data, else uncertain). \
            --json prints one array: {"file","symbols":[{"text","symbology","pass"}]} or {"file","error":{"code","message"}} \
            per file. Exit status 1 when any file could not be decoded.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Image files.") var files: [String]

    struct SymbolJSON: Encodable {
        let text: String
        let symbology: String
        let pass: String
    }
    struct ErrorJSON: Encodable {
        let code: String
        let message: String
    }
    struct FileJSON: Encodable {
        let file: String
        let symbols: [SymbolJSON]?
        let error: ErrorJSON?
    }

    func run() throws {
        try reporting {
            let decoder = LabelDecoder()
            var entries: [FileJSON] = []
            var rows: [[String]] = []
            var waybills: [String] = []
            var failures = 0
            for file in files {
                do throws(ImageRejection) {
                    let result = try decoder.decode(path: file)
                    entries.append(
                        FileJSON(
                            file: file,
                            symbols: result.symbols.map {
                                SymbolJSON(text: $0.text, symbology: $0.symbology.rawValue, pass: $0.pass.rawValue)
                            },
                            error: nil))
                    if result.symbols.isEmpty { rows.append([file, "-", "no code found 未识别", "-"]) }
                    for symbol in result.symbols {
                        // Control characters (QR payloads carry newlines) would break the table.
                        let text = String(symbol.text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
                        rows.append([file, symbol.symbology.rawValue, text, symbol.pass.rawValue])
                    }
                    if let waybill = result.waybill {
                        let state = waybill.confirmed ? "confirmed 已确认" : "uncertain 待核对"
                        waybills.append("\(file): 运单号 \(waybill.number) \(waybill.courier) — \(state) (\(waybill.evidence))")
                    }
                } catch {
                    failures += 1
                    entries.append(FileJSON(file: file, symbols: nil, error: ErrorJSON(code: error.code, message: error.description)))
                    rows.append([file, "ERROR", "\(error.description) [\(error.code)]", "-"])
                }
            }
            if global.json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
                print(String(decoding: try encoder.encode(entries), as: UTF8.self))
            } else {
                print(Display.table(header: ["FILE", "SYMBOLOGY", "TEXT", "PASS"], rows: rows))
                for line in waybills { print(line) }
            }
            if failures > 0 { throw CLIError("\(failures) of \(files.count) files could not be decoded", code: 1) }
        }
    }
}
