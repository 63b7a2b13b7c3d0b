import Foundation
import LabelDecoding
import StationEngine

/// The engine's `LabelReader`, backed by the zbar decoder: at most one decode per core, off the request threads.
struct ZBarLabelReader: LabelReader {
    let pool: LabelDecodingPool

    init(limits: DecodeLimits, maxConcurrent: Int) {
        pool = LabelDecodingPool(decoder: LabelDecoder(limits: limits), maxConcurrent: maxConcurrent)
    }

    func read(path: String, for requester: PhotoRequester?) async throws -> LabelReading {
        do {
            let peer = requester.map { FileRequester.peer(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
            return Self.reading(try await pool.decode(path: path, for: peer))
        } catch {
            throw Self.engineError(error)
        }
    }

    func read(bytes: [UInt8]) async throws -> LabelReading {
        do {
            return Self.reading(try await pool.decode(bytes: bytes))
        } catch {
            throw Self.engineError(error)
        }
    }

    static func reading(_ result: LabelDecodeResult) -> LabelReading {
        LabelReading(
            format: result.format.rawValue, width: result.width, height: result.height,
            symbols: result.symbols.map {
                .init(text: $0.text, symbology: $0.symbology.rawValue, pass: $0.pass.rawValue, box: [$0.box.x, $0.box.y, $0.box.width, $0.box.height])
            },
            waybill: result.waybill.map { .init(number: $0.number, courier: $0.courier, confirmed: $0.confirmed, evidence: $0.evidence) })
    }

    static func engineError(_ error: LabelDecodeError) -> EngineError {
        let problem: ImageProblem =
            switch error {
            case .empty: .empty
            case .tooLarge: .tooLarge
            case .tooManyPixels, .overMemoryBudget: .tooManyPixels
            case .badGeometry: .badGeometry
            case .truncated: .truncated
            case .corrupt: .corrupt
            case .unsupportedFormat: .unsupportedFormat
            case .timeout: .timeout
            case .unreadable: .unreadable
            case .accessDenied: .accessDenied
            }
        return .imageRejected(problem, error.description)
    }
}
