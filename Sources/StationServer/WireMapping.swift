import Foundation
import ParcelDomain
import ParcelStore
import StationEngine
import StationProtocol
import StationReceipts
import StrictJSON

/// Maps domain and store values to wire DTOs, and every internal error to the closed error vocabulary.
/// This is the only place the two vocabularies meet (dependency rule 4).
enum WireMapping {
    static func timestamp(_ millis: Int64) -> String {
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let ms = Int32(millis % 1000)
        // Digits written into one buffer: a replay formats tens of thousands of these, and building the text from
        // padded pieces cost more than the rest of an event line.
        let year = parts.tm_year + 1900
        guard (0...9999).contains(year), ms >= 0 else {
            func pad(_ value: Int32, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            return "\(pad(year, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
                + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(ms, 3))Z"
        }
        return String(unsafeUninitializedCapacity: 24) { buffer in
            func put(_ value: Int32, _ width: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            put(parts.tm_mon + 1, 2, at: 5)
            put(parts.tm_mday, 2, at: 8)
            put(parts.tm_hour, 2, at: 11)
            put(parts.tm_min, 2, at: 14)
            put(parts.tm_sec, 2, at: 17)
            put(ms, 3, at: 20)
            for (offset, byte) in [(4, "-"), (7, "-"), (10, "T"), (13, ":"), (16, ":"), (19, "."), (23, "Z")] as [(Int, Unicode.Scalar)] {
                buffer[offset] = UInt8(ascii: byte)
            }
            return 24
        }
    }

    static func parcel(_ record: ParcelRecord, engine: StationEngine) -> ParcelDTO {
        var dto = ParcelDTO(
            tracking: record.tracking, rawScan: record.rawScan, state: record.state.rawValue,
            pickupCode: record.pickupCode?.description, courier: record.courier,
            couriers: record.candidates.map { CourierDTO(code: $0.code, name: $0.name, reason: $0.reason) },
            phoneTail: record.phoneTail, receivedAt: timestamp(record.receivedAt), shelvedAt: record.shelvedAt.map(timestamp),
            releasedAt: record.releasedAt.map(timestamp), overdue: engine.isOverdue(record), notices: record.notices)
        if let station = record.relayTo {
            dto.relayTo = station
            dto.relayName = engine.relayName(station)
        }
        return dto
    }

    static func event(_ event: ParcelEvent) -> EventDTO {
        EventDTO(
            seq: event.id, uid: event.uid, kind: event.kind.rawValue, from: event.fromState?.rawValue, to: event.toState.rawValue,
            at: timestamp(event.at), actor: event.actor, details: event.details)
    }

    static let bucketLabels = ["<24h", "1-2d", "2-3d", "3-7d", ">7d"]

    static func handoff(_ record: HandoffRecord) -> HandoffDTO {
        var dto = HandoffDTO(
            id: record.uid, direction: record.direction.rawValue, kind: record.kind.rawValue, party: record.party,
            partyName: record.partyName, company: record.company, node: record.node, nodeTier: record.nodeTier?.rawValue,
            vehicle: record.vehicle, counter: record.counter, state: record.isOpen ? "open" : "closed",
            openedAt: timestamp(record.openedAt), openedBy: record.openedBy, closedAt: record.closedAt.map(timestamp),
            confirmedBy: record.confirmedBy, receiptSeq: record.receiptSeq, receiptDigest: record.receiptDigest)
        dto.manifestDigest = record.manifestDigest
        return dto
    }

    static func line(_ line: HandoffLineRecord) -> HandoffLineDTO {
        HandoffLineDTO(
            tracking: line.tracking, courier: line.courier, bag: line.bag, destination: line.destination, manifestLine: line.manifestLine,
            expected: line.expected, status: line.status.rawValue, scannedAt: line.scannedAt.map(timestamp), note: line.note,
            photo: line.photo)
    }

    static func discrepancy(_ record: DiscrepancyRecord) -> DiscrepancyDTO {
        DiscrepancyDTO(
            id: record.id, handoff: record.handoffUID, tracking: record.tracking, kind: record.kind.rawValue,
            openedAt: timestamp(record.openedAt),
            resolution: record.resolution?.rawValue, resolvedAt: record.resolvedAt.map(timestamp), resolvedBy: record.resolvedBy,
            note: record.note)
    }

    /// A stored receipt document as its wire object (nil if the text is not one).
    static func receipt(_ document: String?) -> ReceiptDTO? {
        document.flatMap { try? StrictJSONDecoder.ownOutput.decode(ReceiptDTO.self, from: Data($0.utf8)) }
    }

    static func document(_ signed: SignedReceipt) -> ReceiptDTO {
        ReceiptDTO(body: signed.body, digest: signed.digest, signature: signed.signature, publicKey: signed.publicKey)
    }

    static func signed(_ document: ReceiptDTO) -> SignedReceipt {
        SignedReceipt(body: document.body, digest: document.digest, signature: document.signature, publicKey: document.publicKey)
    }

    static func handoffDetail(_ detail: StationEngine.HandoffDetail) -> HandoffResult {
        HandoffResult(
            handoff: handoff(detail.handoff), lines: detail.lines.map(line),
            discrepancies: detail.discrepancies.map(discrepancy), receipt: receipt(detail.handoff.receipt))
    }

    static func handoffScan(_ scan: StationEngine.HandoffScan, engine: StationEngine) -> HandoffScanResult {
        HandoffScanResult(
            result: scan.result.rawValue, handoff: scan.handoff.uid, line: scan.line.map(line),
            parcel: scan.parcel.map { parcel($0, engine: engine) }, bagLines: scan.bagLines, remaining: scan.remaining)
    }

    static func label(_ reading: LabelReading, scan: ScanOutcome?, engine: StationEngine) -> LabelDecodeResult {
        LabelDecodeResult(
            format: reading.format, width: reading.width, height: reading.height,
            symbols: reading.symbols.map {
                LabelSymbolDTO(text: $0.text, symbology: $0.symbology, pass: $0.pass, box: $0.box)
            },
            waybill: reading.waybill.map {
                WaybillDTO(number: $0.number, courier: $0.courier, confirmed: $0.confirmed, evidence: $0.evidence)
            },
            scan: scan.map { scanOutcome($0, engine: engine) }, phoneTail: reading.phoneTail?.tail,
            phoneTailUncertain: reading.phoneTail.map { $0.tail == nil ? true : nil } ?? nil,
            phoneTailConfidence: reading.phoneTail.map { ($0.confidence * 10).rounded() / 10 })
    }

    static func stocktakeReport(_ report: StocktakeReport) -> StocktakeReportDTO {
        func items(_ list: [StocktakeReport.Item]) -> [StocktakeReportDTO.Item] {
            list.map { .init(tracking: $0.tracking, pickupCode: $0.pickupCode, state: $0.state, shelvedAt: $0.shelvedAt) }
        }
        return StocktakeReportDTO(
            stocktake: report.stocktake, shelf: report.shelf, startedAt: report.startedAt, closedAt: report.closedAt,
            scanned: report.scanned,
            found: items(report.found), misplaced: items(report.misplaced), unknown: items(report.unknown), missing: items(report.missing),
            longStay: items(report.longStay))
    }

    /// The status as it is, except `lastError`: its safe sentence (PostgreSQL's text is in the daemon's log).
    static func sync(_ status: SyncStatus) -> SyncStatusResult {
        SyncStatusResult(
            configured: status.configured, target: status.target, state: status.state.rawValue, acknowledged: status.acknowledged,
            head: status.head, pending: status.pending, oldestPendingAt: status.oldestPendingAt.map(timestamp),
            lastUploadAt: status.lastUploadAt.map(timestamp), lastAttemptAt: status.lastAttemptAt.map(timestamp),
            lastError: status.lastError?.message, lastErrorAt: status.lastErrorAt.map(timestamp),
            nextAttemptAt: status.nextAttemptAt.map(timestamp),
            uploaded: status.uploaded, waitingOn: status.waitingOn?.rawValue, waitingSince: status.waitingSince.map(timestamp),
            waitingUntil: status.waitingUntil.map(timestamp), lastErrorKind: status.lastError?.rawValue)
    }

    static func notice(_ history: StationEngine.NoticeHistory) -> NoticeDTO {
        let row = history.notice
        // The stored message is the notice module's JSON; only its text is shown (never the phone number).
        let text = (try? StrictJSONDecoder.ownOutput.jsonObject(with: Data(row.message.utf8)) as? [String: Any])?["text"] as? String
        return NoticeDTO(
            key: row.key, status: row.status, text: text, queuedAt: timestamp(row.queuedAt), nextAttemptAt: timestamp(row.nextAttemptAt),
            lastReason: row.lastReason,
            attempts: history.attempts.map { attempt in
                // Stored by the daemon's notice queue as {"result", "reason"}.
                let outcome = attempt.outcome.flatMap { try? StrictJSONDecoder.ownOutput.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                return NoticeAttemptDTO(
                    number: attempt.number, startedAt: timestamp(attempt.startedAt), finishedAt: attempt.finishedAt.map(timestamp),
                    result: outcome?["result"] as? String, reason: outcome?["reason"] as? String)
            })
    }

    static func outgoing(_ record: OutgoingRecord) -> OutgoingDTO {
        OutgoingDTO(
            waybill: record.waybill, courier: record.courier, produce: record.produce, senderTail: record.senderTail,
            idChecked: record.idChecked,
            destination: record.destination, weightGrams: record.weightGrams, feeFen: record.feeFen,
            state: record.handedOver ? "handedOver" : "waiting", acceptedAt: timestamp(record.acceptedAt), acceptedBy: record.acceptedBy,
            handedAt: record.handedAt.map(timestamp))
    }

    static func complaint(_ record: ComplaintRecord) -> ComplaintDTO {
        ComplaintDTO(
            id: record.id, tracking: record.tracking, handoff: record.handoff, text: record.text, source: record.source,
            at: timestamp(record.at), recordedBy: record.recordedBy, resolution: record.resolution,
            resolvedAt: record.resolvedAt.map(timestamp),
            resolvedBy: record.resolvedBy)
    }

    static func problem(_ record: ProblemRecord) -> ProblemDTO {
        ProblemDTO(
            id: record.id, tracking: record.tracking, kind: record.kind.rawValue, label: record.kind.label, note: record.note,
            photo: record.photo, source: record.source, openedAt: timestamp(record.openedAt), openedBy: record.openedBy,
            resolution: record.resolution?.rawValue, resolutionNote: record.resolutionNote, resolvedAt: record.resolvedAt.map(timestamp),
            resolvedBy: record.resolvedBy)
    }

    static func scanner(_ status: ScannerStatus) -> ScannerDTO {
        let descriptor = status.descriptor
        let usb = descriptor.vendorID.flatMap { vendor in
            descriptor.productID.map { String(format: "%04x:%04x", vendor, $0) }
        }
        return ScannerDTO(
            id: descriptor.id, source: descriptor.source, usb: usb, serial: descriptor.serial, port: descriptor.port,
            product: descriptor.product, name: status.name, attached: status.attached, role: status.role.rawValue,
            roleSource: status.roleSource.rawValue, counter: status.counter, lastSeen: status.lastSeen.map(timestamp), scans: status.scans,
            duplicates: status.duplicates, rejected: status.rejected, lastResult: status.lastResult?.rawValue,
            latencyMs: status.latency.map { .init(p50: $0.p50, p99: $0.p99, samples: $0.samples) })
    }

    static func scanOutcome(_ outcome: ScanOutcome, engine: StationEngine) -> ScanOutcomeDTO {
        let error = outcome.error.map(wireError)
        return ScanOutcomeDTO(
            scanner: outcome.scanner, role: outcome.role.rawValue, counter: outcome.counter, result: outcome.result.rawValue,
            message: displayLine(outcome, error: error), text: outcome.text, symbology: outcome.symbology, sequence: outcome.sequence,
            at: timestamp(outcome.at), parcel: outcome.parcel.map { parcel($0, engine: engine) }, error: error,
            remaining: outcome.remaining, handoff: outcome.handoff, handoffResult: outcome.handoffResult, stocktake: outcome.stocktake,
            stocktakeResult: outcome.stocktakeResult)
    }

    /// The counter display's line for a scan, in Chinese: what happened and, when something is wrong, what to do.
    static func displayLine(_ outcome: ScanOutcome, error: WireError?) -> String {
        let code = outcome.parcel?.pickupCode?.description ?? ""
        switch outcome.result {
        case .intake where outcome.relayName != nil: return "中转 → \(outcome.relayName ?? "")（不上架，放入中转区）"
        case .repeatIntake where outcome.relayName != nil: return "已在中转区 → \(outcome.relayName ?? "")（重复扫描）"
        case .intake: return "入库成功 取件码 \(code)"
        case .repeatIntake: return "已在站内 取件码 \(code)（重复扫描，未重复入库）"
        case .pickedUp:
            let left = outcome.remaining ?? 0
            return left > 0 ? "已取件 \(code)，该取件人还有 \(left) 件" : "已取件 \(code)，该取件人的包裹已全部取走"
        case .verifyFirst: return "请先核验取件码或手机尾号，再扫描包裹"
        case .notThisRecipient: return "不是当前取件人的包裹，请勿交付"
        case .roleChanged: return "扫描枪已切换为：\(outcome.role.label)"
        case .forceArmed: return "强制入库：请在 \(CommandBarcode.forceWindowSeconds) 秒内扫描该包裹，将记录为强制入库"
        case .duplicate: return "重复扫描，已忽略"
        case .rejected:
            if case .notAParcel(let kind, _)? = outcome.error as? DomainError { return kind.displayLine }
            return "无法识别的条码，请重新扫描" + (error.map { "（\($0.message)）" } ?? "")
        case .failed: return "未能处理" + (error.map { "：\($0.message)" } ?? "")
        case .ignored: return "扫描枪已停用，扫描未处理"
        case .handoff:
            let left = outcome.remaining.map { "，清单还剩 \($0) 件" } ?? ""
            switch outcome.handoffResult {
            case "extra": return "多发：不在交接清单上，已登记" + (code.isEmpty ? "" : " 取件码 \(code)") + left
            case "relayed": return "中转 → \(outcome.relayName ?? "?")（不上架，放入中转区）" + left
            // On an outbound transfer a misrouted parcel is in another station's relay bin, and an extra one of
            // ours is being sent on: the display names the station.
            case "misrouted" where outcome.relayName != nil:
                return "错分：这件发往 \(outcome.relayName ?? "")，不在这次交接里，请放回中转区" + left
            case "extra" where outcome.relayName != nil: return "清单外，已随车转出 → \(outcome.relayName ?? "")" + left
            case "misrouted": return "错分：该件不属于本站，请退回" + left
            case "repeatScan": return "本次交接已扫描过" + left
            case "bag": return "袋号已扫描" + left
            case "packing": return "开始装袋：接下来扫描的包裹装入此袋" + left
            case "damaged": return "已登记破损" + left
            default: return "交接已扫描" + (code.isEmpty ? "" : " 取件码 \(code)") + left
            }
        case .handoffClosed: return "交接已确认，回单已签发"
        case .noOpenHandoff: return "没有进行中的交接，请先开始交接"
        case .stocktake:
            switch outcome.stocktakeResult {
            case "found": return "盘点：在架 \(code)"
            case "misplaced": return "盘点：放错货架，应在 \(code.isEmpty ? "?" : code)"
            case "unknown": return "盘点：系统中无此在站包裹，请核查"
            default: return "盘点：已扫描过"
            }
        case .noOpenStocktake: return "没有进行中的盘点，请先开始盘点"
        }
    }

    static func backlog(_ report: BacklogReport, engine: StationEngine) -> BacklogResult {
        BacklogResult(
            generatedAt: timestamp(report.generatedAt), olderThanHours: report.olderThanHours, total: report.total,
            buckets: report.buckets.enumerated().map { index, bucket in
                BacklogResult.Bucket(
                    label: index < bucketLabels.count ? bucketLabels[index] : "\(bucket.fromHours)h+", fromHours: bucket.fromHours,
                    toHours: bucket.toHours, count: bucket.count)
            },
            byCourier: report.byCourier.map { .init(courier: $0.courier, total: $0.total, counts: $0.counts) },
            oldest: report.oldest.map { parcel($0, engine: engine) })
    }

    // MARK: Reports

    static func backlog(_ overview: StationEngine.BacklogOverview, engine: StationEngine) -> BacklogResult {
        var result = backlog(overview.report, engine: engine)
        let attention = overview.attention
        result.attention = BacklogAttentionDTO(
            notified: overview.report.notified, reminded: attention.reminded, returnRequested: attention.returnRequested,
            overdue: overview.report.overdue ?? 0, holdHours: engine.settings.holdHours,
            unreconciledHandoffs: attention.openHandoffs + attention.handoffsWithOpenDiscrepancies, openHandoffs: attention.openHandoffs,
            handoffsWithOpenDiscrepancies: attention.handoffsWithOpenDiscrepancies, openDiscrepancies: attention.openDiscrepancies)
        result.station = StationInfo(id: engine.settings.stationID, name: engine.settings.stationName)
        result.timeZone = engine.reportTimeZone.identifier
        return result
    }

    static func activity(_ figures: ActivityFigures, commissionFen: Int) -> ActivityDTO {
        ActivityDTO(
            received: figures.received, notified: figures.notified, reminders: figures.reminders, pickedUp: figures.pickedUp,
            returnRequested: figures.returnRequested, returned: figures.returned, outgoing: figures.outgoingAccepted,
            produce: figures.produceAccepted, outgoingFeesFen: figures.outgoingFeesFen, produceFeesFen: figures.produceFeesFen,
            feesFen: figures.outgoingFeesFen + figures.produceFeesFen, outgoingHandedOver: figures.outgoingHandedOver,
            inboundHandoffs: figures.inboundHandoffs, outboundHandoffs: figures.outboundHandoffs, handoffsClosed: figures.handoffsClosed,
            complaints: figures.complaints, commissionFen: commissionFen)
    }

    static func assessment(_ assessment: ServiceAssessment) -> AssessmentDTO {
        let inputs = assessment.inputs
        return AssessmentDTO(
            item: ServiceAssessment.item, maxPoints: ServiceAssessment.maxPoints, points: assessment.points,
            ledgerPoints: assessment.ledgerPoints, timelinessPoints: assessment.timelinessPoints,
            complaintDeduction: assessment.complaintDeduction, completeHandoffs: assessment.completeHandoffs,
            timelyParcels: assessment.timelyParcels,
            inputs: AssessmentInputsDTO(
                handoffs: inputs.handoffs, handoffsClosedWithReceipt: inputs.handoffsClosedWithReceipt,
                handoffsWithOpenDiscrepancies: inputs.handoffsWithOpenDiscrepancies, parcelsShelved: inputs.parcelsShelved,
                parcelsOnShelf: inputs.parcelsOnShelf, parcelsOverdue: inputs.parcelsOverdue,
                parcelsWaitingPastHold: inputs.parcelsWaitingPastHold, complaints: inputs.complaints, holdHours: inputs.holdHours),
            explanation: assessment.explanation)
    }

    static func periodReport(_ report: StationEngine.PeriodReport, engine: StationEngine) -> StationReportResult {
        let figures = report.figures
        let window = figures.window
        let counts = figures.discrepanciesOpened
        return StationReportResult(
            station: StationInfo(id: engine.settings.stationID, name: engine.settings.stationName),
            period: ReportPeriodDTO(
                kind: report.kind.rawValue, label: report.label, from: timestamp(window.from), to: timestamp(window.to),
                asOf: timestamp(window.asOf), timeZone: report.timeZone),
            generatedAt: timestamp(report.generatedAt), totals: activity(figures.total, commissionFen: report.commissionFen),
            days: report.kind == .month
                ? zip(report.days, zip(figures.intervals, report.commissionByInterval)).map {
                    DayActivityDTO(date: $0, activity: activity($1.0, commissionFen: $1.1))
                } : [],
            byCourier: figures.byCourier.map { courier in
                let rate = report.commissionRate(for: courier.courier)
                return CourierActivityDTO(
                    courier: courier.courier, received: courier.received, pickedUp: courier.pickedUp, returned: courier.returned,
                    outgoing: courier.outgoing, outgoingFeesFen: courier.outgoingFeesFen, commissionRateFen: rate,
                    commissionFen: rate * courier.pickedUp)
            },
            discrepancies: DiscrepancyCountsDTO(
                missing: counts[.missing] ?? 0, extra: counts[.extra] ?? 0, damaged: counts[.damaged] ?? 0,
                misrouted: counts[.misrouted] ?? 0),
            atStationAtEnd: figures.atStationAtEnd, commissionRatesFen: report.rates, assessment: assessment(report.assessment),
            problems: ProblemCountsDTO(
                open: Dictionary(uniqueKeysWithValues: figures.problems.open.map { ($0.rawValue, $1) }),
                opened: Dictionary(uniqueKeysWithValues: figures.problems.opened.map { ($0.rawValue, $1) }),
                resolved: Dictionary(uniqueKeysWithValues: figures.problems.resolved.map { ($0.rawValue, $1) })),
            forcedIntakes: figures.forcedIntakes,
            pickupGuessing: PickupGuessingDTO(misses: figures.pickupMisses, cooldowns: figures.pickupCooldowns),
            relay: RelayFiguresDTO(
                relayed: figures.relay.relayed, forwarded: figures.relay.forwarded, pulledBack: figures.relay.pulledBack,
                bins: figures.relay.bins.map { bin in
                    RelayFiguresDTO.Bin(
                        station: bin.station, name: engine.relayName(bin.station), waiting: bin.waiting,
                        oldestReceivedAt: timestamp(bin.oldestReceivedAt), olderThanADay: bin.olderThanADay)
                }))
    }

    static func handoffLedger(_ report: StationEngine.HandoffLedgerReport, engine: StationEngine) -> HandoffLedgerResult {
        HandoffLedgerResult(
            station: StationInfo(id: engine.settings.stationID, name: engine.settings.stationName),
            period: ReportPeriodDTO(
                kind: "range", label: report.label, from: timestamp(report.from), to: timestamp(report.to), asOf: timestamp(report.asOf),
                timeZone: report.timeZone),
            generatedAt: timestamp(report.generatedAt),
            handoffs: report.entries.map { entry in
                HandoffLedgerEntryDTO(
                    handoff: handoff(entry.handoff),
                    lines: HandoffLineCountsDTO(
                        listed: entry.listed, scanned: entry.scanned, missing: entry.missing, extra: entry.extra, damaged: entry.damaged,
                        misrouted: entry.misrouted, pending: entry.pending, total: entry.total),
                    openDiscrepancies: entry.openDiscrepancies)
            })
    }

    /// The one conversion from any error to what a client sees. Messages never carry SQL, C errors or a
    /// full phone number.
    static func wireError(_ error: any Error) -> WireError {
        switch error {
        case let error as WireError:
            return error
        case let error as DomainError:
            switch error {
            case .emptyScan: return WireError(.trackingInvalid, "the scan is empty")
            case .scanTooLong(let length, let limit):
                return WireError(.trackingInvalid, "the scan is \(length) characters long; a tracking number has at most \(limit)")
            case .invalidCharacter(let character):
                let shown = character.unicodeScalars.map { $0.value < 0x20 ? String(format: "U+%04X", $0.value) : String($0) }.joined()
                return WireError(.trackingInvalid, "a tracking number has only letters and digits, not \"\(shown)\"")
            case .checkDigitMismatch(let format, let expected, let found):
                return WireError(.checkDigit, "check digit is \(found), expected \(expected) (\(format)); probably a misread, scan again")
            case .illegalTransition(let from, let action):
                return WireError(.illegalTransition, "a parcel that is \(from.rawValue) cannot \(action.rawValue)")
            case .malformedPickupCode(let text):
                return WireError(.pickupCodeInvalid, "\"\(text.prefix(40))\" is not a pickup code like 3-2-0147")
            case .noShelvesConfigured: return WireError(.shelfFull, "no shelves are configured")
            case .noFreePickupCode: return WireError(.shelfFull, "every pickup code is in use or cooling down; add shelves")
            case .invalidPhone(let reason): return WireError(.phoneInvalid, reason)
            case .unknownCommand(let text):
                return WireError(
                    .unknownCommand, "\"\(text)\" is a command barcode naming no role (intake, pickup, handoff, stocktake, off) or FORCE")
            case .notAParcel(let kind, let rule):
                let what =
                    switch kind {
                    case .productCode: "a product's barcode (\(rule)), not a waybill number"
                    case .bagLabel: "a bag label (\(rule)): scan it on a handoff"
                    case .command: "a \(rule), not a parcel"
                    case .tooShort: "shorter than \(IntakePlausibility.minimumLength) characters: no waybill number is that short"
                    case .noDigits: "letters only: every waybill number has digits"
                    }
                let forceable = kind != .command ? "; force takes it in anyway" : ""
                return WireError(ErrorCode(rawValue: "notAParcel.\(kind.rawValue)"), "not taken in: \(what)\(forceable)")
            }
        case let error as EngineError:
            switch error {
            case .parcelNotFound(let tracking): return WireError(.parcelNotFound, "no parcel \(tracking) at this station")
            case .credentialRequired:
                return WireError(.credentialRequired, "give exactly one of code, phoneTail or phone")
            case .noParcelForCredential: return WireError(.noMatch, "no parcel is waiting for that code or phone")
            case .credentialMismatch(let tracking):
                return WireError(.codeMismatch, "parcel \(tracking) does not belong to that code or phone")
            case .notAwaitingPickup(let tracking, let state):
                return WireError(.notAwaitingPickup, "parcel \(tracking) is \(state.rawValue), not waiting for pickup")
            case .invalidParameter(let name, let reason): return WireError(.invalidParams, "\(name): \(reason)")
            case .scannerNotFound(let id): return WireError(.scannerNotFound, "no scanner \"\(id.prefix(80))\" is attached or configured")
            case .handoffNotFound(let id): return WireError(.handoffNotFound, "no handoff \(id.prefix(80))")
            case .handoffClosed(let id): return WireError(.handoffClosed, "handoff \(id) is closed; its receipt is final")
            case .unknownParty(let id): return WireError(.unknownParty, "no courier or driver \"\(id.prefix(64))\" is configured")
            case .confirmationFailed(let left):
                return WireError(.confirmationFailed, "the badge or PIN does not match this handoff's courier (\(left) tries left)")
            case .tooManyPickupAttempts(let until):
                return WireError(
                    .tooManyAttempts,
                    "too many wrong pickup codes or phone numbers from this client or counter; try again after \(timestamp(until))")
            case .lockedOut(let until):
                return WireError(
                    .lockedOut, "too many wrong PINs; this courier's PIN is refused until \(timestamp(until)) (a badge still works)")
            case .discrepancyNotFound(let id): return WireError(.discrepancyNotFound, "no discrepancy \(id)")
            case .discrepancyResolved(let id): return WireError(.discrepancyResolved, "discrepancy \(id) is resolved already")
            case .outgoingDuplicate(let waybill): return WireError(.outgoingDuplicate, "\(waybill) is already waiting here to be sent")
            case .complaintNotFound(let id): return WireError(.complaintNotFound, "no complaint \(id)")
            case .complaintResolved(let id): return WireError(.complaintResolved, "complaint \(id) is resolved already")
            case .problemNotFound(let id): return WireError(.problemNotFound, "no problem parcel \(id)")
            case .problemResolved(let id): return WireError(.problemResolved, "problem \(id) is resolved already")
            case .problemAlreadyOpen(let id):
                return WireError(.problemAlreadyOpen, "this parcel already has open problem \(id); resolve it first")
            case .stocktakeNotFound(let id): return WireError(.stocktakeNotFound, "no stocktake \(id.prefix(80))")
            case .stocktakeClosed(let id): return WireError(.stocktakeClosed, "stocktake \(id) is closed; its report is final")
            case .undoWindowPassed(let step, let at, let minutes):
                return WireError(
                    .undoWindowPassed,
                    minutes == 0
                        ? "undo is turned off at this station (undoWindowMinutes 0)"
                        : "the \(step) was at \(timestamp(at)); it can be undone within \(minutes) minutes only: use a return or an exception instead"
                )
            case .undoOnHandoff(let tracking, let handoff):
                return WireError(
                    .undoOnHandoff,
                    "parcel \(tracking) was taken in on handoff \(handoff): record a discrepancy there instead of undoing it")
            case .unknownDestination(let destination):
                return WireError(
                    .relayUnknownDestination,
                    "\"\(destination.prefix(64))\" is neither this station nor a place a downstream station serves (chain.stations)")
            case .unknownSigner(let id):
                return WireError(
                    .exchangeUnknownStation,
                    "\"\(id.prefix(64))\" is not a station of chain.stations with a public key: its documents cannot be checked")
            case .notAddressedHere(let id):
                return WireError(.exchangeNotForThisStation, "the manifest is addressed to station \(id.prefix(64)), not to this one")
            case .notStationHandoff(let uid):
                return WireError(
                    .exchangeNotStationHandoff, "handoff \(uid.prefix(80)) is not a signed handoff with another station of chain.stations")
            case .receiptForUnknownManifest(let digest):
                return WireError(
                    .exchangeUnknownManifest,
                    "the receipt answers manifest \(digest.prefix(16)), which this station never signed: no such handoff")
            case .badSignature(let why): return WireError(.exchangeBadSignature, "refused: \(why)")
            case .unknownBag(let bag):
                return WireError(
                    .handoffUnknownBag, "bag \(bag.prefix(40)) is on no line of this handoff's manifest: scan its parcels one by one")
            case .notInTransit(let tracking, let state):
                return WireError(.relayNotInTransit, "parcel \(tracking) is \(state.rawValue), not in a relay bin")
            case .unreadableScan(let reason): return WireError(.trackingInvalid, "the scanner sent no readable code: \(reason)")
            case .imageRejected(let rejection):
                // Its code is the wire's (`image.<kind>`; StationServerTests check each is a known code), and only
                // its message is sent: the image library's detail was logged by the engine.
                return WireError(ErrorCode(rawValue: rejection.code), rejection.message)
            }
        case let error as ManifestError:
            return WireError(.manifestInvalid, "manifest not imported: \(error.description)")
        case let error as StoreError:
            switch error {
            case .diskFull: return WireError(.diskFull, "the station's disk is full; nothing was recorded")
            case .closed: return WireError(.shuttingDown, "the daemon is shutting down")
            case .constraint: return WireError(.internal, "the ledger refused an inconsistent change; nothing was recorded")
            case .notDurable, .unavailable: return WireError(.storeUnavailable, "the ledger is unavailable; nothing was recorded")
            }
        case let error as DecodingError:
            return WireError(.invalidParams, describe(error))
        case let error as LedgerBackup.Failure:
            return WireError(.backupFailed, error.description)
        default:
            return WireError(.internal, "internal error; see the daemon's log")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let names = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "params" : names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)): expected \(typeName(type))"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)): expected \(typeName(type)), got null"
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): required"
        case .dataCorrupted(let context): return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "invalid parameters"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        case is [String].Type: "an array of strings"
        default: "an object"
        }
    }
}

// MARK: Backups

extension WireMapping {
    /// The daemon's backup service, or `backup.notConfigured`.
    static func backupPort(_ engine: StationEngine) throws -> any BackupPort {
        guard let port = engine.backupSource.current else {
            throw WireError(
                .backupNotConfigured, "no backup folder is configured (\"backup\": {\"folder\": …} in the daemon's configuration)")
        }
        return port
    }

    static func backup(_ report: BackupReport) -> BackupStatus {
        BackupStatus(
            configured: true, folder: report.folder, intervalMinutes: report.intervalMinutes, keep: report.keep, running: report.running,
            lastOk: report.lastSuccess.map { backupEntry($0.entry) }, lastFailureAt: report.lastFailure.map { timestamp($0.at) },
            lastFailure: report.lastFailure?.reason, nextDueAt: report.nextDueAt.map(timestamp))
    }

    static func backupEntry(_ entry: LedgerBackup.Entry) -> BackupEntry {
        BackupEntry(name: entry.name, path: entry.path, bytes: entry.bytes, takenAt: timestamp(entry.takenAt))
    }

    static func backupWritten(_ written: LedgerBackup.Written) -> BackupNowResult {
        BackupNowResult(
            backup: backupEntry(written.entry), parcels: written.verification.parcels, events: written.verification.chain?.events ?? 0,
            head: written.verification.chain?.head, copySeconds: written.copySeconds, verifySeconds: written.verifySeconds,
            removed: written.removed)
    }
}
