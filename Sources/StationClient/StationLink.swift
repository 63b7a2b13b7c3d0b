import Foundation
internal import NIOCore
internal import NIOPosix
public import StationProtocol
import StrictJSON

/// An async, multiplexed connection to `parcel-stationd` for long-running station tools (the console): many
/// calls in flight on one socket, replies matched by id, reconnecting on the next call after the daemon restarts.
/// Calls are never retried: a write whose connection dropped is reported as `connectionClosed`, because only a
/// fresh read can tell whether it took effect.
public actor StationLink {
    public let socketPath: String
    private let clientName: String
    private let group: any EventLoopGroup
    private var outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>?
    private var connecting: Task<Void, any Error>?
    private var pending: [Int64: CheckedContinuation<[UInt8], any Error>] = [:]
    private var nextID: Int64 = 1
    /// What the daemon said at the last Hello.
    public private(set) var hello: HelloResult?

    public init(socketPath: String, clientName: String) {
        self.socketPath = socketPath
        self.clientName = clientName
        self.group = MultiThreadedEventLoopGroup.singleton
    }

    /// Calls a declared method; an error reply is thrown as `WireError`, a transport failure as `ClientError`.
    public func call<P, R>(_ method: MethodDeclaration<P, R>, _ params: P, timeout: Duration = .seconds(30)) async throws -> R {
        let line = try await callRaw(method.rawValue, params, timeout: timeout)
        return try Self.decodeResult(line, as: R.self)
    }

    /// Sends one request and returns its reply line.
    public func callRaw<P: Codable & Sendable>(_ method: String, _ params: P, timeout: Duration = .seconds(30)) async throws -> [UInt8] {
        try await ensureConnected()
        guard let outbound else { throw ClientError.connectionClosed }
        let id = nextID
        nextID += 1
        var bytes = [UInt8](try Self.encoder.encode(Request(id: .number(id), method: method, params: params)))
        bytes.append(UInt8(ascii: "\n"))
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.fail(id, ClientError.timedOut)
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            pending[id] = continuation
            Task {
                do {
                    try await outbound.write(ByteBuffer(bytes: bytes))
                } catch {
                    self.fail(id, ClientError.connectionClosed)
                }
            }
        }
    }

    /// True when a connection is open (it may still drop at any moment).
    public var isConnected: Bool { outbound != nil }

    private func ensureConnected() async throws {
        if outbound != nil { return }
        if let connecting { return try await connecting.value }
        let task = Task { try await self.open() }
        connecting = task
        defer { connecting = nil }
        try await task.value
    }

    private func open() async throws {
        let channel = try await LineChannel.connect(socketPath: socketPath, group: group)
        let (ready, readyContinuation) = AsyncStream<NIOAsyncChannelOutboundWriter<ByteBuffer>>.makeStream()
        // The reader owns the channel for its whole life; when the daemon closes it, every pending call fails.
        Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    readyContinuation.yield(outbound)
                    readyContinuation.finish()
                    for try await line in inbound { self.deliver(Array(buffer: line)) }
                }
            } catch {}
            readyContinuation.finish()
            self.dropped()
        }
        var writers = ready.makeAsyncIterator()
        guard let writer = await writers.next() else { throw ClientError.connectionClosed }
        outbound = writer
        let hello: HelloResult
        do {
            hello = try await call(Method.hello, HelloParams(client: clientName), timeout: .seconds(10))
        } catch {
            writer.finish()
            outbound = nil
            throw error
        }
        guard hello.protocol.major == ProtocolVersion.current.major else {
            writer.finish()
            outbound = nil
            throw ClientError.incompatible(server: hello.protocol.description)
        }
        self.hello = hello
    }

    private func deliver(_ line: [UInt8]) {
        guard let head = try? StrictJSONDecoder.ownOutput.decode(AnyServerMessage.self, from: Data(line)), !head.isEvent else { return }
        if case .number(let id) = head.id, let continuation = pending.removeValue(forKey: id) {
            continuation.resume(returning: line)
        } else if head.id == nil, let error = head.error {
            // An error about a line itself (too large, malformed) carries no id: it belongs to the oldest call.
            if let oldest = pending.keys.min(), let continuation = pending.removeValue(forKey: oldest) {
                continuation.resume(throwing: error)
            }
        }
    }

    private func fail(_ id: Int64, _ error: ClientError) {
        pending.removeValue(forKey: id)?.resume(throwing: error)
    }

    private func dropped() {
        outbound = nil
        hello = nil
        let calls = pending
        pending = [:]
        for continuation in calls.values { continuation.resume(throwing: ClientError.connectionClosed) }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static func decodeResult<R: Decodable>(_ line: [UInt8], as type: R.Type) throws -> R {
        try StationConnection.decodeResult(line, as: type)
    }
}

/// Following the daemon's events from an async tool.
public enum StationEvents {
    /// Connects, says hello, subscribes, calls `subscribed` once the daemon confirms, then `event` with each event's
    /// name and line as the daemon wrote it, until the connection ends (an error) or the task is cancelled.
    public static func follow(
        socketPath: String, client: String, subscribed: @Sendable () async -> Void,
        event: @Sendable (_ name: String, _ line: [UInt8]) async -> Void
    ) async throws {
        let channel = try await LineChannel.connect(socketPath: socketPath, group: MultiThreadedEventLoopGroup.singleton)
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: try requestLine(1, Method.hello, HelloParams(client: client))))
            try await outbound.write(ByteBuffer(bytes: try requestLine(2, Method.subscribe, NoParams())))
            for try await buffer in inbound {
                let line = Array(buffer: buffer)
                guard let head = try? StrictJSONDecoder.ownOutput.decode(AnyServerMessage.self, from: Data(line)) else { continue }
                if let error = head.error { throw error }
                if let name = head.event {
                    await event(name, line)
                } else if head.id == .number(2) {
                    await subscribed()
                }
            }
        }
        throw ClientError.connectionClosed
    }

    private static func requestLine<P, R>(_ id: Int64, _ method: MethodDeclaration<P, R>, _ params: P) throws -> [UInt8] {
        var bytes = [UInt8](try StationLink.encoder.encode(Request(id: .number(id), method: method.rawValue, params: params)))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
