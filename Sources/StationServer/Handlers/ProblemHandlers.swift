import ParcelDomain
import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerProblems() {
        on(Method.openProblem) { params, context in
            // Validation left a known kind.
            let done = try await context.engine.openProblem(
                scan: params.tracking, kind: ProblemKind(rawValue: params.kind) ?? .lost, note: params.note, photo: params.photo,
                by: context.caller(staff: params.staff))
            return ProblemResult(
                problem: WireMapping.problem(done.problem), parcel: WireMapping.parcel(done.parcel, engine: context.engine))
        }

        on(Method.openMissingProblems) { params, context in
            let opened = try await context.engine.openProblemsForMissing(
                stocktake: params.stocktake, note: params.note, by: context.caller(staff: params.staff))
            return ProblemsResult(problems: opened.map { WireMapping.problem($0.problem) })
        }

        on(Method.resolveProblem) { params, context in
            let done = try await context.engine.resolveProblem(
                params.id, resolution: ProblemResolution(rawValue: params.resolution) ?? .found, note: params.note,
                by: context.caller(staff: params.staff))
            return ProblemResult(
                problem: WireMapping.problem(done.problem), parcel: WireMapping.parcel(done.parcel, engine: context.engine))
        }

        on(Method.problems) { params, context in
            ProblemsResult(
                problems: try await context.engine.problems(
                    openOnly: params.open ?? false, kind: params.kind.flatMap(ProblemKind.init(rawValue:)), limit: params.effectiveLimit
                ).map(WireMapping.problem))
        }
    }
}
