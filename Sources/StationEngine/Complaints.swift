import Foundation
import ParcelDomain
public import ParcelStore

/// Complaints (投诉) against a parcel or a handoff, with their resolution; the assessment counts them.
extension StationEngine {
    public enum ComplaintSubject: Sendable {
        case parcel(String)
        case handoff(String)
    }

    public nonisolated func recordComplaint(about subject: ComplaintSubject, text: String, source: String?, by caller: Caller) async throws
        -> ComplaintRecord
    {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(text.count) else {
            throw EngineError.invalidParameter(name: "text", reason: "1 to 2000 characters saying what the complaint is")
        }
        let tracking: String? = if case .parcel(let scan) = subject { try ScanText(raw: scan).text } else { nil }
        let now = clock.nowMillis()
        let actor = caller.actor
        return try await store.write { tx in
            var parcelID: Int64? = nil
            var handoffID: Int64? = nil
            switch subject {
            case .parcel:
                guard let parcel = try tx.latestParcel(tracking: tracking ?? "") else { throw EngineError.parcelNotFound(tracking ?? "") }
                parcelID = parcel.id
            case .handoff(let uid):
                guard let handoff = try tx.handoff(uid: uid) else { throw EngineError.handoffNotFound(uid) }
                handoffID = handoff.id
            }
            let id = try tx.insertComplaint(parcelID: parcelID, handoffID: handoffID, text: text, source: source, at: now, by: actor)
            guard let record = try tx.complaint(id: id) else { throw EngineError.complaintNotFound(id) }
            return record
        }
    }

    public nonisolated func resolveComplaint(_ id: Int64, resolution: String, by caller: Caller) async throws -> ComplaintRecord {
        let resolution = resolution.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(resolution.count) else {
            throw EngineError.invalidParameter(name: "resolution", reason: "1 to 2000 characters saying how it was resolved")
        }
        let now = clock.nowMillis()
        let actor = caller.actor
        return try await store.write { tx in
            guard let complaint = try tx.complaint(id: id) else { throw EngineError.complaintNotFound(id) }
            guard complaint.resolution == nil else { throw EngineError.complaintResolved(id) }
            try tx.resolveComplaint(id, resolution: resolution, at: now, by: actor)
            guard let record = try tx.complaint(id: id) else { throw EngineError.complaintNotFound(id) }
            return record
        }
    }

    public nonisolated func complaints(openOnly: Bool, limit: Int) async throws -> [ComplaintRecord] {
        try await store.read { try $0.complaints(openOnly: openOnly, limit: limit) }
    }
}
