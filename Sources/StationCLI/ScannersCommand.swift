import ArgumentParser
import Foundation
import ParcelDomain
import StationClient
import StationDocuments
import StationProtocol

struct Scanners: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the station's scanners, switch their roles, print role command barcodes.",
        subcommands: [ListScanners.self, SetRole.self, PrintCommands.self], defaultSubcommand: ListScanners.self)
}

struct ListScanners: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Attached and known scanners: role, counter, last seen, scans, duplicates, rejected.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.scanners, NoParams(), as: ScannersResult.self) else { return }
            guard !result.scanners.isEmpty else {
                print("no scanner seen yet (plug one in, or check the daemon's log and the udev rules)")
                return
            }
            print(
                Display.table(
                    header: ["扫描枪 SCANNER", "状态 STATE", "用途 ROLE", "台 COUNTER", "最近 LAST SEEN", "SCANS", "DUP", "REJECTED", "LAST"],
                    rows: result.scanners.map { scanner in
                        let role = ScannerRole(rawValue: scanner.role).map { "\($0.label) \($0.rawValue)" } ?? scanner.role
                        return [
                            [scanner.name, scanner.id].compactMap { $0 }.joined(separator: " "),
                            scanner.attached ? "在线 attached" : "离线 away", role + (scanner.roleSource == "command" ? " *" : ""),
                            scanner.counter, scanner.lastSeen.map(Display.time) ?? "-", String(scanner.scans), String(scanner.duplicates),
                            String(scanner.rejected), scanner.lastResult ?? "-",
                        ]
                    }))
            if result.scanners.contains(where: { $0.roleSource == "command" }) {
                print("\n* role switched by a command barcode or `parcelctl scanners set-role`")
            }
        }
    }
}

struct SetRole: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-role", abstract: "Switch a scanner's role, as scanning a command barcode with it would.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The scanner's id, as `parcelctl scanners` shows it.") var scanner: String
    @Argument(help: "intake, pickup, handoff, stocktake, off, or `configured` to return to the configured role.") var role: String

    func validate() throws {
        guard role == "configured" || ScannerRole(rawValue: role) != nil else {
            throw ValidationError("role: one of \(ScannerRole.allCases.map(\.rawValue).joined(separator: ", ")), configured")
        }
    }

    func run() throws {
        try reporting {
            let params = SetRoleParams(scanner: scanner, role: role == "configured" ? nil : role)
            guard let result = try global.call(Method.setScannerRole, params, as: ScannersResult.self) else { return }
            for scanner in result.scanners { print("\(scanner.id): \(scanner.role) (\(scanner.roleSource))") }
        }
    }
}

struct PrintCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print-commands",
        abstract: "Write the role command barcodes: a printable page, or one image per role.",
        discussion: """
            Scanning one of these with a scanner switches that scanner's role (PSCMD:INTAKE, PSCMD:PICKUP, …).
            Needs no daemon.
              parcelctl scanners print-commands --out commands.html     a page to print and stick by each desk
              parcelctl scanners print-commands --format pgm --out dir  one PGM image per role, e.g. dir/pickup.pgm
            """)
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case html, svg, pgm
    }

    @Option(help: "html (one printable page), svg or pgm (one image per role, in the --out folder).") var format: Format = .html
    @Option(help: "The page to write (html), or the folder for the images (svg, pgm). Default: standard output for html.")
    var out: String?

    func run() throws {
        try reporting {
            switch format {
            case .html:
                let page = Data(try Self.page().utf8)
                if let out {
                    try write(page, to: out)
                    print("wrote \(out): print it at 100% scale and keep it by the scanners")
                } else {
                    FileHandle.standardOutput.write(page)
                }
            case .svg, .pgm:
                guard let out else { throw CLIError("--out FOLDER is required for \(format.rawValue)", code: 64) }
                do {
                    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                } catch {
                    throw CLIError("cannot create \(out): \(error.localizedDescription)", code: 73)
                }
                for role in ScannerRole.allCases {
                    let text = CommandBarcode.text(for: role)
                    let bytes = format == .svg ? Data(try Code128.svg(for: text).utf8) : Data(try Code128.pgm(for: text))
                    let path = (out as NSString).appendingPathComponent("\(role.rawValue).\(format.rawValue)")
                    try write(bytes, to: path)
                    print("\(path)  \(text)")
                }
            }
        }
    }

    func write(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)", code: 73)  // EX_CANTCREAT
        }
    }

    static func page() throws -> String {
        let blocks = try CommandSheet.entries().map { entry in
            """
            <section><h2>\(entry.label) <small>\(entry.role)</small></h2>\(entry.svg)<p>\(entry.text)</p></section>
            """
        }
        return """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>扫描枪用途切换码 Scanner role commands</title>
            <style>body{font-family:sans-serif;margin:2em}section{break-inside:avoid;margin:0 0 2.5em}
            h2{margin:0 0 .3em}small{color:#555;font-weight:normal}p{font-family:monospace;margin:.2em 0}svg{display:block}</style>
            </head><body><h1>扫描枪用途切换码</h1>
            <p>用扫描枪扫描下面的条码，即可切换该扫描枪的用途。Scan a code with a scanner to switch that scanner's role.</p>
            \(blocks.joined(separator: "\n"))
            </body></html>

            """
    }
}

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit scans as if from a scanner (a keyboard-wedge scanner, or typing a number the scanner cannot read).",
        discussion: """
            Each text is acted on by the role of the scanner it counts as (default: this client, role from the
            configuration's defaultRole).
              parcelctl scan SF1234567890123
              parcelctl scan --scanner counter-1 SF1234567890123
              parcelctl scan --staff 王芳 SF1234567890123
            """)
    @OptionGroup var global: GlobalOptions
    @Option(help: "The scanner id the scans count as.") var scanner: String?
    @Option(help: "Your name, recorded with what the scans do.") var staff: String?
    @Argument(help: "Scanned texts.") var texts: [String]

    func run() throws {
        try reporting {
            let connection = try global.connect()
            var bad = 0
            for text in texts {
                let reply = try connection.callRaw(Method.submitScan.rawValue, SubmitScanParams(text: text, scanner: scanner, staff: staff))
                if global.json { print(String(decoding: reply, as: UTF8.self)) }
                do {
                    let outcome = try StationConnection.decodeResult(reply, as: ScanOutcomeDTO.self)
                    if ["rejected", "failed"].contains(outcome.result) { bad += 1 }
                    if !global.json { print("\(Display.pad(outcome.result, to: 16)) \(outcome.text)  \(outcome.message)") }
                } catch let error as WireError {
                    bad += 1
                    if !global.json { print("ERROR \(text): \(error.message) [\(error.code.rawValue)]") }
                }
            }
            if bad > 0 { throw CLIError("\(bad) of \(texts.count) scans not acted on", code: 1) }
        }
    }
}
