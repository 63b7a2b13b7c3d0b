import NIOCore
import StationProtocol

/// What the framing layer hands up: a complete line, or the news that a line was too long and was discarded.
enum Frame {
    case line(ByteBuffer)
    case tooLong(discarded: Int)
}

/// `LineFraming` over NIO's buffers: splits the byte stream on `\n` with a hard maximum line length.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = Frame

    private var framing: LineFraming

    init(maximumLength: Int) { framing = LineFraming(maximumLength: maximumLength) }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let step = buffer.withUnsafeReadableBytes { framing.step($0) }
        switch step {
        case .needMore(let consumed):
            buffer.moveReaderIndex(forwardBy: consumed)
            return .needMoreData
        case .tooLong(let length, let consumed):
            buffer.moveReaderIndex(forwardBy: consumed)
            context.fireChannelRead(Self.wrapInboundOut(.tooLong(discarded: length)))
            return .continue
        case .line(let range, let consumed):
            let line = buffer.getSlice(at: buffer.readerIndex + range.lowerBound, length: range.count)!
            buffer.moveReaderIndex(forwardBy: consumed)
            context.fireChannelRead(Self.wrapInboundOut(.line(line)))
            return .continue
        }
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A final request without its newline is still a request (e.g. `printf '{…}' | socat`).
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 && !framing.isDiscarding {
            let line = buffer.readSlice(length: buffer.readableBytes)!
            context.fireChannelRead(Self.wrapInboundOut(.line(line)))
        }
        return .needMoreData
    }
}
