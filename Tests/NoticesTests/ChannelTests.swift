import Foundation
import StationTestSupport
import Testing

@testable import Notices

@Suite struct ExecChannelTests {
    let payload = NoticePayload(message: message("evt-1"), attempt: 1)

    @Test func aScriptReceivesTheNoticeAsJSONOnStdin() async throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let record = dir.file("stdin.json")
        let script = try dir.script("send.sh", #"cat > "$1"; echo "queued as 42" >&2; exit 0"#)
        let channel = ExecChannel(.init(executable: script, arguments: [record], timeoutSeconds: 10))
        let result = await channel.deliver(payload)
        #expect(result == .delivered("queued as 42"))
        let written = try String(contentsOfFile: record, encoding: .utf8)
        #expect(written.hasSuffix("}\n"))
        #expect(written.filter { $0 == "\n" }.count == 1, "one JSON object on one line")
        let received = try decodePayload(written)
        #expect(received == payload)
        #expect(received.text == "【李家村服务站】您的中通快递已到站，取件码3-2-0147，请于11月29日前到店领取。营业时间8:00-20:00")
        #expect(received.key == "evt-1/first/0")
        #expect(received.recipient.phone == "13800001234")
    }

    @Test func aFailingScriptIsRetryableWithItsFirstStderrLine() async throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let script = try dir.script("fail.sh", #"cat > /dev/null; echo "gateway unreachable" >&2; echo "more detail" >&2; exit 3"#)
        let result = await ExecChannel(.init(executable: script, timeoutSeconds: 10)).deliver(payload)
        #expect(result == .retryable("exit 3: gateway unreachable"))
    }

    @Test func configuredExitCodesArePermanent() async throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let script = try dir.script("refuse.sh", #"echo "no such subscriber" >&2; exit 67"#)
        let result = await ExecChannel(.init(executable: script, timeoutSeconds: 10)).deliver(payload)
        #expect(result == .permanent("exit 67: no such subscriber"))
    }

    @Test func aHangingScriptTimesOutAndItsProcessGroupIsKilled() async throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let childPid = dir.file("child.pid")
        // The script starts a child and waits on it: both must die when the channel gives up.
        let script = try dir.script("hang.sh", #"sleep 300 & echo $! > "$1"; wait"#)
        let started = ContinuousClock.now
        let result = await ExecChannel(.init(executable: script, arguments: [childPid], timeoutSeconds: 1)).deliver(payload)
        let took = ContinuousClock.now - started
        #expect(result == .retryable("timed out after 1 s"))
        // Far below the child's 300 s: the channel gave up at its timeout. The margin is wide because on a 2-core CI
        // machine the blocking end-to-end tests running beside this one can hold the cooperative threads for ~30 s.
        #expect(took < .seconds(120), "took \(took)")
        let pid = try #require(Int32(String(contentsOfFile: childPid, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // The orphaned sleep may linger as a zombie until reaped; it must not still be running.
        var gone = false
        for _ in 0..<100 {
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
            if state == nil || state == "Z" {
                gone = true
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(gone, "the script's child \(pid) survived the timeout")
    }

    @Test func aScriptThatExitsWhileItsChildHoldsStderrIsNotATimeout() async throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let script = try dir.script("bg.sh", #"sleep 60 & echo "handed to modem" >&2; exit 0"#)
        let started = ContinuousClock.now
        let result = await ExecChannel(.init(executable: script, timeoutSeconds: 10)).deliver(payload)
        #expect(result == .delivered("handed to modem"))
        // It returned when the script exited, not when its background child (60 s) let go of stderr (with the margin
        // a loaded CI machine needs: see aHangingScriptTimesOutAndItsProcessGroupIsKilled).
        #expect(ContinuousClock.now - started < .seconds(55))
    }

    @Test func aScriptThatIgnoresStdinOrDiesBySignalOrIsMissing() async throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let quiet = try dir.script("quiet.sh", "exit 0")
        #expect(await ExecChannel(.init(executable: quiet)).deliver(payload) == .delivered("exit 0"))
        let killed = try dir.script("killed.sh", "kill -9 $$")
        #expect(await ExecChannel(.init(executable: killed)).deliver(payload) == .retryable("killed by signal 9"))
        let missing = await ExecChannel(.init(executable: dir.file("nope.sh"))).deliver(payload)
        #expect(missing.status == .retryable)
        #expect(missing.reason.hasPrefix("cannot start \(dir.file("nope.sh"))"))
    }

    @Test func manyConcurrentSendsEachGetTheirOwnPipes() async throws {
        let dir = try TemporaryDirectory(prefix: "notices-test")
        let script = try dir.script("copy.sh", #"cat > "$1""#)
        let results = await withTaskGroup(of: (Int, DeliveryResult).self) { group in
            for index in 0..<12 {
                group.addTask {
                    let channel = ExecChannel(.init(executable: script, arguments: [dir.file("out-\(index)")], timeoutSeconds: 10))
                    return (index, await channel.deliver(NoticePayload(message: message("evt-\(index)"), attempt: 1)))
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for index in 0..<12 {
            #expect(results[index]?.status == .delivered)
            let written = try decodePayload(String(contentsOfFile: dir.file("out-\(index)"), encoding: .utf8))
            #expect(written.eventId == "evt-\(index)")
        }
    }
}

@Suite struct HTTPChannelTests {
    let payload = NoticePayload(message: message("evt-2"), attempt: 1)

    @Test func aGatewayFailingFirstThenSucceeding() async throws {
        let gateway = try GatewayServer(statuses: [500, 200])
        let channel = HTTPChannel(.init(url: gateway.url, headers: ["Authorization": "Bearer s3cret"], timeoutSeconds: 5))
        #expect(await channel.deliver(payload) == .retryable(#"HTTP 500: {"error":"gateway busy"}"#))
        #expect(await channel.deliver(payload) == .delivered(#"HTTP 200: {"ok":true}"#))
        let requests = try gateway.requests()
        #expect(requests.count == 2)
        for request in requests {
            #expect(request.path == "/sms/send")
            #expect(request.headers["authorization"] == "Bearer s3cret")
            #expect(request.headers["idempotency-key"] == "evt-2/first/0")
            #expect(request.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(try decodePayload(request.body) == payload)
        }
    }

    @Test func clientErrorsArePermanentExceptTooManyRequests() async throws {
        let refused = try GatewayServer(statuses: [403])
        #expect(await HTTPChannel(.init(url: refused.url)).deliver(payload).status == .permanent)
        let throttled = try GatewayServer(statuses: [429])
        #expect(await HTTPChannel(.init(url: throttled.url)).deliver(payload).status == .retryable)
    }

    @Test func aSlowGatewayTimesOut() async throws {
        let gateway = try GatewayServer(statuses: [200], delay: 60)
        let started = ContinuousClock.now
        let result = await HTTPChannel(.init(url: gateway.url, timeoutSeconds: 1)).deliver(payload)
        #expect(result == .retryable("timed out after 1 s"))
        // Before the gateway's 60 s answer (the margin absorbs a loaded CI machine, as above).
        #expect(ContinuousClock.now - started < .seconds(55))
    }

    @Test func aClosedPortIsRetryable() async throws {
        // Start a server to learn a free port, then stop it.
        var port = 0
        do { port = try GatewayServer(statuses: [200]).port }
        let result = await HTTPChannel(.init(url: URL(string: "http://127.0.0.1:\(port)/")!, timeoutSeconds: 3)).deliver(payload)
        #expect(result.status == .retryable)
        #expect(!result.reason.isEmpty)
    }

    @Test func statusClassification() {
        #expect(HTTPChannel.classify(status: 204, body: Data()) == .delivered("HTTP 204"))
        #expect(HTTPChannel.classify(status: 400, body: Data("bad phone\nstack".utf8)) == .permanent("HTTP 400: bad phone"))
        #expect(HTTPChannel.classify(status: 408, body: Data()).status == .retryable)
        #expect(HTTPChannel.classify(status: 503, body: Data()).status == .retryable)
        #expect(HTTPChannel.classify(status: 302, body: Data()).status == .retryable)
    }
}
