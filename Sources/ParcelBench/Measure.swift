import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Monotonic time in nanoseconds. Latencies are differences of this clock, never of wall time, so an NTP
/// step in the middle of a run cannot produce negative or inflated samples.
@inline(__always)
func monotonicNanos() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Wall-clock milliseconds since 1970: the unit the ledger stores its times in.
func wallMillis() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

/// A benchmark phase's latency samples and how long the whole phase took (for the rate).
struct Samples: Sendable {
    /// Per-operation latencies in nanoseconds, sorted ascending.
    let sorted: [UInt64]
    /// Wall time of the measured loop (for several clients: first start to last finish).
    let elapsedNanos: UInt64

    init(_ nanos: [UInt64], elapsedNanos: UInt64) {
        sorted = nanos.sorted()
        self.elapsedNanos = elapsedNanos
    }

    var count: Int { sorted.count }

    /// Nearest-rank percentile in milliseconds (p50 of 2000 samples is the 1000th smallest).
    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return Double(sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]) / 1e6
    }

    var p50: Double { percentile(50) }
    var p90: Double { percentile(90) }
    var p99: Double { percentile(99) }
    var max: Double { Double(sorted.last ?? 0) / 1e6 }

    /// Operations per second over the measured loop.
    var perSecond: Double { Double(sorted.count) / (Double(elapsedNanos) / 1e9) }
}

/// Runs `body` `warmup` times unmeasured, then `iterations` times measured one by one.
/// The warm-up keeps first-touch costs (page cache, lazily built statements, connection setup) out of p50.
func measure(warmup: Int, iterations: Int, _ body: (_ index: Int) throws -> Void) rethrows -> Samples {
    for index in 0..<warmup { try body(index) }
    var nanos = [UInt64]()
    nanos.reserveCapacity(iterations)
    let start = monotonicNanos()
    for index in warmup..<(warmup + iterations) {
        let before = monotonicNanos()
        try body(index)
        nanos.append(monotonicNanos() - before)
    }
    return Samples(nanos, elapsedNanos: monotonicNanos() - start)
}

/// Like `measure`, but `body` returns the span it timed itself, so a check of the result made after the
/// span (decoding a reply) stays out of the sample while still stopping the run when it fails.
func measureSpans(warmup: Int, iterations: Int, _ body: (_ index: Int) throws -> UInt64) rethrows -> Samples {
    for index in 0..<warmup { _ = try body(index) }
    var nanos = [UInt64]()
    nanos.reserveCapacity(iterations)
    let start = monotonicNanos()
    for index in warmup..<(warmup + iterations) { nanos.append(try body(index)) }
    return Samples(nanos, elapsedNanos: monotonicNanos() - start)
}

/// CPU seconds the whole machine spent busy (all cores, from /proc/stat), and this process's own share
/// (itself plus its waited-for children: the daemons it ran). The difference over a run is what other
/// processes took: a number that says whether the figures were measured on a quiet machine.
struct MachineCPU {
    let busy: Double
    let ours: Double

    static func now() -> MachineCPU {
        var busy = Double.nan
        if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = stat.split(separator: "\n").first {
            // cpu user nice system idle iowait irq softirq steal …: busy excludes idle and iowait.
            let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            if ticks.count >= 8 {
                busy = (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / Double(sysconf(Int32(_SC_CLK_TCK)))
            }
        }
        func seconds(_ who: Int32) -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(who), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return MachineCPU(busy: busy, ours: seconds(RUSAGE_SELF.rawValue) + seconds(RUSAGE_CHILDREN.rawValue))
    }
}

// MARK: Formatting

/// `1.234 ms`: every latency is printed in milliseconds so figures line up and compare at a glance.
func ms(_ value: Double) -> String { String(format: "%.3f ms", value) }

/// `1234 /s`.
func rate(_ value: Double) -> String { String(format: "%.0f /s", value) }

/// `1.23×`.
func times(_ value: Double) -> String { String(format: "%.2f×", value) }

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func padLeft(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// One figure beside its floor: `label   value   floor x   ratio y×`.
func printVersus(_ label: String, _ value: String, floor: String, ratio: Double) {
    print("    \(pad(label, 26)) \(padLeft(value, 12))   floor \(padLeft(floor, 12))   ratio \(padLeft(times(ratio), 7))")
}

/// Latency percentiles and rate of one phase.
func printSamples(_ samples: Samples, unit: String) {
    print("    p50 \(ms(samples.p50))   p90 \(ms(samples.p90))   p99 \(ms(samples.p99))   max \(ms(samples.max))")
    print("    \(rate(samples.perSecond)) \(unit) (\(samples.count) in \(String(format: "%.2f", Double(samples.elapsedNanos) / 1e9)) s)")
}

/// A checked target, printed as it is evaluated and again in the summary.
struct Target: Sendable {
    let name: String
    /// The measured value and the bound, formatted in the same unit.
    let measured: String
    let bound: String
    /// `≤` or `≥`.
    let comparison: String
    /// measured / bound: a `≤` target passes at ≤ 1, a `≥` target at ≥ 1.
    let ratioToBound: Double

    var pass: Bool { comparison == "≤" ? ratioToBound <= 1 : ratioToBound >= 1 }

    func printLine() {
        print(
            "    \(pass ? "PASS" : "FAIL")  \(name): \(measured), target \(comparison) \(bound) (measured/target = \(String(format: "%.2f", ratioToBound)))"
        )
    }
}

/// A row of the final summary table.
struct SummaryRow: Sendable {
    let measure: String
    let value: String
    let floor: String
    let ratio: String
    let verdict: String
}

/// Prints rows as an aligned text table.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows {
        for (column, cell) in row.enumerated() { widths[column] = Swift.max(widths[column], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { column, cell in column == 0 ? pad(cell, widths[column]) : padLeft(cell, widths[column]) }
            .joined(separator: "  ")
    }
    print("  " + line(header))
    print("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for row in rows { print("  " + line(row)) }
}

/// A failure that ends the run with a message (ArgumentParser prints it and exits non-zero).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The middle value (the mean of the two middle ones for an even count); NaN when empty.
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
