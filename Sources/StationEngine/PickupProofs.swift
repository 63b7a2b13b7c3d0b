import Crypto
public import Foundation
import Logging
import ParcelDomain
public import ParcelStore

/// A proof of pickup (出库凭证): a photo from the counter's document camera, or a signature image.
public enum ProofKind: String, Sendable, CaseIterable {
    case photo
    case signature
}

/// Which pickup a proof belongs to.
public enum ProofTarget: Sendable, Equatable {
    /// The pickup's id (`Pickup.Confirm` answers it).
    case pickup(Int64)
    /// The most recent pickup of this parcel.
    case tracking(String)
    /// A file dropped into a proof spool folder: the pickup or tracking number its name starts with
    /// (`pickup-42.jpg`, `SF1234567890123.jpg`), else the one pickup made within `windowMillis` before `receivedAt`.
    case fileName(stem: String, receivedAt: Int64, windowMillis: Int64)
}

/// Why a proof was refused. The socket maps `code` to its error code.
public struct ProofError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case empty
        case tooLarge
        case notAnImage
        /// No pickup to link the proof to (unknown id, a parcel never picked up, nothing in the window).
        case noPickup
        /// More than one pickup in the window: the proof is not guessed onto one of them.
        case ambiguous
    }
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// A proof linked to a pickup: one `attachProof` event per parcel of the pickup.
public struct AttachedProof: Sendable, Equatable {
    public let pickupID: Int64
    public let kind: ProofKind
    public let sha256: String
    /// The file's name in the proof folder (`<sha256>.<jpg|png|webp>`).
    public let file: String
    public let at: Int64
    public let trackings: [String]
    /// The same image was linked to this pickup before: nothing new was recorded.
    public let repeated: Bool
}

/// `Pickup.VerifyProofs`: each proof file in the proof folder re-hashed against the digest in the custody log.
public struct ProofCheck: Sendable, Equatable {
    public var checked = 0
    /// Files whose bytes no longer hash to the digest chained for them.
    public var altered: [ChainedProof] = []
    /// Files no longer in the proof folder (deleted or moved): the chain itself is intact.
    public var missing: [ChainedProof] = []
}

extension StationEngine {
    /// Largest proof image accepted (a document camera's JPEG is 0.5–3 MB).
    public static let maxProofBytes = 8 << 20

    /// The station's clock now (ms since 1970): moved with `PARCEL_STATION_CLOCK_OFFSET_SECONDS`, unlike the files' times.
    public nonisolated var stationNowMillis: Int64 { clock.nowMillis() }

    /// The station's proof store: `proofs/` beside the ledger, files named by their SHA-256.
    public nonisolated var proofFolder: URL {
        URL(fileURLWithPath: store.path).deletingLastPathComponent().appendingPathComponent("proofs", isDirectory: true)
    }

    /// The image type by its magic bytes (`jpg`, `png`, `webp`), nil for anything else.
    public static func proofImageType(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "jpg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "png" }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "webp" }
        return nil
    }

    /// Links an image to a pickup: checks it is an image of bounded size, stores it in the proof folder under its
    /// SHA-256 (flushed before the ledger names it), then records one chained `attachProof` event per parcel of the
    /// pickup, whose details carry the digest and the file name, never the image or anything personal.
    public nonisolated func attachProof(_ bytes: [UInt8], kind: ProofKind, to target: ProofTarget, by caller: Caller) async throws
        -> AttachedProof
    {
        guard !bytes.isEmpty else { throw ProofError(.empty, "the image is empty") }
        guard bytes.count <= Self.maxProofBytes else {
            throw ProofError(.tooLarge, "the image has \(bytes.count) bytes; at most \(Self.maxProofBytes) are accepted")
        }
        guard let type = Self.proofImageType(bytes) else {
            throw ProofError(.notAnImage, "not a JPEG, PNG or WebP image (by its first bytes)")
        }
        let sha = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let file = "\(sha).\(type)"
        let pickupID = try await resolvePickup(target)
        try storeProofFile(bytes, name: file)
        let now = clock.nowMillis()
        let actor = caller.actor
        let result = try await store.write { tx -> AttachedProof in
            let parcels = try tx.parcels(pickupID: pickupID)
            guard !parcels.isEmpty else { throw ProofError(.noPickup, "pickup \(pickupID) has no parcel handed out (undone?)") }
            var repeated = true
            for parcel in parcels {
                let already = try tx.events(parcelID: parcel.id).contains { $0.kind == .attachProof && $0.details["sha256"] == sha }
                if already { continue }
                repeated = false
                try tx.apply(
                    .attachProof, to: parcel, at: now, actor: actor, pickupID: pickupID,
                    details: ["proof": kind.rawValue, "sha256": sha, "file": file])
            }
            return AttachedProof(
                pickupID: pickupID, kind: kind, sha256: sha, file: file, at: now, trackings: parcels.map(\.tracking), repeated: repeated)
        }
        logger.info(
            "pickup proof",
            metadata: ["pickup": "\(pickupID)", "kind": "\(kind.rawValue)", "sha256": "\(sha)", "repeated": "\(result.repeated)"])
        if !result.repeated { await publishIfSubscribed() }
        return result
    }

    nonisolated func resolvePickup(_ target: ProofTarget) async throws -> Int64 {
        try await store.read { reader -> Int64 in
            func latestPickup(ofTracking tracking: String) throws -> Int64? {
                guard let parcel = try reader.latestParcel(tracking: tracking), parcel.state == .pickedUp else { return nil }
                return parcel.pickupID
            }
            switch target {
            case .pickup(let id):
                guard try reader.pickupTime(id: id) != nil, try !reader.parcels(pickupID: id).isEmpty else {
                    throw ProofError(.noPickup, "no pickup \(id) with parcels handed out")
                }
                return id
            case .tracking(let raw):
                let tracking = try ScanText(raw: raw).text
                guard let id = try latestPickup(ofTracking: tracking) else {
                    throw ProofError(.noPickup, "parcel \(tracking) has not been picked up")
                }
                return id
            case .fileName(let stem, let receivedAt, let window):
                let lower = stem.lowercased()
                if lower.hasPrefix("pickup-"), let id = Int64(lower.dropFirst(7).prefix { $0.isNumber }) {
                    guard try reader.pickupTime(id: id) != nil, try !reader.parcels(pickupID: id).isEmpty else {
                        throw ProofError(.noPickup, "the file names pickup \(id), which has no parcels handed out")
                    }
                    return id
                }
                let token = String(stem.prefix { $0 != "_" && $0 != " " && $0 != "." })
                if let tracking = try? ScanText(raw: token).text, let id = try latestPickup(ofTracking: tracking) { return id }
                let recent = try reader.recentPickups(limit: 16).filter { $0.at <= receivedAt && $0.at >= receivedAt - window }
                    .filter { try !reader.parcels(pickupID: $0.id).isEmpty }
                guard let first = recent.first else {
                    throw ProofError(.noPickup, "no pickup in the \(window / 1000) s before the photo, and its name names none")
                }
                guard recent.count == 1 else {
                    throw ProofError(
                        .ambiguous,
                        "\(recent.count) pickups in the \(window / 1000) s before the photo (\(recent.map { String($0.id) }.joined(separator: ", "))): name the file pickup-ID.jpg"
                    )
                }
                return first.id
            }
        }
    }

    /// Writes the proof to `proofs/<name>` through a temporary file, flushed, then renamed: a name in the folder
    /// always holds the whole image. An image stored before (same digest) is left as it is.
    nonisolated func storeProofFile(_ bytes: [UInt8], name: String) throws {
        let folder = proofFolder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        let target = folder.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: target.path) { return }
        let temporary = folder.appendingPathComponent(".\(name).\(UUID().uuidString).tmp")
        let handle = try FileHandle(
            forWritingTo: {
                FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o640])
                return temporary
            }())
        do {
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        guard rename(temporary.path, target.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot store proof \(name): errno \(code)"])
        }
    }

    /// Re-hashes every proof file the custody log names that is still in the proof folder.
    public nonisolated func verifyProofs() async throws -> ProofCheck {
        let proofs = try await store.read { try $0.chainedProofs() }
        let folder = proofFolder
        var check = ProofCheck()
        var seen: [String: Bool] = [:]  // file → intact, each file hashed once
        for proof in proofs {
            let path = folder.appendingPathComponent((proof.file as NSString).lastPathComponent).path
            let intact: Bool?
            if let known = seen[proof.file + "\u{0}" + proof.sha256] {
                intact = known
            } else if let data = FileManager.default.contents(atPath: path) {
                let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
                intact = digest == proof.sha256
                check.checked += 1
                seen[proof.file + "\u{0}" + proof.sha256] = intact
            } else {
                intact = nil
            }
            switch intact {
            case .none: check.missing.append(proof)
            case .some(false): check.altered.append(proof)
            case .some(true): break
            }
        }
        if !check.altered.isEmpty {
            logger.critical("pickup proof altered", metadata: ["files": "\(check.altered.map(\.file).joined(separator: ", "))"])
        }
        return check
    }
}
