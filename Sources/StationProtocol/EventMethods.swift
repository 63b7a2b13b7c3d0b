// Events pushed to subscribers.

extension Method {
    /// Turns the connection into an event stream (after its reply); with `since` (1.7), first replays the durable
    /// events the tool missed.
    public static let subscribe = MethodDeclaration<SubscribeParams, SubscribeResult>("Events.Subscribe", .read)

    static let eventArea: [Method] = [subscribe.method]
}

/// Event names pushed to subscribers.
public enum EventName {
    /// A parcel was taken in (it arrives shelved, with its pickup code).
    public static let intake = "parcel.intake"
    /// A parcel changed state (shelved, notified, returnRequested, returned, exception…).
    public static let stateChanged = "parcel.stateChanged"
    /// A parcel was handed to its recipient.
    public static let pickup = "parcel.pickedUp"
    /// A parcel's details changed without a change of state: its recipient's phone was set (since 1.6).
    public static let updated = "parcel.updated"
    /// The subscriber was too slow and this many events were dropped; re-read with Parcel.Search, or reconnect
    /// with `since` (the last `seq` received) to have the durable ones replayed.
    public static let dropped = "events.dropped"
    /// What a scan did (from a scanner, a label photo or `Scan.Submit`).
    public static let scan = "scan"
    /// A scanner was plugged in (or found at start).
    public static let scannerAttached = "scanner.attached"
    /// A scanner was unplugged.
    public static let scannerDetached = "scanner.detached"
    /// A scanner went away or failed in the middle of a code; the partial code was dropped.
    public static let scannerPartialDropped = "scanner.partialDropped"

    // Station events (since 1.7): durable, numbered and replayed like the parcel events; `data` as stored
    // (`HandoffEventData`… in StationEngine/EventReplay.swift, documented in Protocol.md).
    public static let handoffOpened = "handoff.opened"
    public static let handoffImported = "handoff.manifestImported"
    /// Since 1.8: the station signed an outbound handoff's manifest for another parcel-station.
    public static let handoffManifestSigned = "handoff.manifestSigned"
    public static let handoffLineScanned = "handoff.lineScanned"
    public static let handoffClosed = "handoff.closed"
    public static let discrepancyResolved = "discrepancy.resolved"
    public static let stocktakeOpened = "stocktake.opened"
    public static let stocktakeScanned = "stocktake.scanned"
    public static let stocktakeClosed = "stocktake.closed"
    public static let problemOpened = "problem.opened"
    public static let problemResolved = "problem.resolved"

    /// Everything a subscription receives.
    public static let all =
        [intake, stateChanged, pickup, updated, dropped, scan, scannerAttached, scannerDetached, scannerPartialDropped]
        + [
            handoffOpened, handoffImported, handoffManifestSigned, handoffLineScanned, handoffClosed, discrepancyResolved, stocktakeOpened,
            stocktakeScanned,
            stocktakeClosed, problemOpened, problemResolved,
        ]
}
// MARK: Events.Subscribe

public struct SubscribeParams: RequestParams, Equatable {
    /// The `seq` of the last event the tool received (1.7): the durable events after it are replayed from the
    /// ledger, in order, before the live ones, each once. Absent: live events only.
    public var since: Int64?

    public init(since: Int64? = nil) { self.since = since }

    public func validate() throws(WireError) {
        if let since, since < 0 { throw WireError(.invalidParams, "since: the seq of the last event received, 0 or more") }
    }
}

public struct SubscribeResult: Codable, Sendable, Equatable {
    /// Event names this subscription will receive.
    public var events: [String]
    /// The ledger's latest durable event when the subscription started (1.7): what a tool keeps as its cursor
    /// until an event brings a newer one. With `since`, the replay runs up to at least this.
    public var seq: Int64?
    /// With `since`: how many durable events are replayed before the live ones (1.7).
    public var replaying: Int?

    public init(events: [String], seq: Int64? = nil, replaying: Int? = nil) {
        self.events = events
        self.seq = seq
        self.replaying = replaying
    }
}

/// `data` of parcel events.
public struct ParcelEventData: Codable, Sendable, Equatable {
    public var event: EventDTO
    public var parcel: ParcelDTO
    public init(event: EventDTO, parcel: ParcelDTO) {
        self.event = event
        self.parcel = parcel
    }
}

public struct DroppedEventData: Codable, Sendable, Equatable {
    public var count: Int
    public init(count: Int) { self.count = count }
}
