import Foundation
import Logging
import ParcelDomain
import ParcelStore
import ServiceLifecycle
import StationConfiguration
import StationEngine
import StationServer

/// A watched folder for a document camera (高拍仪): each image written there is decoded and acted on by the
/// folder's role (intake by default), then moved to `done/` or `failed/` with a `.json` note saying why.
///
/// Nothing is lost or acted on twice: a file is first renamed into `processing/` (atomic, so one pass owns it),
/// and only leaves it after the ledger has committed. After a crash, files still in `processing/` are decoded
/// again; the actions are idempotent (a second intake of a parcel already here is a repeat, not a row).
/// A file is taken only once its size and modification time have stopped changing, so a camera still writing it
/// is left alone.
final class LabelSpool: Service, @unchecked Sendable {
    let folder: URL
    let scanner: ScannerDescriptor
    let engine: StationEngine
    let logger: Logger
    let pollInterval: Duration
    /// Set for a pickup-proof folder (出库拍照): its images are linked to a pickup, never decoded as labels.
    let proof: ProofKind?
    /// How long before a proof arrives the pickup it belongs to may have been made.
    let proofWindow: Duration
    /// Size and modification time of each candidate at the previous poll (only touched by `run`).
    private var seen: [String: (size: Int, modified: Date)] = [:]

    static let ignoredSuffixes = [".tmp", ".part", ".crdownload", ".json"]

    init(
        folder: String, engine: StationEngine, logger: Logger, pollInterval: Duration = .milliseconds(500), proof: ProofKind? = nil,
        proofWindow: Duration = .seconds(120)
    ) {
        self.proof = proof
        self.proofWindow = proofWindow
        self.folder = URL(fileURLWithPath: folder, isDirectory: true)
        self.scanner = ScannerDescriptor(id: Self.scannerID(folder: folder), source: "photo", port: folder)
        self.engine = engine
        self.logger = logger
        self.pollInterval = pollInterval
    }

    /// The scanner id the folder's scans count as (and its role is configured under).
    static func scannerID(folder: String) -> String { DaemonConfiguration.spoolScannerID(folder: folder) }

    var processing: URL { folder.appendingPathComponent("processing", isDirectory: true) }
    var done: URL { folder.appendingPathComponent("done", isDirectory: true) }
    var failed: URL { folder.appendingPathComponent("failed", isDirectory: true) }

    func prepare() throws {
        for directory in [folder, processing, done, failed] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
    }

    func run() async throws {
        try prepare()
        // A proof folder is no scanner: nothing there is a scan.
        if proof == nil { engine.scannerAttached(scanner) }
        logger.info(
            proof == nil ? "watching label spool folder" : "watching pickup proof folder", metadata: ["folder": "\(folder.path)"])
        // Files a previous run claimed but did not finish.
        for name in names(in: processing) { await handle(name) }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            for name in stableNames() {
                if Task.isShuttingDownGracefully { break }
                guard claim(name) else { continue }
                await handle(name)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.pollInterval) }
        }
        if proof == nil { engine.scannerDetached(scanner) }
    }

    func names(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { name in
            !name.hasPrefix(".") && !Self.ignoredSuffixes.contains { name.lowercased().hasSuffix($0) }
                && (try? directory.appendingPathComponent(name).resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        }.sorted()
    }

    /// Incoming files whose size and time did not change since the last poll and are at least a second old.
    func stableNames() -> [String] {
        var stable: [String] = []
        var now: [String: (size: Int, modified: Date)] = [:]
        for name in names(in: folder) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path),
                let size = attributes[.size] as? Int, let modified = attributes[.modificationDate] as? Date
            else { continue }
            now[name] = (size, modified)
            if let before = seen[name], before.size == size, before.modified == modified, Date().timeIntervalSince(modified) >= 1 {
                stable.append(name)
            }
        }
        seen = now
        return stable
    }

    func claim(_ name: String) -> Bool {
        rename(folder.appendingPathComponent(name), to: processing.appendingPathComponent(name))
    }

    func rename(_ from: URL, to: URL) -> Bool {
        from.path.withCString { source in to.path.withCString { target in Foundation.rename(source, target) == 0 } }
    }

    struct Note: Encodable {
        var file: String
        var at: String
        var outcome: String
        var message: String
        var waybill: String?
        var confirmed: Bool?
        var pickupCode: String?
        /// The parcel's phone tail after the scan: the label's, when its OCR read it confidently and none was known.
        var phoneTail: String?
        var error: String?
        /// A proof's pickup, digest and name in the proof folder.
        var pickupId: Int64?
        var sha256: String?
        var proofFile: String?
        var trackings: [String]?
    }

    func handle(_ name: String) async {
        if let proof {
            await handleProof(name, kind: proof)
            return
        }
        let path = processing.appendingPathComponent(name).path
        var note = Note(file: name, at: ISO8601DateFormatter().string(from: Date()), outcome: "failed", message: "")
        do {
            let (reading, outcome) = try await engine.decodeLabel(path: path, act: true, scanner: scanner)
            note.waybill = reading.waybill?.number
            note.confirmed = reading.waybill?.confirmed
            if let outcome {
                note.outcome = outcome.result.rawValue
                note.pickupCode = outcome.parcel?.pickupCode?.description
                note.phoneTail = outcome.parcel?.phoneTail
                note.error = outcome.error.map { "\($0)" }
                note.message = "scan \(outcome.result.rawValue)"
            } else if let waybill = reading.waybill {
                note.outcome = "uncertain"
                note.message = "\(waybill.number) was not confirmed (\(waybill.evidence)); check the label and scan it by hand"
            } else {
                note.outcome = "noTrackingNumber"
                note.message = reading.symbols.isEmpty ? "no barcode found" : "no code on the label looks like a tracking number"
            }
        } catch {
            note.outcome = "unreadable"
            note.error = "\(error)"
            note.message = "the image could not be decoded"
        }
        let succeeded = ["intake", "repeatIntake", "pickedUp", "handoff", "handoffClosed", "roleChanged", "duplicate"].contains(
            note.outcome)
        let target = succeeded ? done : failed
        finish(name, into: target, note: note)
        let level: Logger.Level = succeeded ? .info : .warning
        logger.log(level: level, "label photo \(note.outcome)", metadata: ["file": "\(name)", "waybill": "\(note.waybill ?? "-")"])
    }

    /// A pickup proof: linked to its pickup and kept in the proof folder under its SHA-256, so the image leaves
    /// `processing/` for good (only its note goes to `done/`); refused ones go to `failed/` with the reason.
    func handleProof(_ name: String, kind: ProofKind) async {
        let url = processing.appendingPathComponent(name)
        var note = Note(file: name, at: ISO8601DateFormatter().string(from: Date()), outcome: "failed", message: "")
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            if let size = attributes[.size] as? Int, size > StationEngine.maxProofBytes {
                throw ProofError(.tooLarge, "the image has \(size) bytes; at most \(StationEngine.maxProofBytes) are accepted")
            }
            // The pickup happened before the camera wrote the file: the window ends when the file was last written.
            let written = (attributes[.modificationDate] as? Date).map { Int64($0.timeIntervalSince1970 * 1000) }
            let bytes = [UInt8](try Data(contentsOf: url))
            let stem = (name as NSString).deletingPathExtension
            let window = proofWindow.components.seconds * 1000
            // The station's clock may be moved (drills, tests): the file's own time is on the system clock.
            let offset = engine.stationNowMillis - Int64(Date().timeIntervalSince1970 * 1000)
            // A file time may be whole seconds (Foundation's, some file systems): a pickup earlier in that same second
            // would look later than the photo. The window ends at the end of the file's second.
            let received = (written ?? Int64(Date().timeIntervalSince1970 * 1000)) + offset + 999
            let attached = try await engine.attachProof(
                bytes, kind: kind, to: .fileName(stem: stem, receivedAt: received, windowMillis: window),
                by: Caller(client: "proof-spool"))
            note.outcome = attached.repeated ? "proofRepeated" : "proofAttached"
            note.message =
                "linked to pickup \(attached.pickupID) (\(attached.trackings.joined(separator: ", "))), kept as proofs/\(attached.file)"
            note.pickupId = attached.pickupID
            note.sha256 = attached.sha256
            note.proofFile = attached.file
            note.trackings = attached.trackings
            // The proof folder holds the image now: the spool's copy goes.
            try? FileManager.default.removeItem(at: url)
            writeNote(note, named: name, into: done)
            logger.info("pickup proof from spool", metadata: ["file": "\(name)", "pickup": "\(attached.pickupID)"])
        } catch {
            note.outcome = (error as? ProofError)?.code.rawValue ?? "unreadable"
            note.error = "\(error)"
            note.message = (error as? ProofError)?.message ?? "the proof could not be stored"
            finish(name, into: failed, note: note)
            logger.warning("pickup proof refused", metadata: ["file": "\(name)", "reason": "\(note.message)"])
        }
    }

    func writeNote(_ note: Note, named name: String, into directory: URL) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try? encoder.encode(note).write(to: directory.appendingPathComponent(name + ".json"))
    }

    /// Moves the image out of `processing/` (never over an earlier file of the same name) with its note beside it.
    func finish(_ name: String, into directory: URL, note: Note) {
        var targetName = name
        var counter = 1
        while FileManager.default.fileExists(atPath: directory.appendingPathComponent(targetName).path) {
            counter += 1
            let base = (name as NSString).deletingPathExtension
            let ext = (name as NSString).pathExtension
            targetName = ext.isEmpty ? "\(base)-\(counter)" : "\(base)-\(counter).\(ext)"
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(note).write(to: directory.appendingPathComponent(targetName + ".json"))
        } catch {
            logger.error("cannot write the label photo's note", metadata: ["file": "\(targetName)", "error": "\(error)"])
        }
        if !rename(processing.appendingPathComponent(name), to: directory.appendingPathComponent(targetName)) {
            logger.error("cannot move label photo out of processing/", metadata: ["file": "\(name)", "errno": "\(errno)"])
        }
    }
}
