import Foundation
import StationTestSupport
import Testing

/// The fuzz targets' seed corpora (Tests/Fuzz/Seeds), and every crash a fuzzing run found, replayed on each test
/// run by the targets' plain builds; the configuration seeds through `parcel-stationd --check-config`.
@Suite(.waitsOnProcesses) struct FuzzSeedTests {
    static let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Seeds").path

    @Test(arguments: ["FuzzRequestLine", "FuzzScanText", "FuzzManifest", "FuzzConfiguration", "FuzzImage"])
    func seedsReplayWithoutACrash(target: String) throws {
        let folder = "\(Self.seeds)/\(target)"
        let count = try FileManager.default.contentsOfDirectory(atPath: folder).count
        #expect(count > 0)
        let result = try runCommand("\(BuiltProducts.directory)/\(target)", [folder])
        #expect(result.status == 0, "\(target): \(result.stderr.suffix(2000))")
        #expect(result.stdout.contains("\(count) inputs replayed, 0 crashes"), "\(result.stdout)")
    }

    /// Each configuration seed is either good (0) or refused with EX_CONFIG (78) and a reason: never a signal.
    @Test func configurationSeedsAreCheckedNotCrashedOn() throws {
        let folder = "\(Self.seeds)/FuzzConfiguration"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files.count >= 5)
        var good: [String] = []
        for file in files {
            let result = try runCommand(BuiltProducts.daemon, ["--config", "\(folder)/\(file)", "--check-config"])
            #expect([0, 78].contains(result.status), "\(file): status \(result.status) \(result.stderr)")
            if result.status == 0 {
                good.append(file)
            } else {
                #expect(result.stderr.contains("configuration"), "\(file): \(result.stderr)")
            }
        }
        #expect(good == ["bom.json", "example.json"])
    }
}
