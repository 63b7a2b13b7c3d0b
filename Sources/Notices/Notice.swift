public import Foundation
import StrictJSON

/// What a notice is for. The raw values appear in keys, in the JSON channels receive and in template files.
public enum NoticeKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// 到站通知: sent when the parcel is shelved.
    case first
    /// 催取: the parcel is still waiting.
    case reminder
    /// 滞留/退回预警: the collection deadline has passed; the parcel may be returned.
    case overdue
}

/// The identity of a notice: "nothing sent twice for the same event" means at most one delivered notice per
/// key. `eventId` is the ledger event that caused it (the shelving), `reminder` numbers 催取 from 1 (0 for the
/// other kinds).
public struct NoticeKey: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let eventId: String
    public let kind: NoticeKind
    public let reminder: Int

    public init(eventId: String, kind: NoticeKind, reminder: Int = 0) {
        self.eventId = eventId
        self.kind = kind
        self.reminder = kind == .reminder ? reminder : 0
    }

    /// `evt-42/reminder/2`: stable, sent to channels as the idempotency key.
    public var description: String { "\(eventId)/\(kind.rawValue)/\(reminder)" }

    public static func < (lhs: NoticeKey, rhs: NoticeKey) -> Bool { lhs.description < rhs.description }
}

/// The facts a template is rendered from.
public struct NoticeFacts: Sendable, Codable, Equatable {
    public var stationName: String
    public var pickupCode: String
    /// The full number; templates and channels only ever see its tail.
    public var trackingNumber: String
    /// As recipients know it, e.g. 中通快递.
    public var courierName: String
    /// e.g. 8:00-20:00.
    public var openingHours: String
    /// The collection deadline (end of the hold period).
    public var deadline: Date
    /// How many reminders this one is (1 for the first 催取); 0 for other kinds.
    public var reminderCount: Int

    public init(
        stationName: String, pickupCode: String, trackingNumber: String, courierName: String, openingHours: String,
        deadline: Date, reminderCount: Int = 0
    ) {
        self.stationName = stationName
        self.pickupCode = pickupCode
        self.trackingNumber = trackingNumber
        self.courierName = courierName
        self.openingHours = openingHours
        self.deadline = deadline
        self.reminderCount = reminderCount
    }

    /// The last four characters of the tracking number: enough to tell parcels apart, not enough to misuse.
    public var trackingTail: String { String(trackingNumber.suffix(4)) }
}

/// Who receives the notice. The ledger keeps only the phone tail and a salted hash unless the station stores
/// full numbers, so `phone` is optional: a gateway that resolves recipients itself (by tracking number or hash)
/// gets the other fields.
public struct NoticeRecipient: Sendable, Codable, Equatable {
    public var phone: String?
    public var phoneTail: String?
    public var phoneHash: String?

    public init(phone: String? = nil, phoneTail: String? = nil, phoneHash: String? = nil) {
        self.phone = phone
        self.phoneTail = phoneTail
        self.phoneHash = phoneHash
    }
}

/// A notice as queued: rendered once when it is queued, so what is sent is what was recorded, whatever later
/// edits to the templates.
public struct NoticeMessage: Sendable, Codable, Equatable {
    public var key: NoticeKey
    public var text: String
    public var recipient: NoticeRecipient
    public var stationName: String
    public var pickupCode: String
    public var trackingTail: String
    public var courierName: String
    public var deadline: Date
    /// The deadline as the text says it (11月29日).
    public var deadlineText: String

    public init(
        key: NoticeKey, text: String, recipient: NoticeRecipient, stationName: String, pickupCode: String,
        trackingTail: String, courierName: String, deadline: Date, deadlineText: String
    ) {
        self.key = key
        self.text = text
        self.recipient = recipient
        self.stationName = stationName
        self.pickupCode = pickupCode
        self.trackingTail = trackingTail
        self.courierName = courierName
        self.deadline = deadline
        self.deadlineText = deadlineText
    }

    /// Stable JSON for storing the message (e.g. a TEXT column): sorted keys, ISO 8601 dates.
    public func storageJSON() throws -> Data { try NoticeJSON.encoder.encode(self) }

    public static func fromStorageJSON(_ data: Data) throws -> NoticeMessage {
        try StrictJSONDecoder.ownOutput.preflight.check(data)
        return try NoticeJSON.decoder.decode(NoticeMessage.self, from: data)
    }
}

/// The one JSON object a channel delivers (ExecChannel on stdin, HTTPChannel as the POST body).
public struct NoticePayload: Sendable, Codable, Equatable {
    /// The notice key, `eventId/kind/reminder`: the same on every attempt, so a gateway can deduplicate.
    public var key: String
    public var eventId: String
    public var kind: NoticeKind
    public var reminder: Int
    /// 1 for the first attempt at this notice.
    public var attempt: Int
    public var text: String
    public var recipient: NoticeRecipient
    public var station: String
    public var pickupCode: String
    public var trackingTail: String
    public var courier: String
    /// ISO 8601 instant.
    public var deadline: Date
    public var deadlineText: String

    public init(message: NoticeMessage, attempt: Int) {
        key = message.key.description
        eventId = message.key.eventId
        kind = message.key.kind
        reminder = message.key.reminder
        self.attempt = attempt
        text = message.text
        recipient = message.recipient
        station = message.stationName
        pickupCode = message.pickupCode
        trackingTail = message.trackingTail
        courier = message.courierName
        deadline = message.deadline
        deadlineText = message.deadlineText
    }

    /// One line of JSON (no newline inside), sorted keys.
    public func json() throws -> Data { try NoticeJSON.encoder.encode(self) }
}

enum NoticeJSON {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// Chinese date text as recipients read it.
public enum ChineseDate {
    /// 11月29日, in the station's time zone.
    public static func monthDay(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.month, .day], from: date)
        return "\(parts.month ?? 0)月\(parts.day ?? 0)日"
    }
}
