import NIOCore

/// Closes a connection whose request line does not arrive in full within `timeout` of its first byte.
///
/// The idle timeout only counts silence, so a peer trickling one byte a second of an unfinished line held its
/// connection (and with enough of them, every connection) for as long as it liked. A request line is at most
/// `server.maxLineBytes`; on a local socket it arrives in milliseconds, so a line still unfinished after the
/// deadline is answered `request.lineTimeout` and its connection closed.
final class LineDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let timeout: TimeAmount
    let line: [UInt8]
    /// Bytes received since the last newline: a line in progress when > 0.
    private var partial = 0
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, reply line: [UInt8]) {
        self.timeout = timeout
        self.line = line
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let view = buffer.readableBytesView
        if let lastNewline = view.lastIndex(of: UInt8(ascii: "\n")) {
            // A line ended: the deadline restarts with whatever follows it.
            partial = view.endIndex - lastNewline - 1
            deadline?.cancel()
            deadline = nil
        } else {
            partial += view.count
        }
        if partial > 0 && deadline == nil {
            let channel = context.channel
            let line = self.line
            deadline = context.eventLoop.scheduleTask(in: timeout) {
                channel.writeAndFlush(ByteBuffer(bytes: line)).whenComplete { _ in channel.close(promise: nil) }
            }
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A half-closed peer's last line (sent without its newline) is complete: nothing more can arrive.
        if case ChannelEvent.inputClosed = event {
            deadline?.cancel()
            deadline = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}
