import Foundation
import StationClient
import StationProtocol
import StationTestSupport
import Testing

/// A photo the image library cannot read: the client is told what is wrong in words, and what libjpeg said
/// reaches the daemon's log with the photo, never the socket.
@Suite(.waitsOnProcesses) struct ImageRejectionTests {
    @Test func aCorruptJPEGIsRefusedInWordsAndTheLibrarysTextIsOnlyLogged() throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: LabelSocketTests.fixture("label_0033.jpg"))))
        // The header overwritten with noise (the decoder's own corrupt-JPEG case).
        for index in 4..<600 { bytes[index] = UInt8(truncatingIfNeeded: index &* 37) }
        let daemon = try DaemonProcess(config: #"{"server": {"maxLineBytes": 1048576}}"#)
        defer { _ = daemon.terminate() }
        let client = try daemon.connect(client: "desk-camera")
        let refused = #expect(throws: WireError.self) {
            _ = try client.call(
                Method.decodeLabel.rawValue, LabelDecodeParams(data: Data(bytes).base64EncodedString()), as: LabelDecodeResult.self)
        }
        #expect(refused?.code == .imageCorrupt)
        #expect(refused?.message == "the JPEG data is corrupt (not a valid JPEG image)")
        // The daemon's log has the refusal with libjpeg's own words beside it.
        let deadline = Date().addingTimeInterval(5)
        while !daemon.log.contains("label photo refused"), Date() < deadline { usleep(20_000) }
        let line = daemon.log.split(separator: "\n").first { $0.contains("label photo refused") }.map(String.init) ?? ""
        #expect(line.contains("detail") && line.contains("image.corrupt") && line.contains("sha256"), "\(daemon.log.suffix(2000))")
    }
}
