import Foundation
public import Logging
import Synchronization

/// The scanners of a station: starts the input paths (libusb, serial ports), turns what they report into
/// `ScannerEvent`s with identities, sequence numbers, duplicate suppression and the re-attach grace, and keeps the
/// inventory. The daemon creates one, consumes `events`, and calls `stop()` on shutdown.
///
/// `events` has one consumer; it is unbounded so no scan is ever dropped, and it finishes after `stop()`.
///
/// ```swift
/// let hub = ScannerHub(configuration: configuration)   // ScannerInputConfiguration, e.g. decoded from JSON
/// try hub.start()                                      // throws if libusb cannot start; serial scanners run anyway
/// for await event in hub.events {
///     if case .scan(let scan) = event { /* role of scan.scanner.key → intake, pickup, … */ }
/// }
/// hub.stop()                                           // from another task, e.g. on SIGTERM
/// ```
public final class ScannerHub: Sendable {
    public let configuration: ScannerInputConfiguration
    public let events: AsyncStream<ScannerEvent>
    private let continuation: AsyncStream<ScannerEvent>.Continuation
    private let logger: Logger
    private let state: Mutex<State>
    private let timers = DispatchQueue(label: "parcel-station.scanner-hub.timers")

    struct State {
        var registry: ScannerRegistry
        var usb: USBScannerSource?
        var serial: [SerialScannerSource] = []
        var started = false
        var stopped = false
    }

    public init(configuration: ScannerInputConfiguration, logger: Logger = Logger(label: "parcel-station.scanners")) {
        self.configuration = configuration
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: ScannerEvent.self, bufferingPolicy: .unbounded)
        state = Mutex(
            State(
                registry: ScannerRegistry(
                    duplicateWindowMilliseconds: configuration.duplicateWindowMilliseconds,
                    graceMilliseconds: configuration.reattachGraceMilliseconds)))
    }

    deinit { stop() }

    /// Starts every configured input path. Scanners already plugged in are reported like ones plugged in later.
    /// Throws when libusb cannot start (serial scanners are started anyway and keep running).
    public func start() throws {
        let sink: @Sendable (SourceReport) -> Void = { [weak self] report in self?.report(report) }
        let serial = configuration.serial.map { SerialScannerSource(configuration: $0, logger: logger, sink: sink) }
        let usb = configuration.usbEnabled ? USBScannerSource(configuration: configuration, logger: logger, sink: sink) : nil
        let proceed = state.withLock { state -> Bool in
            guard !state.started else { return false }
            state.started = true
            state.serial = serial
            state.usb = usb
            return true
        }
        guard proceed else { return }
        for source in serial { source.start() }
        try usb?.start()
    }

    /// Stops reading, releases every device, joins the input threads and finishes `events`. Blocks briefly.
    public func stop() {
        let (usb, serial) = state.withLock { state in
            state.stopped = true
            defer {
                state.usb = nil
                state.serial = []
            }
            return (state.usb, state.serial)
        }
        usb?.stop()
        for source in serial { source.stop() }
        continuation.finish()
    }

    /// Attached and known scanners with their counters.
    public var inventory: [ScannerStatus] { state.withLock { $0.registry.inventory } }

    /// Feeds a report from an input path. Input paths outside this module (the label-photo decoder) use it too.
    public func report(_ report: SourceReport) {
        let now = MonotonicInstant.now()
        let deadline = state.withLock { state -> MonotonicInstant? in
            for event in state.registry.handle(report, at: now) {
                log(event)
                continuation.yield(event)
            }
            return state.registry.nextDeadline
        }
        if let deadline { scheduleExpiry(at: deadline) }
    }

    private func scheduleExpiry(at deadline: MonotonicInstant) {
        let delay = deadline.milliseconds(since: .now()) + 1
        timers.asyncAfter(deadline: .now() + .microseconds(Int(delay * 1000))) { [weak self] in
            guard let self else { return }
            let now = MonotonicInstant.now()
            state.withLock { state in
                for event in state.registry.expire(at: now) {
                    log(event)
                    continuation.yield(event)
                }
            }
        }
    }

    private func log(_ event: ScannerEvent) {
        switch event {
        case .attached(let description, let reattached):
            logger.info("scanner attached", metadata: ["scanner": "\(description.identity.key)", "reattached": "\(reattached)"])
        case .detached(let identity, let reason):
            logger.info("scanner detached", metadata: ["scanner": "\(identity.key)", "reason": "\(reason)"])
        case .partialDropped(let identity, let bytes, let reason):
            logger.warning(
                "partial code dropped", metadata: ["scanner": "\(identity.key)", "bytes": "\(bytes.count)", "reason": "\(reason)"])
        case .rejected(let identity, _, let reason):
            logger.notice("scan rejected", metadata: ["scanner": "\(identity.key)", "reason": "\(reason)"])
        case .error(let identity, let message):
            logger.error("scanner error", metadata: ["scanner": "\(identity?.key ?? "-")", "message": "\(message)"])
        case .scan, .suppressedDuplicate: break
        }
    }
}
