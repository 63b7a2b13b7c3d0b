import Foundation
import ParcelStore
import StationEngine
import StationProtocol

extension HandlerTable {
    mutating func registerPickup() {
        on(Method.verifyPickup) { params, context in
            let credential = try StationEngine.Credential.from(code: params.code, phoneTail: params.phoneTail, phone: params.phone)
            let parcels = try await context.engine.verifyPickup(credential, atCounter: params.counter, by: context.caller(staff: nil))
            return ParcelsResult(parcels: parcels.map { WireMapping.parcel($0, engine: context.engine) })
        }

        on(Method.confirmPickup) { params, context in
            let credential = try StationEngine.Credential.from(code: params.code, phoneTail: params.phoneTail, phone: params.phone)
            let (pickupID, parcels) = try await context.engine.confirmPickup(
                .init(trackings: params.trackings, credential: credential, collector: params.collector),
                by: context.caller(staff: params.staff))
            return ConfirmResult(
                pickupId: pickupID, at: parcels.first.flatMap { $0.releasedAt.map(WireMapping.timestamp) } ?? "",
                parcels: parcels.map { WireMapping.parcel($0, engine: context.engine) })
        }
    }
}

// MARK: Proof at pickup (出库拍照)

extension HandlerTable {
    mutating func registerPickupProofs() {
        on(Method.attachProof) { params, context in
            // base64 of the largest accepted image, with room for line breaks a client may have put in.
            guard params.bytes.utf8.count <= (StationEngine.maxProofBytes / 3 + 1) * 4 + 1024,
                let data = Data(base64Encoded: params.bytes, options: .ignoreUnknownCharacters)
            else {
                throw WireError(.imageTooLarge, "bytes: base64 of at most \(StationEngine.maxProofBytes) bytes")
            }
            let kind = try HandlerTable.choice(params.kind ?? "photo", "kind", ProofKind.self)
            let target: ProofTarget = params.pickupId.map { .pickup($0) } ?? .tracking(params.tracking ?? "")
            do {
                let proof = try await context.engine.attachProof(
                    [UInt8](data), kind: kind, to: target, by: context.caller(staff: params.staff))
                return AttachProofResult(
                    pickupId: proof.pickupID, kind: proof.kind.rawValue, sha256: proof.sha256, file: proof.file,
                    at: WireMapping.timestamp(proof.at), trackings: proof.trackings, repeated: proof.repeated)
            } catch let error as ProofError {
                throw WireError(Self.code(error.code), error.message)
            }
        }

        on(Method.verifyProofs) { _, context in
            let check = try await context.engine.verifyProofs()
            func dto(_ proof: ChainedProof) -> ProofFileDTO {
                ProofFileDTO(
                    seq: proof.eventID, tracking: proof.tracking, kind: proof.kind, sha256: proof.sha256, file: proof.file,
                    at: WireMapping.timestamp(proof.at))
            }
            return VerifyProofsResult(checked: check.checked, altered: check.altered.map(dto), missing: check.missing.map(dto))
        }
    }

    static func code(_ code: ProofError.Code) -> ErrorCode {
        switch code {
        case .empty: .imageEmpty
        case .tooLarge: .imageTooLarge
        case .notAnImage: .proofNotAnImage
        case .noPickup: .proofNoPickup
        case .ambiguous: .proofAmbiguous
        }
    }
}
