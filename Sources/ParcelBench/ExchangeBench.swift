import Crypto
import Foundation
import StationReceipts
import StrictJSON

/// `parcel-bench --exchange`: checking a station-to-station handoff offline (`Exchange.verifyPair`: both digests, both
/// Ed25519 signatures, both bodies decoded, the manifest's bags re-derived, the differences merged) for a
/// `lines`-line manifest and its receipt, beside two baselines measured in the same run on the same documents:
/// verifying the receipt alone (`Receipts.verify`, what a courier handoff costs today) and only decoding the two
/// bodies' JSON (the floor under any check that reads them).
enum ExchangeBench {
    struct Figures {
        var lines: Int
        var manifestBytes: Int
        var receiptBytes: Int
        var differences: Int
        var pair: Samples
        var receiptAlone: Samples
        var decodeOnly: Samples
        /// The same spans on this thread's CPU clock: what the work costs, whatever else the machine runs.
        var pairCPU: Samples
        var receiptAloneCPU: Samples
        var decodeOnlyCPU: Samples
    }

    static func documents(lines count: Int) throws -> (manifest: SignedDocument, receipt: SignedDocument, sender: String, receiver: String)
    {
        let senderKey = Curve25519.Signing.PrivateKey()
        let receiverKey = Curve25519.Signing.PrivateKey()
        let township = ReceiptBody.Station(id: "xiang-01", name: "王庄镇中转站")
        let village = ReceiptBody.Station(id: "cun-01", name: "李家村服务站")
        let manifestLines = (1...count).map { index in
            ManifestBody.Line(
                tracking: DaemonClient.tracking(phase: 11, client: 0, index: index), courier: "SF", bag: "BAG-\(index % 40)",
                destination: index % 3 == 0 ? "张家村" : "李家村", phoneTail: String(format: "%04d", index % 10_000), line: index)
        }
        let body = ManifestBody(
            from: township, to: village, seq: 42, previousDigest: String(repeating: "ab", count: 32), handoff: "H-T42", kind: "transfer",
            createdAt: Receipts.timestamp(wallMillis()), staff: "张伟", lines: manifestLines)
        let manifest = try Manifests.sign(body, with: senderKey)
        // The receiver scanned all but one line in a hundred, found one in two hundred damaged, and one parcel extra.
        var receiptLines = body.lines.map { line in
            ReceiptBody.Line(
                tracking: line.tracking, courier: line.courier, bag: line.bag,
                status: line.line % 100 == 0 ? "missing" : line.line % 200 == 1 ? "damaged" : "scanned", expected: true, note: nil,
                photo: nil, manifestLine: line.line)
        }
        receiptLines.append(
            .init(
                tracking: "SF9999999999999", courier: "SF", bag: nil, status: "extra", expected: false, note: nil, photo: nil,
                manifestLine: nil))
        let receiptBody = ReceiptBody(
            station: village, seq: 7, previousDigest: nil, handoff: "H-V7", direction: "inbound", kind: "transfer",
            party: .init(id: township.id, name: township.name, company: nil), node: nil, nodeTier: nil, vehicle: nil,
            openedAt: Receipts.timestamp(wallMillis()), closedAt: Receipts.timestamp(wallMillis()), confirmedBy: "station", staff: "王芳",
            lines: receiptLines, manifestDigest: manifest.digest)
        let receipt = try Receipts.sign(receiptBody, with: receiverKey)
        return (
            manifest, receipt, senderKey.publicKey.rawRepresentation.base64EncodedString(),
            receiverKey.publicKey.rawRepresentation.base64EncodedString()
        )
    }

    static func run(lines: Int, iterations: Int) throws -> Figures {
        let (manifest, receipt, sender, receiver) = try documents(lines: lines)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var differences = 0
        // The three interleaved, one round each, so load on the machine falls on all of them alike.
        var pair: [UInt64] = []
        var alone: [UInt64] = []
        var decode: [UInt64] = []
        var cpu: [[UInt64]] = [[], [], []]
        let warmup = 3
        let start = monotonicNanos()
        for round in 0..<(warmup + iterations) {
            var before = monotonicNanos()
            var cpuBefore = PlausibilityBench.threadCPUNanos()
            let report = try Exchange.verifyPair(manifest: manifest, receipt: receipt, senderKey: sender, receiverKey: receiver)
            let pairNanos = monotonicNanos() - before
            let pairCPU = PlausibilityBench.threadCPUNanos() - cpuBefore
            differences = report.differences.count
            before = monotonicNanos()
            cpuBefore = PlausibilityBench.threadCPUNanos()
            let body = try Receipts.verify(receipt, trustedKey: receiver)
            let aloneNanos = monotonicNanos() - before
            let aloneCPU = PlausibilityBench.threadCPUNanos() - cpuBefore
            before = monotonicNanos()
            cpuBefore = PlausibilityBench.threadCPUNanos()
            let decodedManifest = try StrictJSONDecoder().decode(ManifestBody.self, from: Data(manifest.body.utf8))
            let decodedReceipt = try StrictJSONDecoder().decode(ReceiptBody.self, from: Data(receipt.body.utf8))
            let decodeNanos = monotonicNanos() - before
            let decodeCPU = PlausibilityBench.threadCPUNanos() - cpuBefore
            guard body.lines.count == lines + 1, decodedManifest.lines.count == lines, decodedReceipt.lines.count == lines + 1 else {
                throw BenchError("exchange: the documents did not decode to their lines")
            }
            if round >= warmup {
                pair.append(pairNanos)
                alone.append(aloneNanos)
                decode.append(decodeNanos)
                cpu[0].append(pairCPU)
                cpu[1].append(aloneCPU)
                cpu[2].append(decodeCPU)
            }
        }
        let elapsed = monotonicNanos() - start
        return Figures(
            lines: lines, manifestBytes: try encoder.encode(manifest).count, receiptBytes: try encoder.encode(receipt).count,
            differences: differences, pair: Samples(pair, elapsedNanos: elapsed), receiptAlone: Samples(alone, elapsedNanos: elapsed),
            decodeOnly: Samples(decode, elapsedNanos: elapsed), pairCPU: Samples(cpu[0], elapsedNanos: elapsed),
            receiptAloneCPU: Samples(cpu[1], elapsedNanos: elapsed), decodeOnlyCPU: Samples(cpu[2], elapsedNanos: elapsed))
    }
}
