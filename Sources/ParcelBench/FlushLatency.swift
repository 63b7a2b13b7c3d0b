import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `--flush-latency MS`: the whole run with `libFlushLatency.so` (target CFlushLatency) preloaded into this
/// process and every daemon it starts, so each fsync/fdatasync waits MS milliseconds before flushing for real.
///
/// This VM's virtual disk acknowledges a flush in well under 0.1 ms, so here a commit costs its CPU and the
/// 1-commit floor is nearly free. A station PC's disk does not: a spinning disk takes 5–15 ms per flush, a cheap
/// SSD or eMMC about 1–5 ms. The option measures the daemon against its floors as it would run on such a disk,
/// with every floor and the daemon paying the same wait; it changes nothing else.
enum FlushLatency {
    static let environmentKey = "PARCEL_BENCH_FLUSH_MS"
    static let libraryName = "libFlushLatency.so"

    /// The latency this process runs with, or nil for the machine's own disk.
    static var current: Double? {
        ProcessInfo.processInfo.environment[environmentKey].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
    }

    /// Makes sure this process runs with the library preloaded at `millis`: returns when it already does,
    /// otherwise executes this program again with the library in `LD_PRELOAD` (and never returns).
    static func preload(millis: Double) throws {
        let library = URL(fileURLWithPath: ParcelBench.ownExecutable()).deletingLastPathComponent().appendingPathComponent(libraryName).path
        if current == millis, isMapped(pid: "self") { return }
        guard ProcessInfo.processInfo.environment[environmentKey] == nil else {
            throw BenchError(
                "\(libraryName) did not load (\(environmentKey) is set but the library is not mapped); is LD_PRELOAD honoured here?")
        }
        guard FileManager.default.fileExists(atPath: library) else {
            throw BenchError(
                "--flush-latency needs \(library); build it beside parcel-bench: swift build -c release --product FlushLatency")
        }
        let preloads = [library] + (ProcessInfo.processInfo.environment["LD_PRELOAD"].map { [$0] } ?? [])
        setenv("LD_PRELOAD", preloads.joined(separator: " "), 1)
        setenv(environmentKey, String(millis), 1)
        fflush(nil)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        throw BenchError("cannot re-execute parcel-bench with \(libraryName) preloaded: \(String(cString: strerror(errno)))")
    }

    /// Whether process `pid` ("self" or a number) has the library mapped.
    static func isMapped(pid: String) -> Bool {
        // Read to the end: Foundation's String(contentsOfFile:) stops after the first page of a /proc file.
        guard let maps = FileHandle(forReadingAtPath: "/proc/\(pid)/maps"), let bytes = try? maps.readToEnd() else { return false }
        try? maps.close()
        return String(decoding: bytes, as: UTF8.self).contains("/" + libraryName)
    }

    /// Times fdatasync on a scratch file in `folder`: the median of 5, in ms. Checks that the preload works
    /// before any figure depends on it.
    static func measuredFlush(in folder: String) throws -> Double {
        let path = "\(folder)/flush-check"
        let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer {
            close(fd)
            unlink(path)
        }
        var spans: [Double] = []
        for index in 0..<5 {
            var byte = UInt8(index)
            guard pwrite(fd, &byte, 1, 0) == 1 else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
            let before = monotonicNanos()
            guard fdatasync(fd) == 0 else { throw BenchError("fdatasync \(path): \(String(cString: strerror(errno)))") }
            spans.append(Double(monotonicNanos() - before) / 1e6)
        }
        return spans.sorted()[spans.count / 2]
    }
}
