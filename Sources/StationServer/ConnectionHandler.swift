import Logging
import NIOCore
import StationEngine
import StationProtocol
import Synchronization

/// One client connection. Requests on one connection are answered in order, one at a time (a client that
/// pipelines an intake and then a lookup sees the intake's effect); different connections run concurrently,
/// which is what lets their writes share a group commit. Events stream after a subscription, and an idle
/// connection is closed.
final class ConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: mutable state lives in `ConnectionState` (locked) or is touched on the event loop only.
    typealias InboundIn = Frame

    let state: ConnectionState
    let dispatcher: RequestDispatcher
    let tracker: RequestTracker
    let maximumLineLength: Int
    let logger: Logger
    private var subscription: Task<Void, Never>?
    private var worker: Task<Void, Never>?
    private var queue: AsyncStream<Frame.Work>.Continuation?
    /// Lines queued but not yet answered; reading pauses above `pauseAbove` so a flood cannot grow memory.
    private let backlog = PendingCounter()
    static let pauseAbove = 64

    init(state: ConnectionState, dispatcher: RequestDispatcher, tracker: RequestTracker, maximumLineLength: Int, logger: Logger) {
        self.state = state
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.maximumLineLength = maximumLineLength
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let (stream, continuation) = AsyncStream<Frame.Work>.makeStream()
        queue = continuation
        let channel = context.channel
        let dispatcher = self.dispatcher
        let state = self.state
        let tracker = self.tracker
        let backlog = self.backlog
        worker = Task {
            for await work in stream {
                let outcome: RequestDispatcher.Outcome
                switch work {
                case .line(let bytes): outcome = await dispatcher.handle(line: bytes, connection: state)
                case .reply(let line): outcome = .reply(line)
                }
                // The request counts as done once its reply has reached the socket: a half-closed connection
                // is closed when nothing is in flight, and must not close before its last reply. The worker does
                // not wait for that, though: replies stay in order (NIO runs writes in submission order) and the
                // next request starts at once.
                let finish: @Sendable (Result<Void, any Error>) -> Void = { _ in
                    tracker.end()
                    if backlog.decrement() == Self.pauseAbove / 4 { channel.setOption(.autoRead, value: true).whenFailure { _ in } }
                    if state.end() { channel.close(promise: nil) }
                }
                switch outcome {
                case .reply(let line):
                    channel.writeAndFlush(ByteBuffer(bytes: line)).whenComplete(finish)
                case .subscribe(let line, let subscription):
                    try? await channel.writeAndFlush(ByteBuffer(bytes: line))
                    channel.eventLoop.execute { self.startSubscription(subscription, channel: channel) }
                    finish(.success(()))
                }
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        queue?.finish()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let work: Frame.Work
        switch unwrapInboundIn(data) {
        case .tooLong(let discarded):
            let error = WireError(
                .tooLarge, "request line of \(discarded) bytes exceeds the limit of \(maximumLineLength) bytes; it was discarded")
            work = .reply(RequestDispatcher.errorLine(id: nil, error))
        case .line(let buffer):
            // Blank lines (a stray Enter in socat) are ignored rather than answered with an error.
            if buffer.readableBytesView.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return }
            work = .line(ByteBufferBytes(bytes: Array(buffer.readableBytesView)))
        }
        guard tracker.begin() else {
            Self.write(RequestDispatcher.errorLine(id: nil, WireError(.shuttingDown, "the daemon is shutting down")), to: context.channel)
            return
        }
        state.begin()
        if backlog.increment() == Self.pauseAbove {
            context.channel.setOption(.autoRead, value: false).whenFailure { _ in }
        }
        queue?.yield(work)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            // `printf '…' | socat - UNIX-CONNECT:…` half-closes after sending: answer everything, then close.
            if state.closeInput() { context.close(promise: nil) }
            return
        }
        if event is IdleStateHandler.IdleStateEvent {
            // A subscriber or a connection with a request in progress is not idle.
            guard !state.isBusy else { return }
            let line = RequestDispatcher.errorLine(id: nil, WireError(.idleTimeout, "connection idle too long; closing"))
            let channel = context.channel
            channel.writeAndFlush(ByteBuffer(bytes: line)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Requests already queued still run to completion (their changes commit); only their replies are lost.
        queue?.finish()
        subscription?.cancel()
        subscription = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A peer that vanished mid-request (EPIPE, ECONNRESET) is routine; its request still completes.
        logger.debug("connection error: \(error)")
        context.close(promise: nil)
    }

    private func startSubscription(_ events: EventSubscription, channel: any Channel) {
        let engine = dispatcher.engine
        let logger = self.logger
        subscription = Task { await events.run(on: channel, engine: engine, logger: logger) }
    }

    static func write(_ line: [UInt8], to channel: any Channel) {
        channel.writeAndFlush(ByteBuffer(bytes: line), promise: nil)
    }
}

/// Refuses a connection over the limit with one error line, then closes it.
final class RejectHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let line: [UInt8]
    init(line: [UInt8]) { self.line = line }

    // Added before the channel is active (the connection limit) or after (the per-user limit, once the peer's
    // credentials are known): answer whichever way it is.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { reject(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        reject(context.channel)
    }

    private func reject(_ channel: any Channel) {
        channel.writeAndFlush(ByteBuffer(bytes: line)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

extension Frame {
    /// What the connection's worker does next, in arrival order.
    enum Work: Sendable {
        case line(ByteBufferBytes)
        /// A reply decided by the framing layer (over-long line), kept in order with the others.
        case reply([UInt8])
    }
}

/// A small locked counter.
final class PendingCounter: Sendable {
    private let value = Mutex(0)
    func increment() -> Int {
        value.withLock {
            $0 += 1; return $0
        }
    }
    func decrement() -> Int {
        value.withLock {
            $0 -= 1; return $0
        }
    }
}
