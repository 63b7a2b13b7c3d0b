import ArgumentParser
import Foundation
import StationClient
import StationProtocol

struct RelayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "The relay bins (中转): parcels passing through for downstream stations.",
        discussion: """
            parcelctl relay                                   (what waits in each bin)
            parcelctl relay send SF1234567890123 李家村       (misrouted to us: send it on)
            parcelctl relay pullback SF1234567890123          (for us after all: shelve it with a code)
            """,
        subcommands: [RelayBins.self, RelaySend.self, RelayPullBack.self],
        defaultSubcommand: RelayBins.self)
}

struct RelayBins: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bins", abstract: "What waits in each relay bin, oldest first.")
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.relayBins, NoParams(), as: RelayBinsResult.self) else { return }
            guard !result.bins.isEmpty else { return print("the relay bins are empty 中转区为空") }
            for bin in result.bins {
                print("→ \(bin.name) (\(bin.station)): \(bin.parcels.count)")
                print(
                    Display.table(
                        header: ["运单号 TRACKING", "快递 COURIER", "到站 RECEIVED"],
                        rows: bin.parcels.map { [$0.tracking, $0.courier ?? "?", Display.time($0.receivedAt)] }))
            }
        }
    }
}

struct RelaySend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send", abstract: "Send a parcel at the station on to a downstream station (错分): into its relay bin.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The parcel's tracking number.") var tracking: String
    @Argument(help: "The station's id or name, a village it serves, or a sort code.") var to: String
    @Option(help: "Why.") var reason: String?
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = RelaySendParams(tracking: tracking, to: to, reason: reason, staff: staff)
            guard let result = try global.call(Method.relaySend, params, as: ParcelResult.self) else { return }
            print("\(result.parcel.tracking) → \(result.parcel.relayName ?? to): \(Display.state(result.parcel.state))")
        }
    }
}

struct RelayPullBack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pullback", abstract: "Take an in-transit parcel back into local pickup, shelved with a pickup code.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The parcel's tracking number.") var tracking: String
    @Option(help: "Why.") var reason: String?
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = RelayPullBackParams(tracking: tracking, reason: reason, staff: staff)
            guard let result = try global.call(Method.relayPullBack, params, as: ParcelResult.self) else { return }
            print("\(result.parcel.tracking): \(Display.state(result.parcel.state)) 取件码 \(result.parcel.pickupCode ?? "-")")
        }
    }
}
