import Foundation
import Logging
public import ParcelDomain
public import ParcelStore

/// Problem parcels (问题件): lost, damaged, collected by the wrong person, refused, wrongly addressed. Each stays open
/// until resolved, with who and when; a parcel still in the station's care leaves the pickup backlog meanwhile
/// (`ProblemSteps`), and every step is a chained event on the parcel.
extension StationEngine {
    /// A problem with the parcel as it stands after it.
    public struct ProblemOutcome: Sendable {
        public let problem: ProblemRecord
        public let parcel: ParcelRecord
    }

    /// Opens a problem on the latest stay of `scan`.
    public nonisolated func openProblem(
        scan: String, kind: ProblemKind, note: String?, photo: String?, by caller: Caller
    ) async throws -> ProblemOutcome {
        let tracking = try ScanText(raw: scan).text
        let note = try Self.problemText(note, name: "note")
        let photo = try Self.photoReference(photo)
        let now = clock.nowMillis()
        let actor = caller.actor
        let outcome = try await store.write { tx -> ProblemOutcome in
            guard let parcel = try tx.latestParcel(tracking: tracking) else { throw EngineError.parcelNotFound(tracking) }
            return try Self.open(kind, on: parcel, note: note, photo: photo, source: "staff", at: now, actor: actor, tx: tx)
        }
        logger.notice("problem parcel", metadata: ["tracking": "\(tracking)", "kind": "\(kind.rawValue)", "by": "\(actor)"])
        await publishStationEvents()
        return outcome
    }

    /// Opens a `lost` problem for every parcel a closed stocktake did not find that is still missing by the ledger
    /// now and has no open problem: the missing list turned into records in one step. Returns those opened.
    public nonisolated func openProblemsForMissing(stocktake uid: String, note: String?, by caller: Caller) async throws -> [ProblemOutcome]
    {
        let note = try Self.problemText(note, name: "note")
        let now = clock.nowMillis()
        let actor = caller.actor
        let holdHours = settings.holdHours
        let opened = try await store.write { tx -> [ProblemOutcome] in
            guard let record = try tx.stocktake(uid: uid) else { throw EngineError.stocktakeNotFound(uid) }
            guard record.closedAt != nil else {
                throw EngineError.invalidParameter(name: "stocktake", reason: "stocktake \(uid) is still open: close it first")
            }
            let report = try Self.report(for: record, in: tx, now: now, holdHours: holdHours, closing: false)
            var opened: [ProblemOutcome] = []
            for item in report.missing {
                guard let parcel = try tx.activeParcel(tracking: item.tracking), try tx.openProblem(parcelID: parcel.id) == nil else {
                    continue
                }
                opened.append(
                    try Self.open(.lost, on: parcel, note: note, photo: nil, source: "stocktake \(uid)", at: now, actor: actor, tx: tx))
            }
            return opened
        }
        logger.notice("problem parcels from a stocktake", metadata: ["stocktake": "\(uid)", "opened": "\(opened.count)", "by": "\(actor)"])
        await publishStationEvents()
        return opened
    }

    static func open(
        _ kind: ProblemKind, on parcel: ParcelRecord, note: String?, photo: String?, source: String, at now: Int64, actor: String,
        tx: LedgerTransaction
    ) throws -> ProblemOutcome {
        if let open = try tx.openProblem(parcelID: parcel.id) { throw EngineError.problemAlreadyOpen(open.id) }
        let step = try ProblemSteps.opening(from: parcel.state)
        let id = try tx.insertProblem(parcelID: parcel.id, kind: kind, note: note, photo: photo, source: source, at: now, by: actor)
        let updated = try tx.apply(step, to: parcel, at: now, actor: actor, details: ["problem": String(id), "problemKind": kind.rawValue])
        guard let problem = try tx.problem(id: id) else { throw EngineError.problemNotFound(id) }
        try tx.appendStationEvent(
            name: StationEventName.problemOpened, at: now,
            data: ProblemEventData(
                problem: id, tracking: parcel.tracking, kind: kind.rawValue, state: updated.state.rawValue,
                source: source.hasPrefix("stocktake") ? "stocktake" : "staff"))
        return ProblemOutcome(problem: problem, parcel: updated)
    }

    /// Closes a problem. On a parcel still here: found puts it back on its shelf (with a new code if it had none),
    /// returned-to-courier marks it for return, compensated or written off ends its stay.
    public nonisolated func resolveProblem(_ id: Int64, resolution: ProblemResolution, note: String?, by caller: Caller) async throws
        -> ProblemOutcome
    {
        let note = try Self.problemText(note, name: "note")
        let now = clock.nowMillis()
        let actor = caller.actor
        let allocate = codeAllocation()
        let outcome = try await store.write { tx -> ProblemOutcome in
            guard let problem = try tx.problem(id: id) else { throw EngineError.problemNotFound(id) }
            guard problem.resolution == nil else { throw EngineError.problemResolved(id) }
            guard let parcel = try tx.parcel(id: problem.parcelID) else { throw EngineError.problemNotFound(id) }
            let step = try ProblemSteps.resolving(from: parcel.state, with: resolution)
            try tx.resolveProblem(id, resolution: resolution, note: note, at: now, by: actor)
            let next = try ParcelLifecycle.apply(step, to: parcel.state)
            let slot = ParcelState.awaitingPickup.contains(next) && parcel.pickupCode == nil ? try allocate(tx, now) : nil
            let updated = try tx.apply(
                step, to: parcel, at: now, actor: actor, slot: slot,
                details: ["problem": String(id), "problemKind": problem.kind.rawValue, "resolution": resolution.rawValue])
            guard let resolved = try tx.problem(id: id) else { throw EngineError.problemNotFound(id) }
            try tx.appendStationEvent(
                name: StationEventName.problemResolved, at: now,
                data: ProblemEventData(
                    problem: id, tracking: parcel.tracking, kind: problem.kind.rawValue, state: updated.state.rawValue,
                    resolution: resolution.rawValue))
            return ProblemOutcome(problem: resolved, parcel: updated)
        }
        logger.notice("problem resolved", metadata: ["problem": "\(id)", "resolution": "\(resolution.rawValue)", "by": "\(actor)"])
        await publishStationEvents()
        return outcome
    }

    public nonisolated func problems(openOnly: Bool, kind: ProblemKind?, limit: Int) async throws -> [ProblemRecord] {
        try await store.read { try $0.problems(openOnly: openOnly, kind: kind, limit: limit) }
    }

    static func problemText(_ text: String?, name: String) throws -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        guard text.count <= 2000 else { throw EngineError.invalidParameter(name: name, reason: "at most 2000 characters") }
        return text
    }

    /// A photo reference is a name, not a path to follow: letters, digits and `._-:` only.
    static func photoReference(_ text: String?) throws -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        guard text.count <= 256, !text.hasPrefix("."),
            text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-:".unicodeScalars.contains($0)) }
            )
        else {
            throw EngineError.invalidParameter(
                name: "photo", reason: "a file name or camera reference of at most 256 letters, digits, '.', '_', '-' or ':'")
        }
        return text
    }
}
