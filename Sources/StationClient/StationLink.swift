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
    private let socketPath: String
    private let clientName: String
    private let group: any EventLoopGroup
    private var outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>?
    private var connecting: Task<Void, any Error>?
    private var pending: [Int64: CheckedContinuation<[UInt8], any Error>] = [:]
    private var nextID: Int64 = 1
    /// What the daemon said at the last Hello.
    private var hello: HelloResult?

    public init(socketPath: String, clientName: String) {
        self.socketPath = socketPath
        self.clientName = clientName
        self.group = MultiThreadedEventLoopGroup.singleton
    }

    /// Calls a declared method; an error reply is thrown as `WireError`, a transport failure as `ClientError`.
    public func call<P, R>(_ method: MethodDeclaration<P, R>, _ params: P, timeout: Duration = .seconds(30)) async throws -> R {
        try await ensureConnected()
        return try StationConnection.decodeResult(try await send(method.rawValue, params, timeout: timeout), as: R.self)
    }

    /// The daemon's answer to this connection's Hello (its station, version and the access it gives), connecting
    /// first if need be.
    public func connectedHello() async throws -> HelloResult {
        try await ensureConnected()
        guard let hello else { throw ClientError.connectionClosed }
        return hello
    }

    /// Sends one request on the open connection and returns its reply line.
    private func send<P: Codable & Sendable>(_ method: String, _ params: P, timeout: Duration) async throws -> [UInt8] {
        guard let outbound else { throw ClientError.connectionClosed }
        let id = nextID
        nextID += 1
        let bytes = try StationConnection.requestLine(id: id, method: method, params: params)
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
            hello = try StationConnection.decodeResult(
                try await send(Method.hello.rawValue, HelloParams(client: clientName), timeout: .seconds(10)), as: HelloResult.self)
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
}

/// Following the daemon's events from an async tool.
public enum StationEvents {
    /// Connects, says hello, subscribes, calls `subscribed` once the daemon confirms, then `event` with each event's
    /// name and line as the daemon wrote it, until the connection ends (an error) or the task is cancelled.
    ///
    /// With a `cursor`, the subscription resumes where the cursor stands (`since`), so a reconnection replays every
    /// durable event missed meanwhile, once and in order, and the cursor follows each event's `seq`. A daemon that
    /// cannot replay from it (`events.gap`, `events.sinceAhead`) resets the cursor and the error is thrown: the
    /// caller re-reads what it shows, and its next call follows live events.
    public static func follow(
        socketPath: String, client: String, cursor: EventCursor? = nil, subscribed: @Sendable () async -> Void,
        event: @Sendable (_ name: String, _ line: [UInt8]) async -> Void
    ) async throws {
        let channel = try await LineChannel.connect(socketPath: socketPath, group: MultiThreadedEventLoopGroup.singleton)
        try await channel.executeThenClose { inbound, outbound in
            let hello = try StationConnection.requestLine(id: 1, method: Method.hello.rawValue, params: HelloParams(client: client))
            try await outbound.write(ByteBuffer(bytes: hello))
            try await outbound.write(
                ByteBuffer(
                    bytes: try StationConnection.requestLine(
                        id: 2, method: Method.subscribe.rawValue, params: SubscribeParams(since: cursor?.seq))))
            for try await buffer in inbound {
                let line = Array(buffer: buffer)
                guard let head = try? StrictJSONDecoder.ownOutput.decode(AnyServerMessage.self, from: Data(line)) else { continue }
                if let error = head.error {
                    if error.code == .eventsGap || error.code == .eventsSinceAhead { cursor?.reset() }
                    throw error
                }
                if let name = head.event {
                    if let seq = head.seq { cursor?.advance(to: seq) }
                    await event(name, line)
                } else if head.id == .number(2) {
                    // Live only so far: start from the ledger's latest, so a reconnection replays what comes next.
                    if cursor?.seq == nil,
                        let latest = try? StrictJSONDecoder.ownOutput.decode(Reply<SubscribeResult>.self, from: Data(line)).result.seq
                    {
                        cursor?.advance(to: latest)
                    }
                    await subscribed()
                }
            }
        }
        throw ClientError.connectionClosed
    }
}
