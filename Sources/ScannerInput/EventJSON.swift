import Foundation

/// One JSON object per event, as `scanner-probe` prints them and the daemon may forward them:
/// `{"event":"scan","scanner":{…},"text":"…","rawHex":"…","symbology":"]E0","sequence":1,"timestamp":…}`.
extension ScannerEvent: Encodable {
    enum CodingKeys: String, CodingKey {
        case event, scanner, manufacturer, product, catalogueEntry, reattached, reason, text, rawHex, symbology, source, sequence, timestamp
        case message
    }

    public var name: String {
        switch self {
        case .attached: "attached"
        case .detached: "detached"
        case .scan: "scan"
        case .suppressedDuplicate: "suppressedDuplicate"
        case .partialDropped: "partialDropped"
        case .rejected: "rejected"
        case .error: "error"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .event)
        switch self {
        case .attached(let description, let reattached):
            try c.encode(description.identity, forKey: .scanner)
            try c.encodeIfPresent(description.manufacturer, forKey: .manufacturer)
            try c.encodeIfPresent(description.product, forKey: .product)
            try c.encodeIfPresent(description.catalogueEntry, forKey: .catalogueEntry)
            try c.encode(reattached, forKey: .reattached)
        case .detached(let identity, let reason):
            try c.encode(identity, forKey: .scanner)
            try c.encode(reason, forKey: .reason)
        case .scan(let scan), .suppressedDuplicate(let scan):
            try c.encode(scan.scanner, forKey: .scanner)
            try c.encode(scan.source, forKey: .source)
            try c.encode(scan.text, forKey: .text)
            try c.encode(Self.hex(scan.rawBytes), forKey: .rawHex)
            try c.encodeIfPresent(scan.symbology, forKey: .symbology)
            try c.encode(scan.sequence, forKey: .sequence)
            try c.encode(scan.timestamp, forKey: .timestamp)
        case .partialDropped(let identity, let bytes, let reason), .rejected(let identity, let bytes, let reason):
            try c.encode(identity, forKey: .scanner)
            try c.encode(String(decoding: bytes, as: UTF8.self), forKey: .text)
            try c.encode(Self.hex(bytes), forKey: .rawHex)
            try c.encode(reason, forKey: .reason)
        case .error(let identity, let message):
            try c.encodeIfPresent(identity, forKey: .scanner)
            try c.encode(message, forKey: .message)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
