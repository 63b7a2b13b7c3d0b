// Wire types of handoffs (交接), their discrepancies and receipts.

extension Method {
    public static let openHandoff = MethodDeclaration<HandoffOpenParams, HandoffResult>("Handoff.Open", .write)
    public static let importManifest = MethodDeclaration<HandoffImportParams, HandoffResult>("Handoff.Import", .write)
    public static let scanHandoff = MethodDeclaration<HandoffScanParams, HandoffScanResult>("Handoff.Scan", .write)
    public static let closeHandoff = MethodDeclaration<HandoffCloseParams, HandoffResult>("Handoff.Close", .write)
    public static let getHandoff = MethodDeclaration<HandoffRefParams, HandoffResult>("Handoff.Get", .read)
    public static let listHandoffs = MethodDeclaration<ListParams, HandoffsResult>("Handoff.List", .read)
    public static let discrepancies = MethodDeclaration<NoParams, DiscrepanciesResult>("Discrepancy.List", .read)
    public static let resolveDiscrepancy = MethodDeclaration<ResolveParams, DiscrepancyDTO>("Discrepancy.Resolve", .write)
    public static let receipts = MethodDeclaration<NoParams, ReceiptsResult>("Receipt.Export", .read)
    /// The couriers and drivers this station hands parcels over with (configuration `handoffs.parties`), without
    /// their secrets: what a tool needs to open a handoff by choosing a party.
    public static let parties = MethodDeclaration<NoParams, PartiesResult>("Handoff.Parties", .read)
    /// Since 1.8, between two parcel-stations: sign an outbound handoff's manifest for the station it goes to.
    public static let exportSignedManifest = MethodDeclaration<HandoffRefParams, SignedDocumentResult>("Handoff.SignManifest", .write)
    /// Since 1.8: open an inbound handoff from another station's signed manifest (its signature checked).
    public static let importSignedManifest = MethodDeclaration<SignedDocumentParams, HandoffResult>("Handoff.ImportSigned", .write)
    /// Since 1.8: close an outbound handoff with the receiving station's signed receipt.
    public static let importReceipt = MethodDeclaration<SignedDocumentParams, HandoffResult>("Handoff.ImportReceipt", .write)
    /// Since 1.8: the signed documents a handoff between two stations stands on (manifest, receipts).
    public static let handoffDocuments = MethodDeclaration<HandoffRefParams, HandoffDocumentsResult>("Handoff.Documents", .read)

    static let handoffArea: [Method] = [
        openHandoff.method, importManifest.method, scanHandoff.method, closeHandoff.method, getHandoff.method, listHandoffs.method,
        discrepancies.method, resolveDiscrepancy.method, receipts.method, parties.method, exportSignedManifest.method,
        importSignedManifest.method, importReceipt.method, handoffDocuments.method,
    ]
}

public struct HandoffDTO: Codable, Sendable, Equatable {
    /// The handoff's id (a time-ordered UUID).
    public var id: String
    public var direction: String
    public var kind: String
    public var party: String
    public var partyName: String
    public var company: String?
    public var node: String?
    public var nodeTier: String?
    public var vehicle: String?
    public var counter: String
    /// `open` or `closed`.
    public var state: String
    public var openedAt: String
    public var openedBy: String
    public var closedAt: String?
    public var confirmedBy: String?
    public var receiptSeq: Int64?
    public var receiptDigest: String?
    /// Between two parcel-stations (since 1.8): the digest of the signed manifest it stands on, sent or received.
    public var manifestDigest: String?

    public init(
        id: String, direction: String, kind: String, party: String, partyName: String, company: String?, node: String?, nodeTier: String?,
        vehicle: String?, counter: String, state: String, openedAt: String, openedBy: String, closedAt: String?, confirmedBy: String?,
        receiptSeq: Int64?, receiptDigest: String?
    ) {
        self.id = id
        self.direction = direction
        self.kind = kind
        self.party = party
        self.partyName = partyName
        self.company = company
        self.node = node
        self.nodeTier = nodeTier
        self.vehicle = vehicle
        self.counter = counter
        self.state = state
        self.openedAt = openedAt
        self.openedBy = openedBy
        self.closedAt = closedAt
        self.confirmedBy = confirmedBy
        self.receiptSeq = receiptSeq
        self.receiptDigest = receiptDigest
    }
}

public struct HandoffLineDTO: Codable, Sendable, Equatable {
    public var tracking: String
    public var courier: String?
    public var bag: String?
    public var destination: String?
    public var manifestLine: Int?
    public var expected: Bool
    /// `expected`, `scanned`, `missing`, `extra`, `damaged`, `misrouted`.
    public var status: String
    public var scannedAt: String?
    public var note: String?
    public var photo: String?

    public init(
        tracking: String, courier: String?, bag: String?, destination: String?, manifestLine: Int?, expected: Bool, status: String,
        scannedAt: String?, note: String?, photo: String?
    ) {
        self.tracking = tracking
        self.courier = courier
        self.bag = bag
        self.destination = destination
        self.manifestLine = manifestLine
        self.expected = expected
        self.status = status
        self.scannedAt = scannedAt
        self.note = note
        self.photo = photo
    }
}

public struct DiscrepancyDTO: Codable, Sendable, Equatable {
    public var id: Int64
    public var handoff: String
    public var tracking: String
    /// `missing`, `extra`, `damaged`, `misrouted`.
    public var kind: String
    public var openedAt: String
    /// `found`, `writtenOff`, `returned`, or null while open.
    public var resolution: String?
    public var resolvedAt: String?
    public var resolvedBy: String?
    public var note: String?

    public init(
        id: Int64, handoff: String, tracking: String, kind: String, openedAt: String, resolution: String?, resolvedAt: String?,
        resolvedBy: String?, note: String?
    ) {
        self.id = id
        self.handoff = handoff
        self.tracking = tracking
        self.kind = kind
        self.openedAt = openedAt
        self.resolution = resolution
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
        self.note = note
    }
}

/// A signed receipt exactly as `parcelctl receipt verify` reads it.
public struct ReceiptDTO: Codable, Sendable, Equatable {
    public var body: String
    public var digest: String
    public var signature: String
    public var publicKey: String
    public init(body: String, digest: String, signature: String, publicKey: String) {
        self.body = body
        self.digest = digest
        self.signature = signature
        self.publicKey = publicKey
    }
}

public struct HandoffOpenParams: RequestParams, Equatable {
    public var direction: String
    public var kind: String
    public var party: String
    public var node: String?
    public var nodeTier: String?
    public var vehicle: String?
    public var counter: String?
    /// Who opens it (1.6): recorded as the opener beside the client.
    public var staff: String?
    public init(
        direction: String, kind: String, party: String, node: String? = nil, nodeTier: String? = nil, vehicle: String? = nil,
        counter: String? = nil, staff: String? = nil
    ) {
        self.direction = direction
        self.kind = kind
        self.party = party
        self.node = node
        self.nodeTier = nodeTier
        self.vehicle = vehicle
        self.counter = counter
        self.staff = staff
    }
}

public struct HandoffImportParams: RequestParams, Equatable {
    public var handoff: String
    /// `csv` or `json`.
    public var format: String
    /// The manifest file's text.
    public var content: String
    public init(handoff: String, format: String, content: String) {
        self.handoff = handoff
        self.format = format
        self.content = content
    }
}

public struct HandoffScanParams: RequestParams, Equatable {
    public var handoff: String
    public var text: String
    public var damaged: Bool?
    public var note: String?
    /// A reference to a photo of the damage (file name or URL the station keeps).
    public var photo: String?
    public var staff: String?
    public init(handoff: String, text: String, damaged: Bool? = nil, note: String? = nil, photo: String? = nil, staff: String? = nil) {
        self.handoff = handoff
        self.text = text
        self.damaged = damaged
        self.note = note
        self.photo = photo
        self.staff = staff
    }
}

public struct HandoffCloseParams: RequestParams, Equatable {
    public var handoff: String
    /// Exactly one of `badge` (the scanned badge barcode), `pin`, or `signed` (since 1.8).
    public var badge: String?
    public var pin: String?
    /// An inbound handoff opened from another station's signed manifest is closed by this station's own staff:
    /// its receipt, signed here, names the manifest and goes back to the sender.
    public var signed: Bool?
    public var staff: String?
    public init(handoff: String, badge: String? = nil, pin: String? = nil, signed: Bool? = nil, staff: String? = nil) {
        self.handoff = handoff
        self.badge = badge
        self.pin = pin
        self.signed = signed
        self.staff = staff
    }

    public func validate() throws(WireError) {
        let given = [badge != nil, pin != nil, signed == true].filter { $0 }.count
        guard given == 1, (badge ?? pin)?.isEmpty != true else {
            throw WireError(.invalidParams, "give exactly one of badge, pin or signed")
        }
    }
}

/// A signed document exchanged between two parcel-stations: a manifest or a receipt, in the receipts' envelope.
public struct SignedDocumentParams: RequestParams, Equatable {
    public var document: ReceiptDTO
    /// Whose handoff-role scanners feed the handoff a manifest opens (default `1`).
    public var counter: String?
    public var staff: String?
    public init(document: ReceiptDTO, counter: String? = nil, staff: String? = nil) {
        self.document = document
        self.counter = counter
        self.staff = staff
    }

    public func validate() throws(WireError) {
        guard document.body.utf8.count <= 4 << 20 else { throw WireError(.invalidParams, "document: at most 4 MiB") }
    }
}

public struct SignedDocumentResult: Codable, Sendable, Equatable {
    public var document: ReceiptDTO
    public init(document: ReceiptDTO) { self.document = document }
}

/// The signed documents of a handoff between two stations: `role` is `manifestSent`, `manifestReceived`,
/// `receiptReceived` or `receiptSent` (this station's own receipt, once closed).
public struct HandoffDocumentDTO: Codable, Sendable, Equatable {
    public var role: String
    public var station: String
    public var at: String
    public var document: ReceiptDTO
    public init(role: String, station: String, at: String, document: ReceiptDTO) {
        self.role = role
        self.station = station
        self.at = at
        self.document = document
    }
}

public struct HandoffDocumentsResult: Codable, Sendable, Equatable {
    public var documents: [HandoffDocumentDTO]
    public init(documents: [HandoffDocumentDTO]) { self.documents = documents }
}

public struct HandoffRefParams: RequestParams, Equatable {
    public var handoff: String
    public init(handoff: String) { self.handoff = handoff }
}

public struct HandoffResult: Codable, Sendable, Equatable {
    public var handoff: HandoffDTO
    public var lines: [HandoffLineDTO]
    public var discrepancies: [DiscrepancyDTO]
    /// Once closed.
    public var receipt: ReceiptDTO?
    public init(handoff: HandoffDTO, lines: [HandoffLineDTO], discrepancies: [DiscrepancyDTO], receipt: ReceiptDTO?) {
        self.handoff = handoff
        self.lines = lines
        self.discrepancies = discrepancies
        self.receipt = receipt
    }
}

public struct HandoffScanResult: Codable, Sendable, Equatable {
    /// `scanned`, `extra`, `damaged`, `misrouted`, `repeatScan`, `bag`.
    public var result: String
    public var handoff: String
    public var line: HandoffLineDTO?
    public var parcel: ParcelDTO?
    public var bagLines: Int
    public var remaining: Int
    public init(result: String, handoff: String, line: HandoffLineDTO?, parcel: ParcelDTO?, bagLines: Int, remaining: Int) {
        self.result = result
        self.handoff = handoff
        self.line = line
        self.parcel = parcel
        self.bagLines = bagLines
        self.remaining = remaining
    }
}

public struct HandoffsResult: Codable, Sendable, Equatable {
    public var handoffs: [HandoffDTO]
    public init(handoffs: [HandoffDTO]) { self.handoffs = handoffs }
}

public struct DiscrepanciesResult: Codable, Sendable, Equatable {
    public var discrepancies: [DiscrepancyDTO]
    public init(discrepancies: [DiscrepancyDTO]) { self.discrepancies = discrepancies }
}

public struct ResolveParams: RequestParams, Equatable {
    public var id: Int64
    /// `found`, `writtenOff` or `returned`.
    public var resolution: String
    public var note: String?
    public var staff: String?
    public init(id: Int64, resolution: String, note: String? = nil, staff: String? = nil) {
        self.id = id
        self.resolution = resolution
        self.note = note
        self.staff = staff
    }
}

public struct ReceiptsResult: Codable, Sendable, Equatable {
    /// The station's public key (base64 raw Ed25519).
    public var publicKey: String
    /// Every receipt in issue order.
    public var receipts: [ReceiptDTO]
    public init(publicKey: String, receipts: [ReceiptDTO]) {
        self.publicKey = publicKey
        self.receipts = receipts
    }
}

// MARK: Handoff.Parties

/// A party as tools may see it: whether a badge or a PIN can confirm, never the badge text or the PIN.
public struct PartyDTO: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var company: String?
    public var confirmsByBadge: Bool
    public var confirmsByPIN: Bool

    public init(id: String, name: String, company: String?, confirmsByBadge: Bool, confirmsByPIN: Bool) {
        self.id = id
        self.name = name
        self.company = company
        self.confirmsByBadge = confirmsByBadge
        self.confirmsByPIN = confirmsByPIN
    }
}

public struct PartiesResult: Codable, Sendable, Equatable {
    public var parties: [PartyDTO]
    public init(parties: [PartyDTO]) { self.parties = parties }
}
