import ArgumentParser
import Foundation
import StationClient
import StationProtocol

struct Complaint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Complaints (投诉) about a parcel or a handoff, and how they were resolved.",
        subcommands: [ListComplaints.self, AddComplaint.self, ResolveComplaintCommand.self], defaultSubcommand: ListComplaints.self)

    static func row(_ item: ComplaintDTO) -> [String] {
        [
            "#\(item.id)", item.tracking ?? "handoff \(item.handoff ?? "?")", Display.time(item.at), item.text,
            item.resolution.map { "✓ \($0)" } ?? "open",
        ]
    }
}

struct ListComplaints: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Complaints, newest first.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only unresolved ones.") var open = false

    func run() throws {
        try reporting {
            guard let result = try global.call(Method.complaints, ListParams(open: open, limit: 200), as: ComplaintsResult.self)
            else { return }
            guard !result.complaints.isEmpty else { return print("no complaints") }
            print(Display.table(header: ["#", "ABOUT", "AT", "投诉 COMPLAINT", "RESOLUTION"], rows: result.complaints.map(Complaint.row)))
        }
    }
}

struct AddComplaint: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Record a complaint.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The parcel's tracking number.") var tracking: String?
    @Option(help: "The handoff's id.") var handoff: String?
    @Option(help: "How it came in: phone, counter, county…") var source: String?
    @Option(help: "Your name.") var staff: String?
    @Argument(help: "What the complaint is.") var text: String

    func run() throws {
        try reporting {
            let params = ComplaintParams(tracking: tracking, handoff: handoff, text: text, source: source, staff: staff)
            guard let result = try global.call(Method.recordComplaint, params, as: ComplaintDTO.self) else { return }
            print("recorded complaint #\(result.id)")
        }
    }
}

struct ResolveComplaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resolve", abstract: "Record how a complaint was resolved.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The complaint number.") var id: Int64
    @Argument(help: "What was done.") var resolution: String
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            guard
                let result = try global.call(
                    Method.resolveComplaint, ComplaintResolveParams(id: id, resolution: resolution, staff: staff), as: ComplaintDTO.self)
            else { return }
            print("complaint #\(result.id) resolved by \(result.resolvedBy ?? "?")")
        }
    }
}
