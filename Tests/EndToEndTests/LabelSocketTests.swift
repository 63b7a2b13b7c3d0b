import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// Label photos through the daemon: `Label.Decode` and the watched spool folder, with real zbar and images.
@Suite(.serialized) struct LabelSocketTests {
    /// The decoder's own fixtures (copied from the corpus), read from the source tree.
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LabelDecodingTests/Fixtures/labels/\(name)").path
    }

    func decode(_ client: StationConnection, _ params: LabelDecodeParams) throws -> LabelDecodeResult {
        try client.call(Method.decodeLabel.rawValue, params, as: LabelDecodeResult.self)
    }

    @Test func decodeByPathAndInlineAndActOnAConfirmedNumber() throws {
        let daemon = try DaemonProcess(config: #"{"server": {"maxLineBytes": 1048576}}"#)
        let client = try daemon.connect(client: "desk-camera")
        let looked = try decode(client, LabelDecodeParams(path: Self.fixture("label_0033.jpg")))
        #expect(looked.waybill?.number == "YT0629322539683")
        #expect(looked.waybill?.confirmed == true)
        #expect(looked.symbols.contains { $0.symbology == "QRCODE" })
        #expect(looked.scan == nil)
        #expect(try client.call(Method.status.rawValue, NoParams(), as: StatusResult.self).events == 0)

        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("label_0207.jpg")))
        let acted = try decode(client, LabelDecodeParams(data: bytes.base64EncodedString(), act: true))
        #expect(acted.waybill?.number == "JT3913308560800")
        #expect(acted.scan?.result == "intake")
        #expect(acted.scan?.scanner == "photo:desk-camera")
        #expect(acted.scan?.parcel?.pickupCode != nil)

        // Hostile input: each a clear error, and the connection stays usable.
        let empty = daemon.directory.file("empty.jpg")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let truncated = bytes.prefix(bytes.count / 3).base64EncodedString()
        let cases: [(String, String)] = [
            (#"{"id":1,"method":"Label.Decode","params":{"path":"\#(empty)"}}"#, "image.empty"),
            (#"{"id":2,"method":"Label.Decode","params":{"data":"\#(truncated)"}}"#, "image.truncated"),
            (#"{"id":3,"method":"Label.Decode","params":{"data":"aGVsbG8gd29ybGQ="}}"#, "image.unsupportedFormat"),
            (#"{"id":4,"method":"Label.Decode","params":{"path":"/nonexistent/x.jpg"}}"#, "image.unreadable"),
            (#"{"id":5,"method":"Label.Decode","params":{"path":"relative.jpg"}}"#, "request.invalidParams"),
            (#"{"id":6,"method":"Label.Decode","params":{}}"#, "request.invalidParams"),
            (#"{"id":7,"method":"Label.Decode","params":{"data":"\#(String(repeating: "A", count: 1_100_000))"}}"#, "request.tooLarge"),
        ]
        for (line, expected) in cases {
            #expect(try client.errorCode(forRawLine: line + "\n") == expected, "\(line.prefix(60))")
        }
        #expect(try decode(client, LabelDecodeParams(path: Self.fixture("label_0075.jpg"))).waybill?.number == "RQ025057258CN")
        #expect(daemon.terminate() == 0)
    }

    @Test func spoolFolderTakesPhotosInOnceAcrossARestart() throws {
        let directory = try TemporaryDirectory(prefix: "parcel-spool")
        let spool = directory.file("camera")
        let config = #"{"labels": {"spool": [{"path": "\#(spool)", "role": "intake"}]}}"#
        // A photo a crashed run had claimed but not finished, and two new ones: a label and a broken file.
        for folder in ["processing", "done", "failed"] {
            try FileManager.default.createDirectory(atPath: "\(spool)/\(folder)", withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: Self.fixture("label_0033.jpg"), toPath: "\(spool)/processing/a.jpg")
        try FileManager.default.copyItem(atPath: Self.fixture("label_0207.jpg"), toPath: "\(spool)/b.jpg")
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: "\(spool)/c.jpg"))
        // A file still being written is left alone.
        try Data([0xFF, 0xD8]).write(to: URL(fileURLWithPath: "\(spool)/d.jpg.part"))

        let daemon = try DaemonProcess(config: config, directory: directory)
        let client = try daemon.connect()
        func settled() throws -> Bool {
            let done = try FileManager.default.contentsOfDirectory(atPath: "\(spool)/done").filter { !$0.hasSuffix(".json") }
            let failed = try FileManager.default.contentsOfDirectory(atPath: "\(spool)/failed").filter { !$0.hasSuffix(".json") }
            return done.count == 2 && failed.count == 1
        }
        let deadline = Date().addingTimeInterval(30)
        while try !settled() && Date() < deadline { usleep(200_000) }
        let doneNames = (try? FileManager.default.contentsOfDirectory(atPath: "\(spool)/done")) ?? []
        #expect(try settled(), "done: \(doneNames)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(spool)/processing").isEmpty)
        #expect(FileManager.default.fileExists(atPath: "\(spool)/d.jpg.part"))
        let note = try String(contentsOfFile: "\(spool)/failed/c.jpg.json", encoding: .utf8)
        #expect(note.contains("unreadable"))
        for tracking in ["YT0629322539683", "JT3913308560800"] {
            let got = try client.call(Method.get.rawValue, GetParams(tracking: tracking), as: GetResult.self)
            #expect(got.parcel.state == "shelved")
            #expect(got.events.first?.actor.contains("spool:") == true)
        }
        let scanners = try client.call(Method.scanners.rawValue, NoParams(), as: ScannersResult.self).scanners
        #expect(scanners.contains { $0.source == "photo" && $0.role == "intake" && $0.attached })
        #expect(daemon.terminate() == 0)

        // The same photo dropped again after a restart: a repeat, still one parcel.
        try FileManager.default.copyItem(atPath: Self.fixture("label_0033.jpg"), toPath: "\(spool)/a-again.jpg")
        let again = try daemon.restarted(config: config)
        let deadline2 = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: "\(spool)/done/a-again.jpg.json") && Date() < deadline2 { usleep(200_000) }
        let repeatNote = try String(contentsOfFile: "\(spool)/done/a-again.jpg.json", encoding: .utf8)
        #expect(repeatNote.contains("repeatIntake"))
        let found = try again.connect().call(Method.search.rawValue, SearchParams(tracking: "YT0629322539683"), as: ParcelsResult.self)
        #expect(found.parcels.count == 1)
        #expect(again.terminate() == 0)
    }
}
