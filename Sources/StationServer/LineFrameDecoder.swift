import NIOCore

/// What the framing layer hands up: a complete line, or the news that a line was too long and was discarded.
enum Frame {
    case line(ByteBuffer)
    case tooLong(discarded: Int)
}

/// Splits the byte stream on `\n` (a preceding `\r` is dropped too) with a hard maximum line length.
///
/// An over-long line is not buffered: its bytes are discarded as they arrive until its newline, and one
/// `.tooLong` frame reports it, so a client sending a huge line costs the server nothing and the connection
/// stays usable for the next request.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = Frame

    let maximumLength: Int
    private var discarding = false
    private var discarded = 0

    init(maximumLength: Int) { self.maximumLength = maximumLength }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if discarding || buffer.readableBytes > maximumLength {
                // Drop what we have; keep counting until the newline arrives.
                discarding = true
                discarded += buffer.readableBytes
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            }
            return .needMoreData
        }
        let length = newline - view.startIndex
        if discarding || length > maximumLength {
            let total = discarded + length
            discarding = false
            discarded = 0
            buffer.moveReaderIndex(forwardBy: length + 1)
            context.fireChannelRead(Self.wrapInboundOut(.tooLong(discarded: total)))
            return .continue
        }
        var line = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
        context.fireChannelRead(Self.wrapInboundOut(.line(line)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A final request without its newline is still a request (e.g. `printf '{…}' | socat`).
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 && !discarding {
            let line = buffer.readSlice(length: buffer.readableBytes)!
            context.fireChannelRead(Self.wrapInboundOut(.line(line)))
        }
        return .needMoreData
    }
}
