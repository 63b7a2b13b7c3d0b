// Stocktake (盘点): sweeping a shelf and the report of what was found, misplaced or missing.

extension Method {
    public static let startStocktake = MethodDeclaration<StocktakeStartParams, StocktakeDTO>("Stocktake.Start", .write)
    public static let scanStocktake = MethodDeclaration<StocktakeScanParams, StocktakeScanResult>("Stocktake.Scan", .write)
    public static let closeStocktake = MethodDeclaration<StocktakeRefParams, StocktakeReportDTO>("Stocktake.Close", .write)
    public static let getStocktake = MethodDeclaration<StocktakeRefParams, StocktakeReportDTO>("Stocktake.Get", .read)

    static let stocktakeArea: [Method] = [startStocktake.method, scanStocktake.method, closeStocktake.method, getStocktake.method]
}

// MARK: Stocktake

public struct StocktakeStartParams: RequestParams, Equatable {
    /// The shelf to sweep; omit for the whole station.
    public var shelf: Int?
    /// The counter whose stocktake-role scanners feed it (default `1`).
    public var counter: String?
    public init(shelf: Int? = nil, counter: String? = nil) {
        self.shelf = shelf
        self.counter = counter
    }
}

public struct StocktakeRefParams: RequestParams, Equatable {
    public var stocktake: String
    public init(stocktake: String) { self.stocktake = stocktake }
}

public struct StocktakeScanParams: RequestParams, Equatable {
    public var stocktake: String
    public var text: String
    public init(stocktake: String, text: String) {
        self.stocktake = stocktake
        self.text = text
    }
}

public struct StocktakeDTO: Codable, Sendable, Equatable {
    public var id: String
    public var shelf: Int?
    public var counter: String
    public var state: String
    public var startedAt: String
    public init(id: String, shelf: Int?, counter: String, state: String, startedAt: String) {
        self.id = id
        self.shelf = shelf
        self.counter = counter
        self.state = state
        self.startedAt = startedAt
    }
}

public struct StocktakeScanResult: Codable, Sendable, Equatable {
    /// `found`, `misplaced`, `unknown`, `repeatScan`.
    public var result: String
    public var stocktake: String
    public var parcel: ParcelDTO?
    public var scanned: Int
    public init(result: String, stocktake: String, parcel: ParcelDTO?, scanned: Int) {
        self.result = result
        self.stocktake = stocktake
        self.parcel = parcel
        self.scanned = scanned
    }
}

public struct StocktakeReportDTO: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var tracking: String
        public var pickupCode: String?
        public var state: String?
        public var shelvedAt: String?
        public init(tracking: String, pickupCode: String?, state: String?, shelvedAt: String?) {
            self.tracking = tracking
            self.pickupCode = pickupCode
            self.state = state
            self.shelvedAt = shelvedAt
        }
    }
    public var stocktake: String
    public var shelf: Int?
    public var startedAt: String
    public var closedAt: String?
    public var scanned: Int
    public var found: [Item]
    public var misplaced: [Item]
    public var unknown: [Item]
    public var missing: [Item]
    public var longStay: [Item]
    public init(
        stocktake: String, shelf: Int?, startedAt: String, closedAt: String?, scanned: Int, found: [Item], misplaced: [Item],
        unknown: [Item], missing: [Item], longStay: [Item]
    ) {
        self.stocktake = stocktake
        self.shelf = shelf
        self.startedAt = startedAt
        self.closedAt = closedAt
        self.scanned = scanned
        self.found = found
        self.misplaced = misplaced
        self.unknown = unknown
        self.missing = missing
        self.longStay = longStay
    }
}
