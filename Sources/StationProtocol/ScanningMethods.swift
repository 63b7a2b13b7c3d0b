// Scanning: scanners and their roles, scans sent over the socket, label photos.

extension Method {
    public static let scanners = MethodDeclaration<NoParams, ScannersResult>("Scanner.List", .read)
    public static let setScannerRole = MethodDeclaration<SetRoleParams, ScannersResult>("Scanner.SetRole", .write)
    public static let submitScan = MethodDeclaration<SubmitScanParams, ScanOutcomeDTO>("Scan.Submit", .write)
    /// Writes: with `act` it takes the photo's number in as a scan (and it reads files as the peer).
    public static let decodeLabel = MethodDeclaration<LabelDecodeParams, LabelDecodeResult>("Label.Decode", .write)

    static let scanningArea: [Method] = [scanners.method, setScannerRole.method, submitScan.method, decodeLabel.method]
}

// MARK: Scanners

/// A scanner as `Scanner.List` and scanner events show it.
public struct ScannerDTO: Codable, Sendable, Equatable {
    /// Stable id: from the serial number when the scanner has one, else from its port or device path.
    public var id: String
    /// `usb-keyboard`, `usb-pos`, `serial`, `photo`, `socket`, or `configured` for a configured scanner not seen yet.
    public var source: String
    /// `VID:PID` in hex, for USB scanners.
    public var usb: String?
    public var serial: String?
    public var port: String?
    public var product: String?
    /// The name the configuration gives it.
    public var name: String?
    public var attached: Bool
    public var role: String
    /// `command` (switched by a command barcode or Scanner.SetRole), `configured` or `default`.
    public var roleSource: String
    public var counter: String
    public var lastSeen: String?
    public var scans: Int
    public var duplicates: Int
    public var rejected: Int
    public var lastResult: String?
    /// Milliseconds from a code's last byte reaching the daemon to its committed outcome, over the latest scans.
    public var latencyMs: Latency?

    public struct Latency: Codable, Sendable, Equatable {
        public var p50: Double
        public var p99: Double
        public var samples: Int
        public init(p50: Double, p99: Double, samples: Int) {
            self.p50 = p50
            self.p99 = p99
            self.samples = samples
        }
    }

    public init(
        id: String, source: String, usb: String?, serial: String?, port: String?, product: String?, name: String?, attached: Bool,
        role: String, roleSource: String, counter: String, lastSeen: String?, scans: Int, duplicates: Int, rejected: Int,
        lastResult: String?, latencyMs: Latency? = nil
    ) {
        self.latencyMs = latencyMs
        self.id = id
        self.source = source
        self.usb = usb
        self.serial = serial
        self.port = port
        self.product = product
        self.name = name
        self.attached = attached
        self.role = role
        self.roleSource = roleSource
        self.counter = counter
        self.lastSeen = lastSeen
        self.scans = scans
        self.duplicates = duplicates
        self.rejected = rejected
        self.lastResult = lastResult
    }
}

public struct ScannersResult: Codable, Sendable, Equatable {
    public var scanners: [ScannerDTO]
    public init(scanners: [ScannerDTO]) { self.scanners = scanners }
}

public struct SetRoleParams: RequestParams, Equatable {
    public var scanner: String
    /// `intake`, `pickup`, `handoff`, `stocktake` or `off`; null returns the scanner to its configured role.
    public var role: String?
    public init(scanner: String, role: String?) {
        self.scanner = scanner
        self.role = role
    }
}

public struct SubmitScanParams: RequestParams, Equatable {
    /// The scanned text, as a scanner would send it.
    public var text: String
    /// Which scanner it counts as (default `socket:` + the client's hello name); its role decides the action.
    public var scanner: String?
    /// AIM symbology identifier, if known.
    public var symbology: String?
    /// The staff member scanning (since 1.6): recorded as the actor of what the scan does (the intake, the pickup's
    /// proof, the handoff line), as `Parcel.Intake`'s `staff` is.
    public var staff: String?
    public init(text: String, scanner: String? = nil, symbology: String? = nil, staff: String? = nil) {
        self.text = text
        self.scanner = scanner
        self.symbology = symbology
        self.staff = staff
    }

    public func validate() throws(WireError) {
        guard text.utf8.count <= 4096 else { throw WireError(.invalidParams, "text: at most 4096 bytes") }
        try ParamCheck.scannerID(scanner)
    }
}

/// What a scan did: the result of `Scan.Submit` and the `data` of `scan` events.
public struct ScanOutcomeDTO: Codable, Sendable, Equatable {
    public var scanner: String
    public var role: String
    public var counter: String
    /// `intake`, `repeatIntake`, `pickedUp`, `verifyFirst`, `notThisRecipient`, `roleChanged`, `duplicate`,
    /// `rejected`, `failed`, `ignored`, `noOpenHandoff`, `noOpenStocktake`.
    public var result: String
    /// A short line for the counter display, in Chinese.
    public var message: String
    public var text: String
    public var symbology: String?
    public var sequence: UInt64
    public var at: String
    public var parcel: ParcelDTO?
    public var error: WireError?
    /// After a pickup: parcels still waiting for the verified recipient at this counter. After a handoff scan:
    /// listed lines not scanned yet.
    public var remaining: Int?
    /// For handoff-role scans: the handoff, and how the scan matched its list.
    public var handoff: String?
    public var handoffResult: String?
    /// For stocktake-role scans: the stocktake, and what the scan found (`found`, `misplaced`, `unknown`, `repeatScan`).
    public var stocktake: String?
    public var stocktakeResult: String?

    public init(
        scanner: String, role: String, counter: String, result: String, message: String, text: String, symbology: String?,
        sequence: UInt64, at: String, parcel: ParcelDTO?, error: WireError?, remaining: Int?, handoff: String? = nil,
        handoffResult: String? = nil, stocktake: String? = nil, stocktakeResult: String? = nil
    ) {
        self.stocktake = stocktake
        self.stocktakeResult = stocktakeResult
        self.handoff = handoff
        self.handoffResult = handoffResult
        self.scanner = scanner
        self.role = role
        self.counter = counter
        self.result = result
        self.message = message
        self.text = text
        self.symbology = symbology
        self.sequence = sequence
        self.at = at
        self.parcel = parcel
        self.error = error
        self.remaining = remaining
    }
}

/// `data` of `scanner.*` events.
public struct ScannerEventData: Codable, Sendable, Equatable {
    public var scanner: ScannerDTO
    /// For `scanner.partialDropped`: how many bytes of the unfinished code were dropped.
    public var droppedBytes: Int?
    public init(scanner: ScannerDTO, droppedBytes: Int? = nil) {
        self.scanner = scanner
        self.droppedBytes = droppedBytes
    }
}
// MARK: Label.Decode

public struct LabelDecodeParams: RequestParams, Equatable {
    /// An absolute path of an image the daemon may read; or
    public var path: String?
    /// the image's bytes, base64 (the whole request line must fit `server.maxLineBytes`).
    public var data: String?
    /// Act on a confirmed tracking number as a scan from `scanner` (its role decides: intake, pickup…).
    public var act: Bool?
    /// The scanner the photo counts as (default `photo:` + the client's hello name).
    public var scanner: String?
    public init(path: String? = nil, data: String? = nil, act: Bool? = nil, scanner: String? = nil) {
        self.path = path
        self.data = data
        self.act = act
        self.scanner = scanner
    }

    public func validate() throws(WireError) {
        try ParamCheck.exactlyOne(("path", path), ("data", data))
        if let path, !path.hasPrefix("/") { throw WireError(.invalidParams, "path: an absolute path") }
        try ParamCheck.scannerID(scanner)
    }
}

public struct LabelSymbolDTO: Codable, Sendable, Equatable {
    public var text: String
    public var symbology: String
    public var pass: String
    /// x, y, width, height in image pixels.
    public var box: [Int]
    public init(text: String, symbology: String, pass: String, box: [Int]) {
        self.text = text
        self.symbology = symbology
        self.pass = pass
        self.box = box
    }
}

public struct WaybillDTO: Codable, Sendable, Equatable {
    public var number: String
    public var courier: String
    public var confirmed: Bool
    public var evidence: String
    public init(number: String, courier: String, confirmed: Bool, evidence: String) {
        self.number = number
        self.courier = courier
        self.confirmed = confirmed
        self.evidence = evidence
    }
}

public struct LabelDecodeResult: Codable, Sendable, Equatable {
    public var format: String
    public var width: Int
    public var height: Int
    public var symbols: [LabelSymbolDTO]
    /// The tracking number chosen, or null when no code looks like one.
    public var waybill: WaybillDTO?
    /// With `act`: what the scan of a confirmed number did; null when nothing was acted on.
    public var scan: ScanOutcomeDTO?
    /// The recipient's phone tail read from the label (OCR of the recipient block, 收): 4 digits, present only
    /// when read confidently. With `act`, a confident tail becomes the phone tail of the parcel taken in.
    public var phoneTail: String?
    /// True when a phone number was seen in the recipient block but its digits are not sure: `phoneTail` is then
    /// absent, never a guess; staff type the tail as before. Absent when no number was found.
    public var phoneTailUncertain: Bool?
    /// The OCR's confidence (0–100) in the least sure digit of the tail, when a number was seen.
    public var phoneTailConfidence: Double?
    public init(
        format: String, width: Int, height: Int, symbols: [LabelSymbolDTO], waybill: WaybillDTO?, scan: ScanOutcomeDTO?,
        phoneTail: String? = nil, phoneTailUncertain: Bool? = nil, phoneTailConfidence: Double? = nil
    ) {
        self.format = format
        self.width = width
        self.height = height
        self.symbols = symbols
        self.waybill = waybill
        self.scan = scan
        self.phoneTail = phoneTail
        self.phoneTailUncertain = phoneTailUncertain
        self.phoneTailConfidence = phoneTailConfidence
    }
}
