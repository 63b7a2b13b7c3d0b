// Events pushed to subscribers.

extension Method {
    /// Turns the connection into an event stream (after its reply).
    public static let subscribe = MethodDeclaration<NoParams, SubscribeResult>("Events.Subscribe", .read)

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
    /// The subscriber was too slow and this many events were dropped; re-read with Parcel.Search.
    public static let dropped = "events.dropped"
    /// What a scan did (from a scanner, a label photo or `Scan.Submit`).
    public static let scan = "scan"
    /// A scanner was plugged in (or found at start).
    public static let scannerAttached = "scanner.attached"
    /// A scanner was unplugged.
    public static let scannerDetached = "scanner.detached"
    /// A scanner went away or failed in the middle of a code; the partial code was dropped.
    public static let scannerPartialDropped = "scanner.partialDropped"

    /// Everything a subscription receives.
    public static let all = [intake, stateChanged, pickup, updated, dropped, scan, scannerAttached, scannerDetached, scannerPartialDropped]
}
// MARK: Events.Subscribe

public struct SubscribeResult: Codable, Sendable, Equatable {
    /// Event names this subscription will receive.
    public var events: [String]
    public init(events: [String]) { self.events = events }
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
