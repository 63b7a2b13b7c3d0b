/// The error codes on the socket. Codes are stable: clients branch on them; messages may change. A request that
/// fails changes nothing.
///
/// An open set (the `ServiceGroupError.Code` pattern): a later minor version may add codes, so a code this build
/// does not know still decodes, keeps its text, and its reply's message can be shown; branch on the constants
/// below and treat any other code as a failure to show.
public struct ErrorCode: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// Whether this build knows the code (a newer server may send others).
    public var isKnown: Bool { Self.known.contains(self) }

    // Framing and envelope
    /// The line is not a JSON object with a string `method`.
    public static let malformed = ErrorCode("request.malformed")
    /// The line is not valid UTF-8.
    public static let invalidUTF8 = ErrorCode("request.invalidUTF8")
    /// The line is longer than the server's maximum; it was discarded up to the next newline.
    public static let tooLarge = ErrorCode("request.tooLarge")
    /// No such method.
    public static let unknownMethod = ErrorCode("request.unknownMethod")
    /// A parameter is missing, of the wrong type, or out of range.
    public static let invalidParams = ErrorCode("request.invalidParams")
    /// Arrays and objects nested deeper than 32 levels: refused before any parsing of the request.
    public static let tooDeep = ErrorCode("request.tooDeep")
    /// A string holds a control character other than tab, line feed and carriage return (U+0000–U+001F,
    /// U+007F–U+009F); the message names the field.
    public static let controlCharacter = ErrorCode("request.controlCharacter")
    /// A request line took longer than the server allows to arrive in full (`server.lineTimeoutSeconds`);
    /// the connection is closed.
    public static let lineTimeout = ErrorCode("request.lineTimeout")
    /// The client's protocol major version is not served.
    public static let unsupportedVersion = ErrorCode("protocol.unsupportedVersion")
    // Connection
    /// The peer's user may only read; the method changes records.
    public static let accessDenied = ErrorCode("access.denied")
    /// The server has as many connections as it accepts; try again later.
    public static let busy = ErrorCode("server.busy")
    /// The server is shutting down and takes no new requests.
    public static let shuttingDown = ErrorCode("server.shuttingDown")
    /// The connection sat idle past the server's timeout and is being closed.
    public static let idleTimeout = ErrorCode("connection.idleTimeout")
    /// The peer's user already has as many connections open as one user may (`server.maxConnectionsPerUser`).
    public static let tooManyConnections = ErrorCode("connection.tooMany")
    // Domain
    /// The scanned text is not a usable tracking number (empty, too long, bad characters).
    public static let trackingInvalid = ErrorCode("tracking.invalid")
    /// A self-checking number (UPU S10, GS1 SSCC) failed its check digit: probably a misread.
    public static let checkDigit = ErrorCode("tracking.checkDigit")
    /// A phone number or phone tail is malformed.
    public static let phoneInvalid = ErrorCode("phone.invalid")
    /// A pickup code is not `shelf-layer-seq`.
    public static let pickupCodeInvalid = ErrorCode("pickupCode.invalid")
    /// No parcel with that tracking number.
    public static let parcelNotFound = ErrorCode("parcel.notFound")
    /// The parcel's state does not allow this action.
    public static let illegalTransition = ErrorCode("parcel.illegalTransition")
    /// Pickup needs exactly one of `code`, `phoneTail` or `phone`.
    public static let credentialRequired = ErrorCode("pickup.credentialRequired")
    /// No parcel is waiting for that code or phone tail.
    public static let noMatch = ErrorCode("pickup.noMatch")
    /// Too many wrong codes or phone numbers from this client or at this counter: none is checked for a while
    /// (the message says until when). Guards the short pickup codes against guessing.
    public static let tooManyAttempts = ErrorCode("pickup.tooManyAttempts")
    /// A named parcel does not belong to the code or phone tail given.
    public static let codeMismatch = ErrorCode("pickup.codeMismatch")
    /// A named parcel is not waiting for pickup.
    public static let notAwaitingPickup = ErrorCode("pickup.notAwaiting")
    /// No shelves configured, or every pickup code is in use or cooling down.
    public static let shelfFull = ErrorCode("shelf.full")
    /// A command barcode (`PSCMD:`…) that names no role.
    public static let unknownCommand = ErrorCode("scan.unknownCommand")
    /// Intake refused a clean scan that is plainly no waybill number (`notAParcel.<kind>`); `force` takes it in
    /// anyway, recorded as forced. The kinds: a product's barcode, a GS1 SSCC bag label (it belongs to a
    /// handoff), a command sheet or courier badge, fewer than 8 characters, no digits at all.
    public static let notAParcelProductCode = ErrorCode("notAParcel.productCode")
    public static let notAParcelBagLabel = ErrorCode("notAParcel.bagLabel")
    public static let notAParcelCommand = ErrorCode("notAParcel.command")
    public static let notAParcelTooShort = ErrorCode("notAParcel.tooShort")
    public static let notAParcelNoDigits = ErrorCode("notAParcel.noDigits")
    /// No scanner with that id is attached, known or configured.
    public static let scannerNotFound = ErrorCode("scanner.notFound")
    /// No handoff with that id.
    public static let handoffNotFound = ErrorCode("handoff.notFound")
    /// The handoff is closed: its receipt is final.
    public static let handoffClosed = ErrorCode("handoff.closed")
    /// No courier or driver with that id is configured.
    public static let unknownParty = ErrorCode("handoff.unknownParty")
    /// The badge or PIN does not match the handoff's courier.
    public static let confirmationFailed = ErrorCode("handoff.confirmationFailed")
    /// Too many wrong PINs: this courier is locked out for a while.
    public static let lockedOut = ErrorCode("handoff.lockedOut")
    /// The manifest has bad lines (listed with their line numbers); nothing of it was imported.
    public static let manifestInvalid = ErrorCode("manifest.invalid")
    public static let discrepancyNotFound = ErrorCode("discrepancy.notFound")
    /// The discrepancy was resolved already; a resolution is final.
    public static let discrepancyResolved = ErrorCode("discrepancy.resolved")
    /// That waybill is already waiting at the station to be sent.
    public static let outgoingDuplicate = ErrorCode("outgoing.duplicate")
    public static let complaintNotFound = ErrorCode("complaint.notFound")
    /// The complaint is resolved already; a resolution is final.
    public static let complaintResolved = ErrorCode("complaint.resolved")
    /// The intake or pickup is older than the undo window (or undo is turned off): correct it with a forward
    /// action instead (return, exception).
    public static let undoWindowPassed = ErrorCode("undo.windowPassed")
    /// The intake was recorded on a handoff; its receipt counts it, so it is corrected there (a discrepancy).
    public static let undoOnHandoff = ErrorCode("undo.onHandoff")
    public static let stocktakeNotFound = ErrorCode("stocktake.notFound")
    /// The stocktake is closed; its report is final.
    public static let stocktakeClosed = ErrorCode("stocktake.closed")
    // Label photos
    public static let imageEmpty = ErrorCode("image.empty")
    /// Over the decoder's size limit (or, inline, over the line limit).
    public static let imageTooLarge = ErrorCode("image.tooLarge")
    /// The header announces more pixels than the limit (a decompression bomb).
    public static let imageTooManyPixels = ErrorCode("image.tooManyPixels")
    public static let imageTruncated = ErrorCode("image.truncated")
    public static let imageCorrupt = ErrorCode("image.corrupt")
    /// Not JPEG, PNG, WebP or PGM.
    public static let imageUnsupported = ErrorCode("image.unsupportedFormat")
    /// The time budget ran out before any code was found.
    public static let imageTimeout = ErrorCode("image.timeout")
    /// The daemon cannot read that file.
    public static let imageUnreadable = ErrorCode("image.unreadable")
    /// The peer may not read that file itself (a directory it cannot search, a file it cannot read, a symbolic
    /// link as the last component): the daemon does not read it for the peer.
    public static let imageAccessDenied = ErrorCode("image.accessDenied")
    /// A side over the limit, or a shape far more elongated than any photo (a 1×65535 image).
    public static let imageBadGeometry = ErrorCode("image.badGeometry")
    // Backups
    /// No backup folder is configured (`backup.folder` in the daemon's configuration).
    public static let backupNotConfigured = ErrorCode("backup.notConfigured")
    /// The backup could not be written or did not verify; the message says why (a missing or unwritable
    /// folder, a full disk). Nothing of it was kept; the ledger is unaffected.
    public static let backupFailed = ErrorCode("backup.failed")
    // Storage
    /// The disk is full: nothing was written.
    public static let diskFull = ErrorCode("store.diskFull")
    /// The ledger cannot be read or written right now.
    public static let storeUnavailable = ErrorCode("store.unavailable")
    /// A bug: the request was not carried out. Details are in the daemon's log.
    public static let `internal` = ErrorCode("internal")
    // Events (1.7)
    /// `Events.Subscribe` with `since`: more durable events were missed than the daemon replays
    /// (`eventReplayLimit`); re-read with `Parcel.Search` and the reports, then subscribe without `since`.
    public static let eventsGap = ErrorCode("events.gap")
    /// `Events.Subscribe` with `since` past the ledger's latest event: the tool followed another ledger (or this
    /// one before a restore); re-read, then subscribe without `since`.
    public static let eventsSinceAhead = ErrorCode("events.sinceAhead")

    /// No problem parcel with that id.
    public static let problemNotFound = ErrorCode("problem.notFound")
    /// The problem is resolved already; its resolution is final.
    public static let problemResolved = ErrorCode("problem.resolved")
    /// The parcel already has an open problem (the message names it): resolve that one first.
    public static let problemAlreadyOpen = ErrorCode("problem.alreadyOpen")
    /// A bag label (SSCC) the inbound handoff's manifest lists no parcel in (since 1.8): scan its parcels one by one.
    public static let handoffUnknownBag = ErrorCode("handoff.unknownBag")
    // Handoffs between two parcel-stations, signed by both (since 1.8)
    /// The document is signed by (or names) a station that is not in `chain.stations` with a public key.
    public static let exchangeUnknownStation = ErrorCode("exchange.unknownStation")
    /// The signature does not match: forged, altered, or signed with another key (the message says which).
    public static let exchangeBadSignature = ErrorCode("exchange.badSignature")
    /// A signed manifest addressed to another station.
    public static let exchangeNotForThisStation = ErrorCode("exchange.notForThisStation")
    /// A receipt for a manifest this station never signed (no such handoff).
    public static let exchangeUnknownManifest = ErrorCode("exchange.unknownManifest")
    /// The handoff is not one with another parcel-station of `chain.stations` (or not in that direction).
    public static let exchangeNotStationHandoff = ErrorCode("exchange.notStationHandoff")
    // Relay (since 1.8)
    /// The destination names neither this station nor a downstream station configured under `chain.stations`
    /// (or names two equally): nothing is taken in or sent on.
    public static let relayUnknownDestination = ErrorCode("relay.unknownDestination")
    /// The parcel is not in transit (in no relay bin): only such a parcel can be pulled back.
    public static let relayNotInTransit = ErrorCode("relay.notInTransit")
    // Proof at pickup
    /// No pickup to link the proof to: an unknown pickup id, a parcel not picked up, or (spool) no pickup in the window.
    public static let proofNoPickup = ErrorCode("proof.noPickup")
    /// The image is not JPEG, PNG or WebP by its first bytes (a proof is never decoded, only stored and hashed).
    public static let proofNotAnImage = ErrorCode("proof.notAnImage")
    /// Several pickups fit (spool folder): the proof names none of them, so it is not guessed.
    public static let proofAmbiguous = ErrorCode("proof.ambiguous")

    /// Every code this build knows, in the order Protocol.md lists them.
    public static let known: [ErrorCode] = [
        .malformed, .invalidUTF8, .tooLarge, .unknownMethod, .invalidParams, .tooDeep, .controlCharacter, .lineTimeout, .unsupportedVersion,
        .accessDenied, .busy, .shuttingDown, .idleTimeout, .tooManyConnections, .trackingInvalid, .checkDigit, .phoneInvalid,
        .pickupCodeInvalid, .parcelNotFound, .illegalTransition, .credentialRequired, .noMatch, .tooManyAttempts, .codeMismatch,
        .notAwaitingPickup, .shelfFull, .unknownCommand, .notAParcelProductCode, .notAParcelBagLabel, .notAParcelCommand,
        .notAParcelTooShort, .notAParcelNoDigits, .scannerNotFound, .handoffNotFound, .handoffClosed, .unknownParty,
        .confirmationFailed, .lockedOut, .manifestInvalid, .discrepancyNotFound, .discrepancyResolved, .outgoingDuplicate,
        .complaintNotFound, .complaintResolved, .problemNotFound, .problemResolved, .problemAlreadyOpen, .relayUnknownDestination,
        .relayNotInTransit, .handoffUnknownBag, .exchangeUnknownStation, .exchangeBadSignature, .exchangeNotForThisStation,
        .exchangeUnknownManifest, .exchangeNotStationHandoff, .undoWindowPassed, .undoOnHandoff,
        .stocktakeNotFound, .stocktakeClosed, .imageEmpty,
        .imageTooLarge, .imageTooManyPixels, .imageTruncated, .imageCorrupt, .imageUnsupported, .imageTimeout, .imageUnreadable,
        .imageAccessDenied, .imageBadGeometry, .backupNotConfigured, .backupFailed, .diskFull, .storeUnavailable, .`internal`,
        .eventsGap, .eventsSinceAhead,
        .proofNoPickup, .proofNotAnImage, .proofAmbiguous,
    ]
}
