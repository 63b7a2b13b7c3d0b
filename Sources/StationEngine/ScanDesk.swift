import Foundation
import Logging
public import ParcelDomain
public import ParcelStore
import StrictJSON
import Synchronization

/// A scanner as the engine knows it, whatever reads it: a USB keyboard-style or HID POS scanner, a serial
/// scanner, a folder of label photos, or a station tool submitting scans on the socket.
public struct ScannerDescriptor: Sendable, Equatable {
    /// Stable across unplugging and plugging back: built from the serial number when the device has one,
    /// else from the USB port path or device path, so a re-attached scanner keeps its role.
    public let id: String
    /// `usb-keyboard`, `usb-pos`, `serial`, `photo` or `socket`.
    public let source: String
    public let vendorID: UInt16?
    public let productID: UInt16?
    public let serial: String?
    /// USB port path (`1-1.2`) or device path (`/dev/ttyACM0`).
    public let port: String?
    /// The device's product string, for people.
    public let product: String?

    public init(
        id: String, source: String, vendorID: UInt16? = nil, productID: UInt16? = nil, serial: String? = nil, port: String? = nil,
        product: String? = nil
    ) {
        self.id = id
        self.source = source
        self.vendorID = vendorID
        self.productID = productID
        self.serial = serial
        self.port = port
        self.product = product
    }
}

/// One decoded scan, from any input path.
public struct ScanInput: Sendable {
    public let scanner: ScannerDescriptor
    public let text: String
    /// AIM symbology identifier (`]C0` Code 128, `]Q1` QR…) when the reader reports one.
    public let symbology: String?
    /// The scanner's own count of scans, from 1.
    public let sequence: UInt64
    /// When the scan's last byte arrived, on the monotonic clock: duplicate suppression must not follow
    /// wall-clock steps.
    public let monotonicNanos: UInt64
    /// The staff member at the scanner, when a tool names one (`Scan.Submit`): recorded as the actor of what the scan
    /// does (the intake, the pickup's proof, the handoff line), as for the direct methods.
    public let staff: String?

    public init(
        scanner: ScannerDescriptor, text: String, symbology: String? = nil, sequence: UInt64, monotonicNanos: UInt64, staff: String? = nil
    ) {
        self.scanner = scanner
        self.text = text
        self.symbology = symbology
        self.sequence = sequence
        self.monotonicNanos = monotonicNanos
        self.staff = staff?.isEmpty == false ? staff : nil
    }
}

/// What a scan did: the event a counter display shows.
public struct ScanOutcome: Sendable {
    public enum Result: String, Sendable, CaseIterable {
        /// Taken in and shelved; `parcel` has its pickup code.
        case intake
        /// Already at the station; nothing written.
        case repeatIntake
        /// Handed to the recipient verified at this scanner's counter.
        case pickedUp
        /// A pickup-counter scan with no recipient verified at that counter: verify the code or phone first.
        case verifyFirst
        /// The parcel is not one of the verified recipient's parcels: do not hand it out.
        case notThisRecipient
        /// A command barcode switched the scanner's role.
        case roleChanged
        /// The force command (`PSCMD:FORCE`): the scanner's next intake scan is taken in even if it does not look
        /// like a waybill, and recorded as forced.
        case forceArmed
        /// The same code again within the duplicate window: not acted on.
        case duplicate
        /// Not a usable tracking number or command (misread, wrong check digit, foreign barcode).
        case rejected
        /// A usable scan the ledger refused (not found, not waiting for pickup, disk full…); see `error`.
        case failed
        /// The scanner's role is `off`.
        case ignored
        /// A handoff-role scan recorded on the counter's open handoff; `handoffResult` says how it matched.
        case handoff
        /// The courier's badge scanned at the counter: the handoff is closed and its receipt issued.
        case handoffClosed
        /// A handoff-role scan with no handoff open.
        case noOpenHandoff
        /// A stocktake-role scan recorded on the counter's open stocktake; `stocktakeResult` says what it is.
        case stocktake
        /// A stocktake-role scan with no stocktake open.
        case noOpenStocktake
    }

    public let scanner: String
    public let role: ScannerRole
    public let counter: String
    public let result: Result
    /// The scanned text, shortened for display.
    public let text: String
    public let symbology: String?
    public let sequence: UInt64
    public let at: Int64
    /// The parcel as the scan left it (with a label photo's phone tail, when one was set from it).
    public internal(set) var parcel: ParcelRecord?
    public let error: (any Error)?
    /// Parcels still waiting for the recipient verified at the counter, after a pickup; listed lines still
    /// unscanned, after a handoff scan.
    public let remaining: Int?
    /// The handoff a handoff-role scan went to, and how it matched (`scanned`, `extra`, `misrouted`…).
    public var handoff: String? = nil
    public var handoffResult: String? = nil
    /// The stocktake a stocktake-role scan went to, and what it found (`found`, `misplaced`, `unknown`, `repeatScan`).
    public var stocktake: String? = nil
    public var stocktakeResult: String? = nil
    /// The relay bin (its station's name) the scanned parcel is in, when it is in transit.
    public var relayName: String? = nil
}

/// A scanner's place and counts, for `Scanner.List`.
public struct ScannerStatus: Sendable {
    public enum RoleSource: String, Sendable {
        /// Set by a command barcode or `Scanner.SetRole`; kept across restarts.
        case command
        /// From the configuration's assignment for this scanner.
        case configured
        /// No assignment: the configuration's default role.
        case `default`
    }

    public let descriptor: ScannerDescriptor
    public let name: String?
    public let attached: Bool
    public let role: ScannerRole
    public let roleSource: RoleSource
    public let counter: String
    public let lastSeen: Int64?
    public let scans: Int
    public let duplicates: Int
    public let rejected: Int
    public let lastResult: ScanOutcome.Result?
    /// Milliseconds from a code's last byte reaching the daemon to its outcome (committed record), over the
    /// latest scans: median, 99th percentile, and how many scans.
    public var latency: (p50: Double, p99: Double, samples: Int)? = nil
}

/// Scanner comings and goings, for subscribers.
public enum ScannerNotice: Sendable {
    case attached(ScannerStatus)
    case detached(ScannerStatus)
    /// The scanner went away in the middle of a code; the partial code was dropped.
    case partialDropped(ScannerStatus, bytes: Int)
}

/// The mutable side of scanning: who is attached, roles switched by command barcodes, counts, the last code
/// of each scanner (duplicates) and the recipient verified at each pickup counter.
final class ScanDesk: Sendable {
    struct Entry {
        var descriptor: ScannerDescriptor
        var attached: Bool
        var lastSeen: Int64?
        var scans = 0
        var duplicates = 0
        var rejected = 0
        var lastText: String?
        var lastTextNanos: UInt64 = 0
        var lastResult: ScanOutcome.Result?
        /// The latest scan-to-commit times (ns), newest last, at most `latencyWindow`.
        var latencies: [UInt64] = []
    }

    static let latencyWindow = 1000

    /// A recipient verified at a counter: the parcels that counter's scans may hand out, and until when.
    struct Verification {
        let credential: StationEngine.Credential
        var trackings: Set<String>
        let expires: Int64
    }

    struct State {
        var entries: [String: Entry] = [:]
        var overrides: [String: ScannerRole] = [:]
        var verifications: [String: Verification] = [:]
        var photoSequences: [String: UInt64] = [:]
        /// Scanners whose next intake is forced, until when (ms).
        var forced: [String: Int64] = [:]
    }

    static let rolesMetaKey = "scanner.roles"

    let settings: ScannerSettings
    let state: Mutex<State>

    init(settings: ScannerSettings, overrides: [String: ScannerRole]) {
        self.settings = settings
        self.state = Mutex(State(overrides: overrides))
    }

    func assignment(for descriptor: ScannerDescriptor) -> ScannerSettings.Assignment? {
        settings.assignments.first { assignment in
            [descriptor.id, descriptor.serial, descriptor.port].contains(assignment.match)
        }
    }

    func placement(_ descriptor: ScannerDescriptor, overrides: [String: ScannerRole]) -> (ScannerRole, ScannerStatus.RoleSource, String) {
        let assigned = assignment(for: descriptor)
        let counter = assigned?.counter ?? ScannerSettings.defaultCounter
        if let role = overrides[descriptor.id] { return (role, .command, counter) }
        if let assigned { return (assigned.role, .configured, counter) }
        return (settings.defaultRole, .default, counter)
    }

    func status(of entry: Entry, overrides: [String: ScannerRole]) -> ScannerStatus {
        let (role, source, counter) = placement(entry.descriptor, overrides: overrides)
        var status = ScannerStatus(
            descriptor: entry.descriptor, name: assignment(for: entry.descriptor)?.name, attached: entry.attached, role: role,
            roleSource: source, counter: counter, lastSeen: entry.lastSeen, scans: entry.scans, duplicates: entry.duplicates,
            rejected: entry.rejected, lastResult: entry.lastResult)
        if !entry.latencies.isEmpty {
            let sorted = entry.latencies.sorted()
            func quantile(_ q: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))]) / 1e6 }
            status.latency = (quantile(0.5), quantile(0.99), sorted.count)
        }
        return status
    }

    func recordLatency(_ nanos: UInt64, for scanner: String) {
        state.withLock { state in
            guard state.entries[scanner] != nil else { return }
            state.entries[scanner]!.latencies.append(nanos)
            if state.entries[scanner]!.latencies.count > Self.latencyWindow { state.entries[scanner]!.latencies.removeFirst() }
        }
    }

    /// Every scanner seen since start, then configured ones not seen yet.
    func list() -> [ScannerStatus] {
        state.withLock { state in
            var seen = state.entries.values.map { status(of: $0, overrides: state.overrides) }
            seen.sort { ($0.attached ? 0 : 1, $0.descriptor.id) < ($1.attached ? 0 : 1, $1.descriptor.id) }
            let unseen = settings.assignments.filter { assignment in
                !state.entries.values.contains { self.assignment(for: $0.descriptor) == assignment }
            }
            // Scanners whose role a command switched in an earlier run and that have not come back yet.
            let remembered = state.overrides.keys.filter { state.entries[$0] == nil }.sorted().map { id in
                let descriptor = ScannerDescriptor(id: id, source: "remembered")
                let (role, source, counter) = placement(descriptor, overrides: state.overrides)
                return ScannerStatus(
                    descriptor: descriptor, name: nil, attached: false, role: role, roleSource: source, counter: counter, lastSeen: nil,
                    scans: 0, duplicates: 0, rejected: 0, lastResult: nil)
            }
            return seen + remembered
                + unseen.map { assignment in
                    let descriptor = ScannerDescriptor(id: assignment.match, source: "configured")
                    let (role, source, counter) = placement(descriptor, overrides: state.overrides)
                    return ScannerStatus(
                        descriptor: descriptor, name: assignment.name, attached: false, role: role, roleSource: source, counter: counter,
                        lastSeen: nil, scans: 0, duplicates: 0, rejected: 0, lastResult: nil)
                }
        }
    }

    /// Marks a scanner attached or detached; returns its status.
    func setAttached(_ descriptor: ScannerDescriptor, _ attached: Bool, at now: Int64) -> ScannerStatus {
        state.withLock { state in
            var entry = state.entries[descriptor.id] ?? Entry(descriptor: descriptor, attached: attached)
            entry.descriptor = descriptor
            entry.attached = attached
            // A partial code from before an unplug must not pair with the first code after it.
            entry.lastText = nil
            if attached { entry.lastSeen = now }
            state.entries[descriptor.id] = entry
            return status(of: entry, overrides: state.overrides)
        }
    }

    func statusOf(_ descriptor: ScannerDescriptor) -> ScannerStatus {
        state.withLock { state in
            status(of: state.entries[descriptor.id] ?? Entry(descriptor: descriptor, attached: false), overrides: state.overrides)
        }
    }

    /// Counts the scan and tells whether it repeats the scanner's previous code within the window. Returns the
    /// scanner's placement at the time of the scan.
    func arrive(_ scan: ScanInput, at now: Int64) -> (role: ScannerRole, counter: String, duplicate: Bool) {
        state.withLock { state in
            var entry = state.entries[scan.scanner.id] ?? Entry(descriptor: scan.scanner, attached: true)
            entry.scans += 1
            entry.lastSeen = now
            let window = UInt64(max(0, settings.duplicateWindowMillis)) * 1_000_000
            // Compared as normalised text: the same label read with and without its AIM prefix is one code.
            let key = (try? ScanText(raw: scan.text).text) ?? scan.text
            let duplicate =
                entry.lastText == key && scan.monotonicNanos >= entry.lastTextNanos && scan.monotonicNanos - entry.lastTextNanos < window
            if duplicate { entry.duplicates += 1 }
            // The window slides: a trigger held down on one label keeps being one scan.
            entry.lastText = key
            entry.lastTextNanos = scan.monotonicNanos
            state.entries[scan.scanner.id] = entry
            let (role, _, counter) = placement(scan.scanner, overrides: state.overrides)
            return (role, counter, duplicate)
        }
    }

    /// The next scan number of a source that does not count its own (label photos).
    func nextSequence(for scanner: String) -> UInt64 {
        state.withLock { state in
            state.photoSequences[scanner, default: 0] += 1
            return state.photoSequences[scanner]!
        }
    }

    func record(_ result: ScanOutcome.Result, for scanner: String) {
        state.withLock { state in
            state.entries[scanner]?.lastResult = result
            if result == .rejected { state.entries[scanner]?.rejected += 1 }
        }
    }

    /// Sets or clears (nil) a scanner's role override; returns all overrides, to be persisted.
    func override(_ scanner: String, role: ScannerRole?) -> [String: ScannerRole] {
        state.withLock { state in
            state.overrides[scanner] = role
            // The next scan acts in the new role even if it repeats the last code.
            state.entries[scanner]?.lastText = nil
            return state.overrides
        }
    }

    func armForce(_ scanner: String, until: Int64) { state.withLock { $0.forced[scanner] = until } }

    /// Whether the scanner's next intake is forced; the force is spent by asking.
    func takeForce(_ scanner: String, now: Int64) -> Bool {
        state.withLock { state in
            guard let until = state.forced.removeValue(forKey: scanner) else { return false }
            return until >= now
        }
    }

    func isKnown(_ scanner: String) -> Bool {
        state.withLock { $0.entries[scanner] != nil } || settings.assignments.contains { $0.match == scanner }
    }

    func verify(counter: String, credential: StationEngine.Credential, trackings: [String], until expires: Int64) {
        state.withLock { $0.verifications[counter] = Verification(credential: credential, trackings: Set(trackings), expires: expires) }
    }

    func verification(at counter: String, now: Int64) -> Verification? {
        state.withLock { state in
            guard let verification = state.verifications[counter] else { return nil }
            guard verification.expires > now else {
                state.verifications[counter] = nil
                return nil
            }
            return verification
        }
    }

    /// Takes `tracking` off the counter's verified list; returns how many remain (the verification closes at 0).
    func handedOut(_ tracking: String, at counter: String) -> Int {
        state.withLock { state in
            state.verifications[counter]?.trackings.remove(tracking)
            let remaining = state.verifications[counter]?.trackings.count ?? 0
            if remaining == 0 { state.verifications[counter] = nil }
            return remaining
        }
    }
}

extension StationEngine {
    // MARK: Scanners

    /// Acts on one scan according to the scanner's role, and tells subscribers what happened. Never throws:
    /// every failure is an outcome a counter display can show.
    public nonisolated func handleScan(_ scan: ScanInput) async -> ScanOutcome {
        let now = clock.nowMillis()
        let (role, counter, duplicate) = desk.arrive(scan, at: now)
        let caller = Caller(client: "scanner \(scan.scanner.id)", staff: scan.staff)
        func outcome(
            _ result: ScanOutcome.Result, role: ScannerRole = role, parcel: ParcelRecord? = nil, error: (any Error)? = nil,
            remaining: Int? = nil
        ) -> ScanOutcome {
            ScanOutcome(
                scanner: scan.scanner.id, role: role, counter: counter, result: result, text: String(scan.text.prefix(64)),
                symbology: scan.symbology, sequence: scan.sequence, at: now, parcel: parcel, error: error, remaining: remaining)
        }
        var result: ScanOutcome
        if duplicate {
            result = outcome(.duplicate)
        } else {
            do {
                switch try CommandBarcode.command(in: scan.text) {
                case .setRole(let newRole)?:
                    try await setScannerRole(scan.scanner.id, role: newRole)
                    result = outcome(.roleChanged, role: newRole)
                case .forceNextIntake? where role == .intake:
                    desk.armForce(scan.scanner.id, until: now + Int64(CommandBarcode.forceWindowSeconds) * 1000)
                    logger.notice("force command: next intake is forced", metadata: ["scanner": "\(scan.scanner.id)"])
                    result = outcome(.forceArmed)
                case .forceNextIntake?:
                    throw DomainError.notAParcel(.command, rule: "force command off the intake desk")
                case nil:
                    result = try await act(on: scan, role: role, counter: counter, caller: caller, outcome: outcome)
                }
            } catch let error as DomainError {
                result = outcome(.rejected, error: error)
            } catch {
                result = outcome(.failed, error: error)
            }
        }
        if let parcel = result.parcel, parcel.state == .inTransit, let station = parcel.relayTo { result.relayName = relayName(station) }
        desk.record(result.result, for: scan.scanner.id)
        if result.result == .rejected || result.result == .failed {
            logger.notice(
                "scan not acted on",
                metadata: [
                    "scanner": "\(scan.scanner.id)", "result": "\(result.result.rawValue)",
                    "error": "\(result.error.map { "\($0)" } ?? "-")",
                ])
        }
        events.publish([.scan(result)])
        return result
    }

    private nonisolated func act(
        on scan: ScanInput, role: ScannerRole, counter: String, caller: Caller,
        outcome: (ScanOutcome.Result, ScannerRole, ParcelRecord?, (any Error)?, Int?) -> ScanOutcome
    ) async throws -> ScanOutcome {
        switch role {
        case .off:
            return outcome(.ignored, role, nil, nil, nil)
        case .intake:
            let force = desk.takeForce(scan.scanner.id, now: clock.nowMillis())
            let done = try await intake(IntakeRequest(scan: scan.text, force: force, symbology: scan.symbology), by: caller)
            return outcome(done.isRepeat ? .repeatIntake : .intake, role, done.parcel, nil, nil)
        case .pickup:
            let tracking = try TrackingNumber(raw: scan.text).value
            guard let verified = desk.verification(at: counter, now: clock.nowMillis()) else {
                return outcome(.verifyFirst, role, nil, nil, nil)
            }
            guard verified.trackings.contains(tracking) else {
                return outcome(.notThisRecipient, role, nil, nil, verified.trackings.count)
            }
            let done = try await confirmPickup(PickupRequest(trackings: [tracking], credential: verified.credential), by: caller)
            return outcome(.pickedUp, role, done.parcels.first, nil, desk.handedOut(tracking, at: counter))
        case .handoff:
            guard let handoff = try await store.read({ try $0.openHandoffs(counter: counter) }).last else {
                _ = try TrackingNumber(raw: scan.text)
                return outcome(.noOpenHandoff, role, nil, nil, nil)
            }
            if let badge = try party(handoff.party).badge, ScanTextBag.normalise(badge) == ScanTextBag.normalise(scan.text) {
                _ = try await closeHandoff(handoff.uid, confirmation: .badge(scan.text), by: caller)
                var closed = outcome(.handoffClosed, role, nil, nil, nil)
                closed.handoff = handoff.uid
                return closed
            }
            let done = try await scanIntoHandoff(handoff.uid, scan: scan.text, by: caller)
            var scanned = outcome(.handoff, role, done.parcel, nil, done.remaining)
            scanned.handoff = handoff.uid
            scanned.handoffResult = done.result.rawValue
            return scanned
        case .stocktake:
            guard let stocktake = try await store.read({ try $0.openStocktakes(counter: counter) }).last else {
                _ = try TrackingNumber(raw: scan.text)
                return outcome(.noOpenStocktake, role, nil, nil, nil)
            }
            let done = try await scanStocktake(stocktake.uid, scan: scan.text)
            var swept = outcome(.stocktake, role, done.parcel, nil, done.scanned)
            swept.stocktake = stocktake.uid
            swept.stocktakeResult = done.result.rawValue
            return swept
        }
    }

    /// Switches a scanner's role (command barcode or `Scanner.SetRole`); nil returns it to its configured role.
    /// Kept in the ledger's station values, so the role survives restarts and re-plugging.
    public nonisolated func setScannerRole(_ scanner: String, role: ScannerRole?) async throws {
        guard desk.isKnown(scanner) else { throw EngineError.scannerNotFound(scanner) }
        let overrides = desk.override(scanner, role: role)
        let encoded = try JSONEncoder().encode(overrides.mapValues(\.rawValue))
        try await store.write { tx in try tx.setMeta(ScanDesk.rolesMetaKey, encoded) }
        logger.info("scanner role", metadata: ["scanner": "\(scanner)", "role": "\(role?.rawValue ?? "configured")"])
    }

    /// Attached and known scanners with their roles and counts.
    public nonisolated func scanners() -> [ScannerStatus] { desk.list() }

    /// Records how long a scanner's scan took from its last byte to its outcome (the daemon-side latency).
    public nonisolated func recordScanLatency(_ nanos: UInt64, scanner: String) { desk.recordLatency(nanos, for: scanner) }

    /// A scanner arrived (at start, or plugged in).
    public nonisolated func scannerAttached(_ descriptor: ScannerDescriptor) {
        let status = desk.setAttached(descriptor, true, at: clock.nowMillis())
        logger.info("scanner attached", metadata: ["scanner": "\(descriptor.id)", "role": "\(status.role.rawValue)"])
        events.publish([.scanner(.attached(status))])
    }

    /// A scanner went away (a code it left unfinished is reported first, by `scanDropped`).
    public nonisolated func scannerDetached(_ descriptor: ScannerDescriptor) {
        let status = desk.setAttached(descriptor, false, at: clock.nowMillis())
        logger.info("scanner detached", metadata: ["scanner": "\(descriptor.id)"])
        events.publish([.scanner(.detached(status))])
    }

    /// A code cut short: the scanner was unplugged mid-scan, a reader error, a timeout with no terminator.
    public nonisolated func scanDropped(_ descriptor: ScannerDescriptor, bytes: Int) {
        let status = desk.statusOf(descriptor)
        logger.warning("partial code dropped", metadata: ["scanner": "\(descriptor.id)", "bytes": "\(bytes)"])
        events.publish([.scanner(.partialDropped(status, bytes: bytes))])
    }

    /// Input a scanner sent that is no code at all (unknown keys, a malformed HID POS report, an over-long
    /// code): counted and shown as a rejected scan with the reader's reason, without acting on it.
    public nonisolated func scanUnreadable(_ descriptor: ScannerDescriptor, bytes: [UInt8], reason: String) {
        let now = clock.nowMillis()
        let (role, counter, _) = desk.arrive(
            ScanInput(scanner: descriptor, text: "", sequence: 0, monotonicNanos: DispatchTime.now().uptimeNanoseconds), at: now)
        desk.record(.rejected, for: descriptor.id)
        logger.notice("unreadable scan", metadata: ["scanner": "\(descriptor.id)", "reason": "\(reason)"])
        events.publish([
            .scan(
                ScanOutcome(
                    scanner: descriptor.id, role: role, counter: counter, result: .rejected,
                    text: String(decoding: bytes.prefix(64), as: UTF8.self), symbology: nil, sequence: 0, at: now,
                    parcel: nil, error: EngineError.unreadableScan(reason), remaining: nil))
        ])
    }

    /// Verifies a recipient and, with `counter`, keeps them verified there so that counter's pickup scanners
    /// hand out exactly their parcels.
    public nonisolated func verifyPickup(_ credential: Credential, atCounter counter: String?, by caller: Caller) async throws
        -> [ParcelRecord]
    {
        let parcels = try await limitingGuesses(by: caller, counter: counter) { try await verifyPickup(credential) }
        if let counter {
            let expires = clock.nowMillis() + Int64(settings.scanners.verificationSeconds) * 1000
            desk.verify(counter: counter, credential: credential, trackings: parcels.map(\.tracking), until: expires)
        }
        return parcels
    }

    /// The role overrides saved by earlier runs.
    static func loadScannerRoles(from store: ParcelStore) throws -> [String: ScannerRole] {
        guard let data = try store.readNow({ try $0.meta(ScanDesk.rolesMetaKey) }),
            let names = try? StrictJSONDecoder.ownOutput.decode([String: String].self, from: data)
        else { return [:] }
        return names.compactMapValues(ScannerRole.init(rawValue:))
    }
}
