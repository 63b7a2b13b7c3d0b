public import Foundation

/// `JSONDecoder` behind `JSONPreflight`: what every decoder of outside JSON in this package uses (requests,
/// configuration, manifests, stored JSON, replies). A preflight failure is thrown as `JSONPreflightError`,
/// before Foundation sees the bytes.
public struct StrictJSONDecoder: Sendable {
    public var preflight: JSONPreflight

    public init(maximumDepth: Int = JSONPreflight.defaultMaximumDepth, refusesControlCharacters: Bool = true) {
        preflight = JSONPreflight(maximumDepth: maximumDepth, refusesControlCharacters: refusesControlCharacters)
    }

    /// For JSON this package wrote and reads back (stored records, the daemon's replies): the syntax and depth
    /// checks, but text kept as stored.
    public static let ownOutput = StrictJSONDecoder(refusesControlCharacters: false)

    /// Checks, then decodes `data` as `type`. A leading UTF-8 byte order mark (files saved by Windows editors)
    /// is skipped, as RFC 8259 allows.
    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let data = Self.droppingByteOrderMark(data)
        try preflight.check(data)
        return try JSONDecoder().decode(type, from: data)
    }

    static func droppingByteOrderMark(_ data: Data) -> Data {
        data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data
    }

    /// Decodes bytes already checked by `preflight` (one check, several typed reads of the same request).
    public func decodeChecked<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }

    /// Checks, then parses with `JSONSerialization` (for JSON whose shape is not a Swift type).
    public func jsonObject(with data: Data) throws -> Any {
        let data = Self.droppingByteOrderMark(data)
        try preflight.check(data)
        return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }
}
