import ArgumentParser
import Foundation
import StationClient
import StationProtocol

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accept a parcel to send (寄件), or produce going up the chain (--produce, 农产品上行).",
        discussion: """
              parcelctl send ZTO751234567890 --courier ZTO --to 云南昆明 --weight 1200 --fee 12.50 --sender-tail 5678 --id-checked
            It waits for the next outbound handoff of kind outgoing with that courier.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The waybill number.") var waybill: String
    @Option(help: "Courier code (ZTO, SF, EMS…).") var courier: String
    @Option(name: .customLong("to"), help: "Destination region.") var destination: String
    @Option(help: "Weight in grams.") var weight: Int
    @Option(help: "Fee in yuan, e.g. 12.50.") var fee: String
    @Flag(help: "Farm produce going up the chain (农产品上行).") var produce = false
    @Option(name: .customLong("sender-phone"), help: "Sender's phone (stored as last 4 digits + salted hash).") var senderPhone: String?
    @Option(name: .customLong("sender-tail"), help: "Last 4 digits of the sender's phone.") var senderTail: String?
    @Flag(name: .customLong("id-checked"), help: "The sender's ID was checked (实名寄递).") var idChecked = false
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            guard let yuan = Decimal(string: fee), yuan >= 0 else { throw CLIError("--fee: yuan, e.g. 12.50", code: 64) }
            let fen = NSDecimalNumber(decimal: yuan * 100).rounding(accordingToBehavior: nil).intValue
            let params = OutgoingParams(
                waybill: waybill, courier: courier, destination: destination, weightGrams: weight, feeFen: fen, produce: produce,
                senderPhone: senderPhone, senderTail: senderTail, idChecked: idChecked, staff: staff)
            guard let result = try global.call(Method.acceptOutgoing, params, as: OutgoingDTO.self) else { return }
            print(
                "accepted \(result.waybill) (\(result.courier)) to \(result.destination), \(result.weightGrams) g, fee \(Outgoing.yuan(result.feeFen)); waiting for the courier's outgoing handoff"
            )
        }
    }
}

struct Outgoing: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "outgoing", abstract: "Parcels sent from the station, newest first.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only those still waiting for their courier.") var waiting = false

    static func yuan(_ fen: Int) -> String { String(format: "¥%d.%02d", fen / 100, fen % 100) }

    func run() throws {
        try reporting {
            guard
                let result = try global.call(
                    Method.listOutgoing, ListParams(open: waiting, limit: 500), as: OutgoingListResult.self)
            else { return }
            print(
                Display.table(
                    header: ["运单号 WAYBILL", "快递 COURIER", "目的地 TO", "重量 G", "费用 FEE", "状态 STATE", "ACCEPTED"],
                    rows: result.outgoing.map {
                        [
                            $0.waybill + ($0.produce ? " 农产品" : ""), $0.courier, $0.destination, String($0.weightGrams),
                            Self.yuan($0.feeFen),
                            $0.state == "waiting" ? "待交接 waiting" : "已交接 handed over", Display.time($0.acceptedAt),
                        ]
                    }))
        }
    }
}
