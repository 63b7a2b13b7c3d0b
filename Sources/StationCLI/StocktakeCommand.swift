import ArgumentParser
import Foundation
import StationClient
import StationProtocol

struct Stocktake: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stocktake (盘点): sweep a shelf with a scanner and compare it with the ledger.",
        discussion: """
              parcelctl stocktake start --shelf 3         prints the stocktake id (a stocktake-role scanner feeds it too)
              parcelctl stocktake scan ID SF1234567890123 …
              parcelctl stocktake close ID                missing, misplaced, unknown and long-stay parcels
              parcelctl stocktake show ID
            """,
        subcommands: [StartStocktake.self, ScanStocktake.self, CloseStocktake.self, ShowStocktake.self])

    static func printReport(_ report: StocktakeReportDTO) {
        let scope = report.shelf.map { "shelf \($0)" } ?? "the whole station"
        print("盘点 stocktake \(report.stocktake) of \(scope): \(report.scanned) scanned\(report.closedAt == nil ? " (still open)" : "")")
        for (title, items) in [
            ("缺失 missing (ledger has it here, not found)", report.missing), ("错放 misplaced (belongs on another shelf)", report.misplaced),
            ("未知 unknown (not at the station per the ledger)", report.unknown), ("滞留 long stay (past the hold period)", report.longStay),
        ] {
            print("\(title): \(items.count)")
            for item in items {
                print("  \(Display.pad(item.pickupCode ?? "-", to: 10)) \(item.tracking)  \(item.state.map(Display.state) ?? "-")")
            }
        }
        print("在架 found: \(report.found.count)")
    }
}

struct StartStocktake: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a stocktake; prints its id.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The shelf to sweep (default: the whole station).") var shelf: Int?
    @Option(help: "The counter whose stocktake-role scanners feed it.") var counter: String?

    func run() throws {
        try reporting {
            guard
                let result = try global.call(
                    Method.startStocktake, StocktakeStartParams(shelf: shelf, counter: counter), as: StocktakeDTO.self)
            else { return }
            print("id: \(result.id)")
        }
    }
}

struct ScanStocktake: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scan", abstract: "Record parcels found on the shelf.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The stocktake id.") var stocktake: String
    @Argument(help: "Tracking numbers as scanned.") var texts: [String]

    func run() throws {
        try reporting {
            let connection = try global.connect()
            var failures = 0
            for text in texts {
                let reply = try connection.callRaw(Method.scanStocktake.rawValue, StocktakeScanParams(stocktake: stocktake, text: text))
                if global.json { print(String(decoding: reply, as: UTF8.self)) }
                do {
                    let result = try StationConnection.decodeResult(reply, as: StocktakeScanResult.self)
                    if !global.json { print("\(Display.pad(result.result, to: 11)) \(text)  \(result.parcel?.pickupCode ?? "")") }
                } catch let error as WireError {
                    failures += 1
                    if !global.json { print("ERROR      \(text): \(error.message) [\(error.code.rawValue)]") }
                }
            }
            if failures > 0 { throw CLIError("\(failures) of \(texts.count) scans refused", code: 1) }
        }
    }
}

struct CloseStocktake: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "close", abstract: "Close a stocktake and print its report.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The stocktake id.") var stocktake: String

    func run() throws {
        try reporting {
            guard let report = try global.call(Method.closeStocktake, StocktakeRefParams(stocktake: stocktake), as: StocktakeReportDTO.self)
            else { return }
            Stocktake.printReport(report)
        }
    }
}

struct ShowStocktake: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "A stocktake's report (so far, if still open).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The stocktake id.") var stocktake: String

    func run() throws {
        try reporting {
            guard let report = try global.call(Method.getStocktake, StocktakeRefParams(stocktake: stocktake), as: StocktakeReportDTO.self)
            else { return }
            Stocktake.printReport(report)
        }
    }
}
