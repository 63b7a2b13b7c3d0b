/// The closed vocabulary of error codes on the socket. Codes are stable: clients branch on them; messages
/// may change. A request that fails changes nothing.
public enum ErrorCode: String, Codable, Sendable, CaseIterable {
    // Framing and envelope
    /// The line is not a JSON object with a string `method`.
    case malformed = "request.malformed"
    /// The line is not valid UTF-8.
    case invalidUTF8 = "request.invalidUTF8"
    /// The line is longer than the server's maximum; it was discarded up to the next newline.
    case tooLarge = "request.tooLarge"
    /// No such method.
    case unknownMethod = "request.unknownMethod"
    /// A parameter is missing, of the wrong type, or out of range.
    case invalidParams = "request.invalidParams"
    /// Arrays and objects nested deeper than 32 levels: refused before any parsing of the request.
    case tooDeep = "request.tooDeep"
    /// A string holds a control character other than tab, line feed and carriage return (U+0000–U+001F,
    /// U+007F–U+009F); the message names the field.
    case controlCharacter = "request.controlCharacter"
    /// A request line took longer than the server allows to arrive in full (`server.lineTimeoutSeconds`);
    /// the connection is closed.
    case lineTimeout = "request.lineTimeout"
    /// The client's protocol major version is not served.
    case unsupportedVersion = "protocol.unsupportedVersion"
    // Connection
    /// The peer's user may only read; the method changes records.
    case accessDenied = "access.denied"
    /// The server has as many connections as it accepts; try again later.
    case busy = "server.busy"
    /// The server is shutting down and takes no new requests.
    case shuttingDown = "server.shuttingDown"
    /// The connection sat idle past the server's timeout and is being closed.
    case idleTimeout = "connection.idleTimeout"
    /// The peer's user already has as many connections open as one user may (`server.maxConnectionsPerUser`).
    case tooManyConnections = "connection.tooMany"
    // Domain
    /// The scanned text is not a usable tracking number (empty, too long, bad characters).
    case trackingInvalid = "tracking.invalid"
    /// A self-checking number (UPU S10, GS1 SSCC) failed its check digit: probably a misread.
    case checkDigit = "tracking.checkDigit"
    /// A phone number or phone tail is malformed.
    case phoneInvalid = "phone.invalid"
    /// A pickup code is not `shelf-layer-seq`.
    case pickupCodeInvalid = "pickupCode.invalid"
    /// No parcel with that tracking number.
    case parcelNotFound = "parcel.notFound"
    /// The parcel's state does not allow this action.
    case illegalTransition = "parcel.illegalTransition"
    /// Pickup needs exactly one of `code`, `phoneTail` or `phone`.
    case credentialRequired = "pickup.credentialRequired"
    /// No parcel is waiting for that code or phone tail.
    case noMatch = "pickup.noMatch"
    /// Too many wrong codes or phone numbers from this client or at this counter: none is checked for a while
    /// (the message says until when). Guards the short pickup codes against guessing.
    case tooManyAttempts = "pickup.tooManyAttempts"
    /// A named parcel does not belong to the code or phone tail given.
    case codeMismatch = "pickup.codeMismatch"
    /// A named parcel is not waiting for pickup.
    case notAwaitingPickup = "pickup.notAwaiting"
    /// No shelves configured, or every pickup code is in use or cooling down.
    case shelfFull = "shelf.full"
    /// A command barcode (`PSCMD:`…) that names no role.
    case unknownCommand = "scan.unknownCommand"
    /// No scanner with that id is attached, known or configured.
    case scannerNotFound = "scanner.notFound"
    /// No handoff with that id.
    case handoffNotFound = "handoff.notFound"
    /// The handoff is closed: its receipt is final.
    case handoffClosed = "handoff.closed"
    /// No courier or driver with that id is configured.
    case unknownParty = "handoff.unknownParty"
    /// The badge or PIN does not match the handoff's courier.
    case confirmationFailed = "handoff.confirmationFailed"
    /// Too many wrong PINs: this courier is locked out for a while.
    case lockedOut = "handoff.lockedOut"
    /// The manifest has bad lines (listed with their line numbers); nothing of it was imported.
    case manifestInvalid = "manifest.invalid"
    case discrepancyNotFound = "discrepancy.notFound"
    /// The discrepancy was resolved already; a resolution is final.
    case discrepancyResolved = "discrepancy.resolved"
    /// That waybill is already waiting at the station to be sent.
    case outgoingDuplicate = "outgoing.duplicate"
    case complaintNotFound = "complaint.notFound"
    /// The complaint is resolved already; a resolution is final.
    case complaintResolved = "complaint.resolved"
    /// The intake or pickup is older than the undo window (or undo is turned off): correct it with a forward
    /// action instead (return, exception).
    case undoWindowPassed = "undo.windowPassed"
    /// The intake was recorded on a handoff; its receipt counts it, so it is corrected there (a discrepancy).
    case undoOnHandoff = "undo.onHandoff"
    case stocktakeNotFound = "stocktake.notFound"
    /// The stocktake is closed; its report is final.
    case stocktakeClosed = "stocktake.closed"
    // Label photos
    case imageEmpty = "image.empty"
    /// Over the decoder's size limit (or, inline, over the line limit).
    case imageTooLarge = "image.tooLarge"
    /// The header announces more pixels than the limit (a decompression bomb).
    case imageTooManyPixels = "image.tooManyPixels"
    case imageTruncated = "image.truncated"
    case imageCorrupt = "image.corrupt"
    /// Not JPEG, PNG, WebP or PGM.
    case imageUnsupported = "image.unsupportedFormat"
    /// The time budget ran out before any code was found.
    case imageTimeout = "image.timeout"
    /// The daemon cannot read that file.
    case imageUnreadable = "image.unreadable"
    /// The peer may not read that file itself (a directory it cannot search, a file it cannot read, a symbolic
    /// link as the last component): the daemon does not read it for the peer.
    case imageAccessDenied = "image.accessDenied"
    /// A side over the limit, or a shape far more elongated than any photo (a 1×65535 image).
    case imageBadGeometry = "image.badGeometry"
    // Backups
    /// No backup folder is configured (`backup.folder` in the daemon's configuration).
    case backupNotConfigured = "backup.notConfigured"
    /// The backup could not be written or did not verify; the message says why (a missing or unwritable
    /// folder, a full disk). Nothing of it was kept; the ledger is unaffected.
    case backupFailed = "backup.failed"
    // Storage
    /// The disk is full: nothing was written.
    case diskFull = "store.diskFull"
    /// The ledger cannot be read or written right now.
    case storeUnavailable = "store.unavailable"
    /// A bug: the request was not carried out. Details are in the daemon's log.
    case `internal` = "internal"
}
