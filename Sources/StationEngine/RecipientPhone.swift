import Logging
import ParcelDomain
public import ParcelStore

extension StationEngine {
    /// Adds or replaces the recipient's phone of a parcel still waiting here (received, shelved or notified), given
    /// as the full number (kept as tail and salted hash, as intake keeps it) or as its last 4 digits. The parcel then
    /// answers to its tail at pickup. One chained `setPhone` event records it with the caller as actor; its details
    /// say how the number was given and whether it replaced one, never a number or tail. A parcel that has left, or
    /// is going back or in exception, is refused (`illegalTransition`).
    public nonisolated func setPhone(scan: String, phone: String?, phoneTail: String?, by caller: Caller) async throws -> ParcelRecord {
        let tracking = try ScanText(raw: scan).text
        let givesPhone = phone?.isEmpty == false
        guard givesPhone != (phoneTail?.isEmpty == false), let recipient = try recipientPhone(phone: phone, phoneTail: phoneTail),
            let tail = recipient.tail
        else {
            throw EngineError.invalidParameter(name: "phone", reason: "give exactly one of phone or phoneTail")
        }
        let now = clock.nowMillis()
        let actor = caller.actor
        let given = givesPhone ? "phone" : "phoneTail"
        let parcel = try await store.write { tx -> ParcelRecord in
            guard let parcel = try tx.latestParcel(tracking: tracking) else { throw EngineError.parcelNotFound(tracking) }
            var details = ["given": given]
            // That a phone was replaced, never its digits: the chained event outlives the privacy purge.
            if parcel.phoneTail != nil { details["replaced"] = "true" }
            // The same tail given again names no new recipient: the notices need not start over.
            if !givesPhone, parcel.phoneTail == tail { details["unchanged"] = "true" }
            return try tx.setPhone(parcel, tail: tail, hash: recipient.hash, full: recipient.full, at: now, actor: actor, details: details)
        }
        logger.info("phone set", metadata: ["parcel": "\(parcel.id)", "given": "\(given)"])
        await publishIfSubscribed()
        return parcel
    }

    /// The recipient's phone as the ledger keeps it, from what a request gave: the full number (its tail, its salted
    /// hash, and the number itself only with `storeFullPhone`) and/or its last 4 digits, which must then agree.
    /// Nil when neither was given. Intake and `setPhone` read phones through this, the manifest import through
    /// the overload below.
    nonisolated func recipientPhone(phone: String?, phoneTail: String?) throws -> RecipientPhone? {
        let number = try phone.flatMap { $0.isEmpty ? nil : try PhoneNumber(parsing: $0) }
        var tail = number?.tail
        if let text = phoneTail, !text.isEmpty {
            let given = try PhoneNumber.validateTail(text)
            if let tail, tail != given {
                throw EngineError.invalidParameter(name: "phoneTail", reason: "does not match the last 4 digits of phone")
            }
            tail = given
        }
        return tail.map { recipientPhone(number, tail: $0) }
    }

    nonisolated func recipientPhone(_ number: PhoneNumber?, tail: String) -> RecipientPhone {
        RecipientPhone(tail: tail, hash: number.map(hasher.hash), full: settings.storeFullPhone ? number?.digits : nil)
    }
}
