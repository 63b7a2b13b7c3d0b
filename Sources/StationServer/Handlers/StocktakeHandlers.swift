import ParcelStore
import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerStocktake() {
        on(Method.startStocktake) { params, context in
            let record = try await context.engine.startStocktake(
                shelf: params.shelf, counter: params.counter, by: context.caller(staff: nil))
            return StocktakeDTO(
                id: record.uid, shelf: record.shelf, counter: record.counter, state: "open",
                startedAt: WireMapping.timestamp(record.startedAt))
        }

        on(Method.scanStocktake) { params, context in
            let scan = try await context.engine.scanStocktake(params.stocktake, scan: params.text)
            return StocktakeScanResult(
                result: scan.result.rawValue, stocktake: scan.stocktake,
                parcel: scan.parcel.map { WireMapping.parcel($0, engine: context.engine) },
                scanned: scan.scanned)
        }

        on(Method.closeStocktake) { params, context in
            WireMapping.stocktakeReport(try await context.engine.closeStocktake(params.stocktake))
        }

        on(Method.getStocktake) { params, context in
            WireMapping.stocktakeReport(try await context.engine.stocktakeReport(params.stocktake))
        }
    }
}
