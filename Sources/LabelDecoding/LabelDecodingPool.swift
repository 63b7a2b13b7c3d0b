public import Foundation
public import ParcelDomain

/// Runs `LabelDecoder` on threads of its own (zbar blocks, so never on the cooperative pool), at most
/// `maxConcurrent` images at a time; further calls wait their turn in order.
///
/// Images whose header announces more than `heavyPixels` take a lane of their own (half the slots, at least
/// one) instead of the common one, so a flood of large or hostile images never holds a normal photo behind
/// it: the photo still finds a free slot, and the heavy ones wait for each other. Each decode is bounded by the
/// decoder's time and memory budget; after one that held much memory, the freed pages go back to the system
/// (glibc keeps them otherwise, and the daemon's RSS would stay at its peak).
public final class LabelDecodingPool: Sendable {
    public let decoder: LabelDecoder
    public let maxConcurrent: Int
    /// Above this many pixels (from the header) an image decodes in the heavy lane: more than a 12 MP phone
    /// photo, the largest a station's cameras make.
    public static let heavyPixels = 16_000_000
    /// After a decode that held this much, `malloc_trim` returns the freed memory.
    static let trimAfterBytes = 64 << 20
    /// A decoding thread's stack: what glibc gives a thread by default, stated rather than left to `ulimit -s`.
    static let threadStack = 8 << 20
    private let gate: Gate
    private let heavyGate: Gate

    /// `maxConcurrent` defaults to the number of active cores: decoding is CPU-bound.
    public init(decoder: LabelDecoder = LabelDecoder(), maxConcurrent: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.decoder = decoder
        self.maxConcurrent = max(1, maxConcurrent)
        self.gate = Gate(permits: max(1, maxConcurrent))
        self.heavyGate = Gate(permits: max(1, maxConcurrent / 2))
    }

    /// Decodes the file at `path`; with a `requester`, only if that user may read it themselves.
    public func decode(path: String, for requester: FileRequester? = nil) async throws(ImageRejection) -> LabelDecodeResult {
        // Read in a common slot, as many files at once as decodes; the header then says whether the image moves
        // to the heavy lane.
        await gate.acquire()
        let decoder = self.decoder
        let bytes: [UInt8]
        do {
            bytes = try await onThread { () throws(ImageRejection) in try decoder.read(path: path, for: requester) }
        } catch {
            await gate.release()
            throw error
        }
        guard !Self.isHeavy(bytes) else {
            await gate.release()
            await heavyGate.acquire()
            return try await decode(bytes, holding: heavyGate)
        }
        return try await decode(bytes, holding: gate)
    }

    /// Decodes an inline payload.
    public func decode(bytes: [UInt8]) async throws(ImageRejection) -> LabelDecodeResult {
        let lane = Self.isHeavy(bytes) ? heavyGate : gate
        await lane.acquire()
        return try await decode(bytes, holding: lane)
    }

    /// Decodes in the slot of `lane` the caller acquired, and releases it.
    private func decode(_ bytes: [UInt8], holding lane: Gate) async throws(ImageRejection) -> LabelDecodeResult {
        let decoder = self.decoder
        // Waiting for a slot does not count against the budget: the image's own work does.
        let result: Result<LabelDecodeResult, ImageRejection>
        do {
            result = .success(
                try await onThread { () throws(ImageRejection) in
                    let budget = DecodeBudget(limits: decoder.limits, started: .now)
                    defer { if budget.peak >= Self.trimAfterBytes { Self.trimHeap() } }
                    return try decoder.decode(bytes: bytes, budget: budget)
                })
        } catch {
            result = .failure(error)
        }
        await lane.release()
        return try result.get()
    }

    /// Whether the header announces more than `heavyPixels` (unreadable headers are cheap: refused at once).
    static func isHeavy(_ bytes: [UInt8]) -> Bool {
        guard let format = ImageLoader.sniff(bytes), let (width, height) = try? ImageLoader.dimensions(bytes, format: format) else {
            return false
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        return overflow || pixels > heavyPixels
    }

    /// Runs `body` on a thread of its own. Not on a Dispatch queue: on Linux those share their threads (one per
    /// core) with the cooperative pool, so `maxConcurrent` decodes of several seconds each would stall every task
    /// of the daemon (the socket, the scanners, the watchdog's ping) until one ended. The gates bound how many
    /// such threads run at once.
    private func onThread<T: Sendable>(_ body: @escaping @Sendable () throws(ImageRejection) -> T) async throws(ImageRejection) -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, ImageRejection>, Never>) in
            let thread = Thread {
                Thread.current.name = "label-decode"  // from the thread itself: on Linux a name set before start() is lost
                continuation.resume(returning: Result { () throws(ImageRejection) in try body() })
            }
            thread.stackSize = Self.threadStack
            thread.start()
        }
        return try result.get()
    }

    private typealias MallocTrim = @convention(c) (Int) -> Int32
    /// glibc's `malloc_trim`, which Swift's Glibc module does not export; nil elsewhere.
    private nonisolated(unsafe) static let mallocTrim: MallocTrim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim").map {
        unsafeBitCast($0, to: MallocTrim.self)
    }

    static func trimHeap() { _ = mallocTrim?(0) }
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
