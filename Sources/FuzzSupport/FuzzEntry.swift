import Foundation

/// The two lives of a fuzz target. Built with `scripts/fuzz.sh` (`-sanitize=fuzzer -DFUZZING`), libFuzzer owns
/// `main` and calls the target's `LLVMFuzzerTestOneInput`. In the ordinary build the same executable replays
/// files instead: `FuzzX FILE|FOLDER…` runs every input once, so the seed corpus and every crash found stay
/// regression inputs that a plain `swift build` can run without libFuzzer.
public enum FuzzReplay {
    /// Runs `body` over each file named, or each file in each folder named; prints how many.
    public static func main(_ body: (UnsafeRawBufferPointer) -> Void) {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: \(CommandLine.arguments[0]) FILE|FOLDER…\n".utf8))
            exit(64)
        }
        var count = 0
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("no such file: \(path)\n".utf8))
                exit(66)
            }
            let files =
                isFolder.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { "\(path)/\($0)" } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                data.withUnsafeBytes { body($0) }
                count += 1
            }
        }
        print("\(count) inputs replayed, 0 crashes")
    }
}
