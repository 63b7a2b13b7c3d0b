import ArgumentParser
import Foundation
import Notices
import StationClient
import StationProtocol

/// A printed pickup slip (取件单) for a recipient without a phone: station, pickup code, tracking tail, deadline.
struct Slip: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a pickup slip for recipients without a phone (58 or 80 mm receipt printer).",
        discussion: """
              parcelctl slip SF1234567890123 | lp -d receipt     plain text, 32 columns (58 mm)
              parcelctl slip SF1234567890123 --html --paper 80mm > slip.html
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The parcel's tracking number.") var tracking: String
    @Option(help: "58mm or 80mm.") var paper: String = "58mm"
    @Flag(help: "A printable HTML page instead of plain text.") var html = false
    @Option(name: .customLong("opening-hours"), help: "Printed on the slip.") var openingHours = "8:00-20:00"

    func run() throws {
        try reporting {
            guard let paper = PickupSlip.Paper(rawValue: paper) else { throw CLIError("--paper: 58mm or 80mm", code: 64) }
            var quiet = global
            quiet.json = false
            guard let status = try quiet.call(Method.status, NoParams(), as: StatusResult.self),
                let got = try quiet.call(Method.get, GetParams(tracking: tracking), as: GetResult.self)
            else { return }
            let parcel = got.parcel
            guard let code = parcel.pickupCode, parcel.releasedAt == nil else {
                throw CLIError("\(parcel.tracking) is \(parcel.state): no pickup code to print", code: 1)
            }
            let shelved = parcel.shelvedAt.flatMap { ISO8601DateFormatter.withFractions.date(from: $0) } ?? Date()
            let courier = parcel.couriers.first { $0.code == parcel.courier }?.name ?? parcel.courier ?? "快递"
            let slip = PickupSlip(
                stationName: status.station.name, pickupCode: code, trackingTail: String(parcel.tracking.suffix(4)), courierName: courier,
                deadline: shelved.addingTimeInterval(Double(status.holdHours) * 3600), openingHours: openingHours)
            let zone = TimeZone(identifier: "Asia/Shanghai")!
            print(html ? slip.html(paper: paper, timeZone: zone) : slip.text(paper: paper, timeZone: zone))
        }
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}

struct NoticeHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices", abstract: "A parcel's pickup notices and every attempt to send them.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The parcel's tracking number.") var tracking: String

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.notices, GetParams(tracking: tracking), as: NoticesResult.self) else { return }
            guard !result.notices.isEmpty else { return print("no notices (none queued: is a notice channel configured?)") }
            for notice in result.notices {
                print(
                    "\(notice.key)  \(notice.status)  next \(Display.time(notice.nextAttemptAt))\(notice.lastReason.map { "  (\($0))" } ?? "")"
                )
                if let text = notice.text { print("  \(text)") }
                for attempt in notice.attempts {
                    print(
                        "  #\(attempt.number) \(Display.time(attempt.startedAt))  \(attempt.result ?? "sending")  \(attempt.reason ?? "")")
                }
            }
        }
    }
}
