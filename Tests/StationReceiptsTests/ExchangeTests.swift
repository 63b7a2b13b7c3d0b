import Crypto
import Foundation
import StationReceipts
import Testing

/// Signed manifests between two parcel-stations and the pair check (manifest + the receiver's receipt) offline.
@Suite struct ExchangeTests {
    /// The township (sender) and the village (receiver), each with its own key.
    static var senderKey: Curve25519.Signing.PrivateKey { try! .init(rawRepresentation: [UInt8](repeating: 0x11, count: 32)) }
    static var receiverKey: Curve25519.Signing.PrivateKey { try! .init(rawRepresentation: [UInt8](repeating: 0x22, count: 32)) }
    static var senderPublic: String { senderKey.publicKey.rawRepresentation.base64EncodedString() }
    static var receiverPublic: String { receiverKey.publicKey.rawRepresentation.base64EncodedString() }
    static let township = ReceiptBody.Station(id: "xiang-01", name: "王庄镇中转站")
    static let village = ReceiptBody.Station(id: "cun-01", name: "李家村服务站")

    static func manifest(seq: Int64 = 1, previousDigest: String? = nil, lines count: Int = 4) -> ManifestBody {
        ManifestBody(
            from: township, to: village, seq: seq, previousDigest: previousDigest, handoff: "H-T\(seq)", kind: "transfer",
            createdAt: Receipts.timestamp(1_793_592_000_000), staff: "张伟",
            lines: (1...count).reversed().map { index in
                .init(
                    tracking: String(format: "7510000000%04d", index), courier: "ZTO", bag: index % 2 == 0 ? "BAG-B" : "BAG-A",
                    destination: "李家村", phoneTail: String(format: "%04d", index), line: index)
            })
    }

    /// The village's receipt for `manifest`: line 2 missing, line 3 damaged, one parcel not on the manifest.
    static func receipt(for manifest: SignedDocument, body: ManifestBody, station: ReceiptBody.Station = village) -> ReceiptBody {
        var lines: [ReceiptBody.Line] = body.lines.map { line in
            let status = line.line == 2 ? "missing" : line.line == 3 ? "damaged" : "scanned"
            return .init(
                tracking: line.tracking, courier: line.courier, bag: line.bag, status: status, expected: true, note: nil, photo: nil,
                manifestLine: line.line)
        }
        lines.append(
            .init(
                tracking: "75199999999999", courier: "ZTO", bag: nil, status: "extra", expected: false, note: nil, photo: nil,
                manifestLine: nil))
        return ReceiptBody(
            station: station, seq: 7, previousDigest: nil, handoff: "H-V7", direction: "inbound", kind: "transfer",
            party: .init(id: township.id, name: township.name, company: nil), node: nil, nodeTier: nil, vehicle: nil,
            openedAt: Receipts.timestamp(1_793_593_000_000), closedAt: Receipts.timestamp(1_793_593_800_123), confirmedBy: "station",
            staff: "王芳", lines: lines, manifestDigest: manifest.digest)
    }

    static func signedPair() throws -> (manifest: SignedDocument, receipt: SignedDocument) {
        let body = manifest()
        let signed = try Manifests.sign(body, with: senderKey)
        return (signed, try Receipts.sign(receipt(for: signed, body: body), with: receiverKey))
    }

    @Test func aManifestSignsAndVerifiesWithItsLinesSortedAndBagsDerived() throws {
        let body = Self.manifest()
        #expect(body.format == "parcel-station-manifest/1")
        #expect(body.lines.map(\.line) == [1, 2, 3, 4])
        #expect(body.bags == [.init(id: "BAG-A", lines: 2), .init(id: "BAG-B", lines: 2)])
        let signed = try Manifests.sign(body, with: Self.senderKey)
        #expect(signed.body == (try Manifests.canonical(body)))
        #expect(signed.digest == Receipts.hexDigest(of: signed.body))
        #expect(signed.publicKey == Self.senderPublic)
        #expect(try Manifests.verify(signed, trustedKey: Self.senderPublic) == body)
        // The canonical text leaves out an absent previous digest and keeps key order.
        #expect(!signed.body.contains("previousDigest"))
        #expect(signed.body.hasPrefix(#"{"bags":[{"id":"BAG-A","lines":2}"#))
    }

    @Test func aChangedManifestIsRefusedNamingWhy() throws {
        let signed = try Manifests.sign(Self.manifest(), with: Self.senderKey)
        var altered = signed
        altered.body = signed.body.replacingOccurrences(of: "75100000000002", with: "75100000000009")
        #expect(altered.body != signed.body)
        #expect(throws: Manifests.Failure.digestMismatch(expected: signed.digest, found: Receipts.hexDigest(of: altered.body))) {
            try Manifests.verify(altered, trustedKey: Self.senderPublic)
        }
        altered.digest = Receipts.hexDigest(of: altered.body)
        #expect(throws: Manifests.Failure.badSignature) { try Manifests.verify(altered, trustedKey: Self.senderPublic) }
        // Signed by another station: refused against the sender's configured key, whatever key the document names.
        let forged = try Manifests.sign(Self.manifest(), with: Curve25519.Signing.PrivateKey())
        #expect(throws: Manifests.Failure.untrustedKey) { try Manifests.verify(forged, trustedKey: Self.senderPublic) }
        var disguised = forged
        disguised.publicKey = Self.senderPublic
        #expect(throws: Manifests.Failure.badSignature) { try Manifests.verify(disguised, trustedKey: Self.senderPublic) }
    }

    @Test func aManifestAndAReceiptCannotPassForEachOther() throws {
        let (manifest, receipt) = try Self.signedPair()
        #expect(throws: Receipts.Failure.wrongFormat(found: "parcel-station-manifest/1")) {
            try Receipts.verify(manifest, trustedKey: Self.senderPublic)
        }
        #expect(throws: Receipts.Failure.wrongFormat(found: "parcel-station-manifest/1")) { try Receipts.verify(manifest) }
        #expect(throws: Manifests.Failure.wrongFormat(found: "parcel-station-receipt/1")) {
            try Manifests.verify(receipt, trustedKey: Self.receiverPublic)
        }
        #expect(Receipts.Failure.wrongFormat(found: ManifestBody.currentFormat).description.contains("signed manifest"))
        #expect(Manifests.Failure.wrongFormat(found: ReceiptBody.currentFormat).description.contains("receipt"))
    }

    @Test func aManifestWhoseBagsContradictItsLinesIsRefused() throws {
        var body = Self.manifest()
        body.bags = [.init(id: "BAG-A", lines: 3)]
        let signed = try Manifests.sign(body, with: Self.senderKey)
        #expect(throws: Manifests.Failure.inconsistent("its bag list does not match the bags its lines name")) {
            try Manifests.verify(signed, trustedKey: Self.senderPublic)
        }
    }

    @Test func aManifestChainHoldsOnlyWithEachNamingTheOneBefore() throws {
        let first = try Manifests.sign(Self.manifest(), with: Self.senderKey)
        let second = try Manifests.sign(Self.manifest(seq: 2, previousDigest: first.digest), with: Self.senderKey)
        let third = try Manifests.sign(Self.manifest(seq: 3, previousDigest: second.digest), with: Self.senderKey)
        #expect(try Manifests.verifyChain([first, second, third], trustedKey: Self.senderPublic).map(\.seq) == [1, 2, 3])
        #expect(throws: Manifests.Failure.chainBroken(seq: 3, expectedPrevious: first.digest, found: second.digest)) {
            try Manifests.verifyChain([first, third], trustedKey: Self.senderPublic)
        }
    }

    @Test func aReceiptWithoutAManifestDigestKeepsItsOldCanonicalText() throws {
        let body = Self.receipt(for: try Manifests.sign(Self.manifest(), with: Self.senderKey), body: Self.manifest())
        var old = body
        old.manifestDigest = nil
        #expect(!(try Receipts.canonical(old)).contains("manifestDigest"))
        #expect((try Receipts.canonical(body)).contains(#""manifestDigest":""#))
    }

    @Test func aValidPairListsItsDifferences() throws {
        let (manifest, receipt) = try Self.signedPair()
        let report = try Exchange.verifyPair(
            manifest: manifest, receipt: receipt, senderKey: Self.senderPublic, receiverKey: Self.receiverPublic)
        #expect(report.manifest.handoff == "H-T1")
        #expect(report.receipt.manifestDigest == manifest.digest)
        #expect(
            report.differences == [
                .init(tracking: "75100000000002", listed: true, status: "missing"),
                .init(tracking: "75100000000003", listed: true, status: "damaged"),
                .init(tracking: "75199999999999", listed: false, status: "extra"),
            ])
    }

    @Test func aManifestLineTheReceiptLeavesOutIsUnreported() throws {
        let body = Self.manifest()
        let manifest = try Manifests.sign(body, with: Self.senderKey)
        var receiptBody = Self.receipt(for: manifest, body: body)
        receiptBody.lines.removeAll { $0.tracking == "75100000000004" }
        let receipt = try Receipts.sign(receiptBody, with: Self.receiverKey)
        let report = try Exchange.verifyPair(
            manifest: manifest, receipt: receipt, senderKey: Self.senderPublic, receiverKey: Self.receiverPublic)
        #expect(report.differences.contains(.init(tracking: "75100000000004", listed: true, status: "unreported")))
        #expect(report.differences.count == 4)
    }

    @Test func eachWayAPairFailsIsDistinctAndNamesTheDocument() throws {
        let (manifest, receipt) = try Self.signedPair()
        func failure(
            _ manifest: SignedDocument, _ receipt: SignedDocument, senderKey: String = Self.senderPublic,
            receiverKey: String = Self.receiverPublic
        ) -> Exchange.Failure? {
            do {
                _ = try Exchange.verifyPair(manifest: manifest, receipt: receipt, senderKey: senderKey, receiverKey: receiverKey)
                return nil
            } catch let failure as Exchange.Failure {
                return failure
            } catch {
                return nil
            }
        }
        // A tampered manifest: a line's tracking number changed after signing.
        var tamperedManifest = manifest
        tamperedManifest.body = manifest.body.replacingOccurrences(of: "75100000000001", with: "75100000000008")
        let manifestTampered = failure(tamperedManifest, receipt)
        guard case .manifest(.digestMismatch) = manifestTampered else {
            Issue.record("tampered manifest: \(String(describing: manifestTampered))")
            return
        }
        #expect(manifestTampered!.description.hasPrefix("the manifest does not verify: the manifest was changed"))
        // A tampered receipt: a missing parcel turned scanned, digest recomputed.
        var tamperedReceipt = receipt
        tamperedReceipt.body = receipt.body.replacingOccurrences(of: #""status":"missing""#, with: #""status":"scanned""#)
        tamperedReceipt.digest = Receipts.hexDigest(of: tamperedReceipt.body)
        #expect(failure(manifest, tamperedReceipt) == .receipt(.badSignature))
        #expect(failure(manifest, tamperedReceipt)!.description.hasPrefix("the receipt does not verify"))
        // Wrong keys: each names its document.
        let stranger = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
        #expect(failure(manifest, receipt, senderKey: stranger) == .manifest(.untrustedKey))
        #expect(failure(manifest, receipt, receiverKey: stranger) == .receipt(.untrustedKey))
        #expect(failure(manifest, receipt, senderKey: Self.receiverPublic, receiverKey: Self.senderPublic) == .manifest(.untrustedKey))
        #expect(failure(manifest, receipt, receiverKey: stranger)!.description.contains("receiving station's public key"))
        #expect(failure(manifest, receipt, senderKey: stranger)!.description.contains("sending station's public key"))
        // A receipt for another manifest (the sender's next one).
        let other = try Manifests.sign(Self.manifest(seq: 2, previousDigest: manifest.digest), with: Self.senderKey)
        #expect(failure(other, receipt) == .receiptForAnotherManifest(named: manifest.digest, manifest: other.digest))
        // A receipt that names no manifest (closed by PIN).
        var pinBody = Self.receipt(for: manifest, body: Self.manifest())
        pinBody.manifestDigest = nil
        let pinReceipt = try Receipts.sign(pinBody, with: Self.receiverKey)
        #expect(failure(manifest, pinReceipt) == .receiptForAnotherManifest(named: nil, manifest: manifest.digest))
        // The documents given the wrong way round, or the manifest twice.
        #expect(failure(receipt, manifest) == .manifest(.wrongFormat(found: "parcel-station-receipt/1")))
        #expect(failure(manifest, manifest) == .receipt(.wrongFormat(found: "parcel-station-manifest/1")))
        // A receipt by another station than the one addressed, with its own key.
        let elsewhere = ReceiptBody.Station(id: "cun-02", name: "张家村服务站")
        let otherReceipt = try Receipts.sign(Self.receipt(for: manifest, body: Self.manifest(), station: elsewhere), with: Self.receiverKey)
        #expect(failure(manifest, otherReceipt) == .receiverMismatch(addressedTo: "cun-01", receiptStation: "cun-02"))
        // Every failure above reads differently.
        let descriptions = [
            manifestTampered, failure(manifest, tamperedReceipt), failure(manifest, receipt, senderKey: stranger),
            failure(manifest, receipt, receiverKey: stranger), failure(other, receipt), failure(manifest, manifest),
        ].map { $0?.description ?? "" }
        #expect(Set(descriptions).count == descriptions.count)
    }

    @Test func aReceiptForAHandoffWithAnotherPartyIsRefused() throws {
        let body = Self.manifest()
        let manifest = try Manifests.sign(body, with: Self.senderKey)
        var receiptBody = Self.receipt(for: manifest, body: body)
        receiptBody.party = .init(id: "zto-wang", name: "王师傅", company: "ZTO")
        let receipt = try Receipts.sign(receiptBody, with: Self.receiverKey)
        #expect(throws: Exchange.Failure.senderMismatch(sentBy: "xiang-01", receiptParty: "zto-wang")) {
            try Exchange.verifyPair(manifest: manifest, receipt: receipt, senderKey: Self.senderPublic, receiverKey: Self.receiverPublic)
        }
    }

    @Test func aTwoThousandLinePairVerifies() throws {
        let body = Self.manifest(lines: 2000)
        let manifest = try Manifests.sign(body, with: Self.senderKey)
        let receipt = try Receipts.sign(Self.receipt(for: manifest, body: body), with: Self.receiverKey)
        let report = try Exchange.verifyPair(
            manifest: manifest, receipt: receipt, senderKey: Self.senderPublic, receiverKey: Self.receiverPublic)
        #expect(report.manifest.lines.count == 2000)
        #expect(report.differences.count == 3)
    }
}
