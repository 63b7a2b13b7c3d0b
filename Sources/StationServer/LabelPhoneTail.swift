import ParcelStore
public import StationEngine

/// The recipient's phone tail a label photo's OCR read. `LabelReading` (StationEngine) has no field for it yet, so
/// the daemon's label reader carries it as one more entry of `symbols` with symbology `PHONE_TAIL`: its text the
/// four digits when read confidently, empty when the number seen was not sure. It is taken out of the codes here,
/// before anything is sent or acted on; the engine acts only on `waybill`, which it never is.
public enum LabelPhoneTail {
    public static let symbology = "PHONE_TAIL"

    /// The entry the daemon's reader adds for a read: `tail` when confident, nil with `uncertain` otherwise.
    public static func symbol(tail: String?, uncertain: Bool) -> LabelReading.Symbol? {
        guard tail != nil || uncertain else { return nil }
        return LabelReading.Symbol(text: tail ?? "", symbology: symbology, pass: "ocr", box: [0, 0, 0, 0])
    }

    /// The confident tail (4 digits) and whether an unsure one was seen instead.
    public static func read(_ reading: LabelReading) -> (tail: String?, uncertain: Bool) {
        guard let entry = reading.symbols.first(where: { $0.symbology == symbology }) else { return (nil, false) }
        let digits = entry.text.count == 4 && entry.text.allSatisfy { $0.isASCII && $0.isNumber }
        return digits ? (entry.text, false) : (nil, true)
    }

    /// The reading's codes, without the tail's entry.
    public static func codes(_ reading: LabelReading) -> [LabelReading.Symbol] {
        reading.symbols.filter { $0.symbology != symbology }
    }

    /// With `act`: a confident tail becomes the phone tail of the parcel the photo's scan took in (a new intake,
    /// or a repeat of one that has none yet). Pickups and other roles' scans are left alone, and so is a parcel
    /// whose tail is known: a label's OCR never replaces what staff or a manifest gave. Returns whether it was set.
    @discardableResult
    public static func apply(_ reading: LabelReading, outcome: ScanOutcome?, engine: StationEngine, caller: Caller) async -> Bool {
        guard let tail = read(reading).tail, let outcome, outcome.result == .intake || outcome.result == .repeatIntake,
            let parcel = outcome.parcel, parcel.phoneTail == nil
        else { return false }
        do {
            _ = try await engine.setPhone(scan: parcel.tracking, phone: nil, phoneTail: tail, by: caller)
            return true
        } catch {
            return false
        }
    }
}
