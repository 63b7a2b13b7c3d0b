import Foundation
import HTTPTypes
import Hummingbird
internal import NIOCore
import ServiceLifecycle

/// How the console answers: pages, redirects after a form, JSON for the script, server-sent events, and the
/// headers every answer carries (a strict Content-Security-Policy: nothing runs or loads that the console
/// did not serve itself).
enum Responses {
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "media-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func page(_ html: HTML, status: HTTPResponse.Status = .ok) -> Response {
        make(status, type: "text/html; charset=utf-8", body: ByteBuffer(string: html.text))
    }

    /// 303 after a form: the browser shows the page anew with a GET, so a reload never repeats the write. `query`
    /// values are percent-encoded here, once for every caller.
    static func redirect(_ path: String, query: KeyValuePairs<String, String> = [:]) -> Response {
        var location = path
        for (index, (name, value)) in query.enumerated() {
            location += (index == 0 ? "?" : "&") + name + "=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        var response = make(.seeOther, type: nil, body: nil)
        response.headers[.location] = location
        return response
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"ok":false,"error":"encoding"}"#.utf8)
        return make(status, type: "application/json; charset=utf-8", body: ByteBuffer(bytes: data))
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        make(.ok, type: type, cache: "public, max-age=31536000, immutable", body: ByteBuffer(bytes: bytes))
    }

    /// A download: CSV or HTML from the report renderer.
    static func download(_ bytes: [UInt8], type: String, filename: String) -> Response {
        var response = make(.ok, type: type, body: ByteBuffer(bytes: bytes))
        let ascii = filename.unicodeScalars.allSatisfy { $0.isASCII && $0 != "\"" } ? filename : "report"
        response.headers[.contentDisposition] = "attachment; filename=\"\(ascii)\""
        return response
    }

    /// Every answer: the security headers, its type, and no caching unless it is an immutable asset.
    private static func make(_ status: HTTPResponse.Status, type: String?, cache: String = "no-store", body: ByteBuffer?) -> Response {
        var headers = securityHeaders
        if let type { headers[.contentType] = type }
        headers[.cacheControl] = cache
        return Response(status: status, headers: headers, body: body.map { ResponseBody(byteBuffer: $0) } ?? ResponseBody())
    }

    /// Server-sent events from `messages`, with a comment every 15 s so a dead connection is noticed.
    static func events(_ messages: AsyncStream<DaemonEvents.Message>) -> Response {
        var response = make(.ok, type: "text/event-stream; charset=utf-8", body: nil)
        response.body = ResponseBody { writer in
            // One loop writes; the daemon's events and the pings feed it.
            let (merged, sink) = AsyncStream<DaemonEvents.Message?>.makeStream(bufferingPolicy: .bufferingNewest(256))
            let forward = Task {
                for await message in messages { sink.yield(message) }
                sink.finish()
            }
            let pings = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(15))
                    sink.yield(nil)
                }
            }
            defer {
                forward.cancel()
                pings.cancel()
            }
            try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
            // SIGTERM ends the stream: the server's graceful shutdown waits for open responses, and this one would
            // otherwise never end (seen: a console that did not stop while a page was open).
            try await withGracefulShutdownHandler {
                for await message in merged {
                    let frame = message.map { "event: \($0.name)\ndata: \($0.json)\n\n" } ?? ": ping\n\n"
                    try await writer.write(ByteBuffer(string: frame))
                }
            } onGracefulShutdown: {
                sink.finish()
            }
            try await writer.finish(nil)
        }
        return response
    }

    static var securityHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts.
        headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return headers
    }
}
