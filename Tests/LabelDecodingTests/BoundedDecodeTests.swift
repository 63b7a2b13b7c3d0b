import Foundation
import ParcelDomain
import StationTestSupport
import Testing

@testable import LabelDecoding

/// Issue 14, fault 7: images built to be expensive (1×65535, pixel bombs just under the limit) finish within
/// the time budget, hold no more than the memory budget, and do not hold a normal photo behind them. Bounds
/// are asserted at twice the budget: the machine running the tests may be loaded.
// The synchronous decodes run under `.cpuBound`; the pool's test does not: its decodes have their own threads, and
// its clock must not wait for a CPU-bound thread to come free.
@Suite("Bounded decodes", .serialized)
struct BoundedDecodeTests {
    static let hostile = HostileImages.standardSet()

    static func sample(_ name: String) throws -> [UInt8] {
        try #require(hostile.first { $0.name == name }).bytes
    }

    /// Decodes `bytes`; the outcome (nil on success) and the seconds it took.
    static func timed(_ decoder: LabelDecoder, _ bytes: [UInt8], budget: DecodeBudget? = nil) -> (ImageRejection?, Double) {
        let start = ContinuousClock.now
        let budget = budget ?? DecodeBudget(limits: decoder.limits, started: start)
        var failure: ImageRejection?
        do { _ = try decoder.decode(bytes: bytes, budget: budget) } catch { failure = error }
        return (failure, (ContinuousClock.now - start).milliseconds / 1000)
    }

    @Test("every hostile image ends within twice the budget, with a result or a clear error, and within its memory budget", .cpuBound)
    func hostileSetIsBounded() throws {
        #expect(Self.hostile.count >= 13, "the generator made every sample")
        let decoder = LabelDecoder()
        let budgetSeconds = decoder.limits.timeBudget.milliseconds / 1000
        for sample in Self.hostile {
            let budget = DecodeBudget(limits: decoder.limits, started: .now)
            let (failure, seconds) = Self.timed(decoder, sample.bytes, budget: budget)
            #expect(seconds < 2 * budgetSeconds, "\(sample.name): \(seconds) s, \(failure?.code ?? "decoded")")
            #expect(budget.peak <= decoder.limits.maxMemoryBytes, "\(sample.name)")
            if let failure {
                #expect(["image.badGeometry", "image.tooManyPixels", "image.timeout"].contains(failure.code), "\(sample.name): \(failure)")
            }
        }
    }

    @Test("degenerate shapes are refused from the header, before any pixel is decoded", .cpuBound)
    func degenerateShapes() throws {
        let decoder = LabelDecoder()
        for name in [
            "png-1x65535.png", "png-65535x1.png", "pgm-65535x1.pgm", "pgm-1x65535.pgm", "png-2x24000.png", "jpeg-1x65500.jpg",
            "jpeg-65500x8.jpg", "webp-1x16383.webp",
        ] {
            let (failure, seconds) = Self.timed(decoder, try Self.sample(name))
            #expect(failure?.code == "image.badGeometry", "\(name)")
            #expect(seconds < 0.5, "\(name): \(seconds) s")
        }
        // The corpora's most elongated real image, a 69×1 scan line, is still read.
        let line = HostileImages.pgm(width: 69, height: 1, pattern: .stripes)
        #expect(Self.timed(decoder, line).0 == nil)
    }

    @Test("the deadline stops a pass in the middle: a pixel bomb under a 1 s budget", .cpuBound)
    func deadlineInsidePasses() throws {
        let decoder = LabelDecoder(limits: DecodeLimits(timeBudget: .seconds(1)))
        for name in ["png-bomb-7000x7000.png", "jpeg-progressive-bomb-7000x7000.jpg", "pgm-bomb-6000x5000.pgm"] {
            let (failure, seconds) = Self.timed(decoder, try Self.sample(name))
            // Nothing to read in them: a result with no symbols, or the budget ran out first.
            #expect(failure == nil || failure?.code == "image.timeout", "\(name): \(String(describing: failure))")
            #expect(seconds < 2, "\(name): \(seconds) s")
        }
    }

    @Test("passes whose buffers do not fit the memory budget are skipped; an image that does not fit is refused", .cpuBound)
    func memoryBudget() throws {
        let bomb = try Self.sample("png-bomb-7000x7000.png")
        // 75 MB: the half-size image (12 MB) and its scan fit; the whole image (49 MB) does, but not with its scan,
        // nor with any rotated canvas, stretched or inverted copy, or ZXing's buffers. The profile pass needs no
        // more than the whole image (its strips are a few kB), so it runs.
        let tight = LabelDecoder(limits: DecodeLimits(timeBudget: .seconds(30), maxMemoryBytes: 75 << 20))
        let budget = DecodeBudget(limits: tight.limits, started: .now)
        let result = try tight.decode(bytes: bomb, budget: budget)
        #expect(result.passLog.map(\.pass) == [.half, .profile])
        #expect(budget.peak <= 75 << 20)
        // The standard budget runs every pass on it.
        #expect(try LabelDecoder(limits: DecodeLimits(timeBudget: .seconds(60))).decode(bytes: bomb).passLog.count >= 7)
        let tiny = LabelDecoder(limits: DecodeLimits(maxMemoryBytes: 32 << 20))
        #expect(throws: ImageRejection.self) { try tiny.decode(bytes: bomb) }
        #expect(Self.timed(tiny, bomb).0?.code == "image.tooManyPixels")
        // A lossless WebP decodes through a full ARGB copy: 49 MP needs more than the standard 256 MB.
        #expect(Self.timed(LabelDecoder(), try Self.sample("webp-bomb-7000x7000.webp")).0?.code == "image.tooManyPixels")
    }

    @Test("a normal photo sent while hostile images decode is not held behind them")
    func normalPhotoIsNotQueuedBehindHostileOnes() async throws {
        // The daemon's default decoder: the phone tail is opt-in (`labels.phoneTail`), and its rule search is not
        // cut by the deadline (a debug build beside the whole suite overran the bound with it: 7.3 s).
        let pool = LabelDecodingPool(decoder: LabelDecoder(readsPhoneTail: false), maxConcurrent: 2)
        let budgetSeconds = pool.decoder.limits.timeBudget.milliseconds / 1000
        let normal = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixture.path("labels/label_0033.jpg"))))
        let flood = [
            "png-bomb-7000x7000.png", "jpeg-bomb-7000x7000.jpg", "jpeg-progressive-bomb-7000x7000.jpg", "png-1x65535.png",
            "pgm-1x65535.pgm", "png-bomb-7000x7000.png",
        ]
        let hostile = try flood.map(Self.sample)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Duration?.self) { group in
            for bytes in hostile {
                group.addTask {
                    _ = try? await pool.decode(bytes: bytes)
                    return ContinuousClock.now - started
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            let result = try await pool.decode(bytes: normal)
            let normalEnded = ContinuousClock.now - started
            #expect(result.waybill?.number == "YT0629322539683")
            let hostileEnded = try await group.reduce(into: [Duration]()) { $0.append($1!) }
            // Queued behind the flood it would end after the last bomb (four, one after another in the heavy lane,
            // each up to the budget); beside it, before. The bound is the budget, doubled for a loaded machine.
            #expect(normalEnded < hostileEnded.max()!, "the normal photo ended at \(normalEnded), the flood at \(hostileEnded.max()!)")
            #expect(normalEnded < .seconds(2 * budgetSeconds), "normal photo ended at \(normalEnded) beside \(flood.count) hostile images")
        }
    }
}

/// Where decodes run. Not under `.cpuBound`: what is measured is the cooperative pool the daemon's tasks run on.
@Suite("Decoding threads")
struct DecodingThreadTests {
    @Test("while every slot of the pool decodes for seconds, the daemon's tasks still run: decodes have threads of their own")
    func tasksRunBesideDecodes() async throws {
        let width = ProcessInfo.processInfo.activeProcessorCount
        // A pixel bomb with nothing to read runs its cascade until the budget ends it; it decodes in the heavy lane,
        // half the slots, so there are twice as many as cores.
        let pool = LabelDecodingPool(decoder: LabelDecoder(limits: DecodeLimits(timeBudget: .seconds(4))), maxConcurrent: 2 * width)
        let bomb = try BoundedDecodeTests.sample("png-bomb-7000x7000.png")
        let started = ContinuousClock.now
        async let decodesEnded: [Duration] = withTaskGroup(of: Duration.self) { group in
            for _ in 0..<width {
                group.addTask {
                    _ = try? await pool.decode(bytes: bomb)
                    return ContinuousClock.now - started
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // A task's short sleep: it resumes on the cooperative pool, which a decode on a Dispatch queue would hold.
        try await Task.sleep(for: .milliseconds(500))
        let sleepEnded = ContinuousClock.now - started
        let firstDecodeEnded = try #require(await decodesEnded.min())
        try #require(firstDecodeEnded > .seconds(2), "the decodes ended too soon to tell")
        #expect(sleepEnded < firstDecodeEnded - .seconds(1), "the sleep ended at \(sleepEnded), the first decode at \(firstDecodeEnded)")
    }
}
