import Crypto
import Foundation
public import Logging
public import ParcelDomain
public import ParcelStore
import Synchronization

/// The station's use-cases. Each one validates its input, then reads, checks and writes inside a single
/// ledger transaction, and returns only after that transaction has committed. Subscribers hear about
/// committed changes afterwards, in event-log order.
public actor StationEngine {
    public nonisolated let settings: StationSettings
    // Everything a use-case needs is immutable and Sendable, so use-cases run off the actor, concurrently:
    // the store's writer serialises the writes (and batches them), the actor serialises only event publication.
    nonisolated let store: ParcelStore
    nonisolated let clock: any StationClock
    nonisolated let logger: Logger
    nonisolated let hasher: PhoneHasher
    nonisolated let startedAt: Int64
    nonisolated let events = EventHub()
    nonisolated let desk: ScanDesk
    /// The station's Ed25519 key: signs handoff receipts. Created on first start, kept in the ledger.
    nonisolated let signingKeyData: Data
    nonisolated let pinSalt: Data
    /// The configured layers in allocation order: worked out once, not at every scan.
    nonisolated let shelfLayers: [(shelf: Int, layer: Int, capacity: Int)]
    /// Decodes label photos; nil when the daemon runs without one.
    public nonisolated let labelReader: (any LabelReader)?
    /// The county syncer's status, plugged in by the daemon when a county link is configured.
    public nonisolated let syncStatusSource = SyncStatusSource()
    /// The scheduled ledger backups, plugged in by the daemon when a backup folder is configured.
    public nonisolated let backupSource = BackupSource()
    /// Wrong pickup credentials per client and per counter (`pickupGuessesPerClient`, `…PerCounter`).
    nonisolated let pickupGuesses: Mutex<(clients: GuessLimiter, counters: GuessLimiter)>
    /// What intake refuses as not a parcel at all.
    nonisolated let plausibility = IntakePlausibility.standard
    /// Which destinations are this station's and which go on to a downstream station (worked out once).
    nonisolated let relayRoutes: RelayRoutes

    /// Opens the engine over `store`, creating the station's phone salt on first start.
    public init(
        store: ParcelStore, settings: StationSettings, clock: any StationClock = SystemClock(), logger: Logger,
        labelReader: (any LabelReader)? = nil
    ) async throws {
        self.labelReader = labelReader
        self.pickupGuesses = Mutex(
            (GuessLimiter(limit: settings.pickupGuessesPerClient), GuessLimiter(limit: settings.pickupGuessesPerCounter)))
        self.store = store
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.shelfLayers = settings.shelves.layers
        self.relayRoutes = settings.relayRoutes
        self.startedAt = clock.nowMillis()
        let salt = try await store.write { tx -> Data in
            if let existing = try tx.meta(PhoneHasher.metaKey) { return existing }
            let salt = PhoneHasher.randomSalt()
            try tx.setMeta(PhoneHasher.metaKey, salt)
            return salt
        }
        self.hasher = PhoneHasher(salt: salt)
        self.desk = ScanDesk(settings: settings.scanners, overrides: try Self.loadScannerRoles(from: store))
        self.signingKeyData = try await Self.loadSigningKey(from: store)
        self.pinSalt = salt
    }

    // MARK: Intake

    /// What the intake desk sends.
    public struct IntakeRequest: Sendable {
        public var scan: String
        public var phone: String?
        public var phoneTail: String?
        public var courier: String?
        /// Take the number in even though the plausibility check refuses it (a genuine odd number): staff only,
        /// recorded on the intake event as forced, with the rule it overrode.
        public var force: Bool
        /// The reader's AIM symbology identifier when it reported one apart from the text.
        public var symbology: String?
        /// Where the parcel is going, when known (its label's village or sort code, a station): a downstream
        /// station's destination takes it in as in transit, for that station's relay bin.
        public var destination: String?

        public init(
            scan: String, phone: String? = nil, phoneTail: String? = nil, courier: String? = nil, force: Bool = false,
            symbology: String? = nil, destination: String? = nil
        ) {
            self.scan = scan
            self.phone = phone
            self.phoneTail = phoneTail
            self.courier = courier
            self.force = force
            self.symbology = symbology
            self.destination = destination
        }
    }

    /// Intake's answer: the parcel, and whether it was already at the station (a repeat scan).
    public struct IntakeOutcome: Sendable {
        public let parcel: ParcelRecord
        public let isRepeat: Bool
        /// The plausibility rule a forced intake overrode (nil when none had to be).
        public var forced: String? = nil
    }

    /// Records a parcel's arrival and shelves it with a fresh pickup code. Scanning a parcel that is already
    /// at the station returns its record marked as a repeat and writes nothing.
    public nonisolated func intake(_ request: IntakeRequest, by caller: Caller) async throws -> IntakeOutcome {
        if let courier = request.courier, !courier.isEmpty,
            courier.count > 16 || !courier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "&" || $0 == "-") })
        {
            throw EngineError.invalidParameter(
                name: "courier", reason: "a courier code such as SF, ZTO or YUNDA (letters and digits, at most 16)")
        }
        let tracking = try plausibleTracking(request)
        let destination = request.destination.flatMap { $0.isEmpty ? nil : $0 }
        if let destination, destination.count > 64 {
            throw EngineError.invalidParameter(name: "destination", reason: "a village, a sort code or a station (at most 64 characters)")
        }
        let relay: ChainStation? =
            switch destination.map(route) {
            case .relay(let station)?: station
            case .unknown?: throw EngineError.unknownDestination(destination ?? "")
            case .here?, nil: nil
            }
        let recipient = try recipientPhone(phone: request.phone, phoneTail: request.phoneTail)
        // A forced intake records the rule it overrode; one that needed no force records nothing.
        let overridden =
            request.force ? plausibility.refusal(for: tracking.scan, candidates: tracking.candidates, symbology: request.symbology) : nil
        let details = overridden.map { ["forced": $0.rule] } ?? [:]
        let new = NewParcel(
            tracking: tracking, courier: tracking.likelyCourier, phoneTail: recipient?.tail, phoneHash: recipient?.hash,
            phoneFull: recipient?.full, at: clock.nowMillis())
        let allocate = codeAllocation()
        let actor = caller.actor
        var outcome = try await store.write { tx in
            if let relay {
                return try Self.takeInForRelay(new, to: relay.id, destination: destination, tx: tx, actor: actor, details: details)
            }
            return try Self.takeIn(new, tx: tx, allocate: allocate, actor: actor, details: details)
        }
        if !outcome.isRepeat { outcome.forced = overridden?.rule }
        if !outcome.isRepeat, let forced = details["forced"] {
            logger.notice("forced intake", metadata: ["tracking": "\(outcome.parcel.tracking)", "rule": "\(forced)", "by": "\(actor)"])
        }
        if !outcome.isRepeat {
            logger.debug(
                "intake", metadata: ["tracking": "\(outcome.parcel.tracking)", "code": "\(outcome.parcel.pickupCode?.description ?? "-")"])
        }
        await publishIfSubscribed()
        return outcome
    }

    /// The scan as a tracking number, unless it is plainly not a waybill (a product code, a bag label, a command,
    /// too short, no digits): then `DomainError.notAParcel`, which `force` overrides for what is a number at all.
    nonisolated func plausibleTracking(_ request: IntakeRequest) throws -> TrackingNumber {
        if IntakePlausibility.isCommand(request.scan) {
            throw DomainError.notAParcel(.command, rule: "command barcode")
        }
        if settings.parties.contains(where: { $0.badge.map(ScanTextBag.normalise) == ScanTextBag.normalise(request.scan) }) {
            throw DomainError.notAParcel(.command, rule: "courier badge")
        }
        let tracking = try TrackingNumber(raw: request.scan, courierHint: request.courier)
        if !request.force,
            let refusal = plausibility.refusal(for: tracking.scan, candidates: tracking.candidates, symbology: request.symbology)
        {
            throw DomainError.notAParcel(refusal.kind, rule: refusal.rule)
        }
        return tracking
    }

    /// Intake's write: the parcel's active stay if it is already here, else a new stay shelved with a fresh code.
    static func takeIn(
        _ new: NewParcel, tx: LedgerTransaction, allocate: (LedgerTransaction, Int64) throws -> PickupCode, actor: String,
        details: [String: String] = [:]
    ) throws -> IntakeOutcome {
        if let existing = try tx.activeParcel(tracking: new.tracking.value) {
            return IntakeOutcome(parcel: existing, isRepeat: true)
        }
        let shelved = try tx.insertParcel(new, shelving: try allocate(tx, new.at), actor: actor, details: details)
        return IntakeOutcome(parcel: shelved, isRepeat: false)
    }

    /// The pickup-code allocation step of a write: reads the per-layer load, picks a layer and a code on it.
    /// Returned as a closure so it runs inside the caller's transaction.
    nonisolated func codeAllocation() -> @Sendable (LedgerTransaction, Int64) throws -> PickupCode {
        let layers = shelfLayers
        let cooldown = Int64(settings.codeCooldownHours) * 3_600_000
        let allocator = PickupCodeAllocator()
        return { tx, now in
            let counts = try tx.activeCounts(of: layers)
            return try allocator.allocate(
                layers: layers.indices.map { (layers[$0].shelf, layers[$0].layer, layers[$0].capacity, counts[$0]) }
            ) { shelf, layer, capacity in
                try tx.occupancy(of: LayerKey(shelf: shelf, layer: layer), capacity: capacity, releasedSince: now - cooldown)
            }
        }
    }

    // MARK: Lookups

    /// The most recent stay of a tracking number, with its event log.
    public nonisolated func parcel(scan: String) async throws -> (ParcelRecord, [ParcelEvent]) {
        let tracking = try ScanText(raw: scan).text
        let found = try await store.read { reader -> (ParcelRecord, [ParcelEvent])? in
            guard let parcel = try reader.latestParcel(tracking: tracking) else { return nil }
            return (parcel, try reader.events(parcelID: parcel.id))
        }
        guard let found else { throw EngineError.parcelNotFound(tracking) }
        return found
    }

    /// Parcels matching the filters.
    public nonisolated func search(_ query: ParcelQuery) async throws -> [ParcelRecord] {
        try await store.read { try $0.search(query) }
    }

    // MARK: Pickup

    /// How a recipient identifies themselves at the counter.
    public enum Credential: Sendable, Equatable {
        case code(PickupCode)
        case phoneTail(String)
        /// The full number: matched against the salted hash, falling back to the tail.
        case phone(PhoneNumber)

        /// Builds a credential from exactly one of the request's fields.
        public static func from(code: String?, phoneTail: String?, phone: String?) throws -> Credential {
            let given = [code, phoneTail, phone].compactMap { $0?.isEmpty == false ? $0 : nil }
            guard given.count == 1 else { throw EngineError.credentialRequired }
            if let code, !code.isEmpty { return .code(try PickupCode(parsing: code)) }
            if let phoneTail, !phoneTail.isEmpty { return .phoneTail(try PhoneNumber.validateTail(phoneTail)) }
            return .phone(try PhoneNumber(parsing: phone ?? ""))
        }

        var method: String {
            switch self {
            case .code: "code"
            case .phoneTail: "phoneTail"
            case .phone: "phone"
            }
        }
    }

    /// Runs a credential check under the guessing limits: refused while the caller's client or `counter` cools
    /// down; a wrong credential counts against both, and one that starts a cool-down is logged.
    nonisolated func limitingGuesses<T: Sendable>(
        by caller: Caller, counter: String?, _ check: () async throws -> T
    ) async throws -> T {
        // The peer's uid when known: a client cannot shed its count by reconnecting or renaming itself.
        let client = caller.uid.map { "uid \($0)" } ?? "client \(caller.client)"
        let now = clock.nowMillis()
        let until = pickupGuesses.withLock { limits in
            max(limits.clients.lockedUntil(client, now: now) ?? 0, counter.flatMap { limits.counters.lockedUntil($0, now: now) } ?? 0)
        }
        if until > 0 { throw EngineError.tooManyPickupAttempts(until: until) }
        do {
            return try await check()
        } catch let error as EngineError {
            switch error {
            case .noParcelForCredential, .credentialMismatch: break
            default: throw error
            }
            let started = pickupGuesses.withLock { limits in
                [
                    (client, limits.clients.recordFailure(client, now: now)),
                    (counter.map { "counter \($0)" } ?? "", counter.flatMap { limits.counters.recordFailure($0, now: now) }),
                ]
            }
            // Counted for the daily report; the guess itself is never stored. A failed count must not hide the
            // answer the caller is owed.
            let cooled = started.contains { $0.1 != nil }
            try? await store.write { tx in try tx.recordPickupMiss(at: now, counter: counter, cooldown: cooled) }
            for case let (who, until?) in started {
                logger.warning(
                    "pickup guessing: too many wrong pickup codes or phone numbers; refusing them for a while",
                    metadata: ["from": "\(who)", "seconds": "\((until - now) / 1000)"])
            }
            throw error
        }
    }

    /// Parcels waiting for the recipient who gives `credential`.
    public nonisolated func verifyPickup(_ credential: Credential) async throws -> [ParcelRecord] {
        let hasher = self.hasher
        let parcels = try await store.read { reader in try Self.parcels(for: credential, in: reader, hasher: hasher) }
        guard !parcels.isEmpty else { throw EngineError.noParcelForCredential }
        return parcels
    }

    static func parcels(for credential: Credential, in reader: LedgerReader, hasher: PhoneHasher) throws -> [ParcelRecord] {
        let found: [ParcelRecord]
        switch credential {
        case .code(let code):
            found = try reader.activeParcel(code: code).map { [$0] } ?? []
        case .phoneTail(let tail):
            found = try reader.activeParcels(phoneTail: tail)
        case .phone(let phone):
            let hash = hasher.hash(phone)
            // A parcel with a stored hash must match it; one known only by its tail matches on the tail.
            found = try reader.activeParcels(phoneTail: phone.tail).filter { parcel in
                !parcel.hasPhoneHash || (try? reader.phoneHash(parcelID: parcel.id)) == hash
            }
        }
        return found.filter { ParcelState.awaitingPickup.contains($0.state) }
    }

    /// Who handed the parcels out and to whom.
    public struct PickupRequest: Sendable {
        public var trackings: [String]
        public var credential: Credential
        /// The person collecting for the recipient (代取), if not the recipient.
        public var collector: String?

        public init(trackings: [String], credential: Credential, collector: String? = nil) {
            self.trackings = trackings
            self.credential = credential
            self.collector = collector
        }
    }

    /// Hands out one or several parcels in one transaction: each must be waiting for pickup and belong to
    /// the credential, or nothing is handed out.
    public nonisolated func confirmPickup(_ request: PickupRequest, by caller: Caller) async throws -> (
        pickupID: Int64, parcels: [ParcelRecord]
    ) {
        guard !request.trackings.isEmpty else {
            throw EngineError.invalidParameter(name: "trackings", reason: "name at least one parcel")
        }
        let trackings = try request.trackings.map { try ScanText(raw: $0).text }
        let hasher = self.hasher
        let now = clock.nowMillis()
        let actor = caller.actor
        let proof = PickupProof(
            at: now, staff: caller.staff ?? "", client: caller.client, method: request.credential.method,
            collector: request.collector)
        let result = try await limitingGuesses(by: caller, counter: nil) {
            try await store.write { tx -> (Int64, [ParcelRecord]) in
                let eligible = try Self.parcels(for: request.credential, in: tx, hasher: hasher)
                var parcels: [ParcelRecord] = []
                for tracking in Set(trackings).sorted() {
                    guard let parcel = try tx.activeParcel(tracking: tracking) else {
                        throw EngineError.parcelNotFound(tracking)
                    }
                    guard ParcelState.awaitingPickup.contains(parcel.state) else {
                        throw EngineError.notAwaitingPickup(tracking: tracking, state: parcel.state)
                    }
                    guard eligible.contains(where: { $0.id == parcel.id }) else {
                        throw EngineError.credentialMismatch(tracking: tracking)
                    }
                    parcels.append(parcel)
                }
                let pickupID = try tx.insertPickup(proof)
                var details: [String: String] = ["method": proof.method]
                // The collector's name stays in the pickup row, which the privacy purge erases; the chained event
                // only says that someone collected for the recipient (a name in it could never be erased).
                if proof.collector != nil { details["byProxy"] = "true" }
                let done = try parcels.map { try tx.apply(.pickUp, to: $0, at: now, actor: actor, pickupID: pickupID, details: details) }
                return (pickupID, done)
            }
        }
        logger.info("pickup", metadata: ["pickup": "\(result.0)", "parcels": "\(result.1.count)"])
        await publishIfSubscribed()
        return result
    }

    // MARK: Returns and other lifecycle actions

    /// Applies a lifecycle action to the active stay of `scan` (return requested, return completed,
    /// exception flagged or resolved…), with an optional reason recorded in the event.
    public nonisolated func apply(_ action: ParcelAction, scan: String, reason: String?, by caller: Caller) async throws -> ParcelRecord {
        // A relay names its station and a forward its handoff: each has its own use-case.
        guard action != .relay, action != .forward else {
            throw EngineError.invalidParameter(name: "action", reason: "\(action.rawValue) has its own method")
        }
        let allocate = codeAllocation()
        return try await changeActiveParcel(scan: scan, reason: reason, by: caller) { tx, parcel, now, actor, details in
            // Back on the shelf (exception resolved, return cancelled) without a code yet: it needs one now.
            let next = try ParcelLifecycle.apply(action, to: parcel.state)
            let slot = ParcelState.awaitingPickup.contains(next) && parcel.pickupCode == nil ? try allocate(tx, now) : nil
            return try tx.apply(action, to: parcel, at: now, actor: actor, slot: slot, details: details)
        }
    }

    /// Marks a parcel for return to its courier and, with `handedOver`, records that the courier took it.
    public nonisolated func returnParcel(scan: String, reason: String?, handedOver: Bool, by caller: Caller) async throws -> ParcelRecord {
        try await changeActiveParcel(scan: scan, reason: reason, by: caller) { tx, parcel, now, actor, details in
            var parcel = parcel
            if parcel.state != .returnRequested {
                parcel = try tx.apply(.requestReturn, to: parcel, at: now, actor: actor, details: details)
            }
            if handedOver {
                parcel = try tx.apply(.completeReturn, to: parcel, at: now, actor: actor, details: details)
            }
            return parcel
        }
    }

    /// Runs `change` on the active stay of `scan` in one write, then tells subscribers. `details` carries the
    /// reason, if any, for the events `change` writes.
    nonisolated func changeActiveParcel(
        scan: String, reason: String?, by caller: Caller,
        _ change:
            @escaping @Sendable (LedgerTransaction, ParcelRecord, _ now: Int64, _ actor: String, _ details: [String: String]) throws
            -> ParcelRecord
    ) async throws -> ParcelRecord {
        let tracking = try ScanText(raw: scan).text
        let now = clock.nowMillis()
        let actor = caller.actor
        let details = reason.map { ["reason": $0] } ?? [:]
        let parcel = try await store.write { tx -> ParcelRecord in
            guard let parcel = try tx.activeParcel(tracking: tracking) else { throw EngineError.parcelNotFound(tracking) }
            return try change(tx, parcel, now, actor, details)
        }
        await publishIfSubscribed()
        return parcel
    }

    // MARK: Reports and status

    /// Parcels waiting longer than `olderThanHours`, by age bucket and courier.
    public nonisolated func backlog(olderThanHours: Int) async throws -> BacklogReport {
        guard olderThanHours >= 0, olderThanHours <= 24 * 3650 else {
            throw EngineError.invalidParameter(name: "olderThanHours", reason: "must be between 0 and 87600")
        }
        let now = clock.nowMillis()
        return try await store.read { try $0.backlog(now: now, olderThanHours: olderThanHours) }
    }

    /// A snapshot for `Station.Status`.
    public struct Status: Sendable {
        public let settings: StationSettings
        public let startedAt: Int64
        public let now: Int64
        public let counts: LedgerCounts
        public let overdue: Int
        public let databasePath: String
        public let subscribers: Int
        /// The file system of the ledger's folder; nil when `statvfs` fails.
        public let disk: DiskSpace?
    }

    public nonisolated func status() async throws -> Status {
        let now = clock.nowMillis()
        let holdHours = settings.holdHours
        let (counts, overdue) = try await store.read { reader in
            (try reader.counts(), try reader.backlog(now: now, olderThanHours: holdHours, oldestLimit: 0).total)
        }
        return Status(
            settings: settings, startedAt: startedAt, now: now, counts: counts, overdue: overdue,
            databasePath: store.path, subscribers: events.subscriberCount,
            disk: DiskSpace.of(folder: URL(fileURLWithPath: store.path).deletingLastPathComponent().path))
    }

    /// Recomputes the custody chain of the whole event log and names the first broken link.
    public nonisolated func verifyCustodyLog() async throws -> CustodyChain.Verification {
        let result = try await store.read { try $0.verifyCustodyChain() }
        if let broken = result.firstBroken {
            logger.critical("custody log broken", metadata: ["event": "\(broken.id)", "uid": "\(broken.uid)"])
        }
        return result
    }

    /// A cheap liveness probe for the systemd watchdog: the ledger answers a one-row read. (`status()` counts
    /// every parcel and is far too heavy to run every few seconds on a large ledger.)
    public nonisolated func isHealthy() async -> Bool {
        (try? await store.read { try $0.lastEventID() }) != nil
    }

    /// Whether a parcel counts as overdue now.
    public nonisolated func isOverdue(_ parcel: ParcelRecord) -> Bool {
        ParcelLifecycle.isOverdue(state: parcel.state, shelvedAt: parcel.shelvedAt, now: clock.nowMillis(), holdHours: settings.holdHours)
    }

    // MARK: Events

    /// A live feed of committed ledger events with the parcel as it stands after each. The stream ends when
    /// the engine shuts down or the consumer stops iterating.
    public func subscribe() async throws -> AsyncStream<StationEvent> {
        if !events.hasSubscribers {
            lastPublishedSeq = try await store.read { try $0.latestSequence() }
        }
        return events.subscribe()
    }

    /// The sequence number of the last durable event handed to subscribers.
    var lastPublishedSeq: Int64 = 0

    /// Hops onto the actor to publish only when someone listens: most writes pay nothing for events.
    nonisolated func publishIfSubscribed() async {
        if events.hasSubscribers { await publishCommitted() }
    }

    /// Reads events committed since the last publication and hands them to subscribers. Runs on the actor, so
    /// publications never interleave and subscribers see the log's order.
    func publishCommitted() async {
        // The actor is reentrant across the awaits below: one publisher drains at a time and the others only
        // ask it to go round again, so no event is read and sent twice.
        guard !publishing else {
            publishAgain = true
            return
        }
        publishing = true
        defer { publishing = false }
        repeat {
            publishAgain = false
            guard events.hasSubscribers else { return }
            do {
                let after = lastPublishedSeq
                let batch = try await store.read { reader in
                    try reader.durableEvents(after: after, limit: 10_000).map(StationEvent.init(durable:))
                }
                guard let last = batch.last?.seq else { continue }
                lastPublishedSeq = last
                events.publish(batch)
                if batch.count == 10_000 { publishAgain = true }
            } catch {
                logger.warning("could not publish events: \(error)")
                return
            }
        } while publishAgain
    }

    var publishing = false
    var publishAgain = false

    /// Ends every subscription (daemon shutdown).
    public nonisolated func finishSubscriptions() { events.finishAll() }
}

/// What subscribers hear: committed ledger changes (with the parcel as it stands after each), what each
/// scan did, and scanners coming and going.
public enum StationEvent: Sendable {
    case ledger(ParcelEvent, ParcelRecord)
    /// A durable event that is not about one parcel: a handoff or stocktake change (`StationEventLog.swift`).
    case station(StationEventRecord)
    case scan(ScanOutcome)
    case scanner(ScannerNotice)

    /// The station-wide sequence number of a durable event (in the ledger, replayable); nil for a live-only one
    /// (a scan's outcome, a scanner coming or going), which is never replayed.
    public var seq: Int64? {
        switch self {
        case .ledger(let event, _): event.id
        case .station(let record): record.seq
        case .scan, .scanner: nil
        }
    }

    init(durable: DurableEvent) {
        switch durable {
        case .parcel(let event, let parcel): self = .ledger(event, parcel)
        case .station(let record): self = .station(record)
        }
    }
}

/// Fan-out of committed events to subscribers; a slow subscriber loses its oldest buffered events rather
/// than slowing the station.
final class EventHub: Sendable {
    private let continuations = Mutex<[UUID: AsyncStream<StationEvent>.Continuation]>([:])
    static let bufferLimit = 4096

    var hasSubscribers: Bool { continuations.withLock { !$0.isEmpty } }
    var subscriberCount: Int { continuations.withLock { $0.count } }

    func subscribe() -> AsyncStream<StationEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<StationEvent>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferLimit))
        continuation.onTermination = { [weak self] _ in _ = self?.continuations.withLock { $0.removeValue(forKey: id) } }
        continuations.withLock { $0[id] = continuation }
        return stream
    }

    func publish(_ batch: [StationEvent]) {
        for continuation in continuations.withLock({ Array($0.values) }) {
            for event in batch { continuation.yield(event) }
        }
    }

    func finishAll() {
        let all = continuations.withLock { all in
            defer { all = [:] }
            return Array(all.values)
        }
        all.forEach { $0.finish() }
    }
}
