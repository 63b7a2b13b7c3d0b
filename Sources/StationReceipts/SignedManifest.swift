public import Crypto
import Foundation
import StrictJSON

/// What a station sends another parcel-station on an outbound handoff (a transfer down the chain, a return up it):
/// the lines and bags it hands over, signed by the sender like a receipt and chained per sender the same way. The
/// receiver imports it as its inbound manifest; its receipt names this document's digest (`ReceiptBody.manifestDigest`).
public struct ManifestBody: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var tracking: String
        public var courier: String?
        /// The bag (总包) the parcel travels in, by its label.
        public var bag: String?
        /// Where the parcel is going (a village name or sort code), as the sender's relay routed it.
        public var destination: String?
        public var phoneTail: String?
        /// The line's number on the sender's handoff (from 1).
        public var line: Int

        public init(tracking: String, courier: String?, bag: String?, destination: String?, phoneTail: String?, line: Int) {
            self.tracking = tracking
            self.courier = courier
            self.bag = bag
            self.destination = destination
            self.phoneTail = phoneTail
            self.line = line
        }
    }

    /// A bag and how many of the manifest's lines are in it.
    public struct Bag: Codable, Sendable, Equatable {
        public var id: String
        public var lines: Int

        public init(id: String, lines: Int) {
            self.id = id
            self.lines = lines
        }
    }

    public static let currentFormat = "parcel-station-manifest/1"

    public var format: String
    /// The sending station and the one it is addressed to.
    public var from: ReceiptBody.Station
    public var to: ReceiptBody.Station
    /// The sender's manifests are numbered from 1; each names the digest of the one before.
    public var seq: Int64
    public var previousDigest: String?
    /// The sender's handoff uid and kind (`transfer`, `return`, …).
    public var handoff: String
    public var kind: String
    /// `Receipts.timestamp` form.
    public var createdAt: String
    public var staff: String
    /// Sorted by tracking number (then line number).
    public var lines: [Line]
    /// Derived from the lines' bags, sorted by id.
    public var bags: [Bag]

    public init(
        from: ReceiptBody.Station, to: ReceiptBody.Station, seq: Int64, previousDigest: String?, handoff: String, kind: String,
        createdAt: String, staff: String, lines: [Line]
    ) {
        self.format = Self.currentFormat
        self.from = from
        self.to = to
        self.seq = seq
        self.previousDigest = previousDigest
        self.handoff = handoff
        self.kind = kind
        self.createdAt = createdAt
        self.staff = staff
        self.lines = lines.sorted { ($0.tracking, $0.line) < ($1.tracking, $1.line) }
        self.bags = Self.bags(of: lines)
    }

    /// Each bag named by `lines`, with its line count, sorted by id.
    public static func bags(of lines: [Line]) -> [Bag] {
        var counts: [String: Int] = [:]
        for line in lines {
            if let bag = line.bag { counts[bag, default: 0] += 1 }
        }
        return counts.keys.sorted().map { Bag(id: $0, lines: counts[$0]!) }
    }
}

/// Signing and checking manifests. The envelope, canonical text, digest and signature are those of receipts
/// (`Receipts`); only the body differs, told apart by its `format`, so neither kind passes for the other.
public enum Manifests {
    /// The canonical text of a manifest body (what `sign` hashes).
    public static func canonical(_ body: ManifestBody) throws -> String { try Receipts.canonicalText(body) }

    public static func sign(_ body: ManifestBody, with key: Curve25519.Signing.PrivateKey) throws -> SignedDocument {
        try Receipts.signBody(body, with: key)
    }

    /// Why a manifest does not verify.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unreadable(String)
        case digestMismatch(expected: String, found: String)
        case badSignature
        /// Validly signed, but not with the sending station's key that was given.
        case untrustedKey
        /// A validly signed document of another kind (its `format`), e.g. a receipt.
        case wrongFormat(found: String)
        /// The bag list does not match the lines' bags, or the lines are not in order: not as `ManifestBody.init` makes it.
        case inconsistent(String)
        case chainBroken(seq: Int64, expectedPrevious: String?, found: String?)

        public var description: String {
            switch self {
            case .unreadable(let why): return "not a parcel-station manifest: \(why)"
            case .digestMismatch(let expected, let found):
                return "the manifest was changed: its body's digest is \(found), the document says \(expected)"
            case .badSignature: return "the manifest's signature does not match its body: forged or altered"
            case .untrustedKey: return "the manifest was signed with a key other than the sending station's public key you gave"
            case .wrongFormat(let found):
                return found == ReceiptBody.currentFormat
                    ? "this is a handoff receipt (\(found)), not a manifest"
                    : "this is a \(found) document, not a manifest (\(ManifestBody.currentFormat))"
            case .inconsistent(let why): return "the manifest contradicts itself: \(why)"
            case .chainBroken(let seq, let expected, let found):
                return "manifest \(seq) names previous digest \(found ?? "none"), but the manifest before it has \(expected ?? "none")"
            }
        }
    }

    /// Checks digest, signature (against `trustedKey`, the sending station's base64 raw Ed25519 key as configured,
    /// never the key the document names) and format; returns the decoded body.
    @discardableResult
    public static func verify(_ document: SignedDocument, trustedKey: String) throws -> ManifestBody {
        switch Receipts.checkSignature(document, trustedKey: trustedKey) {
        case .digestMismatch(let found): throw Failure.digestMismatch(expected: document.digest, found: found)
        case .unreadableKey: throw Failure.unreadable("the public key given is not a base64 Ed25519 key")
        case .badSignature, .untrustedKey:
            // A document of another kind (a receipt given as a manifest) is named as such, whatever its key.
            if let format = Receipts.otherFormat(of: document.body, than: ManifestBody.currentFormat) {
                throw Failure.wrongFormat(found: format)
            }
            throw trustedKey != document.publicKey ? Failure.untrustedKey : Failure.badSignature
        case nil: break
        }
        guard let body = try? StrictJSONDecoder().decode(ManifestBody.self, from: Data(document.body.utf8)) else {
            if let format = Receipts.otherFormat(of: document.body, than: ManifestBody.currentFormat) {
                throw Failure.wrongFormat(found: format)
            }
            throw Failure.unreadable("the body is not a manifest body")
        }
        guard body.format == ManifestBody.currentFormat else { throw Failure.wrongFormat(found: body.format) }
        guard body.bags == ManifestBody.bags(of: body.lines) else {
            throw Failure.inconsistent("its bag list does not match the bags its lines name")
        }
        guard zip(body.lines, body.lines.dropFirst()).allSatisfy({ $0.tracking <= $1.tracking }) else {
            throw Failure.inconsistent("its lines are not in tracking-number order")
        }
        return body
    }

    /// Verifies each manifest of one sender and that each names the digest of the one before (in the order given).
    public static func verifyChain(_ documents: [SignedDocument], trustedKey: String) throws -> [ManifestBody] {
        var previous: String? = nil
        var bodies: [ManifestBody] = []
        for document in documents {
            let body = try verify(document, trustedKey: trustedKey)
            if let previous, body.previousDigest != previous {
                throw Failure.chainBroken(seq: body.seq, expectedPrevious: previous, found: body.previousDigest)
            }
            previous = document.digest
            bodies.append(body)
        }
        return bodies
    }
}

/// The two halves of a station-to-station handoff checked together, offline: the sender's signed manifest and the
/// receiver's signed receipt that answers it.
public enum Exchange {
    /// A parcel on which the two sides do not simply agree.
    public struct Difference: Sendable, Equatable {
        public var tracking: String
        /// On the sender's manifest.
        public var listed: Bool
        /// The receipt's status for it (`missing`, `damaged`, `extra`, `misrouted`, …), or `unreported` for a
        /// manifest line the receipt does not mention at all.
        public var status: String

        public init(tracking: String, listed: Bool, status: String) {
            self.tracking = tracking
            self.listed = listed
            self.status = status
        }
    }

    public struct PairReport: Sendable, Equatable {
        public var manifest: ManifestBody
        public var receipt: ReceiptBody
        /// Every manifest line the receipt does not report `scanned`, and every receipt line not on the manifest,
        /// by tracking number.
        public var differences: [Difference]
    }

    /// Why a manifest and a receipt do not make a valid pair. Each names the document at fault.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The manifest itself does not verify against the sender's key (tampered, forged, wrong key, not a manifest).
        case manifest(Manifests.Failure)
        /// The receipt itself does not verify against the receiver's key.
        case receipt(Receipts.Failure)
        /// The receipt answers another manifest (or none): the digest it names, and the manifest's.
        case receiptForAnotherManifest(named: String?, manifest: String)
        /// The receipt was made by another station than the one the manifest is addressed to.
        case receiverMismatch(addressedTo: String, receiptStation: String)
        /// The receipt's handoff party is not the station that sent the manifest.
        case senderMismatch(sentBy: String, receiptParty: String)

        public var description: String {
            switch self {
            case .manifest(let failure): return "the manifest does not verify: \(failure.description)"
            case .receipt(let failure):
                let words =
                    failure == .untrustedKey
                    ? "the receipt was signed with a key other than the receiving station's public key you gave" : failure.description
                return "the receipt does not verify: \(words)"
            case .receiptForAnotherManifest(let named, let manifest):
                guard let named else {
                    return "the receipt names no manifest; this manifest's digest is \(manifest): not the receipt for it"
                }
                return "the receipt answers another manifest (digest \(named)), not this one (\(manifest))"
            case .receiverMismatch(let addressedTo, let receiptStation):
                return "the manifest is addressed to station \(addressedTo), but the receipt is station \(receiptStation)'s"
            case .senderMismatch(let sentBy, let receiptParty):
                return "the manifest was sent by station \(sentBy), but the receipt is for a handoff with \(receiptParty)"
            }
        }
    }

    /// Verifies both documents with the keys given (the sender's for the manifest, the receiver's for the receipt),
    /// that the receipt answers this manifest, between these two stations, and lists where they differ.
    public static func verifyPair(manifest: SignedDocument, receipt: SignedDocument, senderKey: String, receiverKey: String) throws
        -> PairReport
    {
        let manifestBody: ManifestBody
        do {
            manifestBody = try Manifests.verify(manifest, trustedKey: senderKey)
        } catch let failure as Manifests.Failure {
            throw Failure.manifest(failure)
        }
        let receiptBody: ReceiptBody
        do {
            receiptBody = try Receipts.verify(receipt, trustedKey: receiverKey)
        } catch let failure as Receipts.Failure {
            throw Failure.receipt(failure)
        }
        guard receiptBody.manifestDigest == manifest.digest else {
            throw Failure.receiptForAnotherManifest(named: receiptBody.manifestDigest, manifest: manifest.digest)
        }
        guard receiptBody.station.id == manifestBody.to.id else {
            throw Failure.receiverMismatch(addressedTo: manifestBody.to.id, receiptStation: receiptBody.station.id)
        }
        guard receiptBody.party.id == manifestBody.from.id else {
            throw Failure.senderMismatch(sentBy: manifestBody.from.id, receiptParty: receiptBody.party.id)
        }
        return PairReport(manifest: manifestBody, receipt: receiptBody, differences: differences(manifestBody, receiptBody))
    }

    /// Both line lists are sorted by tracking number: one merge pass.
    static func differences(_ manifest: ManifestBody, _ receipt: ReceiptBody) -> [Difference] {
        var found: [Difference] = []
        var listed = manifest.lines.makeIterator()
        var reported = receipt.lines.makeIterator()
        var nextListed = listed.next()
        var nextReported = reported.next()
        while nextListed != nil || nextReported != nil {
            if let line = nextListed, nextReported.map({ line.tracking < $0.tracking }) ?? true {
                found.append(Difference(tracking: line.tracking, listed: true, status: "unreported"))
                nextListed = listed.next()
            } else if let line = nextReported, nextListed.map({ line.tracking < $0.tracking }) ?? true {
                found.append(Difference(tracking: line.tracking, listed: false, status: line.status))
                nextReported = reported.next()
            } else if let line = nextReported {
                // On both: a difference unless the receiver scanned it.
                if line.status != "scanned" { found.append(Difference(tracking: line.tracking, listed: true, status: line.status)) }
                nextListed = listed.next()
                nextReported = reported.next()
            }
        }
        return found
    }
}
