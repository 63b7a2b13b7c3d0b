// Problem parcels (问题件): lost, damaged, collected by the wrong person, refused, wrong address; open until resolved.

extension Method {
    public static let openProblem = MethodDeclaration<ProblemOpenParams, ProblemResult>("Problem.Open", .write)
    public static let openMissingProblems = MethodDeclaration<ProblemsFromStocktakeParams, ProblemsResult>("Problem.OpenMissing", .write)
    public static let resolveProblem = MethodDeclaration<ProblemResolveParams, ProblemResult>("Problem.Resolve", .write)
    public static let problems = MethodDeclaration<ProblemListParams, ProblemsResult>("Problem.List", .read)

    static let problemArea: [Method] = [openProblem.method, openMissingProblems.method, resolveProblem.method, problems.method]
}

/// The problem kinds on the wire: `lost`, `damaged`, `wrongCollected`, `refused`, `badAddress`.
public enum ProblemWire {
    public static let kinds = ["lost", "damaged", "wrongCollected", "refused", "badAddress"]
    /// `found`, `returnedToCourier`, `compensated`, `writtenOff`.
    public static let resolutions = ["found", "returnedToCourier", "compensated", "writtenOff"]

    static func check(_ value: String, in allowed: [String], name: String) throws(WireError) {
        guard allowed.contains(value) else {
            throw WireError(.invalidParams, "\(name): one of \(allowed.joined(separator: ", ")), not \"\(value.prefix(40))\"")
        }
    }
}

public struct ProblemOpenParams: RequestParams, Equatable {
    /// The parcel (its latest stay).
    public var tracking: String
    public var kind: String
    public var note: String?
    /// A reference to a photo of it: a file name in the station's photo folder or a camera's id (not a path).
    public var photo: String?
    public var staff: String?
    public init(tracking: String, kind: String, note: String? = nil, photo: String? = nil, staff: String? = nil) {
        self.tracking = tracking
        self.kind = kind
        self.note = note
        self.photo = photo
        self.staff = staff
    }

    public func validate() throws(WireError) { try ProblemWire.check(kind, in: ProblemWire.kinds, name: "kind") }
}

public struct ProblemsFromStocktakeParams: RequestParams, Equatable {
    /// A closed stocktake: each parcel on its missing list with no open problem gets a `lost` one.
    public var stocktake: String
    public var note: String?
    public var staff: String?
    public init(stocktake: String, note: String? = nil, staff: String? = nil) {
        self.stocktake = stocktake
        self.note = note
        self.staff = staff
    }
}

public struct ProblemResolveParams: RequestParams, Equatable {
    public var id: Int64
    public var resolution: String
    public var note: String?
    public var staff: String?
    public init(id: Int64, resolution: String, note: String? = nil, staff: String? = nil) {
        self.id = id
        self.resolution = resolution
        self.note = note
        self.staff = staff
    }

    public func validate() throws(WireError) { try ProblemWire.check(resolution, in: ProblemWire.resolutions, name: "resolution") }
}

public struct ProblemListParams: RequestParams, Equatable {
    /// Only the open ones (default false).
    public var open: Bool?
    /// Only this kind.
    public var kind: String?
    /// At most this many, newest first (default 100, at most 1000).
    public var limit: Int?
    public init(open: Bool? = nil, kind: String? = nil, limit: Int? = nil) {
        self.open = open
        self.kind = kind
        self.limit = limit
    }

    public func validate() throws(WireError) {
        try ParamCheck.limit(limit)
        if let kind { try ProblemWire.check(kind, in: ProblemWire.kinds, name: "kind") }
    }

    public var effectiveLimit: Int { limit ?? ParamCheck.defaultLimit }
}

public struct ProblemDTO: Codable, Sendable, Equatable {
    public var id: Int64
    public var tracking: String
    public var kind: String
    /// The kind in Chinese, as staff know it.
    public var label: String
    public var note: String?
    public var photo: String?
    /// `staff`, or `stocktake <id>` for one opened from a stocktake's missing list.
    public var source: String
    public var openedAt: String
    public var openedBy: String
    public var resolution: String?
    public var resolutionNote: String?
    public var resolvedAt: String?
    public var resolvedBy: String?
    public init(
        id: Int64, tracking: String, kind: String, label: String, note: String?, photo: String?, source: String, openedAt: String,
        openedBy: String, resolution: String?, resolutionNote: String?, resolvedAt: String?, resolvedBy: String?
    ) {
        self.id = id
        self.tracking = tracking
        self.kind = kind
        self.label = label
        self.note = note
        self.photo = photo
        self.source = source
        self.openedAt = openedAt
        self.openedBy = openedBy
        self.resolution = resolution
        self.resolutionNote = resolutionNote
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
    }
}

public struct ProblemResult: Codable, Sendable, Equatable {
    public var problem: ProblemDTO
    /// The parcel after the step (exception while open; back on the shelf, waiting for return or written off after).
    public var parcel: ParcelDTO
    public init(problem: ProblemDTO, parcel: ParcelDTO) {
        self.problem = problem
        self.parcel = parcel
    }
}

public struct ProblemsResult: Codable, Sendable, Equatable {
    public var problems: [ProblemDTO]
    public init(problems: [ProblemDTO]) { self.problems = problems }
}
