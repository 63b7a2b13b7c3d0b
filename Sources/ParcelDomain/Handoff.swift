public import Foundation
import StrictJSON

/// Which way parcels move at a handoff (交接), seen from this station.
public enum HandoffDirection: String, Sendable, CaseIterable, Codable {
    /// Parcels arrive from a courier, a driver or the tier above.
    case inbound
    /// Parcels leave with a courier or driver.
    case outbound
}

/// What a handoff is for.
public enum HandoffKind: String, Sendable, CaseIterable, Codable {
    /// Parcels for recipients here (代收).
    case delivery
    /// Returns going back to their courier (退件).
    case `return`
    /// Outgoing post, produce going up the chain (寄件, 农产品上行).
    case outgoing
    /// Moving parcels between tiers (county, township, village) without a recipient change.
    case transfer
}

/// The tier of the node on the other side.
public enum NodeTier: String, Sendable, CaseIterable, Codable {
    case county, township, village, courier
}

/// How one line of a handoff ended up.
public enum HandoffLineStatus: String, Sendable, CaseIterable, Codable {
    /// On the list, not scanned (yet); at closing this becomes `missing`.
    case expected
    /// On the list and scanned.
    case scanned
    /// On the list, never scanned by closing (短少).
    case missing
    /// Scanned, not on the list (多发).
    case extra
    /// Scanned and damaged (破损).
    case damaged
    /// Scanned, but the list sends it to another station (错分).
    case misrouted
    /// Arrived in its bag, whose label was scanned, and not yet scanned on its own: counted as arrived. A parcel
    /// for this station is taken in when scanned out of the bag; one still bagged at closing is missing (短少).
    case bagged
}

/// A discrepancy a handoff left open, until someone resolves it.
public enum DiscrepancyKind: String, Sendable, CaseIterable, Codable {
    case missing, extra, damaged, misrouted
}

public enum DiscrepancyResolution: String, Sendable, CaseIterable, Codable {
    /// The parcel turned up after all.
    case found
    /// Accepted as lost or destroyed.
    case writtenOff
    /// Sent back (an extra or misrouted parcel returned to its courier or the right station).
    case returned
}

/// One expected parcel from a manifest (交接单).
public struct ManifestLine: Sendable, Equatable {
    /// The normalised tracking number.
    public let tracking: String
    public let courier: String?
    /// The bag or container it travels in (a GS1 SSCC when the bag has one).
    public let bag: String?
    /// The station the parcel is for, when the manifest says; a scan of it elsewhere is misrouted.
    public let destination: String?
    /// 1-based line number in the file, for error messages and the receipt.
    public let line: Int
    /// The recipient's number when the manifest gives it (派件清单 usually do): the parcel taken in by a scan of
    /// this line gets its tail and salted hash, so notices and pickup by phone work as for a counter intake.
    public let phone: PhoneNumber?
    /// The last 4 digits, from `phone` or given alone.
    public let phoneTail: String?

    public init(
        tracking: String, courier: String? = nil, bag: String? = nil, destination: String? = nil, line: Int,
        phone: PhoneNumber? = nil, phoneTail: String? = nil
    ) {
        self.tracking = tracking
        self.courier = courier
        self.bag = bag
        self.destination = destination
        self.line = line
        self.phone = phone
        self.phoneTail = phoneTail ?? phone?.tail
    }
}

/// A manifest file that could not be read; every bad line is listed, and nothing of the file is imported.
public struct ManifestError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Problem: Equatable, Sendable {
        public let line: Int
        public let reason: String
        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
    }
    public let problems: [Problem]

    public init(problems: [Problem]) { self.problems = problems }

    public var description: String {
        let shown = problems.prefix(10).map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
        return problems.count > 10 ? shown + "; and \(problems.count - 10) more" : shown
    }
}

/// Reads the manifests couriers and the tier above hand over.
///
/// CSV: UTF-8 (a BOM is skipped), a header row naming the columns, `tracking` required, `courier`, `bag`,
/// `destination`, `phone` (the recipient's number) and `phoneTail` (its last 4 digits, when only those are given)
/// optional, in any order; fields may be quoted with `"`. JSON: an array of objects with the same keys, or
/// `{"lines": [...]}`. Each tracking number is normalised and checked as at intake (check digits included); a
/// number listed twice is an error, and so is a malformed phone (named by line, never echoed).
public enum Manifest {
    public static let maximumLines = 20_000

    public enum Format: String, Sendable, CaseIterable {
        case csv, json
    }

    public static func parse(_ data: Data, format: Format) throws -> [ManifestLine] {
        let rows: [(line: Int, fields: [String: String])]
        switch format {
        case .csv: rows = try csvRows(data)
        case .json: rows = try jsonRows(data)
        }
        var problems: [ManifestError.Problem] = []
        var lines: [ManifestLine] = []
        var seen: [String: Int] = [:]
        for row in rows {
            let raw = row.fields["tracking"] ?? ""
            do {
                let tracking = try TrackingNumber(raw: raw).value
                if let first = seen[tracking] {
                    problems.append(.init(line: row.line, reason: "\(tracking) is already on line \(first)"))
                    continue
                }
                seen[tracking] = row.line
                func field(_ name: String) -> String? {
                    guard let value = row.fields[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
                    return String(value.prefix(64))
                }
                let phone: PhoneNumber?
                let tail: String?
                do {
                    phone = try field("phone").map(PhoneNumber.init(parsing:))
                    tail = try (field("phoneTail") ?? field("phonetail")).map(PhoneNumber.validateTail)
                    if let phone, let tail, phone.tail != tail {
                        throw DomainError.invalidPhone(reason: "phoneTail is not the end of phone")
                    }
                } catch let error as DomainError {
                    // The number itself stays out of the message: error text reaches logs.
                    problems.append(.init(line: row.line, reason: "\(tracking): recipient phone: \(describe(error))"))
                    continue
                }
                lines.append(
                    ManifestLine(
                        tracking: tracking, courier: field("courier")?.uppercased(), bag: field("bag").map { ScanTextBag.normalise($0) },
                        destination: field("destination"), line: row.line, phone: phone, phoneTail: tail))
            } catch let error as DomainError {
                problems.append(.init(line: row.line, reason: "tracking \"\(raw.prefix(40))\": \(describe(error))"))
            }
        }
        if lines.isEmpty && problems.isEmpty { problems.append(.init(line: 1, reason: "the manifest lists no parcels")) }
        guard problems.isEmpty else { throw ManifestError(problems: problems) }
        return lines
    }

    static func describe(_ error: DomainError) -> String {
        switch error {
        case .emptyScan: return "empty"
        case .scanTooLong(let length, let limit): return "\(length) characters, at most \(limit)"
        case .invalidCharacter(let character): return "character \(character.debugDescription) is not in any tracking number"
        case .checkDigitMismatch(let format, let expected, let found): return "check digit \(found), expected \(expected) (\(format))"
        case .invalidPhone(let reason): return reason
        default: return "\(error)"
        }
    }

    static func jsonRows(_ data: Data) throws -> [(line: Int, fields: [String: String])] {
        let object: Any
        do {
            object = try StrictJSONDecoder().jsonObject(with: data)
        } catch let error as JSONPreflightError {
            throw ManifestError(problems: [.init(line: 1, reason: "not valid JSON: \(error)")])
        } catch {
            throw ManifestError(problems: [.init(line: 1, reason: "not valid JSON")])
        }
        let items: [Any]
        if let array = object as? [Any] {
            items = array
        } else if let wrapper = object as? [String: Any], let array = wrapper["lines"] as? [Any] {
            items = array
        } else {
            throw ManifestError(problems: [.init(line: 1, reason: "expected an array of lines or {\"lines\": [...]}")])
        }
        guard items.count <= maximumLines else {
            throw ManifestError(problems: [.init(line: 1, reason: "more than \(maximumLines) lines")])
        }
        // JSON has no line numbers worth giving; the entry's position (1-based) stands in for one.
        return try items.enumerated().map { index, item in
            guard let fields = item as? [String: Any] else {
                throw ManifestError(problems: [.init(line: index + 1, reason: "entry \(index + 1) is not an object")])
            }
            return (index + 1, fields.compactMapValues { value in (value as? String) ?? (value as? NSNumber).map { "\($0)" } })
        }
    }

    static func csvRows(_ data: Data) throws -> [(line: Int, fields: [String: String])] {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(data: Data(bytes), encoding: .utf8) else {
            throw ManifestError(problems: [.init(line: 1, reason: "not UTF-8 text (save the file as CSV UTF-8)")])
        }
        let records = splitCSV(text)
        guard let header = records.first else { throw ManifestError(problems: [.init(line: 1, reason: "empty file")]) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard names.contains("tracking") else {
            throw ManifestError(problems: [.init(line: header.line, reason: "the header row must name a tracking column")])
        }
        guard records.count - 1 <= maximumLines else {
            throw ManifestError(problems: [.init(line: 1, reason: "more than \(maximumLines) lines")])
        }
        var rows: [(line: Int, fields: [String: String])] = []
        var problems: [ManifestError.Problem] = []
        for record in records.dropFirst() {
            if record.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            guard record.fields.count == names.count else {
                problems.append(.init(line: record.line, reason: "\(record.fields.count) fields, the header has \(names.count)"))
                continue
            }
            rows.append((record.line, Dictionary(zip(names, record.fields), uniquingKeysWith: { first, _ in first })))
        }
        guard problems.isEmpty else { throw ManifestError(problems: problems) }
        return rows
    }

    /// RFC 4180 records with the line each starts on; quoted fields may hold commas, quotes ("") and newlines.
    static func splitCSV(_ text: String) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var recordLine = 1
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let character = pending {
                pending = nil
                return character
            }
            return iterator.next()
        }
        while let character = next() {
            if quoted {
                if character == "\"" {
                    if let following = next() {
                        if following == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            pending = following
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" || character == "\r\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                fields.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                fields.append(field)
                records.append((recordLine, fields))
                fields = []
                field = ""
                line += 1
                recordLine = line
            default: field.append(character)
            }
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append((recordLine, fields))
        }
        return records
    }
}

/// Bag ids as scanned: SSCC labels carry AI (00) and AIM prefixes; anything else is kept as printed.
public enum ScanTextBag {
    public static func normalise(_ raw: String) -> String {
        if let scan = try? ScanText(raw: raw) { return scan.text }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
    }

    /// Whether the scan is a GS1 SSCC bag label, AI (00) and 18 digits with a right mod-10 check digit, with or
    /// without an AIM prefix: a bag, never a parcel.
    public static func isSSCC(_ raw: String) -> Bool {
        let text = normalise(raw)
        guard text.count == 20, text.hasPrefix("00"), text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else { return false }
        return Checksum.gs1Mod10.mismatch(in: text, checkDigitOffset: 19, dataRange: 2..<19) == nil
    }
}
