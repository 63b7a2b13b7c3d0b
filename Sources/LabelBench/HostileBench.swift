import Foundation
import LabelDecoding
import ParcelDomain

/// `label-bench --hostile`: the decode time and peak memory of images built to be expensive, beside a normal
/// photo's decode time in the same process, through the daemon's `LabelDecodingPool` (its default limits and
/// one decode per core).
struct HostileBench {
    let normalPhoto: String
    let hostileFolder: String?
    let decoder: LabelDecoder

    /// This process's peak resident set (VmHWM) and current one (VmRSS), in MB.
    static func memory() -> (peak: Double, rss: Double) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        return (field("VmHWM"), field("VmRSS"))
    }

    /// Starts a new peak (Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM to the current RSS).
    static func resetPeak() { try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8) }

    func samples() throws -> [HostileImages.Sample] {
        guard let hostileFolder else { return HostileImages.standardSet() }
        return try FileManager.default.contentsOfDirectory(atPath: hostileFolder).sorted().compactMap { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: hostileFolder).appendingPathComponent(name))
            return data.isEmpty ? nil : HostileImages.Sample(name: name, bytes: [UInt8](data))
        }
    }

    /// Decodes `bytes` through `pool`; the outcome in words and the milliseconds it took.
    static func timed(_ pool: LabelDecodingPool, _ bytes: [UInt8]) async -> (outcome: String, ms: Double, passes: String) {
        let start = ContinuousClock.now
        do {
            let result = try await pool.decode(bytes: bytes)
            let passes = result.passLog.map { "\($0.pass.rawValue) \(Int($0.milliseconds.rounded()))" }.joined(separator: ", ")
            let outcome = "\(result.waybill?.number ?? "no waybill")\(result.complete ? "" : " (budget ran out)")"
            return (outcome, (ContinuousClock.now - start).ms, passes)
        } catch {
            return (error.code, (ContinuousClock.now - start).ms, "")
        }
    }

    func run() async throws {
        let normal = [UInt8](try Data(contentsOf: URL(fileURLWithPath: normalPhoto)))
        let pool = LabelDecodingPool(decoder: decoder)
        let limits = decoder.limits
        print("\n## Hostile images: decode time and peak RSS (label-bench --hostile)\n")
        print(
            "limits: time budget \(Int(limits.timeBudget.ms)) ms, \(limits.maxPixels) pixels, \(limits.maxFileBytes >> 20) MB files; "
                + "pool of \(pool.maxConcurrent); normal photo \((normalPhoto as NSString).lastPathComponent)")
        var alone: [Double] = []
        for _ in 0..<3 { alone.append(await Self.timed(pool, normal).ms) }
        let aloneMs = alone.sorted()[1]
        let startRSS = Self.memory().rss
        print("normal photo alone: \(LabelBench.f1(aloneMs)) ms (median of 3); RSS before the hostile set \(LabelBench.f1(startRSS)) MB\n")
        print("| image | bytes | outcome | decode ms | normal photo sent 50 ms later, ms | peak RSS MB | RSS after MB | passes (ms) |")
        print("|---|---|---|---|---|---|---|---|")
        var longest = 0.0
        var peak = 0.0
        var worstNormal = 0.0
        for sample in try samples() {
            Self.resetPeak()
            async let hostile = Self.timed(pool, sample.bytes)
            try? await Task.sleep(for: .milliseconds(50))
            let normalRun = await Self.timed(pool, normal)
            let (outcome, ms, passes) = await hostile
            let memory = Self.memory()
            longest = max(longest, ms)
            peak = max(peak, memory.peak)
            worstNormal = max(worstNormal, normalRun.ms)
            print(
                "| \(sample.name) | \(sample.bytes.count) | \(outcome) | \(LabelBench.f1(ms)) | \(LabelBench.f1(normalRun.ms)) | "
                    + "\(LabelBench.f1(memory.peak)) | \(LabelBench.f1(memory.rss)) | \(passes) |")
        }
        // Every hostile image at once, as a flood from several peers, and the normal photo in the middle of it.
        Self.resetPeak()
        let flood = try samples()
        let floodStart = ContinuousClock.now
        async let floodDone: Double = withTaskGroup(of: Double.self) { group in
            for sample in flood { group.addTask { await Self.timed(pool, sample.bytes).ms } }
            return await group.reduce(0) { max($0, $1) }
        }
        try? await Task.sleep(for: .milliseconds(50))
        let floodNormal = await Self.timed(pool, normal).ms
        let floodLongest = await floodDone
        let floodWall = (ContinuousClock.now - floodStart).ms
        let floodMemory = Self.memory()
        print(
            "\nall \(flood.count) at once: longest decode (queueing included) \(LabelBench.f1(floodLongest)) ms, all done in "
                + "\(LabelBench.f1(floodWall)) ms; normal photo sent 50 ms in: \(LabelBench.f1(floodNormal)) ms; peak RSS "
                + "\(LabelBench.f1(floodMemory.peak)) MB, after \(LabelBench.f1(floodMemory.rss)) MB")
        print(
            "\nsummary: longest hostile decode \(LabelBench.f1(longest)) ms (budget \(Int(limits.timeBudget.ms)) ms); peak RSS "
                + "\(LabelBench.f1(max(peak, floodMemory.peak))) MB from \(LabelBench.f1(startRSS)) MB; normal photo alone "
                + "\(LabelBench.f1(aloneMs)) ms, beside a hostile one at worst \(LabelBench.f1(worstNormal)) ms, in the flood "
                + "\(LabelBench.f1(floodNormal)) ms")
    }
}
