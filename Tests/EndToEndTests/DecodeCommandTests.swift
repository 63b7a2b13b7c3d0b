import Foundation
import StationTestSupport
import Testing

/// `parcelctl decode` decodes in-process: no daemon, real zbar, the LabelDecodingTests fixtures.
@Suite(.waitsOnProcesses) struct DecodeCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("LabelDecodingTests/Fixtures").path

    struct Entry: Decodable {
        struct Symbol: Decodable {
            let text: String
            let symbology: String
            let pass: String
        }
        struct Failure: Decodable {
            let code: String
            let message: String
        }
        let file: String
        let symbols: [Symbol]?
        let error: Failure?
    }

    @Test func jsonHasOneObjectPerFileAndFailsWhenOneFileFails() throws {
        let label = Self.fixtures + "/labels/label_0075.jpg"
        let notImage = Self.fixtures + "/README.md"
        let run = try runCommand(BuiltProducts.parcelctl, ["decode", label, notImage, "--json"])
        #expect(run.status == 1)
        let entries = try JSONDecoder().decode([Entry].self, from: Data(run.stdout.utf8))
        #expect(entries.map(\.file) == [label, notImage])
        #expect(entries[0].symbols?.contains { $0.text == "RQ025057258CN" && $0.symbology == "CODE128" && $0.pass == "full" } == true)
        #expect(entries[1].error?.code == "image.unsupportedFormat")
    }

    @Test func tableNamesTheTrackingNumber() throws {
        let run = try runCommand(BuiltProducts.parcelctl, ["decode", Self.fixtures + "/labels/label_0033.jpg"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("YT0629322539683"))
        #expect(run.stdout.contains("confirmed"))
    }
}
