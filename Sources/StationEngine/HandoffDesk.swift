import Crypto
public import Foundation
import Logging
public import ParcelDomain
public import ParcelStore
public import StationReceipts

/// Handoffs (交接): open one with a courier or driver, load the expected list from their manifest, scan what
/// actually changes hands, and close it with the courier's badge or PIN. Closing writes a signed receipt,
/// chained to the station's previous one, and opens a discrepancy for every line that did not match.
extension StationEngine {
    public struct OpenHandoffRequest: Sendable {
        public var direction: HandoffDirection
        public var kind: HandoffKind
        public var party: String
        public var node: String?
        public var nodeTier: NodeTier?
        public var vehicle: String?
        public var counter: String?

        public init(
            direction: HandoffDirection, kind: HandoffKind, party: String, node: String? = nil, nodeTier: NodeTier? = nil,
            vehicle: String? = nil, counter: String? = nil
        ) {
            self.direction = direction
            self.kind = kind
            self.party = party
            self.node = node
            self.nodeTier = nodeTier
            self.vehicle = vehicle
            self.counter = counter
        }
    }

    /// A handoff with its lines and discrepancies.
    public struct HandoffDetail: Sendable {
        public let handoff: HandoffRecord
        public let lines: [HandoffLineRecord]
        public let discrepancies: [DiscrepancyRecord]
    }

    /// What one scan into a handoff did.
    public struct HandoffScan: Sendable {
        public enum Result: String, Sendable {
            /// A listed parcel, now scanned.
            case scanned
            /// Not on the list (多发); recorded, and for a delivery taken in.
            case extra
            /// Marked damaged (破损).
            case damaged
            /// Listed for another station (错分): not taken in.
            case misrouted
            /// Scanned before in this handoff; nothing changed.
            case repeatScan
            /// A bag label: `bagLines` lines travel in it (on an outbound handoff they are all marked scanned).
            case bag
            /// A listed parcel for a downstream station: taken in as in transit, into its relay bin (no code).
            case relayed
            /// A bag label on an outbound handoff: the parcels scanned next are packed into this bag.
            case packing
        }
        public let result: Result
        public let handoff: HandoffRecord
        public let line: HandoffLineRecord?
        /// The parcel taken in (inbound delivery) or leaving (outbound).
        public let parcel: ParcelRecord?
        public let bagLines: Int
        /// Listed lines not yet scanned.
        public let remaining: Int
    }

    /// How the courier confirms the handoff.
    public enum Confirmation: Sendable {
        case badge(String)
        case pin(String)
        /// A handoff on another parcel-station's signed manifest, closed by this station's own staff: the receipt
        /// it signs names that manifest and goes back to the sender.
        case station
        /// The receiving station's signed receipt (its body and the document), imported by the sender.
        case receiver(ReceiptBody, SignedReceipt)
    }

    nonisolated func party(_ id: String) throws -> Party {
        if let party = settings.parties.first(where: { $0.id == id }) { return party }
        // Another parcel-station of the chain is a party of its own signed handoffs.
        if let station = settings.chainStations.first(where: { $0.id == id }) { return Party(id: station.id, name: station.name) }
        throw EngineError.unknownParty(id)
    }

    /// The downstream station an outbound transfer handoff goes to (named as its node, else as its party), or nil.
    static func transferTarget(
        _ routes: RelayRoutes, direction: HandoffDirection, kind: HandoffKind, node: String?, party: String
    ) -> ChainStation? {
        guard direction == .outbound, kind == .transfer else { return nil }
        return node.flatMap(routes.station(id:)) ?? routes.station(id: party)
    }

    /// `alsoWriting`: more of the same handoff written in its opening transaction (a signed manifest's lines and
    /// document), so a failure there leaves no empty handoff behind.
    public nonisolated func openHandoff(
        _ request: OpenHandoffRequest, by caller: Caller,
        alsoWriting extra: (@Sendable (LedgerTransaction, HandoffRecord) throws -> Void)? = nil
    ) async throws -> HandoffRecord {
        let party = try party(request.party)
        for (name, value) in [("node", request.node), ("vehicle", request.vehicle), ("counter", request.counter)] {
            if let value, value.isEmpty || value.count > 64 {
                throw EngineError.invalidParameter(name: name, reason: "1 to 64 characters")
            }
        }
        let now = clock.nowMillis()
        let new = NewHandoff(
            uid: EventID.make(at: now), direction: request.direction, kind: request.kind, party: party.id, partyName: party.name,
            company: party.company, node: request.node, nodeTier: request.nodeTier, vehicle: request.vehicle,
            counter: request.counter ?? ScannerSettings.defaultCounter, at: now, actor: caller.actor)
        let routes = relayRoutes
        let handoff = try await store.write { tx -> HandoffRecord in
            let handoff = try tx.insertHandoff(new)
            // Returns waiting for this courier join its next outbound return handoff by themselves; parcels sent from
            // the station join its next outbound outgoing handoff.
            if new.direction == .outbound && new.kind == .return, let company = party.company {
                let waiting = try tx.search(ParcelQuery(states: [.returnRequested], limit: 1000)).filter { $0.courier == company }
                try tx.insertExpectedLines(
                    waiting.enumerated().map { ManifestLine(tracking: $1.tracking, courier: $1.courier, line: $0 + 1) },
                    handoffID: handoff.id)
            }
            // Parcels in the relay bin of the station a transfer goes to leave on it.
            if let target = Self.transferTarget(routes, direction: new.direction, kind: new.kind, node: new.node, party: new.party) {
                let waiting = try tx.inTransit(to: target.id)
                try tx.insertExpectedLines(
                    waiting.enumerated().map {
                        ManifestLine(tracking: $1.tracking, courier: $1.courier, destination: target.id, line: $0 + 1)
                    },
                    handoffID: handoff.id)
            }
            if new.direction == .outbound && new.kind == .outgoing, let company = party.company {
                let waiting = try tx.outgoing(waitingOnly: true, courier: company, limit: 10_000)
                try tx.insertExpectedLines(
                    waiting.reversed().enumerated().map { ManifestLine(tracking: $1.waybill, courier: $1.courier, line: $0 + 1) },
                    handoffID: handoff.id)
            }
            try tx.appendStationEvent(
                name: StationEventName.handoffOpened, at: now,
                data: HandoffEventData(
                    handoff: handoff.uid, direction: handoff.direction.rawValue, kind: handoff.kind.rawValue, party: handoff.party,
                    company: handoff.company, counter: handoff.counter, remaining: try tx.expectedLineCount(handoffID: handoff.id),
                    actor: new.actor))
            try extra?(tx, handoff)
            return handoff
        }
        await publishStationEvents()
        logger.info("handoff opened", metadata: ["handoff": "\(handoff.uid)", "party": "\(party.id)", "direction": "\(new.direction)"])
        return handoff
    }

    /// Loads a manifest's lines into an open handoff: all of them, or none when any line is bad.
    public nonisolated func importManifest(handoff uid: String, data: Data, format: Manifest.Format) async throws -> HandoffDetail {
        let lines = try Manifest.parse(data, format: format)
        // Recipients' hashes are computed here, before the write, so a long manifest does not hold the writer.
        let phones = Dictionary(
            lines.compactMap { line in line.phoneTail.map { (line.tracking, recipientPhone(line.phone, tail: $0)) } },
            uniquingKeysWith: { first, _ in first })
        let now = clock.nowMillis()
        let detail = try await store.write { tx -> HandoffDetail in
            let handoff = try Self.openHandoff(uid, in: tx)
            let listed = Set(try tx.lines(handoffID: handoff.id).map(\.tracking))
            let clashes = lines.filter { listed.contains($0.tracking) }
            guard clashes.isEmpty else {
                throw ManifestError(
                    problems: clashes.map { .init(line: $0.line, reason: "\($0.tracking) is already on this handoff") })
            }
            try tx.insertExpectedLines(lines, handoffID: handoff.id) { phones[$0.tracking] }
            let all = try tx.lines(handoffID: handoff.id)
            try tx.appendStationEvent(
                name: StationEventName.handoffImported, at: now,
                data: HandoffEventData(
                    handoff: handoff.uid, remaining: try tx.expectedLineCount(handoffID: handoff.id), lines: all.count))
            return HandoffDetail(handoff: handoff, lines: all, discrepancies: [])
        }
        await publishStationEvents()
        return detail
    }

    static func openHandoff(_ uid: String, in tx: LedgerReader) throws -> HandoffRecord {
        guard let handoff = try tx.handoff(uid: uid) else { throw EngineError.handoffNotFound(uid) }
        guard handoff.isOpen else { throw EngineError.handoffClosed(uid) }
        return handoff
    }

    /// One scan into an open handoff. Inbound deliveries take the parcel in (shelved, with a code) in the same
    /// transaction; a misrouted parcel is recorded but not taken in.
    public nonisolated func scanIntoHandoff(
        _ uid: String, scan text: String, damaged: Bool = false, note: String? = nil, photo: String? = nil, by caller: Caller
    ) async throws -> HandoffScan {
        let now = clock.nowMillis()
        let actor = caller.actor
        let allocate = codeAllocation()
        let routes = relayRoutes
        let bagKey = ScanTextBag.normalise(text)
        let done = try await store.write { tx -> HandoffScan in
            func scan(_ handoff: HandoffRecord) throws -> HandoffScan {
                func remaining() throws -> Int { try tx.expectedLineCount(handoffID: handoff.id) }
                let takesIn = handoff.direction == .inbound && handoff.kind != .return
                func relayStation(_ line: HandoffLineRecord) -> ChainStation? {
                    guard handoff.direction == .inbound, let destination = line.destination,
                        case .relay(let station) = routes.route(destination)
                    else { return nil }
                    return station
                }
                /// Takes a listed parcel for a station further down into its relay bin (no code, no notice).
                func relay(_ line: HandoffLineRecord, to station: ChainStation, tracking: TrackingNumber) throws -> ParcelRecord {
                    let recipient = line.recipient
                    let new = NewParcel(
                        tracking: tracking, courier: line.courier ?? tracking.likelyCourier, phoneTail: recipient?.tail,
                        phoneHash: recipient?.hash, phoneFull: recipient?.full, at: now)
                    return try Self.takeInForRelay(
                        new, to: station.id, destination: line.destination, tx: tx, actor: actor, details: ["handoff": handoff.uid]
                    ).parcel
                }
                let bagLines = try tx.lines(handoffID: handoff.id, bag: bagKey)
                if !bagLines.isEmpty {
                    let unticked = bagLines.filter { $0.status == .expected }
                    // The bag was scanned before: nothing more to tick.
                    if unticked.isEmpty {
                        return HandoffScan(
                            result: .repeatScan, handoff: handoff, line: nil, parcel: nil, bagLines: bagLines.count,
                            remaining: try remaining())
                    }
                    for line in unticked {
                        if handoff.direction == .outbound {
                            try tx.markLine(line.id, status: .scanned, at: now, note: nil, photo: nil, parcelID: nil)
                        } else if takesIn, let station = relayStation(line), let tracking = try? TrackingNumber(raw: line.tracking) {
                            // A bag for a station further down goes on unopened: its parcels are in transit now.
                            let parcel = try relay(line, to: station, tracking: tracking)
                            try tx.markLine(line.id, status: .scanned, at: now, note: nil, photo: nil, parcelID: parcel.id)
                        } else {
                            // Arrived in the bag; taken in when scanned out of it, missing if it is not in it.
                            try tx.markLine(line.id, status: .bagged, at: now, note: nil, photo: nil, parcelID: nil)
                        }
                    }
                    return HandoffScan(
                        result: .bag, handoff: handoff, line: nil, parcel: nil, bagLines: bagLines.count, remaining: try remaining())
                }
                if ScanTextBag.isSSCC(text) {
                    // A bag label no line names: on an outbound handoff the bag to pack now; inbound, a bag the
                    // manifest does not list (its parcels are scanned one by one, as extras).
                    guard handoff.direction == .outbound else { throw EngineError.unknownBag(bagKey) }
                    if handoff.packingBag == bagKey {
                        return HandoffScan(
                            result: .repeatScan, handoff: handoff, line: nil, parcel: nil, bagLines: 0, remaining: try remaining())
                    }
                    try tx.setPackingBag(handoffID: handoff.id, bag: bagKey)
                    return HandoffScan(result: .packing, handoff: handoff, line: nil, parcel: nil, bagLines: 0, remaining: try remaining())
                }
                // Not a bag: it must be a tracking number (a misread is refused here).
                let tracking = try TrackingNumber(raw: text)
                /// An outbound parcel goes into the bag being packed.
                func packed(_ done: HandoffScan) throws -> HandoffScan {
                    guard handoff.direction == .outbound, let bag = handoff.packingBag, let line = done.line, line.bag == nil,
                        done.result != .misrouted
                    else { return done }
                    try tx.setLineBag(line.id, bag: bag)
                    return HandoffScan(
                        result: done.result, handoff: done.handoff, line: try tx.line(handoffID: handoff.id, tracking: line.tracking),
                        parcel: done.parcel, bagLines: done.bagLines, remaining: done.remaining)
                }
                func intake(courier: String?, recipient: RecipientPhone? = nil) throws -> ParcelRecord? {
                    guard takesIn else { return try tx.activeParcel(tracking: tracking.value) }
                    let new = NewParcel(
                        tracking: tracking, courier: courier ?? tracking.likelyCourier, phoneTail: recipient?.tail,
                        phoneHash: recipient?.hash,
                        phoneFull: recipient?.full, at: now)
                    return try Self.takeIn(new, tx: tx, allocate: allocate, actor: actor, details: ["handoff": handoff.uid]).parcel
                }
                if let line = try tx.line(handoffID: handoff.id, tracking: tracking.value) {
                    // A line ticked by its bag is scanned out of it now; any other line was scanned before.
                    if line.status != .expected && line.status != .bagged {
                        if damaged && line.status == .scanned {
                            try tx.markLine(line.id, status: .damaged, at: line.scannedAt ?? now, note: note, photo: photo, parcelID: nil)
                            return HandoffScan(
                                result: .damaged, handoff: handoff, line: try tx.line(handoffID: handoff.id, tracking: tracking.value),
                                parcel: nil, bagLines: 0, remaining: try remaining())
                        }
                        return HandoffScan(
                            result: .repeatScan, handoff: handoff, line: line, parcel: nil, bagLines: 0, remaining: try remaining())
                    }
                    if let station = relayStation(line), takesIn {
                        let parcel = try relay(line, to: station, tracking: tracking)
                        try tx.markLine(
                            line.id, status: damaged ? .damaged : .scanned, at: now, note: note, photo: photo, parcelID: parcel.id)
                        return HandoffScan(
                            result: damaged ? .damaged : .relayed, handoff: handoff,
                            line: try tx.line(handoffID: handoff.id, tracking: tracking.value), parcel: parcel, bagLines: 0,
                            remaining: try remaining())
                    }
                    if handoff.direction == .inbound, let destination = line.destination, routes.route(destination) == .unknown {
                        try tx.markLine(
                            line.id, status: .misrouted, at: now, note: note ?? "for \(destination)", photo: photo, parcelID: nil)
                        return HandoffScan(
                            result: .misrouted, handoff: handoff, line: try tx.line(handoffID: handoff.id, tracking: tracking.value),
                            parcel: nil, bagLines: 0, remaining: try remaining())
                    }
                    let parcel = try intake(courier: line.courier, recipient: line.recipient)
                    try tx.markLine(line.id, status: damaged ? .damaged : .scanned, at: now, note: note, photo: photo, parcelID: parcel?.id)
                    return try packed(
                        HandoffScan(
                            result: damaged ? .damaged : .scanned, handoff: handoff,
                            line: try tx.line(handoffID: handoff.id, tracking: tracking.value),
                            parcel: parcel, bagLines: 0, remaining: try remaining()))
                }
                if let target = Self.transferTarget(
                    routes, direction: handoff.direction, kind: handoff.kind, node: handoff.node, party: handoff.party),
                    var parcel = try tx.activeParcel(tracking: tracking.value)
                {
                    // Not listed for this transfer: in another station's bin it is the wrong truck (错分); a
                    // parcel of ours put on the truck is being sent on (misrouted to us): into this station's bin.
                    if parcel.state == .inTransit, let other = parcel.relayTo, other != target.id {
                        let line = try tx.insertScannedLine(
                            handoffID: handoff.id, tracking: tracking.value, courier: parcel.courier, status: .misrouted, at: now,
                            note: note ?? "for \(other)", photo: photo, parcelID: parcel.id)
                        return HandoffScan(
                            result: .misrouted, handoff: handoff, line: line, parcel: parcel, bagLines: 0, remaining: try remaining())
                    }
                    if parcel.state != .inTransit {
                        parcel = try tx.relay(parcel, to: target.id, at: now, actor: actor, details: ["handoff": handoff.uid])
                    }
                    let line = try tx.insertScannedLine(
                        handoffID: handoff.id, tracking: tracking.value, courier: parcel.courier, status: damaged ? .damaged : .extra,
                        at: now, note: note, photo: photo, parcelID: parcel.id)
                    return try packed(
                        HandoffScan(
                            result: damaged ? .damaged : .extra, handoff: handoff, line: line, parcel: parcel, bagLines: 0,
                            remaining: try remaining()))
                }
                let parcel = try intake(courier: nil)
                let line = try tx.insertScannedLine(
                    handoffID: handoff.id, tracking: tracking.value, courier: parcel?.courier ?? tracking.likelyCourier,
                    status: damaged ? .damaged : .extra, at: now, note: note, photo: photo, parcelID: parcel?.id)
                return try packed(
                    HandoffScan(
                        result: damaged ? .damaged : .extra, handoff: handoff, line: line, parcel: parcel, bagLines: 0,
                        remaining: try remaining()))
            }
            let handoff = try Self.openHandoff(uid, in: tx)
            let done = try scan(handoff)
            // A repeated scan changed nothing: no event.
            if done.result != .repeatScan {
                try tx.appendStationEvent(
                    name: StationEventName.handoffLineScanned, at: now,
                    data: HandoffEventData(
                        handoff: handoff.uid, tracking: done.line?.tracking ?? text, result: done.result.rawValue,
                        bagLines: done.result == .bag ? done.bagLines : nil, remaining: done.remaining, actor: actor))
            }
            return done
        }
        await publishStationEvents()
        return done
    }

    /// Closes the handoff once its courier confirms: unscanned lines become missing, every mismatch opens a
    /// discrepancy, parcels on an outbound return leave the station, and the signed receipt is written.
    public nonisolated func closeHandoff(_ uid: String, confirmation: Confirmation, by caller: Caller) async throws -> (
        HandoffRecord, SignedReceipt
    ) {
        let now = clock.nowMillis()
        let handoff = try await store.read { try Self.openHandoff(uid, in: $0) }
        let party = try party(handoff.party)
        switch confirmation {
        case .badge, .pin: try await checkConfirmation(confirmation, party: party, now: now)
        case .station:
            guard handoff.direction == .inbound, handoff.manifestDigest != nil else { throw EngineError.notStationHandoff(uid) }
        case .receiver:
            guard handoff.direction == .outbound, handoff.manifestDigest != nil else { throw EngineError.notStationHandoff(uid) }
        }
        let actor = caller.actor
        let staff = caller.staff ?? caller.client
        let station = ReceiptBody.Station(id: settings.stationID, name: settings.stationName)
        let keyData = signingKeyData
        let result = try await store.write { tx -> (HandoffRecord, SignedReceipt) in
            let handoff = try Self.openHandoff(uid, in: tx)
            try tx.markUnscannedMissing(handoffID: handoff.id)
            let lines = try tx.lines(handoffID: handoff.id)
            for line in lines {
                let kind: DiscrepancyKind? =
                    switch line.status {
                    case .missing: .missing
                    case .extra: .extra
                    case .damaged: .damaged
                    case .misrouted: .misrouted
                    case .expected, .scanned, .bagged: nil
                    }
                if let kind { try tx.insertDiscrepancy(handoffID: handoff.id, lineID: line.id, kind: kind, at: now) }
            }
            // What the receiving station reports missing or damaged of what was loaded is a discrepancy here too.
            if case .receiver(let theirs, let document) = confirmation {
                let reported = Dictionary(theirs.lines.map { ($0.tracking, $0.status) }, uniquingKeysWith: { first, _ in first })
                for line in lines where [.scanned, .extra].contains(line.status) {
                    let kind: DiscrepancyKind? =
                        switch reported[line.tracking] {
                        case "missing"?, nil: .missing
                        case "damaged"?: .damaged
                        default: nil
                        }
                    if let kind { try tx.insertDiscrepancy(handoffID: handoff.id, lineID: line.id, kind: kind, at: now) }
                }
                try tx.insertHandoffDocument(
                    handoffID: handoff.id, role: .receiptReceived, seq: nil, digest: document.digest, station: theirs.station.id, at: now,
                    document: String(decoding: try JSONEncoder.receipt.encode(document), as: UTF8.self))
            }
            if handoff.direction == .outbound && handoff.kind == .return {
                for line in lines where line.status == .scanned || line.status == .extra {
                    guard var parcel = try tx.activeParcel(tracking: line.tracking) else { continue }
                    let details = ["handoff": handoff.uid]
                    if parcel.state != .returnRequested {
                        parcel = try tx.apply(.requestReturn, to: parcel, at: now, actor: actor, details: details)
                    }
                    try tx.apply(.completeReturn, to: parcel, at: now, actor: actor, details: details)
                }
            }
            // Parcels sent on to a downstream station leave the relay bin: forwarded, their stay here ended.
            if handoff.direction == .outbound && handoff.kind == .transfer {
                for line in lines where line.status == .scanned || line.status == .extra || line.status == .damaged {
                    guard let parcel = try tx.activeParcel(tracking: line.tracking), parcel.state == .inTransit else { continue }
                    try tx.apply(.forward, to: parcel, at: now, actor: actor, details: ["handoff": handoff.uid])
                }
            }
            if handoff.direction == .outbound && handoff.kind == .outgoing {
                for line in lines where line.status == .scanned || line.status == .extra || line.status == .damaged {
                    try tx.handOverOutgoing(waybill: line.tracking, handoffID: handoff.id, at: now)
                }
            }
            let previous = try tx.lastReceipt()
            let body = ReceiptBody(
                station: station, seq: (previous?.seq ?? 0) + 1, previousDigest: previous?.digest, handoff: handoff.uid,
                direction: handoff.direction.rawValue, kind: handoff.kind.rawValue,
                party: .init(id: party.id, name: party.name, company: party.company), node: handoff.node,
                nodeTier: handoff.nodeTier?.rawValue, vehicle: handoff.vehicle, openedAt: Receipts.timestamp(handoff.openedAt),
                closedAt: Receipts.timestamp(now), confirmedBy: confirmation.method, staff: staff,
                lines: lines.map { line in
                    .init(
                        tracking: line.tracking, courier: line.courier, bag: line.bag, status: line.status.rawValue,
                        expected: line.expected,
                        note: line.note, photo: line.photo, manifestLine: line.manifestLine)
                }, manifestDigest: handoff.manifestDigest)
            let receipt = try Receipts.sign(body, with: try Curve25519.Signing.PrivateKey(rawRepresentation: keyData))
            let document = String(decoding: try JSONEncoder.receipt.encode(receipt), as: UTF8.self)
            try tx.closeHandoff(
                handoff.id, at: now, by: actor, confirmedBy: confirmation.method, receiptSeq: body.seq, receipt: document,
                receiptDigest: receipt.digest)
            guard let closed = try tx.handoff(id: handoff.id) else { throw EngineError.handoffNotFound(uid) }
            try tx.appendStationEvent(
                name: StationEventName.handoffClosed, at: now,
                data: HandoffEventData(
                    handoff: closed.uid, lines: lines.count, receiptSeq: body.seq, receiptDigest: receipt.digest,
                    confirmedBy: confirmation.method, discrepancies: try tx.discrepancies(handoffID: handoff.id).count, actor: actor))
            return (closed, receipt)
        }
        logger.info("handoff closed", metadata: ["handoff": "\(uid)", "receipt": "\(result.0.receiptSeq ?? 0)"])
        await publishIfSubscribed()
        return result
    }

    /// Checks the badge or PIN; wrong PINs count towards a lockout that survives restarts.
    nonisolated func checkConfirmation(_ confirmation: Confirmation, party: Party, now: Int64) async throws {
        switch confirmation {
        case .badge(let scanned):
            guard let badge = party.badge, ScanTextBag.normalise(scanned) == ScanTextBag.normalise(badge) else {
                throw EngineError.confirmationFailed(attemptsLeft: settings.pinAttempts)
            }
        case .pin(let entered):
            let lockout = try await store.read { try $0.lockout(party: party.id) }
            if let until = lockout.lockedUntil, until > now { throw EngineError.lockedOut(until: until) }
            let matches = party.pin.map { pinHash($0) == pinHash(entered) } ?? false
            let failures = matches ? 0 : (lockout.lockedUntil != nil ? 0 : lockout.failures) + 1
            let lockedUntil = !matches && failures >= settings.pinAttempts ? now + Int64(settings.pinLockoutMinutes) * 60_000 : nil
            if !matches || lockout.failures > 0 || lockout.lockedUntil != nil {
                try await store.write { tx in try tx.setLockout(party: party.id, failures: failures, lockedUntil: lockedUntil) }
            }
            guard matches else {
                logger.warning("wrong handoff PIN", metadata: ["party": "\(party.id)", "failures": "\(failures)"])
                if let lockedUntil { throw EngineError.lockedOut(until: lockedUntil) }
                throw EngineError.confirmationFailed(attemptsLeft: settings.pinAttempts - failures)
            }
        case .station, .receiver:
            // Signed handoffs between stations are confirmed by documents, checked where they are imported.
            break
        }
    }

    /// PINs are compared as salted hashes of equal length, so timing tells nothing about how much matched.
    nonisolated func pinHash(_ pin: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(pin.utf8), using: SymmetricKey(data: pinSalt)))
    }

    public nonisolated func handoff(_ uid: String) async throws -> HandoffDetail {
        try await store.read { reader in
            guard let handoff = try reader.handoff(uid: uid) else { throw EngineError.handoffNotFound(uid) }
            return HandoffDetail(
                handoff: handoff, lines: try reader.lines(handoffID: handoff.id),
                discrepancies: try reader.discrepancies(handoffID: handoff.id))
        }
    }

    public nonisolated func handoffs(openOnly: Bool, limit: Int) async throws -> [HandoffRecord] {
        try await store.read { reader in openOnly ? try reader.openHandoffs() : try reader.handoffs(limit: limit) }
    }

    /// Open discrepancies across all handoffs, oldest first.
    public nonisolated func openDiscrepancies() async throws -> [DiscrepancyRecord] {
        try await store.read { try $0.discrepancies(handoffID: nil) }
    }

    public nonisolated func resolveDiscrepancy(_ id: Int64, resolution: DiscrepancyResolution, note: String?, by caller: Caller)
        async throws
        -> DiscrepancyRecord
    {
        let now = clock.nowMillis()
        let actor = caller.actor
        let resolved = try await store.write { tx in
            guard let discrepancy = try tx.discrepancy(id: id) else { throw EngineError.discrepancyNotFound(id) }
            guard discrepancy.resolution == nil else { throw EngineError.discrepancyResolved(id) }
            try tx.resolveDiscrepancy(id, resolution: resolution, at: now, by: actor, note: note)
            guard let resolved = try tx.discrepancy(id: id) else { throw EngineError.discrepancyNotFound(id) }
            try tx.appendStationEvent(
                name: StationEventName.discrepancyResolved, at: now,
                data: DiscrepancyEventData(
                    discrepancy: resolved.id, handoff: resolved.handoffUID, kind: resolved.kind.rawValue, tracking: resolved.tracking,
                    resolution: resolution.rawValue, actor: actor))
            return resolved
        }
        await publishStationEvents()
        return resolved
    }

    /// The station's public key (base64 raw Ed25519): what anyone needs to verify its receipts offline.
    public nonisolated var publicKey: String {
        ((try? Curve25519.Signing.PrivateKey(rawRepresentation: signingKeyData))?.publicKey.rawRepresentation.base64EncodedString()) ?? ""
    }

    /// Every receipt in issue order (the handoff ledger, 交接台账).
    public nonisolated func receipts() async throws -> [String] { try await store.read { try $0.receipts() } }

    static let signingKeyMeta = "station.signingKey"

    /// The key's raw bytes (a private key value is not Sendable; it is rebuilt where it signs).
    static func loadSigningKey(from store: ParcelStore) async throws -> Data {
        let raw = try await store.write { tx -> Data in
            if let existing = try tx.meta(signingKeyMeta) { return existing }
            let key = Curve25519.Signing.PrivateKey().rawRepresentation
            try tx.setMeta(signingKeyMeta, key)
            return key
        }
        _ = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        return raw
    }
}

extension StationEngine.Confirmation {
    var method: String {
        switch self {
        case .badge: "badge"
        case .pin: "pin"
        case .station: "station"
        case .receiver: "receiver"
        }
    }
}

extension JSONEncoder {
    /// How receipt documents are stored and exported: stable key order, readable.
    static let receipt: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()
}
