import Logging
import ParcelDomain
public import ParcelStore

extension StationEngine {
    /// Adds or replaces the recipient's phone of a parcel still waiting here (received, shelved or notified), given
    /// as the full number (kept as tail and salted hash, as intake keeps it) or as its last 4 digits. The parcel then
    /// answers to its tail at pickup. One chained `setPhone` event records it with the caller as actor; its details
    /// say how the number was given and the tail it replaced, never the number. A parcel that has left, or is going
    /// back or in exception, is refused (`illegalTransition`).
    public nonisolated func setPhone(scan: String, phone: String?, phoneTail: String?, by caller: Caller) async throws -> ParcelRecord {
        let tracking = try ScanText(raw: scan).text
        let number: PhoneNumber?
        let tail: String
        switch (phone.flatMap { $0.isEmpty ? nil : $0 }, phoneTail.flatMap { $0.isEmpty ? nil : $0 }) {
        case (let text?, nil):
            let parsed = try PhoneNumber(parsing: text)
            number = parsed
            tail = parsed.tail
        case (nil, let text?):
            number = nil
            tail = try PhoneNumber.validateTail(text)
        default:
            throw EngineError.invalidParameter(name: "phone", reason: "give exactly one of phone or phoneTail")
        }
        let hash = number.map(hasher.hash)
        let full = settings.storeFullPhone ? number?.digits : nil
        let now = clock.nowMillis()
        let actor = caller.actor
        let given = number == nil ? "phoneTail" : "phone"
        let parcel = try await store.write { tx -> ParcelRecord in
            guard let parcel = try tx.latestParcel(tracking: tracking) else { throw EngineError.parcelNotFound(tracking) }
            var details = ["given": given]
            if let previous = parcel.phoneTail { details["replacedTail"] = previous }
            return try tx.setPhone(parcel, tail: tail, hash: hash, full: full, at: now, actor: actor, details: details)
        }
        logger.info("phone set", metadata: ["parcel": "\(parcel.id)", "given": "\(given)"])
        await publishIfSubscribed()
        return parcel
    }
}
