import Foundation
import ParcelDomain
import StrictJSON

/// Picks the tracking number among a label's symbols with `ParcelDomain`'s courier rules, and decides whether
/// it is confirmed.
///
/// About 1 read in 300 of a 1D barcode is a wrong number that still fits a courier rule (Code 128's check is a
/// weak mod-103 sum), so a barcode's number is accepted as confirmed only with a second, independent read: the
/// same text from another pass (another scale or angle), or the waybill number in the label's QR data. The QR
/// code's own read is different: its Reed–Solomon error correction rejects a damaged read rather than returning
/// wrong bytes, so a QR JSON that names one waybill number, under a waybill key, fitting a courier rule beyond
/// length alone, confirms that number on its own when no barcode read names another (fresh generated sets: 17 of
/// 358 labels whose main barcode no pass reads, 0 wrong). Order numbers named in the QR data are never candidates.
enum WaybillRanker {
    /// JSON keys label printers use for the waybill number and for the shop's order number.
    static let waybillKeys = [
        "waybillNo", "no", "waybill", "mailNo", "mailno", "trackingNo", "tracking", "billCode", "billcode", "waybill_no",
    ]
    static let orderKeys = ["orderNo", "order", "orderId", "order_no", "tid"]

    struct Candidate {
        let number: String
        let courier: String
        let strength: Int
        let passes: Int
        let order: Int
    }

    /// Waybill and order numbers from QR symbols that hold a JSON object.
    static func qrData(_ symbols: [DecodedSymbol]) -> (waybills: Set<String>, orders: Set<String>) {
        var waybills = Set<String>()
        var orders = Set<String>()
        for symbol in symbols where symbol.symbology == .qrCode && symbol.bytes.first == UInt8(ascii: "{") {
            guard let object = try? StrictJSONDecoder().jsonObject(with: Data(symbol.bytes)) as? [String: Any] else { continue }
            for key in waybillKeys {
                if let value = object[key] as? String, let scan = try? ScanText(raw: value) { waybills.insert(scan.text) }
            }
            for key in orderKeys {
                if let value = object[key] as? String, let scan = try? ScanText(raw: value) { orders.insert(scan.text) }
            }
        }
        return (waybills, orders)
    }

    static func candidates(_ symbols: [DecodedSymbol], orders: Set<String>) -> [Candidate] {
        var found: [Candidate] = []
        for (order, symbol) in symbols.enumerated() where symbol.symbology != .qrCode {
            guard let tracking = try? TrackingNumber(raw: symbol.text), let courier = tracking.likelyCourier else { continue }
            guard !orders.contains(tracking.value) else { continue }
            if let index = found.firstIndex(where: { $0.number == tracking.value }) {
                // The same number under two symbologies: count its reads together.
                let existing = found[index]
                found[index] = Candidate(
                    number: existing.number, courier: existing.courier, strength: existing.strength,
                    passes: existing.passes + symbol.passes.count, order: existing.order)
                continue
            }
            found.append(
                Candidate(
                    number: tracking.value, courier: courier, strength: tracking.candidates[0].strength, passes: symbol.passes.count,
                    order: order))
        }
        return found
    }

    static func isConfirmed(_ candidate: Candidate, qrWaybills: Set<String>) -> Bool {
        // A QR that names another number contradicts the barcode; length-only formats (strength 1) also fit
        // order and goods numbers, so only the QR data confirms them.
        if !qrWaybills.isEmpty { return qrWaybills.contains(candidate.number) }
        return candidate.passes >= 2 && candidate.strength >= 2
    }

    /// The ranked choice, or nil when no symbol looks like a tracking number.
    static func choose(_ symbols: [DecodedSymbol]) -> WaybillChoice? {
        let qr = qrData(symbols)
        var found = candidates(symbols, orders: qr.orders)
        if found.isEmpty, let number = qr.waybills.sorted().first, let tracking = try? TrackingNumber(raw: number) {
            let courier = tracking.likelyCourier
            let strength = courier == nil ? 0 : tracking.candidates[0].strength
            let barcode = symbols.contains { $0.symbology != .qrCode && (try? ScanText(raw: $0.text))?.text == number }
            // The QR alone: accepted when it names this one number and the number fits a courier rule beyond
            // length; a number that fits no rule, or one of several the QR data names, is reported, never accepted.
            let confirmed = qr.waybills.count == 1 && strength >= 2
            return WaybillChoice(
                number: number, courier: courier ?? CourierCandidate.unknownCode, strength: strength,
                confirmed: confirmed,
                evidence: courier == nil
                    ? "fits no courier rule" + (barcode ? "; the barcode and the label's QR data agree" : "; only in the label's QR data")
                    : confirmed
                        ? "the label's QR data (error-corrected) names it; no barcode read"
                        : "only in the label's QR data, which names \(qr.waybills.count) numbers or fits only a length rule",
                alternatives: [])
        }
        guard !found.isEmpty else { return nil }
        found.sort { a, b in
            let ca = isConfirmed(a, qrWaybills: qr.waybills)
            let cb = isConfirmed(b, qrWaybills: qr.waybills)
            if ca != cb { return ca }
            if a.strength != b.strength { return a.strength > b.strength }
            if a.passes != b.passes { return a.passes > b.passes }
            return a.order < b.order
        }
        let best = found[0]
        let confirmed = isConfirmed(best, qrWaybills: qr.waybills)
        var evidence: String
        if qr.waybills.contains(best.number) {
            evidence = "equals the waybill number in the label's QR data"
        } else if confirmed {
            evidence = "read in \(best.passes) passes"
        } else if best.strength < 2 {
            evidence = "fits only a length rule and no QR data confirms it"
        } else {
            evidence = "read once; no second read or QR data confirms it"
        }
        if !qr.waybills.isEmpty && !qr.waybills.contains(best.number) {
            evidence += "; the label's QR names \(qr.waybills.sorted().joined(separator: ", "))"
        }
        return WaybillChoice(
            number: best.number, courier: best.courier, strength: best.strength, confirmed: confirmed, evidence: evidence,
            alternatives: found.dropFirst().map(\.number))
    }

    /// Indices of the symbols holding a tracking number that one more read would confirm: it fits a courier
    /// rule beyond length alone, has been read in one pass, and no QR data names another number.
    static func awaitingConfirmation(_ symbols: [DecodedSymbol]) -> Set<Int> {
        let qr = qrData(symbols)
        guard qr.waybills.isEmpty else { return [] }
        let waiting = Set(candidates(symbols, orders: qr.orders).filter { $0.strength >= 2 && $0.passes < 2 }.map(\.number))
        var indices = Set<Int>()
        for (index, symbol) in symbols.enumerated() where symbol.symbology != .qrCode {
            if let tracking = try? TrackingNumber(raw: symbol.text), waiting.contains(tracking.value) { indices.insert(index) }
        }
        return indices
    }

    /// True when further passes are not needed: a confirmed tracking number, or codes that are not a label's
    /// (goods barcodes, a plain QR) and no QR waybill data waiting for its barcode.
    static func isDone(_ symbols: [DecodedSymbol]) -> Bool {
        // ITF has no mandatory check digit and zbar reads short ITF out of printed text and noise, so an ITF
        // read alone never ends the cascade.
        guard symbols.contains(where: { $0.symbology != .itf }) else { return false }
        let qr = qrData(symbols)
        let found = candidates(symbols, orders: qr.orders)
        if found.contains(where: { isConfirmed($0, qrWaybills: qr.waybills) }) { return true }
        if found.isEmpty, choose(symbols)?.confirmed == true { return true }
        // A long all-digit Code 128 is a shop's order number printed on the label: its waybill code is still
        // to be found.
        let labelDistractor = symbols.contains { $0.symbology == .code128 && $0.text.count >= 16 && $0.text.allSatisfy(\.isNumber) }
        return found.isEmpty && qr.waybills.isEmpty && !labelDistractor
    }
}
