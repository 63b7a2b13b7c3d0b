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

// MARK: Proof at pickup (出库拍照)

extension Method {
    /// Links a photo or signature image to a pickup: its SHA-256 is chained into the custody log.
    public static let attachProof = MethodDeclaration<AttachProofParams, AttachProofResult>("Pickup.AttachProof", .write)
    /// Re-hashes every proof file still in the station's proof folder against the digest chained for it.
    public static let verifyProofs = MethodDeclaration<NoParams, VerifyProofsResult>("Pickup.VerifyProofs", .read)

    static let pickupProofArea: [Method] = [attachProof.method, verifyProofs.method]
}

public struct AttachProofParams: RequestParams, Equatable {
    /// Exactly one of `pickupId` (from `Pickup.Confirm`) or `tracking` (its most recent pickup).
    public var pickupId: Int64?
    public var tracking: String?
    /// `photo` (default) or `signature`.
    public var kind: String?
    /// The image's bytes, base64: JPEG, PNG or WebP (checked by its first bytes), at most 8 MiB decoded; the whole
    /// request line must fit `server.maxLineBytes`.
    public var bytes: String
    public var staff: String?

    public init(pickupId: Int64? = nil, tracking: String? = nil, kind: String? = nil, bytes: String, staff: String? = nil) {
        self.pickupId = pickupId
        self.tracking = tracking
        self.kind = kind
        self.bytes = bytes
        self.staff = staff
    }

    public static let kinds = ["photo", "signature"]

    public func validate() throws(WireError) {
        guard (pickupId == nil) != (tracking?.isEmpty ?? true) else {
            throw WireError(.invalidParams, "give exactly one of pickupId or tracking")
        }
        if let kind, !Self.kinds.contains(kind) { throw WireError(.invalidParams, "kind: photo or signature") }
        if bytes.isEmpty { throw WireError(.imageEmpty, "bytes: the image is empty") }
    }
}

public struct AttachProofResult: Codable, Sendable, Equatable {
    public var pickupId: Int64
    public var kind: String
    /// Hex SHA-256 of the image, as chained into each parcel's `attachProof` event.
    public var sha256: String
    /// Its name in the station's proof folder.
    public var file: String
    public var at: String
    public var trackings: [String]
    /// The same image was already linked to this pickup: nothing new was recorded.
    public var repeated: Bool

    public init(pickupId: Int64, kind: String, sha256: String, file: String, at: String, trackings: [String], repeated: Bool) {
        self.pickupId = pickupId
        self.kind = kind
        self.sha256 = sha256
        self.file = file
        self.at = at
        self.trackings = trackings
        self.repeated = repeated
    }
}

public struct ProofFileDTO: Codable, Sendable, Equatable {
    /// The `attachProof` event's position in the log.
    public var seq: Int64
    public var tracking: String
    public var kind: String
    public var sha256: String
    public var file: String
    public var at: String

    public init(seq: Int64, tracking: String, kind: String, sha256: String, file: String, at: String) {
        self.seq = seq
        self.tracking = tracking
        self.kind = kind
        self.sha256 = sha256
        self.file = file
        self.at = at
    }
}

public struct VerifyProofsResult: Codable, Sendable, Equatable {
    /// Proof files found and re-hashed.
    public var checked: Int
    /// Files whose bytes no longer match the digest chained for them (one entry per event naming them).
    public var altered: [ProofFileDTO]
    /// Files no longer in the proof folder: reported, but the custody chain itself is intact.
    public var missing: [ProofFileDTO]

    public init(checked: Int, altered: [ProofFileDTO], missing: [ProofFileDTO]) {
        self.checked = checked
        self.altered = altered
        self.missing = missing
    }
}
