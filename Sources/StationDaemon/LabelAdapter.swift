import Foundation
import LabelDecoding
import ParcelDomain
import StationEngine
import StationServer

/// The engine's `LabelReader`, backed by the zbar decoder: at most one decode per core, off the request threads.
struct ZBarLabelReader: LabelReader {
    let pool: LabelDecodingPool

    init(
        limits: DecodeLimits, maxConcurrent: Int, readsPhoneTail: Bool = false,
        phoneTailBudget: Duration = LabelDecoder.standardPhoneTailBudget
    ) {
        var decoder = LabelDecoder(limits: limits, readsPhoneTail: readsPhoneTail)
        decoder.phoneTailBudget = phoneTailBudget
        pool = LabelDecodingPool(decoder: decoder, maxConcurrent: maxConcurrent)
    }

    /// The decoder's `ImageRejection` passes through as it is; the engine logs its detail and sends its message.
    func read(path: String, for requester: PhotoRequester?) async throws(ImageRejection) -> LabelReading {
        let peer = requester.map { FileRequester.peer(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
        return Self.reading(try await pool.decode(path: path, for: peer))
    }

    func read(bytes: [UInt8]) async throws(ImageRejection) -> LabelReading {
        Self.reading(try await pool.decode(bytes: bytes))
    }

    static func reading(_ result: LabelDecodeResult) -> LabelReading {
        let symbols: [LabelReading.Symbol] = result.symbols.map {
            .init(
                text: $0.text, symbology: $0.symbology.rawValue, pass: $0.pass.rawValue,
                box: [$0.box.x, $0.box.y, $0.box.width, $0.box.height])
        }
        // Only a number seen is passed on; `candidate` (an unsure read's digits) stays in the decoder.
        let phoneTail = result.phoneTail.flatMap { read in
            read.status == .notFound ? nil : LabelReading.PhoneTail(tail: read.tail, confidence: read.confidence)
        }
        return LabelReading(
            format: result.format.rawValue, width: result.width, height: result.height, symbols: symbols,
            waybill: result.waybill.map { .init(number: $0.number, courier: $0.courier, confirmed: $0.confirmed, evidence: $0.evidence) },
            phoneTail: phoneTail)
    }
}
