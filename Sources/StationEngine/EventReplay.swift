import Foundation
import ParcelStore

/// Reading the durable events back, for a subscriber that names the last one it saw (`Events.Subscribe` with
/// `since`): the server subscribes first, then replays from here up to the ledger's latest sequence, then drops
/// the live events it has already replayed.
extension StationEngine {
    /// The newest durable event's sequence number (0 for an empty ledger).
    public nonisolated func latestEventSequence() async throws -> Int64 {
        try await store.read { try $0.latestSequence() }
    }

    /// How many durable events came after `since`, counted no further than `limit + 1`.
    public nonisolated func durableEventCount(after since: Int64, limit: Int) async throws -> Int {
        try await store.read { try $0.durableEventCount(after: since, limit: limit) }
    }

    /// Durable events with `after` < seq ≤ `through`, in sequence order, at most `limit`, each as a subscriber
    /// receives it live (a parcel event with the parcel as it stands now).
    public nonisolated func durableEvents(after: Int64, through: Int64, limit: Int) async throws -> [StationEvent] {
        try await store.read { try $0.durableEvents(after: after, through: through, limit: limit).map(StationEvent.init(durable:)) }
    }

    /// Hands station events committed by a write to subscribers (as parcel events are, in sequence order).
    nonisolated func publishStationEvents() async { await publishIfSubscribed() }
}

/// What the handoff and stocktake desks record as station events. Names are `area.change`; data holds ids,
/// tracking numbers, counts and the acting staff, never a phone digit or a recipient's or collector's name.
enum StationEventName {
    static let handoffOpened = "handoff.opened"
    static let handoffImported = "handoff.manifestImported"
    static let handoffManifestSigned = "handoff.manifestSigned"
    static let handoffLineScanned = "handoff.lineScanned"
    static let handoffClosed = "handoff.closed"
    static let discrepancyResolved = "discrepancy.resolved"
    static let stocktakeOpened = "stocktake.opened"
    static let stocktakeScanned = "stocktake.scanned"
    static let stocktakeClosed = "stocktake.closed"
    static let problemOpened = "problem.opened"
    static let problemResolved = "problem.resolved"
}

/// `data` of the problem-parcel events: ids, the tracking number, kind and resolution; never the note, which may
/// name people, nor the photo reference.
struct ProblemEventData: Encodable {
    var problem: Int64
    var tracking: String
    var kind: String
    var state: String
    var source: String? = nil
    var resolution: String? = nil
}

/// `data` of the handoff events.
struct HandoffEventData: Encodable {
    var handoff: String
    var direction: String? = nil
    var kind: String? = nil
    /// The courier's or driver's configured id (`zto-wang`) and company: not their name.
    var party: String? = nil
    var company: String? = nil
    var counter: String? = nil
    /// handoff.lineScanned: the number scanned or the bag label, and what it did.
    var tracking: String? = nil
    var result: String? = nil
    var bagLines: Int? = nil
    /// Listed lines still expected; lines listed in all (opened, imported, closed).
    var remaining: Int? = nil
    var lines: Int? = nil
    /// handoff.closed.
    var receiptSeq: Int64? = nil
    var receiptDigest: String? = nil
    /// handoff.manifestSigned (and handoff.closed of a handoff between two stations): the signed manifest's digest.
    var manifestDigest: String? = nil
    var confirmedBy: String? = nil
    var discrepancies: Int? = nil
    var actor: String? = nil
}

/// `data` of `discrepancy.resolved` (its free-text note stays out: it could name a person).
struct DiscrepancyEventData: Encodable {
    var discrepancy: Int64
    var handoff: String?
    var kind: String
    var tracking: String
    var resolution: String
    var actor: String
}

/// `data` of the stocktake events.
struct StocktakeEventData: Encodable {
    var stocktake: String
    var shelf: Int?
    var counter: String? = nil
    var tracking: String? = nil
    var result: String? = nil
    var scanned: Int? = nil
    var found: Int? = nil
    var misplaced: Int? = nil
    var unknown: Int? = nil
    var missing: Int? = nil
    var longStay: Int? = nil
    var actor: String? = nil
}
