import Foundation
import ParcelDomain

#if canImport(Glibc)
    import Glibc
#endif

/// `parcel-bench --plausibility`: what intake's plausibility check (`IntakePlausibility`) costs per scan, against
/// the daemon's whole CPU per intake measured in the same run. The check is timed in-process, on the CPU clock,
/// over a mix of the numbers stations see (every courier format, product codes and short scans among them), as
/// intake runs it: after the scan has become a `TrackingNumber`, which intake builds whether or not it checks.
enum PlausibilityBench {
    struct Figures {
        /// CPU microseconds per scan of the check alone, and of building the tracking number it runs on.
        var checkMicros: Double
        var trackingMicros: Double
        /// The daemon's CPU per intake, milliseconds.
        var intakeCPUMillis: Double
        var refused: Int
        var scans: Int
    }

    static func threadCPUNanos() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// The mix: each courier rule's own vectors and the bench's SF numbers, with one scan in twenty a product code
    /// or a short scan (refused), as at a busy intake desk where a scanner sometimes hits the goods.
    static func mix(count: Int) -> [String] {
        let couriers = CourierRule.table.flatMap(\.valid)
        let refused = ["6901234567892", "4006381333931", "1234567", "XYZ", "00106141411234567897", "9787115293800"]
        return (0..<count).map { index in
            if index % 20 == 19 { return refused[index % refused.count] }
            if index % 2 == 0 { return DaemonClient.tracking(phase: 9, client: 0, index: index) }
            return couriers[index % couriers.count]
        }
    }

    static func run(intakeCPUMillis: Double, scans: Int = 200_000) throws -> Figures {
        let texts = mix(count: 2000)
        let tracked = try texts.map { try TrackingNumber(raw: $0) }
        let plausibility = IntakePlausibility.standard
        var refused = 0
        // Warm up, then time each part over the same scans.
        for number in tracked { _ = plausibility.refusal(for: number.scan, candidates: number.candidates) }
        var start = threadCPUNanos()
        for index in 0..<scans {
            let text = texts[index % texts.count]
            _ = IntakePlausibility.isCommand(text)
            if plausibility.refusal(for: tracked[index % tracked.count].scan, candidates: tracked[index % tracked.count].candidates) != nil
            {
                refused += 1
            }
        }
        let check = Double(threadCPUNanos() - start) / Double(scans) / 1000
        start = threadCPUNanos()
        for index in 0..<scans / 4 { _ = try TrackingNumber(raw: texts[index % texts.count]) }
        let tracking = Double(threadCPUNanos() - start) / Double(scans / 4) / 1000
        return Figures(checkMicros: check, trackingMicros: tracking, intakeCPUMillis: intakeCPUMillis, refused: refused, scans: scans)
    }
}
