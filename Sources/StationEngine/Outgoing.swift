import Foundation
import ParcelDomain
public import ParcelStore

/// Parcels sent from the station (寄件), produce going up the chain among them (农产品上行): accepted with their
/// fee, then handed to their courier by the next outbound `outgoing` handoff, whose receipt covers them.
extension StationEngine {
    public struct OutgoingRequest: Sendable {
        public var waybill: String
        public var courier: String
        public var destination: String
        public var weightGrams: Int
        public var feeFen: Int
        public var produce: Bool
        public var senderPhone: String?
        public var senderTail: String?
        public var idChecked: Bool

        public init(
            waybill: String, courier: String, destination: String, weightGrams: Int, feeFen: Int, produce: Bool = false,
            senderPhone: String? = nil, senderTail: String? = nil, idChecked: Bool = false
        ) {
            self.waybill = waybill
            self.courier = courier
            self.destination = destination
            self.weightGrams = weightGrams
            self.feeFen = feeFen
            self.produce = produce
            self.senderPhone = senderPhone
            self.senderTail = senderTail
            self.idChecked = idChecked
        }
    }

    public nonisolated func acceptOutgoing(_ request: OutgoingRequest, by caller: Caller) async throws -> OutgoingRecord {
        let waybill = try TrackingNumber(raw: request.waybill, courierHint: request.courier).value
        let courier = request.courier.uppercased()
        guard !courier.isEmpty, courier.count <= 16, courier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw EngineError.invalidParameter(name: "courier", reason: "a courier code such as SF, ZTO or EMS")
        }
        let destination = request.destination.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(destination.count) else {
            throw EngineError.invalidParameter(name: "destination", reason: "the destination region, 1 to 64 characters")
        }
        guard (1...100_000).contains(request.weightGrams) else {
            throw EngineError.invalidParameter(name: "weightGrams", reason: "1 to 100000 grams")
        }
        guard (0...10_000_000).contains(request.feeFen) else {
            throw EngineError.invalidParameter(name: "feeFen", reason: "0 to 10000000 fen")
        }
        if settings.requireSenderIDCheck && !request.idChecked {
            throw EngineError.invalidParameter(name: "idChecked", reason: "this station must check the sender's ID (实名寄递) before accepting")
        }
        var tail = try request.senderTail.map(PhoneNumber.validateTail)
        var hash: Data? = nil
        if let text = request.senderPhone, !text.isEmpty {
            let phone = try PhoneNumber(parsing: text)
            if let tail, tail != phone.tail {
                throw EngineError.invalidParameter(name: "senderTail", reason: "does not match the last 4 digits of senderPhone")
            }
            tail = phone.tail
            hash = hasher.hash(phone)
        }
        let new = NewOutgoing(
            waybill: waybill, courier: courier, produce: request.produce, senderTail: tail, senderHash: hash, idChecked: request.idChecked,
            destination: destination, weightGrams: request.weightGrams, feeFen: request.feeFen, at: clock.nowMillis(), actor: caller.actor)
        return try await store.write { tx in
            if try tx.waitingOutgoing(waybill: waybill) != nil { throw EngineError.outgoingDuplicate(waybill) }
            return try tx.insertOutgoing(new)
        }
    }

    public nonisolated func outgoing(waitingOnly: Bool, limit: Int) async throws -> [OutgoingRecord] {
        try await store.read { try $0.outgoing(waitingOnly: waitingOnly, limit: limit) }
    }
}
