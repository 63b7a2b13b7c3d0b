// Complaints (投诉) about a parcel or a handoff, and their resolution.

extension Method {
    public static let recordComplaint = MethodDeclaration<ComplaintParams, ComplaintDTO>("Complaint.Record", .write)
    public static let resolveComplaint = MethodDeclaration<ComplaintResolveParams, ComplaintDTO>("Complaint.Resolve", .write)
    public static let complaints = MethodDeclaration<ListParams, ComplaintsResult>("Complaint.List", .read)

    static let complaintArea: [Method] = [recordComplaint.method, resolveComplaint.method, complaints.method]
}

// MARK: Complaints

public struct ComplaintParams: RequestParams, Equatable {
    /// Exactly one of `tracking` (the parcel's latest stay) or `handoff`.
    public var tracking: String?
    public var handoff: String?
    public var text: String
    /// How it came in: phone, counter, county, platform…
    public var source: String?
    public var staff: String?
    public init(tracking: String? = nil, handoff: String? = nil, text: String, source: String? = nil, staff: String? = nil) {
        self.tracking = tracking
        self.handoff = handoff
        self.text = text
        self.source = source
        self.staff = staff
    }

    public func validate() throws(WireError) { try ParamCheck.exactlyOne(("tracking", tracking), ("handoff", handoff)) }
}

public struct ComplaintResolveParams: RequestParams, Equatable {
    public var id: Int64
    public var resolution: String
    public var staff: String?
    public init(id: Int64, resolution: String, staff: String? = nil) {
        self.id = id
        self.resolution = resolution
        self.staff = staff
    }
}

public struct ComplaintDTO: Codable, Sendable, Equatable {
    public var id: Int64
    public var tracking: String?
    public var handoff: String?
    public var text: String
    public var source: String?
    public var at: String
    public var recordedBy: String
    public var resolution: String?
    public var resolvedAt: String?
    public var resolvedBy: String?
    public init(
        id: Int64, tracking: String?, handoff: String?, text: String, source: String?, at: String, recordedBy: String, resolution: String?,
        resolvedAt: String?, resolvedBy: String?
    ) {
        self.id = id
        self.tracking = tracking
        self.handoff = handoff
        self.text = text
        self.source = source
        self.at = at
        self.recordedBy = recordedBy
        self.resolution = resolution
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
    }
}

public struct ComplaintsResult: Codable, Sendable, Equatable {
    public var complaints: [ComplaintDTO]
    public init(complaints: [ComplaintDTO]) { self.complaints = complaints }
}
