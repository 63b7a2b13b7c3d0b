import Crypto
public import Foundation
import Logging
public import ParcelDomain
public import ParcelStore
public import StationReceipts

/// Handoffs between two parcel-stations, signed by both: the sender signs its outbound handoff's manifest, the
/// receiver imports it (checking the signature with the sender's configured key) as its inbound handoff and
/// closes it with its own signed receipt, which names the manifest; the sender imports that receipt to close its
/// handoff as confirmed by the receiver, with the receiver's missing and damaged lines as its own discrepancies.
extension StationEngine {
    /// The chain station a signed document names as its signer, with a key to check it by.
    nonisolated func signer(_ id: String) throws -> (station: ChainStation, key: String) {
        guard let station = settings.chainStations.first(where: { $0.id == id }) else { throw EngineError.unknownSigner(id) }
        guard let key = station.publicKey else { throw EngineError.unknownSigner(id) }
        return (station, key)
    }

    /// The station on the other side of a handoff between two parcel-stations (its node, else its party), if any.
    nonisolated func chainPeer(of handoff: HandoffRecord) -> ChainStation? {
        let stations = settings.chainStations
        return handoff.node.flatMap { node in stations.first { $0.id == node } } ?? stations.first { $0.id == handoff.party }
    }

    /// Signs the outbound handoff's manifest for the station it goes to: what was loaded (scanned, extra, damaged), with
    /// bags and destinations, numbered and chained to the previous manifest this station signed. The handoff stays
    /// open; a later export supersedes it (the receiver's receipt names the one it received).
    public nonisolated func exportManifest(handoff uid: String, by caller: Caller) async throws -> SignedReceipt {
        let now = clock.nowMillis()
        let keyData = signingKeyData
        let me = ReceiptBody.Station(id: settings.stationID, name: settings.stationName)
        let staff = caller.staff ?? caller.client
        let handoff = try await store.read { try Self.openHandoff(uid, in: $0) }
        guard handoff.direction == .outbound, let peer = chainPeer(of: handoff) else { throw EngineError.notStationHandoff(uid) }
        let document = try await store.write { tx -> SignedReceipt in
            let handoff = try Self.openHandoff(uid, in: tx)
            let loaded = try tx.lines(handoffID: handoff.id).filter { [.scanned, .extra, .damaged].contains($0.status) }
            guard !loaded.isEmpty else {
                throw EngineError.invalidParameter(name: "handoff", reason: "nothing is loaded yet: scan the parcels first")
            }
            var lines: [ManifestBody.Line] = []
            for (index, line) in loaded.enumerated() {
                let parcel = try line.parcelID.flatMap { try tx.parcel(id: $0) } ?? tx.activeParcel(tracking: line.tracking)
                lines.append(
                    ManifestBody.Line(
                        tracking: line.tracking, courier: line.courier, bag: line.bag,
                        destination: parcel?.destination ?? peer.id,
                        phoneTail: parcel?.phoneTail, line: index + 1))
            }
            let previous = try tx.lastSentManifest()
            let body = ManifestBody(
                from: me, to: .init(id: peer.id, name: peer.name), seq: (previous?.seq ?? 0) + 1, previousDigest: previous?.digest,
                handoff: handoff.uid, kind: handoff.kind.rawValue, createdAt: Receipts.timestamp(now), staff: staff, lines: lines)
            let signed = try Manifests.sign(body, with: try Curve25519.Signing.PrivateKey(rawRepresentation: keyData))
            try tx.insertHandoffDocument(
                handoffID: handoff.id, role: .manifestSent, seq: body.seq, digest: signed.digest, station: peer.id, at: now,
                document: String(decoding: try JSONEncoder.receipt.encode(signed), as: UTF8.self))
            try tx.appendStationEvent(
                name: StationEventName.handoffManifestSigned, at: now,
                data: HandoffEventData(handoff: handoff.uid, lines: lines.count, manifestDigest: signed.digest, actor: caller.actor))
            return signed
        }
        await publishStationEvents()
        logger.info("manifest signed", metadata: ["handoff": "\(uid)", "to": "\(peer.id)", "digest": "\(document.digest)"])
        return document
    }

    /// Imports another station's signed manifest as an inbound transfer handoff with its lines, once: the same
    /// manifest again returns the handoff it opened. The signature must be the configured key's of the station it
    /// names as sender, and the manifest must be addressed to this station.
    public nonisolated func importSignedManifest(_ document: SignedReceipt, counter: String?, by caller: Caller) async throws
        -> HandoffDetail
    {
        let sender = try signerOfManifest(document)
        let body: ManifestBody
        do {
            body = try Manifests.verify(document, trustedKey: sender.key)
        } catch let failure as Manifests.Failure {
            throw EngineError.badSignature("manifest from \(sender.station.id): \(failure)")
        }
        guard body.to.id == settings.stationID else { throw EngineError.notAddressedHere(body.to.id) }
        if let existing = try await store.read({ try $0.handoffDocument(role: .manifestReceived, digest: document.digest) }) {
            return try await handoff(try await store.read { try $0.handoff(id: existing.handoffID)?.uid ?? "" })
        }
        let lines = try body.lines.map { line in
            ManifestLine(
                tracking: try TrackingNumber(raw: line.tracking).value, courier: line.courier, bag: line.bag.map(ScanTextBag.normalise),
                destination: line.destination, line: line.line, phoneTail: line.phoneTail)
        }
        let now = clock.nowMillis()
        let text = String(decoding: try JSONEncoder.receipt.encode(document), as: UTF8.self)
        let phones = Dictionary(
            lines.compactMap { line in line.phoneTail.map { (line.tracking, RecipientPhone(tail: $0, hash: nil, full: nil)) } },
            uniquingKeysWith: { first, _ in first })
        // One transaction: the handoff, its lines and the manifest it stands on, or nothing.
        let opened = try await openHandoff(
            .init(
                direction: .inbound, kind: HandoffKind(rawValue: body.kind) ?? .transfer, party: sender.station.id, node: sender.station.id,
                nodeTier: sender.station.tier, counter: counter), by: caller
        ) { tx, handoff in
            try tx.insertExpectedLines(lines, handoffID: handoff.id) { phones[$0.tracking] }
            try tx.insertHandoffDocument(
                handoffID: handoff.id, role: .manifestReceived, seq: nil, digest: document.digest, station: sender.station.id, at: now,
                document: text)
            try tx.appendStationEvent(
                name: StationEventName.handoffImported, at: now,
                data: HandoffEventData(handoff: handoff.uid, remaining: try tx.expectedLineCount(handoffID: handoff.id), lines: lines.count)
            )
        }
        let detail = try await handoff(opened.uid)
        await publishStationEvents()
        logger.info("signed manifest imported", metadata: ["handoff": "\(opened.uid)", "from": "\(sender.station.id)"])
        return detail
    }

    nonisolated func signerOfManifest(_ document: SignedReceipt) throws -> (station: ChainStation, key: String) {
        struct Head: Decodable {
            let format: String?
            let from: ReceiptBody.Station?
        }
        guard let head = try? JSONDecoder().decode(Head.self, from: Data(document.body.utf8)), let from = head.from else {
            throw EngineError.invalidParameter(name: "document", reason: "not a parcel-station manifest")
        }
        return try signer(from.id)
    }

    /// Imports the receiving station's signed receipt for a manifest this station sent, and closes that outbound
    /// handoff as confirmed by the receiver. The same receipt again returns the handoff as it was closed.
    public nonisolated func importReceipt(_ document: SignedReceipt, by caller: Caller) async throws -> (HandoffRecord, SignedReceipt) {
        struct Head: Decodable {
            let station: ReceiptBody.Station?
        }
        guard let head = try? JSONDecoder().decode(Head.self, from: Data(document.body.utf8)), let station = head.station else {
            throw EngineError.invalidParameter(name: "document", reason: "not a parcel-station receipt")
        }
        let receiver = try signer(station.id)
        let body: ReceiptBody
        do {
            body = try Receipts.verify(document, trustedKey: receiver.key)
        } catch let failure as Receipts.Failure {
            throw EngineError.badSignature("receipt from \(station.id): \(failure)")
        }
        guard let manifest = body.manifestDigest else { throw EngineError.receiptForUnknownManifest("none") }
        let found = try await store.read { reader -> (HandoffDocumentRecord, HandoffRecord)? in
            guard let sent = try reader.handoffDocument(role: .manifestSent, digest: manifest),
                let handoff = try reader.handoff(id: sent.handoffID)
            else { return nil }
            return (sent, handoff)
        }
        guard let (sent, handoff) = found else { throw EngineError.receiptForUnknownManifest(manifest) }
        guard sent.station == receiver.station.id else { throw EngineError.receiptForUnknownManifest(manifest) }
        if !handoff.isOpen {
            // Imported before (from the file and again from the sheet, say): the same answer.
            if try await store.read({ try $0.handoffDocument(role: .receiptReceived, digest: document.digest) }) != nil,
                let receipt = handoff.receipt, let signed = try? JSONDecoder().decode(SignedReceipt.self, from: Data(receipt.utf8))
            {
                return (handoff, signed)
            }
            throw EngineError.handoffClosed(handoff.uid)
        }
        return try await closeHandoff(handoff.uid, confirmation: .receiver(body, document), by: caller)
    }
}

extension StationEngine {
    /// The signed documents of a handoff between two stations, oldest first, with this station's own receipt
    /// (`receiptSent`) once it closed one on a received manifest.
    public nonisolated func handoffDocuments(_ uid: String) async throws -> [(
        role: String, station: String, at: Int64, document: SignedReceipt
    )] {
        try await store.read { reader in
            guard let handoff = try reader.handoff(uid: uid) else { throw EngineError.handoffNotFound(uid) }
            var documents = try reader.handoffDocuments(handoffID: handoff.id).compactMap { record in
                (try? JSONDecoder().decode(SignedReceipt.self, from: Data(record.document.utf8))).map {
                    (role: record.role.rawValue, station: record.station, at: record.at, document: $0)
                }
            }
            if handoff.confirmedBy == "station", let text = handoff.receipt,
                let own = try? JSONDecoder().decode(SignedReceipt.self, from: Data(text.utf8))
            {
                documents.append((role: "receiptSent", station: handoff.party, at: handoff.closedAt ?? 0, document: own))
            }
            return documents
        }
    }
}
