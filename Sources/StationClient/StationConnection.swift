public import Foundation
public import StationProtocol
import StrictJSON

#if canImport(Glibc)
    import Glibc
#endif

/// Failures talking to the daemon (as opposed to error replies, which are `WireError`).
public enum ClientError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotConnect(path: String, reason: String)
    case connectionClosed
    case timedOut
    case badReply(String)
    /// The daemon speaks another major protocol version.
    case incompatible(server: String)

    public var description: String {
        switch self {
        case .cannotConnect(let path, let reason):
            "cannot reach parcel-stationd at \(path): \(reason). Is the daemon running? (--socket or PARCEL_STATION_SOCKET choose another socket)"
        case .connectionClosed: "the daemon closed the connection"
        case .timedOut: "the daemon did not answer in time"
        case .badReply(let text): "unexpected reply from the daemon: \(text)"
        case .incompatible(let server): "the daemon speaks protocol \(server), this tool \(ProtocolVersion.current)"
        }
    }
}

/// A blocking client connection to `parcel-stationd`: one request line out, reply lines in. Used by
/// `parcelctl`, the benchmark and the end-to-end tests; station tools in other languages need nothing more
/// than a Unix socket and a JSON library.
public final class StationConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var nextID: Int64 = 1
    /// Events that arrived while waiting for a reply, in order.
    public private(set) var pendingEvents: [[UInt8]] = []

    /// Connects to the socket at `path`. `timeout` bounds each read (nil: wait forever, for `watch`).
    public init(socketPath path: String, timeout: Double? = 30) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ClientError.cannotConnect(path: path, reason: String(cString: strerror(errno))) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw ClientError.cannotConnect(path: path, reason: "path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ClientError.cannotConnect(path: path, reason: reason)
        }
        if let timeout {
            var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends `Station.Hello` and returns the server's answer.
    @discardableResult
    public func hello(client: String) throws -> HelloResult {
        try call(Method.hello, HelloParams(client: client))
    }

    /// Calls a declared method (`Method.intake`…): its params type is checked and its result type follows.
    public func call<P, R>(_ method: MethodDeclaration<P, R>, _ params: P) throws -> R {
        try call(method.rawValue, params, as: R.self)
    }

    /// Calls `method` by name and decodes its result; an error reply is thrown as `WireError`.
    public func call<P: Codable & Sendable, R: Codable & Sendable>(_ method: String, _ params: P, as type: R.Type) throws -> R {
        let data = try callRaw(method, params)
        return try Self.decodeResult(data, as: type)
    }

    /// Calls `method` and returns the reply line's bytes (for `--json` output and tests).
    public func callRaw<P: Codable & Sendable>(_ method: String, _ params: P) throws -> [UInt8] {
        let id = nextID
        nextID += 1
        try send(try Self.requestLine(id: id, method: method, params: params))
        while true {
            let reply = try readLine()
            let head = try? StrictJSONDecoder.ownOutput.decode(AnyServerMessage.self, from: Data(reply))
            if head?.isEvent == true {
                pendingEvents.append(reply)
                continue
            }
            // Errors about the line itself (too large, malformed) carry no id.
            if head?.id == .number(id) || head?.id == nil { return reply }
        }
    }

    /// One request as the line the daemon reads: sorted keys (stable for logs and goldens) and a newline.
    static func requestLine<P: Codable & Sendable>(id: Int64, method: String, params: P) throws -> [UInt8] {
        var line = [UInt8](try requestEncoder.encode(Request(id: .number(id), method: method, params: params)))
        line.append(UInt8(ascii: "\n"))
        return line
    }

    private static let requestEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Decodes a reply line: its result, or its error thrown as `WireError`.
    public static func decodeResult<R: Decodable>(_ line: [UInt8], as type: R.Type) throws -> R {
        let data = Data(line)
        let decoder = StrictJSONDecoder.ownOutput
        do {
            try decoder.preflight.check(data)
        } catch {
            throw ClientError.badReply("\(error)")
        }
        if let message = try? decoder.decodeChecked(AnyServerMessage.self, from: data), let error = message.error {
            throw error
        }
        do {
            return try decoder.decodeChecked(ResultOnly<R>.self, from: data).result
        } catch {
            throw ClientError.badReply(String(decoding: line.prefix(200), as: UTF8.self))
        }
    }

    /// Writes raw bytes (tests use this to send malformed input).
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ClientError.connectionClosed
            }
            offset += written
        }
    }

    /// The next line from the daemon, without its newline.
    public func readLine() throws -> [UInt8] {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { throw ClientError.connectionClosed }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw ClientError.timedOut }
                throw ClientError.connectionClosed
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// The next event line (one already received while waiting for a reply first).
    public func nextEvent() throws -> [UInt8] {
        if !pendingEvents.isEmpty { return pendingEvents.removeFirst() }
        while true {
            let line = try readLine()
            if (try? StrictJSONDecoder.ownOutput.decode(AnyServerMessage.self, from: Data(line)))?.isEvent == true { return line }
        }
    }
}

private struct ResultOnly<R: Decodable>: Decodable { let result: R }

/// Where clients look for the daemon's socket.
public enum SocketLocation {
    /// The system daemon's socket (systemd `RuntimeDirectory=parcel-station`).
    public static let system = "/run/parcel-station/parcel-station.sock"
    /// The development daemon's socket (`scripts/run.sh`), relative to the repository.
    public static let local = "run/parcel-station.sock"

    /// `--socket` if given, then `$PARCEL_STATION_SOCKET`, then the system socket if it exists, else the
    /// local development socket.
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let env = environment["PARCEL_STATION_SOCKET"], !env.isEmpty { return env }
        if FileManager.default.fileExists(atPath: system) { return system }
        return FileManager.default.fileExists(atPath: local) ? local : system
    }
}
