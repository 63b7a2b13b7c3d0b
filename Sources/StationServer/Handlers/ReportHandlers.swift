import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerReports() {
        on(Method.backlog) { params, context in
            WireMapping.backlog(
                try await context.engine.backlogOverview(olderThanHours: params.olderThanHours ?? 0), engine: context.engine)
        }

        on(Method.dailyReport) { params, context in
            WireMapping.periodReport(try await context.engine.dailyReport(date: params.date), engine: context.engine)
        }

        on(Method.monthlyReport) { params, context in
            WireMapping.periodReport(try await context.engine.monthlyReport(month: params.month), engine: context.engine)
        }

        on(Method.handoffLedger) { params, context in
            WireMapping.handoffLedger(try await context.engine.handoffLedger(from: params.from, to: params.to), engine: context.engine)
        }
    }
}
