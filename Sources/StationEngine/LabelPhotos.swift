import Crypto
import Foundation
import Logging
public import ParcelDomain
import ParcelStore

/// What the engine needs from a label-photo decoder. The daemon passes the zbar-backed one; the engine never
/// sees zbar (dependency rule 3).
public protocol LabelReader: Sendable {
    /// Reads the file at `path`: with a `requester`, only if that user may read it themselves; without, as the
    /// daemon (its own spool folders).
    func read(path: String, for requester: PhotoRequester?) async throws(ImageRejection) -> LabelReading
    func read(bytes: [UInt8]) async throws(ImageRejection) -> LabelReading
}

/// The socket peer a path is read for, as the kernel reported it (`SO_PEERCRED`): the daemon, often root, must
/// not read for a peer what the peer could not read itself.
public struct PhotoRequester: Sendable, Equatable {
    public let pid: Int32
    public let uid: UInt32
    public let gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }
}

/// The codes found on one photo, and the tracking number chosen among them.
public struct LabelReading: Sendable, Equatable {
    public struct Symbol: Sendable, Equatable {
        public let text: String
        /// `CODE128`, `QRCODE`, `EAN13`…
        public let symbology: String
        /// The decoding pass that found it (`half`, `full`, `rotate67`…).
        public let pass: String
        /// Bounding box in image pixels: x, y, width, height.
        public let box: [Int]

        public init(text: String, symbology: String, pass: String, box: [Int]) {
            self.text = text
            self.symbology = symbology
            self.pass = pass
            self.box = box
        }
    }

    public struct Waybill: Sendable, Equatable {
        public let number: String
        public let courier: String
        /// Read twice, or equal to the QR data's number: only a confirmed number is acted on.
        public let confirmed: Bool
        /// Why it is (or is not) confirmed, in words.
        public let evidence: String

        public init(number: String, courier: String, confirmed: Bool, evidence: String) {
            self.number = number
            self.courier = courier
            self.confirmed = confirmed
            self.evidence = evidence
        }
    }

    public let format: String
    public let width: Int
    public let height: Int
    public let symbols: [Symbol]
    public let waybill: Waybill?
    /// The recipient's phone tail read from the label (OCR of the recipient block), nil when not looked for or
    /// no number was found.
    public let phoneTail: PhoneTail?

    /// A phone tail read from the label: `tail` holds the four digits only when they were read confidently; an
    /// unsure read has none (never a guess) and staff type the tail as before.
    public struct PhoneTail: Sendable, Equatable {
        public let tail: String?
        /// The OCR's confidence (0–100) in the least sure of the four digits.
        public let confidence: Double

        public init(tail: String?, confidence: Double) {
            self.tail = tail
            self.confidence = confidence
        }
    }

    public init(format: String, width: Int, height: Int, symbols: [Symbol], waybill: Waybill?, phoneTail: PhoneTail? = nil) {
        self.format = format
        self.width = width
        self.height = height
        self.symbols = symbols
        self.waybill = waybill
        self.phoneTail = phoneTail
    }
}

extension StationEngine {
    /// Decodes a label photo and, with `act`, does with its tracking number what a scan from `scanner` would do
    /// (by that scanner's role). Only a confirmed number is acted on; an uncertain one is reported, not guessed.
    /// A `path` is read for `requester` (a socket peer: only what it may read itself) or, without one, as the
    /// daemon (its spool folders).
    public nonisolated func decodeLabel(
        path: String? = nil, bytes: [UInt8]? = nil, act: Bool, scanner: ScannerDescriptor, requester: PhotoRequester? = nil
    ) async throws -> (LabelReading, ScanOutcome?) {
        guard let reader = labelReader else {
            throw EngineError.imageRejected(ImageRejection(.unsupportedFormat, "this daemon decodes no label photos"))
        }
        let reading: LabelReading
        do {
            if let path {
                reading = try await reader.read(path: path, for: requester)
            } else if let bytes {
                reading = try await reader.read(bytes: bytes)
            } else {
                throw EngineError.invalidParameter(name: "path", reason: "give a path or the image bytes")
            }
        } catch let rejection as ImageRejection {
            logRejection(rejection, path: path, bytes: bytes, scanner: scanner)
            throw EngineError.imageRejected(rejection)
        }
        guard act, let waybill = reading.waybill, waybill.confirmed else { return (reading, nil) }
        let symbology = reading.symbols.first { $0.text == waybill.number }?.symbology
        var outcome = await handleScan(
            ScanInput(
                scanner: scanner, text: waybill.number, symbology: symbology.flatMap(Self.aimIdentifier),
                sequence: desk.nextSequence(for: scanner.id),
                monotonicNanos: DispatchTime.now().uptimeNanoseconds))
        if let parcel = await applyPhoneTail(reading.phoneTail?.tail, outcome: outcome, scanner: scanner) {
            outcome.parcel = parcel
        }
        return (reading, outcome)
    }

    /// A confident tail read from the label becomes the phone tail of the parcel the photo's scan took in (a new
    /// intake, or a repeat of one that has none yet), so the notice and pickup by tail work without typing.
    /// Pickups and other roles' scans are left alone, and so is a parcel whose tail is known: a label's OCR never
    /// replaces what staff or a manifest gave. Returns the parcel with its tail, nil when none was set.
    nonisolated func applyPhoneTail(_ tail: String?, outcome: ScanOutcome, scanner: ScannerDescriptor) async -> ParcelRecord? {
        guard let tail, outcome.result == .intake || outcome.result == .repeatIntake, let parcel = outcome.parcel,
            parcel.phoneTail == nil
        else { return nil }
        do {
            return try await setPhone(scan: parcel.tracking, phone: nil, phoneTail: tail, by: Caller(client: "scanner \(scanner.id)"))
        } catch {
            logger.warning("phone tail from the label not set", metadata: ["parcel": "\(parcel.id)", "error": "\(error)"])
            return nil
        }
    }

    /// The image library's text stays here: logged at warning with the photo (its path, or the digest of inline
    /// bytes, so the sender's file can be found) and the client it came from, never sent. Refusals without a
    /// library's text (empty, too large…) are the client's own business: info.
    nonisolated func logRejection(_ rejection: ImageRejection, path: String?, bytes: [UInt8]?, scanner: ScannerDescriptor) {
        let photo =
            path
            ?? bytes.map {
                "inline \($0.count) bytes, sha256 \(SHA256.hash(data: $0).prefix(8).map { String(format: "%02x", $0) }.joined())…"
            }
        var metadata: Logger.Metadata = ["code": "\(rejection.code)", "scanner": "\(scanner.id)", "photo": "\(photo ?? "-")"]
        guard let detail = rejection.detail else {
            logger.info("label photo refused: \(rejection.message)", metadata: metadata)
            return
        }
        metadata["detail"] = "\(detail)"
        logger.warning("label photo refused: \(rejection.message)", metadata: metadata)
    }

    static func aimIdentifier(_ symbology: String) -> String? {
        switch symbology {
        case "CODE128": "]C0"
        case "QRCODE": "]Q1"
        case "EAN13", "UPCA", "UPCE": "]E0"
        case "EAN8": "]E4"
        case "ITF": "]I0"
        case "CODE39": "]A0"
        default: nil
        }
    }
}
