/// What an input path (libusb, a serial port, later the photo decoder) tells the hub.
public enum SourceReport: Sendable, Equatable {
    case attached(ScannerDescription)
    /// The scanner went away; `partial` holds a code in progress that is lost.
    case gone(ScannerIdentity, reason: String, partial: [UInt8]?)
    case code(ScannerIdentity, DecodedCode, at: MonotonicInstant)
    /// A code in progress lost for another reason than unplugging (continuation timeout, monitor stopping).
    case partialDropped(ScannerIdentity, bytes: [UInt8], reason: String)
    case error(ScannerIdentity?, message: String)
}

/// One scanner in the inventory.
public struct ScannerStatus: Hashable, Codable, Sendable {
    public enum State: String, Codable, Sendable {
        case attached
        /// Gone, within the re-attach grace: not yet reported as detached.
        case reconnecting
        case detached
    }

    public var scanner: ScannerDescription
    public var state: State
    public var lastSeen: MonotonicInstant
    public var lastScanAt: MonotonicInstant?
    public var scans: Int = 0
    public var suppressedDuplicates: Int = 0
    public var rejected: Int = 0
    public var partialsDropped: Int = 0
    /// Times it came back after being gone (within the grace or not).
    public var reattachments: Int = 0
}

/// The hub's bookkeeping: identities, sequence numbers, duplicate suppression, the re-attach grace and the
/// inventory. Pure: time is passed in, and the hub calls `expire(at:)` when `nextDeadline` passes.
public struct ScannerRegistry: Sendable {
    public let graceMilliseconds: Int
    private var suppressor: DuplicateSuppressor
    private var scanners: [String: ScannerStatus] = [:]
    private var sequences: [String: UInt64] = [:]
    private var detachDeadlines: [String: (MonotonicInstant, String)] = [:]

    public init(duplicateWindowMilliseconds: Int, graceMilliseconds: Int) {
        suppressor = DuplicateSuppressor(windowMilliseconds: duplicateWindowMilliseconds)
        self.graceMilliseconds = graceMilliseconds
    }

    public var inventory: [ScannerStatus] { scanners.values.sorted { $0.scanner.identity.key < $1.scanner.identity.key } }

    /// The earliest pending detach, when one is pending.
    public var nextDeadline: MonotonicInstant? { detachDeadlines.values.map(\.0).min() }

    public mutating func handle(_ report: SourceReport, at now: MonotonicInstant) -> [ScannerEvent] {
        var events = expire(at: now)
        switch report {
        case .attached(let description):
            let key = description.identity.key
            if var status = scanners[key] {
                let withinGrace = detachDeadlines.removeValue(forKey: key) != nil
                let wasAttached = status.state == .attached
                status.scanner = description
                status.state = .attached
                status.lastSeen = now
                if !wasAttached { status.reattachments += 1 }
                scanners[key] = status
                // Back within the grace (a re-enumeration): consumers never saw it leave, so nothing to say.
                if !withinGrace && !wasAttached { events.append(.attached(description, reattached: true)) }
            } else {
                scanners[key] = ScannerStatus(scanner: description, state: .attached, lastSeen: now)
                events.append(.attached(description, reattached: false))
            }
        case .gone(let identity, let reason, let partial):
            let key = identity.key
            if let partial {
                scanners[key]?.partialsDropped += 1
                events.append(.partialDropped(identity, bytes: partial, reason: reason))
            }
            guard scanners[key]?.state == .attached else { break }
            scanners[key]?.lastSeen = now
            if graceMilliseconds > 0 {
                scanners[key]?.state = .reconnecting
                detachDeadlines[key] = (now.adding(milliseconds: graceMilliseconds), reason)
            } else {
                scanners[key]?.state = .detached
                events.append(.detached(identity, reason: reason))
            }
        case .code(let identity, let code, let at):
            let key = identity.key
            scanners[key]?.lastSeen = at
            if let rejection = code.rejection {
                scanners[key]?.rejected += 1
                events.append(.rejected(identity, bytes: code.bytes, reason: rejection))
                break
            }
            let sequence = (sequences[key] ?? 0) + 1
            sequences[key] = sequence
            let scan = ScanEvent(
                scanner: identity, source: identity.source, rawBytes: code.bytes, symbology: code.symbology, timestamp: at,
                sequence: sequence)
            if suppressor.isDuplicate(scanner: key, bytes: code.bytes, symbology: code.symbology, at: at) {
                scanners[key]?.suppressedDuplicates += 1
                events.append(.suppressedDuplicate(scan))
            } else {
                scanners[key]?.scans += 1
                scanners[key]?.lastScanAt = at
                events.append(.scan(scan))
            }
        case .partialDropped(let identity, let bytes, let reason):
            scanners[identity.key]?.partialsDropped += 1
            events.append(.partialDropped(identity, bytes: bytes, reason: reason))
        case .error(let identity, let message):
            events.append(.error(identity, message: message))
        }
        return events
    }

    /// Reports scanners whose grace ran out at `now` as detached.
    public mutating func expire(at now: MonotonicInstant) -> [ScannerEvent] {
        var events: [ScannerEvent] = []
        for (key, (deadline, reason)) in detachDeadlines.sorted(by: { $0.key < $1.key }) where now >= deadline {
            detachDeadlines[key] = nil
            guard var status = scanners[key] else { continue }
            status.state = .detached
            scanners[key] = status
            events.append(.detached(status.scanner.identity, reason: reason))
        }
        return events
    }
}
