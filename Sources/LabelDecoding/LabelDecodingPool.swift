import Foundation
import Dispatch

/// Runs `LabelDecoder` off the caller's threads (zbar blocks, so never on the cooperative pool), at most
/// `maxConcurrent` images at a time; further calls wait their turn in order.
public final class LabelDecodingPool: Sendable {
    public let decoder: LabelDecoder
    public let maxConcurrent: Int
    private let queue = DispatchQueue(label: "parcel-station.label-decoding", attributes: .concurrent)
    private let gate: Gate

    /// `maxConcurrent` defaults to the number of active cores: decoding is CPU-bound.
    public init(decoder: LabelDecoder = LabelDecoder(), maxConcurrent: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.decoder = decoder
        self.maxConcurrent = max(1, maxConcurrent)
        self.gate = Gate(permits: max(1, maxConcurrent))
    }

    /// Decodes the file at `path`.
    public func decode(path: String) async throws(LabelDecodeError) -> LabelDecodeResult {
        try await run { $0.result(path: path) }
    }

    /// Decodes an inline payload.
    public func decode(bytes: [UInt8]) async throws(LabelDecodeError) -> LabelDecodeResult {
        try await run { $0.result(bytes: bytes) }
    }

    private func run(
        _ body: @escaping @Sendable (LabelDecoder) -> Result<LabelDecodeResult, LabelDecodeError>
    ) async throws(LabelDecodeError) -> LabelDecodeResult {
        await gate.acquire()
        let decoder = self.decoder
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<LabelDecodeResult, LabelDecodeError>, Never>) in
            queue.async { continuation.resume(returning: body(decoder)) }
        }
        await gate.release()
        return try result.get()
    }
}

extension LabelDecoder {
    fileprivate func result(path: String) -> Result<LabelDecodeResult, LabelDecodeError> {
        Result { () throws(LabelDecodeError) in try decode(path: path) }
    }
    fileprivate func result(bytes: [UInt8]) -> Result<LabelDecodeResult, LabelDecodeError> {
        Result { () throws(LabelDecodeError) in try decode(bytes: bytes) }
    }
}

/// A counting semaphore for async callers, first come first served.
private actor Gate {
    private var permits: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { self.permits = permits }

    func acquire() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            permits += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
