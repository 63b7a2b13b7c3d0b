import ArgumentParser
import Foundation
import StationClient
import StationProtocol

struct Problem: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Problem parcels (问题件): lost, damaged, collected by the wrong person, refused, wrong address.",
        discussion: """
            parcelctl problem open SF1234567890123 damaged --note "外箱破损" --photo IMG_0042.jpg --staff 王芳
            parcelctl problem missing <stocktake id>      (a closed stocktake's missing list, each as lost)
            parcelctl problem resolve 12 found             (found, returnedToCourier, compensated, writtenOff)
            parcelctl problem list --open
            """,
        subcommands: [ListProblems.self, OpenProblem.self, OpenMissingProblems.self, ResolveProblemCommand.self],
        defaultSubcommand: ListProblems.self)

    static func row(_ item: ProblemDTO) -> [String] {
        [
            "#\(item.id)", item.tracking, "\(item.label) \(item.kind)", Display.time(item.openedAt), item.openedBy,
            item.note ?? "", item.resolution.map { "✓ \($0)" } ?? "open 未处理",
        ]
    }

    static let header = ["#", "运单号 TRACKING", "问题 KIND", "AT", "BY", "NOTE", "RESOLUTION"]
}

struct ListProblems: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Problem parcels, newest first.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Only unresolved ones.") var open = false
    @Option(help: "Only this kind: lost, damaged, wrongCollected, refused, badAddress.") var kind: String?

    func run() throws {
        try reporting {
            guard
                let result = try global.call(
                    Method.problems, ProblemListParams(open: open, kind: kind, limit: 500), as: ProblemsResult.self)
            else { return }
            guard !result.problems.isEmpty else { return print("no problem parcels") }
            print(Display.table(header: Problem.header, rows: result.problems.map(Problem.row)))
        }
    }
}

struct OpenProblem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open", abstract: "Record a problem parcel; one still here leaves the pickup backlog until resolved.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The parcel's tracking number.") var tracking: String
    @Argument(help: "lost, damaged, wrongCollected, refused or badAddress.") var kind: String
    @Option(help: "What happened.") var note: String?
    @Option(help: "The photo's file name or camera reference.") var photo: String?
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = ProblemOpenParams(tracking: tracking, kind: kind, note: note, photo: photo, staff: staff)
            guard let result = try global.call(Method.openProblem, params, as: ProblemResult.self) else { return }
            print(
                "problem #\(result.problem.id) \(result.problem.label): \(result.parcel.tracking) is now \(Display.state(result.parcel.state))"
            )
        }
    }
}

struct OpenMissingProblems: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "missing", abstract: "Record every parcel a closed stocktake did not find as lost (those still missing, once each).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The stocktake's id.") var stocktake: String
    @Option(help: "A note for each.") var note: String?
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = ProblemsFromStocktakeParams(stocktake: stocktake, note: note, staff: staff)
            guard let result = try global.call(Method.openMissingProblems, params, as: ProblemsResult.self) else { return }
            guard !result.problems.isEmpty else { return print("nothing still missing without a problem record") }
            print(Display.table(header: Problem.header, rows: result.problems.map(Problem.row)))
        }
    }
}

struct ResolveProblemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resolve", abstract: "Close a problem parcel.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The problem's number.") var id: Int64
    @Argument(help: "found, returnedToCourier, compensated or writtenOff.") var resolution: String
    @Option(help: "What was done.") var note: String?
    @Option(help: "Your name.") var staff: String?

    func run() throws {
        try reporting {
            let params = ProblemResolveParams(id: id, resolution: resolution, note: note, staff: staff)
            guard let result = try global.call(Method.resolveProblem, params, as: ProblemResult.self) else { return }
            let code = result.parcel.pickupCode.map { "  取件码 code \($0)" } ?? ""
            print(
                "problem #\(result.problem.id) resolved (\(resolution)): \(result.parcel.tracking) is now \(Display.state(result.parcel.state))\(code)"
            )
        }
    }
}
