public import Crypto
import Foundation
import StrictJSON

/// The content of a handoff receipt: everything both parties agreed changed hands.
public struct ReceiptBody: Codable, Sendable, Equatable {
    public struct Station: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }
    public struct Party: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var company: String?
        public init(id: String, name: String, company: String?) {
            self.id = id
            self.name = name
            self.company = company
        }
    }
    public struct Line: Codable, Sendable, Equatable {
        public var tracking: String
        public var courier: String?
        public var bag: String?
        /// `scanned`, `missing`, `extra`, `damaged` or `misrouted`.
        public var status: String
        public var expected: Bool
        public var note: String?
        public var photo: String?
        public var manifestLine: Int?
        public init(
            tracking: String, courier: String?, bag: String?, status: String, expected: Bool, note: String?, photo: String?,
            manifestLine: Int?
        ) {
            self.tracking = tracking
            self.courier = courier
            self.bag = bag
            self.status = status
            self.expected = expected
            self.note = note
            self.photo = photo
            self.manifestLine = manifestLine
        }
    }

    public static let currentFormat = "parcel-station-receipt/1"

    public var format: String
    public var station: Station
    /// Receipts are numbered per station from 1; each names the digest of the one before.
    public var seq: Int64
    public var previousDigest: String?
    public var handoff: String
    public var direction: String
    public var kind: String
    public var party: Party
    public var node: String?
    public var nodeTier: String?
    public var vehicle: String?
    public var openedAt: String
    public var closedAt: String
    /// How the handoff was closed: `badge` or `pin` (a courier's confirmation at the counter); `station` (an inbound
    /// handoff from another parcel-station, closed by the receiving station's own staff on the sender's signed
    /// manifest); `receiver` (an outbound handoff the sender closed with the receiving station's signed receipt).
    public var confirmedBy: String
    public var staff: String
    /// Count per line status, plus `expected` (lines on the manifest) and `total`.
    public var counts: [String: Int]
    public var lines: [Line]
    /// The digest of the sending station's signed manifest this receipt answers (`SignedDocument.digest`), when the
    /// other party is a parcel-station that sent one; nil otherwise, and on every receipt made before manifests were
    /// signed (absent from the canonical text, so those still verify).
    public var manifestDigest: String?

    public init(
        station: Station, seq: Int64, previousDigest: String?, handoff: String, direction: String, kind: String, party: Party,
        node: String?,
        nodeTier: String?, vehicle: String?, openedAt: String, closedAt: String, confirmedBy: String, staff: String, lines: [Line],
        manifestDigest: String? = nil
    ) {
        self.format = Self.currentFormat
        self.station = station
        self.seq = seq
        self.previousDigest = previousDigest
        self.handoff = handoff
        self.direction = direction
        self.kind = kind
        self.party = party
        self.node = node
        self.nodeTier = nodeTier
        self.vehicle = vehicle
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.confirmedBy = confirmedBy
        self.staff = staff
        self.lines = lines.sorted { $0.tracking < $1.tracking }
        var counts = Dictionary(uniqueKeysWithValues: ["scanned", "missing", "extra", "damaged", "misrouted"].map { ($0, 0) })
        for line in lines { counts[line.status, default: 0] += 1 }
        counts["expected"] = lines.filter(\.expected).count
        counts["total"] = lines.count
        self.counts = counts
        self.manifestDigest = manifestDigest
    }
}

/// Any signed document of a station (a receipt, a manifest): the same envelope. What the body is comes from its
/// `format` field, which each kind's `verify` checks.
public typealias SignedDocument = SignedReceipt

/// A receipt as exported and printed: the canonical body text, its SHA-256 digest, and the station's Ed25519
/// signature of that digest. Anyone with the station's public key can check it offline.
public struct SignedReceipt: Codable, Sendable, Equatable {
    /// The body as canonical JSON (sorted keys, no whitespace): the exact bytes that were hashed.
    public var body: String
    /// Lower-case hex SHA-256 of `body`'s UTF-8 bytes.
    public var digest: String
    /// Base64 Ed25519 signature of the 32 digest bytes.
    public var signature: String
    /// Base64 raw Ed25519 public key of the signing station (for display; trust comes from the key you hold).
    public var publicKey: String

    public init(body: String, digest: String, signature: String, publicKey: String) {
        self.body = body
        self.digest = digest
        self.signature = signature
        self.publicKey = publicKey
    }
}

public enum Receipts {
    /// The canonical text of a body.
    public static func canonical(_ body: ReceiptBody) throws -> String { try canonicalText(body) }

    /// The canonical text of any body: sorted keys, no whitespace, absent optionals left out.
    static func canonicalText(_ body: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(body), as: UTF8.self)
    }

    /// Times on receipts: UTC, milliseconds, as on the socket.
    public static func timestamp(_ millis: Int64) -> String {
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(millis % 1000))
    }

    public static func hexDigest(of text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public static func sign(_ body: ReceiptBody, with key: Curve25519.Signing.PrivateKey) throws -> SignedReceipt {
        try signBody(body, with: key)
    }

    /// Signs the canonical text of any body: the digest of the text, signed with the station's key.
    static func signBody(_ body: some Encodable, with key: Curve25519.Signing.PrivateKey) throws -> SignedDocument {
        let text = try canonicalText(body)
        let digest = hexDigest(of: text)
        let signature = try key.signature(for: Data(hexBytes(digest)))
        return SignedReceipt(
            body: text, digest: digest, signature: signature.base64EncodedString(),
            publicKey: key.publicKey.rawRepresentation.base64EncodedString())
    }

    /// Why a receipt does not verify.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case digestMismatch(expected: String, found: String)
        case badSignature
        case untrustedKey
        case chainBroken(seq: Int64, expectedPrevious: String?, found: String?)
        /// A validly signed document of another kind (its `format`), e.g. a station's signed manifest.
        case wrongFormat(found: String)

        public var description: String {
            switch self {
            case .unreadable(let why): return "not a parcel-station receipt: \(why)"
            case .wrongFormat(let found):
                return found == ManifestBody.currentFormat
                    ? "this is a station's signed manifest (\(found)), not a receipt"
                    : "this is a \(found) document, not a receipt (\(ReceiptBody.currentFormat))"
            case .digestMismatch(let expected, let found):
                return "the body was changed: its digest is \(found), the receipt says \(expected)"
            case .badSignature: return "the signature does not match the body: forged or altered"
            case .untrustedKey: return "signed with a key other than the station's public key you gave"
            case .chainBroken(let seq, let expected, let found):
                return "receipt \(seq) names previous digest \(found ?? "none"), but the receipt before it has \(expected ?? "none")"
            }
        }
    }

    /// Checks digest and signature; with `trustedKey` (base64 raw Ed25519), also that the station signed it.
    /// Returns the decoded body. A signed document of another kind (a manifest) is refused (`wrongFormat`).
    @discardableResult
    public static func verify(_ receipt: SignedReceipt, trustedKey: String? = nil) throws -> ReceiptBody {
        switch checkSignature(receipt, trustedKey: trustedKey) {
        case .digestMismatch(let found): throw Failure.digestMismatch(expected: receipt.digest, found: found)
        case .unreadableKey: throw Failure.unreadable("the public key is not a base64 Ed25519 key")
        case .badSignature, .untrustedKey:
            // A document of another kind (a manifest given as a receipt) is named as such, whatever its key.
            if let format = otherFormat(of: receipt.body, than: ReceiptBody.currentFormat) { throw Failure.wrongFormat(found: format) }
            throw trustedKey != nil && trustedKey != receipt.publicKey ? Failure.untrustedKey : Failure.badSignature
        case nil: break
        }
        guard let body = try? StrictJSONDecoder().decode(ReceiptBody.self, from: Data(receipt.body.utf8)) else {
            if let format = otherFormat(of: receipt.body, than: ReceiptBody.currentFormat) { throw Failure.wrongFormat(found: format) }
            throw Failure.unreadable("the body is not a receipt body")
        }
        guard body.format == ReceiptBody.currentFormat else { throw Failure.wrongFormat(found: body.format) }
        return body
    }

    /// Why a document's digest or signature does not hold (the kinds' `verify` word it for their own kind).
    enum SignatureProblem {
        case digestMismatch(found: String)
        case unreadableKey
        case badSignature
        case untrustedKey
    }

    /// Checks a document's digest against its body and its signature against `trustedKey` (or, without one, the key
    /// it names); nil when both hold.
    static func checkSignature(_ document: SignedDocument, trustedKey: String?) -> SignatureProblem? {
        let found = hexDigest(of: document.body)
        guard found == document.digest else { return .digestMismatch(found: found) }
        guard let keyBytes = Data(base64Encoded: trustedKey ?? document.publicKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { return .unreadableKey }
        guard let signature = Data(base64Encoded: document.signature),
            key.isValidSignature(signature, for: Data(hexBytes(document.digest)))
        else { return trustedKey != nil && trustedKey != document.publicKey ? .untrustedKey : .badSignature }
        return nil
    }

    /// The `format` of a body that did not decode as the kind expected, when it names another parcel-station document
    /// kind (`parcel-station-…`): a signed document of the wrong kind, not a damaged one.
    static func otherFormat(of body: String, than expected: String) -> String? {
        struct Probe: Decodable { var format: String? }
        guard let format = (try? StrictJSONDecoder().decode(Probe.self, from: Data(body.utf8)))?.format,
            format != expected, format.hasPrefix("parcel-station-")
        else { return nil }
        return format
    }

    /// Verifies each receipt and that each names the digest of the one before (in the order given).
    public static func verifyChain(_ receipts: [SignedReceipt], trustedKey: String? = nil) throws -> [ReceiptBody] {
        var previous: (seq: Int64, digest: String)? = nil
        var bodies: [ReceiptBody] = []
        for receipt in receipts {
            let body = try verify(receipt, trustedKey: trustedKey)
            if let previous, body.previousDigest != previous.digest {
                throw Failure.chainBroken(seq: body.seq, expectedPrevious: previous.digest, found: body.previousDigest)
            }
            previous = (body.seq, receipt.digest)
            bodies.append(body)
        }
        return bodies
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
