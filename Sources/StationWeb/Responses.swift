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
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html.text)))
    }

    /// 303 after a form: the browser shows the page anew with a GET, so a reload never repeats the write.
    static func redirect(_ location: String) -> Response {
        var headers = securityHeaders
        headers[.location] = location
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data(#"{"ok":false,"error":"encoding"}"#.utf8)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=31536000, immutable"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A download: CSV or HTML from the report renderer.
    static func download(_ bytes: [UInt8], type: String, filename: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        let ascii = filename.unicodeScalars.allSatisfy { $0.isASCII && $0 != "\"" } ? filename : "report"
        headers[.contentDisposition] = "attachment; filename=\"\(ascii)\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Server-sent events from `messages`, with a comment every 15 s so a dead connection is noticed.
    static func events(_ messages: AsyncStream<DaemonEvents.Message>) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { writer in
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
        return Response(status: .ok, headers: headers, body: body)
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
