import Foundation
import ParcelDomain

/// The two small JSON documents written on every scan (courier candidates, event details), encoded by hand:
/// they are flat, their shapes fixed, and JSONEncoder's generic machinery cost more than the SQL around them.
/// Reading them back goes through JSONDecoder (`LedgerReader.parcel(from:)`), which keeps the two honest.
enum CompactJSON {
    static func string(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `{"a":"1","b":"2"}` with keys sorted, as the event log has always stored details.
    static func object(_ values: [String: String]) -> String {
        "{" + values.sorted { $0.key < $1.key }.map { string($0.key) + ":" + string($0.value) }.joined(separator: ",") + "}"
    }

    /// The candidate list in the shape `CourierCandidate`'s Codable conformance reads.
    static func candidates(_ list: [CourierCandidate]) -> String {
        "["
            + list.map { candidate in
                "{\"code\":\(string(candidate.code)),\"name\":\(string(candidate.name)),\"reason\":\(string(candidate.reason)),\"strength\":\(candidate.strength)}"
            }.joined(separator: ",") + "]"
    }
}

/// Event ids that sort by time (UUID version 7, RFC 9562): a 48-bit millisecond timestamp, then random bits.
/// Random (v4) ids land on a random page of the `uid` index at every insert; time-ordered ones append.
public enum EventID {
    public static func make(at millis: Int64) -> String {
        // Two 64-bit draws rather than one per byte: each draw of the system generator is a getrandom call,
        // and this runs twice per scan.
        var generator = SystemRandomNumberGenerator()
        let random = (generator.next(), generator.next())
        var bytes = [UInt8](repeating: 0, count: 16)
        let time = UInt64(max(0, millis))
        for index in 0..<6 { bytes[index] = UInt8((time >> (8 * UInt64(5 - index))) & 0xFF) }
        for index in 6..<16 {
            let word = index < 11 ? random.0 : random.1
            bytes[index] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
