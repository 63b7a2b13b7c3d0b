import Crypto
import Foundation
import StationReceipts
import Testing

/// Receipts on their own: the canonical body, its digest, the Ed25519 signature and what verification refuses.
/// The known answers were computed outside Swift (Python's hashlib and `cryptography`) from the format in
/// Protocol.md; the signing key is RFC 8032's first test key.
@Suite struct ReceiptTests {
    /// RFC 8032, section 7.1, test 1: the secret key and its public key.
    static var stationKey: Curve25519.Signing.PrivateKey {
        try! Curve25519.Signing.PrivateKey(
            rawRepresentation: bytes(hex: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
    }
    static let stationPublicKey = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

    /// 2026-11-02T04:30:00.123Z.
    static let closedAt: Int64 = 1_793_593_800_123

    /// An inbound delivery: one parcel scanned, one missing; lines given out of order, optional fields left out.
    static func body(seq: Int64 = 1, previousDigest: String? = nil) -> ReceiptBody {
        ReceiptBody(
            station: .init(id: "cun-01", name: "李家村服务站"), seq: seq, previousDigest: previousDigest, handoff: "H-\(seq)",
            direction: "inbound", kind: "delivery", party: .init(id: "zto-wang", name: "王师傅", company: "ZTO"), node: nil,
            nodeTier: nil, vehicle: nil, openedAt: Receipts.timestamp(1_793_592_000_000), closedAt: Receipts.timestamp(closedAt),
            confirmedBy: "pin", staff: "王芳",
            lines: [
                .init(
                    tracking: "75100000000002", courier: "ZTO", bag: nil, status: "missing", expected: true, note: nil, photo: nil,
                    manifestLine: 2),
                .init(
                    tracking: "75100000000001", courier: "ZTO", bag: "BAG-A", status: "scanned", expected: true, note: nil, photo: nil,
                    manifestLine: 1),
            ])
    }

    static let canonicalText = #"""
        {"closedAt":"2026-11-02T04:30:00.123Z","confirmedBy":"pin","counts":{"damaged":0,"expected":2,"extra":0,"misrouted":0,"missing":1,"scanned":1,"total":2},"direction":"inbound","format":"parcel-station-receipt/1","handoff":"H-1","kind":"delivery","lines":[{"bag":"BAG-A","courier":"ZTO","expected":true,"manifestLine":1,"status":"scanned","tracking":"75100000000001"},{"courier":"ZTO","expected":true,"manifestLine":2,"status":"missing","tracking":"75100000000002"}],"openedAt":"2026-11-02T04:00:00.000Z","party":{"company":"ZTO","id":"zto-wang","name":"王师傅"},"seq":1,"staff":"王芳","station":{"id":"cun-01","name":"李家村服务站"}}
        """#
    static let canonicalDigest = "c22dbd45a483910904138e344d675827177cc6a79575a9d3ffcc84f1a30aee05"
    /// Ed25519 is deterministic (RFC 8032): the same key and digest always give these bytes.
    static let canonicalSignature = "KQohwjqsviSuTxmv9zUt17s6wZvyP8+LCmkgSCFD9nW4VREXo+oim/iMIy+ZZheAqXvd30ltKCAQUKma+B7dCg=="

    static func bytes(hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { offset in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
        }
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(Receipts.timestamp(Self.closedAt) == "2026-11-02T04:30:00.123Z")
        #expect(Receipts.timestamp(5) == "1970-01-01T00:00:00.005Z")
    }

    @Test func theCanonicalBodyHasSortedKeysNoSpacesNoAbsentFieldsAndSortedLines() throws {
        let body = Self.body()
        #expect(body.lines.map(\.tracking) == ["75100000000001", "75100000000002"])
        #expect(body.counts == ["scanned": 1, "missing": 1, "damaged": 0, "extra": 0, "misrouted": 0, "expected": 2, "total": 2])
        #expect(try Receipts.canonical(body) == Self.canonicalText)
    }

    @Test func theDigestIsTheSHA256OfTheCanonicalText() {
        #expect(Receipts.hexDigest(of: Self.canonicalText) == Self.canonicalDigest)
        #expect(Receipts.hexDigest(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func signingSignsTheDigestBytesWithTheStationKey() throws {
        let receipt = try Receipts.sign(Self.body(), with: Self.stationKey)
        #expect(receipt.body == Self.canonicalText)
        #expect(receipt.digest == Self.canonicalDigest)
        #expect(receipt.publicKey == Self.stationPublicKey)
        #if os(Linux)
            // BoringSSL signs as RFC 8032 says; CryptoKit on Apple platforms adds randomness.
            #expect(receipt.signature == Self.canonicalSignature)
        #endif
        // What is signed is the 32 digest bytes, not the body or the hex text.
        let signature = try #require(Data(base64Encoded: receipt.signature))
        #expect(Self.stationKey.publicKey.isValidSignature(signature, for: Data(Self.bytes(hex: Self.canonicalDigest))))
        #expect(!Self.stationKey.publicKey.isValidSignature(signature, for: Data(Self.canonicalText.utf8)))
        #expect(try Receipts.verify(receipt, trustedKey: Self.stationPublicKey) == Self.body())
    }

    @Test func aReceiptSignedElsewhereKnownAnswerVerifies() throws {
        let receipt = SignedReceipt(
            body: Self.canonicalText, digest: Self.canonicalDigest, signature: Self.canonicalSignature, publicKey: Self.stationPublicKey)
        #expect(try Receipts.verify(receipt, trustedKey: Self.stationPublicKey) == Self.body())
    }

    @Test func anyChangeToASignedReceiptIsCaught() throws {
        let receipt = try Receipts.sign(Self.body(), with: Self.stationKey)
        // The body changed, the digest left as it was.
        var altered = receipt
        altered.body = receipt.body.replacingOccurrences(of: #""missing":1"#, with: #""missing":0"#)
        #expect(altered.body != receipt.body)
        #expect(throws: Receipts.Failure.digestMismatch(expected: Self.canonicalDigest, found: Receipts.hexDigest(of: altered.body))) {
            try Receipts.verify(altered, trustedKey: Self.stationPublicKey)
        }
        // The body changed and its digest recomputed: the signature no longer matches.
        altered.digest = Receipts.hexDigest(of: altered.body)
        #expect(throws: Receipts.Failure.badSignature) { try Receipts.verify(altered, trustedKey: Self.stationPublicKey) }
        #expect(throws: Receipts.Failure.badSignature) { try Receipts.verify(altered) }
        // Another receipt's signature on this one.
        var swapped = receipt
        swapped.signature = try Receipts.sign(Self.body(seq: 2, previousDigest: receipt.digest), with: Self.stationKey).signature
        #expect(throws: Receipts.Failure.badSignature) { try Receipts.verify(swapped, trustedKey: Self.stationPublicKey) }
        // A signature that is not base64, a trusted key that is not a key.
        var garbled = receipt
        garbled.signature = "not base64!"
        #expect(throws: Receipts.Failure.badSignature) { try Receipts.verify(garbled, trustedKey: Self.stationPublicKey) }
        #expect(throws: Receipts.Failure.unreadable("the public key is not a base64 Ed25519 key")) {
            try Receipts.verify(receipt, trustedKey: "c3RhdGlvbg==")
        }
    }

    @Test func aReceiptFromAnotherKeyIsRefused() throws {
        let impostor = Curve25519.Signing.PrivateKey()
        let forged = try Receipts.sign(Self.body(), with: impostor)
        #expect(forged.publicKey != Self.stationPublicKey)
        // It is consistent with the key it names, but that is not the station's key.
        #expect(try Receipts.verify(forged) == Self.body())
        #expect(throws: Receipts.Failure.untrustedKey) { try Receipts.verify(forged, trustedKey: Self.stationPublicKey) }
        // Naming the station's key in the receipt does not help.
        var disguised = forged
        disguised.publicKey = Self.stationPublicKey
        #expect(throws: Receipts.Failure.badSignature) { try Receipts.verify(disguised) }
        #expect(throws: Receipts.Failure.badSignature) { try Receipts.verify(disguised, trustedKey: Self.stationPublicKey) }
    }

    @Test func aSignedTextThatIsNotAReceiptBodyIsUnreadable() throws {
        let text = #"{"format":"something-else"}"#
        let digest = Receipts.hexDigest(of: text)
        let signature = try Self.stationKey.signature(for: Data(Self.bytes(hex: digest)))
        let receipt = SignedReceipt(
            body: text, digest: digest, signature: signature.base64EncodedString(), publicKey: Self.stationPublicKey)
        #expect(throws: Receipts.Failure.unreadable("the body is not a receipt body")) {
            try Receipts.verify(receipt, trustedKey: Self.stationPublicKey)
        }
    }

    @Test func aChainHoldsOnlyInOrderWithEachReceiptNamingTheOneBefore() throws {
        let first = try Receipts.sign(Self.body(), with: Self.stationKey)
        let second = try Receipts.sign(Self.body(seq: 2, previousDigest: first.digest), with: Self.stationKey)
        let third = try Receipts.sign(Self.body(seq: 3, previousDigest: second.digest), with: Self.stationKey)
        #expect(try Receipts.verifyChain([first, second, third], trustedKey: Self.stationPublicKey).map(\.seq) == [1, 2, 3])
        #expect(throws: Receipts.Failure.chainBroken(seq: 1, expectedPrevious: second.digest, found: nil)) {
            try Receipts.verifyChain([second, first])
        }
        // A receipt left out.
        #expect(throws: Receipts.Failure.chainBroken(seq: 3, expectedPrevious: first.digest, found: second.digest)) {
            try Receipts.verifyChain([first, third], trustedKey: Self.stationPublicKey)
        }
    }
}
