import Crypto
import Foundation
import LabelDecoding
import StationDocuments
import StationReceipts
import Testing

/// Signed documents carried as QR codes: pieces, put back together in any order, and the printed pages read back
/// with the real zbar (LabelDecoding) from the PNG images.
@Suite struct DocumentQRTests {
    /// A signed manifest of `lines` lines, as the JSON file a station exports.
    static func manifestFile(lines count: Int, handoff: String = "H-T1") throws -> String {
        let key = Curve25519.Signing.PrivateKey()
        let body = ManifestBody(
            from: .init(id: "xiang-01", name: "王庄镇中转站"), to: .init(id: "cun-01", name: "李家村服务站"), seq: 1, previousDigest: nil,
            handoff: handoff, kind: "transfer", createdAt: Receipts.timestamp(1_793_592_000_000), staff: "张伟",
            lines: (1...count).map { index in
                // Tracking numbers as random as real ones, so deflate does not flatter the piece count.
                .init(
                    tracking: "SF" + String(UInt64.random(in: 1_000_000_000_000...9_999_999_999_999)), courier: "SF",
                    bag: "BAG-\(index % 7)", destination: index % 3 == 0 ? "张家村" : "李家村",
                    phoneTail: String(format: "%04d", index % 10_000), line: index)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(try Manifests.sign(body, with: key)), as: UTF8.self)
    }

    static func failure(_ pieces: [String]) -> DocumentQR.Failure? {
        do {
            _ = try DocumentQR.reassemble(pieces)
            return nil
        } catch let failure as DocumentQR.Failure {
            return failure
        } catch {
            return nil
        }
    }

    @Test func piecesGoBackTogetherInAnyOrderAndTwice() throws {
        let document = try Self.manifestFile(lines: 300)
        let pieces = DocumentQR.payloads(for: document, maxBytes: 600)
        #expect(pieces.count > 3)
        #expect(pieces.allSatisfy { $0.utf8.count <= 600 })
        let id = DocumentQR.id(of: document)
        #expect(pieces[0].hasPrefix("PSDOC1:\(id):1/\(pieces.count):"))
        #expect(try DocumentQR.reassemble(pieces.shuffled() + [pieces[2], pieces[0]]) == document)
        #expect(try DocumentQR.reassemble(pieces.map { " \($0)\n" }) == document)
        // Deflate: far fewer pieces than the raw text would need.
        #expect(pieces.count * 600 < document.utf8.count)
    }

    @Test func aMissingPieceIsNamedByNumber() throws {
        let pieces = DocumentQR.payloads(for: try Self.manifestFile(lines: 300), maxBytes: 300)
        #expect(pieces.count >= 9)
        var some = pieces
        some.remove(at: 6)
        some.remove(at: 2)
        let failure = Self.failure(some)
        #expect(failure == .missing([3, 7], count: pieces.count))
        #expect(failure?.description.hasPrefix("pieces 3, 7 of \(pieces.count) missing") == true)
        #expect(Self.failure(Array(pieces.dropLast())) == .missing([pieces.count], count: pieces.count))
        #expect(Self.failure([]) == .noPieces)
    }

    @Test func piecesOfTwoDocumentsAreRefused() throws {
        let one = DocumentQR.payloads(for: try Self.manifestFile(lines: 50), maxBytes: 300)
        let other = DocumentQR.payloads(for: try Self.manifestFile(lines: 50, handoff: "H-T2"), maxBytes: 300)
        let failure = Self.failure(one + [other[0]])
        guard case .mixedDocuments(let counts) = failure else {
            Issue.record("expected mixed documents, got \(String(describing: failure))")
            return
        }
        #expect(counts.count == 2)
        #expect(counts.values.sorted() == [1, one.count])
        #expect(failure!.description.contains("2 different documents"))
    }

    @Test func malformedAndAlteredPiecesAreRefused() throws {
        let pieces = DocumentQR.payloads(for: try Self.manifestFile(lines: 40), maxBytes: 300)
        guard case .malformed = Self.failure(pieces + ["SF1234567890123"]) else {
            Issue.record("a tracking number among the pieces")
            return
        }
        guard case .malformed = Self.failure([pieces[0].replacingOccurrences(of: ":1/", with: ":0/")] + pieces.dropFirst()) else {
            Issue.record("piece 0")
            return
        }
        // A piece whose content was altered but still base64: the inflate or the digest catches it.
        var altered = pieces
        let parts = altered[1].split(separator: ":", maxSplits: 3).map(String.init)
        var bytes = Array(Data(base64Encoded: parts[3])!)
        bytes[bytes.count / 2] ^= 0x5A
        altered[1] = parts[0..<3].joined(separator: ":") + ":" + Data(bytes).base64EncodedString()
        switch Self.failure(altered) {
        case .undecodable, .digestMismatch: break
        case let other: Issue.record("an altered piece gave \(String(describing: other))")
        }
    }

    @Test func theSheetNumbersEveryCode() throws {
        let document = try Self.manifestFile(lines: 300)
        let pieces = DocumentQR.payloads(for: document)
        let html = DocumentQR.sheetHTML(title: "交接清单 <H-T1>", subtitle: "王庄镇中转站 → 李家村服务站", document: document)
        #expect(html.contains("交接清单 &lt;H-T1&gt;"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == pieces.count)
        for index in 1...pieces.count { #expect(html.contains("<figcaption>\(index) / \(pieces.count) ")) }
        #expect(html.components(separatedBy: #"<section class="page">"#).count - 1 == (pieces.count + 5) / 6)
    }

    /// The printed pages, read back by zbar from their PNG images, give back the exact document; a page left out is
    /// named by its pieces' numbers.
    @Test func aThreeHundredLineManifestGoesThroughPNGPagesAndZbar() throws {
        let document = try Self.manifestFile(lines: 300)
        let pages = try DocumentQR.pngPages(document: document)
        let count = DocumentQR.payloads(for: document).count
        #expect(pages.count == (count + 5) / 6)
        let decoder = LabelDecoder(cascade: [.full], confirmsByCrop: false)
        var read: [[String]] = []
        for page in pages {
            let result = try decoder.decode(bytes: Array(page))
            #expect(result.format == .png)
            read.append(result.symbols.filter { $0.symbology == .qrCode }.map(\.text))
        }
        #expect(read.map(\.count) == pages.indices.map { min(6, count - $0 * 6) })
        #expect(try DocumentQR.reassemble(read.flatMap { $0 }.shuffled()) == document)
        #expect(
            try Manifests.verify(try StrictDecode.signed(document), trustedKey: try StrictDecode.signed(document).publicKey).lines.count
                == 300)
        // The first page not scanned.
        #expect(pages.count >= 2)
        #expect(Self.failure(read.dropFirst().flatMap { $0 }) == .missing(Array(1...6), count: count))
    }
}

enum StrictDecode {
    static func signed(_ text: String) throws -> SignedDocument {
        try JSONDecoder().decode(SignedDocument.self, from: Data(text.utf8))
    }
}
