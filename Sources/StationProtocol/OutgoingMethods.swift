// Outgoing parcels (寄件) accepted at the counter and waiting for a courier.

extension Method {
    public static let acceptOutgoing = MethodDeclaration<OutgoingParams, OutgoingDTO>("Outgoing.Accept", .write)
    public static let listOutgoing = MethodDeclaration<ListParams, OutgoingListResult>("Outgoing.List", .read)

    static let outgoingArea: [Method] = [acceptOutgoing.method, listOutgoing.method]
}

// MARK: Outgoing

public struct OutgoingParams: RequestParams, Equatable {
    public var waybill: String
    public var courier: String
    /// The destination region (province, city).
    public var destination: String
    public var weightGrams: Int
    /// The fee in fen (1/100 yuan).
    public var feeFen: Int
    /// Farm produce going up the chain (农产品上行).
    public var produce: Bool?
    public var senderPhone: String?
    public var senderTail: String?
    /// The sender's ID was checked (实名寄递).
    public var idChecked: Bool?
    public var staff: String?
    public init(
        waybill: String, courier: String, destination: String, weightGrams: Int, feeFen: Int, produce: Bool? = nil,
        senderPhone: String? = nil,
        senderTail: String? = nil, idChecked: Bool? = nil, staff: String? = nil
    ) {
        self.waybill = waybill
        self.courier = courier
        self.destination = destination
        self.weightGrams = weightGrams
        self.feeFen = feeFen
        self.produce = produce
        self.senderPhone = senderPhone
        self.senderTail = senderTail
        self.idChecked = idChecked
        self.staff = staff
    }
}

public struct OutgoingDTO: Codable, Sendable, Equatable {
    public var waybill: String
    public var courier: String
    public var produce: Bool
    public var senderTail: String?
    public var idChecked: Bool
    public var destination: String
    public var weightGrams: Int
    public var feeFen: Int
    /// `waiting` or `handedOver`.
    public var state: String
    public var acceptedAt: String
    public var acceptedBy: String
    public var handedAt: String?
    public init(
        waybill: String, courier: String, produce: Bool, senderTail: String?, idChecked: Bool, destination: String, weightGrams: Int,
        feeFen: Int, state: String, acceptedAt: String, acceptedBy: String, handedAt: String?
    ) {
        self.waybill = waybill
        self.courier = courier
        self.produce = produce
        self.senderTail = senderTail
        self.idChecked = idChecked
        self.destination = destination
        self.weightGrams = weightGrams
        self.feeFen = feeFen
        self.state = state
        self.acceptedAt = acceptedAt
        self.acceptedBy = acceptedBy
        self.handedAt = handedAt
    }
}

public struct OutgoingListResult: Codable, Sendable, Equatable {
    public var outgoing: [OutgoingDTO]
    public init(outgoing: [OutgoingDTO]) { self.outgoing = outgoing }
}
