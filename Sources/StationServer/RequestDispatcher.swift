import Foundation
import Logging
import ParcelDomain
import ParcelStore
import StationEngine
import StationProtocol
import StrictJSON
import Synchronization

/// Per-connection state shared between the NIO handler and request tasks.
final class ConnectionState: Sendable {
    struct Values {
        var client = "unknown"
        var inFlight = 0
        var subscribed = false
        var inputClosed = false
        var scans: UInt64 = 0
    }

    let peer: PeerCredentials?
    let mayWrite: Bool
    private let values = Mutex(Values())

    init(peer: PeerCredentials?, mayWrite: Bool) {
        self.peer = peer
        self.mayWrite = mayWrite
    }

    var client: String { values.withLock { $0.client } }
    func setClient(_ name: String) { values.withLock { $0.client = name } }
    var isBusy: Bool { values.withLock { $0.inFlight > 0 || $0.subscribed } }
    func begin() { values.withLock { $0.inFlight += 1 } }
    /// Ends a request; true when the connection should now close (the client half-closed and nothing is left).
    func end() -> Bool {
        values.withLock { values in
            values.inFlight -= 1
            return values.inputClosed && values.inFlight == 0 && !values.subscribed
        }
    }
    /// Records the client's half-close; true when nothing is in progress, so the connection can close now.
    func closeInput() -> Bool {
        values.withLock { values in
            values.inputClosed = true
            return values.inFlight == 0 && !values.subscribed
        }
    }
    var isSubscribed: Bool { values.withLock { $0.subscribed } }
    func markSubscribed() { values.withLock { $0.subscribed = true } }
    /// Numbers `Scan.Submit` scans per connection, as a scanner numbers its own.
    func nextScanSequence() -> UInt64 {
        values.withLock { values in
            values.scans += 1
            return values.scans
        }
    }

    func caller(staff: String?) -> Caller {
        Caller(client: client, uid: peer?.uid, staff: staff?.isEmpty == false ? staff : nil)
    }
}

/// Turns one request line into one reply line. Knows the method table, parameter decoding, access checks and
/// the mapping to wire types; the engine does the work.
final class RequestDispatcher: Sendable {
    /// What to do after a request besides sending its reply.
    enum Outcome: Sendable {
        case reply([UInt8])
        /// Send the reply, then stream these events to this connection. The stream exists before the reply is
        /// sent, so nothing committed after the client's "subscribed" is missed.
        case subscribe([UInt8], AsyncStream<StationEvent>)
    }

    let engine: StationEngine
    let serverName: String
    let connections: @Sendable () -> Int
    let logger: Logger

    init(engine: StationEngine, serverName: String, logger: Logger, connections: @escaping @Sendable () -> Int) {
        self.engine = engine
        self.serverName = serverName
        self.logger = logger
        self.connections = connections
    }

    static let capabilities = ["events", "groupCommit", "phoneHash", "courierCandidates"]

    /// The request check: strict syntax, at most 32 levels, no control characters but tab, LF and CR in text.
    static let preflight = JSONPreflight()

    func handle(line: ByteBufferBytes, connection: ConnectionState) async -> Outcome {
        guard String(validating: line.bytes, as: UTF8.self) != nil else {
            return .reply(Self.errorLine(id: nil, WireError(.invalidUTF8, "the request is not valid UTF-8")))
        }
        let data = Data(line.bytes)
        // Nothing reaches Foundation's parser before this check: it crashes on deep nesting.
        var controlCharacter: JSONPreflightError?
        do {
            try Self.preflight.check(line.bytes)
        } catch .tooDeep(let limit, _) {
            return .reply(Self.errorLine(id: nil, WireError(.tooDeep, "the request nests arrays and objects deeper than \(limit) levels")))
        } catch .syntax(let offset, let expected) {
            return .reply(
                Self.errorLine(
                    id: nil,
                    WireError(
                        .malformed,
                        "a request is one JSON object per line: {\"id\":1,\"method\":\"…\",\"params\":{…}} (byte \(offset): expected \(expected))")))
        } catch {
            // Still read the head, so the refusal carries the request's id.
            controlCharacter = error
        }
        let decoder = JSONDecoder()
        let head: DispatchHead
        do {
            head = try decoder.decode(DispatchHead.self, from: data)
        } catch {
            let id = (try? decoder.decode(IDOnly.self, from: data))?.id
            let message =
                (try? JSONSerialization.jsonObject(with: data)) is [String: Any]
                ? "a request needs a string \"method\""
                : "a request is one JSON object per line: {\"id\":1,\"method\":\"…\",\"params\":{…}}"
            return .reply(Self.errorLine(id: id, WireError(.malformed, message)))
        }
        if let controlCharacter {
            return .reply(Self.errorLine(id: head.id, WireError(.controlCharacter, "\(controlCharacter)")))
        }
        guard let method = Method(rawValue: head.method) else {
            return .reply(Self.errorLine(id: head.id, WireError(.unknownMethod, "no method \"\(head.method.prefix(64))\"")))
        }
        if method.mutates && !connection.mayWrite {
            let who = connection.peer.map { "uid \($0.uid)" } ?? "this peer"
            return .reply(Self.errorLine(id: head.id, WireError(.accessDenied, "\(who) may read but not change records")))
        }
        do {
            switch method {
            case .hello:
                let params = try Self.params(HelloParams.self, data, decoder)
                guard params.protocol.major == ProtocolVersion.current.major else {
                    throw WireError(
                        .unsupportedVersion, "this server speaks protocol \(ProtocolVersion.current); client asked for \(params.protocol)")
                }
                if let client = params.client, !client.isEmpty { connection.setClient(String(client.prefix(64))) }
                let settings = engine.settings
                return .reply(
                    Self.replyLine(
                        id: head.id,
                        HelloResult(
                            protocol: .current, server: serverName,
                            station: StationInfo(id: settings.stationID, name: settings.stationName),
                            capabilities: Self.capabilities, methods: Method.allCases.map(\.rawValue),
                            access: connection.mayWrite ? "write" : "read")))

            case .status:
                let status = try await engine.status()
                let byState = Dictionary(uniqueKeysWithValues: ParcelState.allCases.map { ($0.rawValue, status.counts.byState[$0] ?? 0) })
                let active = ParcelState.active.reduce(0) { $0 + (status.counts.byState[$1] ?? 0) }
                return .reply(
                    Self.replyLine(
                        id: head.id,
                        StatusResult(
                            station: StationInfo(id: status.settings.stationID, name: status.settings.stationName), protocol: .current,
                            startedAt: WireMapping.timestamp(status.startedAt), now: WireMapping.timestamp(status.now), parcels: byState,
                            active: active, overdue: status.overdue, events: status.counts.events,
                            lastEventAt: status.counts.lastEventAt.map(WireMapping.timestamp), connections: connections(),
                            subscribers: status.subscribers, database: status.databasePath, holdHours: status.settings.holdHours,
                            codeCooldownHours: status.settings.codeCooldownHours, publicKey: engine.publicKey,
                            backup: (await engine.backupSource.current?.report()).map(WireMapping.backup) ?? BackupStatus(configured: false))))

            case .intake:
                let params = try head.intakeParams ?? Self.params(IntakeParams.self, data, decoder)
                let outcome = try await engine.intake(
                    .init(scan: params.tracking, phone: params.phone, phoneTail: params.phoneTail, courier: params.courier),
                    by: connection.caller(staff: params.staff))
                return .reply(
                    Self.replyLine(
                        id: head.id, ParcelResult(parcel: WireMapping.parcel(outcome.parcel, engine: engine), repeat: outcome.isRepeat)))

            case .get:
                let params = try Self.params(GetParams.self, data, decoder)
                let (parcel, events) = try await engine.parcel(scan: params.tracking)
                return .reply(
                    Self.replyLine(
                        id: head.id, GetResult(parcel: WireMapping.parcel(parcel, engine: engine), events: events.map(WireMapping.event))))

            case .search:
                let params = try Self.params(SearchParams.self, data, decoder)
                var query = ParcelQuery(activeOnly: params.active ?? false, limit: params.limit ?? 100)
                if let tracking = params.tracking, !tracking.isEmpty { query.tracking = try ScanText(raw: tracking).text }
                if let code = params.code, !code.isEmpty { query.pickupCode = try PickupCode(parsing: code) }
                if let tail = params.phoneTail, !tail.isEmpty { query.phoneTail = try PhoneNumber.validateTail(tail) }
                if let states = params.states {
                    query.states = try states.map { name in
                        guard let state = ParcelState(rawValue: name) else {
                            throw WireError(
                                .invalidParams,
                                "states: \"\(name.prefix(32))\" is not one of \(ParcelState.allCases.map(\.rawValue).joined(separator: ", "))"
                            )
                        }
                        return state
                    }
                }
                guard (1...1000).contains(query.limit) else { throw WireError(.invalidParams, "limit: between 1 and 1000") }
                let parcels = try await engine.search(query)
                return .reply(Self.replyLine(id: head.id, ParcelsResult(parcels: parcels.map { WireMapping.parcel($0, engine: engine) })))

            case .returnParcel:
                let params = try Self.params(ReturnParams.self, data, decoder)
                let parcel = try await engine.returnParcel(
                    scan: params.tracking, reason: params.reason, handedOver: params.handedOver ?? false,
                    by: connection.caller(staff: params.staff))
                return .reply(Self.replyLine(id: head.id, ParcelResult(parcel: WireMapping.parcel(parcel, engine: engine), repeat: false)))

            case .undo:
                let params = try Self.params(UndoParams.self, data, decoder)
                guard let step = StationEngine.UndoStep(rawValue: params.step) else {
                    throw WireError(.invalidParams, "step: intake or pickup")
                }
                let parcel = try await engine.undo(step, scan: params.tracking, reason: params.reason, by: connection.caller(staff: params.staff))
                return .reply(Self.replyLine(id: head.id, ParcelResult(parcel: WireMapping.parcel(parcel, engine: engine), repeat: false)))

            case .verifyPickup:
                let params = try Self.params(VerifyParams.self, data, decoder)
                let credential = try StationEngine.Credential.from(code: params.code, phoneTail: params.phoneTail, phone: params.phone)
                if let counter = params.counter, counter.isEmpty || counter.count > 32 {
                    throw WireError(.invalidParams, "counter: a counter name of 1 to 32 characters")
                }
                let parcels = try await engine.verifyPickup(credential, atCounter: params.counter, by: connection.caller(staff: nil))
                return .reply(Self.replyLine(id: head.id, ParcelsResult(parcels: parcels.map { WireMapping.parcel($0, engine: engine) })))

            case .confirmPickup:
                let params = try Self.params(ConfirmParams.self, data, decoder)
                let credential = try StationEngine.Credential.from(code: params.code, phoneTail: params.phoneTail, phone: params.phone)
                let (pickupID, parcels) = try await engine.confirmPickup(
                    .init(trackings: params.trackings, credential: credential, collector: params.collector),
                    by: connection.caller(staff: params.staff))
                return .reply(
                    Self.replyLine(
                        id: head.id,
                        ConfirmResult(
                            pickupId: pickupID, at: parcels.first.flatMap { $0.releasedAt.map(WireMapping.timestamp) } ?? "",
                            parcels: parcels.map { WireMapping.parcel($0, engine: engine) })))

            case .backlog:
                let params = try Self.params(BacklogParams.self, data, decoder)
                let overview = try await engine.backlogOverview(olderThanHours: params.olderThanHours ?? 0)
                return .reply(Self.replyLine(id: head.id, WireMapping.backlog(overview, engine: engine)))

            case .dailyReport:
                let params = try Self.params(DailyReportParams.self, data, decoder)
                let report = try await engine.dailyReport(date: params.date)
                return .reply(Self.replyLine(id: head.id, WireMapping.periodReport(report, engine: engine)))

            case .monthlyReport:
                let params = try Self.params(MonthlyReportParams.self, data, decoder)
                let report = try await engine.monthlyReport(month: params.month)
                return .reply(Self.replyLine(id: head.id, WireMapping.periodReport(report, engine: engine)))

            case .handoffLedger:
                let params = try Self.params(HandoffLedgerParams.self, data, decoder)
                let report = try await engine.handoffLedger(from: params.from, to: params.to)
                return .reply(Self.replyLine(id: head.id, WireMapping.handoffLedger(report, engine: engine)))

            case .subscribe:
                _ = try Self.params(NoParams.self, data, decoder)
                let reply = Self.replyLine(id: head.id, SubscribeResult(events: EventName.all))
                // Subscribing twice on one connection keeps the one stream it has.
                guard !connection.isSubscribed else { return .reply(reply) }
                let stream = try await engine.subscribe()
                connection.markSubscribed()
                return .subscribe(reply, stream)

            case .scanners:
                _ = try Self.params(NoParams.self, data, decoder)
                return .reply(Self.replyLine(id: head.id, ScannersResult(scanners: engine.scanners().map(WireMapping.scanner))))

            case .setScannerRole:
                let params = try Self.params(SetRoleParams.self, data, decoder)
                let role = try params.role.map { name in
                    guard let role = ScannerRole(rawValue: name) else {
                        throw WireError(
                            .invalidParams, "role: one of \(ScannerRole.allCases.map(\.rawValue).joined(separator: ", ")), or null")
                    }
                    return role
                }
                try await engine.setScannerRole(params.scanner, role: role)
                let status = engine.scanners().first { $0.descriptor.id == params.scanner }
                return .reply(Self.replyLine(id: head.id, ScannersResult(scanners: status.map { [WireMapping.scanner($0)] } ?? [])))

            case .submitScan:
                let params = try Self.params(SubmitScanParams.self, data, decoder)
                guard params.text.utf8.count <= 4096 else { throw WireError(.invalidParams, "text: at most 4096 bytes") }
                let id = params.scanner ?? "socket:\(connection.client)"
                guard !id.isEmpty, id.count <= 128 else { throw WireError(.invalidParams, "scanner: 1 to 128 characters") }
                let outcome = await engine.handleScan(
                    ScanInput(
                        scanner: ScannerDescriptor(id: id, source: "socket"), text: params.text, symbology: params.symbology,
                        sequence: connection.nextScanSequence(), monotonicNanos: DispatchTime.now().uptimeNanoseconds))
                return .reply(Self.replyLine(id: head.id, WireMapping.scanOutcome(outcome, engine: engine)))

            case .openHandoff:
                let params = try Self.params(HandoffOpenParams.self, data, decoder)
                let request = StationEngine.OpenHandoffRequest(
                    direction: try Self.choice(params.direction, "direction", HandoffDirection.self),
                    kind: try Self.choice(params.kind, "kind", HandoffKind.self), party: params.party, node: params.node,
                    nodeTier: try params.nodeTier.map { try Self.choice($0, "nodeTier", NodeTier.self) }, vehicle: params.vehicle,
                    counter: params.counter)
                let handoff = try await engine.openHandoff(request, by: connection.caller(staff: nil))
                return .reply(Self.replyLine(id: head.id, WireMapping.handoffDetail(try await engine.handoff(handoff.uid))))

            case .importManifest:
                let params = try Self.params(HandoffImportParams.self, data, decoder)
                let detail = try await engine.importManifest(
                    handoff: params.handoff, data: Data(params.content.utf8), format: try Self.choice(params.format, "format", Manifest.Format.self))
                return .reply(Self.replyLine(id: head.id, WireMapping.handoffDetail(detail)))

            case .scanHandoff:
                let params = try Self.params(HandoffScanParams.self, data, decoder)
                let scan = try await engine.scanIntoHandoff(
                    params.handoff, scan: params.text, damaged: params.damaged ?? false, note: params.note, photo: params.photo,
                    by: connection.caller(staff: params.staff))
                return .reply(Self.replyLine(id: head.id, WireMapping.handoffScan(scan, engine: engine)))

            case .closeHandoff:
                let params = try Self.params(HandoffCloseParams.self, data, decoder)
                let confirmation: StationEngine.Confirmation
                switch (params.badge, params.pin) {
                case (let badge?, nil) where !badge.isEmpty: confirmation = .badge(badge)
                case (nil, let pin?) where !pin.isEmpty: confirmation = .pin(pin)
                default: throw WireError(.invalidParams, "give exactly one of badge or pin")
                }
                _ = try await engine.closeHandoff(params.handoff, confirmation: confirmation, by: connection.caller(staff: params.staff))
                return .reply(Self.replyLine(id: head.id, WireMapping.handoffDetail(try await engine.handoff(params.handoff))))

            case .getHandoff:
                let params = try Self.params(HandoffRefParams.self, data, decoder)
                return .reply(Self.replyLine(id: head.id, WireMapping.handoffDetail(try await engine.handoff(params.handoff))))

            case .listHandoffs:
                let params = try Self.params(HandoffListParams.self, data, decoder)
                let limit = params.limit ?? 100
                guard (1...1000).contains(limit) else { throw WireError(.invalidParams, "limit: between 1 and 1000") }
                let handoffs = try await engine.handoffs(openOnly: params.open ?? false, limit: limit)
                return .reply(Self.replyLine(id: head.id, HandoffsResult(handoffs: handoffs.map(WireMapping.handoff))))

            case .discrepancies:
                _ = try Self.params(NoParams.self, data, decoder)
                let open = try await engine.openDiscrepancies()
                return .reply(Self.replyLine(id: head.id, DiscrepanciesResult(discrepancies: open.map(WireMapping.discrepancy))))

            case .resolveDiscrepancy:
                let params = try Self.params(ResolveParams.self, data, decoder)
                let resolved = try await engine.resolveDiscrepancy(
                    params.id, resolution: try Self.choice(params.resolution, "resolution", DiscrepancyResolution.self), note: params.note,
                    by: connection.caller(staff: params.staff))
                return .reply(Self.replyLine(id: head.id, WireMapping.discrepancy(resolved)))

            case .decodeLabel:
                let params = try Self.params(LabelDecodeParams.self, data, decoder)
                var bytes: [UInt8]? = nil
                switch (params.path, params.data) {
                case (let path?, nil):
                    guard path.hasPrefix("/") else { throw WireError(.invalidParams, "path: an absolute path") }
                    // Read for the peer: only a file it may read itself (without credentials, none).
                    guard connection.peer != nil else {
                        throw WireError(.imageAccessDenied, "this connection has no peer credentials: send the image bytes inline")
                    }
                case (nil, let base64?):
                    guard let decoded = Data(base64Encoded: base64, options: .ignoreUnknownCharacters) else {
                        throw WireError(.invalidParams, "data: base64 image bytes")
                    }
                    bytes = [UInt8](decoded)
                default: throw WireError(.invalidParams, "give exactly one of path or data")
                }
                let id = params.scanner ?? "photo:\(connection.client)"
                guard !id.isEmpty, id.count <= 128 else { throw WireError(.invalidParams, "scanner: 1 to 128 characters") }
                let (reading, outcome) = try await engine.decodeLabel(
                    path: params.path, bytes: bytes, act: params.act ?? false, scanner: ScannerDescriptor(id: id, source: "photo"),
                    requester: connection.peer.map { PhotoRequester(pid: $0.pid, uid: $0.uid, gid: $0.gid) })
                return .reply(Self.replyLine(id: head.id, WireMapping.label(reading, scan: outcome, engine: engine)))

            case .verifyAudit:
                _ = try Self.params(NoParams.self, data, decoder)
                let result = try await engine.verifyCustodyLog()
                return .reply(
                    Self.replyLine(
                        id: head.id,
                        AuditResult(
                            events: result.events, valid: result.firstBroken == nil, head: result.head,
                            firstBroken: result.firstBroken.map { .init(seq: $0.id, uid: $0.uid) })))

            case .startStocktake:
                let params = try Self.params(StocktakeStartParams.self, data, decoder)
                let record = try await engine.startStocktake(shelf: params.shelf, counter: params.counter, by: connection.caller(staff: nil))
                return .reply(
                    Self.replyLine(
                        id: head.id,
                        StocktakeDTO(
                            id: record.uid, shelf: record.shelf, counter: record.counter, state: "open",
                            startedAt: WireMapping.timestamp(record.startedAt))))

            case .scanStocktake:
                let params = try Self.params(StocktakeScanParams.self, data, decoder)
                let scan = try await engine.scanStocktake(params.stocktake, scan: params.text)
                return .reply(
                    Self.replyLine(
                        id: head.id,
                        StocktakeScanResult(
                            result: scan.result.rawValue, stocktake: scan.stocktake, parcel: scan.parcel.map { WireMapping.parcel($0, engine: engine) },
                            scanned: scan.scanned)))

            case .closeStocktake:
                let params = try Self.params(StocktakeRefParams.self, data, decoder)
                return .reply(Self.replyLine(id: head.id, WireMapping.stocktakeReport(try await engine.closeStocktake(params.stocktake))))

            case .getStocktake:
                let params = try Self.params(StocktakeRefParams.self, data, decoder)
                return .reply(Self.replyLine(id: head.id, WireMapping.stocktakeReport(try await engine.stocktakeReport(params.stocktake))))

            case .recordComplaint:
                let params = try Self.params(ComplaintParams.self, data, decoder)
                let subject: StationEngine.ComplaintSubject
                switch (params.tracking, params.handoff) {
                case (let tracking?, nil): subject = .parcel(tracking)
                case (nil, let handoff?): subject = .handoff(handoff)
                default: throw WireError(.invalidParams, "give exactly one of tracking or handoff")
                }
                let record = try await engine.recordComplaint(
                    about: subject, text: params.text, source: params.source, by: connection.caller(staff: params.staff))
                return .reply(Self.replyLine(id: head.id, WireMapping.complaint(record)))

            case .resolveComplaint:
                let params = try Self.params(ComplaintResolveParams.self, data, decoder)
                let record = try await engine.resolveComplaint(params.id, resolution: params.resolution, by: connection.caller(staff: params.staff))
                return .reply(Self.replyLine(id: head.id, WireMapping.complaint(record)))

            case .complaints:
                let params = try Self.params(HandoffListParams.self, data, decoder)
                let limit = params.limit ?? 100
                guard (1...1000).contains(limit) else { throw WireError(.invalidParams, "limit: between 1 and 1000") }
                let list = try await engine.complaints(openOnly: params.open ?? false, limit: limit)
                return .reply(Self.replyLine(id: head.id, ComplaintsResult(complaints: list.map(WireMapping.complaint))))

            case .acceptOutgoing:
                let params = try Self.params(OutgoingParams.self, data, decoder)
                let record = try await engine.acceptOutgoing(
                    .init(
                        waybill: params.waybill, courier: params.courier, destination: params.destination, weightGrams: params.weightGrams,
                        feeFen: params.feeFen, produce: params.produce ?? false, senderPhone: params.senderPhone, senderTail: params.senderTail,
                        idChecked: params.idChecked ?? false), by: connection.caller(staff: params.staff))
                return .reply(Self.replyLine(id: head.id, WireMapping.outgoing(record)))

            case .listOutgoing:
                let params = try Self.params(HandoffListParams.self, data, decoder)
                let limit = params.limit ?? 100
                guard (1...1000).contains(limit) else { throw WireError(.invalidParams, "limit: between 1 and 1000") }
                let list = try await engine.outgoing(waitingOnly: params.open ?? false, limit: limit)
                return .reply(Self.replyLine(id: head.id, OutgoingListResult(outgoing: list.map(WireMapping.outgoing))))

            case .notices:
                let params = try Self.params(GetParams.self, data, decoder)
                let history = try await engine.notices(scan: params.tracking)
                return .reply(Self.replyLine(id: head.id, NoticesResult(notices: history.map(WireMapping.notice))))

            case .syncStatus:
                _ = try Self.params(NoParams.self, data, decoder)
                return .reply(Self.replyLine(id: head.id, WireMapping.sync(try await engine.syncStatus())))

            case .backupNow:
                _ = try Self.params(NoParams.self, data, decoder)
                let written = try await WireMapping.backupPort(engine).backupNow()
                return .reply(Self.replyLine(id: head.id, WireMapping.backupWritten(written)))

            case .backupList:
                _ = try Self.params(NoParams.self, data, decoder)
                guard let port = engine.backupSource.current else {
                    return .reply(Self.replyLine(id: head.id, BackupListResult(status: BackupStatus(configured: false), backups: [])))
                }
                let backups = try await port.list()
                return .reply(
                    Self.replyLine(
                        id: head.id, BackupListResult(status: WireMapping.backup(await port.report()), backups: backups.map(WireMapping.backupEntry))))

            case .receipts:
                _ = try Self.params(NoParams.self, data, decoder)
                let documents = try await engine.receipts()
                return .reply(
                    Self.replyLine(
                        id: head.id, ReceiptsResult(publicKey: engine.publicKey, receipts: documents.compactMap(WireMapping.receipt))))
            }
        } catch {
            let wire = WireMapping.wireError(error)
            // The client only hears "see the daemon's log": the log must then say what happened.
            if wire.code == .internal || wire.code == .storeUnavailable {
                logger.error("\(method.rawValue) failed: \(error)")
            }
            return .reply(Self.errorLine(id: head.id, wire))
        }
    }

    /// A string parameter that must name one of an enum's cases.
    static func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ name: String, _ type: T.Type) throws -> T
    where T.RawValue == String {
        guard let parsed = T(rawValue: value) else {
            throw WireError(.invalidParams, "\(name): one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return parsed
    }

    // MARK: Encoding

    struct IDOnly: Decodable { let id: RequestID? }

    private struct ParamsOnly<P: Decodable>: Decodable { let params: P? }

    /// Decodes `params`; a missing `params` is read as `{}` so methods whose parameters are all optional can be
    /// called as `{"id":1,"method":"Station.Status"}`.
    static func params<P: Decodable>(_ type: P.Type, _ data: Data, _ decoder: JSONDecoder) throws -> P {
        if let params = try decoder.decode(ParamsOnly<P>.self, from: data).params { return params }
        do {
            return try decoder.decode(P.self, from: Data("{}".utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw WireError(.invalidParams, "params.\(key.stringValue): required")
        }
    }

    /// One encoder for every reply (JSONEncoder is thread-safe once configured). Keys are not sorted: order
    /// carries no meaning in JSON and sorting costs on every reply.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func replyLine<R: Codable & Sendable>(id: RequestID?, _ result: R) -> [UInt8] {
        line(Reply(id: id, result: result))
    }

    /// The scan reply, the daemon's most frequent, is written without JSONEncoder.
    static func replyLine(id: RequestID?, _ result: ParcelResult) -> [UInt8] {
        ParcelReplyWriter.line(id: id, result)
    }

    static func replyLine(id: RequestID?, _ result: HandoffScanResult) -> [UInt8] {
        ParcelReplyWriter.line(id: id, result)
    }

    static func errorLine(id: RequestID?, _ error: WireError) -> [UInt8] {
        line(ErrorReply(id: id, error: error))
    }

    static func line<T: Encodable>(_ value: T) -> [UInt8] {
        do {
            var bytes = [UInt8](try encoder.encode(value))
            bytes.append(UInt8(ascii: "\n"))
            return bytes
        } catch {
            return Array(#"{"error":{"code":"internal","message":"could not encode the reply"},"id":null}"#.utf8) + [10]
        }
    }

    /// An event line for subscribers.
    static func eventLine(_ event: StationEvent, engine: StationEngine) -> [UInt8] {
        switch event {
        case .ledger(let event, let parcel):
            let name: String
            switch event.kind {
            case .intake: name = EventName.intake
            case .pickUp: name = EventName.pickup
            default: name = EventName.stateChanged
            }
            return line(
                EventMessage(
                    event: name, data: ParcelEventData(event: WireMapping.event(event), parcel: WireMapping.parcel(parcel, engine: engine))))
        case .scan(let outcome):
            return line(EventMessage(event: EventName.scan, data: WireMapping.scanOutcome(outcome, engine: engine)))
        case .scanner(.attached(let status)):
            return line(EventMessage(event: EventName.scannerAttached, data: ScannerEventData(scanner: WireMapping.scanner(status))))
        case .scanner(.detached(let status)):
            return line(EventMessage(event: EventName.scannerDetached, data: ScannerEventData(scanner: WireMapping.scanner(status))))
        case .scanner(.partialDropped(let status, let bytes)):
            return line(
                EventMessage(
                    event: EventName.scannerPartialDropped, data: ScannerEventData(scanner: WireMapping.scanner(status), droppedBytes: bytes)))
        }
    }
}

/// The bytes of one request line, copied out of NIO's buffer so the request task owns them.
struct ByteBufferBytes: Sendable {
    let bytes: [UInt8]
}

/// The request head as the dispatcher reads it: `RequestHead`'s id and method, and for `Parcel.Intake`, the
/// most frequent request, its params from the same parse (JSONDecoder parsing every scan twice was a twentieth
/// of the daemon's work per scan). Params that do not decode are left nil, and the method's usual decoding
/// then reports what is wrong with them.
struct DispatchHead: Decodable {
    let id: RequestID?
    let method: String
    let intakeParams: IntakeParams?

    enum CodingKeys: String, CodingKey { case id, method, params }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(RequestID.self, forKey: .id)
        method = try container.decode(String.self, forKey: .method)
        intakeParams = method == Method.intake.rawValue ? try? container.decodeIfPresent(IntakeParams.self, forKey: .params) : nil
    }
}
