// Pickup: checking what a recipient gave, and handing parcels out.

extension Method {
    /// Writes: it counts wrong guesses and, with `counter`, arms that counter's pickup scanners.
    public static let verifyPickup = MethodDeclaration<VerifyParams, ParcelsResult>("Pickup.Verify", .write)
    public static let confirmPickup = MethodDeclaration<ConfirmParams, ConfirmResult>("Pickup.Confirm", .write)

    static let pickupArea: [Method] = [verifyPickup.method, confirmPickup.method]
}

// MARK: Pickup

public struct VerifyParams: RequestParams, Equatable {
    /// Exactly one of `code`, `phoneTail`, `phone`.
    public var code: String?
    public var phoneTail: String?
    public var phone: String?
    /// The pickup counter: its pickup-role scanners then hand out exactly these parcels for a while.
    public var counter: String?

    public init(code: String? = nil, phoneTail: String? = nil, phone: String? = nil, counter: String? = nil) {
        self.code = code
        self.phoneTail = phoneTail
        self.phone = phone
        self.counter = counter
    }

    public func validate() throws(WireError) {
        if let counter, counter.isEmpty || counter.count > 32 {
            throw WireError(.invalidParams, "counter: a counter name of 1 to 32 characters")
        }
    }
}

public struct ConfirmParams: RequestParams, Equatable {
    /// The parcels handed out (scanned at the counter).
    public var trackings: [String]
    /// Exactly one of `code`, `phoneTail`, `phone`: what the recipient gave.
    public var code: String?
    public var phoneTail: String?
    public var phone: String?
    /// The staff member handing out.
    public var staff: String?
    /// Name of the person collecting for the recipient (代取).
    public var collector: String?

    public init(
        trackings: [String], code: String? = nil, phoneTail: String? = nil, phone: String? = nil, staff: String? = nil,
        collector: String? = nil
    ) {
        self.trackings = trackings
        self.code = code
        self.phoneTail = phoneTail
        self.phone = phone
        self.staff = staff
        self.collector = collector
    }
}

public struct ConfirmResult: Codable, Sendable, Equatable {
    /// The pickup record's id (the proof: staff, client, time, method).
    public var pickupId: Int64
    public var at: String
    public var parcels: [ParcelDTO]

    public init(pickupId: Int64, at: String, parcels: [ParcelDTO]) {
        self.pickupId = pickupId
        self.at = at
        self.parcels = parcels
    }
}
