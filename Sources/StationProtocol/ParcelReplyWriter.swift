/// The replies to scans, written by hand: `{"id":…,"result":{"parcel":{…},"repeat":…}}` for an intake and
/// `{"id":…,"result":{"result":…,"handoff":…,"line":{…},"parcel":{…},…}}` for a handoff scan.
///
/// Every scan answers with one of these, and JSONEncoder's generic machinery cost more than a sixth of the
/// daemon's work per scan. The keys and the omission of nil fields follow the Codable conformances of
/// `Reply`, `ParcelResult`, `HandoffScanResult` and the DTOs in them; tests decode the output with
/// JSONDecoder and compare it with those types, so a field added to them and not here fails them.
public enum ParcelReplyWriter {
    /// The reply line, newline included.
    public static func line(id: RequestID?, _ result: ParcelResult) -> [UInt8] {
        var out = JSONText()
        out.bytes.reserveCapacity(512)
        writeID(id, to: &out)
        out.raw(",\"result\":{\"parcel\":")
        write(result.parcel, to: &out)
        out.raw(",\"repeat\":")
        out.raw(result.repeat ? "true" : "false")
        out.optional("forced", result.forced)
        out.raw("}}\n")
        return out.bytes
    }

    /// The handoff scan's reply line, newline included.
    public static func line(id: RequestID?, _ result: HandoffScanResult) -> [UInt8] {
        var out = JSONText()
        out.bytes.reserveCapacity(768)
        writeID(id, to: &out)
        out.raw(",\"result\":{\"result\":")
        out.string(result.result)
        out.raw(",\"handoff\":")
        out.string(result.handoff)
        if let line = result.line {
            out.raw(",\"line\":{\"tracking\":")
            out.string(line.tracking)
            out.optional("courier", line.courier)
            out.optional("bag", line.bag)
            out.optional("destination", line.destination)
            if let number = line.manifestLine {
                out.raw(",\"manifestLine\":")
                out.integer(Int64(number))
            }
            out.raw(",\"expected\":")
            out.raw(line.expected ? "true" : "false")
            out.raw(",\"status\":")
            out.string(line.status)
            out.optional("scannedAt", line.scannedAt)
            out.optional("note", line.note)
            out.optional("photo", line.photo)
            out.raw("}")
        }
        if let parcel = result.parcel {
            out.raw(",\"parcel\":")
            write(parcel, to: &out)
        }
        out.raw(",\"bagLines\":")
        out.integer(Int64(result.bagLines))
        out.raw(",\"remaining\":")
        out.integer(Int64(result.remaining))
        out.raw("}}\n")
        return out.bytes
    }

    static func writeID(_ id: RequestID?, to out: inout JSONText) {
        out.raw("{\"id\":")
        switch id {
        case .number(let value)?: out.integer(value)
        case .fraction(let value)?: out.bytes.append(contentsOf: RequestID.text(of: value).utf8)
        case .string(let value)?: out.string(value)
        case nil: out.raw("null")
        }
    }

    static func write(_ parcel: ParcelDTO, to out: inout JSONText) {
        out.raw("{\"tracking\":")
        out.string(parcel.tracking)
        out.raw(",\"rawScan\":")
        out.string(parcel.rawScan)
        out.raw(",\"state\":")
        out.string(parcel.state)
        out.optional("pickupCode", parcel.pickupCode)
        out.optional("courier", parcel.courier)
        out.raw(",\"couriers\":[")
        for (index, courier) in parcel.couriers.enumerated() {
            out.raw(index == 0 ? "{\"code\":" : ",{\"code\":")
            out.string(courier.code)
            out.raw(",\"name\":")
            out.string(courier.name)
            out.raw(",\"reason\":")
            out.string(courier.reason)
            out.raw("}")
        }
        out.raw("]")
        out.optional("phoneTail", parcel.phoneTail)
        out.raw(",\"receivedAt\":")
        out.string(parcel.receivedAt)
        out.optional("shelvedAt", parcel.shelvedAt)
        out.optional("releasedAt", parcel.releasedAt)
        out.raw(",\"overdue\":")
        out.raw(parcel.overdue ? "true" : "false")
        out.raw(",\"notices\":")
        out.integer(Int64(parcel.notices))
        out.optional("relayTo", parcel.relayTo)
        out.optional("relayName", parcel.relayName)
        out.raw("}")
    }
}

/// UTF-8 JSON text built by appending: strings escaped as RFC 8259 requires (quote, backslash and the
/// control characters), everything else copied as is, `/` unescaped as the daemon's JSONEncoder writes it.
struct JSONText {
    var bytes: [UInt8] = []
    static let hexDigits = Array("0123456789abcdef".utf8)

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func integer(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// `,"key":"value"`, or nothing for nil (as `encodeIfPresent` does).
    mutating func optional(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        bytes.append(UInt8(ascii: ","))
        bytes.append(UInt8(ascii: "\""))
        raw(key)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        string(value)
    }

    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case UInt8(ascii: "\n"): raw("\\n")
            case UInt8(ascii: "\r"): raw("\\r")
            case UInt8(ascii: "\t"): raw("\\t")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// A result whose reply line is written by hand (`ParcelReplyWriter`); the server's generic reply encoding
/// uses it when the result has one.
public protocol HandWrittenReply {
    func replyLine(id: RequestID?) -> [UInt8]
}

extension ParcelResult: HandWrittenReply {
    public func replyLine(id: RequestID?) -> [UInt8] { ParcelReplyWriter.line(id: id, self) }
}

extension HandoffScanResult: HandWrittenReply {
    public func replyLine(id: RequestID?) -> [UInt8] { ParcelReplyWriter.line(id: id, self) }
}
