import Foundation

/// What a tool read from one image, and what it cost.
struct ToolRead {
    /// Texts read (as bytes, since blackbox expectations are byte-exact).
    var reads: [[UInt8]] = []
    var milliseconds: Double = 0
    /// CPU time, where measured (child processes).
    var cpuMilliseconds: Double?
    var failed = false
}

enum Peers {
    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func childCPU() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
    }

    /// `zbarimg` as a station would run it: one process per image, default settings. Each output line is one
    /// symbol (`--raw`); multi-line QR payloads are matched as a substring of the whole output.
    static func zbarimg(_ executable: String, _ path: String) -> ToolRead {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-q", "--raw", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let cpuBefore = childCPU()
        let start = ContinuousClock.now
        var read = ToolRead()
        do {
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            read.reads = [Array(data)]
        } catch {
            read.failed = true
        }
        read.milliseconds = (ContinuousClock.now - start).ms
        read.cpuMilliseconds = childCPU() - cpuBefore
        return read
    }

    /// zxing-cpp through `scripts/zxing_cpp_peer.py`, all images in one Python process (its start-up is not
    /// counted; per-image time is load + decode inside the script).
    static func zxing(script: String, python: String, paths: [String]) -> [String: ToolRead]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        // Written from another thread so a full stdout pipe cannot deadlock us.
        let list = Data(paths.map { $0 + "\n" }.joined().utf8)
        let writer = input.fileHandleForWriting
        Thread.detachNewThread {
            writer.write(list)
            try? writer.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        var results: [String: ToolRead] = [:]
        for line in data.split(separator: UInt8(ascii: "\n")) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let file = object["file"] as? String
            else {
                continue
            }
            var read = ToolRead()
            read.milliseconds = object["ms"] as? Double ?? 0
            read.failed = object["error"] != nil
            for symbol in object["symbols"] as? [[String: Any]] ?? [] {
                if let text = symbol["text"] as? String { read.reads.append(Array(text.utf8)) }
            }
            results[file] = read
        }
        return results
    }
}

extension Duration {
    var ms: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
