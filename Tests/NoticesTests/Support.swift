import Foundation
import Notices
import StationTestSupport

let shanghai = TimeZone(identifier: "Asia/Shanghai")!

/// A wall-clock instant in a time zone.
func date(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0, in zone: TimeZone = shanghai) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
}

let liJiaCunFacts = NoticeFacts(
    stationName: "李家村服务站", pickupCode: "3-2-0147", trackingNumber: "75123456789012", courierName: "中通快递",
    openingHours: "8:00-20:00", deadline: date(2026, 11, 29, 18))

func message(_ eventId: String, kind: NoticeKind = .first, reminder: Int = 0) -> NoticeMessage {
    try! NoticeComposer(timeZone: shanghai).compose(
        NoticeKey(eventId: eventId, kind: kind, reminder: reminder), facts: liJiaCunFacts,
        recipient: NoticeRecipient(phone: "13800001234", phoneTail: "1234"))
}

/// A channel that answers from a script of results (the last one repeats) and counts what it was given.
actor ScriptedChannel: NoticeChannel {
    nonisolated let timeLimit: Duration = .seconds(5)
    private var script: [DeliveryResult]
    private(set) var payloads: [NoticePayload] = []
    private let pause: Duration

    init(_ script: [DeliveryResult], pause: Duration = .zero) {
        self.script = script
        self.pause = pause
    }

    func deliver(_ payload: NoticePayload) async -> DeliveryResult {
        payloads.append(payload)
        if pause > .zero { try? await Task.sleep(for: pause) }
        return script.count > 1 ? script.removeFirst() : script[0]
    }

    func count(_ key: NoticeKey) -> Int { payloads.filter { $0.key == key.description }.count }
}

/// A local HTTP endpoint: a small Python server (Debian's /usr/bin/python3) answering POSTs with the given
/// statuses in turn (the last repeats), after `delay` seconds, and logging each request as a JSON line.
final class GatewayServer: @unchecked Sendable {
    let port: Int
    let logPath: String
    private let process: Process
    private let dir: TemporaryDirectory

    static let source = """
        import http.server, json, signal, sys, threading, time
        # Foundation's Process starts children with the test runner's blocked signals; unblock so SIGTERM works.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        statuses = [int(s) for s in sys.argv[1].split(",")]
        log_path = sys.argv[2]
        delay = float(sys.argv[3])
        lock = threading.Lock()
        count = [0]
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    index = count[0]
                    count[0] += 1
                    with open(log_path, "a") as log:
                        headers = {k.lower(): v for k, v in self.headers.items()}
                        log.write(json.dumps({"path": self.path, "headers": headers, "body": body.decode()}) + "\\n")
                status = statuses[min(index, len(statuses) - 1)]
                time.sleep(delay)
                reply = b'{"ok":true}' if status < 300 else b'{"error":"gateway busy"}\\nsecond line'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    init(statuses: [Int], delay: Double = 0) throws {
        dir = try TemporaryDirectory(prefix: "notices-test")
        let script = dir.file("gateway.py")
        try Self.source.write(toFile: script, atomically: true, encoding: .utf8)
        logPath = dir.file("requests.jsonl")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, statuses.map(String.init).joined(separator: ","), logPath, String(delay)]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The server prints the port it bound (port 0: the system picks a free one).
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port)/sms/send")! }

    struct Request: Decodable {
        var path: String
        var headers: [String: String]
        var body: String
    }

    func requests() throws -> [Request] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    deinit {
        // SIGKILL: cannot be blocked or ignored, so the wait cannot hang.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

func decodePayload(_ text: String) throws -> NoticePayload {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return try decoder.decode(NoticePayload.self, from: Data(text.utf8))
}

/// Counts calls from any thread (the dispatcher's clock is called once per round).
final class RoundCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() {
        lock.lock()
        value += 1
        lock.unlock()
    }
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
